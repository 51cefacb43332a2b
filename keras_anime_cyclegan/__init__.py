"""keras-anime-cyclegan: colour anime sketches and extract line art, unpaired.

G colours sketches (X -> Y); F extracts lines (Y -> X). See README.md.

Submodules and names load on first use, so the command line starts without
importing TensorFlow.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBMODULES = {"config", "data", "models", "sketch", "training", "utils"}
_NAMES = {
    "Colorizer": "keras_anime_cyclegan.inference",
    "CycleGAN": "keras_anime_cyclegan.training.cyclegan",
    "ExperimentConfig": "keras_anime_cyclegan.config",
    "LineExtractor": "keras_anime_cyclegan.inference",
    "preset": "keras_anime_cyclegan.config",
    "train": "keras_anime_cyclegan.training.run",
}

__all__ = sorted(_SUBMODULES | set(_NAMES) | {"__version__"})


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _NAMES:
        return getattr(importlib.import_module(_NAMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return __all__
