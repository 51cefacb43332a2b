"""Flat colours: one colour per region the lines enclose, lines multiplied over."""

import numpy as np
import pytest

from keras_anime_cyclegan.inference import Colorizer
from keras_anime_cyclegan.inference.translator import Hinted
from keras_anime_cyclegan.inference.flats import flatten


def boxes_sketch(gap=0):
    """White paper, a black ring (60x60 box, 3 px lines) with a `gap`-px opening in its top side."""
    s = np.full((80, 100, 3), 255, np.uint8)
    s[10:70, 10:70] = 0
    s[13:67, 13:67] = 255
    if gap:
        s[10:13, 40 : 40 + gap] = 255
    return s


def noisy(h, w, inside, outside, seed=0):
    rng = np.random.default_rng(seed)
    c = np.empty((h, w, 3), np.float32)
    c[:] = outside
    c[13:67, 13:67] = inside
    return np.clip(c + rng.normal(0, 25, c.shape), 0, 255).astype(np.uint8)


def test_each_closed_region_takes_its_median_colour_and_the_lines_stay_ink():
    sketch = boxes_sketch()
    out = flatten(noisy(80, 100, (200, 40, 40), (40, 60, 200)), sketch)
    inside, outside = out[20:60, 20:60].reshape(-1, 3), out[:, 80:].reshape(-1, 3)
    assert (inside == inside[0]).all() and (outside == outside[0]).all()  # flat: one colour each
    assert np.abs(inside[0].astype(int) - (200, 40, 40)).max() <= 6  # the median of the noisy colours
    assert np.abs(outside[0].astype(int) - (40, 60, 200)).max() <= 6
    assert (out[10:13, 10:70] == 0).all()  # black lines multiply to black


def test_gaps_close_up_to_the_gap_setting_and_open_wider_ones_merge():
    colours = noisy(80, 100, (200, 40, 40), (40, 60, 200))
    three = boxes_sketch(gap=3)
    closed = flatten(colours, three, gap=2)
    assert (closed[30, 30] != closed[30, 90]).any()  # a 3-px gap is closed: two regions
    opened = flatten(colours, three, gap=0)
    assert (opened[30, 30] == opened[30, 90]).all()  # without closing, the paint runs through it


def test_grey_lines_multiply_and_a_picture_without_paper_is_left_alone():
    sketch = boxes_sketch()
    sketch[10:13, 10:70] = 100  # a grey line: still ink (luma < 128), kept as a darker shade
    colours = np.full((80, 100, 3), 200, np.uint8)
    out = flatten(colours, sketch)
    assert (out[11, 30] == round(200 * 100 / 255)).all()
    all_ink = np.zeros((20, 20, 3), np.uint8)
    np.testing.assert_array_equal(flatten(colours[:20, :20], all_ink), colours[:20, :20])
    with pytest.raises(ValueError, match="differ in size"):
        flatten(colours, sketch[:50])


def test_colorizer_flattens_by_default_and_gives_g_its_own_result_when_asked(tmp_path):
    import keras

    from keras_anime_cyclegan.config import GeneratorConfig
    from keras_anime_cyclegan.models import build_generator

    keras.utils.set_random_seed(0)
    path = tmp_path / "generator_g.keras"
    build_generator(GeneratorConfig(base_filters=8, max_filters=16, levels=2, residual_blocks=1)).save(path)
    sketch = boxes_sketch()
    flat = np.asarray(Colorizer.load(path).colorize(sketch))
    raw = np.asarray(Colorizer.load(path, flat=False).colorize(sketch))
    np.testing.assert_array_equal(flat, flatten(raw, sketch))
    region = flat[20:60, 20:60].reshape(-1, 3)
    assert (region == region[0]).all() and len(np.unique(raw[20:60, 20:60].reshape(-1, 3), axis=0)) > 1
    # Per call, as the README shows it: the call's `flat` wins over the constructor's.
    colorizer = Colorizer.load(path)
    np.testing.assert_array_equal(np.asarray(colorizer.colorize(sketch, flat=False)), raw)
    np.testing.assert_array_equal(np.asarray(colorizer.colorize(sketch)), flat)
    np.testing.assert_array_equal(np.asarray(Colorizer.load(path, flat=False).colorize(sketch, flat=True)), flat)
    both = list(colorizer.colorize_many([sketch, Hinted(sketch, flat=True)], flat=False))
    np.testing.assert_array_equal(np.asarray(both[0]), raw)
    np.testing.assert_array_equal(np.asarray(both[1]), flat)  # a picture's own option wins over the call's


def test_a_hint_gives_its_region_exactly_its_colour():
    from keras_anime_cyclegan.inference.hints import hint_channels

    sketch = boxes_sketch()
    colours = noisy(80, 100, (200, 40, 40), (40, 60, 200))
    hints = hint_channels([(30, 30, "#14c828"), (32, 34, "#14c828")], (100, 80), (100, 80))
    out = flatten(colours, sketch, hints=hints)
    assert tuple(out[50, 50]) == (0x14, 0xC8, 0x28)  # the whole box, not just the dots
    np.testing.assert_array_equal(out[:, 80:], flatten(colours, sketch)[:, 80:])  # the outside keeps G's median
    two = hint_channels([(30, 30, "#ff0000"), (50, 50, "#0000ff")], (100, 80), (100, 80))
    assert tuple(flatten(colours, sketch, hints=two)[40, 40]) == (128, 0, 128)  # two colours in one region: their mean


def test_a_hint_in_a_region_open_to_the_edge_leaves_g_s_colours_there():
    """A bucket would flood the page through an open line: that region keeps G's own colours."""
    from keras_anime_cyclegan.inference.hints import hint_channels

    sketch = boxes_sketch(gap=8)  # the box is open to the paper around it, which reaches the edge
    colours = noisy(80, 100, (200, 40, 40), (40, 60, 200))
    hints = hint_channels([(30, 30, "#14c828")], (100, 80), (100, 80))
    out = flatten(colours, sketch, hints=hints)
    np.testing.assert_array_equal(out[20:60, 20:60], colours[20:60, 20:60])
    np.testing.assert_array_equal(out[:, 80:], colours[:, 80:])
