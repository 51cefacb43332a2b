"""Latency of one image through every format, and the process's peak memory.

For each generator preset (random weights, the norms' scales and offsets
away from 1 and 0 as in a trained network: `report.as_if_trained`), each
trained model named with --models (the shipped one, "pretrained", with its
hint spread; a run folder; a .keras file) and each
size: Keras, SavedModel, and every TFLite variant in ai-edge-litert with 1
and 2 threads. Median of timed runs after warm-up. Runs through the same
runners `kac colorize` uses. Prints one JSON document.

The input is one of the package's synthetic sketches. A model that takes
hints is timed without them and with --hint-dots dots ("hints" in each
row): the TFLite files of a G with the half-resolution spread leave it to
their runner (`inference.spread`), so their time with hints includes that
NumPy spread, which "spread_ms" also gives alone.

    python benchmarks/inference.py [--presets mobile paper] [--models pretrained] [--sizes 256 512] [--repeats 5] [--hint-dots 10] [--out FILE]
"""

import argparse
import json
import os
import resource
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from report import as_if_trained, emit  # noqa: E402  (benchmarks/report.py, beside this script)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["mobile", "paper"])
    parser.add_argument("--models", nargs="*", default=[], help="trained models too: pretrained, run folders, .keras files")
    parser.add_argument("--sizes", nargs="+", type=int, default=[256, 512])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--hint-dots", type=int, default=10, help="dots for the rows with hints (models that take them)")
    parser.add_argument("--out")
    args = parser.parse_args()

    import numpy as np

    from keras_anime_cyclegan.config import GENERATOR_PRESETS
    from keras_anime_cyclegan.export import export_saved_model, export_tflite
    from keras_anime_cyclegan.export.check import median_latency_ms
    from keras_anime_cyclegan.export.tflite import QUANTIZATIONS, representative_images
    from keras_anime_cyclegan.inference.hints import hint_channels
    from keras_anime_cyclegan.inference.runners import open_runner
    from keras_anime_cyclegan.inference.spread import spread_hints
    from keras_anime_cyclegan.utils.images import to_float
    from keras_anime_cyclegan.models import build_generator
    from keras_anime_cyclegan.models.factory import resolve_generator
    from keras_anime_cyclegan.artifacts.generators import LoadedGenerator, load_generator, weights_sha256

    def generators():
        for name in args.presets:
            model = as_if_trained(build_generator(GENERATOR_PRESETS[name], name="generator_g"))
            yield name, LoadedGenerator(model, "colorize", resolve_generator(GENERATOR_PRESETS[name]), weights_sha256(model), Path(name))
        for path in args.models:
            yield path, load_generator(path, "colorize")

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, loaded in generators():
            name = Path(label).name.replace(".keras", "") or "model"
            model = loaded.model
            keras_file = Path(tmp) / f"{name}.keras"
            model.save(keras_file)
            saved_model = export_saved_model(loaded, Path(tmp) / f"{name}_saved_model")
            for size in args.sizes:
                image = to_float(representative_images("colorize", count=1, size=size, seed=3))
                inputs = {0: image}
                if loaded.hint_channels and args.hint_dots:
                    rng = np.random.default_rng(0)
                    dots = [(int(x), int(y), tuple(int(c) for c in rng.integers(0, 256, 3)))
                            for x, y in rng.integers(0, size, (args.hint_dots, 2))]
                    hints = hint_channels(dots, (size, size), (size, size))[None]
                    inputs[args.hint_dots] = np.concatenate([image, hints], axis=-1).astype(np.float32)
                variants = [("keras", keras_file, None), ("saved_model", saved_model, None)]
                for q in QUANTIZATIONS:
                    path = export_tflite(loaded, Path(tmp) / f"{name}_{size}_{q}", quantize=q, size=size)
                    variants += [(f"tflite_{q}", path, 1), (f"tflite_{q}", path, 2)]
                for fmt, path, threads in variants:
                    run = open_runner(path, "colorize", num_threads=threads)
                    for dots, x in inputs.items():
                        row = {"preset": label, "hint_channels": loaded.hint_channels, "hints": dots, "size": size,
                               "format": fmt, "threads": threads, "spread_outside": run.spread_rounds}
                        row["median_ms"] = median_latency_ms(run, x, repeats=args.repeats, warmup=1)
                        if dots and run.spread_rounds:
                            row["spread_ms"] = median_latency_ms(lambda b: spread_hints(b, run.spread_rounds), x,
                                                                 repeats=args.repeats, warmup=1)
                        rows.append(row)
                        print(json.dumps(row), flush=True, file=sys.stderr)
    doc = {
        "benchmark": "inference",
        "machine": {"cpu_count": os.cpu_count()},
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rows": rows,
    }
    emit(doc, args.out)


if __name__ == "__main__":
    main()
