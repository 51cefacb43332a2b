"""Generators: the paper's U-Net with residual blocks, and two baselines.

All three are "functional subclasses" (as in KerasHub): a `keras.Model`
subclass whose constructor builds a static functional graph. That gives a
subclass API, `summary()`, `.keras` save/load and clean export at once.
Inputs are declared `(None, None, 3)`: any height and width divisible by
`multiple` work. Images are float32 in [-1, 1]; outputs go through tanh.
"""

from __future__ import annotations

import functools
import inspect

import keras
from keras import layers

from keras_anime_cyclegan.models.layers import (
    PACKAGE,
    ChromaDecode,
    CoarseHints,
    HintSpread,
    Conv2DTranspose,
    ReflectionPadding2D,
    activation as activation_layer,
    chroma_bin_centres,
    conv_norm_act,
    normalization,
    residual_block,
    upsample,
)


class FunctionalSubclass(keras.Model):
    """A Keras model whose constructor arguments are its config.

    Each subclass's `__init__` is wrapped, when the class is defined, to
    record the arguments it is called with (defaults filled in); so a
    setting is written once, as a constructor argument. `get_config`
    returns them with `name` and `trainable`, and `from_config` calls the
    constructor with them, as `.keras` loading expects.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = _recording_arguments(cls.__init__)

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable, **self._init_args}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _recording_arguments(init):
    """`init`, storing its arguments (but self, name and **kwargs) as `self._init_args`."""
    signature = inspect.signature(init)

    @functools.wraps(init)
    def wrapper(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        init(self, *args, **kwargs)
        self._init_args = {k: v for k, v in bound.arguments.items() if k not in ("self", "name", "kwargs")}

    # Keras reads constructors' signatures (Operation.__new__): show it the real one.
    wrapper.__signature__ = signature
    return wrapper


def _rgb_head(x, kernel_size=7, norm_free_name="head"):
    x = ReflectionPadding2D(kernel_size // 2, name=f"{norm_free_name}_pad")(x)
    x = layers.Conv2D(3, kernel_size, padding="valid", name=f"{norm_free_name}_conv")(x)
    return layers.Activation("tanh", dtype="float32", name=f"{norm_free_name}_tanh")(x)


@keras.saving.register_keras_serializable(package=PACKAGE)
class UNetResNetGenerator(FunctionalSubclass):
    """The paper's generator: a U-Net whose levels are residual blocks.

    7x7 stem, `levels` stride-2 residual blocks (128, 256, 512 channels by
    default), `residual_blocks` residual blocks at the bottleneck, a decoder
    that upsamples and merges the matching encoder level (`skip_mode`
    "concat" or "add"), and a 7x7 tanh head.

    Args:
        base_filters: int, channels of the stem; level i has base * 2**i.
        max_filters: int, cap on channels per level.
        levels: int, number of stride-2 downsamplings.
        residual_blocks: int, residual blocks at the bottleneck (paper: 6).
        skip_mode: "concat" or "add", how a skip joins the decoder.
        upsampling: "transpose" or "resize" (resize + conv).
        norm: "instance", "batch" or "none".
        activation: "leaky_relu" (slope 0.2) or a Keras activation name.
        stem_kernel: int, odd kernel size of the full-resolution stem (paper: 7).
        head_kernel: int, odd kernel size of the tanh head (paper: 7).
        hint_channels: int, extra input channels after the image's 3: 0, or
            4 for colour hints (RGB in [-1, 1] and a 0/1 mask; all zero
            means no hints).
        hint_spread: int, rounds of `HintSpread` applied to the hints
            before the stem (each dot grown 2 px per round through the
            paper, stopped by lines); 0 feeds the dots as given.
        hint_spread_coarsest: int, the spread's coarsest level: 2 grows
            every round at half resolution (the shipped G); 4 or 8 reach as
            far in fewer rounds there, then refine at the finer levels
            (`HintSpread`; benchmarks/hint_spread.py measures the cost).
        hint_level: int, where the hints enter: 0 at the input, beside the
            sketch (the shipped G); k in 1..levels: spread at 1/2**k only
            (`CoarseHints`) and joined to the encoder's output there, so
            the full-resolution layers see the sketch alone.
        chroma_bins: int, 0: the head's RGB is the colour (the shipped G).
            n: the colour is a class, as in Zhang et al.'s colourisation: a
            1x1 `chroma_logits` layer at the decoder's 1/4 level scores the
            in-gamut cells of an n x n grid of the YCbCr chroma plane, and
            `ChromaDecode` joins their annealed mean to the head's luma.
            Training sees the logits through `colour_and_chroma`.
        chroma_temperature: float, the annealed mean's temperature (0.38,
            the paper's).

    Example:
    >>> g = UNetResNetGenerator(base_filters=8, levels=2, residual_blocks=1)
    >>> g(keras.ops.zeros((1, 32, 48, 3))).shape
    (1, 32, 48, 3)
    """

    def __init__(
        self,
        base_filters: int = 64,
        max_filters: int = 512,
        levels: int = 3,
        residual_blocks: int = 6,
        skip_mode: str = "concat",
        upsampling: str = "transpose",
        norm: str = "instance",
        activation: str = "leaky_relu",
        stem_kernel: int = 7,
        head_kernel: int = 7,
        hint_channels: int = 0,
        hint_spread: int = 0,
        hint_spread_coarsest: int = 2,
        hint_level: int = 0,
        chroma_bins: int = 0,
        chroma_temperature: float = 0.38,
        name: str = "unet_resnet_generator",
        **kwargs,
    ):
        act = activation
        widths = [min(base_filters * 2**i, max_filters) for i in range(levels + 1)]

        # === Functional Model ===
        inputs = keras.Input((None, None, 3 + hint_channels), name="image")
        x = inputs
        if hint_spread and hint_channels != 4:
            raise ValueError(f"hint_spread needs hint_channels=4; got hint_channels={hint_channels}")
        if not 0 <= hint_level <= levels or (hint_level and not hint_channels):
            raise ValueError(f"hint_level must be 0, or 1..levels ({levels}) with hint channels; got {hint_level}")
        if chroma_bins and levels < 2:
            raise ValueError(f"chroma_bins needs a decoder with a 1/4 level (levels >= 2); got levels={levels}")
        if hint_level:
            x = inputs[..., :3]  # the full-resolution layers see the sketch alone
        elif hint_spread:
            x = HintSpread(hint_spread, coarsest=hint_spread_coarsest, name="hint_spread")(x)
        x = conv_norm_act(x, widths[0], stem_kernel, 1, norm, act, prefix="stem_")
        skips = [x]
        for i in range(1, levels + 1):
            x = residual_block(x, widths[i], norm, act, strides=2, prefix=f"down{i}")
            if i == hint_level:
                hints = CoarseHints(hint_spread, 2**i, name="coarse_hints")(inputs)
                x = layers.Concatenate(name="hint_concat")([x, hints])
                x = layers.Conv2D(widths[i], 1, name="hint_fuse")(x)
            skips.append(x)
        for b in range(residual_blocks):
            x = residual_block(x, widths[levels], norm, act, prefix=f"bottleneck{b}")
        quarter = x  # the 1/4 level's features when the bottleneck is there (levels == 2)
        for i in range(levels - 1, -1, -1):
            x = upsample(x, widths[i], upsampling, norm, act, prefix=f"up{i}")
            if skip_mode == "concat":
                x = layers.Concatenate(name=f"skip{i}_concat")([x, skips[i]])
            else:
                x = layers.Add(name=f"skip{i}_add")([x, skips[i]])
            x = conv_norm_act(x, widths[i], 3, 1, norm, act, prefix=f"fuse{i}_")
            if i == 2:
                quarter = x
        outputs = _rgb_head(x, head_kernel)
        if chroma_bins:
            cells = len(chroma_bin_centres(chroma_bins))
            logits = layers.Conv2D(cells, 1, dtype="float32", name="chroma_logits")(quarter)
            outputs = ChromaDecode(chroma_bins, chroma_temperature, factor=4, name="chroma_decode")([outputs, logits])
        super().__init__(inputs=inputs, outputs=outputs, name=name, **kwargs)

        # === Attributes ===
        self.multiple = 2**levels
        self.hint_channels = hint_channels
        self.hint_spread = hint_spread
        self.hint_level = hint_level
        self.chroma_bins = chroma_bins
        # The same layers with the logits as a second output, for training's
        # class loss; set past Keras's tracking so G's variables stay G's once.
        view = keras.Model(inputs, [outputs, logits], name=f"{name}_with_chroma") if chroma_bins else None
        object.__setattr__(self, "_chroma_view", view)

    def colour_and_chroma(self, images, training=False):
        """(colour picture, chroma logits at 1/4) of a G with `chroma_bins`: one forward pass."""
        if self._chroma_view is None:
            raise ValueError("colour_and_chroma needs a generator built with chroma_bins")
        return self._chroma_view(images, training=training)


@keras.saving.register_keras_serializable(package=PACKAGE)
class ResnetGenerator(FunctionalSubclass):
    """The standard CycleGAN generator (Johnson et al.): ResNet-6 or ResNet-9.

    c7s1-64, `levels` stride-2 convolutions, `residual_blocks` residual
    blocks, matching upsamplings, c7s1-3 with tanh. No skips.

    Args:
        base_filters: int, channels of the first convolution.
        max_filters: int, cap on channels.
        levels: int, downsamplings (2 in CycleGAN).
        residual_blocks: int, 9 for 256x256 and 6 for 128x128 in CycleGAN.
        upsampling: "transpose" or "resize".
        norm: "instance", "batch" or "none".
        activation: "relu" in CycleGAN; any name `activation()` accepts.
        stem_kernel: int, odd kernel size of the first convolution (7 in CycleGAN).
        head_kernel: int, odd kernel size of the tanh head (7 in CycleGAN).
    """

    def __init__(
        self,
        base_filters: int = 64,
        max_filters: int = 256,
        levels: int = 2,
        residual_blocks: int = 9,
        upsampling: str = "transpose",
        norm: str = "instance",
        activation: str = "relu",
        stem_kernel: int = 7,
        head_kernel: int = 7,
        name: str = "resnet_generator",
        **kwargs,
    ):
        act = activation
        widths = [min(base_filters * 2**i, max_filters) for i in range(levels + 1)]

        # === Functional Model ===
        inputs = keras.Input((None, None, 3), name="image")
        x = conv_norm_act(inputs, widths[0], stem_kernel, 1, norm, act, prefix="stem_")
        for i in range(1, levels + 1):
            x = conv_norm_act(x, widths[i], 3, 2, norm, act, reflect=False, prefix=f"down{i}_")
        for b in range(residual_blocks):
            x = residual_block(x, widths[levels], norm, act, prefix=f"res{b}")
        for i in range(levels - 1, -1, -1):
            x = upsample(x, widths[i], upsampling, norm, act, prefix=f"up{i}")
        outputs = _rgb_head(x, head_kernel)
        super().__init__(inputs=inputs, outputs=outputs, name=name, **kwargs)

        # === Attributes ===
        self.multiple = 2**levels
        self.hint_channels = 0


@keras.saving.register_keras_serializable(package=PACKAGE)
class UNetGenerator(FunctionalSubclass):
    """The pix2pix U-Net generator (unet_256 has 8 downsamplings).

    4x4 stride-2 convolutions with LeakyReLU(0.2) down, transposed
    convolutions with ReLU up, skips concatenated; the innermost level has no
    normalisation (its map can be 1x1).

    Args:
        base_filters: int, channels of the first level.
        max_filters: int, cap on channels (512 in pix2pix).
        levels: int, downsamplings; height and width must be divisible by 2**levels.
        upsampling: "transpose" or "resize".
        norm: "instance", "batch" or "none".
        activation: activation of the encoder.
    """

    def __init__(
        self,
        base_filters: int = 64,
        max_filters: int = 512,
        levels: int = 8,
        upsampling: str = "transpose",
        norm: str = "instance",
        activation: str = "leaky_relu",
        name: str = "unet_generator",
        **kwargs,
    ):
        act = activation
        widths = [min(base_filters * 2**i, max_filters) for i in range(levels)]

        # === Functional Model ===
        inputs = keras.Input((None, None, 3), name="image")
        x = inputs
        skips = []
        for i in range(levels):
            innermost_or_outermost = i in (0, levels - 1)
            x = layers.Conv2D(widths[i], 4, strides=2, padding="same", name=f"down{i}_conv")(x)
            if not innermost_or_outermost:
                x = normalization(norm, name=f"down{i}_norm")(x)
            x = activation_layer(act, name=f"down{i}_act")(x)
            skips.append(x)
        for i in range(levels - 2, -1, -1):
            x = upsample(x, widths[i], upsampling, norm, "relu", prefix=f"up{i}")
            x = layers.Concatenate(name=f"skip{i}_concat")([x, skips[i]])
        x = layers.UpSampling2D(2, name="head_resize")(x) if upsampling == "resize" else x
        if upsampling == "resize":
            x = layers.Conv2D(3, 3, padding="same", name="head_conv")(x)
        else:
            x = Conv2DTranspose(3, 4, strides=2, padding="same", name="head_tconv")(x)
        outputs = layers.Activation("tanh", dtype="float32", name="head_tanh")(x)
        super().__init__(inputs=inputs, outputs=outputs, name=name, **kwargs)

        # === Attributes ===
        self.multiple = 2**levels
        self.hint_channels = 0
