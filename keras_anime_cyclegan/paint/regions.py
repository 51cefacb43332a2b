"""Regions: the areas a sketch's lines enclose, found even where the lines leave gaps.

A multi-scale fill, after the idea of style2paints V4: the lines are
thickened by a pixel and the picture halved, level by level, until its
longest side is about `COARSEST` pixels; there every gap narrower than the
thickened lines is closed, and the paper's connected areas are the first
regions. Coming back up, each level's paper takes the labels of the
coarser level's paper and grows them through its own paper, never across
a line, so where two regions meet through a gap their fronts meet in the
gap. At the picture's own level, an area of paper no label reached (a thin
area the coarse levels lost: an eye, a ribbon) becomes a region of its own
when it has at least `MIN_AREA` of the picture's pixels; the cells of
hatching and specks of noise do not. Then the pixels left over (the
lines themselves, specks) take the label of a labelled neighbour.

The fill is given `area_lines`: the ink less its shading strokes (thin,
light hatching drawn from line to line, which as lines would cut its area
into strips).

Last, a thin area the coarse levels cut into beads (a neck, a leg, a band
along an outline, narrower in places than the thickened lines) is made
whole again: two figure regions that meet through open paper (no line
between them) are joined when the passage is nearly as wide as the
narrower of the two (`NARROWING`): a narrowing of one area. A gap in a
line is a passage much narrower than the areas on either side, so they
stay apart.

The background is the region that touches most of the picture's border
(and any other that touches at least a quarter of it): the open paper
around a figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np
from scipy import ndimage, sparse
from scipy.sparse import csgraph

from keras_anime_cyclegan.paint.grow import grow, grow_padded

COARSEST = 64  # the fill starts where the longest side is about this many pixels
MIN_AREA = 64e-6  # a new region needs at least this fraction of the picture (64 px at 1000x1000)
BACKGROUND_BORDER = 0.25  # a region touching this share of the border is background
FRESH_LEVELS = 1  # new regions appear at the picture's own level only (see find_regions)
NARROWING = 0.75  # join two regions meeting through paper at least this share as wide as the narrower
THICK_LINE = 1.25  # strokes this many coarsest pixels wide close one more coarsest pixel of gaps
STROKE_DEPTH_CAP = 128  # ink deeper than this (a fill) counts as this deep when measuring strokes
SHADING_LENGTH = 4  # ... and at least this many typical line widths long
SHADING_DARKNESS = 0.75  # a stroke never this dark (of the strong strokes' darkness), and thinner than the lines, is shading


@dataclass
class Regions:
    """A picture cut into regions.

    Attributes:
        labels: int32 (H, W), 1..count; every pixel, lines included, has one.
        count: the number of regions.
        background: bool (count + 1,), True for the regions that are the
            open paper around the figure (index 0 unused).
        shading: int64, the flat indices of the ink pixels that are shading
            strokes (`area_lines`): drawn, but bounding no area, so no wall
            to a dot's colour either (`sketch_regions` fills it in).
    """

    labels: np.ndarray
    count: int
    background: np.ndarray
    shading: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))


def sketch_regions(ink) -> Regions:
    """The regions of a sketch's ink (a `paint.ink.Ink`): `find_regions` of
    its `area_lines`, with the shading strokes left out noted in `Regions.shading`."""
    lines = area_lines(ink)
    regions = find_regions(lines)
    if lines is not ink.mask:
        w = lines.shape[1]
        regions.shading = np.concatenate(
            [np.flatnonzero(ink.mask[top : top + 1024] & ~lines[top : top + 1024]) + top * w for top in range(0, lines.shape[0], 1024)]
        ).astype(np.int64)
    return regions


def find_regions(
    ink: np.ndarray,
    coarsest: int = COARSEST,
    min_area: float = MIN_AREA,
    fresh_levels: int = FRESH_LEVELS,
    narrowing: Optional[float] = NARROWING,
    thick_lines: bool = True,
) -> Regions:
    """Regions of a picture from its ink mask (bool (H, W)), gaps closed by the multi-scale fill.

    Args:
        ink: bool (H, W), True on the lines.
        coarsest: the longest side (pixels) of the coarsest level; smaller
            closes wider gaps.
        min_area: the smallest new region, as a fraction of the picture's pixels.
        fresh_levels: how many of the finest levels may add new regions (1:
            the picture's own level only; more: coarser levels too, which
            keeps more thin areas apart across gaps but cuts thin areas and
            hatched ones into pieces: `benchmarks/regions.py` measures both).
        narrowing: two figure regions meeting through open paper are joined
            when 2p + 1 >= narrowing * 2m, p being the passage's depth (the
            deepest contact pixel's taxicab distance to the ink, the
            shallower side's) and m the narrower region's deepest pixel's:
            the passage's width against the region's; None joins none.
        thick_lines: thick strokes leave wide gaps (a pen's gap is about a
            few of its widths): the coarsest level's ink grows by one pixel
            for every `THICK_LINE` coarsest pixels of the strokes' width
            (`stroke_width`), so a drawing in 11 px strokes at 1024 px
            closes gaps about 16 px wider; strokes under 10 px there change
            nothing. False: the fill closes the same width whatever the pen.
    """
    h, w = ink.shape
    pyramid = [ink]
    while max(pyramid[-1].shape) > 2 * coarsest:
        pyramid.append(_thicken_and_halve(pyramid[-1]))
    factor, extra = 2 ** (len(pyramid) - 1), 0
    if thick_lines and factor > 1:
        extra = int(stroke_width(ink) // (THICK_LINE * factor))
        if extra:
            pyramid[-1] = ndimage.binary_dilation(pyramid[-1], iterations=extra)
    labels, count = ndimage.label(~pyramid[-1])
    padded = np.pad(labels.astype(np.int32), 1)  # labels with a border of 0, grown in place
    for level in range(len(pyramid) - 2, -1, -1):
        mask = pyramid[level]
        coarse = padded[1:-1, 1:-1]
        padded = np.zeros((mask.shape[0] + 2, mask.shape[1] + 2), np.int32)
        seeds = padded[1:-1, 1:-1]
        _upsample_into(coarse, seeds)  # labels on the coarser level's paper only
        del coarse
        seeds[mask] = 0
        grow_padded(padded, ~mask)
        if level < fresh_levels:
            count = _add_fresh(seeds, mask, count, min_area * h * w / 4**level)
    grow_padded(padded)
    labels = padded[1:-1, 1:-1]
    if count == 0:  # all ink: one region
        return Regions(np.ones((h, w), np.int32), 1, np.array([False, False]))
    labels, count = _renumber(labels, count)
    if narrowing is not None and count > 1:
        cap = (4 + extra) * max(h, w) // coarsest + 1  # depths beyond this change no join
        labels, count = _join_narrowings(labels, count, ink, _background(labels, count), narrowing, cap)
    return Regions(labels, count, _background(labels, count))


def area_lines(ink) -> np.ndarray:
    """The ink that bounds areas (bool (H, W)): `ink.mask` (a `paint.ink.Ink`)
    less its shading strokes, for `find_regions`.

    Artists hatch and shade inside one area with strokes thinner and lighter
    than the lines that bound areas; taken as lines, each stroke would cut
    its area (or the page) into strips. A pixel of ink is shading when no
    pixel within one step (3 x 3) is ink as dark as `SHADING_DARKNESS` of
    the sketch's strong strokes (`Ink.strong`) or as deep in the ink as the
    middle of its typical dark line (`stroke_width`'s median, over the
    ridges of the ink that lie in dark ink): thin and
    light at once; and only in strokes (8-connected pieces of such pixels)
    at least `SHADING_LENGTH` typical line widths long: a line's tapering
    end, or a sliver a gap leaves along a line, stays a line. The shading
    strokes stay ink everywhere else (drawn, and a little harder for a dot
    to grow across). A sketch whose lines are all of one darkness, or all
    under 3 px wide, has none: there, shading cannot be told from lines by
    their look.
    """
    mask = ink.mask
    h = mask.shape[0]
    full = np.empty_like(mask)  # ink within a step of dark ink
    wide = np.empty(mask.shape, np.uint8)  # the deepest ink within a step (at most STROKE_DEPTH_CAP)
    counts = np.zeros(STROKE_DEPTH_CAP + 1, np.int64)
    for top in range(0, h, 1024):
        stop = min(top + 1024, h)
        lo, hi = max(top - 1, 0), min(stop + 1, h)
        core = slice(top - lo, top - lo + stop - top)
        dark = _max3(ink.darkness[lo:hi])[core]
        full[top:stop] = mask[top:stop] & (dark >= SHADING_DARKNESS * ink.strong)
        depth = paper_depth(~mask, STROKE_DEPTH_CAP, lo, hi)
        peak = _max3(depth)
        wide[top:stop] = peak[core]
        counts += _ridge_counts(depth[core], peak[core], full[top:stop])
    m = (_median_width(counts) + 1) // 2  # the typical dark line's middle, this deep in the ink
    if m < 2:
        return mask
    soft = mask & ~full & (wide < m)
    del full, wide
    # Only strokes: a short piece (a line's tapering end, a sliver along a gap) stays a line.
    pieces, n = ndimage.label(soft, structure=np.ones((3, 3), bool))
    del soft
    if n == 0:
        return mask
    long_enough = np.zeros(n + 1, bool)
    for k, box in enumerate(ndimage.find_objects(pieces), start=1):
        long_enough[k] = max(box[0].stop - box[0].start, box[1].stop - box[1].start) >= SHADING_LENGTH * (2 * m - 1)
    lines = mask.copy()
    for top in range(0, h, 1024):
        lines[top : top + 1024] &= ~long_enough[pieces[top : top + 1024]]
    return lines


def _max3(a: np.ndarray) -> np.ndarray:
    """The 3 x 3 maximum of each pixel (pixels outside the array ignored), in four passes of numpy."""
    rows = a.copy()
    np.maximum(rows[1:], a[:-1], out=rows[1:])
    np.maximum(rows[:-1], a[1:], out=rows[:-1])
    out = rows.copy()
    np.maximum(out[:, 1:], rows[:, :-1], out=out[:, 1:])
    np.maximum(out[:, :-1], rows[:, 1:], out=out[:, :-1])
    return out


def _ridge_counts(depth: np.ndarray, peak: np.ndarray, where: Optional[np.ndarray] = None) -> np.ndarray:
    """Histogram of the ink's ridge depths (ink pixels at least as deep as their 3 x 3 `peak`), only `where`."""
    ridge = (depth > 0) & (depth >= peak)
    if where is not None:
        ridge &= where
    return np.bincount(depth[ridge], minlength=STROKE_DEPTH_CAP + 1)


def _median_width(counts: np.ndarray) -> int:
    """2m - 1 for m the lower median of the ridge depths counted (0 when none)."""
    n = int(counts.sum())
    if n == 0:
        return 0
    m = int(np.searchsorted(np.cumsum(counts), (n + 1) // 2))
    return 2 * m - 1


def _join_narrowings(
    labels: np.ndarray, count: int, ink: np.ndarray, background: np.ndarray, narrowing: float, cap: int
):
    """Joins (in place) figure regions meeting through a passage of open paper
    nearly as wide as the narrower of the two (see `find_regions`); (labels, count).

    Depths are capped at `cap`: the fill never leaves a passage that deep
    between two regions (it closes a gap 1 + `extra` coarsest pixels from
    the ink on each side at most), so a cap of 4 + `extra` coarsest pixels
    joins nothing a wider cap would not."""
    deepest = np.zeros(count + 1, np.uint16)

    def depth(top, stop):  # the band's depths (0 on the ink), noting each region's deepest on the way
        band = paper_depth(ink, cap, top, stop)
        np.maximum.at(deepest, labels[top:stop].ravel(), band.ravel())
        return band

    a, b, _, _, (da, db) = label_pairs(labels, depth, keep=lambda u, v: (u > 0) & (v > 0))  # every row seen
    figure = ~background[a] & ~background[b]
    a, b, passage = a[figure], b[figure], np.minimum(da, db)[figure]
    if a.size == 0:
        return labels, count
    lo, hi = np.minimum(a, b).astype(np.int64), np.maximum(a, b).astype(np.int64)
    pair, at = np.unique(lo * (count + 1) + hi, return_inverse=True)
    widest = np.zeros(pair.size, np.uint16)
    np.maximum.at(widest, at, passage)
    lo, hi = pair // (count + 1), pair % (count + 1)
    narrower = np.minimum(deepest[lo], deepest[hi]).astype(np.int64)
    joined = 2 * widest.astype(np.int64) + 1 >= narrowing * 2 * narrower
    if not joined.any():
        return labels, count
    graph = sparse.coo_matrix((np.ones(int(joined.sum()), bool), (lo[joined], hi[joined])), shape=(count + 1, count + 1))
    _, component = csgraph.connected_components(graph, directed=False)
    first = np.full(component.max() + 1, count + 1, np.int64)
    np.minimum.at(first, component, np.arange(count + 1))  # each group takes its smallest number
    numbering = first[component].astype(np.int32)
    for top in range(0, labels.shape[0], 1024):
        labels[top : top + 1024] = numbering[labels[top : top + 1024]]
    return _renumber(labels, count)


def stroke_width(ink: np.ndarray) -> int:
    """The strokes' typical width in pixels (0 without ink): 2m - 1, m being the
    lower median taxicab depth of the ink's ridges (ink pixels at least as deep
    as their 8 neighbours, inside the picture); a stroke w pixels wide has its
    middle (w + 1) // 2 deep. A large fill has few ridge pixels, so it hardly
    moves the median. Bands of rows, depths counted in a histogram.

    `sketch.real.stroke_width` measures the same with Euclidean depths over
    the whole picture (training data, F's outlined fills, and paint.js's
    lines.js); this one is taxicab and banded so that an 8000 px sketch
    stays under its memory bar and paint.js can match it exactly."""
    h = ink.shape[0]
    counts = np.zeros(STROKE_DEPTH_CAP + 1, np.int64)
    for top in range(0, h, 1024):
        lo, stop = max(top - 1, 0), min(top + 1024, h)
        depth = paper_depth(~ink, STROKE_DEPTH_CAP, lo, min(stop + 1, h))  # the ink's distance to the paper
        core = slice(top - lo, top - lo + stop - top)
        counts += _ridge_counts(depth[core], _max3(depth)[core])
    return _median_width(counts)


def paper_depth(ink: np.ndarray, cap: int, top: int = 0, stop: Optional[int] = None) -> np.ndarray:
    """uint16 (stop - top, W): rows top..stop of each pixel's 4-neighbour steps
    to the nearest ink (0 on it; scipy's taxicab `distance_transform_cdt`), at
    most `cap` (also where no ink is that near). From those rows and `cap`
    rows of context each side, so a band of a huge picture costs a band."""
    h = ink.shape[0]
    stop = h if stop is None else min(stop, h)
    lo, hi = max(top - cap, 0), min(stop + cap, h)
    near = ndimage.distance_transform_cdt(~ink[lo:hi], metric="taxicab")[top - lo : stop - lo]
    return np.where((near < 0) | (near > cap), cap, near).astype(np.uint16)


def _add_fresh(seeds: np.ndarray, mask: np.ndarray, count: int, min_pixels: float) -> int:
    """Numbers (in place) each unlabelled area of paper of at least `min_pixels`; the new count.

    The areas are labelled inside the box around the unlabelled paper only
    (the same numbers as over the whole picture: the box cuts no area and
    keeps the raster order): at the finest level of a huge page the labels
    of the whole picture were its peak of memory (256 MB at 8000x8000)."""
    free = seeds == 0
    free[mask] = False
    rows, cols = np.flatnonzero(free.any(axis=1)), np.flatnonzero(free.any(axis=0))
    if rows.size == 0:
        return count
    box = (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1))
    fresh, n = ndimage.label(free[box])
    del free
    keep = _count(fresh, n) >= min_pixels
    keep[0] = False
    numbering = np.zeros(n + 1, np.int32)
    numbering[keep] = np.arange(count + 1, count + 1 + int(keep.sum()), dtype=np.int32)
    inside = seeds[box]
    for top in range(0, inside.shape[0], 1024):  # a band at a time
        band = fresh[top : top + 1024]
        np.copyto(inside[top : top + 1024], numbering[band], where=band > 0)
    return count + int(keep.sum())


def connected_regions(ink: np.ndarray, gap: int = 2) -> Regions:
    """The plain method (the flats step before the multi-scale fill), as a baseline:
    the ink dilated `gap` times, 4-connected paper areas, the rest grown from them."""
    closed = ndimage.binary_dilation(ink, iterations=gap) if gap > 0 else ink
    labels, count = ndimage.label(~closed)
    labels = labels.astype(np.int32)
    if count == 0:
        return Regions(np.ones(ink.shape, np.int32), 1, np.array([False, False]))
    grow(labels)
    return Regions(labels, count, _background(labels, count))


def _thicken_and_halve(mask: np.ndarray) -> np.ndarray:
    """Ink grown by one pixel (8 neighbours), then 2x2 blocks that hold any ink are ink."""
    thick = ndimage.binary_dilation(mask, structure=np.ones((3, 3), bool))
    h, w = thick.shape
    thick = np.pad(thick, ((0, h % 2), (0, w % 2)), mode="edge")
    return thick.reshape(thick.shape[0] // 2, 2, thick.shape[1] // 2, 2).any(axis=(1, 3))


def _upsample_into(labels: np.ndarray, out: np.ndarray) -> None:
    """Nearest-neighbour 2x upsampling of `labels` into `out` (cropped to its shape)."""
    for dy in (0, 1):
        for dx in (0, 1):
            part = out[dy::2, dx::2]
            part[...] = labels[: part.shape[0], : part.shape[1]]


def _count(labels: np.ndarray, count: int) -> np.ndarray:
    """Pixels per label 0..count, a band of rows at a time (bincount would
    otherwise make a 64-bit copy of a huge label array)."""
    bands = range(0, labels.shape[0], 1024)
    return sum(np.bincount(labels[top : top + 1024].ravel(), minlength=count + 1) for top in bands)


def _renumber(labels: np.ndarray, count: int) -> tuple[np.ndarray, int]:
    """Labels 1..n with no unused number, in order of first appearance in raster order."""
    present = _count(labels, count) > 0
    present[0] = False
    numbering = np.zeros(count + 1, np.int32)
    numbering[present] = np.arange(1, int(present.sum()) + 1, dtype=np.int32)
    for top in range(0, labels.shape[0], 1024):  # in place, a band at a time
        labels[top : top + 1024] = numbering[labels[top : top + 1024]]
    return labels, int(present.sum())


def at_border(regions: Regions) -> np.ndarray:
    """bool (count + 1,): the regions with a pixel on the picture's border."""
    edge = np.zeros(regions.count + 1, bool)
    edge[_border(regions.labels)] = True
    return edge


def _border(labels: np.ndarray) -> np.ndarray:
    """The labels around the picture's edge, each pixel once."""
    return np.concatenate([labels[0], labels[-1], labels[1:-1, 0], labels[1:-1, -1]])


def _background(labels: np.ndarray, count: int) -> np.ndarray:
    border = _border(labels)
    contact = np.bincount(border, minlength=count + 1)
    contact[0] = 0
    background = contact >= BACKGROUND_BORDER * border.size
    background[int(np.argmax(contact))] = True
    background[0] = False
    return background


def label_pairs(labels: np.ndarray, values, keep=None):
    """(a, b, (ya, yb), (xa, xb), (va, vb)): the 4-neighbour pixel pairs of
    different regions, with `values(top, stop)` (an array for rows top..stop)
    at each of the two pixels; with `keep`, only the pairs where `keep(va, vb)`.

    A band of rows at a time, with the row below for vertical pairs, so a
    huge picture needs no per-pixel array of its own size."""
    out = [[] for _ in range(8)]
    h, w = labels.shape
    for top in range(0, h, 1024):
        stop = min(top + 1024, h)
        lab = labels[top : min(stop + 1, h)]
        band = values(top, min(stop + 1, h))
        for dy, dx in ((0, 1), (1, 0)):
            rows = min(stop - top, lab.shape[0] - dy)
            la, lb = lab[:rows, : w - dx], lab[dy : rows + dy, dx:]
            y, x = np.nonzero(la != lb)
            va, vb = band[y, x], band[y + dy, x + dx]
            if keep is not None:
                kept = keep(va, vb)
                y, x, va, vb = y[kept], x[kept], va[kept], vb[kept]
            for o, v in zip(out, (la[y, x], lb[y, x], y + top, y + top + dy, x, x + dx, va, vb)):
                o.append(v)
    a, b, ya, yb, xa, xb, va, vb = (np.concatenate(o) for o in out)
    return a, b, (ya, yb), (xa, xb), (va, vb)
