"""The generator as exported: the same function, ops that quantise well.

Keras's instance normalisation (`GroupNormalization(groups=-1)`) reshapes
to groups and computes the variance as E[x^2] - E[x]^2. In int8 that
difference of two large, coarsely quantised numbers loses the variance
altogether (the failure of TensorFlow issue 59922), and the reshapes add
RESHAPE and TILE ops for nothing. `export_model` rebuilds the generator
with `ExportInstanceNorm` in their place, which computes the same thing in
two passes over NHWC directly: centre first, then the mean of the squared
centred values. Nearest-neighbour `UpSampling2D` (a repeat: reshapes and
tiles whose rank the TFLite converter loses for dynamic sizes) becomes one
RESIZE_NEAREST_NEIGHBOR. In float32 the outputs agree to rounding; the
weights (gamma, beta) are shared, not copied.
"""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import ops


def is_instance_norm(layer) -> bool:
    return (
        isinstance(layer, keras.layers.GroupNormalization)
        and layer.axis in (-1, 3)
        and layer.gamma is not None
        and layer.groups == layer.gamma.shape[0]
    )


class ExportInstanceNorm(keras.layers.Layer):
    """Instance normalisation of NHWC in two passes, with another layer's gamma and beta."""

    def __init__(self, source, **kwargs):
        super().__init__(name=source.name, dtype="float32", **kwargs)
        self.source = source

    def call(self, x):
        centred = x - ops.mean(x, axis=(1, 2), keepdims=True)
        variance = ops.mean(ops.square(centred), axis=(1, 2), keepdims=True)
        scale = self.source.gamma * ops.rsqrt(variance + self.source.epsilon)
        return centred * scale + self.source.beta

    def compute_output_shape(self, input_shape):
        return input_shape


def is_nearest_upsampling(layer) -> bool:
    return (
        isinstance(layer, keras.layers.UpSampling2D)
        and layer.interpolation == "nearest"
        and tuple(layer.size) == (2, 2)
        and layer.data_format == "channels_last"
    )


class ExportUpsampling(keras.layers.Layer):
    """2x nearest-neighbour upsampling of NHWC as one resize op (TensorFlow export only)."""

    def __init__(self, source, **kwargs):
        super().__init__(name=source.name, **kwargs)

    def call(self, x):
        shape = tf.shape(x)
        return tf.image.resize(x, [2 * shape[1], 2 * shape[2]], method="nearest")

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        return (n, None if h is None else 2 * h, None if w is None else 2 * w, c)


def export_model(model) -> keras.Model:
    """`model` with `ExportInstanceNorm` and `ExportUpsampling` in place of Keras's layers.

    Returns `model` itself when there is nothing to replace.
    """
    if not any(is_instance_norm(layer) or is_nearest_upsampling(layer) for layer in model.layers):
        return model

    def clone(layer):
        if is_instance_norm(layer):
            return ExportInstanceNorm(layer)
        if is_nearest_upsampling(layer):
            return ExportUpsampling(layer)
        return layer

    return keras.models.clone_model(model, clone_function=clone)
