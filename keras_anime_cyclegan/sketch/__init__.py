"""Sketch synthesis: line art from colour pictures.

    >>> from keras_anime_cyclegan import sketch
    >>> lines = sketch.xdog(colour_batch)            # float32 [-1, 1] NHWC in and out
    >>> mixed = sketch.random_sketch(colour_batch, seed=7)

`styles` and `ops` are TensorFlow ops (batched, usable in `tf.data` and on
a GPU); `choices` draws `random_sketch`'s decisions with NumPy and `host`
draws the same sketches with NumPy and SciPy, for training without
TensorFlow; `real` makes clean line art look like a real sketch (pencil,
gaps, double strokes, hatching, paper, blur, JPEG). Importing this package does not import TensorFlow; its style
functions do, when first asked for.
"""

import importlib

_STYLE_NAMES = ("STYLES", "gradient_lines", "otsu_binarize", "pencil", "random_sketch", "sketch", "sketch_from_choices", "xdog")

__all__ = list(_STYLE_NAMES)


def __getattr__(name):
    if name in _STYLE_NAMES:
        return getattr(importlib.import_module("keras_anime_cyclegan.sketch.styles"), name)
    if name in ("choices", "host", "ops", "real", "styles"):
        return importlib.import_module(f"keras_anime_cyclegan.sketch.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
