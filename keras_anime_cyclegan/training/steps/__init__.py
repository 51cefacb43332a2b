"""The gradient step of `CycleGAN`, one small mixin per Keras backend, and
whether it compiles with XLA.

The losses are written once (`CycleGAN.compute_losses`, keras.ops); only
taking gradients and applying them differs between TensorFlow
(GradientTape), JAX (a stateless function of the model's state) and
PyTorch (autograd). The mixin for the running backend is chosen at import.
"""

from __future__ import annotations

import importlib
from typing import Optional

import keras

BACKENDS = ("tensorflow", "jax", "torch")


def train_step_mixin(backend: str | None = None) -> type:
    """The `TrainStep` mixin class of `backend` (default: Keras's own)."""
    backend = backend or keras.backend.backend()
    if backend not in BACKENDS:
        raise ValueError(f"no CycleGAN train step for the Keras backend {backend!r} (have {', '.join(BACKENDS)})")
    return importlib.import_module(f"{__name__}.{backend}").TrainStep


def resolve_jit_compile(jit_compile: Optional[bool]) -> bool:
    """`jit_compile` itself, or for None (auto): XLA unless the step would run on oneDNN CPU kernels.

    Measured on 2 cores (benchmarks/train_step.py, 128x128): Intel Xeon with
    oneDNN, XLA off vs on: demo batch 4 0.75 vs 1.13 s, mobile 0.78 vs 0.88 s,
    ResNet-9 batch 1 2.00 vs 2.48 s; AMD EPYC without oneDNN: demo 2.96 vs
    2.01 s, mobile 2.93 vs 1.87 s. JAX and PyTorch, and TensorFlow with a
    GPU: XLA.
    """
    if jit_compile is not None:
        return bool(jit_compile)
    if keras.backend.backend() != "tensorflow":
        return True
    import tensorflow as tf

    from keras_anime_cyclegan.utils.tf_compat import onednn_enabled

    return bool(tf.config.list_physical_devices("GPU")) or not onednn_enabled()
