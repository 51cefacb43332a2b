"""keras-anime-cyclegan: colour anime sketches and extract line art, unpaired.

G colours sketches (X -> Y); F extracts lines (Y -> X). See README.md.

The package registers every network and layer it saves with Keras, so
`keras.saving.load_model` opens any `.keras` file it writes (the Keras
contract; KerasHub works the same way). Importing the package itself stays
light, so that `kac --help` and argument errors answer at once: if Keras is
already imported, the registration happens now; otherwise it happens right
after Keras's own first import (`utils.startup.register_with_keras`). The
other submodules and names load on first use.

TensorFlow's start-up logging ("oneDNN custom operations are on", absl
notices) is turned down to errors unless KAC_VERBOSE=1: the first import of
Keras after the package's brings TensorFlow in quietly (`utils.startup`),
so a user error on the command line stays one line on any CPU.
"""

from __future__ import annotations

import importlib

from keras_anime_cyclegan.utils.startup import register_with_keras
from keras_anime_cyclegan.version import __version__

register_with_keras("keras_anime_cyclegan.models")  # the serialisable classes, when Keras loads

_SUBMODULES = {
    "artifacts", "cli", "config", "data", "export", "inference", "models", "paint", "sketch", "training", "utils", "version",
}
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
