"""Colour sources: where each region's colour comes from.

A source turns regions into a `Palette`: a colour for some regions (and
how sure it is of each). The painter asks the sources in order and the
first to know a region's colour gives it: hints first (the artist's word),
then anything else (G's colours; next, a reference picture), then the
paper for the background. A new source is one more function returning a
`Palette`; nothing else changes.

Hints are the one source that can split a region: dots of different
colours in one region each take the part of it their colour reaches first,
growing over a height map that rises near the lines (a watershed, as
LazyBrush grows strokes), never through the region's edge. In the open
background the picture's border grows as paper, so a dot on a figure whose
outline leaves a gap does not colour the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np
from scipy import ndimage

from keras_anime_cyclegan.paint.grow import grow_by_height
from keras_anime_cyclegan.paint.ink import Ink
from keras_anime_cyclegan.paint.regions import Regions

REACH = 32 / 1024  # of the longer side: paper this close to a line is raised, so a gap up to twice as wide is a pass
OPEN_FRONT = 0.1  # of the longer side: a dot's part meeting the border's part over this much is on the open background


@dataclass
class Hint:
    """One hint in picture pixels: a dot (a point and a radius) or a stroke (its pixels)."""

    colour: tuple[int, int, int]
    x: float = 0.0
    y: float = 0.0
    radius: float = 0.0
    pixels: Optional[tuple[np.ndarray, np.ndarray]] = None  # (ys, xs) of a stroke


@dataclass
class Palette:
    """Colours for some of the regions.

    Attributes:
        colours: float32 (count + 1, 3), RGB 0-255.
        known: bool (count + 1,), which regions this source colours.
        confidence: float32 (count + 1,), 0-1, how sure it is (1 for hints).
        split: {region: (ys, xs, rgb uint8 per pixel)} for regions the source
            colours pixel by pixel rather than in one colour.
    """

    colours: np.ndarray
    known: np.ndarray
    confidence: np.ndarray
    split: dict = field(default_factory=dict)

    @classmethod
    def empty(cls, count: int) -> "Palette":
        return cls(np.zeros((count + 1, 3), np.float32), np.zeros(count + 1, bool), np.zeros(count + 1, np.float32))


def model_colours(regions: Regions, ink: Ink, coloured: np.ndarray) -> Palette:
    """Each region the median of a model's colours (uint8 (h, w, 3), any size) over its paper.

    The labels are sampled at the colours' size, so a huge picture costs
    no more than its model's result; a region too small to be sampled
    there takes the colour at its centre.
    """
    h, w = regions.labels.shape
    ch, cw = coloured.shape[:2]
    rows = np.minimum(((np.arange(ch) + 0.5) * h / ch).astype(np.intp), h - 1)
    cols = np.minimum(((np.arange(cw) + 0.5) * w / cw).astype(np.intp), w - 1)
    labels = regions.labels[np.ix_(rows, cols)]
    on_paper = ~ink.mask[np.ix_(rows, cols)]
    inside = np.where(on_paper, labels, 0)
    n = regions.count
    index = np.arange(1, n + 1)
    palette = Palette.empty(n)
    seen = np.bincount(inside.ravel(), minlength=n + 1) > 0
    for c in range(3):
        palette.colours[1:, c] = ndimage.median(coloured[..., c], inside, index)
    missing = np.flatnonzero(~seen[1:]) + 1
    if missing.size:
        centres = ndimage.center_of_mass(np.ones((h, w), np.float32), regions.labels, missing)
        for r, (cy, cx) in zip(missing, centres):
            palette.colours[r] = coloured[min(int(cy * ch / h), ch - 1), min(int(cx * cw / w), cw - 1)]
    palette.known[1:] = True
    palette.confidence[1:] = 0.5
    return palette


def hint_colours(regions: Regions, ink: Ink, hints: list[Hint]) -> Palette:
    """The regions the hints land in, in the hints' colours (split between colours where they differ)."""
    n = regions.count
    palette = Palette.empty(n)
    if not hints:
        return palette
    labels = regions.labels
    h, w = labels.shape
    seeds = []  # (region, ys, xs, colour index)
    colours = []
    for hint in hints:
        ys, xs, region = _footprint(hint, labels, ink.mask)
        if region is None:
            continue
        colours.append(np.asarray(hint.colour, np.float32))
        seeds.append((region, ys, xs, len(colours) - 1))
    by_region: dict[int, list] = {}
    for seed in seeds:
        by_region.setdefault(seed[0], []).append(seed)
    objects = ndimage.find_objects(labels)
    for region, group in by_region.items():
        distinct = {tuple(colours[s[3]]) for s in group}
        palette.known[region] = True
        palette.confidence[region] = 1.0
        palette.colours[region] = colours[group[0][3]]
        open_ = bool(regions.background[region])
        if len(distinct) > 1 or open_:
            palette.split[region] = _split(
                region, group, colours, labels, ink, objects[region - 1], ink.paper if open_ else None
            )
    return palette


def _footprint(hint: Hint, labels: np.ndarray, ink: np.ndarray):
    """(ys, xs, region) of a hint: a stroke's pixels in the region most of them
    lie in (on paper), or a dot's paper pixels in the region it mostly covers."""
    h, w = labels.shape
    if hint.pixels is not None:
        ys, xs = hint.pixels
    else:
        r = max(int(round(hint.radius)), 0)
        cx, cy = min(int(hint.x), w - 1), min(int(hint.y), h - 1)
        yy, xx = np.mgrid[max(cy - r, 0) : min(cy + r + 1, h), max(cx - r, 0) : min(cx + r + 1, w)]
        ys, xs = yy.ravel(), xx.ravel()
    if ys.size == 0:
        return None, None, None
    paper = ~ink[ys, xs]
    if paper.any():
        ys, xs = ys[paper], xs[paper]
    region = int(np.bincount(labels[ys, xs]).argmax())
    keep = labels[ys, xs] == region
    return ys[keep], xs[keep], region


def _split(region: int, group: list, colours: list, labels: np.ndarray, ink: Ink, window, paper) -> tuple:
    """Per-pixel colours of a region its hints disagree on, or of the open background.

    Each hint grows inside the region over a height map that rises near the
    ink (`grow_by_height`; paper within `REACH` of a line is higher the closer
    it is), so fronts fill open paper first and meet in the passes between
    line ends, as LazyBrush's strokes do. In the open background (`paper`
    given) the picture's border grows too, as a stroke of paper: a dot on a
    figure whose outline has a gap colours the figure, not the page. A dot
    whose part meets the border's over a long front (at least `OPEN_FRONT`
    of the picture's longer side: open paper, no gap) is on the background
    itself, and the border's part takes its colour too.
    """
    side = max(labels.shape)
    y0, x0 = window[0].start, window[1].start
    inside = labels[window] == region
    reach = max(2, int(round(REACH * side)))
    near = ndimage.distance_transform_cdt(~ink.mask[window], metric="taxicab")
    height = (reach - np.minimum(near, reach)).astype(np.uint8)
    local = [colours[k] for _, _, _, k in group]
    markers = np.zeros(inside.shape, np.int32)
    for i, (_, ys, xs, _) in enumerate(group):
        markers[ys - y0, xs - x0] = i + 1
    border_label = 0
    if paper is not None:
        local.append(np.asarray(paper, np.float32))
        border_label = len(local)
        edge = np.zeros(inside.shape, bool)
        h, w = labels.shape
        if y0 == 0:
            edge[0] = True
        if window[0].stop == h:
            edge[-1] = True
        if x0 == 0:
            edge[:, 0] = True
        if window[1].stop == w:
            edge[:, -1] = True
        markers[edge & inside & (markers == 0)] = border_label
    grow_by_height(markers, height, inside, levels=reach + 1)
    if border_label:
        fronts = np.zeros(border_label + 1, np.int64)
        paper_here = ~ink.mask[window]  # parts always meet inside the lines too; count where they meet on paper
        for a, b, pa, pb in (
            (markers[:, :-1], markers[:, 1:], paper_here[:, :-1], paper_here[:, 1:]),
            (markers[:-1], markers[1:], paper_here[:-1], paper_here[1:]),
        ):
            on_paper = pa & pb
            meet = on_paper & (a == border_label) & (b > 0) & (b != border_label)
            fronts += np.bincount(b[meet], minlength=border_label + 1)
            meet = on_paper & (b == border_label) & (a > 0) & (a != border_label)
            fronts += np.bincount(a[meet], minlength=border_label + 1)
        best = int(np.argmax(fronts))
        if fronts[best] >= OPEN_FRONT * side:
            markers[markers == border_label] = best
    ys, xs = np.nonzero(inside)
    table = np.asarray(local, np.float32)
    picked = np.clip(markers[ys, xs] - 1, 0, len(local) - 1)
    return ys + y0, xs + x0, np.round(table[picked]).astype(np.uint8)
