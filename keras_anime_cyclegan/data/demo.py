"""The demo's data: synthetic sketches and colour images, unpaired."""

from __future__ import annotations

from keras_anime_cyclegan.data.sampling import TrainData, element_stream
from keras_anime_cyclegan.data.synthetic import synthetic_images
from keras_anime_cyclegan.utils.images import to_float


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

    def domain(images, domain_seed, start):
        return element_stream(len(images), domain_seed, start).map(
            lambda i, s: tf.image.stateless_random_flip_left_right(tf.gather(images, i), s)
        )

    def batches(start: int = 0):
        begin = start * batch_size
        return (
            tf.data.Dataset.zip((domain(train_sketches, seed, begin), domain(train_colors, seed + 1, begin)))
            .batch(batch_size, drop_remainder=True)
            .prefetch(tf.data.AUTOTUNE)
        )

    return TrainData(batches, half // batch_size, to_float(held_sketches), to_float(held_colors))
