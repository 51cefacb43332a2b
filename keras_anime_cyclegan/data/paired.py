"""Aligned (line art, colour) pairs: for paired training (with hints) and for
evaluation, from two folders whose files share names or from the Kaggle
side-by-side layout.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Optional

import numpy as np
from PIL import Image

from keras_anime_cyclegan.config import SYNTHESIZE
from keras_anime_cyclegan.data.augment import center_crops, crop, draw_crop, split_held_out, tf_to_float
from keras_anime_cyclegan.data.decode import MAX_IMAGE_PIXELS, decode_files, find_images, resize_square
from keras_anime_cyclegan.data.hints import MAX_HINTS, draw_hints, tf_hint_channels
from keras_anime_cyclegan.data.hints import hint_channels as numpy_hint_channels
from keras_anime_cyclegan.data.sampling import ElementSource, TrainData, element_generator, stream_index, tf_elements
from keras_anime_cyclegan.data.store import (
    StackedStores,
    decode_folder,
    load_size,
    require_images,
    split_kaggle_pair,
)
from keras_anime_cyclegan.sketch.choices import FIELDS, draw_choice
from keras_anime_cyclegan.sketch.host import sketch_from_choice
from keras_anime_cyclegan.sketch.real import outline_fills, real_sketch
from keras_anime_cyclegan.utils.images import to_float

log = logging.getLogger("keras_anime_cyclegan.data")


def files_by_name(folder, paths) -> dict:
    """{relative path without extension: index in `paths`}: how the two sides of a pair find each other."""
    return {Path(p).relative_to(folder).with_suffix("").as_posix(): i for i, p in enumerate(paths)}


def common_names(keyed: list, sketch_dir, color_dir) -> list:
    """The names both sides have (sorted); a warning for files without a partner, an error for none."""
    common = sorted(set(keyed[0]) & set(keyed[1]))
    unmatched = len(keyed[0]) + len(keyed[1]) - 2 * len(common)
    if unmatched:
        log.warning("%d files in %s / %s have no partner of the same name; left out", unmatched, sketch_dir, color_dir)
    if not common:
        raise ValueError(f"{sketch_dir} and {color_dir} share no file names")
    return common


EDGE_STEP = 24  # a colour step (0-255, any channel) between neighbours that a drawn sketch would show
MIN_EDGES = 0.005  # a colour crop with fewer such pixels has nothing to draw


def has_edges(colour: np.ndarray) -> bool:
    """Whether a uint8 colour crop has at least `MIN_EDGES` of its pixels at a colour step over `EDGE_STEP`."""
    c = colour.astype(np.int16)
    steps = (np.abs(c[1:, :-1] - c[:-1, :-1]).max(-1) > EDGE_STEP) | (np.abs(c[:-1, 1:] - c[:-1, :-1]).max(-1) > EDGE_STEP)
    return bool(steps.mean() >= MIN_EDGES)


def pair_source(
    sketch_store, colour_store, rows, image_size: int, seed: int, augment: bool,
    synthesized_sketches: float = 0.0, hint_channels: int = 0, real_sketches: float = 0.0, outline: bool = False,
) -> ElementSource:
    """The endless stream of aligned (sketch, colour) pairs `rows` ((N, 2) store rows): both sides get the
    same crop and flip; a `real_sketches` share of the artist's sketches is made to look like a real sketch
    (`sketch.real`, in the NumPy half: both input paths see the same); a `synthesized_sketches` share of
    the sketches is drawn from the colour crop instead; with `hint_channels`, hints sampled from the
    colour crop follow the sketch's channels. With `outline`, the artist's black fills are drawn as their
    outlines first (`sketch.real.outline_fills`), once per picture, on the whole picture. A row whose
    sketch row is -1 is a colour picture without line art: its sketch is always synthesised. With
    `real_sketches`, each sketch also carries the line art before the traits as 3 last channels (after
    any hints): F's target, so that F learns clean lines while G learns to colour real-looking ones."""
    load = colour_store.shape[1]
    synthesize = synthesized_sketches > 0 or bool((rows[:, 0] < 0).any())

    @lru_cache(maxsize=None)  # the same for every crop of a picture: not worked out again each epoch
    def outlined(row: int) -> np.ndarray:
        return outline_fills(np.asarray(sketch_store[row]))

    def artist_lines(row: int) -> np.ndarray:
        return outlined(row) if outline else np.asarray(sketch_store[row])

    def draw(k):
        rng = element_generator(seed, k)
        y, x, flip = draw_crop(rng, load, image_size, augment)
        first = i = stream_index(len(rows), seed, k)
        colour = crop(np.asarray(colour_store[rows[i, 1]]), y, x, image_size, flip)
        for step in range(1, len(rows)):
            if rows[i, 0] >= 0 or has_edges(colour):
                break
            # A crop of a picture without line art that has nothing to draw (a smooth gradient) would give
            # a blank sketch: a constant input that teaches G nothing and that instance normalisation
            # turns into overflowing gradients. The next picture in the stream stands in for it.
            i = (first + step) % len(rows)
            colour = crop(np.asarray(colour_store[rows[i, 1]]), y, x, image_size, flip)
        lined = rows[i, 0] >= 0
        sketch = crop(artist_lines(int(rows[i, 0])), y, x, image_size, flip) if lined else colour
        clean = sketch
        if real_sketches and rng.uniform() < real_sketches and lined:
            sketch = real_sketch(sketch, colour, rng)
        drawn = (sketch, colour, clean) if real_sketches else (sketch, colour)
        if synthesize:
            coin = rng.uniform() < synthesized_sketches or not lined
            drawn += (np.bool_(coin), *draw_choice(rng, image_size, image_size))
        if hint_channels:
            drawn += draw_hints(rng)
        return drawn

    def finish_numpy(sketch, colour, *drawn):
        clean, drawn = (to_float(drawn[0]), drawn[1:]) if real_sketches else (None, drawn)
        sketch, colour = to_float(sketch), to_float(colour)
        if synthesize:
            coin, choice, noise, drawn = *drawn[:3], drawn[3:]
            if coin:
                sketch = sketch_from_choice(colour, choice, noise)
                clean = sketch if real_sketches else None
        if hint_channels:
            sketch = np.concatenate([sketch, numpy_hint_channels(colour, *drawn)], axis=-1)
        if clean is not None:
            sketch = np.concatenate([sketch, clean], axis=-1)
        return sketch, colour

    def finish_tf(sketch, colour, *drawn):
        import tensorflow as tf

        from keras_anime_cyclegan.sketch.styles import sketch_from_choices

        clean, drawn = (tf_to_float(drawn[0]), drawn[1:]) if real_sketches else (None, drawn)
        sketch, colour = tf_to_float(sketch), tf_to_float(colour)
        if synthesize:
            coin, choice, noise, drawn = *drawn[:3], drawn[3:]
            drawn_sketch = tf.cond(coin, lambda: sketch_from_choices(colour, choice, noise), lambda: sketch)
            if clean is not None:
                clean = tf.where(coin, drawn_sketch, clean)
            sketch = drawn_sketch
        if hint_channels:
            sketch = tf.concat([sketch, tf_hint_channels(colour, *drawn)], axis=-1)
        if clean is not None:
            sketch = tf.concat([sketch, clean], axis=-1)
        return sketch, colour

    picture = (image_size, image_size, 3)
    dtypes, shapes = (np.uint8, np.uint8), (picture, picture)
    if real_sketches:
        dtypes, shapes = dtypes + (np.uint8,), shapes + (picture,)
    if synthesize:
        dtypes += (np.bool_, np.float32, np.float32)
        shapes += ((), (len(FIELDS),), (image_size, image_size))
    if hint_channels:
        dtypes += (np.int32, np.int32, np.float64)
        shapes += ((), (MAX_HINTS,), (MAX_HINTS,))
    return ElementSource(draw, dtypes, shapes, finish_numpy, finish_tf)


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
    pipeline: str = "auto",
    real_sketches: float = 0.0,
    outline_fills: bool = False,
    unlined_colors: Optional[str | Path] = None,
) -> TrainData:
    """Aligned (sketch, colour) training batches, steps per epoch and held-out samples.

    Files pair up by relative path without extension, as in
    `paired_dataset`; both sides get the same random crop and flip. A
    `synthesized_sketches` share of the training sketches (drawn anew per
    element) is `kac.sketch.random_sketch` of the colour crop instead of the
    artist's line art; `sketch_dir="synthesize"` makes it all of them.
    With `hint_channels` (4), each sketch carries colour hints sampled from
    its colour crop (`sample_hints`) as extra channels, for a generator
    that takes hints. A `real_sketches` share of the artist's sketches is
    made to look like a real sketch first (`kac.sketch.real.real_sketch`:
    pencil, gaps, double strokes, hatching, paper, blur, JPEG); with
    `outline_fills` the artist's black fills become their outlines before
    that. `unlined_colors` is a folder of colour pictures without line art
    (`kac data svg-colours`): they join the training pairs (never the
    held-out samples), their sketches always synthesised. `pipeline` is as
    in `unpaired_training_data`.
    """
    size = load_size(image_size)
    colors = decode_folder(color_dir, size, max_pixels, cache)
    if str(sketch_dir) == SYNTHESIZE:
        sketches, synthesized_sketches = colors, 1.0
        real_sketches, outline_fills = 0.0, False  # no artist's lines to degrade
        names = list(range(len(colors.images)))
        rows = np.stack([names, names], axis=1)
    else:
        sketches = decode_folder(sketch_dir, size, max_pixels, cache)
        keys = [files_by_name(folder, side.paths) for folder, side in ((sketch_dir, sketches), (color_dir, colors))]
        rows = np.array([[keys[0][n], keys[1][n]] for n in common_names(keys, sketch_dir, color_dir)])
    train, held = split_held_out(len(rows), held_out, batch_size, seed, f"{color_dir} (pairs)")
    colour_images, train_rows = colors.images, rows[train]
    if unlined_colors:
        extra = decode_folder(unlined_colors, size, max_pixels, cache).images
        colour_images = StackedStores(colors.images, extra)
        added = np.stack([np.full(len(extra), -1), len(colors.images) + np.arange(len(extra))], axis=1)
        train_rows = np.concatenate([train_rows, added])
    source = pair_source(
        sketches.images, colour_images, train_rows, image_size, seed + 1, augment, synthesized_sketches, hint_channels,
        real_sketches, outline_fills,
    )
    samples_x = center_crops(sketches.images, rows[held, 0], image_size)
    samples_y = center_crops(colors.images, rows[held, 1], image_size)
    return TrainData(source, batch_size, len(train_rows) // batch_size, samples_x, samples_y, pipeline)


def _paired_dataset(
    pairs: np.ndarray, image_size: int, batch_size: int = 1, augment: bool = False, shuffle: bool = False, seed: int = 0
):
    """(N, 2, L, L, 3) uint8 [sketch, colour] pairs -> one pass of (sketch, colour) batches (tf.data)."""
    import tensorflow as tf

    n = len(pairs)
    load = pairs.shape[2]

    def draw(k):
        y, x, flip = draw_crop(element_generator(seed, k), load, image_size, augment)
        pair = pairs[stream_index(n, seed, k, shuffle)]
        return crop(pair[0], y, x, image_size, flip), crop(pair[1], y, x, image_size, flip)

    picture = (image_size, image_size, 3)
    source = ElementSource(
        draw, (np.uint8, np.uint8), (picture, picture), lambda a, b: (to_float(a), to_float(b)),
        lambda a, b: (tf_to_float(a), tf_to_float(b)),
    )
    return tf_elements(source).take(n).batch(batch_size).prefetch(tf.data.AUTOTUNE)


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
        paths = require_images(folder, find_images(folder))
        keyed.append({name: paths[i] for name, i in files_by_name(folder, paths).items()})
    common = common_names(keyed, sketch_dir, color_dir)
    images = []
    for folder, by_name in zip((sketch_dir, color_dir), keyed):
        side = decode_files(
            [by_name[name] for name in common], lambda im: resize_square(im, size), max_pixels, (size, size),
            f"decoding {folder}",
        )
        images.append({name: side.images[i] for name, i in files_by_name(folder, side.paths).items()})
    names = [name for name in common if name in images[0] and name in images[1]]
    if not names:
        raise ValueError(f"{sketch_dir} / {color_dir}: no pair could be decoded on both sides")
    pairs = np.stack([np.stack([images[0][name], images[1][name]]) for name in names])
    return _paired_dataset(pairs, image_size, batch_size, augment, shuffle, seed)


def kaggle_pair_dataset(
    folder: str | Path, image_size: int = 256, max_pixels: Optional[int] = MAX_IMAGE_PIXELS, **batching
):
    """(sketch, colour) batches from the Kaggle "Anime Sketch Colorization Pair" layout.

    `batching` takes `batch_size`, `augment`, `shuffle` and `seed`, as
    `paired_dataset` does.

    Each file holds one pair side by side (colour left, sketch right; see
    `split_kaggle_pair`); each half is resized on its own, so no pixel of
    one side bleeds into the other.
    """
    size = load_size(image_size)

    def convert(im):
        sketch, colour = split_kaggle_pair(np.asarray(im))
        return np.stack([resize_square(Image.fromarray(half), size) for half in (sketch, colour)])

    paths = require_images(folder, find_images(folder))
    decoded = decode_files(paths, convert, max_pixels, (2 * size, size), f"decoding {folder}")
    if not len(decoded):
        raise ValueError(f"{folder}: none of its {len(paths)} image files could be decoded (warnings above)")
    return _paired_dataset(decoded.images, image_size, **batching)
