"""Colour hints sampled from the true colour picture, for training a generator that takes hints."""

from __future__ import annotations

from keras_anime_cyclegan.config import HINT_DOT_RADIUS


def sample_hints(colour, seed, max_hints: int = 30, none_share: float = 0.4, max_radius: int = HINT_DOT_RADIUS):
    """Colour hints sampled from a colour picture, as users would give them: (H, W, 4) float32.

    With probability `none_share` no hints; otherwise 1 to `max_hints`
    square dots, (2r+1) pixels wide for r in 1 .. `max_radius`, each the
    mean colour of the picture under it. Dots land where artists put them:
    nine in ten inside the coloured areas (not near-white paper), the rest
    anywhere. Channels: hint RGB in [-1, 1] (0 outside hints) and a 0/1 mask.
    """
    import tensorflow as tf

    h, w = colour.shape[0], colour.shape[1]
    s = tf.unstack(tf.random.experimental.stateless_split(seed, 6))
    n = tf.random.stateless_uniform([], s[0], 1, max_hints + 1, tf.int32)
    n = tf.where(tf.random.stateless_uniform([], s[1]) < none_share, 0, n)
    # Position logits: coloured pixels (not near-white: some channel below
    # 0.8 in [-1, 1], about 230/255) weigh 9 times the paper in all.
    coloured = tf.cast(tf.reduce_min(tf.reshape(colour, [-1, 3]), axis=-1) < 0.8, tf.float32)
    share = tf.maximum(tf.reduce_mean(coloured), 1e-6)
    weights = 0.1 / tf.cast(h * w, tf.float32) + 0.9 * coloured / (share * tf.cast(h * w, tf.float32))
    flat = tf.random.stateless_categorical(tf.math.log(weights)[None], max_hints, s[2], dtype=tf.int32)[0]
    ys, xs = flat // w, flat % w
    r = tf.random.stateless_uniform([max_hints], s[4], 1, max_radius + 1, tf.int32)
    active = tf.range(max_hints) < n
    inside_y = tf.abs(tf.range(h)[None, :] - ys[:, None]) <= r[:, None]  # (P, H)
    inside_x = tf.abs(tf.range(w)[None, :] - xs[:, None]) <= r[:, None]  # (P, W)
    boxes = inside_y[:, :, None] & inside_x[:, None, :] & active[:, None, None]
    boxes = tf.cast(boxes, tf.float32)[..., None]  # (P, H, W, 1)
    means = tf.reduce_sum(boxes * colour[None], axis=[1, 2]) / tf.maximum(tf.reduce_sum(boxes, axis=[1, 2]), 1.0)
    cover = tf.reduce_sum(boxes, axis=0)  # (H, W, 1)
    rgb = tf.reduce_sum(boxes * means[:, None, None, :], axis=0) / tf.maximum(cover, 1.0)
    return tf.concat([rgb, tf.minimum(cover, 1.0)], axis=-1)
