"""What real sketches look like, drawn onto clean line art: NumPy, uint8 in and out.

An artist's clean lines are dark, closed and even; sketches people colour
are pencil-light, broken, doubled, hatched in the shadows, scanned or
photographed (paper texture, blur, JPEG). Each function here takes uint8
(H, W, 3) line art (white paper) and a NumPy generator and returns a new
uint8 picture; `real_sketch` draws a mix of them per picture. Training
uses it on the artist's line art of aligned pairs (`data.real_sketches`),
in the input's NumPy half, so both input paths see the same sketches;
`benchmarks/regions.py` degrades its test sketches with the same functions.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

INK = 128  # a pixel darker than this (in its darkest channel) is a line


def ink_of(lines: np.ndarray) -> np.ndarray:
    return lines.min(axis=-1) < INK


def line_length(ink: np.ndarray) -> int:
    """About how many pixels long the lines are: half their outline."""
    return int((ink & ~ndimage.binary_erosion(ink)).sum() // 2)


def line_width(ink: np.ndarray) -> int:
    """The lines' typical width in pixels: ink area over skeleton length (at least 2)."""
    return max(2, int(round(2 * np.sqrt(ink.sum() / max(1, line_length(ink))))))


def stroke_width(ink: np.ndarray) -> int:
    """The strokes' typical width: from the median distance d to paper along the ink's ridges (a stroke
    2d - 1 pixels wide has its middle d pixels from the paper). Unlike
    `line_width` (ink area over length), a few large fills do not inflate it: their ridges are short.
    (The paint stages use `paint.regions.stroke_width`, taxicab and banded for huge sketches.)"""
    distance = ndimage.distance_transform_edt(ink)
    ridge = ink & (distance >= ndimage.maximum_filter(distance, size=3))
    return max(1, int(round(2 * np.median(distance[ridge]) - 1))) if ridge.any() else 1


def gaps(lines: np.ndarray, rng: np.random.Generator, count: int) -> np.ndarray:
    """`count` gaps cut into the lines, each 1-3 line widths long, at random ink pixels."""
    out = lines.copy()
    ink = ink_of(lines)
    width = line_width(ink)
    ys, xs = np.nonzero(ink)
    for i in rng.choice(ys.size, size=min(count, ys.size), replace=False):
        r = rng.integers(max(1, width // 2), 3 * width // 2 + 1)
        out[max(ys[i] - r, 0) : ys[i] + r, max(xs[i] - r, 0) : xs[i] + r] = 255
    return out


def pencil(lines: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Lines lightened to pencil: their darkness scaled to 30-60% (lines at 40-70% grey)."""
    darkness = rng.uniform(0.3, 0.6)
    return np.round(255 - (255 - lines.astype(np.float32)) * darkness).astype(np.uint8)


def thin(lines: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Lines thinned by a quarter of their width on each side (lines under 4 pixels stay as they are)."""
    ink = ink_of(lines)
    if line_width(ink) < 4:
        return lines.copy()
    eroded = ndimage.binary_erosion(ink, iterations=line_width(ink) // 4)
    out = lines.copy()
    out[ink & ~eroded] = 255
    return out


def hatching(lines: np.ndarray, areas: np.ndarray, rng: np.random.Generator, count: int = 6) -> np.ndarray:
    """Parallel grey strokes across up to `count` of the labelled `areas` (0 = none), as shading is hatched."""
    out = lines.copy()
    ids = np.unique(areas[areas > 0])
    width = line_width(ink_of(lines))
    for r in rng.choice(ids, size=min(count, ids.size), replace=False) if ids.size else []:
        inside = areas == r
        ys, xs = np.nonzero(inside)
        y0, y1, x0, x1 = ys.min(), ys.max(), xs.min(), xs.max()
        im = Image.fromarray(out)
        draw = ImageDraw.Draw(im)
        for k in range(x0 - (y1 - y0), x1, max(4, 3 * width)):
            draw.line([(k, y1), (k + (y1 - y0) // 3, y0 + 2 * (y1 - y0) // 3)], fill=(90, 90, 90), width=1)
        out = np.where(inside[..., None], np.asarray(im), out)
    return out


def double_strokes(lines: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A second, lighter pass of every stroke, 1-2 pixels off the first, as sketchers go over a line twice."""
    dy, dx = (int(v) for v in rng.integers(1, 3, size=2) * rng.choice([-1, 1], size=2))
    h, w = lines.shape[:2]
    shifted = np.full(lines.shape, 255.0, np.float32)  # paper comes in at the edge the stroke moved away from
    shifted[max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = lines[
        max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)
    ]
    second = 255 - (255 - shifted) * rng.uniform(0.4, 0.8)
    return np.minimum(lines.astype(np.float32), second).round().astype(np.uint8)


def paper(lines: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Scanned paper: a faint tint and a soft, uneven texture multiplied over the page."""
    h, w = lines.shape[:2]
    texture = ndimage.gaussian_filter(rng.standard_normal((h, w)).astype(np.float32), rng.uniform(1, 3))
    texture = 1.0 - rng.uniform(0.01, 0.04) * np.abs(texture / (texture.std() + 1e-6))
    tint = 1.0 - rng.uniform(0.0, 0.06, size=3).astype(np.float32)
    return np.clip(lines * texture[..., None] * tint, 0, 255).round().astype(np.uint8)


def shadow(lines: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A phone photo's uneven light: the page darkens linearly by 20-45% from one side to the
    other, in a random direction (not part of `real_sketch`'s mix, whose draws stay as they were)."""
    h, w = lines.shape[:2]
    depth, angle = rng.uniform(0.2, 0.45), rng.uniform(0, 2 * np.pi)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    ramp = x * np.cos(angle) + y * np.sin(angle)
    ramp = (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1.0)
    light = 1.0 - depth * ramp
    out = lines.astype(np.float32) * (light[..., None] if lines.ndim == 3 else light)
    return np.clip(out, 0, 255).round().astype(np.uint8)


def blur(lines: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A slight Gaussian blur (0.4-1.0 px), as from a phone photo."""
    sigma = rng.uniform(0.4, 1.0)
    return ndimage.gaussian_filter(lines.astype(np.float32), (sigma, sigma, 0)).round().astype(np.uint8)


def jpeg(lines: np.ndarray, rng: np.random.Generator, quality: int | None = None) -> np.ndarray:
    """JPEG compression at `quality` (drawn from 60-80 if not given)."""
    buf = io.BytesIO()
    Image.fromarray(lines).save(buf, "JPEG", quality=int(quality or rng.integers(60, 81)))
    return np.asarray(Image.open(buf).convert("RGB"))


def outline_fills(lines: np.ndarray) -> np.ndarray:
    """Black fills drawn as their outlines: ink areas more than four strokes wide keep a border one stroke
    wide and turn to paper inside (line extraction's target where the artist filled an area); bold lines
    and lettering stay as drawn."""
    ink = ink_of(lines)
    if ink.all():
        return lines.copy()  # no paper to measure strokes against (and an opening as wide as the page)
    width = stroke_width(ink)
    disc = ndimage.generate_binary_structure(2, 1)
    fills = ndimage.binary_opening(ink, disc, iterations=2 * width)  # what survives: ink over 4 strokes wide
    inside = ndimage.binary_erosion(fills, disc, iterations=width)
    out = lines.copy()
    out[inside] = 255
    return out


def shaded_areas(colour: np.ndarray) -> np.ndarray:
    """Labels of a colour picture's darker areas (under its median lightness): where artists hatch."""
    grey = colour.astype(np.float32).mean(axis=-1)
    labels, _ = ndimage.label(ndimage.binary_opening(grey < np.median(grey), iterations=2))
    return labels


def real_sketch(lines: np.ndarray, colour: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Clean line art made to look like a real sketch: each trait with its own chance, in the order a sketch
    gets them (drawn, then scanned or photographed). `colour` is the picture the lines belong to (for where
    the shading is). Every random number is drawn whatever is chosen, so the draws that follow do not
    depend on the choices."""
    coins = rng.uniform(size=8)
    seeds = rng.integers(0, 2**63, size=8)
    out = lines
    steps = (
        (0.35, lambda x, g: thin(x, g)),
        # 2-20 gaps per 1,000 pixels of line, so a small picture is broken as often as a large one
        (0.5, lambda x, g: gaps(x, g, int(g.uniform(2, 20) * line_length(ink_of(x)) / 1000))),
        (0.25, lambda x, g: double_strokes(x, g)),
        (0.25, lambda x, g: hatching(x, shaded_areas(colour), g, count=int(g.integers(1, 7)))),
        (0.5, lambda x, g: pencil(x, g)),
        (0.4, lambda x, g: paper(x, g)),
        (0.3, lambda x, g: blur(x, g)),
        (0.5, lambda x, g: jpeg(x, g)),
    )
    for (chance, step), coin, seed in zip(steps, coins, seeds):
        if coin < chance:
            out = step(out, np.random.default_rng(int(seed)))
    return out
