"""Flat colours: one colour per region the sketch's lines enclose.

A colourist's "flats": every area the line art closes gets one colour, and
the line art is laid over it in multiply mode. `flatten` does that to G's
result: each region takes the median of G's colours inside it, and the
sketch multiplies the flats, so its lines stay exactly as drawn. It removes
the grain and blotches G leaves inside areas (`benchmarks/quality.py`
reports G with it, `G_artist_lines`, and without, `G_artist_lines_no_flats`),
and it is only as good as the lines are closed: a region the lines leave
open (a gap wider than `gap`) shares one colour with its neighbour, the
background included.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
from scipy import ndimage

INK_BELOW = 128  # luma under this is ink: mid-grey, where HintSpread also splits (it on the channels' mean)


def flatten(coloured: np.ndarray, sketch: np.ndarray, gap: int = 2, hints: Optional[np.ndarray] = None) -> np.ndarray:
    """Flat colours of `coloured` in the regions of `sketch`, lines multiplied over.

    Args:
        coloured: uint8 (H, W, 3), G's result.
        sketch: uint8 (H, W, 3) or (H, W), the line art it coloured.
        gap: int, pixels; gaps in the lines up to about twice this wide are
            closed when finding regions (0: regions are exactly the
            4-connected paper areas).
        hints: float32 (H, W, 4) or None, colour hints as
            `inference.hints.hint_channels` draws them at this size (RGB in
            [-1, 1] and a 0/1 mask). A region with hint pixels on its paper
            takes their mean colour, as a paint bucket would: the artist's
            colour, exactly; unless the region reaches the picture's edge
            (open to the background, most likely), where `coloured` stays.

    Returns:
        uint8 (H, W, 3): each region the median colour of `coloured` over it
        (or its hints' colour), times the sketch's lightness (ink stays
        ink); `coloured` unchanged where the sketch has no paper.
    """
    if coloured.shape[:2] != sketch.shape[:2]:
        raise ValueError(f"flatten: colours {coloured.shape[:2]} and sketch {sketch.shape[:2]} differ in size")
    # Luma in integers (x1000), so the page's JavaScript splits ink from paper identically.
    wide = sketch.astype(np.int32)
    luma = 1000 * wide if wide.ndim == 2 else wide @ np.int32([299, 587, 114])
    ink = luma < 1000 * INK_BELOW
    sketch = sketch.astype(np.float32)
    closed = ndimage.binary_dilation(ink, iterations=gap) if gap > 0 else ink  # 4-neighbour steps
    labels, count = ndimage.label(~closed)  # 4-connected, numbered in raster order
    if count == 0:
        return coloured
    labels = grow(labels)
    index = np.arange(1, count + 1)
    inside = np.where(ink, 0, labels)  # a region's colour is read on its paper only
    flats = np.zeros((count + 1, 3), np.float32)
    for c in range(3):
        flats[1:, c] = ndimage.median(coloured[..., c], inside, index)
    unread = np.bincount(inside.ravel(), minlength=count + 1) == 0  # regions all ink: G's own mean
    if unread[1:].any():
        for c in range(3):
            flats[1:, c] = np.where(unread[1:], ndimage.mean(coloured[..., c], labels, index), flats[1:, c])
    own = np.zeros(count + 1, bool)  # regions left as G coloured them
    if hints is not None:
        dots = (hints[..., 3] > 0) & (inside > 0)
        counts = np.bincount(inside[dots], minlength=count + 1)
        for c in range(3):
            sums = np.bincount(inside[dots], weights=(hints[..., c][dots] + 1.0) * 127.5, minlength=count + 1)
            flats[:, c] = np.where(counts > 0, sums / np.maximum(counts, 1), flats[:, c])
        # A hinted region that reaches the picture's edge is likely open to
        # the background: a bucket would flood the page, so G's own colours
        # (which follow the hint near it) stay there.
        edge = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
        own[edge] = counts[edge] > 0
    shade = (sketch if sketch.ndim == 3 else sketch[..., None]) / 255.0
    out = np.clip(np.rint(flats[labels] * shade), 0, 255).astype(np.uint8)
    return np.where(own[labels][..., None], coloured, out) if own.any() else out


def grow(labels: np.ndarray) -> np.ndarray:
    """Gives every unlabelled (0) pixel a region: rounds in which each takes
    the largest label among its 4 neighbours, until none is left.

    A simple rule on purpose: the browser demo (web_demo/src/flats.js)
    follows the same steps and gets the same regions. Each round looks only
    at the pixels still unlabelled (clip art at 2048x2048: the whole of
    `flatten` 2.8 s instead of 10.3 s, 2 cores shared with training).
    """
    h, w = labels.shape
    padded = np.pad(labels, 1)  # a border of 0: no neighbour there
    flat = padded.ravel()
    stride = w + 2
    todo = np.flatnonzero(padded[1:-1, 1:-1].ravel() == 0)
    todo = (todo // w + 1) * stride + todo % w + 1  # interior pixels in the padded layout
    while todo.size:
        best = np.maximum.reduce([flat[todo - 1], flat[todo + 1], flat[todo - stride], flat[todo + stride]])
        if not best.any():
            raise ValueError("flatten: no region to grow from")
        flat[todo] = best  # all of this round's labels were read before any is written
        todo = todo[best == 0]
    return padded[1:-1, 1:-1]
