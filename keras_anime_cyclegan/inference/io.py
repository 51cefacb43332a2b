"""Reading a picture for inference: RGB for the model, alpha kept aside.

Training decodes onto white and drops alpha; inference must hand the alpha
back unchanged, so it splits it off here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Union

import numpy as np
from PIL import Image, ImageOps

from keras_anime_cyclegan.data.decode import to_rgb_or_rgba

ImageInput = Union[str, Path, Image.Image, np.ndarray]


def read_image(image: ImageInput) -> tuple[np.ndarray, Optional[np.ndarray]]:
    """(rgb, alpha) from a path, a PIL image or a uint8 array.

    rgb is (H, W, 3) uint8 with transparent parts composited on white (line
    art on a transparent layer reads as lines on white); alpha is (H, W)
    uint8, or None for an opaque picture. EXIF orientation is applied;
    16-bit, palette, grey, CMYK and other modes are converted.

    Raises:
        ValueError: the file or array is not a readable picture.
    """
    if isinstance(image, np.ndarray):
        return _split_alpha(_from_array(image))
    if isinstance(image, (str, Path)):
        try:
            with Image.open(image) as im:
                im.load()
                return read_image(im)
        except FileNotFoundError:
            raise
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
            raise ValueError(f"not a readable image ({e})") from e
    if isinstance(image, Image.Image):
        return _split_alpha(np.asarray(to_rgb_or_rgba(ImageOps.exif_transpose(image))))
    raise TypeError(f"expected a path, a PIL image or a uint8 array; got {type(image).__name__}")


def _from_array(a: np.ndarray) -> np.ndarray:
    if a.dtype != np.uint8:
        raise ValueError(f"expected a uint8 array; got {a.dtype}")
    if a.ndim == 2:
        a = a[..., None]
    if a.ndim != 3 or a.shape[-1] not in (1, 3, 4):
        raise ValueError(f"expected an (H, W), (H, W, 1), (H, W, 3) or (H, W, 4) array; got shape {a.shape}")
    return np.repeat(a, 3, axis=-1) if a.shape[-1] == 1 else a


def _split_alpha(a: np.ndarray) -> tuple[np.ndarray, Optional[np.ndarray]]:
    if a.shape[-1] == 3:
        return np.ascontiguousarray(a), None
    rgb, alpha = a[..., :3].astype(np.float32), a[..., 3]
    w = alpha[..., None].astype(np.float32) / 255.0
    on_white = np.round(rgb * w + 255.0 * (1.0 - w)).astype(np.uint8)
    return on_white, alpha.copy()
