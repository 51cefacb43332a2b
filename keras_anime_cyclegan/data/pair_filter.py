"""Whether a rendered (colour, line art) pair is plausible: the figures and the rules.

A pair is kept only when its line render looks like line art of its colour
picture (`PairFilter`); the manifest records the figures and, for a
rejected SVG, the first rule it failed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter


@dataclass(frozen=True)
class PairFilter:
    """What a plausible line render looks like (fractions of pixels)."""

    min_ink: float = 0.02  # of the square's pixels dark in the line render
    max_ink: float = 0.25
    min_ink_near_edges: float = 0.7  # of the ink within 3 px of an edge of the colour render
    min_outline_inked: float = 0.5  # of the figure's outer outline with ink within 3 px
    min_coloured: float = 0.15  # of the figure's pixels really coloured (not grey)
    min_edges_with_line: float = 0.5  # of the colour render's inner edges with ink within 3 px


def _dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    img = Image.fromarray(np.uint8(mask) * 255).filter(ImageFilter.MaxFilter(2 * radius + 1))
    return np.asarray(img) > 0


def _edges(rgb: np.ndarray, threshold: float = 0.12) -> np.ndarray:
    x = rgb.astype(np.float32) / 255.0
    dy = np.abs(np.diff(x, axis=0, append=x[-1:])).max(-1)
    dx = np.abs(np.diff(x, axis=1, append=x[:, -1:])).max(-1)
    return np.maximum(dx, dy) > threshold


def pair_metrics(colour: np.ndarray, lines: np.ndarray, figure: np.ndarray) -> dict:
    """The filter's figures for one rendered pair (see `PairFilter`)."""
    ink = lines[..., 0] < 128
    fig = figure > 0.5
    edges = _edges(colour)
    outline = fig & ~np.asarray(Image.fromarray(np.uint8(fig) * 255).filter(ImageFilter.MinFilter(3)), bool)
    near_ink = _dilate(ink, 3)
    inner_edges = edges & ~_dilate(outline, 2) & fig
    x = colour.astype(np.float32) / 255.0
    chroma = x.max(-1) - x.min(-1)
    coloured = (chroma > 0.15) & fig & ~ink
    return {
        "ink_fraction": float(ink.mean()),
        "ink_near_edges": float((ink & _dilate(edges | outline, 3)).sum() / max(ink.sum(), 1)),
        "outline_inked": float((outline & near_ink).sum() / max(outline.sum(), 1)),
        "coloured_fraction": float(coloured.sum() / max(fig.sum(), 1)),
        "edges_with_line": float((inner_edges & near_ink).sum() / max(inner_edges.sum(), 1)),
    }


def judge(metrics: dict, rules: PairFilter = PairFilter()) -> str:
    """'' when the pair passes, else the first failed rule with its figure."""
    m, r = metrics, rules
    if not r.min_ink <= m["ink_fraction"] <= r.max_ink:
        return f"ink covers {m['ink_fraction']:.1%} of the picture (want {r.min_ink:.0%}-{r.max_ink:.0%})"
    if m["ink_near_edges"] < r.min_ink_near_edges:
        return f"only {m['ink_near_edges']:.0%} of the ink lies on colour edges (want {r.min_ink_near_edges:.0%})"
    if m["outline_inked"] < r.min_outline_inked:
        return f"only {m['outline_inked']:.0%} of the outline is inked (want {r.min_outline_inked:.0%})"
    if m["coloured_fraction"] < r.min_coloured:
        return f"only {m['coloured_fraction']:.0%} of the figure is coloured (want {r.min_coloured:.0%})"
    if m["edges_with_line"] < r.min_edges_with_line:
        return f"only {m['edges_with_line']:.0%} of the colour edges have a line (want {r.min_edges_with_line:.0%})"
    return ""
