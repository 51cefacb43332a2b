"""Whole-state checkpoints: four networks, the optimizer's state per network, two pools, epoch.

One `.npz` file per checkpoint, written to a temporary name, flushed and
renamed: a process killed mid-write leaves the previous checkpoint intact.
Plain arrays keyed by position also load on every Keras backend.
"""

from __future__ import annotations

import os
from pathlib import Path

import keras
import numpy as np

from keras_anime_cyclegan.artifacts.layout import NETWORKS


def optimizer_state_by_network(model) -> dict[str, list]:
    """The optimizer's variables, seen per network: {network: [iterations, its slots]}.

    Keras optimizers add their per-variable slots interleaved, variable by
    variable, in build order (Adam: momentum, velocity; a documented
    backward-compatibility rule of `add_optimizer_variables`), and the
    CycleGAN builds its optimizer on `model.trainable_variables`, where each
    network's variables are contiguous. So each network's slice is what an
    optimizer of its own would hold: checkpoints written when each network
    had its own Adam load unchanged. A loss-scale wrapper's own variables
    (scale, counter) are a group of their own, `loss_scale`.
    """
    optimizer = model.optimizer
    inner = getattr(optimizer, "inner_optimizer", optimizer)
    # The learning rate is config (a variable only when not a schedule),
    # so checkpoints move between constant and scheduled runs.
    skip = {id(inner.iterations)} | {id(v) for v in inner.variables if v.name == "learning_rate"}
    slots = [v for v in inner.variables if id(v) not in skip]
    per_variable = len(slots) // max(len(model.trainable_variables), 1)
    if per_variable * len(model.trainable_variables) != len(slots):
        raise ValueError(f"{inner.name}: {len(slots)} optimizer slots for {len(model.trainable_variables)} variables")
    position = {id(v): i for i, v in enumerate(model.trainable_variables)}
    groups = {}
    for name in NETWORKS:
        mine = [position[id(v)] for v in getattr(model, name).trainable_variables]
        groups[name] = [inner.iterations] + [slots[i * per_variable + k] for i in mine for k in range(per_variable)]
    return groups


def _state_groups(model) -> dict[str, list]:
    groups = {}
    optimizer = optimizer_state_by_network(model)
    for name in NETWORKS:
        groups[name] = getattr(model, name).weights
        groups[f"optimizer_{name}"] = optimizer[name]
    if isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer):
        inner = {id(v) for v in model.optimizer.inner_optimizer.variables}
        groups["loss_scale"] = [v for v in model.optimizer.variables if id(v) not in inner]
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
        groups = _state_groups(model)
        for group, variables in groups.items():
            assign_group(data, group, variables, path)
        # Every network's view starts with the one step count. Checkpoints
        # from one Adam per network can hold different counts (a run whose
        # discriminators joined later); G's is the run's, so it wins.
        first = f"optimizer_{NETWORKS[0]}"
        groups[first][0].assign(data[f"{first}/0000"])
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
