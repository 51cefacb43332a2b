"""What `random_sketch` decides per picture, drawn with NumPy.

A style and its parameters, an Otsu binarisation or not, a line-weight
jitter and the grain's strength and noise: drawn here, from a NumPy
generator, so the TensorFlow styles (`sketch.styles`) and the NumPy ones
(`sketch.host`) make the same decisions for the same seed. No TensorFlow.
"""

from __future__ import annotations

import numpy as np

# The named styles in the order a drawn `style` indexes them.
STYLE_ORDER = ("xdog", "pencil", "gradient")

# One picture's decisions, as a float32 vector in this order.
FIELDS = (
    "style",  # index into STYLE_ORDER
    "xdog_sigma",
    "xdog_gamma",
    "xdog_epsilon",
    "pencil_gain",
    "pencil_floor",
    "gradient_sigma",
    "gradient_low",
    "gradient_high",
    "binarize",  # 1: Otsu binarisation
    "weight",  # -1: heavier lines, 1: lighter, 0: as drawn
    "grain",  # the grain's standard deviation on the ink
)
F = {name: i for i, name in enumerate(FIELDS)}

# Bounds the styles need while tracing (kernel sizes).
XDOG_MAX_SIGMA = 1.1
GRADIENT_MAX_SIGMA = 1.0


def draw_choice(rng: np.random.Generator, height: int, width: int,
                binarize_probability: float = 0.25, jitter_probability: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """One picture's decisions: the (len(FIELDS),) float32 vector and its (H, W) float32 grain noise.

    Every field is drawn whatever the style, so the draws that follow
    (the next picture's, an element's hints) do not depend on the style.
    """
    v = np.empty(len(FIELDS), np.float32)
    v[F["style"]] = rng.integers(0, len(STYLE_ORDER))
    v[F["xdog_sigma"]] = rng.uniform(0.6, XDOG_MAX_SIGMA)
    v[F["xdog_gamma"]] = rng.uniform(0.97, 0.99)
    v[F["xdog_epsilon"]] = rng.uniform(-0.3, 0.0)
    v[F["pencil_gain"]] = rng.uniform(3.0, 6.0)
    v[F["pencil_floor"]] = rng.uniform(0.03, 0.06)
    v[F["gradient_sigma"]] = rng.uniform(0.5, GRADIENT_MAX_SIGMA)
    v[F["gradient_low"]] = rng.uniform(0.06, 0.1)
    v[F["gradient_high"]] = rng.uniform(0.12, 0.2)
    v[F["binarize"]] = rng.uniform() < binarize_probability
    weight = rng.uniform()
    v[F["weight"]] = -1.0 if weight < jitter_probability / 2 else (1.0 if weight < jitter_probability else 0.0)
    v[F["grain"]] = rng.uniform(0.0, 0.15)
    noise = rng.standard_normal((height, width), dtype=np.float32)
    return v, noise


def seed_generator(seed) -> np.random.Generator:
    """A NumPy generator from an int or a sequence of ints (a stateless seed pair)."""
    values = np.atleast_1d(np.asarray(seed)).astype(np.int64).tolist()
    if len(values) == 1:
        values = [0] + values  # an int seed s is the pair (0, s)
    return np.random.default_rng([int(v) % 2**64 for v in values])


def draw_choices(seed, count: int, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Decisions for `count` pictures from one seed: (N, len(FIELDS)) and (N, H, W) noise."""
    rng = seed_generator(seed)
    drawn = [draw_choice(rng, height, width) for _ in range(count)]
    if not drawn:
        return np.zeros((0, len(FIELDS)), np.float32), np.zeros((0, height, width), np.float32)
    return np.stack([v for v, _ in drawn]), np.stack([n for _, n in drawn])
