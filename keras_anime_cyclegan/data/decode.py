"""Decoding the files a real image folder holds, one Pillow call path for all.

Every picture comes out as uint8 RGB (H, W, 3), whatever it was on disk:
RGBA / LA / transparent palette images are composited on white (anime PNGs
often have transparent backgrounds), palette and grey become RGB, 16-bit
is scaled to 8-bit, the EXIF orientation is applied, CMYK JPEGs become RGB,
and a GIF gives its first frame. A file that cannot give a picture raises
`UnreadableImage` with the reason; `decode_folder` turns those into
warnings and a skip count, so one bad file never stops a run.
"""

from __future__ import annotations

import logging
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import numpy as np
from PIL import Image, ImageOps
from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from keras_anime_cyclegan.config import MAX_IMAGE_PIXELS

log = logging.getLogger("keras_anime_cyclegan.data")

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif")
WHITE = (255, 255, 255)


class UnreadableImage(ValueError):
    """A file that gives no picture; the message says why."""


def find_images(folder: str | Path) -> list[Path]:
    """Image files under `folder`, searched recursively, in sorted order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such folder")
    return sorted(
        p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file()
    )


def to_rgb_or_rgba(im: Image.Image) -> Image.Image:
    """An 8-bit RGB image, or RGBA where the picture has transparency.

    16-bit grey is scaled from 0..65535 and float grey from 0..1; palette,
    grey, 1-bit, CMYK and YCbCr become RGB. Training composites the RGBA
    case on white (`_to_rgb`); inference keeps the alpha to hand it back.
    """
    if im.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        a = np.asarray(im, dtype=np.float64)
        im = Image.fromarray(np.clip(np.round(a / 257.0), 0, 255).astype(np.uint8))
    elif im.mode == "F":
        im = Image.fromarray(np.clip(np.round(np.asarray(im) * 255.0), 0, 255).astype(np.uint8))
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (im.mode in ("P", "L", "RGB") and "transparency" in im.info):
        return im.convert("RGBA")
    return im.convert("RGB")


def _to_rgb(im: Image.Image) -> Image.Image:
    im = to_rgb_or_rgba(im)
    if im.mode == "RGBA":
        return Image.alpha_composite(Image.new("RGBA", im.size, WHITE + (255,)), im).convert("RGB")
    return im


def open_rgb(path: str | Path, max_pixels: Optional[int] = MAX_IMAGE_PIXELS, min_size: Optional[tuple] = None) -> Image.Image:
    """One image file as an upright RGB Pillow image.

    Args:
        path: the file.
        max_pixels: refuse images with more pixels than this (read from the
            header, before any decoding); None for no limit.
        min_size: (width, height) the caller will shrink to; lets a JPEG
            decode at a reduced scale (much faster) but never below it.

    Raises:
        UnreadableImage: with the reason.
    """
    path = Path(path)
    try:
        if path.stat().st_size == 0:
            raise UnreadableImage("empty file (0 bytes)")
        with warnings.catch_warnings():
            # Our own limit decides; Pillow's warning would repeat it.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                pixels = im.width * im.height
                if max_pixels is not None and pixels > max_pixels:
                    raise UnreadableImage(
                        f"{im.width}x{im.height} = {pixels:,} pixels exceeds the limit of {max_pixels:,} "
                        "(a decompression bomb or an oversized image; raise max_pixels to load it)"
                    )
                if min_size is not None and im.format == "JPEG":
                    im.draft(None, tuple(min_size))
                im.seek(0)  # GIF/WebP animations: the first frame
                im.load()
                upright = ImageOps.exif_transpose(im)
                return _to_rgb(upright)
    except UnreadableImage:
        raise
    except Image.UnidentifiedImageError:
        raise UnreadableImage("not an image Pillow can identify") from None
    except Image.DecompressionBombError as e:
        raise UnreadableImage(f"refused as a decompression bomb by Pillow ({e})") from None
    except OSError as e:
        raise UnreadableImage(f"truncated or corrupt ({e})") from None
    except Exception as e:  # a bad file must never stop a run: any failure is a skip
        raise UnreadableImage(f"cannot decode ({type(e).__name__}: {e})") from None


def decode_image(path: str | Path, max_pixels: Optional[int] = MAX_IMAGE_PIXELS) -> np.ndarray:
    """One image file as uint8 RGB (H, W, 3), upright; see `open_rgb`."""
    return np.asarray(open_rgb(path, max_pixels))


def resize_square(im: Image.Image, size: int) -> np.ndarray:
    """Bicubic (antialiased) resize to size x size, as CycleGAN's load step."""
    return np.asarray(im.resize((size, size), Image.Resampling.BICUBIC, reducing_gap=3.0))


@dataclass
class DecodedFolder:
    """Pictures decoded from files, with the files that gave none."""

    images: np.ndarray  # uint8 (N, ...) in the order of `paths`
    paths: list[Path]
    skipped: list[tuple[Path, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.paths)


def decode_files(
    paths: list[Path],
    convert: Callable[[Image.Image], np.ndarray],
    max_pixels: Optional[int] = MAX_IMAGE_PIXELS,
    min_size: Optional[tuple] = None,
    desc: str = "decoding",
    workers: Optional[int] = None,
) -> DecodedFolder:
    """Decodes `paths` once each, in parallel threads, with a progress bar.

    `convert` turns each upright RGB image into a fixed-shape uint8 array
    (a resize, or a split into two halves). Files that fail are skipped
    with a warning naming the file and the reason, and the count is
    reported at the end.
    """

    def one(path):
        try:
            return convert(open_rgb(path, max_pixels, min_size)), None
        except UnreadableImage as e:
            return None, str(e)

    # Pillow releases the GIL while decoding and resizing: threads scale.
    workers = workers or min(8, os.cpu_count() or 1)
    images, kept, skipped = [], [], []
    # The warnings go through tqdm.write (logging_redirect_tqdm), which
    # prints them above the bar instead of into it.
    with ThreadPoolExecutor(workers) as pool, logging_redirect_tqdm():
        results = pool.map(one, paths)
        for path, (image, reason) in tqdm(zip(paths, results), total=len(paths), desc=desc, unit="img", disable=None):
            if reason is None:
                images.append(image)
                kept.append(path)
            else:
                log.warning("skipped %s: %s", path, reason)
                skipped.append((path, reason))
    if skipped:
        log.warning("%s: skipped %d of %d files (reasons above)", desc, len(skipped), len(paths))
    stacked = np.stack(images) if images else np.zeros((0, 0, 0, 3), np.uint8)
    return DecodedFolder(stacked, kept, skipped)
