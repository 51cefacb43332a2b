"""Quality of colourizers and line extractors on held-out (line art, colour) pairs, as JSON and contact sheets.

For each model (anything `kac.Colorizer.load` accepts: run folder, .keras,
SavedModel, .tflite), on the pairs of --pairs (`lines/NAME.png` with
`colors/NAME.png`, as `kac data svg-pairs` writes them) at --size:

- G on the artist's line art, and G on the package's XDoG sketch of the
  colour picture (the paper's setting): SSIM and PSNR against the colour
  picture, area colour error (CIELAB, 32x32 area averages), area
  colourfulness as a ratio to the true picture's, hue spread; as the
  Colorizer gives it by default (flat colours, `keras_anime_cyclegan.paint`) and, in
  `G_artist_lines_no_flats`, G's own result (`flat=False`);
- F on the colour picture: ink precision and recall within 2 px against
  the artist's lines, and the paper residue (mean darkness away from the
  true lines: 0 is clean white paper; a faded copy of the picture scores
  high although its dark lines count as ink).

For a model whose G takes colour hints, hint following (`--hint-counts`,
default 0, 3, 10, 30): hints are 5x5 dots of the true colour at random
places inside the picture's coloured areas (off the lines and off white
paper), drawn as `kac.Colorizer.colorize(hints=...)` draws them. Each dot
speaks for its hinted region (the connected area of the true picture
within CIEDE2000 10 of its colour, the dot itself left out); the figures
are the CIEDE2000 error inside those regions, with and without the hints,
over the whole picture, and SSIM; with flat colours (where a dot gives its
line-enclosed area its colour) and, in `hints_no_flats`, G's own result. A
contact sheet shows 10 hints drawn on the line art.

For a model with both directions, the cycle confidence (1 - mean
|sketch - F(G(sketch))|) of each picture beside G's SSIM and area colour
error, with their Pearson and Spearman correlations: does a low
confidence flag a bad colouring?

Baselines in the same table: identity (output = input) for both
directions, XDoG as a line extractor, and `truth`: the colour pictures
scored as if G had given them (error 0, SSIM 1; their hue spread and
colourfulness are the artists' own, what a perfect G would show). Medians over pairs (and means,
in the JSON). Writes --out/quality.json and --out/<model>.png contact
sheets (line art | G's own | G flat | colour | F | true lines).

    python benchmarks/quality.py --model runs/clipart --pairs data/clipart-heldout --out reports/clipart
    python benchmarks/quality.py --model runs/a runs/b --pairs data/clipart-heldout --out reports/ab --limit 50
"""

import argparse
import os
import sys
from pathlib import Path

from report import emit  # noqa: E402  (benchmarks/report.py, beside this script)


def load_pairs(folder: Path, size: int, limit):
    import numpy as np
    from PIL import Image

    lines_dir, colors_dir = folder / "lines", folder / "colors"
    if not lines_dir.is_dir() or not colors_dir.is_dir():
        raise SystemExit(f"quality.py: error: {folder} needs lines/ and colors/ folders (kac data svg-pairs writes them)")
    names = sorted(p.stem for p in colors_dir.glob("*.png") if (lines_dir / p.name).exists())
    if not names:
        raise SystemExit(f"quality.py: error: {folder}: no pairs (same name in lines/ and colors/)")
    names = names[:limit] if limit else names

    def read(p):
        return np.asarray(Image.open(p).convert("RGB").resize((size, size), Image.LANCZOS))

    return names, [read(lines_dir / f"{n}.png") for n in names], [read(colors_dir / f"{n}.png") for n in names]


def colour_scores(outputs, truths):
    from keras_anime_cyclegan.utils import metrics as M

    rows = []
    for out, truth in zip(outputs, truths):
        rows.append({
            "ssim": M.ssim(out, truth),
            "psnr_db": M.psnr(out, truth),
            "area_colour_error": M.area_colour_error(out, truth),
            "area_colourfulness_ratio": M.area_colourfulness(out) / max(M.area_colourfulness(truth), 1e-6),
            "hue_spread": M.hue_spread(out),
        })
    return summarise(rows)


def line_scores(outputs, truths):
    from keras_anime_cyclegan.utils import metrics as M

    rows = []
    for out, truth in zip(outputs, truths):
        p, r = M.ink_precision_recall(out, truth, tolerance=2)
        rows.append({
            "ink_precision": p,
            "ink_recall": r,
            "paper_residue": M.paper_residue(out, truth, tolerance=2),
            "ink_fraction": float(M.ink(out).mean()),
        })
    return summarise(rows)


def summarise(rows):
    import numpy as np

    keys = rows[0].keys()
    return {
        "median": {k: round(float(np.median([r[k] for r in rows])), 4) for k in keys},
        "mean": {k: round(float(np.mean([r[k] for r in rows])), 4) for k in keys},
    }


def sample_hint_points(line, colour, count, seed):
    """`count` (x, y, (r, g, b)) hints: 5x5 dots of the true colour inside coloured areas."""
    import numpy as np

    from keras_anime_cyclegan.utils import metrics as M

    rgb = colour.astype(np.float32) / 255
    coloured = ((rgb.max(-1) - rgb.min(-1) > 0.1) | (rgb.mean(-1) < 0.9)) & ~M._near(M.ink(line), 3)
    coloured[:2], coloured[-2:], coloured[:, :2], coloured[:, -2:] = False, False, False, False
    ys, xs = np.nonzero(coloured)
    if len(ys) == 0 or count == 0:
        return []
    pick = np.random.default_rng(seed).choice(len(ys), size=min(count, len(ys)), replace=False)
    points = []
    for i in pick:
        y, x = int(ys[i]), int(xs[i])
        patch = colour[y - 2 : y + 3, x - 2 : x + 3].reshape(-1, 3).mean(0)
        points.append((x, y, tuple(int(round(v)) for v in patch)))
    return points


def hint_scores(colorizer, lines, colours, unhinted, counts):
    """Hint following per hint count, and (for the sheet) 10-hint inputs and outputs."""
    import numpy as np

    from keras_anime_cyclegan.inference.hints import hint_channels
    from keras_anime_cyclegan.inference.translator import Hinted
    from keras_anime_cyclegan.utils import metrics as M

    from keras_anime_cyclegan.utils.images import to_uint8

    # Each picture's error without hints, once: every hint count reads it in its regions.
    plain_errors = [M.ciede2000(plain, truth) for plain, truth in zip(unhinted, colours)]
    table, sheet = {}, {"drawn": [], "output": []}
    for count in counts:
        points = [sample_hint_points(l, c, count, seed=1000 * count + i) for i, (l, c) in enumerate(zip(lines, colours))]
        outputs = [np.asarray(im.convert("RGB")) for im in colorizer.colorize_many(
            [Hinted(l, p or None) for l, p in zip(lines, points)])]
        rows = []
        for line, truth, out, plain_error, pts in zip(lines, colours, outputs, plain_errors, points):
            size = (truth.shape[1], truth.shape[0])
            error = M.ciede2000(out, truth)
            row = {"ssim": M.ssim(out, truth), "picture_ciede2000": float(error.mean())}
            channels = hint_channels(pts, size, size) if pts else None
            if pts:
                regions = M.hinted_regions(truth, channels[..., 3] > 0)
                if regions.any():
                    row["region_ciede2000"] = float(error[regions].mean())
                    row["region_ciede2000_without_hints"] = float(plain_error[regions].mean())
            rows.append(row)
            if count == 10:
                drawn = line.copy()
                if pts:
                    m = channels[..., 3] > 0
                    drawn[m] = to_uint8(channels[m, :3])
                sheet["drawn"].append(drawn)
                sheet["output"].append(out)
        keys = sorted({k for r in rows for k in r})
        summary = {k: round(float(np.median([r[k] for r in rows if k in r])), 4) for k in keys}
        if "region_ciede2000" in summary:
            summary["region_error_ratio"] = round(summary["region_ciede2000"] / summary["region_ciede2000_without_hints"], 4)
        summary["pictures_with_regions"] = sum("region_ciede2000" in r for r in rows)
        table[str(count)] = summary
    if not sheet["drawn"]:
        sheet = {"drawn": lines, "output": unhinted}
    return table, sheet


def confidence_scores(extractor, lines, coloured, colours):
    """Cycle confidence per picture against G's SSIM and area colour error."""
    import numpy as np
    from scipy import stats

    from keras_anime_cyclegan.inference.translator import cycle_confidence
    from keras_anime_cyclegan.utils import metrics as M
    from PIL import Image

    back = [np.asarray(im.convert("RGB")) for im in extractor.extract_many(coloured)]
    conf = [cycle_confidence(l, b, Image.fromarray(g)).confidence for l, b, g in zip(lines, back, coloured)]
    ssim = [M.ssim(g, t) for g, t in zip(coloured, colours)]
    error = [M.area_colour_error(g, t) for g, t in zip(coloured, colours)]
    return {
        "median_confidence": round(float(np.median(conf)), 4),
        "pearson_with_ssim": round(float(stats.pearsonr(conf, ssim)[0]), 4),
        "spearman_with_ssim": round(float(stats.spearmanr(conf, ssim)[0]), 4),
        "pearson_with_area_colour_error": round(float(stats.pearsonr(conf, error)[0]), 4),
        "spearman_with_area_colour_error": round(float(stats.spearmanr(conf, error)[0]), 4),
    }


def xdog_sketches(colours):
    import numpy as np

    from keras_anime_cyclegan.sketch import xdog

    x = np.stack(colours).astype(np.float32) / 127.5 - 1.0
    s = np.asarray(xdog(x))
    s = np.clip((s + 1.0) * 127.5 + 0.5, 0, 255).astype(np.uint8)
    return [np.repeat(img[..., :1], 3, -1) if img.shape[-1] == 1 else img for img in s]


def contact_sheet(path, columns, names, rows=8, cell=128):
    from PIL import Image

    n = min(rows, len(names))
    sheet = Image.new("RGB", (cell * len(columns), cell * n), "white")
    for i in range(n):
        for j, images in enumerate(columns):
            sheet.paste(Image.fromarray(images[i]).convert("RGB").resize((cell, cell), Image.LANCZOS), (j * cell, i * cell))
    sheet.save(path, optimize=True)
    return str(path)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", nargs="*", default=[], help="models to judge (run folders, .keras, SavedModel, .tflite)")
    p.add_argument("--pairs", required=True, help="held-out pair folder (lines/ and colors/)")
    p.add_argument("--out", required=True, help="folder for quality.json and the contact sheets")
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--limit", type=int, help="judge only the first N pairs (by name)")
    p.add_argument("--hint-counts", default="0,3,10,30", help="hints per picture for hint models (comma-separated)")
    p.add_argument(
        "--real-sketches", type=int, metavar="SEED",
        help="judge G on the artist's lines made to look like real sketches (keras_anime_cyclegan.sketch.real: "
        "pencil, gaps, thin and double strokes, hatching, paper, blur, JPEG; each picture seeded from SEED) "
        "instead of the clean lines; F is judged against the clean lines as before",
    )
    args = p.parse_args(argv)

    import numpy as np

    import keras_anime_cyclegan as kac

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    names, lines, colours = load_pairs(Path(args.pairs), args.size, args.limit)
    true_lines = lines
    if args.real_sketches is not None:
        from keras_anime_cyclegan.sketch.real import real_sketch

        lines = [real_sketch(l, c, np.random.default_rng([args.real_sketches, k])) for k, (l, c) in enumerate(zip(lines, colours))]
    xdog = xdog_sketches(colours)
    doc = {
        "benchmark": "quality",
        "pairs": str(args.pairs),
        "count": len(names),
        "size": args.size,
        "real_sketches": args.real_sketches,
        "baselines": {
            "identity": {
                "G_artist_lines": colour_scores(lines, colours),
                "G_xdog": colour_scores(xdog, colours),
                "F": line_scores(colours, true_lines),
            },
            "xdog": {"F": line_scores(xdog, true_lines)},
            # The colour pictures scored as G's output: what a perfect G would get (its hue
            # spread is the artists' own, the reference for any hue-spread bar).
            "truth": {"G": colour_scores(colours, colours)},
        },
        "models": {},
        "sheets": {},
    }
    for model in args.model:
        label = Path(model).name or model
        if label in doc["models"] or label == "baselines":  # two exports' model.tflite: name them by folder
            label = "_".join(Path(model).parts[-2:])
        colorizer = kac.Colorizer.load(model)
        try:
            extractor = colorizer.line_extractor  # F from the same model, where there is one
        except ValueError:
            extractor = None
        g_lines = [np.asarray(im.convert("RGB")) for im in colorizer.colorize_many(lines)]
        g_xdog = [np.asarray(im.convert("RGB")) for im in colorizer.colorize_many(xdog)]
        own = kac.Colorizer(colorizer.runner, flat=False)
        g_own = [np.asarray(im.convert("RGB")) for im in own.colorize_many(lines)]
        entry = {
            "G_artist_lines": colour_scores(g_lines, colours),
            "G_artist_lines_no_flats": colour_scores(g_own, colours),
            "G_xdog": colour_scores(g_xdog, colours),
        }
        f_out = None
        if extractor is not None:
            f_out = [np.asarray(im.convert("RGB")) for im in extractor.extract_many(colours)]
            entry["F"] = line_scores(f_out, true_lines)
            entry["confidence"] = confidence_scores(extractor, lines, g_lines, colours)
        if getattr(colorizer.runner, "hint_channels", 0):
            counts = [int(c) for c in args.hint_counts.split(",")]
            entry["hints"], hinted = hint_scores(colorizer, lines, colours, g_lines, counts)
            entry["hints_no_flats"], _ = hint_scores(own, lines, colours, g_own, counts)
            doc["sheets"][f"{label}_hints"] = contact_sheet(out / f"{label}_hints.png", [hinted["drawn"], g_lines, hinted["output"], colours], names)
        doc["models"][label] = entry
        columns = [lines, g_own, g_lines, colours] + ([f_out] if f_out else []) + [true_lines]
        doc["sheets"][label] = contact_sheet(out / f"{label}.png", columns, names)
    doc["sheets"]["baselines"] = contact_sheet(out / "baselines.png", [lines, xdog, colours], names)
    emit(doc, str(out / "quality.json"))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.exit(main())
