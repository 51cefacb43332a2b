"""Image operations the sketch styles share, as batched TensorFlow ops.

Every function takes NHWC float32 tensors and works the same on CPU, GPU and
inside `tf.data`. Parameters that vary per image (a blur's sigma, a gain)
may be a scalar or a shape-(N,) tensor.
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf


def as_batch(images):
    """float32 NHWC and whether a batch axis was added (for a single HWC image)."""
    images = tf.convert_to_tensor(images, tf.float32)
    if images.shape.rank == 3:
        return images[tf.newaxis], True
    if images.shape.rank != 4:
        raise ValueError(f"expected an HWC image or an NHWC batch; got shape {images.shape}")
    return images, False


def luminance(images):
    """[-1, 1] RGB (N, H, W, 3) -> [0, 1] grey (N, H, W, 1), Rec. 601 weights."""
    return tf.image.rgb_to_grayscale(tf.clip_by_value((images + 1.0) * 0.5, 0.0, 1.0))


def per_image(value, images):
    """A scalar or (N,) parameter as an (N, 1, 1, 1) tensor that broadcasts over images."""
    value = tf.convert_to_tensor(value, tf.float32)
    return tf.broadcast_to(tf.reshape(value, [-1, 1, 1, 1]), [tf.shape(images)[0], 1, 1, 1])


# Filters below are sums and maxima of shifted slices, not convolutions: on
# CPU, TensorFlow's conv and pool kernels run one-channel images several
# times slower than the same arithmetic written elementwise.


def _pad(images, radius: int, axis: int):
    """Mirrored padding of `radius` pixels on both sides of axis 1 (rows) or 2 (columns)."""
    paddings = [[0, 0], [0, 0], [0, 0], [0, 0]]
    paddings[axis] = [radius, radius]
    return tf.pad(images, paddings, mode="SYMMETRIC")


def _window(padded, offset: int, length, axis: int):
    return padded[:, offset : offset + length] if axis == 1 else padded[:, :, offset : offset + length]


def _weighted_shifts(images, weights, axis: int):
    """Correlation along one axis with a (K,) or per-image (N, K) kernel."""
    size = weights.shape[-1]
    radius = size // 2
    length = tf.shape(images)[axis]
    padded = _pad(images, radius, axis)
    weights = tf.reshape(weights, [-1, size, 1, 1, 1])
    return tf.add_n([weights[:, o] * _window(padded, o, length, axis) for o in range(size)])


def _max_shifts(images, size: int, axis: int):
    radius = size // 2
    length = tf.shape(images)[axis]
    padded = _pad(images, radius, axis)
    out = _window(padded, 0, length, axis)
    for o in range(1, 2 * radius + 1):
        out = tf.maximum(out, _window(padded, o, length, axis))
    return out


def static_max(value) -> float | None:
    """The largest value of a parameter if known while tracing, else None."""
    known = tf.get_static_value(value) if tf.is_tensor(value) else value
    return None if known is None else float(np.max(known))


def gaussian_blur(images, sigma, max_sigma: float | None = None):
    """Separable Gaussian blur of every channel, with mirrored borders.

    Args:
        images: (N, H, W, C) float32.
        sigma: standard deviation in pixels; a scalar or one per image.
        max_sigma: an upper bound on `sigma`, needed when `sigma` is a
            tensor whose value is not known while tracing: it fixes the
            kernel size (3 sigma each side holds 99.7% of the mass).
    """
    if max_sigma is None:
        max_sigma = static_max(sigma)
        if max_sigma is None:
            raise ValueError("gaussian_blur: sigma is not known while tracing; pass max_sigma")
    radius = max(1, int(math.ceil(3.0 * float(max_sigma))))
    # Mirrored padding cannot exceed the image; a wider kernel adds nothing then.
    sides = [d for d in images.shape[1:3] if d is not None]
    if sides:
        radius = min(radius, min(sides))
    sigma = tf.reshape(per_image(sigma, images), [-1, 1])
    x = tf.cast(tf.range(-radius, radius + 1), tf.float32)[tf.newaxis]
    kernel = tf.exp(-0.5 * tf.square(x / sigma))
    kernel = kernel / tf.reduce_sum(kernel, axis=1, keepdims=True)  # (N, K)
    return _weighted_shifts(_weighted_shifts(images, kernel, axis=1), kernel, axis=2)


def dilate(images, size: int = 3):
    """Grey-level dilation (local maximum) over a size x size square."""
    return _max_shifts(_max_shifts(images, size, axis=1), size, axis=2)


def erode(images, size: int = 3):
    """Grey-level erosion (local minimum) over a size x size square."""
    return -dilate(-images, size)


def sobel_magnitude(images):
    """Gradient magnitude per channel (Sobel, mirrored borders), for [0, 1] inputs."""
    # Smoothing normalised to 1, so the magnitude is the intensity change
    # across two pixels (a step from 0 to 1 scores 1).
    smooth = tf.constant([1.0, 2.0, 1.0]) / 4.0
    diff = tf.constant([-1.0, 0.0, 1.0])
    gx = _weighted_shifts(_weighted_shifts(images, smooth, axis=1), diff, axis=2)
    gy = _weighted_shifts(_weighted_shifts(images, diff, axis=1), smooth, axis=2)
    return tf.sqrt(tf.square(gx) + tf.square(gy) + 1e-12)


def otsu_threshold(gray):
    """Per-image Otsu threshold of [0, 1] grey images (N, H, W, 1) -> (N,).

    Picks the level that maximises the between-class variance of a
    256-bin histogram. A uniform image gets threshold 0.5, which leaves
    white paper white.
    """
    n = tf.shape(gray)[0]
    bins = tf.cast(tf.clip_by_value(tf.round(gray * 255.0), 0, 255), tf.int32)
    hist = tf.cast(tf.math.bincount(tf.reshape(bins, [n, -1]), minlength=256, maxlength=256, axis=-1), tf.float32)
    p = hist / tf.reduce_sum(hist, axis=1, keepdims=True)
    levels = tf.range(256, dtype=tf.float32) / 255.0
    w0 = tf.cumsum(p, axis=1)  # mass at or below each level
    mu0 = tf.cumsum(p * levels, axis=1)
    mu = mu0[:, -1:]
    between = tf.square(mu * w0 - mu0) / tf.maximum(w0 * (1.0 - w0), 1e-12)
    # Levels in an empty gap between the modes all score the maximum: take
    # the middle of that plateau, not its first level.
    best = between >= tf.reduce_max(between, axis=1, keepdims=True) * (1.0 - 1e-6)
    first = tf.argmax(tf.cast(best, tf.int32), axis=1)
    last = 255 - tf.argmax(tf.cast(best[:, ::-1], tf.int32), axis=1)
    return tf.cast(first + last, tf.float32) / (2.0 * 255.0)


def binarize(gray, threshold):
    """Paper (1) above the per-image threshold, ink (0) at or below it."""
    return tf.cast(gray > per_image(threshold, gray), tf.float32)
