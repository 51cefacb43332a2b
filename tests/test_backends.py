"""Training on the JAX and PyTorch backends of Keras 3, and JAX-trained weights under TensorFlow.

Each backend runs in its own process (KERAS_BACKEND is read once, at
import). This file is also the script those processes run
(`python -m tests.test_backends ...`).
"""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.helpers import micro_config, random_images, tiny_config

pytestmark = pytest.mark.slow  # trains on JAX and PyTorch

ROOT = Path(__file__).resolve().parents[1]
needs_jax = pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="jax is not installed")
needs_torch = pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")


# The same float32 weights through two backends' kernels (XLA's, PyTorch's
# or oneDNN's and Eigen's convolutions sum in other orders): a few float32
# roundings (1.2e-7 relative) per layer over a dozen layers with instance
# normalisation, on a tanh output in [-1, 1]: about 1e-6, and 1e-4 leaves a
# hundredfold margin. Loading the wrong weights or dropping a layer's
# statistics moves outputs by 1e-2 and more.
CROSS_BACKEND = 1e-4


def _run(backend, *args, env=None):
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})}
    r = subprocess.run(
        [sys.executable, "-m", "tests.test_backends", *map(str, args)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def _probe_images():
    return random_images(2, 32, 32, seed=11)


# === What the subprocesses run ===


def _train(run_dir):
    """`train` for one epoch on this process's backend, as a user runs it; G's outputs saved."""
    import keras

    from keras_anime_cyclegan.training.run import train

    # XLA (jit) on JAX: its un-jitted step dispatches op by op.
    result = train(tiny_config(epochs=1, jit_compile=keras.backend.backend() == "jax"), run_dir, verbose=0)
    model = result.model
    np.save(Path(run_dir) / "probe.npy", keras.ops.convert_to_numpy(model.generator_g(_probe_images())))
    return {
        "backend": keras.backend.backend(),
        "history": result.history,
        "iterations": int(keras.ops.convert_to_numpy(model.optimizer.iterations)),
        "pool_count": int(keras.ops.convert_to_numpy(model.pool_x.count.value)),
    }


def _load_in_tensorflow(run_dir):
    """The run's generator_g.keras and checkpoint, loaded here (TensorFlow), on the same images."""
    import keras

    import keras_anime_cyclegan.models  # noqa: F401  (registers the custom layers)
    from keras_anime_cyclegan.artifacts.generators import load_generator

    run_dir = Path(run_dir)
    expected = np.load(run_dir / "probe.npy")
    from_keras_file = keras.saving.load_model(run_dir / "generator_g.keras")
    from_checkpoint = load_generator(run_dir).model  # rebuilt from the run's config.json and last checkpoint
    with np.load(run_dir / "checkpoints" / "last.npz") as ckpt:
        epoch = int(ckpt["epoch"])
    return {
        "backend": keras.backend.backend(),
        "epoch": epoch,
        "keras_file_diff": float(np.max(np.abs(from_keras_file(_probe_images()).numpy() - expected))),
        "checkpoint_diff": float(np.max(np.abs(from_checkpoint(_probe_images()).numpy() - expected))),
    }


def _data_parallel():
    """Two steps on one device, then the same under keras.distribution.DataParallel over two."""
    import jax
    import keras
    import tensorflow as tf

    from keras_anime_cyclegan.data.synthetic import synthetic_images
    from keras_anime_cyclegan.training.distribute import make_strategy, scope
    from keras_anime_cyclegan.training.run import build_model
    from keras_anime_cyclegan.utils.images import to_float

    colors, lines = synthetic_images(4, 32, seed=5)
    dataset = tf.data.Dataset.from_tensor_slices((to_float(lines), to_float(colors))).batch(2, drop_remainder=True)

    class StepLogs(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            self.steps.append({k: float(v) for k, v in logs.items()})

    results = {"devices": len(jax.devices())}
    for name, strategy in (("one", None), ("two", make_strategy("mirrored"))):
        keras.utils.set_random_seed(3)
        config = micro_config(pool_size=4, jit_compile=True)
        model = build_model(config, strategy=strategy)
        record = StepLogs()
        record.steps = []
        with scope(strategy):
            model.fit(dataset, epochs=1, verbose=0, callbacks=[record])
        results[name] = {
            "steps": record.steps,
            "kernel_devices": len(model.generator_g.weights[0].value.sharding.device_set),
        }
    return results


def _phase_transpose():
    """The package's Conv2DTranspose against Keras's Conv2DTranspose on this backend: outputs and gradients, each with
    the float32 rounding bound of its sums. A sum of n products of factors in [-1, 1] is within
    (n - 1) * 2**-24 * (sum of |products|) <= n * n * 2**-24 of exact in any order (Higham's bound for
    recursive summation), so two orders differ by at most twice that. A misplaced tap moves results by 0.1-1."""
    import jax
    import keras

    from keras_anime_cyclegan.models.layers import Conv2DTranspose

    rng = np.random.default_rng(0)
    results = []
    for k, h, w in ((3, 9, 10), (4, 8, 7)):
        x = rng.uniform(-1, 1, (2, h, w, 16)).astype("float32")
        probe = rng.uniform(-1, 1, (2, 2 * h, 2 * w, 8)).astype("float32")
        stock = keras.layers.Conv2DTranspose(8, k, strides=2, padding="same")
        phase = Conv2DTranspose(8, k, strides=2, padding="same")
        for layer in (stock, phase):
            layer.build(x.shape)
        weights = [rng.uniform(-1, 1, v.shape).astype("float32") for v in stock.weights]

        def gradients(layer):
            def loss(weights, x):
                y, _ = layer.stateless_call(weights, [], x)
                return keras.ops.sum(y * probe), y

            (g_weights, g_x), y = jax.grad(loss, argnums=(0, 1), has_aux=True)(weights, x)
            return np.asarray(y), np.asarray(g_weights[0]), np.asarray(g_x)

        a, b = gradients(stock), gradients(phase)
        def bound(n):  # n products per sum
            return 2 * n * n * 2.0**-24

        taps = ((k + 1) // 2) ** 2  # kernel taps one output pixel meets
        results.append({
            "kernel": k,
            "shape_same": a[0].shape == b[0].shape == (2, 2 * h, 2 * w, 8),
            "output": [float(np.abs(a[0] - b[0]).max()), bound(taps * 16 + 1)],  # + the bias
            "kernel_grad": [float(np.abs(a[1] - b[1]).max()), bound(2 * h * w)],  # every input pixel of the batch
            "input_grad": [float(np.abs(a[2] - b[2]).max()), bound(k * k * 8)],  # every tap, every output channel
            "takes_phases": phase._phases_apply(),
        })  # fmt: skip
    return {"backend": keras.backend.backend(), "results": results}


# === Tests ===


@pytest.mark.parametrize("backend", [pytest.param("torch", marks=needs_torch)])
def test_a_backend_trains_and_its_weights_give_the_same_outputs_in_tensorflow(tmp_path, backend):
    """G trained on PyTorch, through its .keras file and its checkpoint, is the same network in TensorFlow.
    (JAX's run is `kac train` where TensorFlow cannot be imported, checked the same way:
    tests/test_input_paths.py::test_kac_train_runs_on_jax_without_tensorflow.)"""
    run = tmp_path / "run"
    trained = _run(backend, "train", run)
    assert trained["backend"] == backend
    assert trained["iterations"] == 2  # 4 images per domain, batch 2
    assert trained["pool_count"] == 4
    assert all(np.isfinite(v[0]) for v in trained["history"].values())
    assert trained["history"]["cycle_x"][0] > 0

    loaded = _run("tensorflow", "load", run)
    assert loaded["backend"] == "tensorflow" and loaded["epoch"] == 1
    assert loaded["keras_file_diff"] < CROSS_BACKEND
    assert loaded["checkpoint_diff"] < CROSS_BACKEND


@needs_jax
def test_jax_data_parallel_over_two_devices_matches_one():
    r = _run("jax", "data-parallel", env={"XLA_FLAGS": "--xla_force_host_platform_device_count=2"})
    assert r["devices"] == 2
    assert r["one"]["kernel_devices"] == 1 and r["two"]["kernel_devices"] == 2  # replicated over both
    assert len(r["one"]["steps"]) == len(r["two"]["steps"]) == 2
    # As tests/test_distribute.py: summation order is float32 rounding
    # (about 1e-7 of a loss); replicas out of step move losses by percent.
    for step_one, step_two in zip(r["one"]["steps"], r["two"]["steps"]):
        for name, value in step_one.items():
            assert abs(step_two[name] - value) <= 1e-4 * max(1.0, abs(value)), (name, value, step_two[name])


@needs_jax
def test_phase_transposed_convolution_is_keras_s_on_jax():
    """On JAX, where the stride-2 transposed convolutions run as four phase convolutions, outputs and
    gradients are Keras's own Conv2DTranspose's up to float32 rounding of the same sums."""
    r = _run("jax", "phase")
    for case in r["results"]:
        assert case["takes_phases"] and case["shape_same"], case
        for what in ("output", "kernel_grad", "input_grad"):
            difference, bound = case[what]
            assert difference <= bound, (case["kernel"], what, difference, bound)


if __name__ == "__main__":
    mode, args = sys.argv[1], sys.argv[2:]
    modes = {"train": _train, "load": _load_in_tensorflow, "data-parallel": _data_parallel, "phase": _phase_transpose}
    result = modes[mode](*args)
    print(json.dumps(result))
