"""Colour sources: where each region's colour comes from.

A source turns regions into a `Palette`: a colour for some regions. The painter asks the sources in order and the
first to know a region's colour gives it: hints first (the artist's word),
then anything else (a reference picture), then the hints' flow through
the gaps between line ends (`flowed_hints`), then their reach over drawn
lines (`reached_hints`), then G's colours, then the paper for the
background. A new source is one more function returning a
`Palette`; nothing else changes.

Hints are the one source that can split a region: dots of different
colours in one region each take the part of it their colour reaches first,
growing through open paper first and through the gaps between line ends
last (a watershed, as LazyBrush grows strokes), never through the region's
edge. In the open background the picture's border grows as paper, so a
dot on a figure whose outline leaves a gap does not colour the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np
from scipy import ndimage

from keras_anime_cyclegan.paint.grow import grow_by_height
from keras_anime_cyclegan.paint.ink import Ink
from keras_anime_cyclegan.paint.regions import Regions, label_pairs, paper_depth

REACH = 32 / 1024  # of the longer side: gaps between line ends up to twice this wide are passes
HEIGHT_LEVELS = 8  # steps of the height map between open paper and the lines
SPLIT_SIDE = 4096  # a larger region is split at a coarser scale (the page never paints beyond 4096 px)
OPEN_FRONT = 0.1  # of the longer side: a dot's part meeting the border's part over this much is on the open background
OPEN_SHARE = 0.5  # ... if that front is at least this share of its part's whole edge


@dataclass
class Hint:
    """One hint in picture pixels: a dot (a point and a radius) or a stroke (its pixels)."""

    colour: tuple[int, int, int]
    x: float = 0.0
    y: float = 0.0
    radius: float = 0.0
    pixels: Optional[tuple[np.ndarray, np.ndarray]] = None  # (ys, xs) of a stroke


@dataclass
class Coarse:
    """Per-pixel indices kept `factor` times coarser; rows of the fine grid on demand."""

    grid: np.ndarray
    factor: int

    def __getitem__(self, rows: slice) -> np.ndarray:
        f = self.factor
        fine = np.repeat(np.repeat(self.grid[rows.start // f : -(-rows.stop // f)], f, axis=0), f, axis=1)
        start = rows.start - (rows.start // f) * f
        return fine[start : start + rows.stop - rows.start]


@dataclass
class Palette:
    """Colours for some of the regions.

    Attributes:
        colours: float32 (count + 1, 3), RGB 0-255.
        known: bool (count + 1,), which regions this source colours.
        split: {region: (window, inside, picked, table)} for regions the
            source colours pixel by pixel: in the `window` (a pair of
            slices), the region's pixels (`inside`) take `table[picked]`
            (uint8 RGB rows; `picked` may be `Coarse`, read a band of rows
            at a time).
    """

    colours: np.ndarray
    known: np.ndarray
    split: dict = field(default_factory=dict)

    @classmethod
    def empty(cls, count: int) -> "Palette":
        return cls(np.zeros((count + 1, 3), np.float32), np.zeros(count + 1, bool))


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
    return palette


def hint_colours(regions: Regions, ink: Ink, hints: list[Hint]) -> Palette:
    """The regions the hints land in, in the hints' colours (split between colours where they differ)."""
    n = regions.count
    palette = Palette.empty(n)
    if not hints:
        return palette
    labels = regions.labels
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
        palette.colours[region] = colours[group[0][3]]
        open_ = bool(regions.background[region])
        if len(distinct) > 1 or open_:
            palette.split[region] = _split(
                region, group, colours, labels, ink, objects[region - 1], ink.paper if open_ else None, regions.shading
            )
    return palette


def _footprint(hint: Hint, labels: np.ndarray, ink: np.ndarray):
    """(ys, xs, region) of a hint: a stroke's pixels in the region most of them
    lie in (on paper), or a dot's paper pixels in the region it mostly covers,
    on the side of any line through it that it mostly covers."""
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
    ys, xs = ys[keep], xs[keep]
    if hint.pixels is None and paper.any():
        # The dot's paper on one side of any line through it: the largest
        # 4-connected part of its square.
        box = np.zeros((ys.max() - ys.min() + 1, xs.max() - xs.min() + 1), bool)
        box[ys - ys.min(), xs - xs.min()] = True
        parts, n = ndimage.label(box)
        if n > 1:
            largest = int(np.bincount(parts[box]).argmax())
            keep = parts[ys - ys.min(), xs - xs.min()] == largest
            ys, xs = ys[keep], xs[keep]
    return ys, xs, region


def _split(region: int, group: list, colours: list, labels: np.ndarray, ink: Ink, window, paper, shading: np.ndarray) -> tuple:
    """Per-pixel colours of a region its hints disagree on, or of the open background.

    Each hint grows inside the region over a height map that rises near the
    lines (`pass_heights`, `grow_by_height`; `shading` strokes are no
    lines: a dot's colour spreads across hatching), so fronts fill open paper first
    and meet in the passes between line ends, as LazyBrush's strokes do; the
    paper around each dot counts as open, so a dot beside a line grows as
    fast as one in the open. In the open background (`paper`
    given) the picture's border grows too, as a stroke of paper: a dot on a
    figure whose outline has a gap colours the figure, not the page. A dot
    whose part meets the border's over a long front of open paper (at least
    `OPEN_FRONT` of the picture's longer side, counted where both sides are
    farther than the reach from any ink: not in the passes between line
    ends, however many gaps an outline has), a front that is at least
    `OPEN_SHARE` of its part's whole edge (not a figure part whose outline
    leaks onto the page over long stretches), and that lies on open paper
    itself, is on the background, and the border's part takes its colour
    too; several such dots split the border's part between them.

    Returns (window, inside, picked, table), as `Palette.split` holds them.
    """
    h, w = labels.shape
    rows, cols = window
    edges = (rows.start == 0, rows.stop == h, cols.start == 0, cols.stop == w)  # top, bottom, left, right
    inside = labels[window] == region
    near_ink = _lines_in(ink.mask, shading, window)
    seeds = [(ys - rows.start, xs - cols.start) for _, ys, xs, _ in group]
    extent = max(inside.shape)
    f = -(-extent // SPLIT_SIDE)
    if f > 1:  # a huge region: split f times coarser, a block being ink (or the region) if any pixel is
        sh, sw = -(-inside.shape[0] // f), -(-inside.shape[1] // f)
        pad = ((0, sh * f - inside.shape[0]), (0, sw * f - inside.shape[1]))
        full_inside = inside
        inside = np.pad(inside, pad).reshape(sh, f, sw, f).any(axis=(1, 3))
        near_ink = np.pad(near_ink, pad).reshape(sh, f, sw, f).any(axis=(1, 3))
        seeds = [(ys // f, xs // f) for ys, xs in seeds]
    picked = _grow_hints(inside, near_ink, seeds, len(group), edges if paper is not None else None, max(h, w) / f)
    local = [colours[k] for _, _, _, k in group] + ([np.asarray(paper, np.float32)] if paper is not None else [])
    table = np.round(np.asarray(local, np.float32)).astype(np.uint8)
    if f > 1:
        picked = Coarse(picked, f)
        inside = full_inside
    return window, inside, picked, table


def _lines_in(mask: np.ndarray, shading: np.ndarray, window) -> np.ndarray:
    """The ink that bounds areas in `window` (slices of `mask`): `mask` less the shading strokes."""
    if shading.size == 0:
        return mask[window]
    lines = mask[window].copy()
    (rows, cols), w = window, mask.shape[1]
    ys, xs = np.divmod(shading, w)
    at = (ys >= rows.start) & (ys < rows.stop) & (xs >= cols.start) & (xs < cols.stop)
    lines[ys[at] - rows.start, xs[at] - cols.start] = False
    return lines


def _grow_hints(inside: np.ndarray, ink: np.ndarray, seeds: list, n: int, edges, side: float) -> np.ndarray:
    """Index (int16, 0-based) of the hint whose part each pixel of `inside` is
    in; with `edges` (top, bottom, left, right: which sides are the
    picture's border), index n is the border's paper."""
    reach = max(2, int(np.floor(REACH * side + 0.5)))  # rounded half up, as the page rounds
    height = pass_heights(ink, reach)
    markers = np.zeros(inside.shape, np.int16)
    for i, (ys, xs) in enumerate(seeds):
        markers[ys, xs] = i + 1
    open_paper = height == 0  # farther than `reach` from any ink (before the dots' surroundings open up)
    # Paper around each dot counts as open, so a dot placed beside a line
    # grows as fast as one in the open.
    around = paper_depth(markers > 0, reach + 1) <= reach  # (no pixel near when no dot has a pixel here)
    height[around & ~ink] = 0
    del around
    border_label = 0
    if edges is not None:
        border_label = n + 1
        edge = np.zeros(inside.shape, bool)
        top, bottom, left, right = edges
        edge[0] |= top
        edge[-1] |= bottom
        edge[:, 0] |= left
        edge[:, -1] |= right
        markers[edge & inside & (markers == 0)] = border_label
    grow_by_height(markers, height, inside, levels=HEIGHT_LEVELS + 1)
    if border_label:
        fronts = np.zeros(border_label + 1, np.int64)
        edge_length = np.zeros(border_label + 1, np.int64)  # each part's whole edge, for OPEN_SHARE below
        # Count where the parts meet on open paper: a dot inside a figure meets the border's part in the
        # gaps of its outline, near the ink, however many gaps there are; one on the background in the open.
        for a, b, pa, pb in (
            (markers[:, :-1], markers[:, 1:], open_paper[:, :-1], open_paper[:, 1:]),
            (markers[:-1], markers[1:], open_paper[:-1], open_paper[1:]),
        ):
            on_paper = pa & pb
            meet = on_paper & (a == border_label) & (b > 0) & (b != border_label)
            fronts += np.bincount(b[meet], minlength=border_label + 1)
            meet = on_paper & (b == border_label) & (a > 0) & (a != border_label)
            fronts += np.bincount(a[meet], minlength=border_label + 1)
            differ = a != b
            edge_length += np.bincount(a[differ], minlength=border_label + 1)
            edge_length += np.bincount(b[differ], minlength=border_label + 1)
        # Only a dot placed on open paper itself can be on the background: one inside a thin part
        # (a stem, a strand) opens its surroundings through the part's gaps onto the page.
        on_open = np.zeros(border_label + 1, bool)
        for i, (ys, xs) in enumerate(seeds):
            on_open[i + 1] = ys.size > 0 and open_paper[ys, xs].mean() > 0.5
        fronts[~on_open] = 0
        # A dot in a figure part whose outline leaks onto the page (long gaps, a thinned or missing stretch)
        # meets the border's paper in the leaks, but most of its part's edge is still the outline.
        fronts[fronts < OPEN_SHARE * edge_length] = 0
        on_background = np.flatnonzero(fronts >= OPEN_FRONT * side)
        if on_background.size == 1:
            markers[markers == border_label] = on_background[0]
        elif on_background.size > 1:
            # Several dots on the open background (a sky, a lawn) split the border's paper between
            # them, grown from their parts over the same heights as the dots split a region.
            free = markers == border_label
            again = np.where(np.isin(markers, on_background), markers, 0).astype(markers.dtype)
            grow_by_height(again, height, free, levels=HEIGHT_LEVELS + 1)
            best = on_background[np.argmax(fronts[on_background])]
            markers[free] = np.where(again[free] > 0, again[free], best)
    np.subtract(markers, 1, out=markers)
    return np.clip(markers, 0, border_label - 1 if border_label else n - 1, out=markers)


def pass_heights(ink: np.ndarray, reach: int) -> np.ndarray:
    """uint8 (H, W): 0 on paper farther than `reach` pixels (taxicab) from the
    ink, rising in `HEIGHT_LEVELS` steps to the ink itself: the gap between two
    line ends up to 2 * `reach` wide is a pass higher than the open paper on
    either side. A window with no ink at all is open paper everywhere (0)."""
    height = np.empty(ink.shape, np.uint8)
    for top in range(0, height.shape[0], 512):
        band = paper_depth(ink, reach, top, top + 512).astype(np.int32)  # capped at reach, also where no ink is
        height[top : top + 512] = ((reach - band) * HEIGHT_LEVELS + reach - 1) // reach
    return height


def flowed_hints(regions: Regions, ink: Ink, hinted: Palette, settled: Optional[np.ndarray] = None) -> Palette:
    """Hints flowing through the gaps a sketch leaves: each figure region no hint
    landed in, that meets a hinted one (or one the flow already reached)
    through open paper, takes the colour it meets over the longest stretch.

    Two regions meet through open paper only where the fill closed a gap
    between line ends (a drawn line keeps its paper apart), so a colour
    never crosses a drawn line. Figure and background never pass colours
    to each other (paper stays paper; a dot on the sky does not flow into a
    figure), but the background's pieces do among themselves: a figure
    reaching within a few pixels of the picture's edge (a comb, a hat)
    closes the page's paper there and cuts the page in two background
    regions, one page to the eye, so an undotted piece takes the colour the
    dotted one has where they meet (its paper, where the dot sat in a nook
    of the page and left the border's part paper). The flow goes as far as
    the gaps lead, one ring of regions at a time. `settled` (bool per
    region): regions an earlier source (a reference picture) coloured; the
    flow neither enters nor passes through them.
    """
    n = regions.count
    palette = Palette.empty(n)
    givers = hinted.known
    if not givers.any():
        return palette
    a, b, ya, xa = _open_contacts(regions.labels, ink.mask)
    # Each contact seen from both sides: (taker, giver, the giver's pixel).
    takers = np.concatenate([a, b])
    giving = np.concatenate([b, a])
    gy, gx = np.concatenate([ya[1], ya[0]]), np.concatenate([xa[1], xa[0]])
    # Colours: a hinted region's colour, or a split region's colour at the contact pixel.
    key = np.full(takers.size, -1, np.int64)
    plain = givers[giving] & ~np.isin(giving, list(hinted.split))
    key[plain] = _rgb_key(hinted.colours[giving[plain]])
    for region, (window, inside, picked, table) in hinted.split.items():
        if not givers[region]:
            continue
        at = np.flatnonzero(giving == region)
        if at.size:
            key[at] = _rgb_key(table[_picked_at(picked, gy[at] - window[0].start, gx[at] - window[1].start)].astype(np.float32))
    known = givers.copy()
    blocked = settled if settled is not None else np.zeros(n + 1, bool)
    page = regions.background
    colour_of = np.full(n + 1, -1, np.int64)  # a region the flow reached: its colour's key
    while True:
        live = known[giving] & ~known[takers] & ~blocked[takers] & (page[takers] == page[giving])
        if not live.any():
            break
        k = np.where(givers[giving[live]], key[live], colour_of[giving[live]])
        t = takers[live]
        pairs, votes = np.unique(np.stack([t, k]), axis=1, return_counts=True)
        order = np.lexsort((-votes, pairs[0]))  # per taker, the most-voted colour first
        pairs = pairs[:, order]
        first = np.concatenate([[True], pairs[0, 1:] != pairs[0, :-1]])
        new, colours = pairs[0, first], pairs[1, first]
        colour_of[new] = colours
        known[new] = True
        palette.known[new] = True
        palette.colours[new] = _key_rgb(colours)
    return palette


def reached_hints(
    regions: Regions, ink: Ink, hinted: Palette, flowed: Palette, settled: Optional[np.ndarray] = None
) -> Palette:
    """The dots' reach over drawn lines: a watershed on the regions' graph.

    A figure region that neither a dot nor their flow coloured takes the
    colour of the dotted (or flowed) region it is joined to over the lowest
    lines, unless the open background, which gives its paper, is joined to
    it over lower ones: then it is left to the next source (G). Two regions
    are joined where their labels meet; the height of a meeting is the ink's
    darkness summed over the 3x3 pixels around it (the larger of its two
    pixels), and of a join the lowest of its meetings: faint, thin, broken
    lines are crossed before dark, thick ones, as water fills basins in
    a watershed. Joins are taken lowest first (of joins as low, the one
    with more meetings that low first, counted in powers of two: thick
    black lines all reach the sums' top, and then a clearly longer shared
    line decides, while a few pixels more or less, which come and go with
    the picture's size, do not; last, the smaller pair of node numbers,
    the paper's first; a Kruskal forest), merging groups of regions while
    at most one colour is in a group; a group holding none is left too.

    This is what the issue's dot watershed (a watershed of the blurred ink
    from the dots and the picture's border) does pixel by pixel, on the
    regions the gap-closing fill found: an area the artist left undotted
    next to a dotted one takes the dot's colour as the colourist's tool
    would, and areas nearer the page than any dot stay with G.

    `settled` (bool per region): regions an earlier source (a reference
    picture) coloured and no dot did; they neither take nor pass on a
    dot's colour (walls to the watershed), as in the flow.
    """
    n = regions.count
    palette = Palette.empty(n)
    figure = ~regions.background
    settled = (settled & ~hinted.known) if settled is not None else np.zeros(n + 1, bool)
    givers = (hinted.known | flowed.known & ~settled) & figure
    if not givers.any():
        return palette
    takers = figure & ~givers & ~settled
    takers[0] = False
    if not takers.any():
        return palette
    split_givers = {r: v for r, v in hinted.split.items() if givers[r]}
    a, b, crest, ya, xa = _meetings(regions.labels, ink.darkness)
    # Each meeting seen from the taker's side: (taker, other, height, the other's pixel).
    t = np.concatenate([a, b])
    o = np.concatenate([b, a])
    hgt = np.concatenate([crest, crest])
    oy, ox = np.concatenate([ya[1], ya[0]]), np.concatenate([xa[1], xa[0]])
    keep = takers[t] & (takers[o] & (t < o) | ~takers[o]) & ~settled[o]
    t, o, hgt, oy, ox = t[keep], o[keep], hgt[keep], oy[keep], ox[keep]
    # The other side's colour key: -1 for the background's paper, none (-2) for a taker.
    key = np.full(t.size, -2, np.int64)
    key[regions.background[o]] = -1
    plain = givers[o] & ~np.isin(o, list(split_givers))
    key[plain] = _rgb_key(_colours_of(hinted, flowed, o[plain]))
    for region, (window, inside, picked, table) in split_givers.items():
        at = np.flatnonzero(o == region)
        if at.size:
            key[at] = _rgb_key(table[_picked_at(picked, oy[at] - window[0].start, ox[at] - window[1].start)].astype(np.float32))
    # Nodes: the takers are their region numbers; each colour (paper first) one node after n.
    colour_keys = np.unique(key[key > -2])
    other = np.where(key > -2, n + 1 + np.searchsorted(colour_keys, key), o)
    lo, hi = np.minimum(t, other), np.maximum(t, other)
    # A join's height: its lowest meeting; its length: how many of its meetings are that low.
    order = np.lexsort((hgt, hi, lo))
    lo, hi, hgt = lo[order], hi[order], hgt[order]
    first = np.ones(lo.size, bool)
    first[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1]) | (hgt[1:] != hgt[:-1])
    start = np.flatnonzero(first)
    length = np.diff(np.append(start, lo.size))
    lo, hi, hgt = lo[start], hi[start], hgt[start]
    lowest = np.ones(lo.size, bool)
    lowest[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
    lo, hi, hgt, length = lo[lowest], hi[lowest], hgt[lowest], length[lowest]
    # Lowest first; of joins as low (thick black lines all saturate the 3x3 sums), the longer first,
    # lengths compared in powers of two: a few pixels more or less, which come and go with the
    # picture's size, decide nothing.
    order = np.lexsort((hi, lo, -np.floor(np.log2(length)), hgt))
    parent = np.arange(n + 2 + colour_keys.size)
    colour = np.full(parent.size, -1, np.int64)  # a group's colour node
    colour[n + 1 :] = np.arange(n + 1, parent.size)

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for u, v in zip(lo[order].tolist(), hi[order].tolist()):
        ru, rv = root(u), root(v)
        if ru == rv or (colour[ru] >= 0 and colour[rv] >= 0):
            continue
        parent[ru] = rv
        if colour[rv] < 0:
            colour[rv] = colour[ru]
    regions_taken = np.flatnonzero(takers)
    nodes = np.array([colour[root(r)] for r in regions_taken.tolist()], np.int64)
    won = nodes >= 0
    regions_taken, keys = regions_taken[won], colour_keys[nodes[won] - n - 1]
    coloured = keys >= 0  # the paper's groups are left to the next source
    palette.known[regions_taken[coloured]] = True
    palette.colours[regions_taken[coloured]] = _key_rgb(keys[coloured])
    return palette


def _colours_of(hinted: Palette, flowed: Palette, regions: np.ndarray) -> np.ndarray:
    """The colours of regions a dot or the flow coloured (the dot's where both know one)."""
    return np.where(hinted.known[regions][:, None], hinted.colours[regions], flowed.colours[regions])


def _meetings(labels: np.ndarray, darkness: np.ndarray):
    """(a, b, height, (ya, yb), (xa, xb)): the 4-neighbour pixel pairs of
    different regions, with the larger 3x3 darkness sum of the two pixels."""
    a, b, ya, xa, (ha, hb) = label_pairs(labels, lambda top, stop: _box_sums(darkness, top, stop))
    return a, b, np.maximum(ha, hb), ya, xa


def _box_sums(darkness: np.ndarray, top: int, stop: int) -> np.ndarray:
    """int32 (stop - top, W): the darkness summed over each pixel's 3x3 neighbourhood (0 off the picture)."""
    h = darkness.shape[0]
    band = np.zeros((stop - top + 2, darkness.shape[1] + 2), np.int32)
    lo, hi = max(top - 1, 0), min(stop + 1, h)
    band[lo - (top - 1) : hi - (top - 1), 1:-1] = darkness[lo:hi]
    rows = band[:-2] + band[1:-1] + band[2:]
    return rows[:, :-2] + rows[:, 1:-1] + rows[:, 2:]


def _open_contacts(labels: np.ndarray, ink: np.ndarray):
    """(a, b, (ya, yb), (xa, xb)): the 4-neighbour pixel pairs of different regions, both on paper."""
    a, b, ya, xa, _ = label_pairs(labels, lambda top, stop: ~ink[top:stop], keep=np.logical_and)
    return a, b, ya, xa


def _picked_at(picked, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """The split's colour index at window pixels (ys, xs)."""
    if isinstance(picked, Coarse):
        return picked.grid[ys // picked.factor, xs // picked.factor]
    return picked[ys, xs]


def _rgb_key(colours: np.ndarray) -> np.ndarray:
    c = np.clip(np.round(colours), 0, 255).astype(np.int64)
    return (c[..., 0] << 16) | (c[..., 1] << 8) | c[..., 2]


def _key_rgb(keys: np.ndarray) -> np.ndarray:
    return np.stack([(keys >> 16) & 255, (keys >> 8) & 255, keys & 255], axis=-1).astype(np.float32)
