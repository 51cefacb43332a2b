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
    h, w = labels.shape
    stride = w + 2
    padded = np.pad(labels, 1)
    flat = padded.ravel()
    room = np.zeros((h + 2, w + 2), bool)
    room[1:-1, 1:-1] = (labels == 0) if passable is None else (labels == 0) & passable
    open_ = room.ravel()
    steps = np.array([-1, 1, -stride, stride])
    # The first front: every labelled pixel beside an open one.
    todo = np.flatnonzero(open_)
    if todo.size == 0:
        return
    near = (todo[:, None] + steps).ravel()
    front = np.unique(near[flat[near] > 0])
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
    labels[...] = padded[1:-1, 1:-1]


def grow_by_height(labels: np.ndarray, height: np.ndarray, passable: Optional[np.ndarray] = None, levels: int = 256) -> None:
    """A watershed (in place): `labels` grow level by level of `height`
    (integers 0 .. levels - 1), through pixels no higher than each level, within `passable`."""
    for level in range(levels):
        low = height <= level
        grow(labels, low if passable is None else low & passable)
