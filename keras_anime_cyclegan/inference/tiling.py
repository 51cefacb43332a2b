"""Cutting a picture into model-sized pieces and putting the results back.

A whole picture is the one-tile case of the same plan, so padding, tiling
and blending are written once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def padded_length(n: int, multiple: int) -> int:
    """`n` rounded up to the multiple, and at least two multiples.

    Two multiples keep the bottleneck at least 2 pixels wide, which the
    generators' reflection padding needs.
    """
    return max(math.ceil(n / multiple) * multiple, 2 * multiple)


def reflect_pad(x: np.ndarray, height: int, width: int) -> np.ndarray:
    """Pads an (H, W, C) array at the bottom and right by mirroring."""
    h, w = x.shape[:2]
    return np.pad(x, ((0, height - h), (0, width - w), (0, 0)), mode="reflect")


def tile_starts(length: int, tile: int, overlap: int) -> list[int]:
    """Evenly spread starts of tiles of `tile` pixels covering `length`.

    Neighbours overlap by at least `overlap` pixels.
    """
    if length <= tile:
        return [0]
    n = math.ceil((length - overlap) / (tile - overlap))
    return [int(round(s)) for s in np.linspace(0, length - tile, n)]


def ramp_window(length: int, overlap: int, taper_start: bool, taper_end: bool) -> np.ndarray:
    """1-D blending weights of a tile: 1 inside; on each side that has a
    neighbouring tile, near 0 over the outer quarter of the overlap (pixels
    the tile's own border padding disturbs), a raised-cosine rise over the
    middle half, 1 beyond.

    Weights never reach 0, so every pixel has some weight; neighbours
    cross-fade smoothly, leaving no seam.
    """
    w = np.ones(length, np.float32)
    if overlap > 0:
        i = np.arange(overlap, dtype=np.float32) + 0.5
        t = np.clip((i - overlap / 4) / (overlap / 2), 0, 1)
        ramp = np.maximum(0.5 - 0.5 * np.cos(np.pi * t), 1e-3)
        if taper_start:
            w[:overlap] = np.minimum(w[:overlap], ramp)
        if taper_end:
            w[-overlap:] = np.minimum(w[-overlap:], ramp[::-1])
    return w


@dataclass
class TilePlan:
    """Where the tiles of one padded picture lie, and how to blend them."""

    height: int  # of the picture before padding
    width: int
    padded: tuple[int, int]
    tile: tuple[int, int]
    overlap: int
    starts: list[tuple[int, int]]  # (y, x) of each tile in the padded picture

    @classmethod
    def make(cls, height: int, width: int, multiple: int, max_pixels: int, tile: int, overlap: int) -> "TilePlan":
        """One tile when the padded picture fits in `max_pixels`, else tiles
        of `tile` x `tile` (rounded to the multiple) overlapping by `overlap`."""
        ph, pw = padded_length(height, multiple), padded_length(width, multiple)
        if ph * pw <= max_pixels:
            return cls(height, width, (ph, pw), (ph, pw), 0, [(0, 0)])
        tile = max(tile // multiple, 2) * multiple
        th, tw = min(tile, ph), min(tile, pw)
        overlap = max(0, min(overlap, min(th, tw) // 2))
        ys, xs = tile_starts(ph, th, overlap), tile_starts(pw, tw, overlap)
        return cls(height, width, (ph, pw), (th, tw), overlap, [(y, x) for y in ys for x in xs])

    def cut(self, x: np.ndarray) -> list[np.ndarray]:
        """The tiles of an (H, W, C) picture."""
        xp = reflect_pad(x, *self.padded)
        th, tw = self.tile
        return [xp[y : y + th, x0 : x0 + tw] for y, x0 in self.starts]

    def blend(self, tiles: list[np.ndarray]) -> np.ndarray:
        """The (H, W, C) picture from the processed tiles, cross-faded where they overlap."""
        (ph, pw), (th, tw) = self.padded, self.tile
        acc = np.zeros((ph, pw, tiles[0].shape[-1]), np.float32)
        weight = np.zeros((ph, pw, 1), np.float32)
        for (y, x), t in zip(self.starts, tiles):
            wy = ramp_window(th, self.overlap, y > 0, y + th < ph)
            wx = ramp_window(tw, self.overlap, x > 0, x + tw < pw)
            w = (wy[:, None] * wx[None, :])[..., None]
            acc[y : y + th, x : x + tw] += t * w
            weight[y : y + th, x : x + tw] += w
        return (acc / weight)[: self.height, : self.width]
