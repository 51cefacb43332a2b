"""Ink and paper, read from each picture's own tones.

A sketch is darker strokes on lighter paper, but neither has a fixed
level: a pencil line may be 60% grey, a scan's paper cream, a phone photo's
paper darker in one corner, and JPEG leaves faint noise everywhere. So the
paper's level is estimated locally (the brightest tone of each large block,
spread over its neighbours) and darkness is measured against it, in whole
levels 0-255; ink is what is at least half as dark as the picture's own
strong strokes, and clearly above paper noise. Colour lines count by their
darkest channel, so a red or cyan line is ink too.

Integer steps throughout (and float32 where there are fractions), so that
the page's JavaScript (web_demo/src/paint.js) finds the same ink.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
from scipy import ndimage

PAPER_BLOCK = 32  # pixels per block when estimating the paper's level
NOISE_FLOOR = 31  # darkness (0-255) up to this is paper grain or JPEG noise, never ink (12%)
STRONG_PERCENTILE = 90  # the picture's strong strokes: this percentile of its marked pixels' darkness
INK_FRACTION = 0.5  # ink is at least this fraction of the strong strokes' darkness
DARKEST_PAPER = 0.6  # the paper may darken locally (shadows, vignetting) to this fraction of its brightest
BAND = 512  # rows measured at a time, so a huge picture needs no float copy of itself


@dataclass
class Ink:
    """A sketch's ink and paper.

    Attributes:
        darkness: uint8 (H, W), 0 on paper to 255 on black ink, relative to
            the paper around each pixel.
        mask: bool (H, W), the pixels that are ink.
        paper: (3,) float32, the paper's colour (RGB 0-255): the typical
            colour of the pixels that are not ink.
        strong: the darkness of the picture's strong strokes (the
            `STRONG_PERCENTILE` of its marked pixels'; 0 with none).
        blocks: float32 (bh, bw), the paper's brightness per `PAPER_BLOCK`
            block (`light` spreads it to the pixels); None: an even page.
        page: the brightness of the page's lit paper (the 90th percentile
            of the blocks').
    """

    darkness: np.ndarray
    mask: np.ndarray
    paper: np.ndarray
    strong: float = 0.0
    blocks: Optional[np.ndarray] = None
    page: float = 255.0

    @property
    def evenly_lit(self) -> bool:
        """Every block as bright as the page's lit paper: `light` is 1 everywhere."""
        return self.blocks is None or float(self.blocks.min()) >= self.page

    def light(self, rows: slice) -> np.ndarray:
        """float32 (rows, W): how lit the paper is at each pixel of `rows`, as a
        fraction of the page's lit paper (at most 1): a phone photo's shadow
        is under 1, which the compositing divides out (`paint.composite`)."""
        h, w = self.mask.shape
        if self.blocks is None:
            return np.ones((len(range(h)[rows]), w), np.float32)
        ys, xs = _bilinear_axis(h, self.blocks.shape[0]), _bilinear_axis(w, self.blocks.shape[1])
        return _light(self.blocks, self.page, ys, xs, rows)


def find_ink(sketch: np.ndarray) -> Ink:
    """The ink of a uint8 (H, W, 3) or (H, W) sketch, measured against its own paper."""
    rgb = sketch if sketch.ndim == 3 else sketch[..., None]
    h, w = rgb.shape[:2]
    tone = rgb.min(axis=-1)  # the darkest channel: colour lines are ink too
    blocks, page = _paper_blocks(tone)
    ys, xs = _bilinear_axis(h, blocks.shape[0]), _bilinear_axis(w, blocks.shape[1])
    darkness = np.empty((h, w), np.uint8)
    for top in range(0, h, BAND):
        rows = slice(top, top + BAND)
        level = np.maximum(_bilinear(blocks, ys, xs, rows), np.float32(1))
        dark = np.clip(np.float32(1) - tone[rows] / level, 0, 1)
        darkness[rows] = np.floor(dark * np.float32(255) + np.float32(0.5))
    counts = sum(np.bincount(darkness[top : top + BAND].ravel(), minlength=256) for top in range(0, h, BAND))
    counts[: NOISE_FLOOR + 1] = 0
    strong = 0.0
    if counts.sum() == 0:
        mask = np.zeros((h, w), bool)
    else:
        strong = _percentile_of_counts(counts, STRONG_PERCENTILE)
        mask = darkness >= max(INK_FRACTION * strong, NOISE_FLOOR + 1)
    # The paper's colour from about 200,000 pixels (every k-th row and column),
    # each as lit as the page's lit paper (a photo's shadow is not the paper's colour).
    k = max(1, int(np.sqrt(h * w / 200_000)))
    lit = _light(blocks, page, ys, xs, slice(0, h, k))[:, ::k]
    sample, sample_mask = rgb[::k, ::k].astype(np.float32) / lit[..., None], mask[::k, ::k]
    paper_pixels = sample[~sample_mask] if not sample_mask.all() else sample.reshape(-1, rgb.shape[-1])
    paper = np.percentile(paper_pixels, 75, axis=0).astype(np.float32)
    paper = np.broadcast_to(np.minimum(paper, np.float32(255)), (3,)).copy()
    return Ink(darkness, mask, np.maximum(paper, np.float32(1)), float(strong), blocks, page)


def _light(blocks: np.ndarray, page: float, ys, xs, rows: slice) -> np.ndarray:
    """float32 (rows, W): the paper's level there (the blocks resized bilinearly) over the page's, at most 1."""
    level = np.maximum(_bilinear(blocks, ys, xs, rows), np.float32(1))
    return np.minimum(level / np.float32(max(page, 1.0)), np.float32(1))  # an all-black page: 1


def _percentile_of_counts(counts: np.ndarray, q: float) -> float:
    """numpy.percentile's default (linear between ranks) of the values 0-255 counted in `counts`."""
    n = int(counts.sum())
    pos = q / 100 * (n - 1)
    lo = int(np.floor(pos))
    cumulative = np.cumsum(counts)
    v_lo = int(np.searchsorted(cumulative, lo + 1))
    v_hi = int(np.searchsorted(cumulative, min(lo + 1, n - 1) + 1))
    return v_lo + (v_hi - v_lo) * (pos - lo)


def _paper_blocks(tone: np.ndarray) -> np.ndarray:
    """(blocks, page): the paper's brightness per `PAPER_BLOCK` block (float32):
    the brightest tone of each block, spread to its 8 neighbours (so a block
    filled with ink takes its neighbours' paper), kept no darker than
    `DARKEST_PAPER` of the page's (`page`: the blocks' 90th percentile)."""
    h, w = tone.shape
    b = PAPER_BLOCK
    bh, bw = -(-h // b), -(-w // b)
    padded = np.pad(tone, ((0, bh * b - h), (0, bw * b - w)), mode="edge")
    blocks = padded.reshape(bh, b, bw, b).max(axis=(1, 3))
    blocks = ndimage.grey_dilation(blocks, size=(3, 3), mode="nearest").astype(np.float32)
    page = float(np.percentile(blocks, 90))
    return np.maximum(blocks, np.float32(DARKEST_PAPER * page)), page


def _bilinear_axis(n: int, m: int):
    """Source positions of `n` pixel centres resampled from `m` (float32), edges clamped."""
    pos = np.clip((np.arange(n, dtype=np.float32) + np.float32(0.5)) * np.float32(m / n) - np.float32(0.5), 0, m - 1)
    lo = np.floor(pos).astype(np.intp)
    return lo, np.minimum(lo + 1, m - 1), (pos - lo).astype(np.float32)


def _bilinear(blocks: np.ndarray, ys, xs, rows: slice) -> np.ndarray:
    """Rows `rows` of `blocks` resized bilinearly (float32)."""
    y0, y1, fy = (a[rows] for a in ys)
    x0, x1, fx = xs
    band = blocks[y0] * (np.float32(1) - fy)[:, None] + blocks[y1] * fy[:, None]
    return band[:, x0] * (np.float32(1) - fx) + band[:, x1] * fx
