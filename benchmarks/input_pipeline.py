"""Input-pipeline throughput: images/second from a folder of PNGs, sketches synthesised.

Writes a folder of synthetic colour PNGs (or uses --colors), builds
`unpaired_training_data("synthesize", ...)` (or, with --paired, the paired
pipeline the shipped G trains on: half the sketches synthesised, hint
channels) and times (1) the one-off decode of every file to the store and
(2) steady-state batches per second of the running pipeline (crop, flip,
random_sketch, hints, batching, prefetch), on each input path: tf.data and
the NumPy threads used where TensorFlow is not installed. A pair is one
sketch and one colour crop: crops per second are twice the pairs.
Prints one JSON document; --out also writes it to a file.

    python benchmarks/input_pipeline.py --images 200 --image-size 256 --out pipeline.json
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

from report import emit  # benchmarks/report.py, beside this script


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--colors", help="folder of colour images (default: write synthetic PNGs)")
    p.add_argument("--images", type=int, default=200, help="synthetic PNGs to write")
    p.add_argument("--source-size", type=int, default=512, help="side of the synthetic PNGs")
    p.add_argument("--image-size", type=int, default=256)
    p.add_argument("--batch-size", type=int, default=1)
    p.add_argument("--batches", type=int, default=300, help="batches to time after warm-up")
    p.add_argument("--no-synthesis", action="store_true", help="time a sketch folder pipeline instead")
    p.add_argument("--paired", action="store_true", help="time the paired pipeline with hints (half the sketches synthesised)")
    p.add_argument("--pipelines", default="tf.data,numpy", help="input paths to time, comma-separated")
    p.add_argument(
        "--train-preset", help="also time CycleGAN train steps of this generator preset on the same data (e.g. paper)"
    )
    p.add_argument("--train-steps", type=int, default=5)
    p.add_argument("--out", help="also write the JSON here")
    args = p.parse_args()

    from keras_anime_cyclegan.data import find_images, paired_training_data, unpaired_training_data
    from keras_anime_cyclegan.data.synthetic import write_synthetic_folder
    from keras_anime_cyclegan.utils.deps import installed

    with tempfile.TemporaryDirectory() as tmp:
        colors = Path(args.colors) if args.colors else Path(tmp) / "colors"
        if not args.colors:
            # Rendering is slower than decoding: render a few, copy the rest
            # under new names (each copy is still decoded on its own).
            unique = write_synthetic_folder(colors, min(args.images, 16), args.source_size, seed=0)
            for i in range(len(unique), args.images):
                shutil.copy(unique[i % len(unique)], colors / f"copy_{i:05d}.png")
        sketches = colors if args.no_synthesis else "synthesize"
        files = len(find_images(colors)) * (1 if sketches == "synthesize" else 2)

        cache = Path(tmp) / "decoded"  # decoded once (timed), then reused by every path

        def data_for(pipeline):
            if args.paired:
                return paired_training_data(
                    sketches, colors, args.image_size, args.batch_size, held_out=0, pipeline=pipeline, cache=cache,
                    synthesized_sketches=0.5, hint_channels=4,
                )  # fmt: skip
            return unpaired_training_data(
                sketches, colors, args.image_size, args.batch_size, held_out=0, pipeline=pipeline, cache=cache
            )

        start = time.perf_counter()
        data_for("numpy")
        decode_s = time.perf_counter() - start

        paths = {}
        for pipeline in args.pipelines.split(","):
            data = data_for(pipeline)
            stream = iter(data.batches(0))
            for _ in range(20):  # warm-up: tracing, thread pools, prefetch buffer
                next(stream)
            start = time.perf_counter()
            for _ in range(args.batches):
                next(stream)
            run_s = time.perf_counter() - start
            pairs = args.batches * args.batch_size / run_s
            paths[pipeline] = {
                "pairs_per_second": round(pairs, 1),
                "crops_per_second": round(2 * pairs, 1),
                "ms_per_batch": round(1000 * run_s / args.batches, 2),
            }
            del stream

        train = None
        if args.train_preset:
            from keras_anime_cyclegan.config import preset
            from keras_anime_cyclegan.training.run import build_model

            data = data_for("auto")
            config = preset(args.train_preset, image_size=args.image_size, batch_size=args.batch_size)
            model = build_model(config)
            model.fit(data.batches(0), steps_per_epoch=2, epochs=1, verbose=0)  # compile and warm up
            start = time.perf_counter()
            model.fit(data.batches(2), steps_per_epoch=args.train_steps, epochs=1, verbose=0)
            step_s = (time.perf_counter() - start) / args.train_steps
            train = {"preset": args.train_preset, "ms_per_step": round(1000 * step_s, 1),
                     "pairs_per_second": round(args.batch_size / step_s, 2)}

    report = {
        "benchmark": "input_pipeline",
        "synthesis": not args.no_synthesis,
        "paired_with_hints": args.paired,
        "image_size": args.image_size,
        "batch_size": args.batch_size,
        "source_files": files,
        "source_size": None if args.colors else args.source_size,
        "decode_seconds": round(decode_s, 2),
        "decode_files_per_second": round(files / decode_s, 1),
        "paths": paths,
        "train_step": train,
        "cpu_count": os.cpu_count(),
        "machine": platform.processor() or platform.machine(),
        "tensorflow": installed("tensorflow") and __import__("tensorflow").__version__,
    }
    emit(report, args.out)


if __name__ == "__main__":
    main()
