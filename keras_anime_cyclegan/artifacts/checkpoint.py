"""Whole-state checkpoints: four networks, four optimizers, two pools, epoch.

One `.npz` file per checkpoint, written to a temporary name, flushed and
renamed: a process killed mid-write leaves the previous checkpoint intact.
Plain arrays keyed by position also load on every Keras backend.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from keras_anime_cyclegan.artifacts.layout import NETWORKS


def _state_groups(model) -> dict[str, list]:
    groups = {}
    for name in NETWORKS:
        groups[name] = getattr(model, name).weights
        # The learning rate is config (a variable only when not a schedule),
        # so checkpoints move between constant and scheduled runs.
        groups[f"optimizer_{name}"] = [v for v in model.optimizers[name].variables if v.name != "learning_rate"]
    groups["pool_x"] = model.pool_x.variables
    groups["pool_y"] = model.pool_y.variables
    return groups


def save_checkpoint(model, path: str | Path, epoch: int) -> Path:
    """Saves the complete training state after `epoch` completed epochs."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {"epoch": np.asarray(epoch, np.int64)}
    for group, variables in _state_groups(model).items():
        for i, v in enumerate(variables):
            arrays[f"{group}/{i:04d}"] = np.asarray(v.numpy() if hasattr(v, "numpy") else v.value)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        np.savez(f, **arrays)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return path


def load_checkpoint(model, path: str | Path) -> int:
    """Restores a checkpoint into a built and compiled model; returns its epoch."""
    with open_checkpoint(path) as data:
        for group, variables in _state_groups(model).items():
            assign_group(data, group, variables, path)
        return int(data["epoch"])


def open_checkpoint(path: str | Path):
    """The checkpoint's arrays (an `np.load` archive; use it in a `with`)."""
    path = Path(path)
    try:
        return np.load(path)
    except (OSError, ValueError) as e:
        raise ValueError(f"{path}: not a readable checkpoint ({e})") from e


def assign_group(data, group: str, variables, path) -> None:
    """Assigns one group's arrays (`generator_g`, `optimizer_generator_g`, ...) to `variables`,
    checking their number and shapes."""
    stored = sorted(k for k in data.files if k.startswith(group + "/"))
    if len(stored) != len(variables):
        raise ValueError(
            f"{path}: {group} has {len(stored)} arrays, the model {len(variables)}: "
            "the checkpoint was written by a different config"
        )
    for key, v in zip(stored, variables):
        value = data[key]
        if tuple(value.shape) != tuple(v.shape):
            raise ValueError(f"{path}: {key} has shape {value.shape}, the model {tuple(v.shape)}")
        v.assign(value)


def read_network(path: str | Path, network, name: str) -> None:
    """Loads one network's weights (G, say, for inference) from a whole-state checkpoint."""
    with open_checkpoint(path) as data:
        assign_group(data, name, network.weights, path)
