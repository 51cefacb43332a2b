"""Export a generator for apps: SavedModel, TFLite, TF.js, each with `metadata.json`.

Every export starts from `load_generator` (a run folder or a `.keras` file)
and is one folder: the model and `metadata.json` (schema in
`export.metadata`). `FORMATS` names every variant `kac export --formats all`
writes; `check` runs exported files to prove them equal to Keras.

Example:
>>> from keras_anime_cyclegan.training.loading import load_generator
>>> from keras_anime_cyclegan.export import export_tflite
>>> g = load_generator("runs/demo", "colorize")  # doctest: +SKIP
>>> export_tflite(g, "out/tflite_int8", quantize="int8")  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from keras_anime_cyclegan.export.metadata import read_metadata, write_metadata
from keras_anime_cyclegan.export.saved_model import export_saved_model
from keras_anime_cyclegan.export.tfjs import export_tfjs
from keras_anime_cyclegan.export.tflite import QUANTIZATIONS, export_tflite


@dataclass(frozen=True)
class ExportFormat:
    """One variant `kac export` writes, into its own folder under `--out`.

    `export(loaded, folder, size)` writes the variant into `folder` and
    returns the model file (or SavedModel folder); `size` is the fixed
    input size asked for, which variants without one ignore.
    """

    name: str
    export: Callable[..., Path]
    description: str


FORMATS: dict[str, ExportFormat] = {}


def register_format(fmt: ExportFormat) -> None:
    FORMATS[fmt.name] = fmt


register_format(
    ExportFormat(
        "saved_model",
        lambda loaded, folder, size: export_saved_model(loaded, folder),
        "SavedModel: uint8 any-size serving_default + float32 signature",
    )
)
for _q in QUANTIZATIONS:
    register_format(
        ExportFormat(
            f"tflite_{_q}",
            lambda loaded, folder, size, q=_q: export_tflite(loaded, folder, quantize=q, size=size),
            f"TFLite {_q}, fixed size",
        )
    )
register_format(
    ExportFormat(
        "tflite_float32_dynamic_size",
        lambda loaded, folder, size: export_tflite(loaded, folder, quantize="float32", size=None),
        "TFLite float32, any size divisible by the multiple",
    )
)
# TF.js: the folder (model.json + shards), so its size counts the weights.
for _q in ("float32", "float16", "uint8"):
    register_format(
        ExportFormat(
            f"tfjs_{_q}",
            lambda loaded, folder, size, q=_q: export_tfjs(loaded, folder, None if q == "float32" else q).parent,
            f"TF.js graph model, {_q} weights, any size divisible by the multiple",
        )
    )

__all__ = [
    "FORMATS",
    "QUANTIZATIONS",
    "ExportFormat",
    "export_saved_model",
    "export_tfjs",
    "export_tflite",
    "read_metadata",
    "register_format",
    "write_metadata",
]
