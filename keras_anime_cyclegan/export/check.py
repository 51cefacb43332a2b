"""Runs exported files and measures them against Keras: parity and latency.

`runner(path)` gives a function float32 [-1, 1] NHWC -> float32 [-1, 1] for
a SavedModel folder (its `float32` signature) or a `.tflite` file (in
`ai-edge-litert`, int8 files quantised and dequantised at the edges) or a
TF.js export (its graph and weights, run in TensorFlow), so the
command line, the benchmark and the tests all compare exports the same way.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Callable, Optional

import numpy as np

BatchFn = Callable[[np.ndarray], np.ndarray]  # float32 [-1, 1] NHWC in and out


def psnr(reference: np.ndarray, output: np.ndarray) -> float:
    """PSNR in dB of two images in [-1, 1] (peak-to-peak 2); inf when equal."""
    mse = float(np.mean((np.asarray(reference, np.float64) - np.asarray(output, np.float64)) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(4.0 / mse)


def parity(reference: np.ndarray, output: np.ndarray) -> dict:
    """Max absolute error and PSNR of an export's output against Keras's."""
    return {
        "max_abs_error": float(np.max(np.abs(np.asarray(reference, np.float32) - np.asarray(output, np.float32)))),
        "psnr_db": round(psnr(reference, output), 2),
    }


def tflite_runner(path: str | Path, num_threads: int = 2) -> BatchFn:
    """Runs a `.tflite` export in ai-edge-litert (the runner `kac colorize` uses)."""
    from keras_anime_cyclegan.inference.runners import TFLiteRunner, metadata_for

    return TFLiteRunner(Path(path), metadata_for(Path(path)), num_threads)


def saved_model_runner(path: str | Path) -> BatchFn:
    """Runs a SavedModel export through its `float32` signature (the runner `kac colorize` uses)."""
    from keras_anime_cyclegan.inference.runners import SavedModelRunner, metadata_for

    return SavedModelRunner(Path(path), metadata_for(Path(path)))


def keras_runner(model) -> BatchFn:
    """The Keras model itself, in inference mode, as the reference."""
    import tensorflow as tf

    from keras_anime_cyclegan.models.layers import with_no_hints

    hints = int(getattr(model, "hint_channels", 0))
    fn = tf.function(lambda x: model(x, training=False), reduce_retracing=True)

    def run(images):
        x = tf.constant(images, tf.float32)
        return fn(with_no_hints(x, hints) if x.shape[-1] == 3 else x).numpy()

    return run


def runner(path: str | Path, num_threads: int = 2) -> Optional[BatchFn]:
    """A runner for an export Python can run, or None."""
    path = Path(path)
    if path.suffix == ".tflite":
        return tflite_runner(path, num_threads)
    if path.is_dir() and (path / "saved_model.pb").exists():
        return saved_model_runner(path)
    model_json = path / "model.json" if path.is_dir() else path
    if model_json.name == "model.json" and model_json.exists():
        from keras_anime_cyclegan.export.tfjs import tfjs_runner

        return tfjs_runner(model_json)  # the written graph run in TensorFlow; the browser test runs TF.js
    return None


def median_latency_ms(run: BatchFn, image: np.ndarray, repeats: int = 5, warmup: int = 1) -> float:
    """Median wall time of `run` on one batch, in milliseconds."""
    for _ in range(warmup):
        run(image)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run(image)
        times.append((time.perf_counter() - start) * 1000.0)
    return round(statistics.median(times), 2)


def file_size(path: str | Path) -> int:
    """Bytes of a file, or of every file under a folder."""
    path = Path(path)
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
