"""What every benchmark script shares: one JSON document on stdout (and in --out), the train step's FLOP count."""

import json
from pathlib import Path


def emit(doc: dict, out: str | None = None) -> None:
    text = json.dumps(doc, indent=2)
    print(text)
    if out:
        Path(out).write_text(text + "\n")


def train_step_gflop(generator_gflops: float, discriminator_gflops: float, batch: int) -> float:
    """Approximate GFLOP of one CycleGAN train step from forward GFLOPs per image.

    Per image a step runs G and F 3 times each forward (translate, cycle,
    identity) and the discriminators 6 times; backward costs about twice
    forward: ~3 x (6 generator + 6 discriminator passes).
    """
    return 3 * (6 * generator_gflops + 6 * discriminator_gflops) * batch


def cpu_model() -> str:
    """The CPU's model name (as `lscpu` shows it), and how many cores this process may use."""
    import os
    import platform

    name = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{name}, {len(os.sched_getaffinity(0))} cores"


def as_if_trained(model, seed: int = 0):
    """`model` (a freshly built network) with its normalisations' scales and
    offsets away from 1 and 0, as training leaves them, and returns it.

    A fresh network's instance norms multiply by ones and add zeros, which
    TensorFlow's graph optimiser (TFLite and TF.js conversion) removes: a
    fresh preset then times 48 elementwise ops lighter than the same network
    trained. Latency does not depend on the values otherwise.
    """
    import numpy as np

    from keras_anime_cyclegan.models.layers import is_instance_norm

    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if is_instance_norm(layer):
            layer.gamma.assign(1.0 + 0.1 * rng.standard_normal(layer.gamma.shape).astype("float32"))
            layer.beta.assign(0.1 * rng.standard_normal(layer.beta.shape).astype("float32"))
    return model
