"""Decoding image folders once, to a fixed-size uint8 store.

Every file is decoded up front (threads, a progress bar) at CycleGAN's load
size (286 for 256 crops, scaled with `image_size`); bad files are skipped
here, with a warning naming each, so nothing in a running pipeline can fail
on one. The store lives in memory, or with `cache=FOLDER` in a
memory-mapped .npy file that later runs reuse without decoding.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Callable, Optional

import numpy as np
from PIL import Image

from keras_anime_cyclegan.data.decode import MAX_IMAGE_PIXELS, DecodedFolder, decode_files, find_images, resize_square

log = logging.getLogger("keras_anime_cyclegan.data")


def load_size(image_size: int) -> int:
    """CycleGAN resizes to 286 before 256 random crops; the same ratio at any size."""
    return int(round(image_size * 286 / 256))


def _cache_key(paths: list[Path], layout: str, size: int, max_pixels) -> str:
    files = [(str(p.resolve()), p.stat().st_size, p.stat().st_mtime_ns) for p in paths]
    text = json.dumps([layout, size, max_pixels, files])
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def decode_cached(
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


def require_images(folder, paths) -> list[Path]:
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
    paths = require_images(folder, find_images(folder))
    decoded = decode_cached(
        paths, lambda im: resize_square(im, size), "square", size, (size, size), max_pixels, cache, f"decoding {folder}"
    )
    if not len(decoded):
        raise ValueError(f"{folder}: none of its {len(paths)} image files could be decoded (warnings above)")
    return decoded


class StackedStores:
    """Image stores ((N, H, W, 3) arrays or memmaps of one picture size) read as one, row by row.

    Unlike `np.concatenate`, nothing is copied: a decode cache stays a
    memory map on disk (2,444 pictures at 286 px would otherwise be about
    600 MB of RAM).
    """

    def __init__(self, *stores):
        if len({tuple(s.shape[1:]) for s in stores}) != 1:
            raise ValueError(f"stores of different picture shapes: {[tuple(s.shape[1:]) for s in stores]}")
        self.stores = stores
        self.starts = np.cumsum([0] + [len(s) for s in stores])
        self.shape = (int(self.starts[-1]), *stores[0].shape[1:])

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, row: int) -> np.ndarray:
        if not 0 <= row < len(self):
            raise IndexError(f"row {row} of {len(self)}")
        k = int(np.searchsorted(self.starts, row, side="right")) - 1
        return self.stores[k][row - self.starts[k]]


def split_kaggle_pair(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sketch, colour) from one "Anime Sketch Colorization Pair" image.

    The Kaggle set stores each pair side by side: colour on the left half,
    sketch on the right. An odd middle column is dropped.
    """
    half = image.shape[1] // 2
    return image[:, half : 2 * half], image[:, :half]
