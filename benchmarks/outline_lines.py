"""Line art with dark areas outlined: F's fills turned to outlines, against XDoG and F as it draws them.

A user extracting line art from an illustration wants the lines, with dark
areas (black hair, a dark coat) outlined. On the held-out pairs whose
artist's lines have black fills (`sketch.real.outline_fills` changes at
least `--min-fill` of their ink), the target is those lines with every fill
outlined (the artist's own lines otherwise), and each extractor is scored
by ink precision and recall within 2 px (`utils.metrics`, as
`benchmarks/quality.py` scores F): XDoG of the colour picture, F as it
draws (`LineExtractor(fill_dark=True)`, the default) and F with its fills
outlined (`fill_dark=False`). Medians and means over the pictures; a
contact sheet (colour | target | XDoG | F | F outlined) of the first 8.

    python benchmarks/outline_lines.py --pairs data/clipart-heldout --out reports/outline
"""

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

from quality import xdog_sketches  # noqa: E402  (benchmarks/quality.py: XDoG as it scores it)
from report import emit  # noqa: E402  (benchmarks/report.py)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--pairs", required=True, help="folder with lines/ and colors/ (kac data svg-pairs)")
    p.add_argument("--model", default="pretrained", help="F: 'pretrained' or a run folder / file")
    p.add_argument("--min-fill", type=float, default=0.05, help="share of the artist's ink in fills for a pair to count")
    p.add_argument("--limit", type=int, default=0)
    p.add_argument("--out", help="folder for outline.json and outline.png")
    args = p.parse_args()

    import keras_anime_cyclegan as kac
    from keras_anime_cyclegan.sketch.real import ink_of, outline_fills
    from keras_anime_cyclegan.utils.images import grid
    from keras_anime_cyclegan.utils.metrics import ink_precision_recall

    folder = Path(args.pairs)
    names = sorted(q.stem for q in (folder / "colors").glob("*.png") if (folder / "lines" / q.name).exists())
    if not names:
        raise SystemExit(f"outline_lines.py: error: {folder}: no pairs in lines/ and colors/")
    load = (lambda **o: kac.LineExtractor.pretrained(**o)) if args.model == "pretrained" else (
        lambda **o: kac.LineExtractor.load(args.model, **o))
    filled, outlined = load(), load(fill_dark=False)
    scores = {"xdog": [], "F": [], "F_outlined": []}
    sheet, used = [], []
    for name in names:
        lines = np.asarray(Image.open(folder / "lines" / f"{name}.png").convert("RGB"))
        target = outline_fills(lines)
        ink, kept = ink_of(lines), ink_of(target)
        if ink.sum() == 0 or (ink & ~kept).sum() < args.min_fill * ink.sum():
            continue
        colour = np.asarray(Image.open(folder / "colors" / f"{name}.png").convert("RGB"))
        drawn = {
            "xdog": xdog_sketches([colour])[0],
            "F": np.asarray(filled.extract(colour).convert("RGB")),
            "F_outlined": np.asarray(outlined.extract(colour).convert("RGB")),
        }
        for key, out in drawn.items():
            scores[key].append(ink_precision_recall(out, target, tolerance=2))
        used.append(name)
        if len(sheet) < 8:
            sheet.append([colour, target, *drawn.values()])
        if args.limit and len(used) >= args.limit:
            break
    doc = {"pairs": len(used), "folder": str(folder), "model": args.model, "min_fill": args.min_fill}
    for key, rows in scores.items():
        a = np.array(rows)
        doc[key] = {"precision_median": round(float(np.median(a[:, 0])), 3), "recall_median": round(float(np.median(a[:, 1])), 3),
                    "precision_mean": round(float(a[:, 0].mean()), 3), "recall_mean": round(float(a[:, 1].mean()), 3)}
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        grid(sheet).save(out / "outline.png")
        doc["sheet"] = str(out / "outline.png")
    emit(doc, Path(args.out) / "outline.json" if args.out else None)


if __name__ == "__main__":
    main()
