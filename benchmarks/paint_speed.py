"""Time of the paint stages alone (no model), per stage, at several sizes.

The figure of `huge_picture.py`, drawn at each --sides, with a model's
colours given as random noise at 1024 px and 10 hint dots (two of them in
one region, so a split is timed too). Prints JSON: seconds per stage
(ink, regions, colours and compositing) and in all, best of --repeat.

    python benchmarks/paint_speed.py                        # 1024 and 4096
    python benchmarks/paint_speed.py --sides 1024 2048 4096 8000 --repeat 1
"""

import argparse
import time

import numpy as np

from huge_picture import draw
from report import emit  # noqa: E402  (benchmarks/report.py)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sides", type=int, nargs="+", default=[1024, 4096])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--out")
    args = p.parse_args()
    from keras_anime_cyclegan.paint import paint
    from keras_anime_cyclegan.paint.colours import Hint
    from keras_anime_cyclegan.paint.ink import find_ink
    from keras_anime_cyclegan.paint.regions import sketch_regions

    rng = np.random.default_rng(0)
    g = rng.integers(0, 256, (1024, 1024, 3), dtype=np.uint8)
    rows = {}
    for side in args.sides:
        sketch = draw(side)
        fx = [(0.3, 0.6), (0.7, 0.6), (0.05, 0.05), (0.35, 0.33), (0.65, 0.33), (0.5, 0.72), (0.5, 0.745),
              (0.25, 0.3), (0.75, 0.3), (0.6, 0.5)]
        hints = [Hint(tuple(int(c) for c in rng.integers(0, 256, 3)), x * side, y * side, 2 * side / 256) for x, y in fx]
        best = {}
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            ink = find_ink(sketch)
            t1 = time.perf_counter()
            regions = sketch_regions(ink)  # the shading strokes left out, as the painter does
            t2 = time.perf_counter()
            paint(sketch, g, hints, regions=regions, ink=ink)
            t3 = time.perf_counter()
            times = {"ink": t1 - t0, "regions": t2 - t1, "colours_and_compositing": t3 - t2, "total": t3 - t0}
            best = {k: min(v, best.get(k, v)) for k, v in times.items()}
        rows[f"{side}x{side}"] = {k: round(v, 3) for k, v in best.items()}
    emit({"seconds": rows, "repeat": args.repeat}, args.out)


if __name__ == "__main__":
    main()
