"""Data-parallel strategies by name, for `kac train --strategy` and `train(strategy=...)`.

    mirrored     all local devices of one machine: tf.distribute.MirroredStrategy
                 on TensorFlow, keras.distribution.DataParallel on JAX
    multiworker  several machines, described by the standard TF_CONFIG
                 environment variable (TensorFlow): MultiWorkerMirroredStrategy

Build the CycleGAN inside `strategy.scope()` (`build_model(config,
strategy=...)` does) and `fit` the usual dataset batched with the global
batch size: Keras splits each batch across the devices.
"""

from __future__ import annotations

import contextlib
import os

from keras_anime_cyclegan.config import STRATEGIES


def make_strategy(name: str | None):
    """A strategy by name (None: none): tf.distribute, or on JAX keras.distribution.

    Create it first thing: MultiWorkerMirroredStrategy must exist before
    TensorFlow runs any op.
    """
    if name is None:
        return None
    import keras

    if name not in STRATEGIES:
        raise ValueError(f"unknown strategy {name!r} (have {', '.join(STRATEGIES)})")
    if keras.backend.backend() == "jax" and name == "mirrored":
        return keras.distribution.DataParallel()
    if keras.backend.backend() != "tensorflow":
        raise ValueError(f"strategy {name!r} needs the TensorFlow backend (JAX has 'mirrored')")
    import tensorflow as tf

    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if "TF_CONFIG" not in os.environ:
        raise ValueError("strategy 'multiworker' needs the TF_CONFIG environment variable (cluster and task)")
    return tf.distribute.MultiWorkerMirroredStrategy()


def is_chief(strategy=None) -> bool:
    """Whether this process writes the run folder: all but non-chief workers.

    As in TensorFlow's multi-worker guide: the task of type "chief", or
    worker 0 when the cluster has no chief.
    """
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.cluster_spec().as_dict():
        return True
    if resolver.task_type in (None, "chief"):
        return True
    return resolver.task_type == "worker" and resolver.task_id == 0 and "chief" not in resolver.cluster_spec().as_dict()


def replicas(strategy=None) -> int:
    """Devices the global batch is split across."""
    if strategy is None:
        return 1
    if hasattr(strategy, "num_replicas_in_sync"):
        return strategy.num_replicas_in_sync
    return strategy.device_mesh.devices.size  # a keras.distribution.DataParallel


def scope(strategy=None):
    """`strategy.scope()`, or a no-op context without one."""
    return strategy.scope() if strategy is not None else contextlib.nullcontext()


def cpu_replicas_in_one_process(strategy=None) -> bool:
    """True for a TensorFlow strategy with several replicas on this process's CPUs."""
    devices = getattr(getattr(strategy, "extended", None), "worker_devices", ())
    return len(devices) > 1 and all("CPU" in d.upper() for d in devices)
