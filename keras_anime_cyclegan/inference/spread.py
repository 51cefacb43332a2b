"""The hint spread in NumPy, for exported generators that leave it to their runner.

`models.layers.HintSpread` grows each colour hint through the sketch's
paper before G sees it: 48 rounds of 3x3 pooling over the whole picture at
half resolution, then two at full size. Inside a TFLite or TF.js graph those
rounds cost more than the network itself (2.1-2.6x the latency of the same
network without them: benchmarks/README.md), whether or not there are any
hints. The same growth done as a breadth-first search touches each pixel
once, when the front reaches it, and nothing at all without hints.

So the TFLite and TF.js exports of a generator with the half-resolution
spread leave it out of the graph (`export.graph`) and say so in
`metadata.json` (`"hints": {"spread": {"rounds": 48, ...}}`); their runners
(`inference.runners`) call `spread_hints` on the input first, and the
browser page does the same in `web_demo/src/spread.js`. The result is
`HintSpread(rounds)`'s, to float32 rounding (`tests/test_hints.py`).

The rule, as the layer has it (`HintSpread.call`, coarsest level 2):

1. paper: pixels whose RGB mean is above 0 (lighter than mid-grey);
2. at half resolution, each 2x2 block carries the mean colour of its
   hinted pixels; a block is paper if its four pixels are, and then only
   if its 2x2 neighbourhood (itself, right, below, below-right) is;
3. `rounds` rounds: an unhinted paper block with a hinted block among its
   8 neighbours takes their mean colour;
4. back at full size, each unhinted paper pixel takes its block's colour if
   the block was reached;
5. two more rounds as in 3, at full size.
"""

from __future__ import annotations

import numpy as np

from keras_anime_cyclegan.config import HINT_CHANNELS

_OFFSETS = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]


def spread_hints(batch: np.ndarray, rounds: int) -> np.ndarray:
    """`batch` (N, H, W, 3 + 4: sketch RGB, hint RGB, 0/1 mask; float32 in
    [-1, 1]) with its hints grown as `HintSpread(rounds)` grows them.

    H and W must be even (the generators' multiple is). A batch without
    hints comes back as it is, at no cost.
    """
    batch = np.asarray(batch, np.float32)
    if batch.ndim != 4 or batch.shape[-1] != 3 + HINT_CHANNELS:
        raise ValueError(f"spread_hints takes (N, H, W, {3 + HINT_CHANNELS}) sketches with hints; got shape {batch.shape}")
    if batch.shape[1] % 2 or batch.shape[2] % 2:
        raise ValueError(f"spread_hints needs an even height and width; got {batch.shape[1]}x{batch.shape[2]}")
    mask = np.ascontiguousarray(batch[..., 6])
    hinted = mask.reshape(mask.shape[0], -1).any(axis=1)
    if not rounds or not hinted.any():
        return batch
    if not ((mask == 0.0) | (mask == 1.0)).all():
        raise ValueError("spread_hints: the hint mask must be 0 or 1 at every pixel")
    out = np.empty_like(batch)
    out[..., :3] = batch[..., :3]
    for i in range(batch.shape[0]):
        if hinted[i]:
            out[i, ..., 3:] = _spread_one(batch[i], mask[i] > 0, rounds)
        else:
            out[i, ..., 3:] = batch[i, ..., 3:]
    return out


def _spread_one(x: np.ndarray, mask: np.ndarray, rounds: int) -> np.ndarray:
    """One picture's hint channels (H, W, 4) spread; `x` is its (H, W, 7), `mask` its hinted pixels."""
    h, w = x.shape[:2]
    # (Channel by channel: NumPy reduces a last axis of 3 slowly.)
    paper = (x[..., 0] + x[..., 1] + x[..., 2]) > 0
    ys, xs = np.nonzero(mask)  # the dots: few pixels

    # Half resolution: block means of the hinted colours, and paper blocks.
    low = _padded_state(h // 2, w // 2)
    block = (ys // 2 + 1) * (w // 2 + 2) + xs // 2 + 1
    count = np.bincount(block, minlength=low.shape[0] * low.shape[1])
    flat = low.reshape(-1, 4)
    for c in range(3):
        flat[:, c] = np.bincount(block, x[ys, xs, 3 + c], minlength=count.size) / np.maximum(count, 1)
    flat[:, 3] = count > 0
    low_paper = paper[0::2, 0::2] & paper[1::2, 0::2] & paper[0::2, 1::2] & paper[1::2, 1::2]
    closed = low_paper.copy()  # the 2x2 minimum at stride 1, "same" padding (after)
    closed[:-1] &= low_paper[1:]
    closed[:, :-1] &= low_paper[:, 1:]
    closed[:-1, :-1] &= low_paper[1:, 1:]
    _grow(low, closed, rounds)

    # Full size: the user's hints kept, reached paper takes its block's colour.
    full = _padded_state(h, w)
    blocks = full[1:-1, 1:-1]
    blocks.shape = (h // 2, 2, w // 2, 2, 4)  # a view of 2x2 blocks (setting .shape never copies)
    blocks[...] = low[1:-1, 1:-1][:, None, :, None]
    reached = (full[1:-1, 1:-1, 3] > 0) & paper & ~mask
    # Zero where not reached, each pixel's 4 floats as one 16-byte item
    # (NumPy masks those several times faster than 4-float rows).
    full.view(np.complex128)[1:-1, 1:-1, 0][~reached] = 0
    full[ys + 1, xs + 1] = x[ys, xs, 3:]  # the dots' colour and mask 1
    _grow(full, paper, 2)
    return full[1:-1, 1:-1]


def _padded_state(h: int, w: int) -> np.ndarray:
    """Zeros for the colour and hinted flag (0/1) of each pixel, with a
    one-pixel border that stands for the outside (never hinted, never paper).
    Unhinted pixels hold colour 0, so a sum over neighbours is their hinted
    colours' sum and count."""
    return np.zeros((h + 2, w + 2, 4), np.float32)


def _grow(state: np.ndarray, paper: np.ndarray, rounds: int) -> None:
    """`rounds` rounds of growth in `state` (`_padded_state`) over `paper`:
    each round, every unhinted paper pixel beside hinted ones takes the mean
    colour of its hinted 3x3 neighbours. Only the front is visited."""
    h, w = paper.shape
    stride = w + 2
    offsets = np.array([dy * stride + dx for dy, dx in _OFFSETS])[:, None]
    hinted = state[..., 3] > 0
    open_ = np.zeros((h + 2, stride), bool)
    open_[1:-1, 1:-1] = paper & ~hinted[1:-1, 1:-1]
    # The first round's candidates from the whole picture at once (the
    # hinted area may be most of it), later ones from the last round's.
    near = np.zeros_like(open_)
    for dy, dx in _OFFSETS:
        near[1:-1, 1:-1] |= hinted[1 + dy : h + 1 + dy, 1 + dx : w + 1 + dx]
    flat, open_ = state.reshape(-1, 4), open_.ravel()
    candidates = np.flatnonzero(near.ravel() & open_)
    slot = np.zeros(open_.size, np.intp)
    for step in range(rounds):
        if step:
            candidates = around.ravel()
            candidates = candidates[np.take(open_, candidates)]
            # Each candidate once (without sorting): keep its last occurrence.
            order = np.arange(candidates.size)
            slot[candidates] = order
            candidates = candidates[np.take(slot, candidates) == order]
        if not candidates.size:
            break
        around = offsets + candidates  # (9, k): summed over the first axis, which NumPy does fast
        total = np.take(flat, around, axis=0).sum(axis=0)  # (np.take gathers rows far faster than indexing)
        total /= total[:, 3:]  # the mean colour, and hinted 1
        flat[candidates] = total
        open_[candidates] = False
