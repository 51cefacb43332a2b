"""Data: folder decoding, tf.data pipelines, and the package's synthetic images.

Importing this package does not import TensorFlow; the pipelines do when
called.
"""

from keras_anime_cyclegan.data.decode import (
    MAX_IMAGE_PIXELS,
    IMAGE_EXTENSIONS,
    UnreadableImage,
    decode_image,
    find_images,
)
from keras_anime_cyclegan.data.pipeline import (
    SYNTHESIZE,
    decode_folder,
    kaggle_pair_dataset,
    paired_dataset,
    split_kaggle_pair,
    unpaired_dataset,
    unpaired_training_data,
)
from keras_anime_cyclegan.data.synthetic import (
    SyntheticSample,
    region_boundaries,
    synthetic_images,
    synthetic_sample,
    write_synthetic_folder,
)

__all__ = [
    "MAX_IMAGE_PIXELS",
    "IMAGE_EXTENSIONS",
    "SYNTHESIZE",
    "SyntheticSample",
    "UnreadableImage",
    "decode_folder",
    "decode_image",
    "find_images",
    "kaggle_pair_dataset",
    "paired_dataset",
    "region_boundaries",
    "split_kaggle_pair",
    "synthetic_images",
    "synthetic_sample",
    "unpaired_dataset",
    "unpaired_training_data",
    "write_synthetic_folder",
]
