"""One training picture at a time: fetched from a decoded store, cropped and
flipped as CycleGAN does, sketched when the domain is synthesised; held-out
samples centre-cropped.

The crops and flips are drawn and cut in NumPy (`draw_crop`, `crop`), for
both input paths (`data.sampling`); `domain_source` is the stream of one
domain's pictures. TensorFlow is imported only by `finish_tf`.
"""

from __future__ import annotations

import numpy as np

from keras_anime_cyclegan.data.sampling import ElementSource, element_generator, stream_index
from keras_anime_cyclegan.sketch.choices import FIELDS, draw_choice
from keras_anime_cyclegan.sketch.host import sketch_from_choice
from keras_anime_cyclegan.utils.images import to_float


def draw_crop(rng: np.random.Generator, load: int, size: int, augment: bool) -> tuple[int, int, bool]:
    """CycleGAN's augmentation, drawn: a random size x size window of the load x load picture and a coin for a
    horizontal flip; without `augment` the centre and no flip."""
    if not augment:
        offset = (load - size) // 2
        return offset, offset, False
    y, x = rng.integers(0, load - size + 1, size=2)
    return int(y), int(x), bool(rng.uniform() < 0.5)


def crop(image: np.ndarray, y: int, x: int, size: int, flip: bool) -> np.ndarray:
    """The window (y, x) of `image` (H, W, C), mirrored left-right with `flip`: a contiguous copy."""
    window = image[y : y + size, x : x + size]
    return np.ascontiguousarray(window[:, ::-1] if flip else window)


def tf_to_float(images):
    import tensorflow as tf

    return tf.cast(images, tf.float32) / 127.5 - 1.0


def domain_source(store, rows, image_size: int, seed: int, augment: bool, synthesize: bool) -> ElementSource:
    """The endless stream of one domain's float32 pictures from `store[rows]`.

    With `synthesize`, each crop is drawn as a sketch (`sketch.random_sketch`'s
    decisions, new for every element).
    """
    rows = np.asarray(rows)
    load, channels = store.shape[1], store.shape[-1]

    def draw(k):
        rng = element_generator(seed, k)
        y, x, flip = draw_crop(rng, load, image_size, augment)
        picture = crop(np.asarray(store[rows[stream_index(len(rows), seed, k)]]), y, x, image_size, flip)
        if not synthesize:
            return (picture,)
        choice, noise = draw_choice(rng, image_size, image_size)
        return picture, choice, noise

    def finish_numpy(picture, choice=None, noise=None):
        image = to_float(picture)
        if synthesize:
            image = sketch_from_choice(image, choice, noise)
        return (image,)

    def finish_tf(picture, choice=None, noise=None):
        image = tf_to_float(picture)
        if synthesize:
            from keras_anime_cyclegan.sketch.styles import sketch_from_choices

            image = sketch_from_choices(image, choice, noise)
        return (image,)

    picture = ((np.uint8,), ((image_size, image_size, channels),))
    drawn = ((np.float32, np.float32), ((len(FIELDS),), (image_size, image_size))) if synthesize else ((), ())
    return ElementSource(draw, picture[0] + drawn[0], picture[1] + drawn[1], finish_numpy, finish_tf)


def zip_sources(*sources: ElementSource) -> ElementSource:
    """One source whose element k is every source's element k, side by side (a pair of domains)."""
    counts = [len(s.dtypes) for s in sources]
    bounds = np.cumsum([0] + counts)

    def split(arrays):
        return [arrays[a:b] for a, b in zip(bounds[:-1], bounds[1:])]

    return ElementSource(
        draw=lambda k: sum((s.draw(k) for s in sources), ()),
        dtypes=sum((s.dtypes for s in sources), ()),
        shapes=sum((s.shapes for s in sources), ()),
        finish_numpy=lambda *a: sum((s.finish_numpy(*part) for s, part in zip(sources, split(a))), ()),
        finish_tf=lambda *a: sum((tuple(s.finish_tf(*part)) for s, part in zip(sources, split(a))), ()),
    )


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
