"""Line-art styles synthesised from colour pictures (the paper's data generation).

Each style maps float32 [-1, 1] RGB images (NHWC, or one HWC image) to a
sketch of the same size: 3 equal channels, white paper at 1.0, dark lines.
All are TensorFlow ops, batched, usable in `tf.data` and on a GPU.

- `xdog`: extended difference of Gaussians (Winnemoeller et al.), the
  paper's generator. Thin, even, near-binary lines.
- `pencil`: "dilate minus original", a grey morphological gradient. Soft
  grey lines whose darkness follows the local contrast, like a pencil.
- `gradient_lines`: thresholded colour gradient magnitude, on the darker
  side of each edge. Anti-aliased ink lines that also catch hue edges of
  equal brightness.

`random_sketch` mixes them per image, with Otsu binarisation, line-weight
jitter and grain, so a model does not learn one line style.
"""

from __future__ import annotations

import tensorflow as tf

from keras_anime_cyclegan.config import SKETCH_STYLES
from keras_anime_cyclegan.sketch import ops

# XDoG reads luminance on a 0..100 lightness scale, where its customary
# parameters (epsilon -0.1, phi 200) were tuned: on 0..1 almost nothing
# crosses epsilon, and at 0..100 an edge of roughly 10% contrast does.
XDOG_LIGHTNESS = 100.0


def _sketch_output(paper, single):
    """[0, 1] grey (N, H, W, 1) -> [-1, 1] three-channel sketch."""
    out = tf.tile(tf.clip_by_value(paper, 0.0, 1.0) * 2.0 - 1.0, [1, 1, 1, 3])
    return out[0] if single else out


def _xdog_paper(gray, sigma=0.8, k=1.6, gamma=0.98, epsilon=-0.1, phi=200.0, max_sigma=None):
    lightness = gray * XDOG_LIGHTNESS
    max_sigma = max_sigma or ops.static_max(sigma)
    max_k = ops.static_max(k)
    if max_sigma is None or max_k is None:
        raise ValueError("xdog: sigma and k must be known while tracing (numbers or constants)")
    outer = ops.per_image(k, gray) * ops.per_image(sigma, gray)
    dog = ops.gaussian_blur(lightness, sigma, max_sigma) - ops.per_image(gamma, gray) * ops.gaussian_blur(
        lightness, outer, max_sigma * max_k
    )
    epsilon, phi = ops.per_image(epsilon, gray), ops.per_image(phi, gray)
    return tf.where(dog >= epsilon, 1.0, 1.0 + tf.tanh(phi * (dog - epsilon)))


def _pencil_paper(gray, size=5, gain=4.0, floor=0.04):
    # Dilation minus original is large on the dark side of an edge and on
    # thin dark strokes; the floor drops the weak response of soft shading.
    contrast = ops.dilate(gray, size) - gray
    ink = tf.clip_by_value((contrast - ops.per_image(floor, gray)) * ops.per_image(gain, gray), 0.0, 1.0)
    return 1.0 - ink


def _gradient_paper(rgb01, sigma=0.7, low=0.08, high=0.16, side_sigma=2.0, max_sigma=None):
    # The strongest channel's gradient, so a hue edge of equal brightness
    # still draws a line; a ramp between the two thresholds keeps the lines
    # anti-aliased. Raw gradient magnitude rings a thin dark line on both
    # flanks, so ink is kept on the darker side of each edge (darker than
    # the local mean): one stroke per line, where an artist draws it.
    magnitude = tf.reduce_max(ops.sobel_magnitude(ops.gaussian_blur(rgb01, sigma, max_sigma)), axis=-1, keepdims=True)
    low, high = ops.per_image(low, rgb01), ops.per_image(high, rgb01)
    edge = tf.clip_by_value((magnitude - low) / (high - low), 0.0, 1.0)
    gray = tf.image.rgb_to_grayscale(rgb01)
    darker_side = tf.clip_by_value(0.5 + 10.0 * (ops.gaussian_blur(gray, side_sigma) - gray), 0.0, 1.0)
    return 1.0 - edge * darker_side


def xdog(images, sigma=0.8, k=1.6, gamma=0.98, epsilon=-0.1, phi=200.0):
    """Extended difference-of-Gaussians line art.

    T(u) = 1 where u >= epsilon, else 1 + tanh(phi * (u - epsilon)), with
    u = G_sigma * L - gamma * G_{k sigma} * L on lightness L in [0, 100].

    Args:
        images: float32 [-1, 1] RGB, (N, H, W, 3) or (H, W, 3).
        sigma: inner Gaussian's standard deviation in pixels; larger draws
            thicker lines and fewer details.
        k: ratio of the outer to the inner sigma.
        gamma: weight of the outer Gaussian; below 1 leaves flat areas white.
        epsilon: level below which a pixel becomes ink.
        phi: steepness of the ink ramp (200 is nearly binary).
        Each parameter may be a scalar or one value per image.

    Returns:
        The sketch, same shape, float32 in [-1, 1], white paper at 1.

    Example:
        >>> sketch = xdog(tf.zeros([2, 64, 64, 3]))
        >>> sketch.shape
        TensorShape([2, 64, 64, 3])
    """
    batch, single = ops.as_batch(images)
    return _sketch_output(_xdog_paper(ops.luminance(batch), sigma, k, gamma, epsilon, phi), single)


def pencil(images, size: int = 5, gain=4.0, floor=0.04):
    """Soft pencil lines: grey dilation minus the image, inverted.

    Args:
        images: float32 [-1, 1] RGB, (N, H, W, 3) or (H, W, 3).
        size: dilation window (odd); 3 leaves blurred lines hollow, 5 does not.
        gain: darkness per unit of local contrast.
        floor: local contrast (0..1) ignored, so shading stays white.

    Returns:
        The sketch, same shape, float32 in [-1, 1], white paper at 1.
    """
    batch, single = ops.as_batch(images)
    return _sketch_output(_pencil_paper(ops.luminance(batch), size, gain, floor), single)


def gradient_lines(images, sigma=0.7, low=0.08, high=0.16):
    """Anti-aliased ink lines where the colour gradient magnitude is high.

    Unlike `xdog`, it sees colour (a hue edge between two equally bright
    areas draws a grey line) and its lines are soft-edged, not binary.

    Args:
        images: float32 [-1, 1] RGB, (N, H, W, 3) or (H, W, 3).
        sigma: pre-blur in pixels, against noise and JPEG blocks.
        low, high: gradient magnitudes (intensity change across two pixels, 0..1)
            where ink starts and where it is full.

    Returns:
        The sketch, same shape, float32 in [-1, 1], white paper at 1.
    """
    batch, single = ops.as_batch(images)
    rgb01 = tf.clip_by_value((batch + 1.0) * 0.5, 0.0, 1.0)
    return _sketch_output(_gradient_paper(rgb01, sigma, low, high), single)


def otsu_binarize(sketches):
    """Black-and-white version of sketches by a per-image Otsu threshold.

    Args:
        sketches: float32 [-1, 1], (N, H, W, C) or (H, W, C); read as grey.

    Returns:
        Three-channel sketches holding only -1 (ink) and 1 (paper).
    """
    batch, single = ops.as_batch(sketches)
    gray = tf.reduce_mean(tf.clip_by_value((batch + 1.0) * 0.5, 0.0, 1.0), axis=-1, keepdims=True)
    return _sketch_output(ops.binarize(gray, ops.otsu_threshold(gray)), single)


_STYLE_FUNCTIONS = {"xdog": xdog, "pencil": pencil, "gradient": gradient_lines}
STYLES = tuple(_STYLE_FUNCTIONS)  # the named styles; config.SKETCH_STYLES adds "random"


def sketch(images, style: str = "xdog", seed=None):
    """Line art in one of `config.SKETCH_STYLES`: a named style, or `random`
    (a style and parameters per picture, drawn from `seed`)."""
    if style == "random":
        return random_sketch(images, 0 if seed is None else seed)
    if style not in _STYLE_FUNCTIONS:
        raise ValueError(f"unknown sketch style {style!r}; choose from {', '.join(SKETCH_STYLES)}")
    return _STYLE_FUNCTIONS[style](images)


def _choose(condition, if_true, if_false):
    """Per image: `if_true` where the (N,) condition holds, else `if_false`."""
    return tf.where(tf.reshape(condition, [-1, 1, 1, 1]), if_true, if_false)


def _uniform(shape, seed, low, high):
    return tf.random.stateless_uniform(shape, seed, low, high)


def random_sketch(images, seed, binarize_probability=0.25, jitter_probability=0.5):
    """A sketch per image in a style and with parameters drawn at random.

    Per image: one of `STYLES` with jittered parameters; with
    `binarize_probability` an Otsu binarisation; with `jitter_probability`
    a heavier or lighter line weight; always a mild grain on the ink (paper
    stays exactly white). Deterministic for a given seed.

    Args:
        images: float32 [-1, 1] RGB, (N, H, W, 3) or (H, W, 3).
        seed: an int, or a shape-(2,) integer tensor (as tf.data's
            `Dataset.random` gives) for stateless random ops.

    Returns:
        The sketches, same shape, float32 in [-1, 1].
    """
    batch, single = ops.as_batch(images)
    seed = tf.cast(seed, tf.int64)
    if seed.shape.rank == 0:
        seed = tf.stack([tf.zeros_like(seed), seed])
    seeds = tf.random.experimental.stateless_split(seed, 13)
    n = tf.shape(batch)[0]
    gray = ops.luminance(batch)
    rgb01 = tf.clip_by_value((batch + 1.0) * 0.5, 0.0, 1.0)

    candidates = tf.stack(
        [
            _xdog_paper(
                gray,
                sigma=_uniform([n], seeds[0], 0.6, 1.1),
                max_sigma=1.1,
                gamma=_uniform([n], seeds[1], 0.97, 0.99),
                epsilon=_uniform([n], seeds[2], -0.3, 0.0),
            ),
            _pencil_paper(gray, gain=_uniform([n], seeds[3], 3.0, 6.0), floor=_uniform([n], seeds[4], 0.03, 0.06)),
            _gradient_paper(
                rgb01,
                sigma=_uniform([n], seeds[5], 0.5, 1.0),
                max_sigma=1.0,
                low=_uniform([n], seeds[6], 0.06, 0.1),
                high=_uniform([n], seeds[12], 0.12, 0.2),
            ),
        ]
    )  # (styles, N, H, W, 1)
    style = tf.random.stateless_uniform([n], seeds[7], 0, len(STYLES), tf.int32)
    paper = tf.gather(tf.transpose(candidates, [1, 0, 2, 3, 4]), style, batch_dims=1)

    binary = ops.binarize(paper, ops.otsu_threshold(paper))
    paper = _choose(_uniform([n], seeds[8], 0, 1) < binarize_probability, binary, paper)

    # Line weight: a blend towards the eroded paper widens the ink by a
    # grey pixel each side; a blend towards the dilated paper thins it.
    weight = _uniform([n], seeds[9], 0, 1)
    paper = _choose(weight < jitter_probability / 2, 0.5 * (paper + ops.erode(paper)), paper)
    lighter = (weight >= jitter_probability / 2) & (weight < jitter_probability)
    paper = _choose(lighter, 0.5 * (paper + ops.dilate(paper)), paper)

    grain = 1.0 + ops.per_image(_uniform([n], seeds[10], 0.0, 0.15), paper) * tf.random.stateless_normal(
        tf.shape(paper), seeds[11]
    )
    paper = 1.0 - (1.0 - paper) * tf.clip_by_value(grain, 0.0, 2.0)
    return _sketch_output(paper, single)
