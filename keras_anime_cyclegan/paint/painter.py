"""`paint`: every stage in order, for one sketch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from keras_anime_cyclegan.paint.colours import Hint, Palette, flowed_hints, hint_colours, model_colours, reached_hints
from keras_anime_cyclegan.paint.composite import flats, multiply_lines
from keras_anime_cyclegan.paint.ink import Ink, find_ink
from keras_anime_cyclegan.paint.regions import Regions, at_border, sketch_regions


@dataclass
class Painting:
    """A painted sketch and its stages.

    Attributes:
        image: uint8 (H, W, 3), the flats with the lines multiplied over them.
        flats: uint8 (H, W, 3), the flat colours alone (None with `keep_flats=False`).
        ink: the sketch's `Ink` (darkness, mask, paper colour).
        regions: its `Regions`.
    """

    image: np.ndarray
    flats: Optional[np.ndarray]
    ink: Ink
    regions: Regions


def paint(
    sketch: np.ndarray,
    coloured: Optional[np.ndarray] = None,
    hints: Optional[list[Hint]] = None,
    sources: Optional[list[Palette]] = None,
    regions: Optional[Regions] = None,
    ink: Optional[Ink] = None,
    keep_flats: bool = True,
) -> Painting:
    """Flat colours for a uint8 (H, W, 3) sketch.

    Args:
        sketch: the line art, at the size the result should have.
        coloured: uint8 (h, w, 3), a model's colouring of it at any size (G's
            result); each region takes its median there, except the page's:
            the background (`Regions.background`) and any region on the
            picture's border (the page cut off by hatching, a floor or a
            horizon line, as a watershed seeds the border with paper) stay
            paper unless a hint, its flow or its reach colours them.
        hints: `Hint`s in the sketch's pixels; they win over every other source.
            A figure region no hint landed in takes the colour of a hinted
            one it meets through a gap between line ends (never across a
            drawn line), after `sources` (and a piece of the background
            the fill cut off near the picture's edge, the colour of the
            dotted piece it meets); then one that meets dotted
            regions over lower lines than it meets the open background
            takes their colour (`reached_hints`); then `coloured`.
        sources: further palettes (a reference picture's), asked after the
            hints and before `coloured`; the hints' flow and reach neither
            enter nor pass through the regions they colour.
        regions, ink: the sketch's regions and ink, when already found.
        keep_flats: False composites in place of the flats (`Painting.flats`
            is then None): a huge picture needs one copy of itself less.
    """
    ink = ink if ink is not None else find_ink(sketch)
    regions = regions if regions is not None else sketch_regions(ink)
    hinted = hint_colours(regions, ink, hints or [])
    sources = list(sources or [])
    settled = np.logical_or.reduce([s.known for s in sources]) if sources else None
    flowed = flowed_hints(regions, ink, hinted, settled)
    palettes = [hinted] + sources + [flowed, reached_hints(regions, ink, hinted, flowed, settled)]
    if coloured is not None:
        g = model_colours(regions, ink, coloured)
        g.known &= ~(regions.background | at_border(regions))
        palettes.append(g)
    flat = flats(regions, ink, palettes)
    if not keep_flats:
        return Painting(multiply_lines(flat, sketch, ink, out=flat), None, ink, regions)
    return Painting(multiply_lines(flat, sketch, ink), flat, ink, regions)
