"""This machine's attainable float32 GFLOP/s: a large matrix multiply.

Every other figure can then be read as a fraction of the limit. Prints one
JSON document (TensorFlow with all cores, and NumPy's BLAS for comparison).

    python benchmarks/machine_peak.py [--n 4096] [--repeats 5] [--out FILE]
"""

import argparse
import os
import platform
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from report import emit  # noqa: E402  (benchmarks/report.py, beside this script)


def best_gflops(fn, n, repeats):
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    flops = 2.0 * n**3
    return {"best_gflop_per_s": round(flops / min(times) / 1e9, 1), "median_gflop_per_s": round(flops / statistics.median(times) / 1e9, 1)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=4096)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out")
    args = parser.parse_args()

    import numpy as np
    import tensorflow as tf

    rng = np.random.default_rng(0)
    a = rng.standard_normal((args.n, args.n), dtype=np.float32)
    b = rng.standard_normal((args.n, args.n), dtype=np.float32)
    ta, tb = tf.constant(a), tf.constant(b)
    doc = {
        "benchmark": "machine_peak",
        "matrix": args.n,
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(), "processor": platform.processor()},
        "tensorflow_matmul": best_gflops(lambda: tf.linalg.matmul(ta, tb).numpy(), args.n, args.repeats),
        "numpy_matmul": best_gflops(lambda: a @ b, args.n, args.repeats),
    }
    emit(doc, args.out)


if __name__ == "__main__":
    main()
