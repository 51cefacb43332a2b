"""The demo's data: synthetic sketches and colour images, unpaired."""

from __future__ import annotations

import numpy as np

from keras_anime_cyclegan.data.augment import domain_source, zip_sources
from keras_anime_cyclegan.data.sampling import TrainData
from keras_anime_cyclegan.data.synthetic import synthetic_images
from keras_anime_cyclegan.utils.images import to_float


def demo_data(image_size: int, batch_size: int, count: int, held_out: int, seed: int, pipeline: str = "auto") -> TrainData:
    """Synthetic unpaired training data plus held-out samples.

    Sketches come from one half of the generated illustrations and colour
    images from the other, so no sketch is ever shown with its own colour
    image. The held-out samples use other seeds. Pictures are flipped at
    random (they are generated at `image_size`: nothing to crop).
    """
    colors, sketches = synthetic_images(count, image_size, seed=seed)
    half = count // 2
    if half < batch_size:
        raise ValueError(f"demo_images={count} gives fewer than batch_size={batch_size} images per domain")
    source = zip_sources(
        domain_source(sketches, np.arange(half), image_size, seed, augment=True, synthesize=False),
        domain_source(colors, np.arange(half, count), image_size, seed + 1, augment=True, synthesize=False),
    )
    held_colors, held_sketches = synthetic_images(held_out, image_size, seed=seed + 7919)
    return TrainData(source, batch_size, half // batch_size, to_float(held_sketches), to_float(held_colors), pipeline)
