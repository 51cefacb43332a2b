"""Procedural anime-like illustrations and their line art, at any size.

The package's own data: the demo, the tests and the notebooks use it so
nothing is downloaded. Each image has a light gradient background and
several overlapping shapes (ellipses, polygons, blobs, spiky "hair") with
flat colours, soft shading, a cel-shaded shadow, highlights and dark
anti-aliased outlines. The matching line art is the same outlines on white,
and the label map gives the true region boundaries for tests.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

SUPERSAMPLE = 3  # rendered larger, then box-filtered: anti-aliased edges


@dataclass
class SyntheticSample:
    color: np.ndarray  # (H, W, 3) uint8, the colour illustration
    lines: np.ndarray  # (H, W, 3) uint8, its line art: dark lines on white
    labels: np.ndarray  # (H, W) int32, region id per pixel (0 = background)


def _hsv(h, s, v):
    return np.array(colorsys.hsv_to_rgb(h % 1.0, s, v), dtype=np.float32)


def _shape_polygon(rng, kind, cx, cy, r):
    """Outline points of one shape, centred at (cx, cy) with radius ~r."""
    if kind == "ellipse":
        t = np.linspace(0, 2 * np.pi, 64, endpoint=False)
        a, b = r * rng.uniform(0.6, 1.0), r * rng.uniform(0.6, 1.0)
        rot = rng.uniform(0, np.pi)
        x, y = a * np.cos(t), b * np.sin(t)
    elif kind == "polygon":
        n = rng.integers(3, 7)
        t = np.sort(rng.uniform(0, 2 * np.pi, n))
        rad = r * rng.uniform(0.6, 1.0, n)
        x, y, rot = rad * np.cos(t), rad * np.sin(t), 0.0
    elif kind == "blob":
        t = np.linspace(0, 2 * np.pi, 72, endpoint=False)
        rad = r * (0.75 + 0.2 * np.sin(rng.integers(2, 5) * t + rng.uniform(0, 6)))
        x, y, rot = rad * np.cos(t), rad * np.sin(t), 0.0
    else:  # "hair": a fan of spikes, as anime fringes are drawn
        n = int(rng.integers(4, 8))
        t = np.linspace(0, 2 * np.pi, 2 * n, endpoint=False)
        rad = np.where(np.arange(2 * n) % 2 == 0, r, r * rng.uniform(0.35, 0.6))
        x, y, rot = rad * np.cos(t), rad * np.sin(t), rng.uniform(0, np.pi)
    c, s = np.cos(rot), np.sin(rot)
    return list(zip(cx + c * x - s * y, cy + s * x + c * y))


def _dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """Binary dilation by a disc, with shifts (no SciPy needed)."""
    out = mask.copy()
    h, w = mask.shape
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            if dx * dx + dy * dy > radius * radius:
                continue
            ys, yd = (slice(dy, h), slice(0, h - dy)) if dy >= 0 else (slice(0, h + dy), slice(-dy, h))
            xs, xd = (slice(dx, w), slice(0, w - dx)) if dx >= 0 else (slice(0, w + dx), slice(-dx, w))
            out[yd, xd] |= mask[ys, xs]
    return out


def region_boundaries(labels: np.ndarray) -> np.ndarray:
    """True where a pixel's label differs from its right or lower neighbour."""
    b = np.zeros(labels.shape, bool)
    b[:, :-1] |= labels[:, :-1] != labels[:, 1:]
    b[:-1, :] |= labels[:-1, :] != labels[1:, :]
    return b


def _box_downsample(a: np.ndarray, f: int) -> np.ndarray:
    h, w = a.shape[0] // f, a.shape[1] // f
    return a.reshape(h, f, w, f, *a.shape[2:]).mean(axis=(1, 3))


def synthetic_sample(height: int, width: int | None = None, seed: int = 0) -> SyntheticSample:
    """One anime-like illustration, its line art and its label map.

    Deterministic: the same size and seed give the same pixels.
    """
    width = width or height
    rng = np.random.default_rng(seed)
    f = SUPERSAMPLE
    H, W = height * f, width * f
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)

    base_hue = rng.uniform()
    bg_top = _hsv(base_hue + 0.5, rng.uniform(0.05, 0.25), rng.uniform(0.9, 1.0))
    bg_bottom = _hsv(base_hue + 0.55, rng.uniform(0.1, 0.35), rng.uniform(0.8, 0.95))
    t = (yy / max(H - 1, 1))[..., None]
    color = bg_top * (1 - t) + bg_bottom * t

    labels = np.zeros((H, W), np.int32)
    light = rng.uniform(0, 2 * np.pi)
    ldx, ldy = np.cos(light), np.sin(light)
    n_shapes = int(rng.integers(3, 7))
    scale = min(H, W)
    for k in range(1, n_shapes + 1):
        kind = rng.choice(["ellipse", "polygon", "blob", "hair"])
        cx, cy = rng.uniform(0.15, 0.85) * W, rng.uniform(0.15, 0.85) * H
        r = scale * rng.uniform(0.12, 0.32)
        canvas = Image.new("L", (W, H), 0)
        ImageDraw.Draw(canvas).polygon(_shape_polygon(rng, kind, cx, cy, r), fill=255)
        mask = np.asarray(canvas) > 127
        if not mask.any():
            continue
        labels[mask] = k

        fill = _hsv(base_hue + rng.uniform(-0.35, 0.35), rng.uniform(0.3, 0.85), rng.uniform(0.65, 1.0))
        # Soft shading across the shape, darker away from the light.
        proj = ((xx - cx) * ldx + (yy - cy) * ldy) / r
        shade = 1.0 - 0.18 * np.clip(proj, -1.0, 1.0)
        # Cel shadow: a soft-edged darker band on the far side (anime style).
        shade *= 1.0 - 0.2 / (1.0 + np.exp(-(proj - 0.35) * 12.0))
        region = fill[None, None, :] * shade[..., None]
        if rng.uniform() < 0.6:  # a highlight near the lit side
            hx, hy = cx - ldx * r * 0.45, cy - ldy * r * 0.45
            hr = r * rng.uniform(0.12, 0.25)
            glow = np.exp(-(((xx - hx) ** 2 + (yy - hy) ** 2) / (2 * hr * hr)))[..., None]
            region = region * (1 - 0.6 * glow) + 0.6 * glow
        color = np.where(mask[..., None], region, color)

    outline = _dilate(region_boundaries(labels), max(1, int(round(f * rng.uniform(0.4, 0.9)))))
    ink = _hsv(base_hue, rng.uniform(0.2, 0.5), rng.uniform(0.08, 0.2))
    color = np.where(outline[..., None], ink, color)
    lines = np.where(outline[..., None], 0.08, 1.0) * np.ones(3, np.float32)

    color = _box_downsample(np.clip(color, 0, 1), f)
    lines = _box_downsample(lines, f)
    small_labels = labels[f // 2 :: f, f // 2 :: f][:height, :width]
    return SyntheticSample(
        color=np.round(color * 255).astype(np.uint8),
        lines=np.round(lines * 255).astype(np.uint8),
        labels=small_labels,
    )


def synthetic_images(count: int, size: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`count` (colour, line art) pairs as uint8 arrays of shape (N, size, size, 3)."""
    samples = [synthetic_sample(size, size, seed=seed * 1_000_003 + i) for i in range(count)]
    return np.stack([s.color for s in samples]), np.stack([s.lines for s in samples])


def write_synthetic_folder(folder, count: int, size: int = 128, seed: int = 0, lines: bool = False) -> list:
    """Writes `count` synthetic colour (or line-art) PNGs into `folder`; returns the paths."""
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    colors, sketches = synthetic_images(count, size, seed)
    paths = []
    for i, img in enumerate(sketches if lines else colors):
        p = folder / f"synthetic_{seed}_{i:04d}.png"
        Image.fromarray(img).save(p)
        paths.append(p)
    return paths
