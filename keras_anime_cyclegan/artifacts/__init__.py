"""What training leaves behind and inference and export read: the shared layer.

- `layout`: the run folder's files, direction names, network names;
- `checkpoint`: the one reader and writer of `checkpoints/last.npz`;
- `generators`: `load_generator`, G or F from a run folder, a `.keras` file
  or a shipped model (`pretrained`);
- `metadata`: the `metadata.json` schema every export carries;
- `pretrained`: the models the package ships (files under `pretrained/`).

Imports run one way: config, version, sketch, utils -> data, models, paint
-> artifacts -> training, inference -> export -> cli -> the package root's
lazy doors (`tests/test_import_order.py`).
"""


import importlib

from keras_anime_cyclegan.artifacts.layout import CHECKPOINT, CONFIG_FILE, DIRECTIONS, GENERATOR_FILES, NETWORKS

# `generators` reads networks with Keras: loaded on first use, so the
# command line can read the layout's names without starting TensorFlow.
_LAZY = {name: "generators" for name in ("LoadedGenerator", "describe", "load_generator", "weights_sha256")}

__all__ = [
    "CHECKPOINT",
    "CONFIG_FILE",
    "DIRECTIONS",
    "GENERATOR_FILES",
    "NETWORKS",
    "LoadedGenerator",
    "describe",
    "load_generator",
    "weights_sha256",
]


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
