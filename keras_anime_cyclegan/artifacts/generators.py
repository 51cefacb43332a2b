"""Loads a trained generator from a run folder, a `.keras` file or a shipped model.

Export and inference both start here, so every source behaves the same
everywhere.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from keras_anime_cyclegan.artifacts.checkpoint import read_network
from keras_anime_cyclegan.artifacts.layout import CHECKPOINT, CONFIG_FILE, DIRECTIONS, check_direction
from keras_anime_cyclegan.config import ExperimentConfig, GeneratorConfig


@dataclass
class LoadedGenerator:
    model: object  # keras.Model, float32 [-1, 1] NHWC in and out
    direction: str  # "colorize" (G: sketch -> colour) or "lines" (F: colour -> sketch)
    config: Optional[GeneratorConfig]  # None when the .keras file was not saved by this package's run
    weights_sha256: str
    source: Path

    @property
    def multiple(self) -> int:
        return int(getattr(self.model, "multiple", 1))

    @property
    def hint_channels(self) -> int:
        """Extra input channels for colour hints after the picture's 3 (0: none)."""
        return int(getattr(self.model, "hint_channels", 0))


def weights_sha256(model) -> str:
    """SHA-256 of a model's weights (shapes and float32 bytes, in order)."""
    h = hashlib.sha256()
    for w in model.weights:
        a = np.ascontiguousarray(np.asarray(w.numpy() if hasattr(w, "numpy") else w, np.float32))
        h.update(repr(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def load_generator(path: str | Path, direction: str = "colorize") -> LoadedGenerator:
    """G (`direction="colorize"`) or F (`"lines"`) from a run folder or `.keras` file.

    `path` may also be `"pretrained"` or `"pretrained:NAME"`: a model the
    package ships (`keras_anime_cyclegan.pretrained`).

    A run folder is rebuilt from its `config.json` and its last checkpoint.
    A `.keras` file saved by a run knows its direction from its name; asking
    for the other direction, or passing a discriminator, is an error.
    """
    from keras_anime_cyclegan.artifacts import pretrained

    check_direction(direction)
    path = pretrained.resolve(path, direction)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such model file or run folder")
    if path.is_dir() and (path / CONFIG_FILE).exists():
        config = ExperimentConfig.load(path / CONFIG_FILE)
        ckpt = path / CHECKPOINT
        if not ckpt.exists():
            raise FileNotFoundError(f"{path}: run folder has no checkpoint yet ({CHECKPOINT})")
        model = _generator_from_checkpoint(config, ckpt, DIRECTIONS[direction])
        return LoadedGenerator(model, direction, config.generator_config(DIRECTIONS[direction]), weights_sha256(model), path)
    if path.is_file() and path.suffix == ".keras":
        import keras

        import keras_anime_cyclegan.models  # noqa: F401  (registers the custom classes)

        try:
            model = keras.saving.load_model(path, compile=False)
        except Exception as e:  # Keras raises many types for a bad archive
            raise ValueError(f"{path}: not a loadable .keras model ({e})") from e
        _check_is_generator(model, path)
        stored = {v: k for k, v in DIRECTIONS.items()}.get(model.name)
        if stored and stored != direction:
            raise ValueError(f"{path}: this is the {stored!r} generator ({model.name}), not {direction!r}")
        return LoadedGenerator(model, direction, _config_of(model), weights_sha256(model), path)
    raise ValueError(f"{path}: expected a run folder (with {CONFIG_FILE}) or a .keras file")


def _check_is_generator(model, path) -> None:
    shape = model.output_shape
    if not (isinstance(shape, tuple) and len(shape) == 4 and shape[-1] == 3):
        raise ValueError(f"{path}: output shape {shape} is not an RGB image; is it a discriminator?")


def _config_of(model) -> Optional[GeneratorConfig]:
    from keras_anime_cyclegan.models.factory import GENERATORS

    arch = {cls: name for name, cls in GENERATORS.items()}.get(type(model))
    if arch is None:
        return None
    cfg = {k: v for k, v in model.get_config().items() if k not in ("name", "trainable")}
    return GeneratorConfig(architecture=arch, **cfg)


def _generator_from_checkpoint(config: ExperimentConfig, ckpt: Path, net_name: str):
    from keras_anime_cyclegan.models.factory import build_generator

    model = build_generator(config.generator_config(net_name), name=net_name)
    read_network(ckpt, model, net_name)
    return model


def describe(loaded: LoadedGenerator) -> str:
    cfg = json.dumps(loaded.config.__dict__) if loaded.config else "unknown"
    return f"{loaded.direction} generator from {loaded.source} ({cfg})"
