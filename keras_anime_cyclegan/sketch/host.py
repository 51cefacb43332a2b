"""The random sketch styles in NumPy and SciPy, one picture at a time.

The same arithmetic as the TensorFlow styles (`sketch.styles`, `sketch.ops`),
for the training input path that runs without TensorFlow
(`data.sampling`): same kernels (sizes fixed by the same bounds), the same
mirrored borders (SciPy's "reflect" is TensorFlow's "SYMMETRIC"), the same
decisions (`sketch.choices`). What differs is the order of float32 sums;
`tests/test_input_paths.py` states how far that can move a pixel.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from keras_anime_cyclegan.sketch.choices import F, GRADIENT_MAX_SIGMA, STYLE_ORDER, XDOG_MAX_SIGMA

GREY_WEIGHTS = np.array([0.2989, 0.5870, 0.1140], np.float32)  # tf.image.rgb_to_grayscale's
XDOG_LIGHTNESS = 100.0
XDOG_K = 1.6


def grey(rgb01: np.ndarray) -> np.ndarray:
    """[0, 1] RGB (H, W, 3) -> (H, W) grey, Rec. 601 weights."""
    return rgb01 @ GREY_WEIGHTS


def gaussian_blur(image: np.ndarray, sigma: float, max_sigma: float) -> np.ndarray:
    """Separable Gaussian over the first two axes; the kernel's size comes from `max_sigma`, as in `ops.gaussian_blur`."""
    radius = min(max(1, int(math.ceil(3.0 * float(max_sigma)))), *image.shape[:2])
    x = np.arange(-radius, radius + 1, dtype=np.float32)
    kernel = np.exp(np.float32(-0.5) * np.square(x / np.float32(sigma)))
    kernel /= kernel.sum()
    out = ndimage.correlate1d(image, kernel, axis=0, mode="reflect")
    return ndimage.correlate1d(out, kernel, axis=1, mode="reflect")


def dilate(image: np.ndarray, size: int = 3) -> np.ndarray:
    return ndimage.maximum_filter(image, size=size, mode="reflect")


def erode(image: np.ndarray, size: int = 3) -> np.ndarray:
    return ndimage.minimum_filter(image, size=size, mode="reflect")


def sobel_magnitude(image: np.ndarray) -> np.ndarray:
    """Per-channel gradient magnitude of (H, W, C) [0, 1] images, as `ops.sobel_magnitude`."""
    smooth = np.array([1.0, 2.0, 1.0], np.float32) / 4.0
    diff = np.array([-1.0, 0.0, 1.0], np.float32)
    gx = ndimage.correlate1d(ndimage.correlate1d(image, smooth, axis=0, mode="reflect"), diff, axis=1, mode="reflect")
    gy = ndimage.correlate1d(ndimage.correlate1d(image, diff, axis=0, mode="reflect"), smooth, axis=1, mode="reflect")
    return np.sqrt(gx * gx + gy * gy + np.float32(1e-12))


def otsu_threshold(gray: np.ndarray) -> float:
    """Otsu's level of a [0, 1] grey image, with `ops.otsu_threshold`'s plateau rule."""
    bins = np.clip(np.round(gray * 255.0), 0, 255).astype(np.int64)
    p = (np.bincount(bins.ravel(), minlength=256).astype(np.float32) / np.float32(bins.size)).astype(np.float32)
    levels = np.arange(256, dtype=np.float32) / np.float32(255.0)
    w0 = np.cumsum(p, dtype=np.float32)
    mu0 = np.cumsum(p * levels, dtype=np.float32)
    between = np.square(mu0[-1] * w0 - mu0) / np.maximum(w0 * (1.0 - w0), np.float32(1e-12))
    best = np.flatnonzero(between >= between.max() * np.float32(1.0 - 1e-6))
    return float(best[0] + best[-1]) / (2.0 * 255.0)


def xdog_paper(gray, sigma, gamma, epsilon, phi=200.0, max_sigma=XDOG_MAX_SIGMA):
    lightness = gray * np.float32(XDOG_LIGHTNESS)
    dog = gaussian_blur(lightness, sigma, max_sigma) - np.float32(gamma) * gaussian_blur(
        lightness, XDOG_K * np.float32(sigma), max_sigma * XDOG_K
    )
    return np.where(dog >= epsilon, np.float32(1.0), 1.0 + np.tanh(np.float32(phi) * (dog - np.float32(epsilon))))


def _sketch_output(paper: np.ndarray) -> np.ndarray:
    out = np.clip(paper, 0.0, 1.0) * 2.0 - 1.0
    return np.repeat(out[..., None], 3, axis=-1).astype(np.float32)


def xdog(image: np.ndarray, sigma=0.8, gamma=0.98, epsilon=-0.1) -> np.ndarray:
    """`sketch.xdog` with its default parameters, for one [-1, 1] RGB picture (H, W, 3)."""
    rgb01 = np.clip((image.astype(np.float32) + 1.0) * 0.5, 0.0, 1.0)
    return _sketch_output(xdog_paper(grey(rgb01), sigma, gamma, epsilon, max_sigma=sigma))


def pencil_paper(gray, gain, floor, size=5):
    contrast = dilate(gray, size) - gray
    return 1.0 - np.clip((contrast - np.float32(floor)) * np.float32(gain), 0.0, 1.0)


def gradient_paper(rgb01, sigma, low, high, side_sigma=2.0):
    magnitude = sobel_magnitude(gaussian_blur(rgb01, sigma, GRADIENT_MAX_SIGMA)).max(axis=-1)
    edge = np.clip((magnitude - np.float32(low)) / np.float32(high - low), 0.0, 1.0)
    g = grey(rgb01)
    darker_side = np.clip(0.5 + 10.0 * (gaussian_blur(g, side_sigma, side_sigma) - g), 0.0, 1.0)
    return 1.0 - edge * darker_side


def sketch_from_choice(image: np.ndarray, choice: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """One [-1, 1] RGB picture (H, W, 3) drawn as the sketch `choice` decides (`sketch.choices`).

    Only the chosen style is computed (the TensorFlow op computes all three
    and picks one: a graph has no cheaper branch per picture).
    """
    c = {name: float(choice[i]) for name, i in F.items()}
    rgb01 = np.clip((image.astype(np.float32) + 1.0) * 0.5, 0.0, 1.0)
    style = STYLE_ORDER[int(c["style"])]
    if style == "xdog":
        paper = xdog_paper(grey(rgb01), c["xdog_sigma"], c["xdog_gamma"], c["xdog_epsilon"])
    elif style == "pencil":
        paper = pencil_paper(grey(rgb01), c["pencil_gain"], c["pencil_floor"])
    else:
        paper = gradient_paper(rgb01, c["gradient_sigma"], c["gradient_low"], c["gradient_high"])
    paper = paper.astype(np.float32)
    if c["binarize"]:
        paper = (paper > otsu_threshold(paper)).astype(np.float32)
    if c["weight"] < 0:
        paper = 0.5 * (paper + erode(paper))
    elif c["weight"] > 0:
        paper = 0.5 * (paper + dilate(paper))
    grain = np.clip(1.0 + np.float32(c["grain"]) * noise, 0.0, 2.0)
    return _sketch_output(1.0 - (1.0 - paper) * grain)
