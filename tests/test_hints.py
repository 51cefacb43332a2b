"""Colour hints, training side: the hint channels, their sampling, and models that take them."""

import dataclasses

import numpy as np
import pytest

from keras_anime_cyclegan.config import HINT_CHANNELS, GeneratorConfig
from tests.helpers import TINY_GENERATOR, tiny_config


def test_sample_hints_are_dots_of_the_pictures_colour():
    from keras_anime_cyclegan.data.hints import sample_hints

    colour = np.concatenate([np.full((32, 16, 3), 0.5), np.full((32, 16, 3), -0.25)], axis=1)  # two flat halves
    covered = []
    for i in range(30):
        hints = sample_hints(colour, (i, 1))
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
    with pytest.raises(ValueError, match="hint_spread"):
        GeneratorConfig(hint_spread=8)  # spreading needs hint channels


def _ring_sketch(size=64):
    """White paper with a closed black square outline from 16 to 47 (a 2-pixel line) and a diagonal line."""
    sketch = np.ones((size, size, 3), np.float32)
    sketch[16:48, 16:18] = sketch[16:48, 46:48] = sketch[16:18, 16:48] = sketch[46:48, 16:48] = -1
    for i in range(size):  # a 1-pixel diagonal in the bottom-left corner: 8-connected growth must not slip through
        if 48 + i < size:
            sketch[48 + i, i] = -1
    return sketch


@pytest.mark.parametrize("pyramid", [{}, {"coarsest": 8, "refine": 4}], ids=["half_resolution", "pyramid"])
def test_hint_spread_fills_the_region_a_dot_is_in_and_stops_at_lines(pyramid):
    """The shipped spread (48 rounds at 1/2) and the pyramid (the same reach
    from 1/8, benchmarks/hint_spread.py) both fill a dot's region and stop at lines."""
    from keras_anime_cyclegan.models.layers import HintSpread

    sketch = _ring_sketch()
    hints = np.zeros((64, 64, 4), np.float32)
    hints[30:33, 30:33] = [0.8, -0.6, 0.2, 1.0]  # one dot inside the square
    hints[4:7, 56:59] = [-0.4, 0.4, 0.0, 1.0]  # one outside, above the diagonal
    out = np.asarray(HintSpread(steps=48, **pyramid)(np.concatenate([sketch, hints], -1)[None]))[0]
    assert np.array_equal(out[..., :3], sketch)  # the sketch passes unchanged
    mask, colour = out[..., 6], out[..., 3:6]
    inside, outside = (slice(18, 46), slice(18, 46)), (slice(0, 14), slice(0, 64))
    assert mask[inside].all() and np.allclose(colour[inside], [0.8, -0.6, 0.2], atol=1e-5)
    assert mask[outside].all() and np.allclose(colour[outside], [-0.4, 0.4, 0.0], atol=1e-5)
    assert not mask[sketch[..., 0] < 0].any()  # never on the lines
    below_diagonal = np.array([[y > 48 + x + 1 for x in range(64)] for y in range(64)])
    assert not mask[below_diagonal].any()  # the 1-pixel diagonal holds


@pytest.mark.parametrize("coarsest", [2, 8])
def test_hint_spread_without_hints_is_the_identity(coarsest):
    from keras_anime_cyclegan.models.layers import HintSpread

    x = np.concatenate([_ring_sketch(), np.zeros((64, 64, 4), np.float32)], -1)[None]
    assert np.array_equal(np.asarray(HintSpread(steps=8, coarsest=coarsest)(x)), x)
    with pytest.raises(ValueError, match="power of 2"):
        HintSpread(coarsest=6)


def test_generator_with_hint_spread_saves_and_loads(tmp_path):
    import keras

    from keras_anime_cyclegan.models.factory import build_generator

    g = build_generator(dataclasses.replace(TINY_GENERATOR, hint_channels=HINT_CHANNELS, hint_spread=4))
    x = np.concatenate([_ring_sketch(32), np.zeros((32, 32, 4), np.float32)], -1)[None]
    x[0, 8:11, 8:11, 3:] = [1.0, 0.0, -1.0, 1.0]
    g.save(tmp_path / "g.keras")
    loaded = keras.saving.load_model(tmp_path / "g.keras")
    assert loaded.hint_spread == 4
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(g(x)), atol=1e-6)


def test_coarse_hints_fill_the_dots_region_at_the_coarse_level_and_stop_at_lines():
    """CoarseHints: a dot inside the square colours the square's inside at 1/4 and nothing outside it."""
    from keras_anime_cyclegan.models.layers import CoarseHints

    sketch = _ring_sketch()
    hints = np.zeros((64, 64, 4), np.float32)
    hints[30:33, 30:33] = [0.8, -0.6, 0.2, 1.0]
    out = np.asarray(CoarseHints(steps=48, factor=4)(np.concatenate([sketch, hints], -1)[None]))[0]
    assert out.shape == (16, 16, 4)
    mask, colour = out[..., 3], out[..., :3]
    # Blocks 5..9 (pixels 20..39): the square's paper; block 10 (40..43) is
    # paper too, but the 2x2 closure joins it to block 11, which holds the outline.
    inside = (slice(5, 10), slice(5, 10))
    assert mask[inside].all() and np.allclose(colour[inside], [0.8, -0.6, 0.2], atol=1e-5)
    assert not mask[:3].any() and not mask[13:].any()  # the outline holds
    with pytest.raises(ValueError, match="power of 2"):
        CoarseHints(factor=3)


def test_a_generator_that_takes_hints_in_its_encoder(tmp_path):
    """hint_level: the full-resolution layers see the sketch alone, hints join at 1/2**level;
    it saves and loads, and a dot changes the colours around it."""
    import keras

    from keras_anime_cyclegan.models.factory import build_generator

    keras.utils.set_random_seed(2)
    g = build_generator(dataclasses.replace(TINY_GENERATOR, hint_channels=HINT_CHANNELS, hint_spread=8, hint_level=2))
    assert g.get_layer("stem_conv").kernel.shape[2] == 3  # the stem takes the sketch's 3 channels
    assert g.get_layer("coarse_hints").factor == 4
    x = np.concatenate([_ring_sketch(32), np.zeros((32, 32, 4), np.float32)], -1)[None]
    hinted = x.copy()
    hinted[0, 12:15, 12:15, 3:] = [1.0, -1.0, -1.0, 1.0]
    assert np.abs(np.asarray(g(hinted)) - np.asarray(g(x))).max() > 1e-3
    g.save(tmp_path / "g.keras")
    loaded = keras.saving.load_model(tmp_path / "g.keras")
    assert loaded.hint_level == 2
    np.testing.assert_allclose(np.asarray(loaded(hinted)), np.asarray(g(hinted)), atol=1e-6)
    with pytest.raises(ValueError, match="hint_level"):
        build_generator(dataclasses.replace(TINY_GENERATOR, hint_level=1))  # no hint channels
    # F of such a run takes no hints anywhere.
    run = tiny_config(generator=dataclasses.replace(TINY_GENERATOR, hint_channels=HINT_CHANNELS, hint_level=2),
                      data=dataclasses.replace(tiny_config().data, paired=True))
    assert run.generator_config("generator_f").hint_level == 0


def _spread_cases():
    """Sketches with hints that exercise the spread: the package's synthetic
    line art with up to 30 random dots (half the pictures without any), and
    the ring with dots inside, outside, on its line and at the picture's edge."""
    from keras_anime_cyclegan.export.tflite import representative_hints, representative_images
    from keras_anime_cyclegan.utils.images import to_float

    sketches = to_float(representative_images("colorize", count=6, size=128, seed=21))
    cases = np.concatenate([sketches, representative_hints(sketches, seed=4)], -1).astype(np.float32)
    ring = np.concatenate([_ring_sketch(128), np.zeros((128, 128, 4), np.float32)], -1)
    ring[60:63, 60:63, 3:] = [0.8, -0.6, 0.2, 1.0]  # inside
    ring[2:5, 120:123, 3:] = [-0.4, 0.4, 0.0, 1.0]  # outside
    ring[15:18, 30:33, 3:] = [0.1, 0.9, -0.9, 1.0]  # on the line
    ring[0:3, 0:3, 3:] = [1.0, 1.0, -1.0, 1.0]  # at the corner
    return np.concatenate([cases, ring[None]])


@pytest.mark.parametrize("rounds", [48, 5])
def test_spread_hints_in_numpy_is_the_hint_spread_layer(rounds):
    """`inference.spread.spread_hints` (the exports' runners) grows the same
    pixels as `HintSpread` (inside the Keras G) and gives them its colours.

    Tolerance: each grown colour is a mean of at most 9 float32 colours in
    [-1, 1]; the layer and NumPy sum them in other orders (the layer divides
    both sums by the pooling count first), so each round differs by at most
    about 10 roundings of 2**-24 on top of what its inputs differed by, which
    a mean does not enlarge; over the half-size rounds, the step back to full
    size and the 2 full-size rounds: (rounds + 3) * 10 * 2**-24.
    """
    from keras_anime_cyclegan.inference.spread import spread_hints
    from keras_anime_cyclegan.models.layers import HintSpread

    x = _spread_cases()
    expected = np.asarray(HintSpread(steps=rounds)(x))
    got = spread_hints(x, rounds)
    assert np.array_equal(got[..., :3], x[..., :3])
    assert np.array_equal(got[..., 6], expected[..., 6])  # the same pixels hinted
    assert expected[..., 6].sum() > 3 * x[..., 6].sum()  # and the spread did grow them
    np.testing.assert_allclose(got[..., 3:6], expected[..., 3:6], rtol=0, atol=(rounds + 3) * 10 * 2.0**-24)


def test_spread_hints_leaves_a_hint_free_batch_alone_and_refuses_bad_input():
    from keras_anime_cyclegan.inference.spread import spread_hints

    x = np.concatenate([_ring_sketch(), np.zeros((64, 64, 4), np.float32)], -1)[None]
    assert spread_hints(x, 48) is x  # nothing to grow: no copy, no work
    with pytest.raises(ValueError, match="even height and width"):
        spread_hints(x[:, :63], 48)
    with pytest.raises(ValueError, match=r"\(N, H, W, 7\)"):
        spread_hints(x[..., :6], 48)
    half = x.copy()
    half[0, 5, 5, 6] = 0.5
    with pytest.raises(ValueError, match="0 or 1"):
        spread_hints(half, 48)
