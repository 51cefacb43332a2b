"""`kac synth-sketches`: draw line-art sketches from a folder of colour pictures."""

from __future__ import annotations

import sys
import zlib
from pathlib import Path

from keras_anime_cyclegan.config import SKETCH_STYLES


def add_parser(sub):
    p = sub.add_parser(
        "synth-sketches",
        help="synthesise line-art sketches from colour pictures (XDoG and other styles)",
        description="Draw a sketch of every picture under --input (searched recursively) and write it "
        "as a PNG under --output with the same relative path. Undecodable files are skipped and "
        "reported; the exit status is 1 if any was.",
    )
    p.add_argument("--input", required=True, help="folder of colour pictures")
    p.add_argument("--output", required=True, help="folder for the sketch PNGs")
    p.add_argument(
        "--style",
        choices=SKETCH_STYLES,
        default="xdog",
        help="line style; random picks a style and parameters per picture (default: xdog)",
    )
    p.add_argument(
        "--size",
        type=int,
        help="resize so the shorter side is N first (lines are drawn in pixels: use about the training size)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed for --style random (default 0)")
    p.add_argument("--max-pixels", type=int, help="refuse larger pictures unread (default: Pillow's 89478485)")
    p.set_defaults(run=run)


def _shorter_side(image, size: int):
    from PIL import Image

    scale = size / min(image.size)
    return image.resize(
        (max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.Resampling.BICUBIC
    )


def run(args):
    import numpy as np
    import tensorflow as tf
    from PIL import Image
    from tqdm import tqdm

    from keras_anime_cyclegan import sketch
    from keras_anime_cyclegan.data.decode import MAX_IMAGE_PIXELS, UnreadableImage, find_images, open_rgb
    from keras_anime_cyclegan.utils.images import to_float, to_uint8

    if args.size is not None and args.size < 8:
        raise ValueError(f"--size must be at least 8; got {args.size}")
    src_dir, out_dir = Path(args.input), Path(args.output)
    paths = find_images(src_dir)
    if not paths:
        raise FileNotFoundError(f"{src_dir}: no PNG, JPEG, WebP, BMP or GIF files found")
    max_pixels = args.max_pixels or MAX_IMAGE_PIXELS
    written, skipped = 0, 0
    taken: set[Path] = set()
    with tqdm(paths, unit="image", desc="synth-sketches", file=sys.stderr) as bar:
        for path in bar:
            rel = path.relative_to(src_dir)
            dest = rel.with_suffix(".png")
            if dest in taken:  # a.jpg beside a.png: keep both
                dest = rel.with_name(f"{rel.stem}_{rel.suffix.lstrip('.')}.png")
            try:
                image = open_rgb(path, max_pixels)
            except UnreadableImage as e:
                skipped += 1
                bar.write(f"skipped {path}: {e}", file=sys.stderr)
                continue
            if args.size:
                image = _shorter_side(image, args.size)
            # A per-file seed: the same picture gets the same random sketch in every run.
            seed = tf.constant([args.seed, zlib.crc32(rel.as_posix().encode())], tf.int64)
            drawn = sketch.sketch(tf.constant(to_float(np.asarray(image))), args.style, seed=seed)
            (out_dir / dest).parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(to_uint8(drawn)[..., 0], "L").save(out_dir / dest)
            taken.add(dest)
            written += 1
    print(
        f"wrote {written} {args.style} sketches to {out_dir}" + (f"; skipped {skipped} unreadable files" if skipped else "")
    )
    return 1 if skipped else 0
