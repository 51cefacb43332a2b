"""Soak: dozens of train steps on this machine's CPU, XLA on one device, two devices with XLA off.

Guards the oneDNN heap corruption that killed training on Intel AVX-512
CPUs (uxlfoundation/oneDNN#6035: backward weights of a strided 1x1
convolution with fewer than 16 input channels; see
`models.layers.SubsampledConv2D`). The generator here
(`tests.helpers.micro_config`) has that pattern (4 channels into its one
level's projection). Each run is its own
process, so a segfault fails the test instead of killing the test runner.
This file is also the script those processes run
(`python -m tests.test_cpu_soak STRATEGY '[[XLA, STEPS], ...]'`).

How many steps, measured with the broken kernel put back (the projection's
op a strided convolution again) on an Intel Xeon with AVX-512, 2 cores:
under MirroredStrategy the process died (SIGSEGV, SIGABRT) before its
first step ended, in 3 runs of 3 with tiny_config's networks and 2 of 2
with the micro ones; on one device (tiny) it survived 300 steps in 2 runs
of 2, the corruption going unnoticed. So two replicas catch it at
once and no step count makes one device catch it: `MIRRORED_STEPS` leaves
a twentyfold margin, and the structural check
(`tests/test_models.py::test_no_network_runs_a_strided_1x1_convolution`)
is the guard that does not depend on the CPU. One device with XLA off
(the default where oneDNN is on) trains in the suite's own processes
(`tests/test_training.py`, 30 steps and more); XLA on one device (the
default elsewhere, as on AMD CPUs) trains only here, `STEPS` steps (its
compile is most of the cost: with tiny_config's networks 59 s for 2
steps and 65 s for 40, alone; 33 s for 40 with the micro ones).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # training steps in two subprocesses

ROOT = Path(__file__).resolve().parents[1]
STEPS = 40
MIRRORED_STEPS = 20


def _soak(runs: list[tuple[bool, int]], strategy: str) -> list[dict]:
    """Trains a fresh model for each (xla, steps) of `runs`, one after the other in this process."""
    import numpy as np
    import tensorflow as tf

    if strategy == "mirrored":
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from tensorflow.python.util import _pywrap_util_port

    from keras_anime_cyclegan.data.synthetic import synthetic_images
    from keras_anime_cyclegan.training.run import build_model
    from keras_anime_cyclegan.utils.images import to_float
    from tests.helpers import micro_config

    results = []
    for xla, steps in runs:
        config = micro_config(jit_compile=xla, batch_size=2)
        colors, lines = synthetic_images(8, config.image_size, seed=1)
        data = tf.data.Dataset.from_tensor_slices((to_float(lines), to_float(colors))).shuffle(8, seed=0).repeat()
        data = data.batch(config.batch_size, drop_remainder=True)
        distribution = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]) if strategy == "mirrored" else None
        model = build_model(config, strategy=distribution)
        logs = {}
        if steps:
            history = model.fit(data, epochs=1, steps_per_epoch=steps, verbose=0)
            logs = {k: float(v[-1]) for k, v in history.history.items()}
        results.append({
            "onednn": bool(_pywrap_util_port.IsMklEnabled()),
            "replicas": model.distribute_strategy.num_replicas_in_sync,
            "xla": bool(model.jit_compile),
            "steps": int(model.optimizer.iterations.numpy()),
            "finite": bool(np.all(np.isfinite(list(logs.values())))),
        })  # fmt: skip
    return results


# (strategy, [(XLA asked for, steps), ...]): XLA cannot compile one step over
# two CPU devices of one process, so build_model turns it off there: with two
# devices "XLA on" would run the very steps of "XLA off": a model built after
# the soak, in the same process, shows that it is turned off (0 steps: built,
# not trained).
CASES = {
    "one-xla_on": ("one", [(True, STEPS)]),
    "mirrored": ("mirrored", [(False, MIRRORED_STEPS), (True, 0)]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_training_soaks_without_crashing(case):
    strategy, runs = CASES[case]
    env = {**os.environ, "KERAS_BACKEND": "tensorflow"}
    proc = subprocess.run(
        [sys.executable, "-m", "tests.test_cpu_soak", strategy, json.dumps(runs)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert proc.returncode == 0, f"exit code {proc.returncode} (negative: killed by a signal)\n{proc.stderr[-3000:]}"
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"soak {case}: {results}")
    assert len(results) == len(runs)
    for (xla, steps), result in zip(runs, results):
        assert result["steps"] == steps
        assert result["replicas"] == (2 if strategy == "mirrored" else 1)
        assert result["finite"]
        assert result["xla"] == (xla and strategy == "one")


if __name__ == "__main__":
    print(json.dumps(_soak([tuple(run) for run in json.loads(sys.argv[2])], sys.argv[1])))
