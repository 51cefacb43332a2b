"""Reference pictures for `Colorizer.colorize(reference=...)`: read, checked, prepared once.

A reference is a coloured picture of the character(s) a sketch shows (a
path, a PIL image or a uint8 array; a list for several characters). Its
line art, when the artist has it, may come along as `reference_lines` (one
per reference, the same size). Each is prepared once
(`paint.reference.prepare_reference`) however many pages use it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence, Union

import numpy as np
from PIL import Image

from keras_anime_cyclegan.inference.io import ImageInput, read_image
from keras_anime_cyclegan.paint.reference import Reference, prepare_reference

References = Union[None, ImageInput, Sequence[ImageInput]]


def as_list(references: References) -> list:
    """One reference or a list/tuple of them, as a list (None: empty)."""
    if references is None:
        return []
    if isinstance(references, (list, tuple)):
        return list(references)
    return [references]


def _name(item) -> str:
    if isinstance(item, (str, Path)):
        return str(item)
    return f"reference {type(item).__name__}"


class ReferenceCache:
    """Prepared references, keyed by path (or by the object itself), so a
    reference shared by many pages is read and prepared once."""

    def __init__(self):
        self._prepared: dict = {}

    def get(self, references: References, lines: References = None) -> list[Reference]:
        refs, line_list = as_list(references), as_list(lines)
        if line_list and len(line_list) != len(refs):
            raise ValueError(f"reference_lines: {len(line_list)} line pictures for {len(refs)} references (one each)")
        out = []
        for i, ref in enumerate(refs):
            line = line_list[i] if line_list else None
            key = (_key(ref), _key(line))
            if key not in self._prepared:
                self._prepared[key] = _prepare(ref, line)
            out.append(self._prepared[key])
        return out


def _key(item):
    if item is None:
        return None
    if isinstance(item, (str, Path)):
        return ("path", str(Path(item).resolve()))
    return ("object", id(item))


def _read(item, what: str) -> tuple[np.ndarray, np.ndarray]:
    name = _name(item)
    try:
        return read_image(item)
    except FileNotFoundError:
        raise FileNotFoundError(f"{name}: no such {what}") from None
    except (ValueError, TypeError) as e:
        raise ValueError(f"{name}: {what}: {e}") from None


def _prepare(item: ImageInput, lines) -> Reference:
    rgb, alpha = _read(item, "reference picture")
    line_rgb = None
    if lines is not None:
        line_rgb, _ = _read(lines, "reference line art")
        if line_rgb.shape[:2] != rgb.shape[:2]:
            size = (rgb.shape[1], rgb.shape[0])
            raise ValueError(
                f"{_name(lines)}: reference line art is {line_rgb.shape[1]}x{line_rgb.shape[0]}, "
                f"its reference {size[0]}x{size[1]} (they must be the same size)"
            )
    if min(rgb.shape[:2]) < 8:
        raise ValueError(f"{_name(item)}: a reference picture needs at least 8x8 pixels; got {rgb.shape[1]}x{rgb.shape[0]}")
    return prepare_reference(rgb, alpha, line_rgb, source=_name(item))


def confidence_map(labels: np.ndarray, confidence: np.ndarray) -> Image.Image:
    """PIL "L": each pixel its region's match confidence (0-255)."""
    table = np.round(np.clip(confidence, 0, 1) * 255).astype(np.uint8)
    return Image.fromarray(table[labels], "L")
