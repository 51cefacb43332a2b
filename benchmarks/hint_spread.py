"""The hint spread's cost and what a cheaper one changes: pyramid variants of `HintSpread`.

The shipped G grows each hint through the paper in 48 rounds at half
resolution (`models.layers.HintSpread`), a cost every export pays on every
picture. A pyramid reaches as far in fewer rounds at a coarser level and
refines at the finer ones. For each variant, on held-out sketches with hints
sampled from the true colours (`data.hints.sample_hints`, the training
sampler), this prints:

- how much of the shipped spread it reproduces: share of pixels whose
  hinted/unhinted state agrees, and mean colour difference where both are
  hinted (0-255 scale);
- what G makes of it: mean |G(variant) - G(shipped)| on the 0-255 scale,
  G's weights unchanged;
- TFLite float32 and int8 latency of the whole G (LiteRT, 2 threads, fixed
  size), and of G without any spread: the same network, weights and input.

Then where hints enter G (`UNetResNetGenerator(hint_level=k)`): the
`mobile` preset (random weights: latency does not depend on training)
without hints, with the shipped spread at its input, and with the hints
spread at 1/2**k only (`CoarseHints`) and joined to its encoder there.

    python benchmarks/hint_spread.py --pairs data/clipart-heldout --size 256 --limit 32
"""

import argparse
import dataclasses
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from report import emit  # noqa: E402  (benchmarks/report.py, beside this script)

# hint_spread_coarsest of each variant of the shipped G (None: no spread at all).
VARIANTS = {"shipped: 48 rounds at 1/2": 2, "pyramid from 1/4": 4, "pyramid from 1/8": 8, "no spread": None}
# The mobile preset's generator settings for each way hints can enter it.
ENTRIES = {
    "no hints": {"hint_channels": 0},
    "spread 48 at the input (as shipped)": {"hint_channels": 4, "hint_spread": 48},
    "spread at 1/4, into level 2": {"hint_channels": 4, "hint_spread": 48, "hint_level": 2},
    "spread at 1/8, into level 3": {"hint_channels": 4, "hint_spread": 48, "hint_level": 3},
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=Path, required=True, help="folder with lines/ and colors/ (kac data svg-pairs)")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--limit", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--out")
    args = parser.parse_args()

    import keras
    import numpy as np
    import tensorflow as tf
    from PIL import Image

    from keras_anime_cyclegan.artifacts.generators import LoadedGenerator, load_generator
    from keras_anime_cyclegan.data.hints import sample_hints
    from keras_anime_cyclegan.export import export_tflite
    from keras_anime_cyclegan.export.check import median_latency_ms
    from keras_anime_cyclegan.inference.runners import open_runner
    from keras_anime_cyclegan.config import GENERATOR_PRESETS
    from keras_anime_cyclegan.models.factory import build_generator, resolve_generator

    shipped = load_generator("pretrained", "colorize")

    def variant(coarsest):
        """The shipped G with another spread (or none): the same weights, the spread has none."""
        if coarsest is None:
            config = dataclasses.replace(shipped.config, hint_spread=0)
        else:
            config = dataclasses.replace(shipped.config, hint_spread_coarsest=coarsest)
        model = build_generator(config, name="generator_g")
        model.set_weights(shipped.model.get_weights())
        return LoadedGenerator(model, "colorize", config, shipped.weights_sha256, Path(f"coarsest {coarsest}"))

    def spread_of(loaded, x):
        return np.asarray(loaded.model.get_layer("hint_spread")(x)) if loaded.config.hint_spread else x

    names = sorted(p.stem for p in (args.pairs / "colors").glob("*.png") if (args.pairs / "lines" / p.name).exists())
    names = names[: args.limit]
    if not names:
        raise SystemExit(f"hint_spread.py: error: {args.pairs}: no pairs (lines/ and colors/)")

    def read(path, mode):
        return np.asarray(Image.open(path).convert(mode).resize((args.size, args.size), Image.BILINEAR), np.float32) / 127.5 - 1

    x = []
    for i, name in enumerate(names):
        lines = read(args.pairs / "lines" / f"{name}.png", "RGB")
        colour = read(args.pairs / "colors" / f"{name}.png", "RGB")
        hints = sample_hints(colour, (i, 7), none_share=0.0)
        x.append(np.concatenate([lines, hints], axis=-1))
    x = np.stack(x).astype(np.float32)

    def latencies(loaded, image, folder):
        """Median ms of `loaded` as fixed-size TFLite float32 and int8 files, 2 LiteRT threads."""
        row = {}
        for quantize in ("float32", "int8"):
            path = export_tflite(loaded, folder / quantize, quantize=quantize, size=args.size)
            run = open_runner(path, "colorize", num_threads=2)
            row[f"tflite_{quantize}_ms"] = median_latency_ms(run, image, repeats=args.repeats, warmup=2)
        return row

    def relative(table, baseline):
        for quantize in ("float32", "int8"):
            plain = table[baseline][f"tflite_{quantize}_ms"]
            for row in table.values():
                row[f"{quantize}_vs_{baseline.replace(' ', '_')}"] = round(row[f"tflite_{quantize}_ms"] / plain, 2)

    reference_spread = spread_of(shipped, x)
    reference_out = np.asarray(shipped.model(x))
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, coarsest in VARIANTS.items():
            loaded = variant(coarsest)
            got = spread_of(loaded, x)
            hinted_ref, hinted = reference_spread[..., 6] > 0.5, got[..., 6] > 0.5
            both = hinted_ref & hinted
            out = np.asarray(loaded.model(x))
            row = {
                "hinted_state_agrees": round(float((hinted_ref == hinted).mean()), 4),
                "hinted_share": round(float(hinted.mean()), 4),
                "colour_diff_where_both_hinted": round(float(np.abs(got[..., 3:6] - reference_spread[..., 3:6])[both].mean() * 127.5), 2)
                if both.any() else None,
                "G_output_diff": round(float(np.abs(out - reference_out).mean() * 127.5), 2),
            }
            rows[label] = {**row, **latencies(loaded, x[:1], Path(tmp) / str(len(rows)))}
            print(label, rows[label], file=sys.stderr, flush=True)
    relative(rows, "no spread")

    entries = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, settings in ENTRIES.items():
            config = dataclasses.replace(GENERATOR_PRESETS["mobile"], **settings)
            keras.utils.set_random_seed(0)
            model = build_generator(config, name="generator_g")
            loaded = LoadedGenerator(model, "colorize", resolve_generator(config), "random", Path(label))
            image = x[:1] if settings["hint_channels"] else x[:1, ..., :3]
            entries[label] = latencies(loaded, image, Path(tmp) / str(len(entries)))
            print(label, entries[label], file=sys.stderr, flush=True)
    relative(entries, "no hints")
    emit({"benchmark": "hint_spread", "size": args.size, "pictures": len(names), "variants": rows, "entries": entries}, args.out)


if __name__ == "__main__":
    main()
