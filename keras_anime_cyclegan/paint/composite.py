"""Compositing: flat colours under the lines, as a colourist's layers.

The flats (one colour per region, or per pixel where hints split one) are
multiplied by the sketch divided by its paper, so the lines stay exactly as
drawn against their paper and the paper itself adds no tint: its colour,
and where a phone photo's shadow darkens part of the page, the paper's
local level (`Ink.light`, read from the paper's brightest tones block by
block), so a shadow darkens neither the colours nor the page. The
background keeps the paper's colour and grain unless a source coloured it.
Works in bands of rows, so a huge picture never holds more than its own
size in floats.
"""

from __future__ import annotations

import numpy as np

from keras_anime_cyclegan.paint.colours import Palette
from keras_anime_cyclegan.paint.ink import Ink
from keras_anime_cyclegan.paint.regions import Regions

BAND = 256  # rows composited at a time


def flats(regions: Regions, ink: Ink, palettes: list[Palette]) -> np.ndarray:
    """uint8 (H, W, 3): each region's colour from the first palette that knows
    it (split regions pixel by pixel); the background, where none does, the paper."""
    n = regions.count
    colours = np.repeat(ink.paper[None].astype(np.float32), n + 1, axis=0)
    known = np.zeros(n + 1, bool)
    splits = {}
    for palette in palettes:
        new = palette.known & ~known
        colours[new] = palette.colours[new]
        for region, pixels in palette.split.items():
            if new[region]:
                splits[region] = pixels
        known |= new
    table = np.clip(np.round(colours), 0, 255).astype(np.uint8)
    out = np.empty(regions.labels.shape + (3,), np.uint8)
    for top in range(0, out.shape[0], BAND):
        out[top : top + BAND] = table[regions.labels[top : top + BAND]]
    for (rows, cols), inside, picked, palette in splits.values():
        for top in range(0, inside.shape[0], BAND):
            band = slice(top, min(top + BAND, inside.shape[0]))
            part = out[rows.start + band.start : rows.start + band.stop, cols]
            here = inside[band]
            part[here] = palette[picked[band][:, : here.shape[1]][here]]
    return out


def multiply_lines(flat: np.ndarray, sketch: np.ndarray, ink: Ink, out=None) -> np.ndarray:
    """uint8 (H, W, 3): `flat` times `sketch` / its paper (lines as drawn, paper
    neutral, shadows lifted). `out` may be `flat` itself (in place, band by band)."""
    out = np.empty_like(flat) if out is None else out
    for rows, shade in _shades(sketch, ink):
        out[rows] = np.clip(np.round(flat[rows].astype(np.float32) * shade), 0, 255).astype(np.uint8)
    return out


def _shades(sketch: np.ndarray, ink: Ink):
    """(rows, shade) for each band of rows: float32 (rows, W, 3), the sketch
    divided by its paper colour and by how lit its paper is there, at most 1
    (a grey sketch counts in every channel)."""
    scale = (1.0 / ink.paper).astype(np.float32)
    even = ink.evenly_lit
    for top in range(0, sketch.shape[0], BAND):
        rows = slice(top, top + BAND)
        band = sketch[rows] if sketch.ndim == 3 else sketch[rows][..., None]
        shade = band.astype(np.float32) * scale
        if not even:
            shade /= ink.light(rows)[..., None]
        yield rows, np.broadcast_to(np.minimum(shade, np.float32(1)), band.shape[:2] + (3,))


def line_layer(sketch: np.ndarray, ink: Ink) -> np.ndarray:
    """uint8 (H, W, 4): the lines on transparency, for a multiply (or normal) layer over the flats.

    Over a base colour B, a layer of colour L and opacity a in multiply mode
    gives B (1 - a + a L); the sketch's own effect is B * shade, with shade
    = sketch / paper. So a = the darkest channel's darkness and L = 1 - (1 -
    shade) / a: grey lines are black at their darkness, paper is clear, and
    the layer recomposes the flat result exactly (up to 8-bit rounding).
    """
    out = np.zeros(sketch.shape[:2] + (4,), np.uint8)
    for rows, shade in _shades(sketch, ink):
        alpha = 1.0 - shade.min(axis=-1, keepdims=True)
        colour = 1.0 - (1.0 - shade) / np.maximum(alpha, 1e-6)
        out[rows, :, :3] = np.clip(np.round(colour * 255), 0, 255)
        out[rows, :, 3:] = np.clip(np.round(alpha * 255), 0, 255)
    return out


def shading_layer(coloured: np.ndarray, flat: np.ndarray) -> np.ndarray:
    """uint8 (H, W, 3): a model's colours divided by the flats (white where it
    is no darker), for a multiply layer that brings its shading back over them."""
    out = np.empty_like(flat)
    for top in range(0, flat.shape[0], BAND):
        rows = slice(top, top + BAND)
        ratio = coloured[rows].astype(np.float32) / np.maximum(flat[rows].astype(np.float32), 1.0)
        out[rows] = np.clip(np.round(ratio * 255), 0, 255)
    return out
