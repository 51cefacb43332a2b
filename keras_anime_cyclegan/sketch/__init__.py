"""Sketch synthesis: line art from colour pictures, as TensorFlow ops.

    >>> from keras_anime_cyclegan import sketch
    >>> lines = sketch.xdog(colour_batch)            # float32 [-1, 1] NHWC in and out
    >>> mixed = sketch.random_sketch(colour_batch, seed=7)
"""

from keras_anime_cyclegan.sketch.styles import (
    STYLES,
    gradient_lines,
    otsu_binarize,
    pencil,
    random_sketch,
    sketch,
    xdog,
)

__all__ = ["STYLES", "gradient_lines", "otsu_binarize", "pencil", "random_sketch", "sketch", "xdog"]
