"""Small shared helpers for the tests: tiny configs and data."""

import dataclasses
import os

import numpy as np

from keras_anime_cyclegan.config import DataConfig, DiscriminatorConfig, GeneratorConfig, preset

TINY_GENERATOR = GeneratorConfig(base_filters=8, max_filters=16, levels=2, residual_blocks=1, upsampling="resize")


def tiny_config(**overrides):
    """A demo-style experiment small enough for a unit test (32x32 images)."""
    base = preset(
        "demo",
        generator=TINY_GENERATOR,
        discriminator=DiscriminatorConfig(base_filters=8, num_layers=2),
        image_size=32,
        batch_size=2,
        epochs=2,
        pool_size=4,
        data=DataConfig(demo=True, demo_images=8, held_out=2),
        jit_compile=False,  # a few steps: XLA's compile time would dominate
    )
    return dataclasses.replace(base, **overrides)


MICRO_GENERATOR = GeneratorConfig(base_filters=4, max_filters=8, levels=1, residual_blocks=1, upsampling="resize")


def micro_config(**overrides):
    """`tiny_config` with even smaller networks (one level, 4-8 channels), for tests
    whose cost is compiling or tracing the train step (XLA, tf.distribute) and whose
    subject is not the network: JAX data parallel, alone on 2 cores, 48 s against
    tiny's 80 s."""
    micro = {"generator": MICRO_GENERATOR, "discriminator": DiscriminatorConfig(base_filters=4, num_layers=1)}
    return tiny_config(**{**micro, **overrides})


def random_images(n, h, w, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, h, w, 3)).astype("float32")


def user_env(**extra) -> dict:
    """This process's environment without the logging switches a user would not
    have set (TF_CPP_MIN_LOG_LEVEL, KAC_VERBOSE), plus `extra`: for subprocesses
    whose output is asserted as a user sees it."""
    return {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "KAC_VERBOSE")} | extra
