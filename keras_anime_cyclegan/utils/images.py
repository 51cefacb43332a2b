"""Conversions between uint8 pictures and the package's [-1, 1] tensors."""

from __future__ import annotations

import numpy as np
from PIL import Image


def to_float(images: np.ndarray) -> np.ndarray:
    """uint8 [0, 255] -> float32 [-1, 1]."""
    return images.astype(np.float32) / 127.5 - 1.0


def to_uint8(images) -> np.ndarray:
    """float [-1, 1] -> uint8 [0, 255], rounded and clipped."""
    return np.clip(np.round((np.asarray(images, np.float32) + 1.0) * 127.5), 0, 255).astype(np.uint8)


def grid(rows: list[list[np.ndarray]], gap: int = 2) -> Image.Image:
    """Tiles equally sized uint8 HxWx3 images into one picture, white gaps between."""
    h, w = rows[0][0].shape[:2]
    ncols = max(len(r) for r in rows)
    canvas = np.full((len(rows) * (h + gap) - gap, ncols * (w + gap) - gap, 3), 255, np.uint8)
    for i, row in enumerate(rows):
        for j, img in enumerate(row):
            canvas[i * (h + gap) : i * (h + gap) + h, j * (w + gap) : j * (w + gap) + w] = img
    return Image.fromarray(canvas)


def reframe(picture: np.ndarray, mirrored: bool, scale: float, turn: float, shift=(0.0, 0.0), order: int = 1) -> np.ndarray:
    """uint8 (H, W, 3) `picture` redrawn on a page of the same size: mirrored
    (left-right), scaled, turned `turn` degrees (clockwise on screen) about
    the page's centre and shifted by `shift` (x, y) pixels; white where
    nothing falls. `order` 0 keeps flat colours exact (nearest neighbour), 1
    is bilinear. (Reference colouring's tests and benchmark use it.)"""
    from scipy import ndimage

    h, w = picture.shape[:2]
    a = np.deg2rad(turn)
    rot = scale * np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    if mirrored:
        rot = rot @ np.diag([-1.0, 1.0])
    inv = np.linalg.inv(rot)
    centre = np.array([w / 2, h / 2])
    matrix = inv[::-1, ::-1]  # in (row, column)
    offset = (centre - inv @ (centre + np.asarray(shift, np.float64)))[::-1]
    out = [
        ndimage.affine_transform(picture[..., c].astype(np.float32), matrix, offset=offset, order=order, cval=255)
        for c in range(picture.shape[-1])
    ]
    return np.clip(np.round(np.stack(out, axis=-1)), 0, 255).astype(np.uint8)
