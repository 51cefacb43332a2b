"""The 50-image history pool that feeds CycleGAN's discriminators.

Shrivastava et al.: judging a history of fakes, not only the latest,
stabilises training. The pool lives in Keras variables, so it works inside
the compiled train step (on JAX, as state the step threads through) and is
saved with checkpoints. Under a `tf.distribute` strategy each replica keeps
its own pool of its own fakes (on-read variables); saving reads the first
replica's, and restoring gives every replica that one.
"""

from __future__ import annotations

import keras
from keras import ops


def _per_replica_variable(shape, dtype, name):
    # `add_weight` takes no `synchronization`; a layer tracks a Variable
    # attribute all the same.
    return keras.Variable(
        "zeros",
        shape=shape,
        dtype=dtype,
        trainable=False,
        synchronization="on_read",
        aggregation="only_first_replica",
        name=name,
    )


class ImagePool(keras.layers.Layer):
    """Returns, per image, the new fake or (p=0.5, once full) a stored one.

    Until the pool is full every image is stored and returned as is. Once
    full, each image is returned with probability 0.5; otherwise a random
    stored image is returned and the new one takes its slot.

    Args:
        pool_size: int, images kept (0 disables the pool).
        seed: int, seed of the pool's random choices.
    """

    def __init__(self, pool_size: int = 50, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = int(pool_size)
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        if self.pool_size:
            # One spare row at the end takes the writes that must not land.
            self.images = _per_replica_variable((self.pool_size + 1, *input_shape[1:]), "float32", "images")
            self.count = _per_replica_variable((), "int32", "count")

    def call(self, images):
        if not self.pool_size:
            return images
        # A dynamic batch size (a tensor) on TensorFlow, where tf.distribute
        # can hide a replica's batch size; static on JAX, which needs it.
        batch = ops.shape(images)[0]
        # Vectorised over the batch: image i sees the pool as it was after
        # images 0..i-1 were stored. Two full-pool images drawing the same
        # slot in one batch is the only departure from a sequential loop.
        size, spare = self.pool_size, self.pool_size
        count = self.count.value
        position = count + ops.arange(batch, dtype="int32")
        full = position >= size

        fill_slot = ops.where(full, spare, position)
        pool = ops.scatter_update(self.images.value, fill_slot[:, None], images)

        u = keras.random.uniform((batch,), seed=self.seed_generator)
        j = keras.random.randint((batch,), 0, size, seed=self.seed_generator, dtype="int32")
        take_stored = ops.logical_and(full, u < 0.5)
        stored = ops.take(pool, j, axis=0)
        outputs = ops.where(take_stored[:, None, None, None], stored, images)
        swap_slot = ops.where(take_stored, j, spare)
        self.images.assign(ops.scatter_update(pool, swap_slot[:, None], images))
        self.count.assign(ops.minimum(count + batch, size))
        return outputs

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size}
