"""Which picture, with which random seed, at each position of a training stream.

Every training pipeline draws from `element_stream`: an endless sequence of
passes over `n` pictures, pass p in an order drawn from (seed, p), element
k with the stateless seed (seed, k) for its crop, flip, sketch style and
hints. Everything is a function of `seed` and the position alone: no
global TensorFlow seed (tf.data's seeded `shuffle` and `Dataset.random`
mix it in) and no iterator state. So a pipeline gives the same batches in
any process, every pass is new, and a resumed run starts its stream where
the interrupted one stopped (`TrainData.batches(start)`), at no cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

_ORDER, _ELEMENT = 0, 1  # the two uses of a seed, kept apart


def element_stream(n: int, seed: int, start: int = 0, shuffle: bool = True):
    """An endless tf.data stream of (index in [0, n), (2,) int64 seed), from element `start` on."""
    import tensorflow as tf

    first_pass, offset = divmod(int(start), n)
    base = tf.constant([seed, 0], tf.int64)

    def one_pass(p):
        if not shuffle:
            return tf.data.Dataset.range(n)
        key = tf.random.experimental.stateless_fold_in(base + [0, _ORDER], p)
        return tf.data.Dataset.from_tensor_slices(tf.argsort(tf.random.stateless_uniform([n], key)))

    indices = tf.data.Dataset.counter(first_pass).flat_map(one_pass).skip(offset)
    seeds = tf.data.Dataset.counter(int(start)).map(
        lambda k: tf.random.experimental.stateless_fold_in(base + [0, _ELEMENT], k)
    )
    return tf.data.Dataset.zip(indices.map(lambda i: tf.cast(i, tf.int64)), seeds)


@dataclass
class TrainData:
    """What a training run consumes: a stream of batches and a few images to watch.

    `batches(start)` is the endless stream of (sketch, colour) batches in
    [-1, 1] from batch `start` on; `fit` takes it with `steps_per_epoch`.
    """

    batches: Callable[[int], object]
    steps_per_epoch: int
    sample_sketches: np.ndarray  # float32 [-1, 1], held out from training
    sample_colors: np.ndarray

    def epoch(self, index: int = 0):
        """The batches of epoch `index` (0-based), a finite tf.data.Dataset."""
        return self.batches(index * self.steps_per_epoch).take(self.steps_per_epoch)

    @property
    def dataset(self):
        """The first epoch's batches."""
        return self.epoch(0)
