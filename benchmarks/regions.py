"""Regions and hints on degraded line art: how well each region finder recovers the true areas.

On held-out (line art, colour) pairs (`lines/NAME.png`, `colors/NAME.png`,
as `kac data svg-pairs` writes them; render them at 1024 for this), the
artist's lines are degraded as real sketches are: 40 and 120 random gaps,
lightened to pencil grey, thinned, hatching added in coloured areas, JPEG
q=70, and `real`: each picture given a random mix of the real-sketch
traits training uses (`sketch.real.real_sketch`: thinned, broken, double
strokes, hatching, pencil, paper texture, blur, JPEG, each with its own
chance), and `shadow`: the page photographed under uneven light
(`sketch.real.shadow`: 20-45% darker from one side to the other). For
each degradation and method:

- `pixels_in_true_region`: the share of pixels (off the true lines, in
  true regions of at least 0.05% of the picture) whose predicted region and
  true region choose each other (the predicted region's largest true part
  is this one, and this true region's largest predicted part is that one):
  a merge or a split costs the smaller side's pixels.
- `regions_right`: the share of true regions with at least 90% of their
  pixels so.
- `seconds_per_megapixel` of the region finding alone (ink included).
- With `--hints N` (default 10): N dots placed as users place them (on the
  figure, not the open background; each in a different true region, larger
  regions likelier, anywhere in it, lines near included) in the region's
  true colour; `hinted_error` is the CIE76 error of the painted result
  (flats, lines multiplied) against the colour picture, averaged inside
  each hinted true region and then over them, `unhinted_error` the same
  regions with no hints (G's colours; the `--model`, default the shipped
  one), and `ratio` their quotient (target <= 0.25). Also the dots' own
  colour error (median CIE76 at the dots' centres), and without hints the
  area colour error (CIE76 on 32x32 box means, `utils.metrics`) of the
  painted result and of the bare sketch against the colour picture, and on
  how many pictures the result is further from it than the bare sketch.
  With the dots, the whole page too: the area colour error of the painted
  result (G given no dots, as above), of the product (`Colorizer.colorize`
  with the dots: G given them too, then the paint stages), of the paint
  stages without the hints' flow through gaps (the stages before session
  37) and without the dots' reach over drawn lines and with G colouring
  the regions on the picture's border (before session 38),
  and of a network-free baseline the issue names (`dot_watershed`: a
  watershed grown from the dots over the ink's blurred darkness, the
  picture's border seeded as paper, the lines multiplied over it), against
  the bare sketch's, and on how many pictures each beats the bare sketch.

`line_ceiling`: about the best a method that sees only the lines can score
against this truth: the true regions, merged wherever two of them touch
with no ink between them (a colour step the artist drew no line for:
shading, a highlight, a stroke that ends inside one colour), scored as a
prediction (the artist's clean lines, their ink closed by two pixels as
`connected` closes it; an estimate, not a bound: a method that closes
wider openings can split what this merges, rightly or not).

`line_closed` (per method) repeats `pixels_in_true_region` on the
pictures whose lines separate at least 99.5% of the truth's pixels (their
`line_ceiling` score; their count in `line_closed.pictures`), where the
truth has no colour step without a line and 99% is within reach.

True regions: 4-connected areas of the colour picture that change by at
most 6/255 per channel from pixel to pixel, off the artist's lines.

Methods: `connected` (the flats step before the paint stages: ink is luma
< 128, 2 px gap closing, connected areas), `multiscale_fixed_ink` (the
package's multi-scale fill on that same fixed mid-grey ink),
`multiscale_every_level` (new regions may appear at every level of the
fill, as a plain reading of style2paints' method has it, on the package's
ink), `distance_watershed` (an alternative: a watershed of the paper's
distance to the ink, basins merged where the passage between them is at
least half as wide as the narrower one), `paint_without_join` (the package
before session 39: its thin areas stay cut into beads, every pen's gaps
closed alike), `paint_fixed_closing`
(beads joined, gaps closed alike), `paint_shading_as_lines` (the package
before session 40: hatching strokes bound areas as lines do) and `paint`
(the package: ink from each picture's own tones, shading strokes left
out of the lines that bound areas (`area_lines`), the multi-scale fill
with new regions at the picture's own level, wider gaps closed for thick
strokes, beads joined again).

Gaps are squares of paper 1-3 line widths across, placed on the lines.

`--methods` and `--degradations` choose what is scored (each picture's
degradations stay the same whichever are chosen): the hint rows alone,
about 25 s a page on 2 idle cores, come from `--methods paint`.

    python benchmarks/regions.py --pairs data/regions-1024 --limit 40 --out reports/regions.json
"""

import argparse
import time
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage

from report import emit  # noqa: E402  (benchmarks/report.py)

from keras_anime_cyclegan.paint import regions as R
from keras_anime_cyclegan.sketch import real

DEGRADATIONS = ["clean", "gaps_40", "gaps_120", "pencil", "thinned", "hatching", "jpeg_70", "real", "shadow"]
MIN_TRUE_REGION = 5e-4


def true_regions(colour: np.ndarray, lines: np.ndarray) -> np.ndarray:
    c = colour.astype(np.int16)
    ink = lines.min(axis=-1) < 128
    edge = np.zeros(ink.shape, bool)
    dy = np.abs(c[1:] - c[:-1]).max(axis=-1) > 6
    dx = np.abs(c[:, 1:] - c[:, :-1]).max(axis=-1) > 6
    edge[1:] |= dy
    edge[:, 1:] |= dx
    labels, n = ndimage.label(~(edge | ink))
    sizes = np.bincount(labels.ravel(), minlength=n + 1)
    small = sizes < MIN_TRUE_REGION * labels.size
    small[0] = True
    labels[small[labels]] = 0
    return labels


def line_ceiling(truth: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """The true regions merged wherever they touch with no line between them (see the module's docstring)."""
    from keras_anime_cyclegan.paint.grow import grow
    from keras_anime_cyclegan.paint.ink import find_ink

    ink = ndimage.binary_dilation(find_ink(lines).mask, iterations=2)
    labels = truth.astype(np.int32)
    grow(labels, ~ink)  # the true regions take the colour steps and specks between them
    parent = np.arange(int(truth.max()) + 1)

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in ((labels[1:], labels[:-1]), (labels[:, 1:], labels[:, :-1])):
        touching = (a != b) & (a > 0) & (b > 0)
        for x, y in set(zip(a[touching].tolist(), b[touching].tolist())):
            parent[root(x)] = root(y)
    return np.array([root(i) for i in range(len(parent))])[labels]


def degrade(lines: np.ndarray, truth: np.ndarray, kind: str, rng, colour: np.ndarray | None = None) -> np.ndarray:
    """One degradation of the artist's lines (`kac.sketch.real`, what training's real-sketch styles use);
    `real` is `real.real_sketch`'s random mix of them (with double strokes, paper texture and blur too),
    which needs the `colour` picture."""
    if kind == "real":
        return real.real_sketch(lines, colour, rng)
    if kind.startswith("gaps_"):
        return real.gaps(lines, rng, int(kind[5:]))
    if kind == "pencil":
        return real.pencil(lines, rng)
    if kind == "thinned":
        return real.thin(lines, rng)
    if kind == "hatching":
        return real.hatching(lines, truth, rng)
    if kind == "jpeg_70":
        return real.jpeg(lines, rng, quality=70)
    if kind == "shadow":
        return real.shadow(lines, rng)
    return lines.copy()


def agreement(pred: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    valid = truth > 0
    t, p = truth[valid].astype(np.int64), pred[valid].astype(np.int64)
    pairs = t * (p.max() + 1) + p
    uniq, counts = np.unique(pairs, return_counts=True)
    tu, pu = uniq // (p.max() + 1), uniq % (p.max() + 1)
    best_p_for_t = {}
    best_t_for_p = {}
    for ti, pi, c in zip(tu, pu, counts):
        if c > best_p_for_t.get(ti, (0, -1))[0]:
            best_p_for_t[ti] = (c, pi)
        if c > best_t_for_p.get(pi, (0, -1))[0]:
            best_t_for_p[pi] = (c, ti)
    right = {(ti, pi) for ti, (c, pi) in best_p_for_t.items() if best_t_for_p[pi][1] == ti}
    good = np.array([(ti, pi) in right for ti, pi in zip(tu, pu)])
    pixels = counts[good].sum() / counts.sum()
    per_t = np.bincount(tu[good], weights=counts[good], minlength=truth.max() + 1)
    size_t = np.bincount(t, minlength=truth.max() + 1)
    ids = np.unique(t)
    regions = float(np.mean(per_t[ids] >= 0.9 * size_t[ids]))
    return float(pixels), regions


def methods():
    from keras_anime_cyclegan.paint.ink import find_ink
    from keras_anime_cyclegan.paint.regions import area_lines, connected_regions, find_regions

    def fixed(sketch):
        return sketch.astype(np.int32) @ np.int32([299, 587, 114]) < 128_000

    return {
        "connected": lambda s: connected_regions(fixed(s), gap=2).labels,
        "multiscale_fixed_ink": lambda s: find_regions(fixed(s)).labels,
        "multiscale_every_level": lambda s: find_regions(find_ink(s).mask, fresh_levels=99).labels,
        "distance_watershed": lambda s: distance_regions(find_ink(s).mask).labels,
        "paint_without_join": lambda s: find_regions(find_ink(s).mask, narrowing=None, thick_lines=False).labels,
        "paint_fixed_closing": lambda s: find_regions(find_ink(s).mask, thick_lines=False).labels,
        "paint_shading_as_lines": lambda s: find_regions(find_ink(s).mask).labels,
        "paint": lambda s: find_regions(area_lines(find_ink(s))).labels,
    }


def distance_regions(ink: np.ndarray, width: float = 0.5, min_area: float = 64e-6) -> "R.Regions":
    """Regions by the paper's distance to the ink: a watershed of that distance
    from its ridges, then neighbouring basins merged where the passage between
    them is at least `width` times as wide as the narrower of the two (a gap
    in a line is a narrow passage; a neck, a ribbon or an arm is as wide as itself)."""
    h, w = ink.shape
    if ink.all():
        return R.Regions(np.ones((h, w), np.int32), 1, np.array([False, False]))
    depth = ndimage.distance_transform_edt(~ink).astype(np.float32)
    peak = float(depth.max())
    ridge = (depth >= ndimage.maximum_filter(depth, size=3)) & ~ink
    markers, n = ndimage.label(ridge, structure=np.ones((3, 3), bool))
    height = np.round((peak - depth) * (65535 / max(peak, 1e-6))).astype(np.uint16)
    basins = ndimage.watershed_ift(height, markers.astype(np.int32))
    deepest = ndimage.maximum(depth, basins, np.arange(n + 1))
    deepest = np.asarray(deepest, np.float32)
    # Passages between basins: for each pair of 4-neighbours on paper with
    # different basins, the passage is as wide as the shallower of the two.
    pairs, widths = [], []
    for a, b, da, db, pa, pb in (
        (basins[:, :-1], basins[:, 1:], depth[:, :-1], depth[:, 1:], ink[:, :-1], ink[:, 1:]),
        (basins[:-1], basins[1:], depth[:-1], depth[1:], ink[:-1], ink[1:]),
    ):
        edge = (a != b) & ~pa & ~pb
        lo, hi = np.minimum(a[edge], b[edge]), np.maximum(a[edge], b[edge])
        pairs.append(lo.astype(np.int64) * (n + 1) + hi)
        widths.append(np.minimum(da[edge], db[edge]))
    pairs, widths = np.concatenate(pairs), np.concatenate(widths)
    order = np.argsort(pairs, kind="stable")
    pairs, widths = pairs[order], widths[order]
    starts = np.flatnonzero(np.r_[True, pairs[1:] != pairs[:-1]]) if pairs.size else np.zeros(0, np.intp)
    passage = np.maximum.reduceat(widths, starts) if pairs.size else np.zeros(0, np.float32)
    keys = pairs[starts]
    parent = np.arange(n + 1)

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for k in np.argsort(-passage, kind="stable"):
        ra, rb = root(int(keys[k] // (n + 1))), root(int(keys[k] % (n + 1)))
        if ra != rb and passage[k] >= width * min(deepest[ra], deepest[rb]):
            parent[rb] = ra
            deepest[ra] = max(deepest[ra], deepest[rb])
    roots = np.array([root(i) for i in range(n + 1)])
    labels = roots[basins].astype(np.int32)
    # Areas smaller than min_area join their neighbours (under the lines too).
    labels, count = R._renumber(labels, int(labels.max()))
    sizes = np.bincount(np.where(ink, 0, labels).ravel(), minlength=count + 1)
    small = sizes < min_area * h * w
    small[0] = True
    labels[small[labels] | ink] = 0
    R.grow(labels, ~ink)
    R.grow(labels)
    if labels.max() == 0:
        return R.Regions(np.ones((h, w), np.int32), 1, np.array([False, False]))
    labels, count = R._renumber(labels, int(labels.max()))
    return R.Regions(labels, count, R._background(labels, count))


def place_dots(truth: np.ndarray, colour: np.ndarray, n: int, rng, figure: np.ndarray = None):
    """Dots as users place them: on the figure (not the open background, the
    true region touching most of the border; with `figure`, a bool mask of
    what the sketch shows as figure, not a true region lying mostly outside
    it either: a colour area the artist drew no line around, a shadow or a
    block, is open paper to someone looking at the sketch), one per region,
    larger regions likelier (by the square root of their area), anywhere in
    the region."""
    border = np.concatenate([truth[0], truth[-1], truth[:, 0], truth[:, -1]])
    counts = np.bincount(border, minlength=truth.max() + 1)
    counts[0] = 0
    background = int(np.argmax(counts)) if counts.any() else -1
    ids, sizes = np.unique(truth[(truth > 0) & (truth != background)], return_counts=True)
    if figure is not None and ids.size:
        shown = ndimage.mean(figure.astype(np.float32), truth, ids)
        ids, sizes = ids[shown > 0.5], sizes[shown > 0.5]
    if ids.size == 0:
        return []
    weights = np.sqrt(sizes)
    chosen = rng.choice(ids, size=min(n, ids.size), replace=False, p=weights / weights.sum())
    dots = []
    for r in chosen:
        ys, xs = np.nonzero(truth == r)
        i = rng.integers(ys.size)
        rgb = tuple(int(v) for v in np.median(colour[truth == r], axis=0))
        dots.append((int(xs[i]), int(ys[i]), rgb, r))
    return dots


def paint_earlier(sketch: np.ndarray, g: np.ndarray, hints: list, ink, regions, flow: bool) -> np.ndarray:
    """The paint stages as they were before session 38 (no reach over drawn lines; G colouring
    regions on the picture's border): with `flow`, hints flowed through gaps (session 37);
    without, not even that. Baseline rows."""
    from keras_anime_cyclegan.paint.colours import flowed_hints, hint_colours, model_colours
    from keras_anime_cyclegan.paint.composite import flats, multiply_lines

    model = model_colours(regions, ink, g)
    model.known &= ~regions.background
    hinted = hint_colours(regions, ink, hints)
    palettes = [hinted] + ([flowed_hints(regions, ink, hinted)] if flow else []) + [model]
    return multiply_lines(flats(regions, ink, palettes), sketch, ink)


def dot_watershed(sketch: np.ndarray, dots: list, radius: float) -> np.ndarray:
    """The network-free baseline: each dot's square (and the picture's border, as white
    paper) grown by a watershed over the ink's darkness blurred by 2 px; flat colours with
    the sketch multiplied over them."""
    from skimage.segmentation import watershed

    grey = sketch.astype(np.float32) @ np.float32([0.299, 0.587, 0.114])
    darkness = ndimage.gaussian_filter(255.0 - grey, 2.0)
    markers = np.zeros(grey.shape, np.int32)
    paper = len(dots) + 1
    markers[0, :] = markers[-1, :] = markers[:, 0] = markers[:, -1] = paper
    r = max(1, int(round(radius)))
    for i, (x, y, *_) in enumerate(dots):
        markers[max(0, y - r) : y + r + 1, max(0, x - r) : x + r + 1] = i + 1
    labels = watershed(darkness, markers)
    palette = np.array([(255, 255, 255)] + [rgb for _, _, rgb, _ in dots] + [(255, 255, 255)], np.float32)
    flat = palette[labels]
    return np.round(flat * sketch.astype(np.float32) / 255.0).astype(np.uint8)


def ringed(sketch: np.ndarray, dots: list, radius: float) -> np.ndarray:
    """The sketch with each dot drawn in its colour, ringed in black so light colours show."""
    from PIL import ImageDraw

    im = Image.fromarray(sketch)
    draw = ImageDraw.Draw(im)
    for x, y, rgb, _ in dots:
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=tuple(rgb), outline=(0, 0, 0), width=max(1, int(radius / 4)))
    return np.asarray(im)


def painted_labels(labels: np.ndarray, sketch: np.ndarray) -> np.ndarray:
    """Each region in a random pale colour (the same number, the same colour; the one touching most of the
    border white), the sketch multiplied over."""
    table = np.random.default_rng(1).integers(90, 256, (int(labels.max()) + 1, 3)).astype(np.float32)
    border = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    table[np.bincount(border).argmax()] = 255
    return np.round(table[labels] * (sketch.astype(np.float32) / 255)).astype(np.uint8)


def write_sheet(rows: list, path: str, cell: int = 256) -> None:
    sheet = Image.new("RGB", (cell * len(rows[0]), cell * len(rows)), "white")
    for i, row in enumerate(rows):
        for j, picture in enumerate(row):
            sheet.paste(Image.fromarray(picture).resize((cell, cell), Image.LANCZOS), (j * cell, i * cell))
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path, optimize=True)


def region_mean(error: np.ndarray, truth: np.ndarray, regions: list) -> float:
    """The mean over `regions` of each true region's mean error (a small region counts as much as a big one)."""
    means = ndimage.mean(error, truth, regions)
    return float(np.mean(means))


def lab_error(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    from keras_anime_cyclegan.utils.metrics import rgb_to_lab

    return np.linalg.norm(rgb_to_lab(a.astype(np.float32) / 255) - rgb_to_lab(b.astype(np.float32) / 255), axis=-1)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--pairs", required=True, help="folder with lines/ and colors/ (render at 1024: kac data svg-pairs --size 1024)")
    p.add_argument("--limit", type=int, default=0, help="first N pairs (0: all)")
    p.add_argument("--pictures", default="", help="comma-separated positions (0-based, in name order) of the pairs "
                   "to score instead (each keeps the degradations it has in a full run)")
    p.add_argument("--hints", type=int, default=10, help="dots per picture for the hint figures (0: none)")
    p.add_argument("--model", default="pretrained", help="the colouriser giving unhinted colours ('pretrained' or a path)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--methods", default="all", help="region finders to score, comma-separated (default: all of them)")
    p.add_argument("--degradations", default="all",
                   help=f"comma-separated, of {','.join(DEGRADATIONS)} (default: all; each picture's degradations stay the same)")
    p.add_argument("--out", help="also write the JSON here")
    p.add_argument("--sheet", help="also write a contact sheet of the first 4 pictures here (PNG; needs --hints): "
                   "the sketch with its dots ringed | paint stages without the reach | the product | dot watershed | colour")
    p.add_argument("--sheet-degradation", default="pencil", help="which degradation the sheets show (default: pencil)")
    p.add_argument("--regions-sheet", help="also write a contact sheet of the first 4 pictures' regions here (PNG): "
                   "the sketch | each method's regions, one random colour each | colour")
    args = p.parse_args()
    folder = Path(args.pairs)
    names = sorted(q.stem for q in (folder / "colors").glob("*.png") if (folder / "lines" / q.name).exists())
    names = names[: args.limit] if args.limit else names
    positions = list(range(len(names)))
    if args.pictures:
        positions = [int(v) for v in args.pictures.split(",")]
        if any(not 0 <= v < len(names) for v in positions):
            raise SystemExit(f"regions.py: error: --pictures: positions run from 0 to {len(names) - 1}")
    if not names:
        raise SystemExit(f"regions.py: error: {folder}: no pairs in lines/ and colors/")
    finders = methods()
    chosen = DEGRADATIONS if args.degradations == "all" else args.degradations.split(",")
    wanted = list(finders) if args.methods == "all" else args.methods.split(",")
    for name, given, known in (("degradation", chosen, DEGRADATIONS), ("method", wanted, list(finders))):
        unknown = [x for x in given if x not in known]
        if unknown:
            raise SystemExit(f"regions.py: error: unknown {name} {unknown[0]!r} (choose from {', '.join(known)})")
    finders = {m: finders[m] for m in wanted}
    rows = {d: {m: {"pixels": [], "regions": [], "seconds": [], "megapixels": 0.0} for m in finders} for d in DEGRADATIONS}
    hint_rows = {d: {"hinted": [], "unhinted": [], "dots": [], "area": [], "bare": [], "page": [], "watershed": [],
                     "no_flow": [], "no_reach": [], "product": []} for d in DEGRADATIONS}
    colorizer, ceiling, sheet_rows, region_rows = None, [], [], []
    if args.regions_sheet and args.sheet_degradation not in chosen:
        raise SystemExit("regions.py: error: --regions-sheet needs --sheet-degradation among the degradations")
    if args.sheet and (not args.hints or args.sheet_degradation not in chosen):
        raise SystemExit("regions.py: error: --sheet needs --hints and --sheet-degradation among the degradations")
    if args.hints:
        import keras_anime_cyclegan as kac

        colorizer = kac.Colorizer.pretrained(flat=False) if args.model == "pretrained" else kac.Colorizer.load(args.model, flat=False)
    from keras_anime_cyclegan.paint import paint
    from keras_anime_cyclegan.paint.colours import Hint
    from keras_anime_cyclegan.paint.ink import find_ink
    from keras_anime_cyclegan.utils.metrics import area_colour_error

    for k, name in ((k, names[k]) for k in positions):
        rng = np.random.default_rng([args.seed, k])  # the degradations: the same whatever --hints is
        dot_rng = np.random.default_rng([args.seed, k, 1])
        lines = np.asarray(Image.open(folder / "lines" / f"{name}.png").convert("RGB"))
        colour = np.asarray(Image.open(folder / "colors" / f"{name}.png").convert("RGB"))
        truth = true_regions(colour, lines)
        if truth.max() == 0:
            continue
        shown = None
        if args.hints:  # what the clean sketch shows as figure: off its background region
            clean = R.find_regions(R.area_lines(find_ink(lines)))
            shown = ~clean.background[clean.labels]
        dots = place_dots(truth, colour, args.hints, dot_rng, shown) if args.hints else []
        ceiling.append(agreement(line_ceiling(truth, lines), truth))
        for d in DEGRADATIONS:
            sketch = degrade(lines, truth, d, rng, colour)  # every degradation, so the chosen ones stay the same
            if d not in chosen:
                continue
            shown_regions = [sketch] if args.regions_sheet and d == args.sheet_degradation and len(region_rows) < 4 else None
            for m, find in finders.items():
                t = time.perf_counter()
                labels = find(sketch)
                rows[d][m]["seconds"].append(time.perf_counter() - t)
                if shown_regions is not None:
                    shown_regions.append(painted_labels(labels, sketch))
                rows[d][m]["megapixels"] += labels.size / 1e6
                px, rg = agreement(labels, truth)
                rows[d][m]["pixels"].append(px)
                rows[d][m]["regions"].append(rg)
            if shown_regions is not None:
                region_rows.append(shown_regions + [colour])
            if dots:
                g = np.asarray(colorizer.colorize(sketch).convert("RGB"))
                hinted = [r for *_, r in dots]
                radius = 2 * max(sketch.shape) / 256
                hints = [Hint(rgb, x + 0.5, y + 0.5, radius) for x, y, rgb, _ in dots]
                ink = find_ink(sketch)  # once for the three paintings of this sketch
                regions = R.sketch_regions(ink)
                with_hints = paint(sketch, g, hints, regions=regions, ink=ink).image
                without = paint(sketch, g, regions=regions, ink=ink).image
                hint_rows[d]["hinted"].append(region_mean(lab_error(with_hints, colour), truth, hinted))
                hint_rows[d]["unhinted"].append(region_mean(lab_error(without, colour), truth, hinted))
                hint_rows[d]["area"].append(area_colour_error(without, colour))
                hint_rows[d]["bare"].append(area_colour_error(sketch, colour))
                hint_rows[d]["page"].append(area_colour_error(with_hints, colour))
                shed = dot_watershed(sketch, dots, radius)
                hint_rows[d]["watershed"].append(area_colour_error(shed, colour))
                hint_rows[d]["no_flow"].append(area_colour_error(paint_earlier(sketch, g, hints, ink, regions, False), colour))
                no_reach = paint_earlier(sketch, g, hints, ink, regions, True)
                hint_rows[d]["no_reach"].append(area_colour_error(no_reach, colour))
                # The product: G given the dots too, then the paint stages (Colorizer.colorize with hints).
                product = colorizer.colorize(sketch, hints=[(x, y, "#%02x%02x%02x" % rgb) for x, y, rgb, _ in dots], flat=True)
                product = np.asarray(product.convert("RGB"))
                hint_rows[d]["product"].append(area_colour_error(product, colour))
                if args.sheet and d == args.sheet_degradation and len(sheet_rows) < 4:
                    sheet_rows.append([ringed(sketch, dots, 4 * radius), no_reach, product, shed, colour])
                at = np.array([[y, x] for x, y, *_ in dots])
                hint_rows[d]["dots"].extend(lab_error(with_hints[at[:, 0], at[:, 1]], colour[at[:, 0], at[:, 1]]).tolist())
        print(f"{k + 1}/{len(names)} {name}", flush=True, file=__import__("sys").stderr)
    doc = {"pairs": len(positions), "folder": str(folder), "hints": args.hints, "degradations": {},
           "line_ceiling": {"pixels_in_true_region": round(float(np.mean([c[0] for c in ceiling])), 4),
                            "regions_right": round(float(np.mean([c[1] for c in ceiling])), 4)}}
    closed = np.array([c[0] >= 0.995 for c in ceiling])
    doc["line_closed"] = {"pictures": int(closed.sum())}
    for d in chosen:
        entry = {}
        for m, r in rows[d].items():
            entry[m] = {
                "pixels_in_true_region": round(float(np.mean(r["pixels"])), 4),
                "line_closed": round(float(np.mean(np.array(r["pixels"])[closed])), 4) if closed.any() else None,
                "regions_right": round(float(np.mean(r["regions"])), 4),
                "seconds_per_megapixel": round(sum(r["seconds"]) / max(r["megapixels"], 1e-9), 3),
            }
        if hint_rows[d]["hinted"]:
            hinted, unhinted = np.mean(hint_rows[d]["hinted"]), np.mean(hint_rows[d]["unhinted"])
            entry["hints"] = {
                "hinted_error": round(float(hinted), 2),
                "unhinted_error": round(float(unhinted), 2),
                "ratio": round(float(hinted / max(unhinted, 1e-9)), 3),
                "dot_error_median": round(float(np.median(hint_rows[d]["dots"])), 2),
            }
            area, bare = np.array(hint_rows[d]["area"]), np.array(hint_rows[d]["bare"])
            page, shed = np.array(hint_rows[d]["page"]), np.array(hint_rows[d]["watershed"])
            no_flow, product = np.array(hint_rows[d]["no_flow"]), np.array(hint_rows[d]["product"])
            no_reach = np.array(hint_rows[d]["no_reach"])
            entry["hints"]["page"] = {
                "area_colour_error": round(float(page.mean()), 2),
                "median_area_colour_error": round(float(np.median(page)), 2),
                "without_flow_area_colour_error": round(float(no_flow.mean()), 2),
                "without_reach_area_colour_error": round(float(no_reach.mean()), 2),
                "without_reach_median_area_colour_error": round(float(np.median(no_reach)), 2),
                "product_median_area_colour_error": round(float(np.median(product)), 2),
                "product_area_colour_error": round(float(product.mean()), 2),
                "product_ratio_to_bare_sketch": round(float(product.mean() / max(bare.mean(), 1e-9)), 3),
                "product_pictures_better_than_bare_sketch": int((product < bare).sum()),
                "watershed_median_area_colour_error": round(float(np.median(shed)), 2),
                "watershed_baseline_area_colour_error": round(float(shed.mean()), 2),
                "bare_sketch_area_colour_error": round(float(bare.mean()), 2),
                "ratio_to_bare_sketch": round(float(page.mean() / max(bare.mean(), 1e-9)), 3),
                "watershed_ratio_to_bare_sketch": round(float(shed.mean() / max(bare.mean(), 1e-9)), 3),
                "pictures_better_than_bare_sketch": int((page < bare).sum()),
                "watershed_pictures_better_than_bare_sketch": int((shed < bare).sum()),
                "pictures": int(page.size),
            }
            entry["no_hints"] = {
                "area_colour_error": round(float(area.mean()), 2),
                "bare_sketch_area_colour_error": round(float(bare.mean()), 2),
                "pictures_worse_than_bare_sketch": int((area > bare).sum()),
            }
        doc["degradations"][d] = entry
    if region_rows:
        write_sheet(region_rows, args.regions_sheet)
        doc["regions_sheet"] = {"path": args.regions_sheet, "degradation": args.sheet_degradation,
                                "columns": "sketch | " + " | ".join(finders) + " | colour"}
    if sheet_rows:
        write_sheet(sheet_rows, args.sheet)
        doc["sheet"] = {"path": args.sheet, "degradation": args.sheet_degradation,
                        "columns": "sketch, dots ringed | paint stages without the reach | product | dot watershed | colour"}
    emit(doc, args.out)


if __name__ == "__main__":
    main()
