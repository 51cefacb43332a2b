"""What training leaves behind and inference and export read: the shared layer.

- `layout`: the run folder's files, direction names, network names;
- `checkpoint`: the one reader and writer of `checkpoints/last.npz`;
- `generators`: `load_generator`, G or F from a run folder, a `.keras` file
  or a shipped model (`pretrained`);
- `metadata`: the `metadata.json` schema every export carries;
- `pretrained`: the models the package ships (files under `pretrained/`).

Imports run one way: config, sketch, utils -> data, models ->
artifacts -> training, inference -> export -> cli (`tests/test_layers.py`).
"""

from keras_anime_cyclegan.artifacts.generators import LoadedGenerator, describe, load_generator, weights_sha256
from keras_anime_cyclegan.artifacts.layout import CHECKPOINT, CONFIG_FILE, DIRECTIONS, GENERATOR_FILES, NETWORKS

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
