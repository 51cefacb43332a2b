"""Quality of colourizers and line extractors on held-out (line art, colour) pairs, as JSON and contact sheets.

For each model (anything `kac.Colorizer.load` accepts: run folder, .keras,
SavedModel, .tflite), on the pairs of --pairs (`lines/NAME.png` with
`colors/NAME.png`, as `kac data svg-pairs` writes them) at --size:

- G on the artist's line art, and G on the package's XDoG sketch of the
  colour picture (the paper's setting): SSIM and PSNR against the colour
  picture, area colour error (CIELAB, 32x32 area averages), area
  colourfulness as a ratio to the true picture's, hue spread;
- F on the colour picture: ink precision and recall within 2 px against
  the artist's lines, and the paper residue (mean darkness away from the
  true lines: 0 is clean white paper; a faded copy of the picture scores
  high although its dark lines count as ink).

Baselines in the same table: identity (output = input) for both
directions, and XDoG as a line extractor. Medians over pairs (and means,
in the JSON). Writes --out/quality.json and --out/<model>.png contact
sheets (line art | G | colour | F | true lines).

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
    args = p.parse_args(argv)

    import numpy as np

    import keras_anime_cyclegan as kac

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    names, lines, colours = load_pairs(Path(args.pairs), args.size, args.limit)
    xdog = xdog_sketches(colours)
    doc = {
        "benchmark": "quality",
        "pairs": str(args.pairs),
        "count": len(names),
        "size": args.size,
        "baselines": {
            "identity": {
                "G_artist_lines": colour_scores(lines, colours),
                "G_xdog": colour_scores(xdog, colours),
                "F": line_scores(colours, lines),
            },
            "xdog": {"F": line_scores(xdog, lines)},
        },
        "models": {},
        "sheets": {},
    }
    for model in args.model:
        label = Path(model).name or model
        colorizer = kac.Colorizer.load(model)
        extractor = kac.LineExtractor.load(model) if Path(model).is_dir() and (Path(model) / "config.json").exists() else None
        g_lines = [np.asarray(im.convert("RGB")) for im in colorizer.colorize_many(lines)]
        g_xdog = [np.asarray(im.convert("RGB")) for im in colorizer.colorize_many(xdog)]
        entry = {"G_artist_lines": colour_scores(g_lines, colours), "G_xdog": colour_scores(g_xdog, colours)}
        f_out = None
        if extractor is not None:
            f_out = [np.asarray(im.convert("RGB")) for im in extractor.extract_many(colours)]
            entry["F"] = line_scores(f_out, lines)
        doc["models"][label] = entry
        columns = [lines, g_lines, colours] + ([f_out] if f_out else []) + [lines]
        doc["sheets"][label] = contact_sheet(out / f"{label}.png", columns, names)
    doc["sheets"]["baselines"] = contact_sheet(out / "baselines.png", [lines, xdog, colours], names)
    emit(doc, str(out / "quality.json"))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.exit(main())
