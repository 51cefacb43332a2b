"""Growing labels over a picture: the one flood every paint stage uses.

`grow` spreads labelled pixels into unlabelled ones, one 4-neighbour step
per round, only where `passable` allows; a pixel reached by two labels in
the same round takes the larger (so the result never depends on order).
Only the front moves each round, so a flood costs about one visit per
pixel. `grow_by_height` is a watershed made of such floods: level by level
of a height map, the labels grow through everything no higher than the
level, so a low passage (a gap in a line) is crossed only after all the
lower ground (the paper on each side) is taken, and fronts that meet on
flat ground split it half way, like a Voronoi split, rather than in the
order of a queue.
"""

from __future__ import annotations

from typing import Optional

import numpy as np


def grow(labels: np.ndarray, passable: Optional[np.ndarray] = None, rounds: Optional[int] = None) -> None:
    """Grows `labels` (int (H, W), 0 = unlabelled) in place into unlabelled
    `passable` pixels (all when None), for at most `rounds` rounds (no limit when None)."""
    padded = np.pad(labels, 1)
    grow_padded(padded, passable, rounds)
    labels[...] = padded[1:-1, 1:-1]


def grow_padded(padded: np.ndarray, passable: Optional[np.ndarray] = None, rounds: Optional[int] = None) -> None:
    """`grow` on labels that already have a border of one 0 pixel all round
    (`padded`, (H + 2, W + 2); `passable` is (H, W)), with no copy of them."""
    room = np.zeros(padded.shape, bool)
    room[1:-1, 1:-1] = padded[1:-1, 1:-1] == 0
    if passable is not None:
        room[1:-1, 1:-1] &= passable
    if room.any():
        _flood(padded, room, _beside(room, padded), rounds)


def grow_by_height(
    labels: np.ndarray, height: np.ndarray, passable: Optional[np.ndarray] = None, levels: int = 256
) -> None:
    """A watershed (in place): `labels` grow level by level of `height`
    (integers 0 .. levels - 1), through pixels no higher than each level, within `passable`.

    One padded copy serves every level: at each, the pixels that become
    passable open, and the labels beside them flood in.
    """
    padded = np.pad(labels, 1)
    high = np.pad(height, 1, constant_values=levels)  # the border never opens
    allowed = padded == 0
    if passable is not None:
        allowed[1:-1, 1:-1] &= passable
    room = np.zeros(padded.shape, bool)
    for level in range(levels):
        newly = allowed & (high == level) & (padded == 0)
        if not newly.any():
            continue
        room |= newly
        _flood(padded, room, _beside(newly, padded), None)
    labels[...] = padded[1:-1, 1:-1]


def _beside(room: np.ndarray, padded: np.ndarray) -> np.ndarray:
    """Flat indices of the labelled pixels beside a pixel of `room` (shifted
    masks: a huge picture needs no index arrays of its open pixels)."""
    beside = np.zeros_like(room)
    beside[1:-1, 1:-1] = room[:-2, 1:-1] | room[2:, 1:-1] | room[1:-1, :-2] | room[1:-1, 2:]
    beside &= padded != 0
    return np.flatnonzero(beside)


def _flood(padded: np.ndarray, room: np.ndarray, front: np.ndarray, rounds: Optional[int]) -> None:
    """Rounds of growth from `front` (flat indices) into `room` (in place on both)."""
    flat, open_ = padded.ravel(), room.ravel()
    stride = padded.shape[1]
    steps = np.array([-1, 1, -stride, stride])
    done = 0
    while front.size and (rounds is None or done < rounds):
        targets = (front[:, None] + steps).ravel()
        values = np.repeat(flat[front], 4)
        keep = open_[targets]
        targets, values = targets[keep], values[keep]
        if targets.size == 0:
            break
        order = np.lexsort((-values, targets))  # per target, the largest label first
        targets, values = targets[order], values[order]
        first = np.ones(targets.size, bool)
        first[1:] = targets[1:] != targets[:-1]
        targets, values = targets[first], values[first]
        flat[targets] = values
        open_[targets] = False
        front = targets
        done += 1
