"""keras-anime-cyclegan: colour anime sketches and extract line art, unpaired.

G colours sketches (X -> Y); F extracts lines (Y -> X). See README.md.

Importing the package registers every network and layer it saves with
Keras, so `keras.saving.load_model` opens any `.keras` file it writes (the
Keras contract; KerasHub works the same way). That imports Keras and its
backend; the other submodules and names load on first use.

TensorFlow's start-up logging ("oneDNN custom operations are on", absl
notices) is turned down to errors unless KAC_VERBOSE=1
(`utils.startup`): it must happen before TensorFlow is first imported, so
here, and a user error on the command line stays one line on any CPU.
"""

from __future__ import annotations

import importlib

from keras_anime_cyclegan.utils.startup import import_tensorflow_quietly

__version__ = "0.1.0"

import_tensorflow_quietly()

from keras_anime_cyclegan import models  # noqa: E402  (registers the serialisable classes)

_SUBMODULES = {"config", "data", "export", "inference", "models", "sketch", "training", "utils"}
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
