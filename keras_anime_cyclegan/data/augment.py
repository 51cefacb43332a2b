"""One training element at a time (tf.data): fetched from a decoded store,
cropped and flipped as CycleGAN does, held-out samples centre-cropped.

What the unpaired and the paired pipelines share; TensorFlow is imported
when a pipeline is built, not with the package.
"""

from __future__ import annotations

import numpy as np

from keras_anime_cyclegan.data.sampling import element_stream
from keras_anime_cyclegan.utils.images import to_float


def _to_float(images):
    import tensorflow as tf

    return tf.cast(images, tf.float32) / 127.5 - 1.0


def fetch_from(store: np.ndarray, rows: np.ndarray):
    """A tf.data function: element i of the subset `rows` of a (memory-mapped) store."""
    import tensorflow as tf

    def read(i):
        return np.asarray(store[rows[i]])

    def fetch(i):
        image = tf.numpy_function(read, [i], tf.uint8, stateful=False)
        image.set_shape(store.shape[1:])
        return image

    return fetch


def crop_and_flip(images, image_size: int, seed, augment: bool):
    """CycleGAN's augmentation: a random crop and a random horizontal flip.

    `images` is (L, L, C) uint8; channels may hold a sketch and its colour
    side by side, so both get the same crop and flip.
    """
    import tensorflow as tf

    channels = images.shape[-1]
    if augment:
        crop_seed, flip_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
        images = tf.image.stateless_random_crop(images, [image_size, image_size, channels], crop_seed)
        images = tf.image.stateless_random_flip_left_right(images, flip_seed)
    else:
        offset = (images.shape[0] - image_size) // 2
        images = images[offset : offset + image_size, offset : offset + image_size]
    return _to_float(images)


def domain_stream(store, rows, start: int, image_size: int, seed: int, augment: bool, synthesize: bool):
    """The endless stream of float32 images from `store[rows]`, from element `start` on."""
    import tensorflow as tf

    from keras_anime_cyclegan.sketch import random_sketch

    fetch = fetch_from(store, np.asarray(rows))

    def load(i, element_seed):
        crop_seed, sketch_seed = tf.unstack(tf.random.experimental.stateless_split(element_seed, 2))
        image = crop_and_flip(fetch(i), image_size, crop_seed, augment)
        return random_sketch(image, sketch_seed) if synthesize else image

    return element_stream(len(rows), seed, start).map(load, num_parallel_calls=tf.data.AUTOTUNE)


def center_crops(store, rows, image_size: int) -> np.ndarray:
    """Held-out images for the sample grids: centre crops, float32 [-1, 1]."""
    if not len(rows):
        return np.zeros((0, image_size, image_size, 3), np.float32)
    offset = (store.shape[1] - image_size) // 2
    crops = np.stack([store[r][offset : offset + image_size, offset : offset + image_size] for r in rows])
    return to_float(crops)


def split_held_out(n: int, held_out: int, batch_size: int, seed: int, what: str) -> tuple[np.ndarray, np.ndarray]:
    if n < held_out + batch_size:
        raise ValueError(
            f"{what} has {n} usable images; training needs at least batch_size={batch_size} "
            f"plus held_out={held_out} for the sample grids"
        )
    order = np.random.default_rng(seed).permutation(n)
    return order[held_out:], order[:held_out]
