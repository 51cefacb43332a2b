"""The gradient step of `CycleGAN`, one small mixin per Keras backend.

The losses are written once (`CycleGAN.compute_losses`, keras.ops); only
taking gradients and applying them differs between TensorFlow
(GradientTape), JAX (a stateless function of the model's state) and
PyTorch (autograd). The mixin for the running backend is chosen at import.
"""

from __future__ import annotations

import importlib

import keras

BACKENDS = ("tensorflow", "jax", "torch")


def train_step_mixin(backend: str | None = None) -> type:
    """The `TrainStep` mixin class of `backend` (default: Keras's own)."""
    backend = backend or keras.backend.backend()
    if backend not in BACKENDS:
        raise ValueError(f"no CycleGAN train step for the Keras backend {backend!r} (have {', '.join(BACKENDS)})")
    return importlib.import_module(f"{__name__}.{backend}").TrainStep
