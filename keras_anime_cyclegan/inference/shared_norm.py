"""Instance normalisation with one picture's statistics, for tiling.

Instance normalisation computes its mean and variance per picture, so a
tile alone would be normalised with its own statistics and come out in
different tones from its neighbours. As in Thumbnail Instance
Normalization (Chen et al., "Towards Ultra-Resolution Neural Style Transfer
via Thumbnail Instance Normalization", AAAI 2022), the statistics are
taken once from a downscaled view of the whole picture and every tile is
normalised with them.

Needs the Keras model (a run folder or a `.keras` file); exported graphs
are fixed and normalise each tile by itself.
"""

from __future__ import annotations

import keras
from keras import ops

from keras_anime_cyclegan.models.layers import is_instance_norm
from keras_anime_cyclegan.utils.tf_compat import all_layers


class _SharedStatsNorm(keras.layers.Layer):
    """An instance-norm layer that either records its input's statistics
    (`record=True`, one picture) or normalises with the recorded ones."""

    def __init__(self, source, mean, variance, record: bool, **kwargs):
        super().__init__(name=f"{source.name}_{'record' if record else 'shared'}", dtype="float32", **kwargs)
        self.source, self.mean, self.variance, self.record = source, mean, variance, record

    def call(self, x):
        if self.record:
            mean = ops.mean(x, axis=(1, 2), keepdims=True)
            variance = ops.var(x, axis=(1, 2), keepdims=True)
            self.mean.assign(mean)
            self.variance.assign(variance)
        else:
            mean, variance = self.mean, self.variance
        y = (x - mean) * ops.rsqrt(variance + self.source.epsilon)
        return y * self.source.gamma + self.source.beta


def shared_stats_models(model):
    """(recorder, applier) for `model`, or None when it has no instance norm.

    `recorder(picture)` runs one picture and records every instance-norm
    layer's statistics; `applier(tiles)` then runs a batch of tiles with
    them. Both share `model`'s weights.
    """
    norms = [layer for layer in all_layers(model) if is_instance_norm(layer)]
    if not norms:
        return None
    stats = {}
    for layer in norms:
        c = layer.gamma.shape[0]
        stats[id(layer)] = (
            keras.Variable(ops.zeros((1, 1, 1, c)), trainable=False, name=f"{layer.name}_mean"),
            keras.Variable(ops.ones((1, 1, 1, c)), trainable=False, name=f"{layer.name}_variance"),
        )

    def clone(record):
        def swap(layer):
            if id(layer) in stats:
                return _SharedStatsNorm(layer, *stats[id(layer)], record=record)
            return layer  # shared, so both clones use the model's weights

        return keras.models.clone_model(model, clone_function=swap)

    return clone(True), clone(False)
