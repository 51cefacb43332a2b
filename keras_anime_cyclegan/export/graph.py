"""The generator as exported: the same function, ops that quantise well.

Keras's instance normalisation (`GroupNormalization(groups=-1)`) reshapes
to groups and computes the variance as E[x^2] - E[x]^2. In int8 that
difference of two large, coarsely quantised numbers loses the variance
altogether (the failure of TensorFlow issue 59922), and the reshapes add
RESHAPE and TILE ops for nothing. `export_model` rebuilds the generator
with `ExportInstanceNorm` in their place, which computes the same thing in
two passes over NHWC directly: centre first, then the mean of the squared
centred values.

Two more rewrites keep the whole TFLite graph inside the XNNPACK delegate
(ops it does not take run on single-threaded builtin kernels and cut the
graph into partitions; at 256x256 on 2 threads the mobile preset took
52 ms that way and 24 ms whole). Nearest-neighbour `UpSampling2D` becomes
four channel copies and DEPTH_TO_SPACE (not RESIZE_NEAREST_NEIGHBOR, nor
the reshapes and tiles whose rank the converter loses for dynamic sizes).
Reflection padding becomes slices and concatenations of at most four
inputs (not MIRROR_PAD). `SubsampledConv2D` (a training-time detour around
a oneDNN bug) becomes the strided CONV_2D it equals (XNNPACK does not take
a STRIDED_SLICE with strides above 1). In float32 the outputs agree to rounding; the
weights (gamma, beta) are shared, not copied.
"""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import ops

from keras_anime_cyclegan.models.layers import HintSpread, ReflectionPadding2D, SubsampledConv2D, is_instance_norm


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
    """2x nearest-neighbour upsampling of NHWC as CONCATENATION + DEPTH_TO_SPACE (TensorFlow export only)."""

    def __init__(self, source, **kwargs):
        super().__init__(name=source.name, **kwargs)

    def call(self, x):
        # Four copies of every pixel's channels, laid out as the 2x2 block.
        return tf.nn.depth_to_space(tf.concat([x, x, x, x], axis=-1), 2)

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        return (n, None if h is None else 2 * h, None if w is None else 2 * w, c)


def is_reflection_padding(layer) -> bool:
    return isinstance(layer, ReflectionPadding2D)


def _concat(tensors, axis, most=4):
    """`tf.concat` as a tree of concatenations with at most `most` inputs each.

    XNNPACK delegates CONCATENATION of up to 4 inputs only; a 7x7 kernel's
    pad of 3 would otherwise concatenate 7 and fall out of the delegate.
    """
    while len(tensors) > 1:
        tensors = [
            tf.concat(tensors[i : i + most], axis) if len(tensors[i : i + most]) > 1 else tensors[i]
            for i in range(0, len(tensors), most)
        ]
    return tensors[0]


class ExportReflectionPad(keras.layers.Layer):
    """Reflection padding of NHWC as single-row slices and a concatenation per axis."""

    def __init__(self, source, **kwargs):
        super().__init__(name=source.name, **kwargs)
        self.padding = source.padding

    def call(self, x):
        p = self.padding
        # Mirror without the edge: rows p..1 before, rows -2..-(p+1) after.
        before = [x[:, i : i + 1] for i in range(p, 0, -1)]
        after = [x[:, -i - 1 : -i] for i in range(1, p + 1)]
        x = _concat([_concat(before, 1), x, _concat(after, 1)], 1)
        before = [x[:, :, i : i + 1] for i in range(p, 0, -1)]
        after = [x[:, :, -i - 1 : -i] for i in range(1, p + 1)]
        return _concat([_concat(before, 2), x, _concat(after, 2)], 2)

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        p2 = 2 * self.padding
        return (n, None if h is None else h + p2, None if w is None else w + p2, c)


def is_subsampled_conv(layer) -> bool:
    return isinstance(layer, SubsampledConv2D)


class ExportStridedConv(keras.layers.Layer):
    """A `SubsampledConv2D` as the one strided 1x1 convolution it equals, with the source's weights."""

    def __init__(self, source, **kwargs):
        super().__init__(name=source.name, **kwargs)
        self.source = source

    def call(self, x):
        s = self.source
        y = ops.conv(x, s.kernel, strides=s.strides, padding="valid")
        return y + s.bias if s.use_bias else y

    def compute_output_shape(self, input_shape):
        return self.source.compute_output_shape(input_shape)


_REPLACEMENTS = (
    (is_subsampled_conv, ExportStridedConv),
    (is_instance_norm, ExportInstanceNorm),
    (is_nearest_upsampling, ExportUpsampling),
    (is_reflection_padding, ExportReflectionPad),
)


def _half_resolution_spread(model):
    """The model's half-resolution `HintSpread` layer with rounds to do, or None."""
    spreads = [l for l in model.layers if isinstance(l, HintSpread) and l.steps and l.coarsest == 2]
    if not spreads:
        return None
    (spread,) = spreads
    return spread


def spread_left_to_runner(model) -> int:
    """Rounds of hint spread the TFLite and TF.js exports of `model` leave to
    their runner (`without_hint_spread`), 0 for none; no copy of the model."""
    spread = _half_resolution_spread(model)
    return spread.steps if spread is not None else 0


def without_hint_spread(model) -> tuple[keras.Model, int]:
    """`model` without its half-resolution hint spread, and the spread's rounds.

    The TFLite and TF.js exports take hints already spread: inside a graph
    the spread's 48 rounds of pooling over the whole picture cost more than
    the network (benchmarks/README.md), while their runners do the same
    growth as a search that visits each pixel once
    (`inference.spread.spread_hints`, `web_demo/src/spread.js`); the
    metadata says so (`artifacts.metadata.spread_metadata`). Returns
    `(model, 0)` when it has no such spread (a pyramid spread stays inside).
    """
    spread = _half_resolution_spread(model)
    if spread is None:
        return model, 0
    graph = keras.models.clone_model(
        model, clone_function=lambda l: keras.layers.Identity(name=l.name) if l is spread else l
    )
    # The generator's own attributes travel with it; it spreads nothing now.
    for name in ("hint_channels", "multiple", "hint_level"):
        if hasattr(model, name):
            object.__setattr__(graph, name, getattr(model, name))
    object.__setattr__(graph, "hint_spread", 0)
    return graph, spread.steps


def export_model(model) -> keras.Model:
    """`model` with the export layers above in place of Keras's layers.

    Returns `model` itself when there is nothing to replace.
    """
    if not any(match(layer) for layer in model.layers for match, _ in _REPLACEMENTS):
        return model

    def clone(layer):
        for match, replacement in _REPLACEMENTS:
            if match(layer):
                return replacement(layer)
        return layer

    return keras.models.clone_model(model, clone_function=clone)
