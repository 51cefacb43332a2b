"""Sketch styles side by side on crisp and real-looking pictures, and how
well each style's lines sit on true region boundaries.

Writes a PNG grid (rows: inputs; columns: input, xdog, pencil, gradient,
otsu(xdog), random x2) and prints one JSON document with, per style and
input kind, the ink fraction, the share of ink pixels within 2 px of a true
boundary (precision) and the share of boundary pixels with ink within 1 px
(recall).

    python benchmarks/sketch_styles.py --out sketch_styles.png
"""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from keras_anime_cyclegan.data.synthetic import region_boundaries, synthetic_sample


def soft_render(color: np.ndarray, blur: float, jpeg_quality: int = 80) -> np.ndarray:
    """A crisp rendering made to look scanned or upscaled: blur, resampling, JPEG."""
    h, w = color.shape[:2]
    img = Image.fromarray(color).resize((w // 2, h // 2), Image.Resampling.BILINEAR)
    img = img.resize((w, h), Image.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(blur))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=jpeg_quality)
    return np.asarray(Image.open(buf).convert("RGB"))


def painted_illustration(size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """An outline-free, softly painted anime-like picture and its label map.

    Large flat areas with gradients, radial shading, thin 1-px hair strands,
    a pastel area of the background's brightness, anti-aliased edges and
    JPEG compression: what real colour art has and crisp outlines lack.
    """
    rng = np.random.default_rng(seed)
    f = 4
    s = size * f
    yy, xx = np.mgrid[0:s, 0:s].astype(np.float32) / s
    sky = np.array([0.80, 0.86, 0.95]) * (1 - 0.25 * yy[..., None]) + 0.05 * xx[..., None]
    canvas = sky.copy()
    labels = np.zeros((s, s), np.int32)

    def paint(mask, base, shade_dir, strength, label):
        nonlocal canvas
        proj = (xx - 0.5) * shade_dir[0] + (yy - 0.5) * shade_dir[1]
        region = np.asarray(base)[None, None] * (1 - strength * proj[..., None])
        canvas = np.where(mask[..., None], region, canvas)
        labels[mask] = label

    def shape_mask(draw_fn):
        m = Image.new("L", (s, s), 0)
        draw_fn(ImageDraw.Draw(m))
        return np.asarray(m) > 127

    # Body: a pastel block as bright as the sky (a hue edge without contrast).
    body = shape_mask(lambda d: d.polygon([(0.2 * s, s), (0.35 * s, 0.7 * s), (0.65 * s, 0.7 * s), (0.8 * s, s)], fill=255))
    paint(body, [0.93, 0.80, 0.86], (0.0, 1.0), 0.3, 1)
    face = shape_mask(lambda d: d.ellipse([0.3 * s, 0.3 * s, 0.7 * s, 0.75 * s], fill=255))
    paint(face, [1.0, 0.87, 0.78], (0.6, 0.6), 0.25, 2)
    hair_hue = rng.uniform(0.0, 1.0)
    hair_rgb = np.array(Image.new("HSV", (1, 1), (int(hair_hue * 255), 150, 120)).convert("RGB").getpixel((0, 0))) / 255
    spikes = [(0.22 * s, 0.55 * s)]
    for i, x in enumerate(np.linspace(0.25, 0.75, 9)):
        spikes.append((x * s, (0.42 if i % 2 else 0.2) * s))
    spikes += [(0.78 * s, 0.55 * s), (0.7 * s, 0.18 * s), (0.3 * s, 0.18 * s)]
    hair = shape_mask(lambda d: d.polygon(spikes, fill=255))
    paint(hair, hair_rgb, (0.0, -1.0), 0.5, 3)
    for cx in (0.42, 0.58):  # eyes: dark iris with a gradient and a highlight
        eye = shape_mask(lambda d, cx=cx: d.ellipse([(cx - 0.04) * s, 0.5 * s, (cx + 0.04) * s, 0.6 * s], fill=255))
        paint(eye, hair_rgb * 0.7, (0.0, 1.0), 0.8, 4)
        glint = shape_mask(lambda d, cx=cx: d.ellipse([(cx - 0.02) * s, 0.51 * s, (cx) * s, 0.535 * s], fill=255))
        canvas = np.where(glint[..., None], 1.0, canvas)
    strands = Image.new("L", (s, s), 0)
    d = ImageDraw.Draw(strands)
    for x in np.linspace(0.3, 0.7, 7):
        d.line([(x * s, 0.2 * s), ((x + rng.uniform(-0.05, 0.05)) * s, 0.4 * s)], fill=255, width=f)
    strand = np.asarray(strands) > 127
    canvas = np.where(strand[..., None], hair_rgb * 0.45, canvas)
    # A soft cast shadow under the hair: a gradient, not a line.
    shadow = np.exp(-(((yy - 0.45) / 0.04) ** 2)) * face
    canvas = canvas * (1 - 0.15 * shadow[..., None])

    img = Image.fromarray(np.round(np.clip(canvas, 0, 1) * 255).astype(np.uint8)).resize((size, size), Image.Resampling.LANCZOS)
    img = img.filter(ImageFilter.GaussianBlur(0.6))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=75)
    return np.asarray(Image.open(buf).convert("RGB")), labels[f // 2 :: f, f // 2 :: f]


def near(mask: np.ndarray, radius: int) -> np.ndarray:
    """True within `radius` px (square) of a True pixel of `mask`."""
    out = mask.copy()
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            out |= np.roll(np.roll(mask, dy, 0), dx, 1)
    return out


def boundary_scores(sketch_uint8: np.ndarray, labels: np.ndarray, ink_level: int = 128) -> dict:
    ink = sketch_uint8[..., 0] < ink_level
    edges = region_boundaries(labels)
    edges[0, :] = edges[-1, :] = edges[:, 0] = edges[:, -1] = False
    return {
        "ink_fraction": round(float(ink.mean()), 4),
        "precision_2px": round(float((ink & near(edges, 2)).sum() / max(ink.sum(), 1)), 3),
        "recall_1px": round(float((edges & near(ink, 1)).sum() / max(edges.sum(), 1)), 3),
    }


def main() -> None:
    import tensorflow as tf

    from keras_anime_cyclegan import sketch
    from keras_anime_cyclegan.utils.images import grid, to_float, to_uint8

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="sketch_styles.png")
    p.add_argument("--size", type=int, default=192)
    p.add_argument("--images", type=int, default=8, help="synthetic images per kind for the scores")
    p.add_argument("--pairs", help="also: a folder of artist pairs (lines/, colors/) drawn in the real-sketch traits")
    p.add_argument("--real-out", default="sketch_styles_real.png", help="the grid of --pairs")
    args = p.parse_args()

    kinds: dict[str, list] = {"crisp": [], "soft": [], "painted": []}
    for i in range(args.images):
        sample = synthetic_sample(args.size, seed=100 + i)
        kinds["crisp"].append((sample.color, sample.labels))
        kinds["soft"].append((soft_render(sample.color, blur=1.2), sample.labels))
        kinds["painted"].append(painted_illustration(args.size, seed=200 + i))

    styles = {
        "xdog": sketch.xdog,
        "pencil": sketch.pencil,
        "gradient": sketch.gradient_lines,
        "otsu_xdog": lambda x: sketch.otsu_binarize(sketch.xdog(x)),
    }
    report: dict = {"size": args.size, "images_per_kind": args.images, "scores": {}}
    rows = []
    for kind, items in kinds.items():
        batch = tf.constant(to_float(np.stack([c for c, _ in items])))
        outputs = {name: to_uint8(fn(batch)) for name, fn in styles.items()}
        outputs["random_a"] = to_uint8(sketch.random_sketch(batch, seed=1))
        outputs["random_b"] = to_uint8(sketch.random_sketch(batch, seed=2))
        for name, out in outputs.items():
            per_image = [boundary_scores(o, lab) for o, (_, lab) in zip(out, items)]
            report["scores"].setdefault(name, {})[kind] = {
                k: round(float(np.mean([s[k] for s in per_image])), 3) for k in per_image[0]
            }
        for j in range(2):
            rows.append([items[j][0]] + [out[j] for out in outputs.values()])
    grid(rows).save(args.out)
    report["grid"] = args.out
    report["columns"] = ["input", *outputs]
    if args.pairs:
        report["real_sketches"] = real_sketch_grid(Path(args.pairs), args.size, args.real_out)
    print(json.dumps(report, indent=2))


def real_sketch_grid(folder: Path, size: int, out: str, pictures: int = 4) -> dict:
    """The artist's lines of a few pairs, each real-sketch trait alone and two mixes (`kac.sketch.real`),
    with the ink's share of the page and its mean darkness (0 white, 1 black) per column."""
    from PIL import Image

    from keras_anime_cyclegan.sketch import real
    from keras_anime_cyclegan.utils.images import grid

    names = sorted(p.stem for p in (folder / "lines").glob("*.png"))[:pictures]
    traits = {
        "artist": lambda l, c, g: l,
        "pencil": lambda l, c, g: real.pencil(l, g),
        "gaps_40": lambda l, c, g: real.gaps(l, g, 40),
        "thin": lambda l, c, g: real.thin(l, g),
        "double": lambda l, c, g: real.double_strokes(l, g),
        "hatching": lambda l, c, g: real.hatching(l, real.shaded_areas(c), g),
        "paper": lambda l, c, g: real.paper(l, g),
        "blur": lambda l, c, g: real.blur(l, g),
        "jpeg": lambda l, c, g: real.jpeg(l, g),
        "mix_a": lambda l, c, g: real.real_sketch(l, c, g),
        "mix_b": lambda l, c, g: real.real_sketch(l, c, np.random.default_rng(int(g.integers(1 << 30)))),
    }
    rows, stats = [], {name: [] for name in traits}
    for i, name in enumerate(names):
        read = lambda side: np.asarray(Image.open(folder / side / f"{name}.png").convert("RGB").resize((size, size)))
        lines, colour = read("lines"), read("colors")
        row = [colour]
        for trait, fn in traits.items():
            drawn = fn(lines, colour, np.random.default_rng(i))
            darkness = 1 - drawn.mean(axis=-1) / 255
            ink = darkness > 0.25
            stats[trait].append((ink.mean(), darkness[ink].mean() if ink.any() else 0.0))
            row.append(drawn)
        rows.append(row)
    grid(rows).save(out)
    return {
        "grid": out,
        "columns": ["colour", *traits],
        "ink_share_and_darkness": {t: [round(float(np.mean([v[k] for v in s])), 3) for k in (0, 1)] for t, s in stats.items()},
    }


if __name__ == "__main__":
    main()
