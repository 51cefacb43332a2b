"""Sketch synthesis: each style draws its lines on true region boundaries."""

import numpy as np
import pytest
import tensorflow as tf
from scipy import ndimage

from keras_anime_cyclegan import sketch
from keras_anime_cyclegan.data.synthetic import region_boundaries, synthetic_sample
from keras_anime_cyclegan.sketch import ops
from keras_anime_cyclegan.utils.images import to_float

SIZE = 96
STYLES = {
    "xdog": sketch.xdog,
    "pencil": sketch.pencil,
    "gradient": sketch.gradient_lines,
    "otsu_xdog": lambda x: sketch.otsu_binarize(sketch.xdog(x)),
    "random": lambda x: sketch.random_sketch(x, seed=3),
}


def near(mask, radius):
    """True within `radius` px (a square) of a True pixel; no wrap-around."""
    h, w = mask.shape
    padded = np.pad(mask, radius)
    out = np.zeros_like(mask)
    for dy in range(2 * radius + 1):
        for dx in range(2 * radius + 1):
            out |= padded[dy : dy + h, dx : dx + w]
    return out


@pytest.fixture(scope="module")
def samples():
    return [synthetic_sample(SIZE, seed=s) for s in (11, 12, 13)]


@pytest.mark.parametrize("style", sorted(STYLES))
def test_lines_sit_on_true_boundaries(style, samples):
    out = STYLES[style](tf.constant(to_float(np.stack([s.color for s in samples])))).numpy()
    assert out.shape == (len(samples), SIZE, SIZE, 3)
    assert out.dtype == np.float32 and out.min() >= -1.0 and out.max() <= 1.0
    np.testing.assert_array_equal(out[..., 0], out[..., 2])  # grey: equal channels
    for image, sample in zip(out, samples):
        ink = image[..., 0] < 0.0
        edges = region_boundaries(sample.labels)
        white = (image[..., 0] > 0.5).mean()
        assert white > 0.8, f"{style}: only {white:.2f} of the page is white"
        assert ink.mean() > 0.01, "some lines"
        precision = (ink & near(edges, 2)).sum() / ink.sum()
        recall = (edges & near(ink, 1)).sum() / edges.sum()
        assert precision > 0.85, f"{style}: only {precision:.2f} of ink within 2 px of a boundary"
        assert recall > 0.85, f"{style}: only {recall:.2f} of boundary pixels have ink within 1 px"


@pytest.mark.parametrize("style", sorted(STYLES))
def test_single_image_and_flat_paper(style, samples):
    single = STYLES[style](tf.constant(to_float(samples[0].color)))
    assert single.shape == (SIZE, SIZE, 3)
    flat = STYLES[style](tf.fill([1, 32, 48, 3], 0.4)).numpy()
    assert flat.shape == (1, 32, 48, 3)
    np.testing.assert_array_equal(flat, 1.0)  # nothing to draw: white paper exactly


def test_random_sketch_is_seeded_and_varied(samples):
    batch = tf.constant(to_float(np.stack([samples[0].color] * 8)))
    a = sketch.random_sketch(batch, seed=5).numpy()
    np.testing.assert_array_equal(a, sketch.random_sketch(batch, seed=5).numpy())
    np.testing.assert_array_equal(a, sketch.random_sketch(batch, seed=tf.constant([0, 5])).numpy())
    assert not np.array_equal(a, sketch.random_sketch(batch, seed=6).numpy())
    # The same picture 8 times: styles and parameters differ per image.
    distinct = {a[i].tobytes() for i in range(len(a))}
    assert len(distinct) >= 4


def test_styles_differ(samples):
    image = tf.constant(to_float(samples[1].color))
    outs = {name: sketch.sketch(image, name).numpy() for name in sketch.STYLES}
    names = list(outs)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert np.abs(outs[a] - outs[b]).mean() > 0.01, f"{a} and {b} look the same"
    with pytest.raises(ValueError, match="unknown sketch style"):
        sketch.sketch(image, "charcoal")
    # The one list the command line offers (config, readable without TensorFlow) is the styles there are.
    from keras_anime_cyclegan.config import SKETCH_STYLES

    assert SKETCH_STYLES == (*sketch.STYLES, "random")


def test_random_sketch_inside_tf_data(samples):
    images = to_float(np.stack([s.color for s in samples]))
    ds = tf.data.Dataset.zip(
        tf.data.Dataset.from_tensor_slices(images), tf.data.Dataset.random(seed=1).batch(2)
    ).map(lambda x, s: sketch.random_sketch(x, s), num_parallel_calls=2)
    out = np.stack(list(ds.as_numpy_iterator()))
    assert out.shape == images.shape
    assert out.min() >= -1 and out.max() <= 1


def test_otsu_threshold_splits_two_modes():
    rng = np.random.default_rng(0)
    dark = rng.normal(0.2, 0.03, 300)
    light = rng.normal(0.8, 0.03, 700)
    gray = np.concatenate([dark, light]).reshape(1, 25, 40, 1).astype(np.float32)
    t = float(ops.otsu_threshold(tf.constant(np.concatenate([gray, 1 - gray])))[0])
    assert 0.4 < t < 0.6  # the middle of the empty gap between the modes
    binary = sketch.otsu_binarize(tf.constant(gray * 2 - 1)).numpy()
    assert set(np.unique(binary)) == {-1.0, 1.0}
    assert (binary[0, ..., 0] == -1).sum() == 300


def test_gaussian_blur_per_image_sigma_matches_separate_calls(samples):
    images = tf.constant(to_float(np.stack([s.color for s in samples[:2]])))
    both = ops.gaussian_blur(images, tf.constant([0.8, 2.0]))
    np.testing.assert_allclose(both[:1], ops.gaussian_blur(images[:1], 0.8), atol=1e-4)
    np.testing.assert_allclose(both[1:], ops.gaussian_blur(images[1:], 2.0), atol=1e-4)
    # A blur keeps the mean and a flat image.
    np.testing.assert_allclose(ops.gaussian_blur(tf.fill([1, 16, 16, 1], 0.3), 1.5), 0.3, atol=1e-6)


# === What real sketches look like (sketch.real): NumPy, uint8 ===


@pytest.fixture(scope="module")
def line_art():
    s = synthetic_sample(96, 96, seed=4)
    return s.lines, s.color


def test_each_real_sketch_trait_does_what_it_says(line_art):
    from keras_anime_cyclegan.sketch import real

    lines, colour = line_art
    ink = real.ink_of(lines)
    rng = np.random.default_rng

    light = real.pencil(lines, rng(0))
    assert 255 * 0.4 <= light[ink].min() <= 255 * 0.75, "pencil lines at 40-70% grey"
    assert (light[lines == 255] == 255).all(), "paper stays white"

    broken = real.gaps(lines, rng(0), 20)
    assert real.ink_of(broken).sum() < ink.sum() and (real.ink_of(broken) <= ink).all(), "gaps only remove ink"
    assert ndimage.label(real.ink_of(broken))[1] > ndimage.label(ink)[1], "the lines are cut into more pieces"

    thick = np.where(ndimage.binary_dilation(ink, iterations=2)[..., None], 0, 255).astype(np.uint8)
    thinner = real.ink_of(real.thin(thick, rng(0)))
    assert 0 < thinner.sum() < real.ink_of(thick).sum() and (thinner <= real.ink_of(thick)).all()
    np.testing.assert_array_equal(real.thin(lines, rng(0)), lines)  # lines under 4 px are not thinned away

    doubled = real.double_strokes(lines, rng(1))
    assert (doubled <= lines).all() and (doubled < lines).any(), "a second pass only darkens"

    areas = real.shaded_areas(colour)
    hatched = real.hatching(lines, areas, rng(0))
    changed = (hatched != lines).any(axis=-1)
    assert changed.any() and not (changed & (areas == 0)).any(), "strokes only inside the shaded areas"

    scanned = real.paper(lines, rng(0))
    assert 200 < scanned[~ink].mean() < 255 and scanned[ink].mean() < 100, "tinted paper, lines still dark"
    soft = real.blur(lines, rng(0))
    assert len(np.unique(soft)) > len(np.unique(lines)), "blurred edges take intermediate greys"
    compressed = real.jpeg(lines, rng(0), quality=60)
    assert compressed.shape == lines.shape and 0 < np.abs(compressed.astype(int) - lines).mean() < 10
    photo = real.shadow(lines, rng(0))
    paper = photo[(lines == 255).all(axis=-1)].astype(float).mean(axis=-1)  # the page's white pixels
    assert photo.shape == lines.shape and paper.max() >= 254 and 255 * 0.55 - 1 <= paper.min() <= 255 * 0.8 + 1, \
        "a phone's shadow: the page 20-45% darker at one side"
    assert (photo[ink] <= lines[ink]).all(), "the lines darken with their paper, never lighten"


def test_real_sketch_is_seeded_and_varied(line_art):
    from keras_anime_cyclegan.sketch.real import real_sketch

    lines, colour = line_art
    a = real_sketch(lines, colour, np.random.default_rng(3))
    np.testing.assert_array_equal(a, real_sketch(lines, colour, np.random.default_rng(3)))
    assert a.dtype == np.uint8 and a.shape == lines.shape
    variants = {real_sketch(lines, colour, np.random.default_rng(s)).tobytes() for s in range(8)}
    assert len(variants) >= 6


def test_black_fills_become_their_outlines():
    from keras_anime_cyclegan.sketch.real import ink_of, outline_fills, stroke_width

    yy, xx = np.mgrid[0:96, 0:96]
    fill = (yy - 48) ** 2 + (xx - 30) ** 2 < 15**2  # a black disc
    ring = np.abs(np.hypot(yy - 48, xx - 72) - 14) < 1.5  # a 3-px circle outline
    lines = np.where((fill | ring)[..., None], 0, 255).astype(np.uint8).repeat(3, axis=-1)
    out = ink_of(outline_fills(lines))
    width = stroke_width(ink_of(lines))
    assert width == 3, "the circle's stroke, not the disc, sets the width"
    assert not out[48, 30], "the fill's inside is paper"
    assert out[48, 30 - 14] and out[48, 30 + 14], "its edge is still drawn"
    border = out & fill
    assert border.sum() < 0.5 * fill.sum() and border.sum() > 2 * np.pi * 15 * (width - 1)
    np.testing.assert_array_equal(out & ring, ring)  # a drawn line is not a fill
