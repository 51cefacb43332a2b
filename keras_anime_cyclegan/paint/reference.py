"""A colour source from a reference picture: colour a sketch as another coloured picture of the same character.

Three steps, each cheap on 2 cores:

1. **The reference's own parts** (`prepare_reference`), from its colours
   and lines, with no network: its background is the paper-coloured area
   connected to its border (or its transparent part); its lines are its
   dark *thin* strokes (dark areas wider than a line, such as black hair,
   are colour, not line); its edges are where its colour changes or a line
   runs. F is not needed (F fills dark areas, which would hide exactly the
   parts a reference must provide); an artist's own line art of the
   reference can be given instead of the lines found.
2. **Where the character is** (`align`): the sketch is a redrawing of the
   reference (mirrored, scaled, shifted, turned, partly cropped), so the
   reference's edges are placed over the sketch's ink by a search over
   mirror, turn (up to `MAX_TURN` degrees), scale and shift that minimises
   the symmetric chamfer distance (each side's edge points to the other's
   nearest ink, truncated), first on a coarse grid at `COARSE_SIDE`
   pixels, then refined at `FINE_SIDE` pixels around the best few.
3. **Each region's colour** (`reference_palette`): the sketch's regions
   (the paint stages' own) look through the alignment at the reference;
   each region takes the colour most of its paper sees there (colours are
   voted in 4-bit bins, the winner's mean is used), lines and the
   reference's background not voting. Its confidence is the share of its
   votes close to the winning colour, times the share of the region that
   sees the reference's figure at all (full from half): a region that
   falls off the reference has little, and below `MIN_CONFIDENCE` the
   region is left to the next source (G's colours). Where the reference
   shows a region in two or more colours (each at least `SPLIT_SHARE` of
   its votes: a colour step the sketch draws no line for, such as a
   shirt's collar or two tones of a ribbon), the region is split pixel by
   pixel between those colours as the placed reference has them.

Every reference is placed over the whole page and each region takes the
most confident answer; when no placement explains the page's ink (a
score under `WHOLE_PAGE_SCORE`: two characters side by side, or one drawn
twice), each separate figure is placed on its own with the reference that
fits it best (`_figures`). The sketch's
background stays paper: a region the fill calls background (it touches the
page's border) takes a reference colour only when at least
`BACKGROUND_CONFIDENCE` of it sees one colour of the reference's figure (a
figure cut by the page's edge), never from the reference's own background.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
from scipy import ndimage

from keras_anime_cyclegan.paint.colours import SPLIT_SIDE, Coarse, Palette
from keras_anime_cyclegan.paint.grow import grow
from keras_anime_cyclegan.paint.ink import Ink
from keras_anime_cyclegan.paint.regions import Regions, find_regions

REFERENCE_SIDE = 1024  # a larger reference is downscaled to this longest side
COARSE_SIDE = 64  # the coarse alignment grid, pixels on the longer side
FINE_SIDE = 256  # the refinement's resolution
MAX_TURN = 15  # degrees either way
TURN_STEP = 5  # degrees, coarse grid
SCALE_STEPS = 4  # coarse scales either side of the spread's estimate, 2^(1/6) apart
SHIFT_RANGE = 0.25  # of the longer side, either way, around the centroids' match
SHIFT_STEP = 2  # coarse pixels between shifts tried (the refinement finds the rest)
TRUNCATE = 4  # chamfer distances are capped at this many pixels (at each level's resolution)
POINTS = 200  # edge points per side at the coarse level (1000 at the fine one)
KEEP = 3  # coarse hypotheses refined
LINE_DARKNESS = 96  # the reference's lines: luma below this, and thinner than `LINE_WIDTH`
LINE_WIDTH = 7 / 1024  # of the reference's longer side: dark strokes thinner than this are lines
EDGE_STEP = 32  # a colour change of this much (0-255, any channel) between neighbours is an edge
AGREE = 48  # a vote within this (0-255, any channel) of the winning colour agrees with it
SEEN = 0.5  # a region whose paper sees the reference's figure over less than this share is less sure, in proportion
SPLIT_SHARE = 0.1  # a second colour holding this share of a region's votes splits it (no line between them)
MAX_SPLIT = 4  # colours per split region
MIN_CONFIDENCE = 0.4  # a region whose winning colour has a smaller share of its samples is left to G
BACKGROUND_CONFIDENCE = 0.8  # a region the sketch's fill calls background needs this much
WHOLE_PAGE_SCORE = 0.85  # a placement over the whole page this good serves every figure on it
FIGURE_SHARE = 0.1  # a separate figure on the page holds at least this share of the largest one's area
FIGURE_MARGIN = 0.02  # of the longer side: a figure's window reaches this far beyond it
SAMPLES = 1_000_000  # at most this many of the sketch's pixels vote (a huge picture is sampled on a grid)


@dataclass
class Reference:
    """A reference picture, ready to be placed over sketches.

    Attributes:
        colours: uint8 (h, w, 3), the picture (at most `REFERENCE_SIDE` on its longer side).
        usable: bool (h, w), True where its colour may be copied (not
            background, not a line).
        edges: bool (H, W) at `FINE_SIDE` on the longer side: where its colour changes or a line runs.
        source: the name used in messages.
    """

    colours: np.ndarray
    usable: np.ndarray
    edges: np.ndarray
    source: str = "reference"


@dataclass
class Alignment:
    """Where a reference lies over a sketch.

    Attributes:
        matrix: float64 (2, 3), sketch pixel (x, y, 1) -> reference pixel (x, y) in `Reference.colours`.
        mirrored, turn (degrees, clockwise on screen), scale (one pixel of
            `Reference.colours` is this many of the sketch's): the placement.
        score: share of edge points (both ways) within 2 fine-level pixels of the other side's (0-1).
    """

    matrix: np.ndarray
    mirrored: bool
    turn: float
    scale: float
    score: float


def prepare_reference(picture: np.ndarray, alpha: Optional[np.ndarray] = None, lines: Optional[np.ndarray] = None,
                      source: str = "reference") -> Reference:
    """A `Reference` from a uint8 (H, W, 3) colour picture (its alpha, and an
    artist's line art of it, uint8 (H, W[, 3]) the same size, optional)."""
    h, w = picture.shape[:2]
    k = max(h, w) / REFERENCE_SIDE
    if k > 1:
        picture = _resize(picture, round(h / k), round(w / k))
        alpha = None if alpha is None else _resize(alpha, picture.shape[0], picture.shape[1])
        lines = None if lines is None else _resize(lines, picture.shape[0], picture.shape[1])
    colours = np.ascontiguousarray(picture[..., :3])
    if lines is not None:
        line_mask = (lines if lines.ndim == 2 else lines.min(axis=-1)) < 128
    else:
        luma = colours.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
        dark = luma < LINE_DARKNESS
        width = max(3, int(round(LINE_WIDTH * max(colours.shape[:2]))) | 1)
        line_mask = dark & ~ndimage.binary_opening(dark, structure=np.ones((width, width), bool))
    c = colours.astype(np.int16)
    edge = line_mask.copy()
    edge[1:] |= np.abs(c[1:] - c[:-1]).max(axis=-1) > EDGE_STEP
    edge[:, 1:] |= np.abs(c[:, 1:] - c[:, :-1]).max(axis=-1) > EDGE_STEP
    if alpha is not None:
        background = alpha < 128
    else:  # the paint stages' own regions of the reference, its lines and colour edges as ink
        regions = find_regions(edge)
        background = regions.background[regions.labels]
    edge[1:] |= background[1:] != background[:-1]
    edge[:, 1:] |= background[:, 1:] != background[:, :-1]
    usable = ~background & ~line_mask
    return Reference(colours, usable, _block_any(edge, FINE_SIDE)[0], source)


def align(reference: Reference, ink: np.ndarray) -> Alignment:
    """The placement of `reference` over a sketch whose ink mask (bool (H, W)) is `ink`."""
    fine_ink, f_ink = _block_any(ink, FINE_SIDE)
    fine_ref = reference.edges
    coarse_ink, c_ink = _block_any(fine_ink, COARSE_SIDE)
    coarse_ref, c_ref = _block_any(fine_ref, COARSE_SIDE)
    if not coarse_ink.any() or not coarse_ref.any():
        return _identity(reference, ink.shape, f_ink)
    # Coarse grid: every mirror, turn and scale; shifts on the coarse pixel grid.
    ref_pts, ink_pts = _points(coarse_ref, POINTS), _points(coarse_ink, POINTS)
    ref_dt, ink_dt = _distances(coarse_ref), _distances(coarse_ink)
    ref_c, ink_c = ref_pts.mean(axis=0), ink_pts.mean(axis=0)
    s0 = _spread(ink_pts) / max(_spread(ref_pts), 1e-6)
    reach = int(round(SHIFT_RANGE * max(coarse_ink.shape)))
    shifts = np.arange(-reach, reach + 1, SHIFT_STEP, dtype=np.float64)
    best = []
    for mirrored in (False, True):
        for turn in range(-MAX_TURN, MAX_TURN + 1, TURN_STEP):
            for step in range(-SCALE_STEPS, SCALE_STEPS + 1):
                scale = s0 * 2 ** (step / 6)
                costs = _grid_costs(ref_pts, ink_pts, ref_dt, ink_dt, ref_c, ink_c, mirrored, turn, scale, shifts)
                i = int(np.argmin(costs))
                dy, dx = divmod(i, shifts.size)
                best.append((float(costs.flat[i]), mirrored, float(turn), scale, shifts[dx], shifts[dy]))
    best.sort(key=lambda b: b[0])
    # Refinement at the fine level: the best few, by coordinate descent.
    ref_pts, ink_pts = _points(fine_ref, 5 * POINTS), _points(fine_ink, 5 * POINTS)
    ref_dt, ink_dt = _distances(fine_ref), _distances(fine_ink)
    refined = []
    centre = ref_c * c_ref + (c_ref - 1) / 2  # coarse pixel i covers fine pixels i*c .. i*c + c - 1
    for cost, mirrored, turn, scale, tx, ty in best[:KEEP]:
        origin = (ink_c + (tx, ty)) * c_ink + (c_ink - 1) / 2
        params = [turn, scale * c_ink / c_ref, origin[0], origin[1]]
        params, cost = _refine(ref_pts, ink_pts, ref_dt, ink_dt, centre, mirrored, params)
        refined.append((cost, mirrored, params))
    cost, mirrored, (turn, scale, ox, oy) = min(refined, key=lambda r: r[0])
    forward = _transform(mirrored, turn, scale, centre, (ox, oy))  # reference fine -> sketch fine
    score = _score(ref_pts, ink_pts, ref_dt, ink_dt, forward)
    # sketch pixels -> sketch fine -> reference fine -> reference pixels
    inverse = np.linalg.inv(np.vstack([forward, [0, 0, 1]]))
    to_fine = np.diag([1 / f_ink, 1 / f_ink, 1.0])
    to_fine[:2, 2] = -0.5 + 0.5 / f_ink  # pixel centres
    h, w = reference.colours.shape[:2]
    f_ref = max(h, w) / max(reference.edges.shape)
    from_fine = np.diag([f_ref, f_ref, 1.0])
    from_fine[:2, 2] = 0.5 * f_ref - 0.5
    matrix = (from_fine @ inverse @ to_fine)[:2]
    return Alignment(matrix, mirrored, float(turn), float(scale * f_ink / f_ref), score)


def reference_palette(
    regions: Regions, ink: Ink, references: list[Reference], alignments: Optional[list[Alignment]] = None
) -> tuple[Palette, np.ndarray]:
    """A `Palette` of the regions the references explain, and each region's
    confidence (float32 (count + 1,), 0-1).

    `alignments`: the references' placements when already found (`align`).
    """
    n = regions.count
    palette = Palette.empty(n)
    confidence = np.zeros(n + 1, np.float32)
    if alignments is not None:
        placements = [(reference, alignment, None) for reference, alignment in zip(references, alignments)]
    else:
        # The whole page first; a page whose ink no one reference explains
        # (score under `WHOLE_PAGE_SCORE`: two characters side by side) is
        # placed figure by figure, each figure taking the reference that fits it best.
        placements = [(r, align(r, ink.mask), None) for r in references]
        figures = _figures(regions) if max(p[1].score for p in placements) < WHOLE_PAGE_SCORE else [None]
        if figures != [None]:
            placements = []
            for window in figures:
                found = [(r, align(r, ink.mask[window])) for r in references]
                reference, alignment = max(found, key=lambda ra: ra[1].score)
                shift = np.eye(3)
                shift[:2, 2] = -window[1].start, -window[0].start
                alignment.matrix = (np.vstack([alignment.matrix, [0, 0, 1]]) @ shift)[:2]
                placements.append((reference, alignment, window))
    split_by = {}
    for reference, alignment, window in placements:
        colours, conf, splits = _vote(regions, ink, reference, alignment, window)
        better = conf > confidence
        palette.colours[better] = colours[better]
        confidence[better] = conf[better]
        for r in np.flatnonzero(better):
            split_by.pop(int(r), None)
            if int(r) in splits:
                split_by[int(r)] = (reference, alignment, splits[int(r)])
    # A region the sketch's fill calls background (it touches the page's
    # border: a figure cut by the page edge) is coloured only when the
    # reference all but certainly shows the figure there.
    palette.known = np.where(regions.background, confidence >= BACKGROUND_CONFIDENCE, confidence >= MIN_CONFIDENCE)
    palette.known[0] = False
    objects = ndimage.find_objects(regions.labels)
    for r, (reference, alignment, main) in split_by.items():
        if palette.known[r]:
            entry = _split_pixels(regions, reference, alignment, r, main, objects[r - 1])
            if entry is not None:
                palette.split[r] = entry
    return palette, confidence


def _figures(regions: Regions) -> list:
    """The figures on the page, as windows (row and column slices), each to
    be placed on its own: the 8-connected parts of everything that is not
    background holding at least `FIGURE_SHARE` of the largest part's area.
    One figure: [None] (the whole page)."""
    figure, f = _block_any(~regions.background[regions.labels], 2 * COARSE_SIDE)
    parts, count = ndimage.label(figure, structure=np.ones((3, 3), bool))
    if count < 2:
        return [None]
    sizes = np.bincount(parts.ravel())[1:]
    keep = np.flatnonzero(sizes >= FIGURE_SHARE * sizes.max()) + 1
    if keep.size < 2:
        return [None]
    h, w = regions.labels.shape
    margin = max(1, int(FIGURE_MARGIN * max(figure.shape)))
    windows = []
    for i, (rows, cols) in enumerate(ndimage.find_objects(parts), 1):
        if i in keep:
            windows.append((
                slice(max(rows.start - margin, 0) * f, min((rows.stop + margin) * f, h)),
                slice(max(cols.start - margin, 0) * f, min((cols.stop + margin) * f, w)),
            ))
    return windows


def _vote(regions: Regions, ink: Ink, reference: Reference, alignment: Alignment, window=None):
    """Each region's winning reference colour and its share of the region's
    samples (those in `window` only, when one is given)."""
    h, w = regions.labels.shape
    stride = max(1, int(np.ceil(np.sqrt(h * w / SAMPLES))))
    rows, cols = np.arange(stride // 2, h, stride), np.arange(stride // 2, w, stride)
    labels = regions.labels[np.ix_(rows, cols)]
    near_ink = ndimage.binary_dilation(ink.mask[np.ix_(rows, cols)], iterations=1)
    take = ~near_ink
    if window is not None:
        take &= ((rows >= window[0].start) & (rows < window[0].stop))[:, None]
        take &= ((cols >= window[1].start) & (cols < window[1].stop))[None, :]
    ys, xs = np.nonzero(take)
    labels = labels[ys, xs]
    m = alignment.matrix
    px, py = cols[xs].astype(np.float64), rows[ys].astype(np.float64)
    rx = np.floor(m[0, 0] * px + m[0, 1] * py + m[0, 2] + 0.5).astype(np.intp)
    ry = np.floor(m[1, 0] * px + m[1, 1] * py + m[1, 2] + 0.5).astype(np.intp)
    rh, rw = reference.usable.shape
    inside = (rx >= 0) & (rx < rw) & (ry >= 0) & (ry < rh)
    n = regions.count
    samples = np.bincount(labels, minlength=n + 1).astype(np.float64)
    labels, rx, ry = labels[inside], rx[inside], ry[inside]
    usable = reference.usable[ry, rx]
    labels, rx, ry = labels[usable], rx[usable], ry[usable]
    rgb = reference.colours[ry, rx].astype(np.int64)
    key = (rgb[:, 0] >> 4) << 8 | (rgb[:, 1] >> 4) << 4 | (rgb[:, 2] >> 4)
    pairs, counts = np.unique(labels.astype(np.int64) << 12 | key, return_counts=True)
    region_of = pairs >> 12
    # the winning bin of each region: the last of its pairs sorted by count
    order = np.lexsort((counts, region_of))
    last = np.ones(order.size, bool)
    last[:-1] = region_of[order][1:] != region_of[order][:-1]
    winners = order[last]
    colours = np.zeros((n + 1, 3), np.float32)
    confidence = np.zeros(n + 1, np.float32)
    if winners.size:
        won = np.zeros(n + 1, np.int64) - 1
        won[region_of[winners]] = pairs[winners] & 4095
        chosen = won[labels] == key
        for c in range(3):
            sums = np.bincount(labels[chosen], weights=rgb[chosen, c], minlength=n + 1)
            colours[region_of[winners], c] = sums[region_of[winners]] / counts[winners]
        # Agreement: votes close to the winner's colour (a gradient spans several bins) ...
        close = np.abs(rgb - colours[labels]).max(axis=1) <= AGREE
        agree = np.bincount(labels[close], minlength=n + 1)
        votes = np.bincount(labels, minlength=n + 1)
        # ... as a share of the votes, times the share of the region that sees the reference's figure at all.
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(votes > 0, agree / np.maximum(votes, 1), 0)
            seen = np.where(samples > 0, votes / np.maximum(samples, 1), 0)
        confidence[:] = share * np.minimum(seen / SEEN, 1)
        splits = _main_colours(labels, rgb, key, colours, votes, pairs, counts, won)
        for r, main in splits.items():  # agreement with any of the region's colours
            v = rgb[labels == r]
            close = (np.abs(v[:, None, :] - main[None]).max(axis=2) <= AGREE).any(axis=1)
            confidence[r] = close.mean() * min(seen[r] / SEEN, 1)
    else:
        splits = {}
    confidence[0] = 0
    return colours, confidence, splits


def _main_colours(labels, rgb, key, colours, votes, pairs, counts, won) -> dict:
    """{region: float32 (k, 3)} for the regions whose votes hold k >= 2
    colours, each at least `SPLIT_SHARE` of them and more than `AGREE` from
    the others (a colour step with no line in the sketch: two tones of a
    ribbon, a shirt's collar): the winner first, then the most voted of
    what is left, and so on (at most `MAX_SPLIT`)."""
    region_of = pairs >> 12
    strong = (counts >= SPLIT_SHARE * votes[region_of]) & ((pairs & 4095) != won[region_of])
    candidates = np.unique(region_of[strong])
    if candidates.size == 0:
        return {}
    order = np.argsort(labels, kind="stable")
    starts = np.searchsorted(labels[order], candidates)
    stops = np.searchsorted(labels[order], candidates, side="right")
    splits = {}
    for r, a, b in zip(candidates, starts, stops):
        v, k = rgb[order[a:b]], key[order[a:b]]
        main = [colours[r]]
        rest = np.abs(v - colours[r]).max(axis=1) > AGREE
        while rest.sum() >= SPLIT_SHARE * (b - a) and len(main) < MAX_SPLIT:
            top = np.bincount(k[rest], minlength=4096).argmax()
            c = v[rest & (k == top)].mean(axis=0).astype(np.float32)
            main.append(c)
            rest &= np.abs(v - c).max(axis=1) > AGREE
        if len(main) > 1:
            splits[int(r)] = np.array(main, np.float32)
    return splits


def _split_pixels(regions: Regions, reference: Reference, alignment: Alignment, region: int, main: np.ndarray, window):
    """`Palette.split`'s entry for a region the reference shows in several
    colours: each pixel the one of `main` its place in the reference has
    (within `AGREE`); pixels the reference does not show there take the
    choice of the nearest that it does (grown in 4-neighbour rounds)."""
    inside = regions.labels[window] == region
    f = -(-max(inside.shape) // SPLIT_SIDE)
    rows = np.arange(window[0].start + f // 2, window[0].stop, f, dtype=np.float64)
    cols = np.arange(window[1].start + f // 2, window[1].stop, f, dtype=np.float64)
    m = alignment.matrix
    rx = np.floor(m[0, 0] * cols[None, :] + m[0, 1] * rows[:, None] + m[0, 2] + 0.5).astype(np.intp)
    ry = np.floor(m[1, 0] * cols[None, :] + m[1, 1] * rows[:, None] + m[1, 2] + 0.5).astype(np.intp)
    rh, rw = reference.usable.shape
    ok = (rx >= 0) & (rx < rw) & (ry >= 0) & (ry < rh)
    rx, ry = np.clip(rx, 0, rw - 1), np.clip(ry, 0, rh - 1)
    ok &= reference.usable[ry, rx]
    seen = reference.colours[ry, rx].astype(np.float32)
    distance = np.abs(seen[:, :, None, :] - main[None, None]).max(axis=3)
    ok &= distance.min(axis=2) <= AGREE
    if not ok.any():
        return None
    choice = np.where(ok, distance.argmin(axis=2) + 1, 0).astype(np.int32)
    grow(choice)  # where the reference does not say, the nearest choice (4-neighbour rounds)
    picked = (choice - 1).astype(np.int16)
    table = np.clip(np.round(main), 0, 255).astype(np.uint8)
    return window, inside, (Coarse(picked, f) if f > 1 else picked), table


def _block_any(mask: np.ndarray, side: int) -> tuple[np.ndarray, int]:
    """`mask` shrunk by a whole factor to at most `side` on its longer side, a
    block True if any pixel is; and the factor."""
    h, w = mask.shape
    f = max(1, -(-max(h, w) // side))
    if f == 1:
        return mask, 1
    bh, bw = -(-h // f), -(-w // f)
    padded = np.zeros((bh * f, bw * f), bool)
    padded[:h, :w] = mask
    return padded.reshape(bh, f, bw, f).any(axis=(1, 3)), f


def _points(mask: np.ndarray, count: int) -> np.ndarray:
    """(N, 2) float64 (x, y) of at most `count` of the mask's pixels, evenly through raster order."""
    ys, xs = np.nonzero(mask)
    step = max(1, -(-ys.size // count))
    return np.stack([xs[::step], ys[::step]], axis=1).astype(np.float64)


def _distances(mask: np.ndarray) -> np.ndarray:
    """float32: each pixel's distance to the mask, capped at `TRUNCATE`."""
    return np.minimum(ndimage.distance_transform_edt(~mask), TRUNCATE).astype(np.float32)


def _spread(points: np.ndarray) -> float:
    return float(np.sqrt(((points - points.mean(axis=0)) ** 2).sum(axis=1).mean()))


def _transform(mirrored: bool, turn: float, scale: float, centre: np.ndarray, origin) -> np.ndarray:
    """(2, 3): reference (x, y, 1) -> sketch (x, y): mirror about the
    reference's `centre`, turn, scale, and put the centre at `origin`."""
    a = np.deg2rad(turn)
    rot = scale * np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    if mirrored:
        rot = rot @ np.diag([-1.0, 1.0])
    return np.hstack([rot, (np.asarray(origin, np.float64) - rot @ centre)[:, None]])


def _lookup(dt: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Truncated distances at (N..., 2) points; off the picture counts as `TRUNCATE`."""
    x = np.floor(pts[..., 0] + 0.5).astype(np.intp)
    y = np.floor(pts[..., 1] + 0.5).astype(np.intp)
    h, w = dt.shape
    ok = (x >= 0) & (x < w) & (y >= 0) & (y < h)
    out = np.full(x.shape, TRUNCATE, np.float32)
    out[ok] = dt[y[ok], x[ok]]
    return out


def _grid_costs(ref_pts, ink_pts, ref_dt, ink_dt, ref_c, ink_c, mirrored, turn, scale, shifts) -> np.ndarray:
    """Symmetric chamfer cost (len(shifts), len(shifts)) [dy, dx] of one mirror, turn and scale."""
    t = _transform(mirrored, turn, scale, ref_c, ink_c)
    fwd = ref_pts @ t[:, :2].T + t[:, 2]  # (N, 2) before the shift
    grid_x, grid_y = np.meshgrid(shifts, shifts)
    moved = fwd[None, :, :] + np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)[:, None, :]
    cost = _lookup(ink_dt, moved).mean(axis=1)
    inv = np.linalg.inv(np.vstack([t, [0, 0, 1]]))[:2]
    back = ink_pts @ inv[:, :2].T + inv[:, 2]
    step = -np.stack([grid_x.ravel(), grid_y.ravel()], axis=1) @ inv[:, :2].T  # a shift in sketch space, in reference space
    cost += _lookup(ref_dt, back[None, :, :] + step[:, None, :]).mean(axis=1)
    return cost.reshape(shifts.size, shifts.size)


def _cost(ref_pts, ink_pts, ref_dt, ink_dt, t) -> float:
    inv = np.linalg.inv(np.vstack([t, [0, 0, 1]]))[:2]
    return float(_lookup(ink_dt, ref_pts @ t[:, :2].T + t[:, 2]).mean() + _lookup(ref_dt, ink_pts @ inv[:, :2].T + inv[:, 2]).mean())


def _score(ref_pts, ink_pts, ref_dt, ink_dt, t) -> float:
    inv = np.linalg.inv(np.vstack([t, [0, 0, 1]]))[:2]
    a = _lookup(ink_dt, ref_pts @ t[:, :2].T + t[:, 2]) <= 2
    b = _lookup(ref_dt, ink_pts @ inv[:, :2].T + inv[:, 2]) <= 2
    return float(np.sqrt(a.mean() * b.mean()))


def _refine(ref_pts, ink_pts, ref_dt, ink_dt, centre, mirrored, params):
    """Coordinate descent on (turn, scale, x, y), steps halving from (2 degrees, 2^(1/12), 2 px)."""
    steps = [2.0, 2 ** (1 / 12), 2.0, 2.0]

    def cost_of(p):
        return _cost(ref_pts, ink_pts, ref_dt, ink_dt, _transform(mirrored, p[0], p[1], centre, (p[2], p[3])))

    best = cost_of(params)
    for _ in range(4):
        improved = True
        while improved:
            improved = False
            for i in range(4):
                for sign in (1, -1):
                    trial = list(params)
                    trial[i] = trial[i] * steps[i] ** sign if i == 1 else trial[i] + sign * steps[i]
                    c = cost_of(trial)
                    if c < best - 1e-9:
                        best, params, improved = c, trial, True
        steps = [steps[0] / 2, np.sqrt(steps[1]), steps[2] / 2, steps[3] / 2]
    return params, best


def _identity(reference: Reference, shape, f_ink) -> Alignment:
    """No ink or no edges: the reference stretched over the sketch."""
    h, w = shape
    rh, rw = reference.colours.shape[:2]
    matrix = np.array([[rw / w, 0, 0.5 * rw / w - 0.5], [0, rh / h, 0.5 * rh / h - 0.5]])
    return Alignment(matrix, False, 0.0, 1.0, 0.0)


def _resize(a: np.ndarray, h: int, w: int) -> np.ndarray:
    """`a` (uint8 (H, W[, C])) shrunk to (h, w) by averaging the nearest source rows and columns' blocks."""
    rows = (np.arange(h + 1) * a.shape[0]) // h
    cols = (np.arange(w + 1) * a.shape[1]) // w
    sums = np.add.reduceat(np.add.reduceat(a.astype(np.float32), rows[:-1], axis=0), cols[:-1], axis=1)
    area = np.diff(rows)[:, None] * np.diff(cols)[None, :]
    return np.round(sums / (area if a.ndim == 2 else area[..., None])).astype(np.uint8)
