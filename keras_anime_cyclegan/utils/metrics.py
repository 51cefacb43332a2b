"""Picture-quality figures for colourizers and line extractors (NumPy; uint8 RGB in).

SSIM alone cannot tell a colourizer from doing nothing on clip art (white
paper dominates: the line art itself scores about 0.8 against its colour
picture), and colourfulness alone is fooled by a model that paints
everything one bright colour. So the colour figures work on area
averages, where thin line fringes do not count:

- `area_colour_error`: mean CIELAB distance (CIE76) between the two
  pictures box-averaged to `cells` x `cells`;
- `colourfulness`: Hasler and Suesstrunk's M on that area copy;
- `hue_spread`: the share of the coloured area whose hue lies outside its
  dominant 60-degree sector (one colour wash: about 0; illustrations
  0.3-0.4).

Line figures: ink precision and recall within a tolerance in pixels, and
the paper residue (how far from white the line art is away from the lines).
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter


def _float(rgb) -> np.ndarray:
    return np.asarray(rgb, np.float32) / 255.0


def psnr(a, b) -> float:
    mse = float(np.mean((_float(a) - _float(b)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(1.0 / mse)


def ssim(a, b) -> float:
    """SSIM of the luma of two uint8 RGB pictures (Gaussian window 11, sigma 1.5, as Wang et al.)."""

    def luma(x):
        x = _float(x)
        return 0.299 * x[..., 0] + 0.587 * x[..., 1] + 0.114 * x[..., 2]

    def blur(x):
        radius = 5
        t = np.arange(-radius, radius + 1, dtype=np.float32)
        k = np.exp(-(t**2) / (2 * 1.5**2))
        k /= k.sum()
        x = np.apply_along_axis(lambda r: np.convolve(r, k, mode="valid"), 0, x)
        return np.apply_along_axis(lambda r: np.convolve(r, k, mode="valid"), 1, x)

    x, y = luma(a), luma(b)
    c1, c2 = 0.01**2, 0.03**2
    mx, my = blur(x), blur(y)
    vx, vy, cxy = blur(x * x) - mx**2, blur(y * y) - my**2, blur(x * y) - mx * my
    s = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2))
    return float(s.mean())


def area_average(rgb, cells: int = 32) -> np.ndarray:
    """The picture box-averaged to `cells` x `cells` (float32 RGB in [0, 1])."""
    img = Image.fromarray(np.asarray(rgb, np.uint8)).resize((cells, cells), Image.BOX)
    return _float(img)


def rgb_to_lab(rgb01: np.ndarray) -> np.ndarray:
    """sRGB in [0, 1] to CIELAB (D65)."""
    c = np.where(rgb01 > 0.04045, ((rgb01 + 0.055) / 1.055) ** 2.4, rgb01 / 12.92)
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]], np.float32)
    xyz = c @ m.T / np.array([0.95047, 1.0, 1.08883], np.float32)
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1)


def area_colour_error(output, truth, cells: int = 32) -> float:
    """Mean CIELAB distance between the two pictures' `cells` x `cells` area averages."""
    a, b = rgb_to_lab(area_average(output, cells)), rgb_to_lab(area_average(truth, cells))
    return float(np.mean(np.linalg.norm(a - b, axis=-1)))


def colourfulness(rgb01: np.ndarray) -> float:
    """Hasler and Suesstrunk's M (on [0, 255] values) of a float RGB picture in [0, 1]."""
    x = rgb01 * 255.0
    rg = x[..., 0] - x[..., 1]
    yb = 0.5 * (x[..., 0] + x[..., 1]) - x[..., 2]
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def area_colourfulness(rgb, cells: int = 32) -> float:
    return colourfulness(area_average(rgb, cells))


def hue_spread(rgb, cells: int = 32, min_chroma: float = 0.15, min_area: float = 0.05) -> float:
    """Share of the coloured area (chroma > `min_chroma`) outside its dominant 60-degree hue sector.

    0 when under `min_area` of the cells are coloured: a few tinted cells
    (colour fringes along lines) are no spread of colours.
    """
    x = area_average(rgb, cells).reshape(-1, 3)
    hi, lo = x.max(-1), x.min(-1)
    chroma = hi - lo
    coloured = chroma > min_chroma
    if coloured.mean() < min_area:
        return 0.0
    x, hi, chroma = x[coloured], hi[coloured], chroma[coloured]
    r, g, b = x[:, 0], x[:, 1], x[:, 2]
    hue = np.where(hi == r, ((g - b) / chroma) % 6, np.where(hi == g, (b - r) / chroma + 2, (r - g) / chroma + 4)) * 60
    best = max(np.mean(((hue - start) % 360) < 60) for start in range(0, 360, 5))
    return float(1.0 - best)


def ink(rgb, threshold: int = 128) -> np.ndarray:
    """Boolean ink mask of line art (dark pixels)."""
    a = np.asarray(rgb, np.float32)
    return (a.mean(-1) if a.ndim == 3 else a) < threshold


def _near(mask: np.ndarray, radius: int) -> np.ndarray:
    img = Image.fromarray(np.uint8(mask) * 255).filter(ImageFilter.MaxFilter(2 * radius + 1))
    return np.asarray(img) > 0


def ink_precision_recall(predicted, truth, tolerance: int = 2) -> tuple[float, float]:
    """(precision, recall) of predicted ink against true ink, each within `tolerance` pixels.

    Precision: predicted ink pixels with true ink within `tolerance`; recall:
    true ink pixels with predicted ink within `tolerance`. No ink predicted
    gives precision 0.
    """
    p, t = ink(predicted), ink(truth)
    precision = float((p & _near(t, tolerance)).sum() / p.sum()) if p.any() else 0.0
    recall = float((t & _near(p, tolerance)).sum() / t.sum()) if t.any() else 1.0
    return precision, recall


def paper_residue(predicted, truth, tolerance: int = 2) -> float:
    """Mean darkness (1 - luma, 0 = white paper) of the predicted line art away from the true ink.

    Ink precision and recall do not see leftover pale colour: a faded copy of
    the picture keeps its dark lines dark. Over the pixels farther than
    `tolerance` from true ink, this is 0 for clean paper.
    """
    p = np.asarray(predicted, np.float32) / 255.0
    luma = p.mean(-1) if p.ndim == 3 else p
    away = ~_near(ink(truth), tolerance)
    return float((1.0 - luma)[away].mean()) if away.any() else 0.0


# === Colour hints ===


def ciede2000(output, truth) -> np.ndarray:
    """Per-pixel CIEDE2000 colour difference of two uint8 RGB pictures (scikit-image)."""
    from keras_anime_cyclegan.utils.deps import require

    color = require("skimage.color", "benchmarks", "CIEDE2000 colour differences")
    return color.deltaE_ciede2000(color.rgb2lab(_float(output)), color.rgb2lab(_float(truth)))


def hinted_regions(truth, mask, max_difference: float = 10.0) -> np.ndarray:
    """The areas colour hints at `mask` speak for: each hint dot grown over
    the connected part of `truth` within `max_difference` (CIEDE2000) of
    the colour under the dot, the dots themselves left out (copying a dot
    back proves nothing).
    """
    from keras_anime_cyclegan.utils.deps import require

    ndimage = require("scipy.ndimage", "benchmarks", "hint regions")
    color = require("skimage.color", "benchmarks", "hint regions")
    lab = color.rgb2lab(_float(truth))
    dots, n = ndimage.label(mask)
    regions = np.zeros(mask.shape, bool)
    for i in range(1, n + 1):
        dot = dots == i
        similar = color.deltaE_ciede2000(lab, np.broadcast_to(lab[dot].mean(axis=0), lab.shape)) < max_difference
        grown, _ = ndimage.label(similar | dot)
        labels = np.unique(grown[dot])
        regions |= np.isin(grown, labels[labels > 0])
    return regions & ~mask
