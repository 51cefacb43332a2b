"""Ink and paper, read from each picture's own tones.

A sketch is darker strokes on lighter paper, but neither has a fixed
level: a pencil line may be 60% grey, a scan's paper cream, a phone photo's
paper darker in one corner, and JPEG leaves faint noise everywhere. So the
paper's level is estimated locally (the brightest tones of large blocks,
spread over their neighbours) and darkness is measured against it; ink is
what is at least half as dark as the picture's own strong strokes (and
clearly above paper noise). Colour lines count by their darkest channel,
so a red or cyan line is ink too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

PAPER_BLOCK = 32  # pixels per block when estimating the paper's level
NOISE_FLOOR = 0.12  # darkness below this is paper grain or JPEG noise, never ink
STRONG_PERCENTILE = 90  # the picture's strong strokes: this percentile of its marked pixels' darkness
INK_FRACTION = 0.5  # ink is at least this fraction of the strong strokes' darkness
DARKEST_PAPER = 0.6  # the paper may darken locally (shadows, vignetting) to this fraction of its brightest


@dataclass
class Ink:
    """A sketch's ink and paper.

    Attributes:
        darkness: uint8 (H, W), 0 on paper to 255 on black ink, relative to
            the paper around each pixel.
        mask: bool (H, W), the pixels that are ink.
        paper: (3,) float32, the paper's colour (RGB 0-255): the brightest
            tones' typical colour.
    """

    darkness: np.ndarray
    mask: np.ndarray
    paper: np.ndarray

    @property
    def any(self) -> bool:
        return bool(self.mask.any())


def find_ink(sketch: np.ndarray) -> Ink:
    """The ink of a uint8 (H, W, 3) or (H, W) sketch, measured against its own paper."""
    rgb = sketch if sketch.ndim == 3 else np.repeat(sketch[..., None], 3, axis=-1)
    tone = rgb.min(axis=-1)  # the darkest channel: colour lines are ink too
    level = _paper_level(tone)
    darkness = np.clip(1.0 - tone / level, 0.0, 1.0)
    marked = darkness[darkness > NOISE_FLOOR]
    if marked.size == 0:
        mask = np.zeros(tone.shape, bool)
    else:
        strong = float(np.percentile(marked, STRONG_PERCENTILE))
        mask = darkness >= max(INK_FRACTION * strong, NOISE_FLOOR)
    paper_pixels = rgb[~mask] if (~mask).any() else rgb.reshape(-1, 3)
    paper = np.percentile(paper_pixels[:: max(1, paper_pixels.shape[0] // 200_000)], 75, axis=0).astype(np.float32)
    return Ink(np.round(darkness * 255).astype(np.uint8), mask, np.maximum(paper, 1.0))


def _paper_level(tone: np.ndarray) -> np.ndarray:
    """The paper's brightness around each pixel (float32, >= 1).

    The brightest tone of each block, spread to the neighbouring blocks (so
    a block filled with ink takes its neighbours' paper), kept no darker
    than `DARKEST_PAPER` of the page's paper, and resized smoothly back.
    """
    h, w = tone.shape
    b = PAPER_BLOCK
    bh, bw = -(-h // b), -(-w // b)
    padded = np.pad(tone, ((0, bh * b - h), (0, bw * b - w)), mode="edge")
    blocks = padded.reshape(bh, b, bw, b).max(axis=(1, 3)).astype(np.float32)
    blocks = ndimage.grey_dilation(blocks, size=(3, 3), mode="nearest")
    page = float(np.percentile(blocks, 90))
    blocks = np.maximum(blocks, DARKEST_PAPER * page, dtype=np.float32)
    return np.maximum(_bilinear_rows(blocks, h, w), 1.0)


def _bilinear_rows(blocks: np.ndarray, h: int, w: int) -> np.ndarray:
    """float32 `blocks` resized to (h, w), bilinear on pixel centres, edges clamped
    (written out so that the page's JavaScript computes the same numbers)."""
    bh, bw = blocks.shape

    def axis(n, m):
        pos = np.clip((np.arange(n, dtype=np.float32) + 0.5) * np.float32(m / n) - 0.5, 0, m - 1)
        lo = np.floor(pos).astype(np.intp)
        hi = np.minimum(lo + 1, m - 1)
        return lo, hi, (pos - lo).astype(np.float32)

    y0, y1, fy = axis(h, bh)
    x0, x1, fx = axis(w, bw)
    rows = blocks[y0] * (1 - fy)[:, None] + blocks[y1] * fy[:, None]  # (h, bw)
    return (rows[:, x0] * (1 - fx) + rows[:, x1] * fx).astype(np.float32)
