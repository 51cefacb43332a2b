"""Images per second of the full CycleGAN train step (G, F, D_X, D_Y).

Median over timed steps after warm-up, per generator preset, image size,
batch size and XLA setting; with the generator's and discriminator's
GFLOPs per image and the achieved GFLOP/s of the whole step (counted as
3 x (6 generator + 6 discriminator passes) per image: G and F run 3 times
forward each, the discriminators 6 times, backward costs about twice
forward). Prints one JSON document.

    python benchmarks/train_step.py --presets demo mobile --sizes 128 --batches 1 4 --xla off on
    python benchmarks/train_step.py --backend tensorflow jax torch --presets paper --sizes 256 --xla on

With --backend, each Keras backend runs in its own process. TensorFlow times
its `tf.function` train step directly; JAX and torch time `fit`'s own train
function (JAX: jit-compiled with XLA on; torch: eager, or `torch.compile`
with --xla on), step to step, the loss read back each step so the step has
finished, fed NumPy arrays (JAX and torch need no TensorFlow here). On a GPU
each row also gives the device's peak memory (JAX's allocator statistics,
torch.cuda's peak), in total and per image.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from report import emit, train_step_gflop  # noqa: E402  (benchmarks/report.py, beside this script)


def disc_override(disc):
    """{"discriminator": DiscriminatorConfig(...)} for a "FILTERS:LAYERS" string, or {} (the preset's)."""
    if not disc:
        return {}
    from keras_anime_cyclegan.config import DiscriminatorConfig

    filters, layers = (int(v) for v in disc.split(":"))
    return {"discriminator": DiscriminatorConfig(base_filters=filters, num_layers=layers)}


def measure_fit(preset_name, size, batch, xla, steps, warmup, mixed=None, disc=None):
    """JAX or torch: seconds between the ends of `fit`'s steps."""
    import keras
    import numpy as np

    from keras_anime_cyclegan.config import preset
    from keras_anime_cyclegan.training.run import build_model

    keras.utils.set_random_seed(0)
    config = preset(preset_name, image_size=size, batch_size=batch, jit_compile=xla, mixed_precision=mixed, **disc_override(disc))
    model = build_model(config)
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (2, batch, size, size, 3)).astype("float32")
    ends = []

    class Clock(keras.callbacks.Callback):
        def on_train_batch_end(self, step, logs=None):
            float(logs["gen_total"])  # wait for the step to finish
            ends.append(time.perf_counter())

    def batches():
        while True:
            yield images[0], images[1]

    start = time.perf_counter()
    model.fit(batches(), steps_per_epoch=warmup + steps, epochs=1, verbose=0, callbacks=[Clock()])
    times = np.diff(ends[warmup - 1 :])
    med = statistics.median(times)
    return {
        "backend": keras.backend.backend(),
        "preset": preset_name,
        "image_size": size,
        "batch": batch,
        "xla": bool(model.jit_compile),
        "median_step_s": round(med, 4),
        "images_per_s": round(batch / med, 2),
        "warmup_s": round(ends[warmup - 1] - start, 1),
    }


def device_peak_memory():
    """Peak bytes the accelerator's allocator held, or None on a CPU."""
    import keras

    if keras.backend.backend() == "jax":
        import jax

        device = jax.devices()[0]
        stats = device.memory_stats() if device.platform == "gpu" else None
        return stats and stats.get("peak_bytes_in_use")
    if keras.backend.backend() == "torch":
        import torch

        return torch.cuda.max_memory_allocated() if torch.cuda.is_available() else None
    return None


def measure(preset_name, size, batch, xla, steps, warmup, mixed=None, disc=None):
    import keras
    import numpy as np

    if keras.backend.backend() != "tensorflow":
        row = measure_fit(preset_name, size, batch, xla, steps, warmup, mixed, disc)
        peak = device_peak_memory()
        memory = {} if peak is None else {"peak_device_GB": round(peak / 2**30, 2), "GB_per_image": round(peak / 2**30 / batch, 3)}
        return {**row, "mixed_precision": mixed, **memory}

    import tensorflow as tf

    from keras_anime_cyclegan.config import preset
    from keras_anime_cyclegan.models import count_flops
    from keras_anime_cyclegan.training.run import build_model

    keras.utils.set_random_seed(0)
    config = preset(preset_name, image_size=size, batch_size=batch, jit_compile=xla, mixed_precision=mixed, **disc_override(disc))
    model = build_model(config)
    step = tf.function(model.train_step, jit_compile=xla)
    rng = np.random.default_rng(0)
    x = tf.constant(rng.uniform(-1, 1, (batch, size, size, 3)).astype("float32"))
    y = tf.constant(rng.uniform(-1, 1, (batch, size, size, 3)).astype("float32"))
    t0 = time.perf_counter()
    for _ in range(warmup):
        float(step((x, y))["gen_total"])  # float(): wait for the step to finish
    compile_s = time.perf_counter() - t0
    times = []
    for _ in range(steps):
        t = time.perf_counter()
        float(step((x, y))["gen_total"])
        times.append(time.perf_counter() - t)
    med = statistics.median(times)
    gen_gflops = count_flops(model.generator_g, size) / 1e9
    disc_gflops = count_flops(model.discriminator_y, size) / 1e9
    return {
        "backend": "tensorflow",
        "preset": preset_name,
        "image_size": size,
        "batch": batch,
        "xla": xla,
        "mixed_precision": mixed,
        "median_step_s": round(med, 4),
        "images_per_s": round(batch / med, 2),
        "warmup_s": round(compile_s, 1),
        "generator_gflops_per_image": round(gen_gflops, 3),
        "discriminator_gflops_per_image": round(disc_gflops, 3),
        "approx_step_gflop_per_s": round(train_step_gflop(gen_gflops, disc_gflops, batch) / med, 1),
    }


def versions():
    import importlib.metadata as md

    out = {}
    for dist in ("tensorflow-cpu", "tensorflow", "keras", "jax", "torch"):
        try:
            out.setdefault(dist.removesuffix("-cpu"), md.version(dist))
        except md.PackageNotFoundError:
            pass
    return out


def run_backends(args):
    """This script once per backend, each in its own process; one merged document."""
    import subprocess

    rows = []
    for backend in args.backend:
        argv = sys.argv[1:]
        cut = argv.index("--backend")
        end = cut + 1
        while end < len(argv) and not argv[end].startswith("--"):
            end += 1
        argv = argv[:cut] + ["--backend", backend] + argv[end:]
        if "--out" in argv:
            i = argv.index("--out")
            del argv[i : i + 2]
        env = {**os.environ, "KERAS_BACKEND": backend}
        out = subprocess.run([sys.executable, __file__, *argv], env=env, check=True, stdout=subprocess.PIPE, text=True)
        rows += json.loads(out.stdout)["rows"]
    doc = {
        "benchmark": "train_step",
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(), **versions()},
        "rows": rows,
    }
    emit(doc, args.out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["demo", "mobile", "paper", "resnet9"])
    parser.add_argument("--sizes", nargs="+", type=int, default=[128, 256])
    parser.add_argument("--batches", nargs="+", type=int, default=[1, 4])
    parser.add_argument("--xla", nargs="+", choices=["off", "on"], default=["off", "on"])
    parser.add_argument(
        "--precision",
        nargs="+",
        choices=["float32", "float16", "bfloat16"],
        default=["float32"],
        help="compute precision (float16/bfloat16: --mixed-precision; for GPUs, slower on most CPUs)",
    )
    parser.add_argument(
        "--discriminators", nargs="+", metavar="FILTERS:LAYERS",
        help="PatchGAN discriminators to try instead of the preset's (64:3 is the 70x70 PatchGAN)",
    )
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--backend", nargs="+", choices=["tensorflow", "jax", "torch"], help="Keras backends (default: the current one)")
    parser.add_argument("--out")
    args = parser.parse_args()

    if args.backend and args.backend != [os.environ.get("KERAS_BACKEND", "tensorflow")]:
        return run_backends(args)

    rows = []
    for name in args.presets:
        for size in args.sizes:
            for batch in args.batches:
                for xla in args.xla:
                    for precision in args.precision:
                        for disc in args.discriminators or [None]:
                            mixed = None if precision == "float32" else precision
                            row = measure(name, size, batch, xla == "on", args.steps, args.warmup, mixed, disc)
                            rows.append({**row, "discriminator": disc or "preset"})
                            print(json.dumps(rows[-1]), flush=True, file=sys.stderr)
    doc = {
        "benchmark": "train_step",
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(), **versions()},
        "rows": rows,
    }
    emit(doc, args.out)


if __name__ == "__main__":
    main()
