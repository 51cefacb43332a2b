"""Image operations the sketch styles share, as batched TensorFlow ops.

Every function takes NHWC float32 tensors and works the same on CPU, GPU and
inside `tf.data`. Parameters that vary per image (a blur's sigma, a gain)
may be a scalar or a shape-(N,) tensor.
"""

from __future__ import annotations

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


def gaussian_blur(images, sigma):
    """Separable Gaussian blur of every channel, with mirrored borders.

    Each image may have its own sigma: the batch is folded into the channel
    axis so one depthwise convolution applies N different kernels.
    """
    n, h, w, c = (tf.shape(images)[i] for i in range(4))
    sigma = tf.reshape(per_image(sigma, images), [-1])
    # 3 sigma holds 99.7% of the mass; mirrored padding needs radius < side.
    radius = tf.cast(tf.math.ceil(3.0 * tf.reduce_max(sigma)), tf.int32)
    radius = tf.maximum(tf.minimum(radius, tf.minimum(h, w) - 1), 1)
    x = tf.cast(tf.range(-radius, radius + 1), tf.float32)
    kernel = tf.exp(-0.5 * tf.square(x[tf.newaxis, :] / sigma[:, tf.newaxis]))
    kernel = kernel / tf.reduce_sum(kernel, axis=1, keepdims=True)  # (N, K)
    kernel = tf.repeat(tf.transpose(kernel), c, axis=1)  # (K, N*C), image-major like the fold below

    folded = tf.reshape(tf.transpose(images, [1, 2, 0, 3]), [1, h, w, n * c])
    folded = tf.pad(folded, [[0, 0], [radius, radius], [radius, radius], [0, 0]], mode="SYMMETRIC")
    size = 2 * radius + 1
    folded = tf.nn.depthwise_conv2d(folded, tf.reshape(kernel, [size, 1, n * c, 1]), [1, 1, 1, 1], "VALID")
    folded = tf.nn.depthwise_conv2d(folded, tf.reshape(kernel, [1, size, n * c, 1]), [1, 1, 1, 1], "VALID")
    return tf.transpose(tf.reshape(folded, [h, w, n, c]), [2, 0, 1, 3])


def dilate(images, size: int = 3):
    """Grey-level dilation (local maximum) over a size x size square."""
    return tf.nn.max_pool2d(images, size, 1, "SAME")


def erode(images, size: int = 3):
    """Grey-level erosion (local minimum) over a size x size square."""
    return -tf.nn.max_pool2d(-images, size, 1, "SAME")


def sobel_magnitude(images):
    """Gradient magnitude per channel (Sobel, mirrored borders), for [0, 1] inputs."""
    padded = tf.pad(images, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="SYMMETRIC")
    edges = tf.image.sobel_edges(padded)[:, 1:-1, 1:-1]  # (N, H, W, C, 2)
    # Sobel weights sum to 4 per direction: /4 gives intensity change per pixel.
    return tf.norm(edges, axis=-1) / 4.0


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
