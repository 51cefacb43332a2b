"""Measures exported files against Keras: parity, latency, size.

The files are run by `inference.runners` (`open_runner`, the runners
`kac colorize` uses, and `KerasRunner` as the reference), so the command
line, the benchmarks and the tests compare exports the way users run them.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Callable

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
