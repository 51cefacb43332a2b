"""Soak: a few hundred train steps on this machine's CPU, XLA off and on, one device and two.

Guards the oneDNN heap corruption that killed training on Intel AVX-512
CPUs (uxlfoundation/oneDNN#6035: backward weights of a strided 1x1
convolution with fewer than 16 input channels; see
`models.layers.SubsampledConv2D`). The generator here has that pattern
(8 channels into the first level's projection). Each run is its own
process, so a segfault fails the test instead of killing the test runner.
This file is also the script those processes run
(`python -m tests.test_cpu_soak XLA STRATEGY STEPS`).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # 200 training steps in three subprocesses

ROOT = Path(__file__).resolve().parents[1]
STEPS = 200


def _soak(xla: bool, strategy: str, steps: int) -> dict:
    import numpy as np
    import tensorflow as tf

    if strategy == "mirrored":
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from tensorflow.python.util import _pywrap_util_port

    from keras_anime_cyclegan.data.synthetic import synthetic_images
    from keras_anime_cyclegan.training.run import build_model
    from keras_anime_cyclegan.utils.images import to_float
    from tests.helpers import tiny_config

    config = tiny_config(jit_compile=xla, batch_size=2)
    colors, lines = synthetic_images(8, config.image_size, seed=1)
    data = tf.data.Dataset.from_tensor_slices((to_float(lines), to_float(colors))).shuffle(8, seed=0).repeat()
    data = data.batch(config.batch_size, drop_remainder=True)
    distribution = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]) if strategy == "mirrored" else None
    model = build_model(config, strategy=distribution)
    history = model.fit(data, epochs=1, steps_per_epoch=steps, verbose=0)
    logs = {k: float(v[-1]) for k, v in history.history.items()}
    return {
        "onednn": bool(_pywrap_util_port.IsMklEnabled()),
        "replicas": model.distribute_strategy.num_replicas_in_sync,
        "xla": bool(model.jit_compile),
        "steps": int(model.optimizer.iterations.numpy()),
        "finite": bool(np.all(np.isfinite(list(logs.values())))),
    }


@pytest.mark.parametrize("strategy", ["one", "mirrored"])
@pytest.mark.parametrize("xla", [False, True], ids=["xla_off", "xla_on"])
def test_training_soaks_without_crashing(xla, strategy):
    # XLA cannot compile one step over two CPU devices of one process, so
    # build_model turns it off there: with two devices "XLA on" runs the very
    # steps of "XLA off", and a few steps show that it is turned off.
    steps = 5 if xla and strategy == "mirrored" else STEPS
    env = {**os.environ, "KERAS_BACKEND": "tensorflow"}
    proc = subprocess.run(
        [sys.executable, "-m", "tests.test_cpu_soak", str(int(xla)), strategy, str(steps)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, f"exit code {proc.returncode} (negative: killed by a signal)\n{proc.stderr[-3000:]}"
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"soak xla={xla} {strategy}: {result}")
    assert result["steps"] == steps
    assert result["replicas"] == (2 if strategy == "mirrored" else 1)
    assert result["finite"]
    assert result["xla"] == (xla and strategy == "one")


if __name__ == "__main__":
    xla, strategy, steps = bool(int(sys.argv[1])), sys.argv[2], int(sys.argv[3])
    print(json.dumps(_soak(xla, strategy, steps)))
