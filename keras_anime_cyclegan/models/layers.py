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


@keras.saving.register_keras_serializable(package=PACKAGE)
class Conv2DTranspose(layers.Conv2DTranspose):
    """Keras's `Conv2DTranspose`; at stride 2 with "same" padding, computed on JAX as four ordinary convolutions.

    Same arguments, variables, outputs and gradients as
    `keras.layers.Conv2DTranspose`, and the same class name: Keras keys a
    layer's weights in a `.keras` file by its class name, so files written
    with the stock layer load into this one and back. Output pixel
    (2t + py, 2u + px) only ever meets the kernel taps of one parity, so
    each of the four phases is a small ordinary convolution of the input
    (2x2, 2x1, 1x2 or 1x1 taps for a 3x3 kernel), and the phases interleave
    into the doubled picture: the same multiply-adds, no zeros inserted.
    XLA lowers a transposed convolution's gradients to convolutions over an
    input dilated with zeros, which cost far more than they should and grow
    faster than the batch (on CPU: 305 ms for one 64x64x128 image, 3.6 s
    for four; benchmarks/README.md "Batch scaling"). TensorFlow and PyTorch
    run their own transposed-convolution kernels, and exports keep the
    plain op: only the JAX backend takes this path.
    """

    def _phases_apply(self) -> bool:
        return (
            keras.backend.backend() == "jax"
            and self.strides == (2, 2)
            and self.padding == "same"
            and self.dilation_rate == (1, 1)
            and self.output_padding is None
            and self.data_format == "channels_last"
        )

    def _phase(self, padded, kernel, py: int, px: int):
        """The output pixels (2t + py, 2u + px): input offsets d meet kernel tap a = p + left - 2d."""
        windows = []
        for p, k in ((py, self.kernel_size[0]), (px, self.kernel_size[1])):
            left = (k - 2) // 2  # the forward convolution's "same" padding before the picture
            taps = {d: p + left - 2 * d for d in range(-k, k + 1) if 0 <= p + left - 2 * d < k}
            windows.append(sorted(taps.items()))
        (rows, cols) = windows
        (d0, _), (d1, _) = rows[0], rows[-1]
        (e0, _), (e1, _) = cols[0], cols[-1]
        # Conv2DTranspose's kernel is (h, w, out, in); an ordinary convolution takes (h, w, in, out).
        taps = ops.stack([ops.stack([kernel[a, b] for _, b in cols]) for _, a in rows])
        taps = ops.transpose(taps, (0, 1, 3, 2))
        window = padded[:, 1 + d0 : (d1 - 1) or None, 1 + e0 : (e1 - 1) or None, :]
        return ops.conv(window, taps, strides=1, padding="valid")

    def call(self, inputs):
        if not self._phases_apply():
            return super().call(inputs)
        kernel = ops.cast(self.kernel, inputs.dtype)
        padded = ops.pad(inputs, [[0, 0], [1, 1], [1, 1], [0, 0]])
        n, h, w = ops.shape(inputs)[0], ops.shape(inputs)[1], ops.shape(inputs)[2]
        rows = []
        for py in (0, 1):
            row = ops.stack([self._phase(padded, kernel, py, px) for px in (0, 1)], axis=3)  # (n, h, w, 2, c)
            rows.append(ops.reshape(row, (n, h, 2 * w, self.filters)))
        outputs = ops.reshape(ops.stack(rows, axis=2), (n, 2 * h, 2 * w, self.filters))
        if self.use_bias:
            outputs = outputs + ops.cast(self.bias, outputs.dtype)
        return outputs if self.activation is None else self.activation(outputs)


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


@keras.saving.register_keras_serializable(package=PACKAGE)
class HintSpread(layers.Layer):
    """Spreads colour hints over the paper around them, stopping at the lines.

    Takes a sketch with hint channels (RGB in [-1, 1], then hint RGB and a
    0/1 hint mask: `config.HINT_CHANNELS`) and returns the same seven
    channels with each hint grown through the sketch's paper (pixels
    lighter than mid-grey), never across ink: a dot dropped in the hair
    reaches the hair's outline, as a paint-bucket fill would, so the
    generator sees the colour wherever the region is, not only under the
    dot. Where hints meet, a pixel takes the mean colour of its hinted
    neighbours. A gap in a line lets the colour through: the generator,
    trained with the spread, learns how far to trust it.

    The growth runs at half resolution (`steps` rounds of 3x3 pooling,
    reaching 2 * `steps` pixels; ink counts if it covers any of a 2x2
    block, and diagonal lines are closed), then two rounds at full
    resolution fill the pixels beside the lines. No weights, no gradient,
    only pooling and arithmetic: it exports to TFLite and TF.js as is.
    Inputs need even height and width (the generators' multiple).

    Args:
        steps: int, rounds of growth at half resolution (0: no spread).
    """

    def __init__(self, steps: int = 48, coarsest: int = 2, refine: int = 4, **kwargs):
        super().__init__(**kwargs)
        self.steps = int(steps)
        self.coarsest = int(coarsest)
        self.refine = int(refine)
        if self.coarsest < 2 or self.coarsest & (self.coarsest - 1):
            raise ValueError(f"coarsest must be a power of 2, at least 2; got {coarsest}")

    @staticmethod
    def _parts(x):
        """(sketch, hint colours where hinted, hint mask, paper) of the seven input channels;
        paper is every pixel lighter than mid-grey."""
        sketch, colour, mask = x[..., :3], x[..., 3:6], x[..., 6:7]
        paper = ops.cast(ops.mean(sketch, axis=-1, keepdims=True) > 0.0, x.dtype)
        return sketch, colour * mask, mask, paper

    @staticmethod
    def _level(painted, mask, paper, factor, seeds_on_paper):
        """Hints and paper at 1/`factor`: hints averaged into their blocks;
        a block is paper only if all its pixels are, and a 2x2 minimum
        closes diagonal gaps the 3x3 growth would slip through."""
        low = ops.average_pool(ops.concatenate([painted, mask], axis=-1), factor, factor)
        low_mask = ops.cast(low[..., 3:] > 0.0, painted.dtype)
        low_paper = -ops.max_pool(-paper, factor, factor)
        low_paper = -ops.max_pool(-low_paper, 2, 1, padding="same")
        if seeds_on_paper:
            low_mask = low_mask * low_paper
        low_painted = low_mask * low[..., :3] / ops.maximum(low[..., 3:], 1e-6)
        return low_painted, low_mask, low_paper

    @staticmethod
    def _grow(painted, mask, paper, rounds):
        for _ in range(rounds):
            # Means over 3x3 (same count for both, so their ratio is the
            # mean colour of the hinted neighbours).
            pooled = ops.average_pool(ops.concatenate([painted, mask], axis=-1), 3, 1, padding="same")
            reached = ops.cast(pooled[..., 3:] > 0.0, paper.dtype) * paper
            new = (reached - reached * mask)
            painted = painted + new * pooled[..., :3] / ops.maximum(pooled[..., 3:], 1e-6)
            mask = mask + new
        return painted, mask

    @staticmethod
    def _upsample(x):
        """Nearest-neighbour 2x: a stride-2 transposed convolution with a
        fixed identity kernel (a resize op loses its shape in TFLite's
        dynamic-size converter). The one op of the spread an int8 export
        cannot keep float; it gets its range from calibration with hints
        (export.tflite)."""
        channels = x.shape[-1]
        kernel = ops.tile(ops.eye(channels, dtype=x.dtype)[None, None], (2, 2, 1, 1))
        return ops.conv_transpose(x, kernel, 2, padding="valid")

    def call(self, x):
        if not self.steps:
            return x
        sketch, painted, mask, paper = self._parts(x)

        if self.coarsest == 2:
            # All the growth at half resolution (the shipped G's spread).
            low_painted, low_mask, low_paper = self._level(painted, mask, paper, 2, False)
            low_painted, low_mask = self._grow(low_painted, low_mask, low_paper, self.steps)
        else:
            # A pyramid: the same reach (2 * steps px) in fewer rounds at
            # 1/coarsest, then `refine` rounds at each finer level, down to
            # 1/2, for the areas too narrow for the coarse grid. Coarse seeds
            # only on paper blocks: a block that straddles a line would
            # carry a dot across it.
            factor = self.coarsest
            low_painted, low_mask, low_paper = self._level(painted, mask, paper, factor, True)
            rounds = -(-2 * self.steps // factor)
            low_painted, low_mask = self._grow(low_painted, low_mask, low_paper, rounds)
            while factor > 2:
                factor //= 2
                own_painted, own_mask, low_paper = self._level(painted, mask, paper, factor, factor > 2)
                up = self._upsample(ops.concatenate([low_painted, low_mask], axis=-1))
                reached = up[..., 3:] * low_paper * (1.0 - own_mask)
                low_painted = own_painted + reached * up[..., :3]
                low_mask = own_mask + reached
                low_painted, low_mask = self._grow(low_painted, low_mask, low_paper, self.refine)

        # Back to full resolution on the paper, the user's own hints kept.
        up = self._upsample(ops.concatenate([low_painted, low_mask], axis=-1))
        reached = up[..., 3:] * paper * (1.0 - mask)
        painted = painted + reached * up[..., :3]
        mask = mask + reached
        painted, mask = self._grow(painted, mask, paper, 2)
        return ops.stop_gradient(ops.concatenate([sketch, painted, mask], axis=-1))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "steps": self.steps, "coarsest": self.coarsest, "refine": self.refine}


@keras.saving.register_keras_serializable(package=PACKAGE)
class CoarseHints(layers.Layer):
    """The hints of a sketch, spread through its paper at 1/`factor` only.

    Takes the seven channels `HintSpread` takes and returns four at
    1/`factor` of the height and width (hint RGB, mask): each hint grown
    over the coarse grid's paper as far as `HintSpread(steps)` reaches
    (2 * `steps` px), in 2 * `steps` / `factor` rounds. For a generator
    that takes its hints at that level of its encoder, where a round costs
    1/`factor`**2 of a full-resolution one.

    Args:
        steps: int, the reach in rounds of 2 px (as `HintSpread`).
        factor: int, a power of 2: the level's downsampling.
    """

    def __init__(self, steps: int = 48, factor: int = 8, **kwargs):
        super().__init__(**kwargs)
        self.steps = int(steps)
        self.factor = int(factor)
        if self.factor < 2 or self.factor & (self.factor - 1):
            raise ValueError(f"factor must be a power of 2, at least 2; got {factor}")

    def call(self, x):
        _, painted, mask, paper = HintSpread._parts(x)
        painted, mask, paper = HintSpread._level(painted, mask, paper, self.factor, False)
        painted, mask = HintSpread._grow(painted, mask, paper, -(-2 * self.steps // self.factor))
        return ops.stop_gradient(ops.concatenate([painted, mask], axis=-1))

    def compute_output_shape(self, input_shape):
        n, h, w, _ = input_shape
        f = self.factor
        return (n, None if h is None else h // f, None if w is None else w // f, 4)

    def get_config(self):
        return {**super().get_config(), "steps": self.steps, "factor": self.factor}


# BT.601 YCbCr on RGB in [0, 1]: luma weights, and chroma back to RGB.
LUMA = (0.299, 0.587, 0.114)
CHROMA_TO_RGB = ((0.0, 1.402), (-0.344136, -0.714136), (1.772, 0.0))  # (Cb, Cr) -> (R, G, B) offsets


def chroma_bin_centres(bins: int):
    """The (Cb, Cr) centres of the `bins` x `bins` grid over [-0.5, 0.5]^2 that some colour reaches.

    A cell is kept when a luma in [0, 1] makes its centre an RGB colour
    inside [0, 1]^3 (the chroma plane's gamut is a hexagon); returns a
    (K, 2) float32 NumPy array, Cb first, in row-major grid order.
    """
    import numpy as np

    step = 1.0 / bins
    grid = (np.arange(bins) + 0.5) * step - 0.5
    cb, cr = (a.ravel() for a in np.meshgrid(grid, grid, indexing="ij"))
    offsets = np.stack([cb * m[0] + cr * m[1] for m in CHROMA_TO_RGB], -1)  # RGB = Y + offset
    low, high = (-offsets).max(-1), (1.0 - offsets).min(-1)
    keep = low <= high
    return np.stack([cb[keep], cr[keep]], -1).astype(np.float32)


def rgb_to_chroma(rgb):
    """(Cb, Cr) of images in [-1, 1] (BT.601 on [0, 1] RGB), last axis 2."""
    rgb = (ops.cast(rgb, "float32") + 1.0) * 0.5
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    y = LUMA[0] * r + LUMA[1] * g + LUMA[2] * b
    return ops.stack([(b - y) / 1.772, (r - y) / 1.402], axis=-1)


def luma(rgb):
    """BT.601 luma of images in [-1, 1], kept in [-1, 1], last axis 1."""
    rgb = ops.cast(rgb, "float32")
    return LUMA[0] * rgb[..., :1] + LUMA[1] * rgb[..., 1:2] + LUMA[2] * rgb[..., 2:3]


@keras.saving.register_keras_serializable(package=PACKAGE)
class ChromaDecode(layers.Layer):
    """A picture's luma with the colour a chroma distribution gives it.

    Takes [rgb, logits]: the head's RGB (in [-1, 1]) at full resolution and
    logits over the chroma cells of `chroma_bin_centres(bins)` at
    1/`factor` of its height and width. Decodes each coarse pixel's distribution by the annealed mean of
    Zhang, Isola and Efros ("Colorful Image Colorization", 2016): the mean
    (Cb, Cr) of softmax(logits / `temperature`), between the mode's vivid
    but patchy colour (temperature -> 0) and the mean's washed one (1).
    The chroma is brought to the RGB's size (each value repeated over its
    `factor` x `factor` block, then a `factor` x `factor` moving average:
    a linear blend between blocks that runs at any input size in every
    backend and export) and joined to its luma. Where that colour would
    leave the RGB cube (near black lines and white paper, chroma smeared
    over them from the coarse level) the chroma is scaled down towards grey
    until it fits, keeping its hue: clipping channels instead would tint
    black lines blue or orange.

    Args:
        bins: int, cells per side of the chroma grid.
        temperature: float, the annealed mean's temperature (paper: 0.38).
        factor: int, how much coarser the logits are than the RGB.
    """

    def __init__(self, bins: int = 13, temperature: float = 0.38, factor: int = 4, **kwargs):
        super().__init__(dtype="float32", **{k: v for k, v in kwargs.items() if k != "dtype"})
        self.bins = int(bins)
        self.temperature = float(temperature)
        if self.bins < 2 or not 0 < self.temperature <= 1:
            raise ValueError(f"ChromaDecode needs bins >= 2 and 0 < temperature <= 1; got {bins}, {temperature}")
        self.factor = int(factor)
        self.centres = chroma_bin_centres(self.bins)

    def call(self, inputs):
        rgb, logits = (ops.cast(t, "float32") for t in inputs)
        weights = ops.softmax(logits / self.temperature, axis=-1)
        chroma = ops.matmul(weights, ops.convert_to_tensor(self.centres))
        f = self.factor
        chroma = ops.repeat(ops.repeat(chroma, f, axis=1), f, axis=2)
        chroma = ops.average_pool(chroma, f, 1, padding="same")
        matrix = ops.convert_to_tensor([[m[0] for m in CHROMA_TO_RGB], [m[1] for m in CHROMA_TO_RGB]], "float32")
        offsets = ops.matmul(chroma, matrix)  # RGB = Y + offsets, on [0, 1]
        y = ops.clip((luma(rgb) + 1.0) * 0.5, 0.0, 1.0)
        # The largest share s <= 1 of the offsets with Y + s * offset inside [0, 1] in every channel.
        room = ops.where(offsets > 1e-6, (1.0 - y) / ops.maximum(offsets, 1e-6),
                         ops.where(offsets < -1e-6, y / ops.maximum(-offsets, 1e-6), 1.0))
        share = ops.minimum(ops.min(room, axis=-1, keepdims=True), 1.0)
        return ops.clip((y + share * offsets) * 2.0 - 1.0, -1.0, 1.0)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "bins": self.bins, "temperature": self.temperature, "factor": self.factor}


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
        x = Conv2DTranspose(filters, 3, strides=2, padding="same", use_bias=norm != "batch", name=f"{prefix}_tconv")(x)
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
