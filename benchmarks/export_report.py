"""Export figures for the note: size, parity and latency of every format.

For the paper generator and the mobile preset (freshly initialised weights:
size and speed do not depend on training), each export of the colorize
direction: file size in bytes; parity with Keras on 16 synthetic sketches at
256x256 (max absolute error and PSNR in dB, [-1, 1] images, peak-to-peak 2);
median latency of one 256x256 image (TFLite in ai-edge-litert with 2
threads; Keras and the SavedModel on the CPU); the TF.js folders' bytes
(their parity is checked in a real browser by tests/test_web_demo.py).
Prints one JSON document.

    python benchmarks/export_report.py [--out report.json] [--presets mobile] [--images 16]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from report import emit  # noqa: E402  (benchmarks/report.py, beside this script)

SIZE = 256
TARGETS = {"tflite_float16_max_bytes": 3_000_000, "tflite_int8_max_bytes": 1_500_000, "latency_256_max_ms": 50.0}


def report_preset(name: str, images: int, repeats: int, calibration: int, workdir: Path) -> dict:
    import keras

    from keras_anime_cyclegan.config import GENERATOR_PRESETS
    from keras_anime_cyclegan.export import QUANTIZATIONS, check, export_saved_model, export_tfjs, export_tflite
    from keras_anime_cyclegan.export.tflite import representative_images
    from keras_anime_cyclegan.inference.runners import KerasRunner, open_runner
    from keras_anime_cyclegan.models.factory import build_generator, count_flops, resolve_generator
    from keras_anime_cyclegan.artifacts.generators import LoadedGenerator, weights_sha256
    from keras_anime_cyclegan.utils.images import to_float

    keras.utils.set_random_seed(0)
    config = resolve_generator(GENERATOR_PRESETS[name])
    model = build_generator(config, name="generator_g")
    loaded = LoadedGenerator(model, "colorize", config, weights_sha256(model), Path(f"<{name} preset, random init>"))
    x = to_float(representative_images("colorize", images, SIZE, seed=99))
    keras_run = KerasRunner(loaded)
    reference = keras_run(x)
    one = x[:1]
    out = {
        "generator": {k: v for k, v in config.__dict__.items() if v is not None},
        "parameters": int(model.count_params()),
        "gflops_256": round(count_flops(model, SIZE) / 1e9, 3),
        "keras": {"latency_ms": check.median_latency_ms(keras_run, one, repeats)},
        "formats": {},
    }

    def measure(key, path, run):
        start = time.perf_counter()
        y = run(x)
        entry = {"bytes": check.file_size(path), **check.parity(reference, y)}
        entry["latency_ms"] = check.median_latency_ms(run, one, repeats)
        out["formats"][key] = entry
        print(f"  {name} {key}: {json.dumps(entry)} ({time.perf_counter() - start:.0f} s)", file=sys.stderr, flush=True)

    sm = export_saved_model(loaded, workdir / name / "saved_model")
    measure("saved_model", sm, open_runner(sm, "colorize"))
    calibration_images = representative_images("colorize", calibration, SIZE)
    for q in QUANTIZATIONS:
        start = time.perf_counter()
        path = export_tflite(
            loaded, workdir / name / f"tflite_{q}", quantize=q, size=SIZE,
            representative=calibration_images if q == "int8" else None,
        )
        print(f"  {name} tflite_{q} converted in {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
        measure(f"tflite_{q}", path, open_runner(path, "colorize", num_threads=2))
    for q in (None, "float16", "uint8"):
        # Bytes only: TF.js runs in a browser, where tests/test_web_demo.py
        # proves its parity against Keras.
        folder = export_tfjs(loaded, workdir / name / f"tfjs_{q or 'float32'}", quantize=q).parent
        out["formats"][f"tfjs_{q or 'float32'}"] = {
            "bytes": check.file_size(folder),
            "parity": "in Chromium: tests/test_web_demo.py",
        }
    if name == "mobile":
        f16, i8 = out["formats"]["tflite_float16"], out["formats"]["tflite_int8"]
        best = min(e["latency_ms"] for k, e in out["formats"].items() if k.startswith("tflite"))
        out["targets"] = {
            **TARGETS,
            "tflite_float16_ok": f16["bytes"] <= TARGETS["tflite_float16_max_bytes"],
            "tflite_int8_ok": i8["bytes"] <= TARGETS["tflite_int8_max_bytes"],
            "fastest_tflite_latency_ms": best,
            "latency_ok": best <= TARGETS["latency_256_max_ms"],
        }
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Size, parity and latency of every export (JSON).")
    p.add_argument("--presets", default="paper,mobile", help="comma-separated generator presets")
    p.add_argument("--images", type=int, default=16, help="synthetic images for parity")
    p.add_argument("--repeats", type=int, default=7, help="timed runs per latency median")
    p.add_argument("--calibration", type=int, default=32, help="representative images for int8")
    p.add_argument("--out", help="also write the JSON here")
    args = p.parse_args(argv)

    import tensorflow as tf

    import keras_anime_cyclegan

    report = {
        "package_version": keras_anime_cyclegan.__version__,
        "tensorflow": tf.__version__,
        "machine": {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine(),
                    "load_average_at_start": [round(v, 2) for v in os.getloadavg()]},
        "image_size": SIZE,
        "parity_images": args.images,
        "direction": "colorize",
        "weights": "random init (seed 0)",
        "tflite_threads": 2,
        "presets": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name in [n.strip() for n in args.presets.split(",") if n.strip()]:
            report["presets"][name] = report_preset(name, args.images, args.repeats, args.calibration, Path(tmp))
    report["machine"]["load_average_at_end"] = [round(v, 2) for v in os.getloadavg()]
    emit(report, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
