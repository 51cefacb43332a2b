"""Builds networks from the typed config; measures their cost."""

from __future__ import annotations

import dataclasses
import inspect

import keras

from keras_anime_cyclegan.config import DiscriminatorConfig, ExperimentConfig, GeneratorConfig
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


def _settings(cls, config) -> dict:
    """Every constructor argument of `cls` (but `name`): `config`'s values
    where it gives one, the constructor's own defaults elsewhere."""
    given = {k: v for k, v in dataclasses.asdict(config).items() if k != "architecture" and v is not None}
    params = inspect.signature(cls.__init__).parameters
    settings = {k: p.default for k, p in params.items() if p.default is not inspect.Parameter.empty and k != "name"}
    settings.update({k: v for k, v in given.items() if k in settings})
    return settings


def resolve_generator(config: GeneratorConfig) -> GeneratorConfig:
    """`config` with every argument its architecture's constructor takes
    filled in (its defaults where `config` leaves None) and every other
    field None: exactly what `build_generator` builds."""
    settings = _settings(GENERATORS[config.architecture], config)
    blank = {f.name: None for f in dataclasses.fields(config) if f.name != "architecture"}
    return GeneratorConfig(architecture=config.architecture, **{**blank, **settings})


def resolve_discriminator(config: DiscriminatorConfig) -> DiscriminatorConfig:
    """`config` with its constructor's defaults filled in."""
    settings = _settings(DISCRIMINATORS[config.architecture], config)
    return DiscriminatorConfig(architecture=config.architecture, **settings)


def generator_multiple(config: GeneratorConfig) -> int:
    """Input height and width of the generator `config` describes must be divisible by this."""
    return 2 ** resolve_generator(config).levels


def resolve_experiment(config: ExperimentConfig) -> ExperimentConfig:
    """`config` with both networks resolved, as a run saves it; checks that
    its image size suits the generator."""
    config = dataclasses.replace(
        config, generator=resolve_generator(config.generator), discriminator=resolve_discriminator(config.discriminator)
    )
    multiple = 2**config.generator.levels
    if config.image_size % multiple:
        raise ValueError(f"image_size {config.image_size} must be divisible by {multiple} (2**generator.levels)")
    return config


def build_generator(config: GeneratorConfig, name: str | None = None) -> keras.Model:
    """The generator `config` describes, freshly initialised."""
    cls = GENERATORS[config.architecture]
    return cls(**_settings(cls, config), **({"name": name} if name else {}))


def build_discriminator(config: DiscriminatorConfig, name: str | None = None) -> keras.Model:
    """The discriminator `config` describes, freshly initialised."""
    cls = DISCRIMINATORS[config.architecture]
    return cls(**_settings(cls, config), **({"name": name} if name else {}))


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
