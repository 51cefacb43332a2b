"""`kac demo`: the shipped models on the bundled sample pictures, one contact sheet."""

from __future__ import annotations

from pathlib import Path

COLUMNS = "line art | G(line art) | colour original | F(colour original)"


def add_parser(sub):
    p = sub.add_parser(
        "demo",
        help="colour the bundled sample line art and extract lines from their colour versions",
        description="Colour the package's sample line art with the shipped colourizer and extract lines from "
        f"the samples' colour versions with the shipped line extractor; write one contact sheet ({COLUMNS}, "
        "one row per sample) and the single results, and print the sheet's path. No training, no download.",
    )
    p.add_argument("-o", "--out", default="runs/pretrained-demo", help="output folder (default runs/pretrained-demo)")
    p.add_argument("-m", "--model", default="pretrained", help="pretrained[:NAME] (default) or any model kac colorize takes")
    p.add_argument("--limit", type=int, help="only the first N samples")
    p.set_defaults(run=run)


def run(args):
    sheet = run_demo(args.out, args.model, args.limit)
    print(sheet)
    return 0


def run_demo(out: str | Path, model: str = "pretrained", limit: int | None = None) -> Path:
    """Translates the bundled samples both ways and writes `out/contact_sheet.png`.

    The single results go to `out/colorized/` and `out/lines/`. Returns the
    contact sheet's path.
    """
    import numpy as np

    from keras_anime_cyclegan.inference import Colorizer, LineExtractor, read_image
    from keras_anime_cyclegan.artifacts.pretrained import sample_pairs
    from keras_anime_cyclegan.utils.images import grid

    pairs = sample_pairs()[:limit]
    if not pairs:
        raise FileNotFoundError("the package's sample pictures are missing (keras_anime_cyclegan/pretrained/samples)")
    out = Path(out)
    for sub in ("colorized", "lines"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    lines, colours = [p[0] for p in pairs], [p[1] for p in pairs]
    coloured = list(Colorizer.load(model).colorize_many(lines))
    extracted = list(LineExtractor.load(model).extract_many(colours))
    rows = []
    for line, colour, g, f in zip(lines, colours, coloured, extracted):
        g.save(out / "colorized" / line.name)
        f.save(out / "lines" / colour.name)
        rows.append([read_image(line)[0], np.asarray(g.convert("RGB")), read_image(colour)[0], np.asarray(f.convert("RGB"))])
    sheet = out / "contact_sheet.png"
    grid(rows).save(sheet)
    return sheet
