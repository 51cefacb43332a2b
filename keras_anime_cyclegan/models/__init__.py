"""Generators, discriminators and their building blocks."""

from keras_anime_cyclegan.models.discriminators import (
    EncoderDecoderDiscriminator,
    PatchGANDiscriminator,
)
from keras_anime_cyclegan.models.factory import build_discriminator, build_generator, count_flops
from keras_anime_cyclegan.models.generators import ResnetGenerator, UNetGenerator, UNetResNetGenerator
from keras_anime_cyclegan.models.layers import ReflectionPadding2D

__all__ = [
    "EncoderDecoderDiscriminator",
    "PatchGANDiscriminator",
    "ReflectionPadding2D",
    "ResnetGenerator",
    "UNetGenerator",
    "UNetResNetGenerator",
    "build_discriminator",
    "build_generator",
    "count_flops",
]
