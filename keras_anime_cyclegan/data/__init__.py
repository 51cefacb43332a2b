"""Data: folder decoding, training streams (tf.data or NumPy threads), and the package's synthetic images.

- `decode`: reading one picture; `store`: a folder decoded once;
- `augment`: CycleGAN's crops and flips, element by element;
- `unpaired`, `paired`: the training and evaluation datasets;
  `pipeline.folder_training_data`: the one a config's folders ask for;
- `hints`: training hints sampled from the colour picture;
- `sampling`: the endless, resumable order of elements, their random
  decisions (NumPy), and the two input paths (tf.data, NumPy threads);
- `synthetic`, `demo`: the package's own pictures; `svg_pairs`: line art
  and colour rendered from SVG clip art.

Importing this package does not import TensorFlow; the tf.data path does
when its batches are asked for, and the NumPy path never does.
"""

from keras_anime_cyclegan.data.decode import (
    MAX_IMAGE_PIXELS,
    IMAGE_EXTENSIONS,
    UnreadableImage,
    decode_image,
    find_images,
)
from keras_anime_cyclegan.config import SYNTHESIZE
from keras_anime_cyclegan.data.paired import kaggle_pair_dataset, paired_dataset, paired_training_data
from keras_anime_cyclegan.data.store import decode_folder, split_kaggle_pair
from keras_anime_cyclegan.data.unpaired import unpaired_dataset, unpaired_training_data
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
    "paired_training_data",
    "region_boundaries",
    "split_kaggle_pair",
    "synthetic_images",
    "synthetic_sample",
    "unpaired_dataset",
    "unpaired_training_data",
    "write_synthetic_folder",
]
