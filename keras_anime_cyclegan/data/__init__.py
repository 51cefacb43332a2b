"""Data: the package's synthetic images; folder loading and pipelines."""

from keras_anime_cyclegan.data.synthetic import (
    SyntheticSample,
    region_boundaries,
    synthetic_images,
    synthetic_sample,
    write_synthetic_folder,
)

__all__ = [
    "SyntheticSample",
    "region_boundaries",
    "synthetic_images",
    "synthetic_sample",
    "write_synthetic_folder",
]
