"""Export a generator for apps: SavedModel, TFLite, TF.js, each with `metadata.json`.

Every export starts from `load_generator` (a run folder or a `.keras` file)
and is one folder: the model and `metadata.json` (schema in
`artifacts.metadata`). `FORMATS` names every variant `kac export --formats all`
writes; `export_all` runs each file (`inference.runners.open_runner`) and
measures it against Keras (`check`).

Example:
>>> from keras_anime_cyclegan.artifacts.generators import load_generator
>>> from keras_anime_cyclegan.export import export_tflite
>>> g = load_generator("runs/demo", "colorize")  # doctest: +SKIP
>>> export_tflite(g, "out/tflite_int8", quantize="int8")  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from keras_anime_cyclegan.artifacts.metadata import read_metadata, write_metadata
from keras_anime_cyclegan.config import EXPORT_SIZE
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

@dataclass
class ExportResult:
    """One exported variant, checked against Keras (None where not checked)."""

    name: str
    path: Path
    bytes: int
    parity: dict | None = None  # max_abs_error and psnr_db against Keras
    latency_ms: float | None = None  # median, one picture


def export_all(loaded, out_dir, names=None, size: int = EXPORT_SIZE, images=None, progress=print) -> list[ExportResult]:
    """Exports `names` (default: every format) into `out_dir/<name>/` and checks each.

    With `images` (float32 [-1, 1] NHWC), every export is run on them by the
    runner inference uses and compared with the Keras model, and timed on the first; the
    first result is the Keras reference itself. `kac export` and the
    notebooks print these rows.
    """
    from keras_anime_cyclegan.export import check
    from keras_anime_cyclegan.inference.runners import KerasRunner, open_runner

    names = list(FORMATS) if names is None else list(names)
    unknown = [n for n in names if n not in FORMATS]
    if unknown:
        raise ValueError(f"unknown format(s) {', '.join(unknown)}; choose from {', '.join(FORMATS)}")
    results = []
    if images is not None:
        # A hint generator is checked without hints and with them.
        inputs = [images]
        if loaded.hint_channels:
            from keras_anime_cyclegan.export.tflite import representative_hints

            inputs.append(np.concatenate([images, representative_hints(images, seed=5)], axis=-1))
        reference = KerasRunner(loaded)
        expected = np.concatenate([reference(x) for x in inputs])
        results.append(
            ExportResult("keras (reference)", Path(loaded.source), 0, None, check.median_latency_ms(reference, images[:1]))
        )
    for i, name in enumerate(names, 1):
        if progress:
            progress(f"[{i}/{len(names)}] exporting {name}: {FORMATS[name].description}")
        path = FORMATS[name].export(loaded, Path(out_dir) / name, size)
        result = ExportResult(name, path, check.file_size(path))
        if images is not None:
            run = open_runner(path, loaded.direction, num_threads=2)
            result.parity = check.parity(expected, np.concatenate([run(x) for x in inputs]))
            result.latency_ms = check.median_latency_ms(run, images[:1])
        results.append(result)
    return results


__all__ = [
    "ExportResult",
    "FORMATS",
    "QUANTIZATIONS",
    "ExportFormat",
    "export_all",
    "export_saved_model",
    "export_tfjs",
    "export_tflite",
    "read_metadata",
    "register_format",
    "write_metadata",
]
