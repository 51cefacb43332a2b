"""Colour hints, training side: the hint channels, their sampling, and models that take them."""

import dataclasses

import numpy as np
import pytest

from keras_anime_cyclegan.config import HINT_CHANNELS, GeneratorConfig
from tests.helpers import TINY_GENERATOR, tiny_config


def test_sample_hints_are_dots_of_the_pictures_colour():
    import tensorflow as tf

    from keras_anime_cyclegan.data.pipeline import sample_hints

    colour = tf.concat([tf.fill((32, 16, 3), 0.5), tf.fill((32, 16, 3), -0.25)], axis=1)  # two flat halves
    covered = []
    for i in range(30):
        hints = sample_hints(colour, tf.constant([i, 1], tf.int64)).numpy()
        assert hints.shape == (32, 32, 4)
        mask = hints[..., 3]
        assert set(np.unique(mask)) <= {0.0, 1.0}
        assert np.all(hints[mask == 0, :3] == 0)
        # A dot wholly inside one half has that half's colour (dots across the border mix both).
        left, right = hints[:, :12][mask[:, :12] > 0, :3], hints[:, 20:][mask[:, 20:] > 0, :3]
        assert np.allclose(left, 0.5, atol=1e-6) or not len(left)
        assert np.allclose(right, -0.25, atol=1e-6) or not len(right)
        covered.append(mask.sum())
    assert 0 in covered and max(covered) > 0  # some pictures without hints, some with


def test_hint_generator_takes_seven_channels_and_f_three():
    from keras_anime_cyclegan.training.run import build_model

    config = tiny_config(generator=dataclasses.replace(TINY_GENERATOR, hint_channels=HINT_CHANNELS),
                         data=dataclasses.replace(tiny_config().data, paired=True))
    model = build_model(config)
    assert model.generator_g.input_shape[-1] == 3 + HINT_CHANNELS
    assert model.generator_f.input_shape[-1] == 3
    x = np.zeros((2, 32, 32, 3 + HINT_CHANNELS), np.float32)
    y = np.zeros((2, 32, 32, 3), np.float32)
    terms = model.compute_losses(x, y)
    assert all(np.isfinite(float(v)) for v in terms.values())


def test_hint_settings_are_checked():
    with pytest.raises(ValueError, match="hint_channels"):
        GeneratorConfig(architecture="resnet", hint_channels=HINT_CHANNELS)
    with pytest.raises(ValueError, match="0 or 4"):
        GeneratorConfig(hint_channels=3)
