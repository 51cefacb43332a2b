"""A huge sketch against its small version: same colours, bounded memory.

Draws one figure (rings, a split body, eyes, thin ribbons, a few gaps) at
--small and --large sides with the same geometry, colours both with the
shipped Colorizer (flat colours, 3 hint dots at the same fractions) and
reports, as JSON:

- `peak_rss_mb`: the peak resident memory of the process that coloured the
  large one (a fresh subprocess: Python, TensorFlow, the model and the
  picture);
- `seconds`: its wall time;
- `colour_difference`: the mean absolute difference (0-255) between the
  small result and the large result box-downscaled to the small size, off
  the lines (pixels within 2 px of ink at the small size are left out);
- `same_size`: the large result has the large picture's size.

    python benchmarks/huge_picture.py                     # 8000 against 1000
    python benchmarks/huge_picture.py --large 4096 --out reports/huge.json
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from report import emit  # noqa: E402  (benchmarks/report.py)

HINTS = [(0.30, 0.60, "#d94a6a"), (0.70, 0.60, "#2b4c9b"), (0.05, 0.05, "#cfe8ff")]


def draw(side: int) -> np.ndarray:
    s = side / 1000
    im = Image.new("RGB", (side, side), "white")
    d = ImageDraw.Draw(im)
    w = max(1, round(3 * s))
    grey = (60, 60, 60)
    d.ellipse((120 * s, 120 * s, 880 * s, 880 * s), outline=grey, width=w)
    d.line((500 * s, 122 * s, 500 * s, 878 * s), fill=grey, width=w)
    for cx in (350, 650):
        d.ellipse(((cx - 40) * s, 300 * s, (cx + 40) * s, 360 * s), outline=grey, width=w)
    for k in range(4):
        y = 700 + 25 * k
        d.line((200 * s, y * s, 800 * s, y * s), fill=grey, width=w)
    a = np.asarray(im).copy()
    for gy, gx in ((450, 120), (800, 500), (500, 880)):  # gaps of 8/1000 of the side
        a[int(gy * s) : int((gy + 8) * s) + 1, int((gx - 10) * s) : int((gx + 10) * s)] = 255
    return a


def colour(path: str, out: str) -> None:
    import keras_anime_cyclegan as kac

    kac.Colorizer.pretrained().colorize(path, hints=HINTS).save(out)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--small", type=int, default=1000)
    p.add_argument("--large", type=int, default=8000)
    p.add_argument("--out", help="also write the JSON here")
    p.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        colour(*args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        runs = {}
        for side in (args.small, args.large):
            src, dst = Path(tmp, f"sketch{side}.png"), Path(tmp, f"colour{side}.png")
            Image.fromarray(draw(side)).save(src)
            t = time.perf_counter()
            code = (
                "import resource, runpy, sys; sys.argv = sys.argv[1:]; "
                "runpy.run_path(sys.argv[0], run_name='__main__'); "
                "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
            )
            done = subprocess.run(
                [sys.executable, "-c", code, __file__, "--child", str(src), str(dst)],
                capture_output=True, text=True, cwd=Path(__file__).parent,
            )
            if done.returncode:
                raise SystemExit(done.stderr[-2000:])
            runs[side] = {"seconds": round(time.perf_counter() - t, 1),
                          "peak_rss_mb": round(int(done.stdout.split()[-1]) / 1024), "path": dst}
        small = np.asarray(Image.open(runs[args.small]["path"]).convert("RGB")).astype(np.int16)
        large = Image.open(runs[args.large]["path"]).convert("RGB")
        same_size = large.size == (args.large, args.large)
        down = np.asarray(large.resize((args.small, args.small), Image.BOX)).astype(np.int16)
        from scipy import ndimage

        ink = draw(args.small).min(axis=-1) < 200
        away = ~ndimage.binary_dilation(ink, iterations=2)
        difference = float(np.abs(small - down)[away].mean())
    emit({
        "small": args.small, "large": args.large, "same_size": same_size,
        "colour_difference": round(difference, 2),
        "small_run": {k: v for k, v in runs[args.small].items() if k != "path"},
        "large_run": {k: v for k, v in runs[args.large].items() if k != "path"},
    }, args.out)


if __name__ == "__main__":
    main()
