"""The demo's data: synthetic sketches and colour images, unpaired."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from keras_anime_cyclegan.data.synthetic import synthetic_images
from keras_anime_cyclegan.utils.images import to_float


@dataclass
class TrainData:
    """What a training run consumes: the dataset and a few images to watch."""

    dataset: object  # tf.data.Dataset of (sketch, colour) batches in [-1, 1]
    steps_per_epoch: int
    sample_sketches: np.ndarray  # float32 [-1, 1], held out from training
    sample_colors: np.ndarray


def demo_data(image_size: int, batch_size: int, count: int, held_out: int, seed: int) -> TrainData:
    """Synthetic unpaired training data plus held-out samples.

    Sketches come from one half of the generated illustrations and colour
    images from the other, so no sketch is ever shown with its own colour
    image. The held-out samples use other seeds.
    """
    import tensorflow as tf

    colors, sketches = synthetic_images(count, image_size, seed=seed)
    half = count // 2
    if half < batch_size:
        raise ValueError(f"demo_images={count} gives fewer than batch_size={batch_size} images per domain")
    train_sketches, train_colors = to_float(sketches[:half]), to_float(colors[half:])
    held_colors, held_sketches = synthetic_images(held_out, image_size, seed=seed + 7919)

    def domain(images, domain_seed):
        ds = tf.data.Dataset.from_tensor_slices(images).shuffle(len(images), seed=domain_seed)
        return ds.map(lambda x: tf.image.random_flip_left_right(x, seed=domain_seed))

    dataset = (
        tf.data.Dataset.zip((domain(train_sketches, seed), domain(train_colors, seed + 1)))
        .batch(batch_size, drop_remainder=True)
        .prefetch(tf.data.AUTOTUNE)
    )
    return TrainData(dataset, half // batch_size, to_float(held_sketches), to_float(held_colors))
