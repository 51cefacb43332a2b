"""tf.data pipelines over image folders: unpaired for CycleGAN, paired for evaluation.

Every file is decoded once, up front (threads, a progress bar), to a
fixed-size uint8 store at CycleGAN's load size (286 for 256 crops, scaled
with `image_size`); bad files are skipped there, so nothing in the running
pipeline can fail on one. Each epoch then only crops, flips (and, for a
synthesised sketch domain, draws a sketch) with native TensorFlow ops in a
parallel map, prefetched. The store lives in memory, or with `cache=FOLDER`
in a memory-mapped .npy file that later runs reuse without decoding.

    >>> ds = unpaired_dataset("sketches/", "colors/", image_size=256, batch_size=1)
    >>> ds = unpaired_dataset("synthesize", "colors/")   # sketches made from colours
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Callable, Optional

import numpy as np
from PIL import Image

from keras_anime_cyclegan.config import HINT_DOT_RADIUS
from keras_anime_cyclegan.data.decode import (
    MAX_IMAGE_PIXELS,
    DecodedFolder,
    decode_files,
    find_images,
    resize_square,
)
from keras_anime_cyclegan.data.sampling import TrainData, element_stream
from keras_anime_cyclegan.utils.images import to_float

log = logging.getLogger("keras_anime_cyclegan.data")

SYNTHESIZE = "synthesize"


def load_size(image_size: int) -> int:
    """CycleGAN resizes to 286 before 256 random crops; the same ratio at any size."""
    return int(round(image_size * 286 / 256))


# === Decoding to a store ===


def _cache_key(paths: list[Path], layout: str, size: int, max_pixels) -> str:
    files = [(str(p.resolve()), p.stat().st_size, p.stat().st_mtime_ns) for p in paths]
    text = json.dumps([layout, size, max_pixels, files])
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _decode_cached(
    paths: list[Path],
    convert: Callable[[Image.Image], np.ndarray],
    layout: str,
    size: int,
    min_size: tuple,
    max_pixels,
    cache: Optional[str | Path],
    desc: str,
) -> DecodedFolder:
    if cache is None:
        return decode_files(paths, convert, max_pixels, min_size, desc)
    cache = Path(cache)
    key = _cache_key(paths, layout, size, max_pixels)
    array_file, index_file = cache / f"{key}.npy", cache / f"{key}.json"
    if array_file.exists() and index_file.exists():
        index = json.loads(index_file.read_text())
        skipped = [(Path(p), reason) for p, reason in index["skipped"]]
        for path, reason in skipped:
            log.warning("skipped %s: %s", path, reason)
        if skipped:
            log.warning("%s: skipped %d of %d files (cached decode; reasons above)", desc, len(skipped), len(paths))
        return DecodedFolder(np.load(array_file, mmap_mode="r"), [Path(p) for p in index["paths"]], skipped)
    decoded = decode_files(paths, convert, max_pixels, min_size, desc)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = cache / f"{key}.tmp.npy"
    np.save(tmp, decoded.images)
    tmp.replace(array_file)
    index_file.write_text(
        json.dumps({"paths": [str(p) for p in decoded.paths], "skipped": [[str(p), r] for p, r in decoded.skipped]})
    )
    return DecodedFolder(np.load(array_file, mmap_mode="r"), decoded.paths, decoded.skipped)


def _require_images(folder, paths) -> list[Path]:
    if not paths:
        raise FileNotFoundError(f"{folder}: no PNG, JPEG, WebP, BMP or GIF files found (searched recursively)")
    return paths


def decode_folder(
    folder: str | Path,
    size: int,
    max_pixels: Optional[int] = MAX_IMAGE_PIXELS,
    cache: Optional[str | Path] = None,
) -> DecodedFolder:
    """Every image under `folder`, decoded once and resized to size x size uint8."""
    paths = _require_images(folder, find_images(folder))
    decoded = _decode_cached(
        paths, lambda im: resize_square(im, size), "square", size, (size, size), max_pixels, cache, f"decoding {folder}"
    )
    if not len(decoded):
        raise ValueError(f"{folder}: none of its {len(paths)} image files could be decoded (warnings above)")
    return decoded


def split_kaggle_pair(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sketch, colour) from one "Anime Sketch Colorization Pair" image.

    The Kaggle set stores each pair side by side: colour on the left half,
    sketch on the right. An odd middle column is dropped.
    """
    half = image.shape[1] // 2
    return image[:, half : 2 * half], image[:, :half]


# === tf.data ===


def _to_float(images):
    import tensorflow as tf

    return tf.cast(images, tf.float32) / 127.5 - 1.0


def _fetch(store: np.ndarray, rows: np.ndarray):
    """A tf.data function: element i of the subset `rows` of a (memory-mapped) store."""
    import tensorflow as tf

    def read(i):
        return np.asarray(store[rows[i]])

    def fetch(i):
        image = tf.numpy_function(read, [i], tf.uint8, stateful=False)
        image.set_shape(store.shape[1:])
        return image

    return fetch


def _augment(images, image_size: int, seed, augment: bool):
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


def _domain(store, rows, start: int, image_size: int, seed: int, augment: bool, synthesize: bool):
    """The endless stream of float32 images from `store[rows]`, from element `start` on."""
    import tensorflow as tf

    from keras_anime_cyclegan.sketch import random_sketch

    fetch = _fetch(store, np.asarray(rows))

    def load(i, element_seed):
        crop_seed, sketch_seed = tf.unstack(tf.random.experimental.stateless_split(element_seed, 2))
        image = _augment(fetch(i), image_size, crop_seed, augment)
        return random_sketch(image, sketch_seed) if synthesize else image

    return element_stream(len(rows), seed, start).map(load, num_parallel_calls=tf.data.AUTOTUNE)


def _center(store, rows, image_size: int) -> np.ndarray:
    """Held-out images for the sample grids: centre crops, float32 [-1, 1]."""
    if not len(rows):
        return np.zeros((0, image_size, image_size, 3), np.float32)
    offset = (store.shape[1] - image_size) // 2
    crops = np.stack([store[r][offset : offset + image_size, offset : offset + image_size] for r in rows])
    return to_float(crops)


def _split(n: int, held_out: int, batch_size: int, seed: int, what: str) -> tuple[np.ndarray, np.ndarray]:
    if n < held_out + batch_size:
        raise ValueError(
            f"{what} has {n} usable images; training needs at least batch_size={batch_size} "
            f"plus held_out={held_out} for the sample grids"
        )
    order = np.random.default_rng(seed).permutation(n)
    return order[held_out:], order[:held_out]


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
) -> TrainData:
    """Unpaired (sketch, colour) batches, steps per epoch and held-out samples.

    See `unpaired_dataset` for the arguments; `held_out` images of each
    domain are kept out of training and returned as the samples. With
    `sketch_dir="synthesize"` the sample sketches are `xdog` drawings of
    held-out colour images from the sketch part.
    """
    import tensorflow as tf

    from keras_anime_cyclegan.sketch import xdog

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
    train_x, held_x = _split(len(sketch_part), held_out, batch_size, seed, where or str(sketch_dir))
    train_y, held_y = _split(len(color_part), held_out, batch_size, seed + 1, where or str(color_dir))
    train_x, held_x = sketch_part[train_x], sketch_part[held_x]
    train_y, held_y = color_part[train_y], color_part[held_y]

    def batches(start: int = 0):
        begin = start * batch_size
        return (
            tf.data.Dataset.zip(
                _domain(sketch_store, train_x, begin, image_size, seed, augment, synthesize),
                _domain(colors.images, train_y, begin, image_size, seed + 2, augment, False),
            )
            .batch(batch_size, drop_remainder=True)  # equal batches: every step and every replica sees batch_size images
            .prefetch(tf.data.AUTOTUNE)
        )

    # An epoch shows every image of the longer domain; the shorter one goes round faster.
    length = max(len(train_x), len(train_y))
    sample_sketches = _center(sketch_store, held_x, image_size)
    if synthesize and len(held_x):
        sample_sketches = xdog(sample_sketches).numpy()
    return TrainData(batches, length // batch_size, sample_sketches, _center(colors.images, held_y, image_size))


def unpaired_dataset(
    sketch_dir: str | Path,
    color_dir: str | Path,
    image_size: int = 256,
    batch_size: int = 1,
    seed: int = 0,
    augment: bool = True,
    cache: Optional[str | Path] = None,
    max_pixels: Optional[int] = MAX_IMAGE_PIXELS,
    sketch_fraction: float = 0.5,
):
    """An endless `tf.data.Dataset` of unpaired (sketch, colour) batches for
    `CycleGAN.fit` (give `fit` a `steps_per_epoch`; every pass is new).

    Args:
        sketch_dir: folder of line-art sketches, or "synthesize" to draw
            them (`kac.sketch.random_sketch`, new per epoch) from a disjoint
            `sketch_fraction` of the colour folder.
        color_dir: folder of colour illustrations.
        image_size: side of the square crops.
        batch_size: images per batch (the last partial batch is dropped).
        seed: makes shuffling, crops, flips and sketches reproducible.
        augment: resize to 286/256 * image_size, random crop, random flip;
            False gives centre crops.
        cache: folder for a reusable decoded store; None keeps it in memory.
        max_pixels: images with more pixels are refused unread.

    Both folders are searched recursively; each domain goes round its
    pictures in its own order. Batches are float32 in [-1, 1].
    Undecodable files are skipped with a warning naming each.

    Example:
        >>> ds = unpaired_dataset("synthesize", "colors/", image_size=64, batch_size=4)
        >>> sketches, colours = next(iter(ds))
    """
    return unpaired_training_data(
        sketch_dir, color_dir, image_size, batch_size, seed, 0, augment, cache, max_pixels, sketch_fraction
    ).batches(0)


def _by_name(folder, paths) -> dict:
    """{relative path without extension: index in `paths`}: how the two sides of a pair find each other."""
    return {Path(p).relative_to(folder).with_suffix("").as_posix(): i for i, p in enumerate(paths)}


def _common_names(keyed: list, sketch_dir, color_dir) -> list:
    """The names both sides have (sorted); a warning for files without a partner, an error for none."""
    common = sorted(set(keyed[0]) & set(keyed[1]))
    unmatched = len(keyed[0]) + len(keyed[1]) - 2 * len(common)
    if unmatched:
        log.warning("%d files in %s / %s have no partner of the same name; left out", unmatched, sketch_dir, color_dir)
    if not common:
        raise ValueError(f"{sketch_dir} and {color_dir} share no file names")
    return common


def paired_training_data(
    sketch_dir: str | Path,
    color_dir: str | Path,
    image_size: int = 256,
    batch_size: int = 1,
    seed: int = 0,
    held_out: int = 0,
    augment: bool = True,
    cache: Optional[str | Path] = None,
    max_pixels: Optional[int] = MAX_IMAGE_PIXELS,
    synthesized_sketches: float = 0.0,
    hint_channels: int = 0,
) -> TrainData:
    """Aligned (sketch, colour) training batches, steps per epoch and held-out samples.

    Files pair up by relative path without extension, as in
    `paired_dataset`; both sides get the same random crop and flip. A
    `synthesized_sketches` share of the training sketches (drawn anew per
    element) is `kac.sketch.random_sketch` of the colour crop instead of the
    artist's line art; `sketch_dir="synthesize"` makes it all of them.
    With `hint_channels` (4), each sketch carries colour hints sampled from
    its colour crop (`sample_hints`) as extra channels, for a generator
    that takes hints.
    """
    import tensorflow as tf

    from keras_anime_cyclegan.sketch import random_sketch

    size = load_size(image_size)
    colors = decode_folder(color_dir, size, max_pixels, cache)
    if str(sketch_dir) == SYNTHESIZE:
        sketches, synthesized_sketches = colors, 1.0
        names = list(range(len(colors.images)))
        rows = np.stack([names, names], axis=1)
    else:
        sketches = decode_folder(sketch_dir, size, max_pixels, cache)
        keys = [_by_name(folder, side.paths) for folder, side in ((sketch_dir, sketches), (color_dir, colors))]
        rows = np.array([[keys[0][n], keys[1][n]] for n in _common_names(keys, sketch_dir, color_dir)])
    train, held = _split(len(rows), held_out, batch_size, seed, f"{color_dir} (pairs)")
    fetch_x, fetch_y = _fetch(sketches.images, rows[train, 0]), _fetch(colors.images, rows[train, 1])

    def load(i, element_seed):
        crop_seed, sketch_seed, coin_seed = tf.unstack(tf.random.experimental.stateless_split(element_seed, 3))
        both = _augment(tf.concat([fetch_x(i), fetch_y(i)], axis=-1), image_size, crop_seed, augment)
        sketch, colour = both[..., :3], both[..., 3:]
        if synthesized_sketches > 0:
            coin = tf.random.stateless_uniform([], coin_seed)
            sketch = tf.cond(coin < synthesized_sketches, lambda: random_sketch(colour, sketch_seed), lambda: sketch)
        if hint_channels:
            hint_seed = tf.random.experimental.stateless_fold_in(coin_seed, 1)
            sketch = tf.concat([sketch, sample_hints(colour, hint_seed)], axis=-1)
        return sketch, colour

    def batches(start: int = 0):
        return (
            element_stream(len(train), seed + 1, start * batch_size)
            .map(load, num_parallel_calls=tf.data.AUTOTUNE)
            .batch(batch_size, drop_remainder=True)
            .prefetch(tf.data.AUTOTUNE)
        )

    samples_x = _center(sketches.images, rows[held, 0], image_size)
    samples_y = _center(colors.images, rows[held, 1], image_size)
    return TrainData(batches, len(train) // batch_size, samples_x, samples_y)


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


def folder_training_data(config) -> TrainData:
    """The `TrainData` an `ExperimentConfig` with folders asks for (used by `kac train`)."""
    d = config.data
    if not d.colors:
        raise ValueError("data.colors is not set: give a folder of colour illustrations")
    if d.paired:
        return paired_training_data(
            d.sketches or SYNTHESIZE, d.colors, image_size=config.image_size, batch_size=config.batch_size,
            seed=config.seed, held_out=d.held_out, cache=d.cache, max_pixels=d.max_pixels,
            synthesized_sketches=d.synthesized_sketches, hint_channels=config.generator.hint_channels,
        )
    if config.generator.hint_channels:
        raise ValueError("a generator with hint channels trains on aligned pairs: set data.paired=True")
    return unpaired_training_data(
        d.sketches or SYNTHESIZE,
        d.colors,
        image_size=config.image_size,
        batch_size=config.batch_size,
        seed=config.seed,
        held_out=d.held_out,
        cache=d.cache,
        max_pixels=d.max_pixels,
    )


# === Paired data, for evaluation and supervised baselines ===


def _paired_dataset(pairs: np.ndarray, image_size, batch_size, augment, shuffle, seed):
    """(N, 2, L, L, 3) uint8 [sketch, colour] pairs -> batches of (sketch, colour)."""
    import tensorflow as tf

    n = len(pairs)
    fetch = _fetch(pairs, np.arange(n))

    def load(i, element_seed):
        pair = fetch(i)  # (2, L, L, 3): crop and flip both alike
        both = _augment(tf.concat([pair[0], pair[1]], axis=-1), image_size, element_seed, augment)
        return both[..., :3], both[..., 3:]

    return (
        element_stream(n, seed, shuffle=shuffle)
        .take(n)
        .map(load, num_parallel_calls=tf.data.AUTOTUNE)
        .batch(batch_size)
        .prefetch(tf.data.AUTOTUNE)
    )


def paired_dataset(
    sketch_dir: str | Path,
    color_dir: str | Path,
    image_size: int = 256,
    batch_size: int = 1,
    augment: bool = False,
    shuffle: bool = False,
    seed: int = 0,
    max_pixels: Optional[int] = MAX_IMAGE_PIXELS,
):
    """(sketch, colour) batches from two folders whose files share names.

    Files pair up by relative path without extension (`a/001.png` with
    `a/001.jpg`); unmatched files and pairs with an undecodable side are
    left out with a warning. Without `augment`, images are resized to
    286/256 * image_size and centre-cropped, as at CycleGAN test time.
    """
    size = load_size(image_size)
    keyed = []
    for folder in (sketch_dir, color_dir):
        paths = _require_images(folder, find_images(folder))
        keyed.append({name: paths[i] for name, i in _by_name(folder, paths).items()})
    common = _common_names(keyed, sketch_dir, color_dir)
    images = []
    for folder, by_name in zip((sketch_dir, color_dir), keyed):
        side = decode_files(
            [by_name[name] for name in common], lambda im: resize_square(im, size), max_pixels, (size, size),
            f"decoding {folder}",
        )
        images.append({name: side.images[i] for name, i in _by_name(folder, side.paths).items()})
    names = [name for name in common if name in images[0] and name in images[1]]
    if not names:
        raise ValueError(f"{sketch_dir} / {color_dir}: no pair could be decoded on both sides")
    pairs = np.stack([np.stack([images[0][name], images[1][name]]) for name in names])
    return _paired_dataset(pairs, image_size, batch_size, augment, shuffle, seed)


def kaggle_pair_dataset(
    folder: str | Path,
    image_size: int = 256,
    batch_size: int = 1,
    augment: bool = False,
    shuffle: bool = False,
    seed: int = 0,
    max_pixels: Optional[int] = MAX_IMAGE_PIXELS,
):
    """(sketch, colour) batches from the Kaggle "Anime Sketch Colorization Pair" layout.

    Each file holds one pair side by side (colour left, sketch right; see
    `split_kaggle_pair`); each half is resized on its own, so no pixel of
    one side bleeds into the other.
    """
    size = load_size(image_size)

    def convert(im):
        sketch, colour = split_kaggle_pair(np.asarray(im))
        return np.stack([resize_square(Image.fromarray(half), size) for half in (sketch, colour)])

    paths = _require_images(folder, find_images(folder))
    decoded = decode_files(paths, convert, max_pixels, (2 * size, size), f"decoding {folder}")
    if not len(decoded):
        raise ValueError(f"{folder}: none of its {len(paths)} image files could be decoded (warnings above)")
    return _paired_dataset(decoded.images, image_size, batch_size, augment, shuffle, seed)
