"""Building blocks shared by the generators and discriminators.

Only `keras.layers` / `keras.ops` are used, so every block runs on the
TensorFlow, JAX and PyTorch backends and exports cleanly.
"""

from __future__ import annotations

import keras
from keras import layers, ops

PACKAGE = "keras_anime_cyclegan"


@keras.saving.register_keras_serializable(package=PACKAGE)
class ReflectionPadding2D(layers.Layer):
    """Pads height and width by mirroring, as the CycleGAN generators do.

    Args:
        padding: int, pixels added on each side of height and width.
    """

    def __init__(self, padding: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.padding = int(padding)

    def call(self, x):
        p = self.padding
        return ops.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], mode="reflect")

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        p2 = 2 * self.padding
        return (n, None if h is None else h + p2, None if w is None else w + p2, c)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}


@keras.saving.register_keras_serializable(package=PACKAGE)
class SubsampledConv2D(layers.Conv2D):
    """A 1x1 `Conv2D` at a stride, computed as "take every stride-th pixel, then convolve".

    Same variables, same outputs and gradients as `Conv2D(filters, 1,
    strides=s)`; only the kernels that run differ. TensorFlow's oneDNN
    backward-weights kernel for a strided 1x1 convolution of NHWC input with
    fewer input channels than its channel block (16 with AVX-512, 8 with
    AVX2) writes past its scratch buffer ("reduce to unit stride"
    workspace): heap corruption, then SIGSEGV or `free(): invalid next
    size` in training on Intel CPUs, where TensorFlow turns oneDNN on by
    default (uxlfoundation/oneDNN#6035, open as of oneDNN 3.12 / TF 2.21;
    `tests/test_cpu_soak.py` reproduces and guards it). Subsampling first
    is the same reduction done outside oneDNN, on every backend and CPU.
    """

    def __init__(self, filters, kernel_size=1, strides=2, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, **kwargs)
        if self.kernel_size != (1, 1) or self.dilation_rate != (1, 1) or self.data_format != "channels_last":
            raise ValueError("SubsampledConv2D takes 1x1, undilated, channels_last convolutions only")

    def convolution_op(self, inputs, kernel):
        sh, sw = self.strides
        # For a 1x1 kernel "same" and "valid" give ceil(size / stride) outputs, as does the slice.
        return ops.conv(inputs[:, ::sh, ::sw, :], kernel, strides=1, padding="valid")


def normalization(kind: str, name: str | None = None) -> layers.Layer:
    """Instance, batch or no normalisation.

    Instance normalisation is `GroupNormalization(groups=-1)`: one group per
    channel, statistics per image. It replaces tensorflow-addons' layer and
    stays float32 under mixed precision.
    """
    if kind == "instance":
        return layers.GroupNormalization(groups=-1, epsilon=1e-5, dtype="float32", name=name)
    if kind == "batch":
        return layers.BatchNormalization(epsilon=1e-5, dtype="float32", name=name)
    if kind == "none":
        return layers.Identity(name=name)
    raise ValueError(f"unknown normalisation {kind!r}")


def activation(kind: str, name: str | None = None) -> layers.Layer:
    """`leaky_relu` (slope 0.2, as in the paper), `relu`, or any Keras activation."""
    if kind == "leaky_relu":
        return layers.LeakyReLU(negative_slope=0.2, name=name)
    return layers.Activation(kind, name=name)


def conv_norm_act(x, filters, kernel_size, strides, norm, act, reflect=True, prefix=""):
    """Convolution (reflection-padded where `reflect`), normalisation, activation."""
    if reflect and kernel_size > 1:
        x = ReflectionPadding2D(kernel_size // 2, name=f"{prefix}pad")(x)
        padding = "valid"
    else:
        padding = "same"
    x = layers.Conv2D(
        filters,
        kernel_size,
        strides=strides,
        padding=padding,
        use_bias=norm != "batch",
        name=f"{prefix}conv",
    )(x)
    x = normalization(norm, name=f"{prefix}norm")(x)
    if act is not None:
        x = activation(act, name=f"{prefix}act")(x)
    return x


def residual_block(x, filters, norm, act, strides=1, prefix="res"):
    """Two 3x3 convolutions with a shortcut; stride 2 downsamples.

    The shortcut becomes a strided 1x1 projection when shape or width change.
    """
    shortcut = x
    y = conv_norm_act(x, filters, 3, strides, norm, act, prefix=f"{prefix}_a_")
    y = conv_norm_act(y, filters, 3, 1, norm, None, prefix=f"{prefix}_b_")
    if strides != 1 or x.shape[-1] != filters:
        shortcut = SubsampledConv2D(filters, 1, strides=strides, use_bias=False, name=f"{prefix}_proj")(x)
        shortcut = normalization(norm, name=f"{prefix}_proj_norm")(shortcut)
    y = layers.Add(name=f"{prefix}_add")([shortcut, y])
    if strides != 1:
        y = activation(act, name=f"{prefix}_out_act")(y)
    return y


def upsample(x, filters, mode, norm, act, prefix="up"):
    """Doubles height and width.

    `transpose` is a stride-2 transposed convolution; `resize` is nearest
    neighbour resizing followed by a 3x3 convolution, the usual cure for
    checkerboard artefacts.
    """
    if mode == "transpose":
        x = layers.Conv2DTranspose(
            filters, 3, strides=2, padding="same", use_bias=norm != "batch", name=f"{prefix}_tconv"
        )(x)
        x = normalization(norm, name=f"{prefix}_norm")(x)
        return activation(act, name=f"{prefix}_act")(x)
    if mode == "resize":
        x = layers.UpSampling2D(2, interpolation="nearest", name=f"{prefix}_resize")(x)
        return conv_norm_act(x, filters, 3, 1, norm, act, prefix=f"{prefix}_")
    raise ValueError(f"unknown upsampling {mode!r}")


def with_no_hints(images, hint_channels: int):
    """`images` with `hint_channels` zero channels appended (all zero = no hints); `images` for 0."""
    if not hint_channels:
        return images
    zeros = ops.zeros_like(images[..., :1])
    return ops.concatenate([images] + [zeros] * hint_channels, axis=-1)


def is_instance_norm(layer) -> bool:
    """Whether `layer` is instance normalisation: a channels-last GroupNormalization
    with one group per channel (how the package's networks build it)."""
    return (
        isinstance(layer, keras.layers.GroupNormalization)
        and layer.axis in (-1, 3)
        and layer.gamma is not None
        and layer.groups == layer.gamma.shape[0]
    )
