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
jitter and grain, so a model does not learn one line style. Its decisions
are drawn on the host with NumPy (`sketch.choices`, through
`tf.numpy_function`), so `sketch.host` draws the same sketches without
TensorFlow; `sketch_from_choices` is the graph part alone.
"""

from __future__ import annotations

import tensorflow as tf

from keras_anime_cyclegan.config import SKETCH_STYLES
from keras_anime_cyclegan.sketch import ops
from keras_anime_cyclegan.sketch.choices import (
    FIELDS,
    GRADIENT_MAX_SIGMA,
    STYLE_ORDER,
    XDOG_MAX_SIGMA,
    F,
    draw_choices,
)

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
STYLES = STYLE_ORDER  # the named styles; config.SKETCH_STYLES adds "random"


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


def sketch_from_choices(images, choices, noise):
    """Sketches drawn as `choices` decide (`sketch.choices.draw_choice`, one row per image).

    Args:
        images: float32 [-1, 1] RGB, (N, H, W, 3) or (H, W, 3).
        choices: (N, len(choices.FIELDS)) float32, or (len(FIELDS),) for one image.
        noise: the grain's noise, (N, H, W) or (H, W).

    Returns:
        The sketches, same shape as `images`, float32 in [-1, 1].
    """
    batch, single = ops.as_batch(images)
    choices = tf.reshape(tf.convert_to_tensor(choices, tf.float32), [-1, len(FIELDS)])
    noise = tf.reshape(tf.convert_to_tensor(noise, tf.float32), tf.shape(batch)[:3])[..., tf.newaxis]
    c = {name: choices[:, i] for name, i in F.items()}
    gray = ops.luminance(batch)
    rgb01 = tf.clip_by_value((batch + 1.0) * 0.5, 0.0, 1.0)

    candidates = {
        "xdog": lambda: _xdog_paper(
            gray, sigma=c["xdog_sigma"], max_sigma=XDOG_MAX_SIGMA, gamma=c["xdog_gamma"], epsilon=c["xdog_epsilon"]
        ),
        "pencil": lambda: _pencil_paper(gray, gain=c["pencil_gain"], floor=c["pencil_floor"]),
        "gradient": lambda: _gradient_paper(
            rgb01, sigma=c["gradient_sigma"], max_sigma=GRADIENT_MAX_SIGMA, low=c["gradient_low"], high=c["gradient_high"]
        ),
    }
    style = tf.cast(c["style"], tf.int32)
    if single:
        # One picture (the input pipelines' case): only the chosen style and
        # steps are computed; the same ops as the batch's selections below.
        paper = tf.switch_case(style[0], [candidates[name] for name in STYLE_ORDER])
        paper.set_shape(gray.shape)

        def when(condition, step, x):
            return tf.cond(condition[0], lambda: step(x), lambda: x)

    else:
        stacked = tf.stack([candidates[name]() for name in STYLE_ORDER], axis=1)  # (N, styles, H, W, 1)
        paper = tf.gather(stacked, style, batch_dims=1)

        def when(condition, step, x):
            return _choose(condition, step(x), x)

    paper = when(c["binarize"] > 0.5, lambda p: ops.binarize(p, ops.otsu_threshold(p)), paper)
    # Line weight: a blend towards the eroded paper widens the ink by a
    # grey pixel each side; a blend towards the dilated paper thins it.
    paper = when(c["weight"] < 0, lambda p: 0.5 * (p + ops.erode(p)), paper)
    paper = when(c["weight"] > 0, lambda p: 0.5 * (p + ops.dilate(p)), paper)
    grain = tf.clip_by_value(1.0 + ops.per_image(c["grain"], paper) * noise, 0.0, 2.0)
    paper = 1.0 - (1.0 - paper) * grain
    return _sketch_output(paper, single)


def random_sketch(images, seed):
    """A sketch per image in a style and with parameters drawn at random.

    Per image: one of `STYLES` with jittered parameters; with probability
    1/4 an Otsu binarisation; with probability 1/2 a heavier or lighter
    line weight; always a mild grain on the ink (paper stays exactly
    white). The decisions are drawn with NumPy (`sketch.choices`), so the
    input path without TensorFlow (`sketch.host`) draws the same sketches.

    Args:
        images: float32 [-1, 1] RGB, (N, H, W, 3) or (H, W, 3).
        seed: an int or a pair of ints, or a shape-(2,) integer tensor
            (also inside `tf.data`). An int s is the pair (0, s).

    Returns:
        The sketches, same shape, float32 in [-1, 1].
    """
    batch, single = ops.as_batch(images)
    shape = tf.shape(batch)

    def draw(seed_value, n, h, w):
        return draw_choices(seed_value, int(n), int(h), int(w))

    choices, noise = tf.numpy_function(
        draw, [tf.cast(seed, tf.int64), shape[0], shape[1], shape[2]], [tf.float32, tf.float32], stateful=False
    )
    out = sketch_from_choices(batch, choices, noise)
    return out[0] if single else out
