"""Discriminators: 70x70 PatchGAN (default) and the paper's encoder-decoder.

Both output a one-channel map of raw scores (no sigmoid): the GAN losses in
`training.losses` expect logits/scores.
"""

from __future__ import annotations

import keras
from keras import layers

from keras_anime_cyclegan.models.generators import FunctionalSubclass
from keras_anime_cyclegan.models.layers import PACKAGE, Conv2DTranspose, activation, normalization


def _conv(x, filters, strides, norm, prefix):
    x = layers.Conv2D(filters, 4, strides=strides, padding="same", name=f"{prefix}_conv")(x)
    x = normalization(norm, name=f"{prefix}_norm")(x)
    return activation("leaky_relu", name=f"{prefix}_act")(x)


@keras.saving.register_keras_serializable(package=PACKAGE)
class PatchGANDiscriminator(FunctionalSubclass):
    """PatchGAN (pix2pix/CycleGAN): each output judges one receptive field.

    With `num_layers=3` this is the 70x70 PatchGAN: C64 (no norm), C128, C256
    at stride 2, C512 at stride 1, then a 4x4 convolution to one channel.

    Args:
        base_filters: int, channels of the first layer.
        num_layers: int, number of stride-2 layers (3 gives 70x70 patches).
        norm: "instance", "batch" or "none".
    """

    def __init__(
        self,
        base_filters: int = 64,
        num_layers: int = 3,
        norm: str = "instance",
        name: str = "patchgan_discriminator",
        **kwargs,
    ):
        # === Functional Model ===
        inputs = keras.Input((None, None, 3), name="image")
        x = layers.Conv2D(base_filters, 4, strides=2, padding="same", name="c0_conv")(inputs)
        x = activation("leaky_relu", name="c0_act")(x)
        for i in range(1, num_layers):
            x = _conv(x, base_filters * min(2**i, 8), 2, norm, prefix=f"c{i}")
        x = _conv(x, base_filters * min(2**num_layers, 8), 1, norm, prefix=f"c{num_layers}")
        outputs = layers.Conv2D(1, 4, padding="same", dtype="float32", name="score")(x)
        super().__init__(inputs=inputs, outputs=outputs, name=name, **kwargs)


@keras.saving.register_keras_serializable(package=PACKAGE)
class EncoderDecoderDiscriminator(FunctionalSubclass):
    """The paper's BEGAN-inspired discriminator.

    4x4 convolutions down 64 -> 128 -> 256 at stride 2, then transposed
    convolutions back up 128 -> 64 and a 4x4 convolution to a one-channel
    score map at half the input resolution.

    Args:
        base_filters: int, channels of the first layer.
        num_layers: int, stride-2 encoder layers (3 in the paper).
        norm: "instance", "batch" or "none".
    """

    def __init__(
        self,
        base_filters: int = 64,
        num_layers: int = 3,
        norm: str = "instance",
        name: str = "encoder_decoder_discriminator",
        **kwargs,
    ):
        # === Functional Model ===
        inputs = keras.Input((None, None, 3), name="image")
        x = layers.Conv2D(base_filters, 4, strides=2, padding="same", name="enc0_conv")(inputs)
        x = activation("leaky_relu", name="enc0_act")(x)
        for i in range(1, num_layers):
            x = _conv(x, base_filters * 2**i, 2, norm, prefix=f"enc{i}")
        for i in range(num_layers - 2, -1, -1):
            x = Conv2DTranspose(base_filters * 2**i, 4, strides=2, padding="same", name=f"dec{i}_tconv")(x)
            x = normalization(norm, name=f"dec{i}_norm")(x)
            x = activation("leaky_relu", name=f"dec{i}_act")(x)
        outputs = layers.Conv2D(1, 4, padding="same", dtype="float32", name="score")(x)
        super().__init__(inputs=inputs, outputs=outputs, name=name, **kwargs)
