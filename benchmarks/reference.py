"""Reference colouring: colour a sketch from a coloured picture of the same character.

On held-out (line art, colour) pairs (`lines/NAME.png`, `colors/NAME.png`,
`kac data svg-pairs --size 1024` on the held-out SVGs), the reference is
the colour picture and the sketch its line art *reframed* (mirrored half
the time, scaled 0.6-1.0, shifted up to 20% of the side, turned up to 15
degrees, so parts may fall off the page), so copying pixels fails. The
truth is the colour picture reframed the same way (nearest neighbour).

Rows, all painted by the package's paint stages on the same regions, with
G's colours (the `--model`, default the shipped one) for whatever the
colour source leaves:

- `no_reference`: G's colours alone (what a user gets today).
- `palette_snap`: G's colour per region snapped to the nearest (CIE76) of
  the reference's main colours (4-bit bins holding at least 0.5% of its figure).
- `region_features`: matching without placing the picture: the
  reference's regions (its areas of one colour) and the sketch's regions
  described by area (share of the figure), distance from the figure's
  centre (over its radius) and height in it, mirror-free; each sketch
  region takes the colour of the nearest reference region (independent
  nearest neighbours; `region_features_assigned`: a one-to-one Hungarian
  assignment first, then nearest neighbours for the regions left over).
- `reference` (the package, `paint.reference`): the reference placed over
  the sketch (chamfer search over mirror, turn, scale, shift), each region
  voting for the colour it sees there.
- `reference_lines_from_f`, `reference_artist_lines`: the same, with the
  reference's lines given instead of found from its colours: F's line art
  of it (the shipped F), or the artist's own (the pair's line art).
- `ceiling`: each region its true colour (the median of the truth over it):
  what the regions themselves allow.

Metrics (BasicPBC's, on the truth's regions: 4-connected areas of one
colour off the true lines, at least 0.05% of the picture):
`regions_right` (the median of the result's flats over a true region within
CIEDE2000 10 of the region's own median), `pixels_right` (pixels off the
lines within CIEDE2000 10), `background_iou` (the painted background, the
regions the paint stages call background, against the true background: the
true region touching most of the border), `mean_ciede2000` (off the
lines), `regions_to_fix` (wrong true regions larger than 0.05% of the
picture, per picture), and `seconds_per_page` of the reference stages alone
(preparing the reference, placing it, voting; the regions are the paint
stages' own and the colourizer's cost is not counted).

With `--series FOLDER:PREFIX`, also one character in several poses (an
openclipart author's series, such as the three hummers of
`transportation__hummer_`): each picture's line art, reframed, coloured
from the previous picture of the series (another pose or view) as its
reference, and the mean CIEDE2000 over the character with and without it.

    python benchmarks/reference.py --pairs data/regions-1024 --out reports/reference.json
    python benchmarks/reference.py --series data/clipart:transportation__hummer_
"""

import argparse
import time
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage, optimize

from regions import true_regions  # noqa: E402  (benchmarks/regions.py)
from report import cpu_model, emit  # noqa: E402  (benchmarks/report.py)

from keras_anime_cyclegan.paint import paint
from keras_anime_cyclegan.paint import reference as RF
from keras_anime_cyclegan.paint.colours import Palette, model_colours
from keras_anime_cyclegan.paint.ink import find_ink
from keras_anime_cyclegan.paint.regions import find_regions
from keras_anime_cyclegan.utils.images import reframe
from keras_anime_cyclegan.utils.metrics import ciede2000, rgb_to_lab

METHODS = ["no_reference", "palette_snap", "region_features", "region_features_assigned", "reference",
           "reference_lines_from_f", "reference_artist_lines", "ceiling"]
RIGHT = 10.0  # CIEDE2000: a region or pixel within this of its true colour is right
MIN_REGION = 5e-4


def draw_reframing(rng, side: int):
    return (bool(rng.random() < 0.5), float(rng.uniform(0.6, 1.0)), float(rng.uniform(-15, 15)),
            rng.uniform(-0.2, 0.2, 2) * side)


def score(flat: np.ndarray, truth_colour: np.ndarray, truth: np.ndarray, lines: np.ndarray, background: np.ndarray):
    off = ~lines
    error = ciede2000(flat, truth_colour)
    border = np.concatenate([truth[0], truth[-1], truth[:, 0], truth[:, -1]])
    counts = np.bincount(border, minlength=truth.max() + 1)
    counts[0] = 0
    true_bg = truth == int(np.argmax(counts))
    ids = np.unique(truth[truth > 0])
    right = []
    big_wrong = 0
    objects = ndimage.find_objects(truth)
    for r in ids:
        window = objects[r - 1]
        inside = truth[window] == r
        got = np.median(flat[window][inside], axis=0)
        want = np.median(truth_colour[window][inside], axis=0)
        e = float(ciede2000(got[None, None].astype(np.uint8), want[None, None].astype(np.uint8))[0, 0])
        right.append(e <= RIGHT)
        if e > RIGHT and inside.sum() > MIN_REGION * truth.size:
            big_wrong += 1
    union = ((background | true_bg) & off).sum()
    return {
        "regions_right": float(np.mean(right)) if right else float("nan"),
        "pixels_right": float((error[off] <= RIGHT).mean()),
        "background_iou": float(((background & true_bg) & off).sum() / max(union, 1)),
        "mean_ciede2000": float(error[off].mean()),
        "regions_to_fix": big_wrong,
    }


def main_colours(reference: "RF.Reference") -> np.ndarray:
    """float32 (K, 3): the reference figure's colours holding >= 0.5% of it (4-bit bins, their means)."""
    rgb = reference.colours[reference.usable].astype(np.int64)
    key = (rgb[:, 0] >> 4) << 8 | (rgb[:, 1] >> 4) << 4 | (rgb[:, 2] >> 4)
    counts = np.bincount(key, minlength=4096)
    keep = np.flatnonzero(counts >= 0.005 * key.size)
    return np.stack([np.bincount(key, weights=rgb[:, c], minlength=4096)[keep] / counts[keep] for c in range(3)], 1)


def snapped(regions, ink, g: np.ndarray, palette_rgb: np.ndarray) -> Palette:
    pal = model_colours(regions, ink, g)
    lab = rgb_to_lab(pal.colours / 255)
    targets = rgb_to_lab(palette_rgb.astype(np.float32) / 255)
    nearest = np.argmin(((lab[:, None] - targets[None]) ** 2).sum(-1), axis=1)
    pal.colours = palette_rgb[nearest].astype(np.float32)
    pal.known &= ~regions.background
    return pal


def _describe(labels: np.ndarray, ids: np.ndarray, figure: np.ndarray) -> np.ndarray:
    """(len(ids), 3): area share of the figure, distance from its centre over its radius, height in it."""
    ys, xs = np.nonzero(figure)
    cy, cx = ys.mean(), xs.mean()
    radius = np.sqrt(((ys - cy) ** 2 + (xs - cx) ** 2).mean())
    top, bottom = np.percentile(ys, 2), np.percentile(ys, 98)
    area = ndimage.sum(np.ones_like(labels, np.float32), labels, ids) / figure.sum()
    centres = np.array(ndimage.center_of_mass(np.ones_like(labels, np.float32), labels, ids)).reshape(-1, 2)
    dist = np.hypot(centres[:, 0] - cy, centres[:, 1] - cx) / radius
    height = (centres[:, 0] - top) / max(bottom - top, 1)
    return np.stack([np.sqrt(area) * 4, dist, height], axis=1)


def feature_palette(regions, reference: "RF.Reference", assigned: bool) -> Palette:
    """Region matching without placing the reference: geometry features, nearest neighbour (or Hungarian)."""
    ref_regions = true_regions(reference.colours, np.where(reference.usable[..., None], 255, 0).astype(np.uint8))
    ref_ids = np.unique(ref_regions[ref_regions > 0])
    pal = Palette.empty(regions.count)
    figure = ~regions.background[regions.labels]
    ids = np.flatnonzero(~regions.background[1:]) + 1
    if ref_ids.size == 0 or ids.size == 0:
        return pal
    a = _describe(regions.labels, ids, figure)
    b = _describe(ref_regions, ref_ids, reference.usable)
    cost = np.sqrt(((a[:, None] - b[None]) ** 2).sum(-1))
    choice = np.argmin(cost, axis=1)
    if assigned:
        rows, cols = optimize.linear_sum_assignment(cost)
        choice[rows] = cols
    for i, r in enumerate(ids):
        pal.colours[r] = np.median(reference.colours[ref_regions == ref_ids[choice[i]]], axis=0)
    pal.known[ids] = True
    return pal


def ceiling_palette(regions, truth_colour: np.ndarray) -> Palette:
    pal = Palette.empty(regions.count)
    ids = np.arange(1, regions.count + 1)
    for c in range(3):
        pal.colours[1:, c] = ndimage.median(truth_colour[..., c], regions.labels, ids)
    pal.known[1:] = ~regions.background[1:]
    return pal


def series(folder: Path, prefix: str, g, seed: int) -> dict:
    """One character in several poses (an openclipart author's series): each
    picture's line art, reframed, coloured from the series' previous picture
    (another pose) as the reference; mean CIEDE2000 over the character (the
    truth's figure, off the lines) with and without it."""
    names = sorted(p.name for p in (folder / "colors").glob(prefix + "*.png"))
    with_ref, without, right = [], [], []
    for k, name in enumerate(names):
        colour = np.asarray(Image.open(folder / "colors" / name).convert("RGB"))
        lines = np.asarray(Image.open(folder / "lines" / name).convert("RGB"))
        other = np.asarray(Image.open(folder / "colors" / names[k - 1]).convert("RGB"))
        params = draw_reframing(np.random.default_rng([seed, 1000 + k]), colour.shape[1])
        sketch = reframe(lines, *params, order=1)
        truth_colour = reframe(colour, *params, order=0)
        true_lines = sketch.min(axis=-1) < 128
        truth = true_regions(truth_colour, sketch)
        border = np.concatenate([truth[0], truth[-1], truth[:, 0], truth[:, -1]])
        counts = np.bincount(border, minlength=truth.max() + 1)
        counts[0] = 0
        figure = (truth > 0) & (truth != int(np.argmax(counts))) & ~true_lines
        ink = find_ink(sketch)
        regions = find_regions(ink.mask)
        coloured = np.asarray(g.colorize(sketch))
        palette, _ = RF.reference_palette(regions, ink, [RF.prepare_reference(other)])
        for source, out in (([], without), ([palette], with_ref)):
            flat = paint(sketch, coloured, sources=source, regions=regions, ink=ink).flats
            out.append(float(ciede2000(flat, truth_colour)[figure].mean()))
        background = regions.background[regions.labels]
        right.append(score(paint(sketch, coloured, sources=[palette], regions=regions, ink=ink).flats, truth_colour,
                           truth, true_lines, background)["regions_right"])
    return {
        "series": f"{folder}/*/{prefix}*.png", "pictures": len(names),
        "reference": "the series' previous picture (another pose), the sketch reframed as above",
        "figure_ciede2000_without": float(np.mean(without)), "figure_ciede2000_with": float(np.mean(with_ref)),
        "ratio": float(np.mean(with_ref) / np.mean(without)),
        "better_on": int(sum(a < b for a, b in zip(with_ref, without))), "regions_right": float(np.mean(right)),
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--pairs", help="folder with lines/ and colors/ (kac data svg-pairs --size 1024)")
    p.add_argument("--series", metavar="FOLDER:PREFIX",
                   help="also one character in several poses: pairs in FOLDER whose names start with PREFIX "
                   "(e.g. data/clipart:transportation__hummer_)")
    p.add_argument("--limit", type=int, default=0, help="first N pairs (0: all)")
    p.add_argument("--model", default="pretrained", help="G for what the reference leaves ('pretrained' or a path)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", help="also write the JSON here")
    args = p.parse_args()

    from tqdm import tqdm

    from keras_anime_cyclegan.inference import Colorizer

    from keras_anime_cyclegan.inference import LineExtractor

    g = Colorizer.pretrained(flat=False) if args.model == "pretrained" else Colorizer.load(args.model, flat=False)
    f = LineExtractor.pretrained()
    doc = {"cpu": cpu_model()}
    if args.series:
        folder, prefix = args.series.split(":", 1)
        doc["poses"] = series(Path(folder), prefix, g, args.seed)
    if not args.pairs:
        emit(doc, args.out)
        return
    names = sorted(p.name for p in (Path(args.pairs) / "colors").glob("*.png"))
    names = names[: args.limit] if args.limit else names
    rows = {m: [] for m in METHODS}
    seconds, scores, found = [], [], 0
    for k, name in enumerate(tqdm(names, desc="pages")):
        colour = np.asarray(Image.open(Path(args.pairs) / "colors" / name).convert("RGB"))
        lines = np.asarray(Image.open(Path(args.pairs) / "lines" / name).convert("RGB"))
        params = draw_reframing(np.random.default_rng([args.seed, k]), colour.shape[1])
        sketch = reframe(lines, *params, order=1)
        truth_colour = reframe(colour, *params, order=0)
        true_lines = sketch.min(axis=-1) < 128
        truth = true_regions(truth_colour, sketch)
        ink = find_ink(sketch)
        regions = find_regions(ink.mask)
        coloured = np.asarray(g.colorize(sketch))
        start = time.perf_counter()
        ref = RF.prepare_reference(colour)
        palette, _ = RF.reference_palette(regions, ink, [ref])
        seconds.append(time.perf_counter() - start)
        alignment = RF.align(ref, ink.mask)  # the whole page's placement, for the figures below
        scores.append(alignment.score)
        found += int(alignment.mirrored == params[0] and abs(alignment.turn - params[2]) < 3
                     and abs(alignment.scale - params[1]) < 0.05 * params[1])
        sources = {
            "no_reference": [],
            "palette_snap": [snapped(regions, ink, coloured, main_colours(ref))],
            "region_features": [feature_palette(regions, ref, assigned=False)],
            "region_features_assigned": [feature_palette(regions, ref, assigned=True)],
            "reference": [palette],
            "reference_lines_from_f": [RF.reference_palette(regions, ink, [RF.prepare_reference(
                colour, lines=np.asarray(f.extract(colour).convert("L")))])[0]],
            "reference_artist_lines": [RF.reference_palette(regions, ink, [RF.prepare_reference(colour, lines=lines)])[0]],
            "ceiling": [ceiling_palette(regions, truth_colour)],
        }
        background = regions.background[regions.labels]
        for method, source in sources.items():
            painting = paint(sketch, coloured, sources=source, regions=regions, ink=ink)
            rows[method].append(score(painting.flats, truth_colour, truth, true_lines, background))
    keys = rows["ceiling"][0].keys()
    table = {m: {key: float(np.nanmean([r[key] for r in rs])) for key in keys} for m, rs in rows.items()}
    emit(
        doc | {
            "pairs": len(names),
            "reframing": "mirrored half the time, scale 0.6-1.0, shift up to 20% of the side, turn up to 15 degrees",
            "methods": table,
            "placement_found": found / len(names),
            "alignment_score_median": float(np.median(scores)),
            "seconds_per_page": {"mean": float(np.mean(seconds)), "max": float(np.max(seconds))},
            "picture_side": int(colour.shape[0]),
        },
        args.out,
    )


if __name__ == "__main__":
    main()
