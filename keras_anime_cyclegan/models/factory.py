"""Builds networks from the typed config; measures their cost."""

from __future__ import annotations

import dataclasses
import inspect

import keras

from keras_anime_cyclegan.config import DiscriminatorConfig, GeneratorConfig
from keras_anime_cyclegan.models.discriminators import (
    EncoderDecoderDiscriminator,
    PatchGANDiscriminator,
)
from keras_anime_cyclegan.models.generators import (
    ResnetGenerator,
    UNetGenerator,
    UNetResNetGenerator,
)

GENERATORS = {
    "unet_resnet": UNetResNetGenerator,
    "resnet": ResnetGenerator,
    "unet": UNetGenerator,
}
DISCRIMINATORS = {
    "patchgan": PatchGANDiscriminator,
    "encoder_decoder": EncoderDecoderDiscriminator,
}
def _arguments_of(cls, settings: dict) -> dict:
    """The entries of `settings` that `cls`'s constructor takes (the config
    holds every architecture's settings; each class takes its own)."""
    accepted = inspect.signature(cls.__init__).parameters
    return {k: v for k, v in settings.items() if k in accepted}


def build_generator(config: GeneratorConfig, name: str | None = None) -> keras.Model:
    """The generator `config` describes, freshly initialised."""
    kwargs = dataclasses.asdict(config)
    cls = GENERATORS[kwargs.pop("architecture")]
    return cls(**_arguments_of(cls, kwargs), **({"name": name} if name else {}))


def build_discriminator(config: DiscriminatorConfig, name: str | None = None) -> keras.Model:
    """The discriminator `config` describes, freshly initialised."""
    kwargs = dataclasses.asdict(config)
    arch = kwargs.pop("architecture")
    if name:
        kwargs["name"] = name
    return DISCRIMINATORS[arch](**kwargs)


def count_flops(model: keras.Model, height: int = 256, width: int | None = None) -> int:
    """Floating-point operations of one forward pass on one image, measured.

    Runs TensorFlow's graph profiler over the traced model (a multiply-add
    counts as 2 FLOPs), so the figure comes from the ops, not a formula.
    """
    import tensorflow as tf

    from keras_anime_cyclegan.utils.tf_compat import convert_variables_to_constants

    width = width or height
    fn = tf.function(lambda x: model(x, training=False))
    concrete = fn.get_concrete_function(tf.TensorSpec([1, height, width, 3], tf.float32))
    frozen = convert_variables_to_constants(concrete)
    opts = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    opts["output"] = "none"
    info = tf.compat.v1.profiler.profile(graph=frozen.graph, options=opts)
    return int(info.total_float_ops)
