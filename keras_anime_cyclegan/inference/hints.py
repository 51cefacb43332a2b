"""Colour hints: the artist's dots and strokes, as the generator's extra input.

A hint generator (`GeneratorConfig.hint_channels = 4`) takes, after the
sketch's RGB, the hint colour (RGB in [-1, 1], 0 where there is no hint)
and a 0/1 mask; all zero means no hints. Training samples small square
dots of the true colours (`data.hints.sample_hints`), so a point hint
here is drawn the same way: a square of `DOT_RADIUS` pixels around the
point, at the resolution the model sees.

Hints come as:
- a list of `(x, y, colour)`: x and y are pixels of the picture when ints,
  fractions of its width and height when floats in [0, 1]; colour is
  "#rrggbb", "#rgb", a CSS colour name or an (r, g, b) tuple of 0-255;
- an RGBA hint layer (a PNG path, a PIL image or an (H, W, 4) uint8 array)
  the size of the picture: its opaque pixels (alpha >= 128) are hints of
  their own colour, transparent ones are not;
- a JSON file (`read_hint_file`), for the command line.

Every problem is a ValueError of one line naming the hint (and the file).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence, Union

import numpy as np
from PIL import Image, ImageColor

from keras_anime_cyclegan.config import HINT_CHANNELS, HINT_DOT_RADIUS
from keras_anime_cyclegan.utils.images import to_float

DOT_RADIUS = HINT_DOT_RADIUS  # a (2r+1)-pixel square, the largest dot training samples
ALPHA_THRESHOLD = 128

Point = tuple  # (x, y, colour)
Hints = Union[None, Sequence[Point], str, Path, Image.Image, np.ndarray]


def parse_colour(colour, where: str = "hint") -> tuple[int, int, int]:
    """(r, g, b) 0-255 from "#rrggbb", "#rgb", a CSS name or an RGB tuple."""
    if isinstance(colour, str):
        try:
            return ImageColor.getrgb(colour)[:3]
        except ValueError:
            raise ValueError(f"{where}: {colour!r} is not a colour (use #rrggbb, #rgb or a CSS name)") from None
    if (
        isinstance(colour, (tuple, list))
        and len(colour) == 3
        and all(isinstance(c, (int, np.integer)) and 0 <= c <= 255 for c in colour)
    ):
        return tuple(int(c) for c in colour)
    raise ValueError(f"{where}: {colour!r} is not a colour (use #rrggbb, #rgb, a CSS name or (r, g, b) of 0-255)")


def _coordinate(value, length: int, axis: str, where: str) -> float:
    """A pixel position (0 .. length) from pixels (int) or a fraction (float in [0, 1])."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{where}: {axis} = {value!r} is not a number")
    if isinstance(value, (float, np.floating)):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{where}: {axis} = {value} is a fraction outside [0, 1] (pixels are whole numbers)")
        return float(value) * length
    if not 0 <= value < length:
        raise ValueError(f"{where}: {axis} = {value} is outside the picture (0 to {length - 1} pixels)")
    return float(value) + 0.5


def check_points(points, size: tuple[int, int], source: str = "hints") -> list[tuple[float, float, tuple]]:
    """[(x, y, rgb)] with x, y in pixels of a picture of `size` (width, height), checked."""
    if not isinstance(points, (list, tuple)):
        raise ValueError(f"{source}: expected a list of [x, y, colour] hints, got {type(points).__name__}")
    width, height = size
    checked = []
    for i, point in enumerate(points, 1):
        where = f"{source}: hint {i}"
        if not isinstance(point, (list, tuple)) or len(point) != 3:
            raise ValueError(f"{where}: {point!r} is not [x, y, colour]")
        x, y, colour = point
        checked.append(
            (_coordinate(x, width, "x", where), _coordinate(y, height, "y", where), parse_colour(colour, where))
        )
    return checked


def read_layer(layer, size: tuple[int, int], source: str = "hint layer") -> np.ndarray:
    """An RGBA hint layer as (H, W, 4) uint8, checked against the picture's `size` (width, height)."""
    if isinstance(layer, (str, Path)):
        source = str(layer)
        try:
            with Image.open(layer) as im:
                layer = im.convert("RGBA")
        except (OSError, ValueError) as e:
            raise ValueError(f"{source}: not a readable picture ({e})") from None
    if isinstance(layer, Image.Image):
        layer = np.asarray(layer.convert("RGBA"))
    layer = np.asarray(layer)
    if layer.ndim != 3 or layer.shape[-1] != 4 or layer.dtype != np.uint8:
        raise ValueError(f"{source}: a hint layer is RGBA uint8 (H, W, 4); got {layer.dtype} {layer.shape}")
    if (layer.shape[1], layer.shape[0]) != tuple(size):
        raise ValueError(
            f"{source}: the hint layer is {layer.shape[1]}x{layer.shape[0]}, the picture {size[0]}x{size[1]}"
        )
    return layer


def hint_channels(hints: Hints, size: tuple[int, int], model_size: tuple[int, int], source: str = "hints") -> np.ndarray:
    """The generator's hint input for a picture of `size` seen by the model at `model_size`.

    Both sizes are (width, height). Returns (H, W, 4) float32 at
    `model_size`: hint RGB in [-1, 1] and a 0/1 mask; zeros for no hints.
    """
    mw, mh = model_size
    out = np.zeros((mh, mw, HINT_CHANNELS), np.float32)
    layer, points = _read_hints(hints, size, source)
    if layer is not None:
        if (mw, mh) != tuple(size):
            layer = np.asarray(Image.fromarray(layer).resize((mw, mh), Image.NEAREST))
        mask = layer[..., 3] >= ALPHA_THRESHOLD
        out[mask, :3] = to_float(layer[mask, :3])
        out[mask, 3] = 1.0
        return out
    sx, sy = mw / size[0], mh / size[1]
    for x, y, rgb in points:
        cx, cy = min(int(x * sx), mw - 1), min(int(y * sy), mh - 1)
        ys = slice(max(cy - DOT_RADIUS, 0), cy + DOT_RADIUS + 1)
        xs = slice(max(cx - DOT_RADIUS, 0), cx + DOT_RADIUS + 1)
        out[ys, xs, :3] = to_float(np.asarray(rgb, np.uint8))
        out[ys, xs, 3] = 1.0
    return out


def paint_hints(hints: Hints, size: tuple[int, int], model_size: tuple[int, int], source: str = "hints") -> list:
    """The hints as the paint stages take them (`paint.colours.Hint`), in pixels of a picture of `size`.

    A point is a dot at its own position, as wide as the dot G sees at
    `model_size` (both sizes (width, height)); a hint layer gives one stroke
    per connected patch of one colour.
    """
    from scipy import ndimage

    from keras_anime_cyclegan.paint.colours import Hint

    layer, points = _read_hints(hints, size, source)
    if layer is not None:
        opaque = layer[..., 3] >= ALPHA_THRESHOLD
        rgb = layer[..., :3].astype(np.int32) @ np.int32([1 << 16, 1 << 8, 1])
        strokes = []
        for code in np.unique(rgb[opaque]):
            patches, n = ndimage.label(opaque & (rgb == code), structure=np.ones((3, 3), bool))
            colour = (int(code) >> 16, (int(code) >> 8) & 255, int(code) & 255)
            for ys, xs in _patch_pixels(patches, n):
                strokes.append(Hint(colour, pixels=(ys, xs)))
        return strokes
    radius = DOT_RADIUS * max(size[0] / model_size[0], size[1] / model_size[1])
    return [Hint(rgb, x, y, radius) for x, y, rgb in points]


def _read_hints(hints: Hints, size: tuple[int, int], source: str):
    """(layer, points) of any form of hints for a picture of `size`: an RGBA
    layer checked against the size (points None), or checked points in
    pixels (layer None); no hints give no points."""
    if hints is None:
        return None, []
    if isinstance(hints, (str, Path)) and Path(hints).suffix.lower() == ".json":
        source = str(hints)
        hints = read_hint_file(hints)[None]
    if isinstance(hints, (str, Path, Image.Image, np.ndarray)):
        return read_layer(hints, size), None
    return None, check_points(hints, size, source)


def _patch_pixels(patches: np.ndarray, n: int):
    """(ys, xs) of each labelled patch, 1..n."""
    ys, xs = np.nonzero(patches)
    order = np.argsort(patches[ys, xs], kind="stable")
    ys, xs = ys[order], xs[order]
    ends = np.cumsum(np.bincount(patches[ys, xs], minlength=n + 1)[1:])
    return zip(np.split(ys, ends[:-1]), np.split(xs, ends[:-1]))


def read_hint_file(path: str | Path) -> dict:
    """Hints from a JSON file, as {page name or None: hints}.

    The file holds either a list of `[x, y, colour]` hints for every page,
    or an object `{"hints": [...], "reference": ..., "pages": {...}}`:
    "hints" for every page without its own entry in "pages"; a page's entry
    is its list of hints, or an object `{"hints": [...], "reference": ...}`
    (see `read_reference_table` for the references). Entries are checked
    for form here and against each picture's size when used.
    """
    path = Path(path)
    shared, pages = _load_page_file(path)
    table = {None: shared.get("hints", [])}
    table.update({name: entry.get("hints", shared.get("hints", [])) for name, entry in pages.items()})
    for name, points in table.items():
        label = f"{path}" + (f" (page {name})" if name else "")
        if not isinstance(points, list):
            raise ValueError(f"{label}: expected a list of [x, y, colour] hints")
        for i, point in enumerate(points, 1):
            if not isinstance(point, list) or len(point) != 3:
                raise ValueError(f"{label}: hint {i}: {point!r} is not [x, y, colour]")
            parse_colour(point[2], f"{label}: hint {i}")
    return table


def read_reference_table(path: str | Path) -> dict:
    """Reference pictures from a hint file, as {page name or None: [paths]}
    (relative paths are read from the file's folder): "reference" at the top
    for every page, or in a page's own entry; a path or a list of them."""
    path = Path(path)
    shared, pages = _load_page_file(path)
    table = {}
    for name, entry in [(None, shared)] + list(pages.items()):
        if "reference" not in entry:
            continue
        refs = entry["reference"]
        refs = [refs] if isinstance(refs, str) else refs
        label = f"{path}" + (f" (page {name})" if name else "")
        if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
            raise ValueError(f'{label}: "reference" must be a picture path or a list of them')
        table[name] = [path.parent / r for r in refs]
    return table


def _load_page_file(path: Path) -> tuple[dict, dict]:
    """(the shared entry, {page: its entry}) of a hint file, each entry a dict with "hints" and/or "reference"."""
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such hint file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{path}: not a JSON hint file ({e})") from None
    if isinstance(data, list):
        data = {"hints": data}
    if not isinstance(data, dict) or set(data) - {"hints", "pages", "reference"}:
        raise ValueError(f'{path}: expected a list of [x, y, colour] or an object with "hints", "reference" and/or "pages"')
    pages = data.get("pages", {})
    if not isinstance(pages, dict):
        raise ValueError(f'{path}: "pages" must map picture file names to lists of hints')
    entries = {}
    for name, entry in pages.items():
        if isinstance(entry, list):
            entry = {"hints": entry}
        if not isinstance(entry, dict) or set(entry) - {"hints", "reference"}:
            raise ValueError(f'{path} (page {name}): expected a list of hints or an object with "hints" and/or "reference"')
        entries[name] = entry
    shared = {k: v for k, v in data.items() if k != "pages"}
    return shared, entries


def hints_for_page(table: dict, page: str | Path) -> list:
    """A page's hints from `read_hint_file`'s table: its own entry (by file name), else the shared list."""
    return [tuple(p) for p in table.get(Path(page).name, table[None])]
