"""Unpaired (sketch, colour) training data for CycleGAN: two folders, or one
colour folder whose other part is drawn as sketches.

    >>> ds = unpaired_dataset("sketches/", "colors/", image_size=256, batch_size=1)
    >>> ds = unpaired_dataset("synthesize", "colors/")   # sketches made from colours
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np

from keras_anime_cyclegan.config import SYNTHESIZE
from keras_anime_cyclegan.data.augment import center_crops, domain_source, split_held_out, zip_sources
from keras_anime_cyclegan.data.decode import MAX_IMAGE_PIXELS
from keras_anime_cyclegan.data.sampling import TrainData
from keras_anime_cyclegan.data.store import decode_folder, load_size


def unpaired_training_data(
    sketch_dir: str | Path,
    color_dir: str | Path,
    image_size: int = 256,
    batch_size: int = 1,
    seed: int = 0,
    held_out: int = 0,
    augment: bool = True,
    cache: Optional[str | Path] = None,
    max_pixels: Optional[int] = MAX_IMAGE_PIXELS,
    sketch_fraction: float = 0.5,
    pipeline: str = "auto",
) -> TrainData:
    """Unpaired (sketch, colour) batches, steps per epoch and held-out samples.

    Args:
        sketch_dir: folder of line-art sketches, or "synthesize" to draw
            them (`kac.sketch.random_sketch`, new per epoch) from a disjoint
            `sketch_fraction` of the colour folder.
        color_dir: folder of colour illustrations.
        image_size: side of the square crops.
        batch_size: images per batch (the last partial batch is dropped).
        seed: makes shuffling, crops, flips and sketches reproducible.
        held_out: images of each domain kept out of training and returned
            as the samples; with `sketch_dir="synthesize"` the sample
            sketches are `xdog` drawings of held-out colour images.
        augment: resize to 286/256 * image_size, random crop, random flip;
            False gives centre crops.
        cache: folder for a reusable decoded store; None keeps it in memory.
        max_pixels: images with more pixels are refused unread.
        pipeline: "tf.data", "numpy" (no TensorFlow needed) or "auto"
            (tf.data where TensorFlow is installed); see `data.sampling`.

    Both folders are searched recursively; each domain goes round its
    pictures in its own order. Batches are float32 in [-1, 1].
    Undecodable files are skipped with a warning naming each.
    """
    from keras_anime_cyclegan.sketch.host import xdog

    size = load_size(image_size)
    colors = decode_folder(color_dir, size, max_pixels, cache)
    synthesize = str(sketch_dir) == SYNTHESIZE
    if synthesize:
        # The sketch domain comes from a disjoint part of the colour folder:
        # the model never sees a colour image together with its own sketch.
        if not 0 < sketch_fraction < 1:
            raise ValueError(f"sketch_fraction must be between 0 and 1; got {sketch_fraction}")
        order = np.random.default_rng(seed + 17).permutation(len(colors))
        cut = int(round(len(order) * sketch_fraction))
        sketch_store, sketch_part, color_part = colors.images, order[:cut], order[cut:]
    else:
        sketches = decode_folder(sketch_dir, size, max_pixels, cache)
        sketch_store, sketch_part, color_part = sketches.images, np.arange(len(sketches)), np.arange(len(colors))
    where = f"{color_dir} (split for synthesis)" if synthesize else None
    train_x, held_x = split_held_out(len(sketch_part), held_out, batch_size, seed, where or str(sketch_dir))
    train_y, held_y = split_held_out(len(color_part), held_out, batch_size, seed + 1, where or str(color_dir))
    train_x, held_x = sketch_part[train_x], sketch_part[held_x]
    train_y, held_y = color_part[train_y], color_part[held_y]

    source = zip_sources(
        domain_source(sketch_store, train_x, image_size, seed, augment, synthesize),
        domain_source(colors.images, train_y, image_size, seed + 2, augment, False),
    )
    # An epoch shows every image of the longer domain; the shorter one goes round faster.
    length = max(len(train_x), len(train_y))
    sample_sketches = center_crops(sketch_store, held_x, image_size)
    if synthesize and len(held_x):
        sample_sketches = np.stack([xdog(image) for image in sample_sketches])
    return TrainData(
        source, batch_size, length // batch_size, sample_sketches, center_crops(colors.images, held_y, image_size),
        pipeline,
    )


def unpaired_dataset(sketch_dir: str | Path, color_dir: str | Path, **options):
    """An endless stream of unpaired (sketch, colour) batches for `CycleGAN.fit`
    (give `fit` a `steps_per_epoch`; every pass is new): a `tf.data.Dataset`,
    or with `pipeline="numpy"` a generator of NumPy arrays.

    `options` are those of `unpaired_training_data` but `held_out` (every
    image trains).

    Example:
        >>> ds = unpaired_dataset("synthesize", "colors/", image_size=64, batch_size=4)
        >>> sketches, colours = next(iter(ds))
    """
    return unpaired_training_data(sketch_dir, color_dir, held_out=0, **options).batches(0)
