"""The generator as exported: the same function, ops that quantise well.

Keras's instance normalisation (`GroupNormalization(groups=-1)`) reshapes
to groups and computes the variance as E[x^2] - E[x]^2. In int8 that
difference of two large, coarsely quantised numbers loses the variance
altogether (the failure of TensorFlow issue 59922), and the reshapes add
RESHAPE and TILE ops for nothing. `export_model` rebuilds the generator
with `ExportInstanceNorm` in their place, which computes the same thing in
two passes over NHWC directly: centre first, then the mean of the squared
centred values. In float32 the outputs agree to rounding; the weights
(gamma, beta) are shared, not copied.
"""

from __future__ import annotations

import keras
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


def export_model(model) -> keras.Model:
    """`model` with every instance norm replaced by `ExportInstanceNorm`.

    Returns `model` itself when it has none (e.g. `norm="batch"`).
    """
    if not any(is_instance_norm(layer) for layer in model.layers):
        return model

    def clone(layer):
        return ExportInstanceNorm(layer) if is_instance_norm(layer) else layer

    return keras.models.clone_model(model, clone_function=clone)
