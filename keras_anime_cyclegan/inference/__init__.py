"""Inference: colour sketches and extract lines with any model format."""

from keras_anime_cyclegan.inference.io import read_image
from keras_anime_cyclegan.inference.runners import open_runner
from keras_anime_cyclegan.inference.translator import Colorizer, ImageTranslator, LineExtractor

__all__ = ["Colorizer", "ImageTranslator", "LineExtractor", "open_runner", "read_image"]
