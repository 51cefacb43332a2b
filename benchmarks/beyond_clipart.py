"""The colourizer on line art that is not clip art: a contact sheet and JSON.

Rows: an anime face drawn for this project (beyond_clipart/anime_face.svg,
public domain), coloured without hints and with a few; the bundled sample
pictures redrawn in the package's synthetic sketch styles (pencil, XDoG,
gradient lines), which look like scanned pencil drawings rather than clip
art; and, with --starters, Tux Paint's hand-inked starter pages
(`apt-get download tuxpaint-data`, /usr/share/tuxpaint/starters/*.png;
GPL, so judge them locally and do not commit the sheet with them).

    python benchmarks/beyond_clipart.py --out reports/beyond [--model pretrained] [--starters DIR]

JSON: per picture, the result's area colourfulness and hue spread
(`utils.metrics`; no truth exists for these), and for the hinted face the
mean colour distance to each hint inside its region.
"""

import argparse
import io
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FACE = HERE / "beyond_clipart" / "anime_face.svg"
# (x, y) fractions of the face picture, and the colour wanted there
FACE_HINTS = [(0.5, 0.16, "#5a3a8c"), (0.25, 0.6, "#5a3a8c"), (0.75, 0.6, "#5a3a8c"),  # hair
              (0.4, 0.7, "#f6d2b8"), (0.62, 0.72, "#f6d2b8"),  # skin
              (0.418, 0.578, "#2f8f5a"), (0.582, 0.578, "#2f8f5a"),  # irises
              (0.5, 0.96, "#c83c3c")]  # collar
STARTERS = ("pansy", "hat", "frog", "chicken", "rocket", "tux_farmer")
CELL = 192


def render_face(size=256):
    import numpy as np
    import resvg_py
    from PIL import Image

    png = bytes(resvg_py.svg_to_bytes(svg_path=str(FACE), width=size, height=size))
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def starter(path, size=256):
    """A starter page's line art on white, fitted into a square."""
    import numpy as np
    from PIL import Image

    im = Image.open(path).convert("RGBA")
    canvas = Image.new("RGBA", im.size, "white")
    canvas.alpha_composite(im)
    im = canvas.convert("RGB")
    im.thumbnail((size, size), Image.LANCZOS)
    square = Image.new("RGB", (size, size), "white")
    square.paste(im, ((size - im.width) // 2, (size - im.height) // 2))
    return np.asarray(square)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="pretrained", help="anything kac.Colorizer.load takes (default: the shipped model)")
    p.add_argument("--out", required=True, help="folder for beyond_clipart.json and beyond_clipart.png")
    p.add_argument("--starters", help="Tux Paint's starters folder (usr/share/tuxpaint/starters)")
    args = p.parse_args(argv)

    import numpy as np
    from PIL import Image

    import keras_anime_cyclegan as kac
    from keras_anime_cyclegan.artifacts.pretrained import sample_pairs
    from keras_anime_cyclegan.inference.hints import hint_channels
    from keras_anime_cyclegan.inference.io import read_image
    from keras_anime_cyclegan.utils import metrics as M
    from keras_anime_cyclegan.utils.images import to_float, to_uint8

    colorizer = kac.Colorizer.load(args.model)
    pictures = {"anime_face": render_face()}
    for line, colour in sample_pairs()[:2]:
        c = to_float(read_image(colour)[0])[None]
        for style in ("pencil", "xdog", "gradient"):
            pictures[f"{line.stem[:24]}_{style}"] = to_uint8(np.asarray(kac.sketch.sketch(c, style))[0])
    if args.starters:
        for name in STARTERS:
            path = Path(args.starters) / f"{name}.png"
            if path.exists():
                pictures[f"tuxpaint_{name}"] = starter(path)
    report, rows = {}, []
    for name, picture in pictures.items():
        if picture.shape[-1] == 1:
            picture = np.repeat(picture, 3, -1)
        out = np.asarray(colorizer.colorize(picture).convert("RGB"))
        entry = {"area_colourfulness": round(M.area_colourfulness(out), 4), "hue_spread": round(M.hue_spread(out), 4)}
        row = [picture, out]
        if name == "anime_face":
            hinted = np.asarray(colorizer.colorize(picture, hints=FACE_HINTS).convert("RGB"))
            size = (picture.shape[1], picture.shape[0])
            channels = hint_channels(FACE_HINTS, size, size)
            drawn = picture.copy()
            drawn[channels[..., 3] > 0] = to_uint8(channels[channels[..., 3] > 0][:, :3])
            entry["with_hints"] = {"area_colourfulness": round(M.area_colourfulness(hinted), 4),
                                   "hue_spread": round(M.hue_spread(hinted), 4)}
            row = [drawn, out, hinted]
        report[name] = entry
        rows.append(row)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    sheet = Image.new("RGB", (3 * CELL, CELL * len(rows)), "white")
    for i, row in enumerate(rows):
        for j, image in enumerate(row):
            sheet.paste(Image.fromarray(image).resize((CELL, CELL), Image.LANCZOS), (j * CELL, i * CELL))
    sheet.save(out_dir / "beyond_clipart.png", optimize=True)
    doc = {"benchmark": "beyond_clipart", "model": args.model, "pictures": report,
           "sheet": str(out_dir / "beyond_clipart.png"),
           "columns": "input (hints drawn on the face) | G | G with hints (face only)"}
    (out_dir / "beyond_clipart.json").write_text(json.dumps(doc, indent=2) + "\n")
    print(json.dumps(doc, indent=2))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.exit(main())
