"""tf.distribute: two replicas train like one; two workers on localhost train and the chief writes.

Each test runs TensorFlow in fresh processes: logical devices and
MultiWorkerMirroredStrategy must be set up before TensorFlow starts.
This file is also the script those processes run (`python -m tests.test_distribute ...`).
"""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.helpers import tiny_config

pytestmark = pytest.mark.slow  # trains under MirroredStrategy in subprocesses

ROOT = Path(__file__).resolve().parents[1]


def _python(*args, env=None, timeout=600):
    env = {**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})}
    return subprocess.Popen(
        [sys.executable, *map(str, args)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _finish(proc, timeout=600):
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err[-3000:]
    return out


# === Two replicas on two logical CPUs ===


def _mirrored_worker(run_dir):
    """One replica, then two, on the same data from the same seed; then a run and its resume."""
    import keras
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

    from keras_anime_cyclegan.data.synthetic import synthetic_images
    from keras_anime_cyclegan.training.run import build_model, train
    from keras_anime_cyclegan.utils.images import to_float

    colors, lines = synthetic_images(4, 32, seed=5)
    dataset = tf.data.Dataset.from_tensor_slices((to_float(lines), to_float(colors))).batch(2, drop_remainder=True)

    class StepLogs(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            self.steps.append({k: float(v) for k, v in logs.items()})

    results = {}
    for name, strategy in (("one", None), ("two", tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]))):
        keras.utils.set_random_seed(3)
        # Pool of 4: still filling after 2 steps, so no random draw differs.
        model = build_model(tiny_config(pool_size=4), strategy=strategy)
        record = StepLogs()
        record.steps = []
        model.fit(dataset, epochs=1, verbose=0, callbacks=[record])
        results[name] = {
            "replicas": model.distribute_strategy.num_replicas_in_sync,
            "steps": record.steps,
            # Kernels: a bias before instance norm has a zero gradient up to
            # rounding noise, which Adam scales up to a full step.
            "kernels": [w.numpy().tolist() for w in model.generator_g.weights + model.discriminator_y.weights if w.ndim > 1],
        }

    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    train(tiny_config(epochs=1), run_dir, strategy=strategy, verbose=0)
    resumed = train(None, run_dir, resume=True, epochs=2, strategy=strategy, verbose=0)
    results["resumed"] = {
        "initial_epoch": resumed.initial_epoch,
        "iterations": int(resumed.model.optimizer.iterations.numpy()),
        "pool_count": int(resumed.model.pool_x.count.numpy()),
    }
    print(json.dumps(results))


def test_two_replicas_give_the_losses_and_weights_of_one(tmp_path):
    out = _finish(_python("-m", "tests.test_distribute", "mirrored", tmp_path / "run"))
    r = json.loads(out.strip().splitlines()[-1])
    one, two = r["one"], r["two"]
    assert (one["replicas"], two["replicas"]) == (1, 2)
    assert len(one["steps"]) == len(two["steps"]) == 2
    # Step 2's losses come from the weights after step 1's update.
    for step_one, step_two in zip(one["steps"], two["steps"]):
        for name, value in step_one.items():
            assert abs(step_two[name] - value) <= 1e-4 * max(1.0, abs(value)), (name, value, step_two[name])
    for a, b in zip(one["kernels"], two["kernels"]):
        np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=1e-3, atol=2e-5)  # Adam's step is 2e-4
    # 4 images per domain / global batch 2 = 2 steps an epoch; epoch 2 resumed from the checkpoint.
    assert r["resumed"]["initial_epoch"] == 1
    assert r["resumed"]["iterations"] == 4
    assert r["resumed"]["pool_count"] == 4  # each replica's pool saw 4 of its own fakes (1 a step)
    assert (tmp_path / "run" / "checkpoints" / "last.npz").exists()


# === Two workers on localhost ===


def _free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def test_two_workers_train_and_only_the_chief_writes(tmp_path):
    config = tmp_path / "tiny.json"
    tiny_config(epochs=1).save(config)
    out, scratch = tmp_path / "run", tmp_path / "scratch"
    scratch.mkdir()
    workers = [f"localhost:{port}" for port in _free_ports(2)]
    procs = [
        _python(
            "-m", "keras_anime_cyclegan", "train", "--demo", "--config", config, "--out", out, "--strategy", "multiworker",
            env={
                "TF_CONFIG": json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": i}}),
                "TMPDIR": str(scratch),
            },
        )
        for i in range(2)
    ]  # fmt: skip
    chief, worker = (_finish(p) for p in procs)
    assert "contact sheet" in chief and f"run folder: {out}" in chief
    assert "worker finished; the chief writes the run folder" in worker
    for name in ("config.json", "checkpoints/last.npz", "log.csv", "generator_g.keras", "samples/epoch_0001.png"):
        assert (out / name).exists(), name
    with np.load(out / "checkpoints" / "last.npz") as ckpt:
        assert int(ckpt["epoch"]) == 1
    assert not list(scratch.glob("kac-worker-*")), "the non-chief worker left its temporary run folder behind"


if __name__ == "__main__":
    if sys.argv[1] == "mirrored":
        _mirrored_worker(Path(sys.argv[2]))
