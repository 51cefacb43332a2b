"""Colour hints sampled from the true colour picture, for training a generator that takes hints.

Drawn in NumPy (`draw_hints`: how many dots, their sizes, where along the
picture's position weights), made into hint channels in NumPy
(`hint_channels`) or TensorFlow (`tf_hint_channels`) with the same dots.
"""

from __future__ import annotations

import numpy as np

from keras_anime_cyclegan.config import HINT_DOT_RADIUS

MAX_HINTS = 30
NONE_SHARE = 0.4


def draw_hints(rng: np.random.Generator, max_hints: int = MAX_HINTS, none_share: float = NONE_SHARE,
               max_radius: int = HINT_DOT_RADIUS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """How many dots (none with probability `none_share`, else 1 to `max_hints`), each one's radius (1 to
    `max_radius`) and a uniform number placing it: (count, (P,) radii, (P,) float64 places)."""
    count = rng.integers(1, max_hints + 1)
    count = 0 if rng.uniform() < none_share else count
    places = rng.uniform(size=max_hints)
    radii = rng.integers(1, max_radius + 1, size=max_hints)
    return np.int32(count), radii.astype(np.int32), places


def position_weights(coloured: np.ndarray) -> np.ndarray:
    """Integer weights of the pixels as dot positions: the coloured ones (not near-white paper) weigh 9 times
    the paper in all. Integers, so both input paths' cumulative sums are exact and pick the same pixels."""
    count = np.int64(coloured.sum())
    if count == 0:
        return np.ones(coloured.size, np.int64)
    return np.where(coloured.ravel(), count + 9 * coloured.size, count).astype(np.int64)


def dot_positions(colour: np.ndarray, places: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of the dots placed at `places` (uniform in [0, 1)) along the position weights."""
    h, w = colour.shape[:2]
    cdf = np.cumsum(position_weights(colour.min(axis=-1) < 0.8))
    flat = np.minimum(np.searchsorted(cdf, np.floor(places * cdf[-1]).astype(np.int64), side="right"), h * w - 1)
    return flat // w, flat % w


def hint_channels(colour: np.ndarray, count, radii, places) -> np.ndarray:
    """(H, W, 4) float32 hints from a [-1, 1] colour picture: each dot the mean colour under it (overlaps
    averaged), RGB in [-1, 1] (0 outside dots) and a 0/1 mask."""
    h, w = colour.shape[:2]
    ys, xs = dot_positions(colour, places)
    total = np.zeros((h, w, 3), np.float32)
    cover = np.zeros((h, w, 1), np.float32)
    for y, x, r in zip(ys[: int(count)], xs[: int(count)], radii[: int(count)]):
        box = (slice(max(0, y - r), y + r + 1), slice(max(0, x - r), x + r + 1))
        total[box] += colour[box].mean(axis=(0, 1), dtype=np.float32)
        cover[box] += 1.0
    return np.concatenate([total / np.maximum(cover, 1.0), np.minimum(cover, 1.0)], axis=-1)


def tf_hint_channels(colour, count, radii, places):
    """`hint_channels` as TensorFlow ops, for the tf.data path."""
    import tensorflow as tf

    h, w = colour.shape[0], colour.shape[1]
    coloured = tf.reshape(tf.reduce_min(colour, axis=-1) < 0.8, [-1])
    n_coloured = tf.reduce_sum(tf.cast(coloured, tf.int64))
    weights = tf.where(coloured, n_coloured + 9 * h * w, n_coloured)
    weights = tf.where(n_coloured > 0, weights, tf.ones_like(weights))
    cdf = tf.cumsum(weights)
    targets = tf.cast(tf.floor(places * tf.cast(cdf[-1], tf.float64)), tf.int64)
    flat = tf.minimum(tf.searchsorted(cdf, targets, side="right", out_type=tf.int64), h * w - 1)
    ys, xs = flat // w, flat % w
    max_hints = radii.shape[0]
    radii = tf.cast(radii, tf.int64)[:, None]
    # A square dot is a row band times a column band: box sums are
    # products of (P, H) and (P, W) masks with the picture, matrix products
    # instead of (P, H, W) boxes.
    active = tf.cast(tf.range(max_hints) < count, tf.float32)[:, None]
    rows = tf.cast(tf.abs(tf.range(h, dtype=tf.int64)[None, :] - ys[:, None]) <= radii, tf.float32) * active
    cols = tf.cast(tf.abs(tf.range(w, dtype=tf.int64)[None, :] - xs[:, None]) <= radii, tf.float32)
    sums = tf.einsum("ph,hwc,pw->pc", rows, colour, cols)
    means = sums / tf.maximum(tf.reduce_sum(rows, 1, keepdims=True) * tf.reduce_sum(cols, 1, keepdims=True), 1.0)
    cover = tf.einsum("ph,pw->hw", rows, cols)[..., None]  # (H, W, 1)
    rgb = tf.einsum("ph,pw,pc->hwc", rows, cols, means) / tf.maximum(cover, 1.0)
    return tf.concat([rgb, tf.minimum(cover, 1.0)], axis=-1)


def sample_hints(colour, seed, max_hints: int = MAX_HINTS, none_share: float = NONE_SHARE,
                 max_radius: int = HINT_DOT_RADIUS):
    """Colour hints sampled from a colour picture, as users would give them: (H, W, 4) float32.

    With probability `none_share` no hints; otherwise 1 to `max_hints`
    square dots, (2r+1) pixels wide for r in 1 .. `max_radius`, each the
    mean colour of the picture under it. Dots land where artists put them:
    nine in ten inside the coloured areas (not near-white paper), the rest
    anywhere. Channels: hint RGB in [-1, 1] (0 outside hints) and a 0/1 mask.

    `colour` is a [-1, 1] (H, W, 3) array; `seed` an int or a pair of ints.
    NumPy in, NumPy out; the training pipelines draw the same dots per element.
    """
    from keras_anime_cyclegan.sketch.choices import seed_generator

    colour = np.asarray(colour, np.float32)
    return hint_channels(colour, *draw_hints(seed_generator(seed), max_hints, none_share, max_radius))
