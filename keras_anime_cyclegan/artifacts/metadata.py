"""`metadata.json`: how to feed an exported generator, written beside it.

Every export is a folder holding one model (a SavedModel's files,
`model.tflite`, or a TF.js `model.json` and its shards) and `metadata.json`.
An app reads the JSON, not our Python, to learn what goes in and comes out.

Schema (version 1)::

    {
      "schema_version": 2,
      "format": "saved_model" | "tflite" | "tfjs",
      "file": "model.tflite",            # the model, relative to this folder ("." for a SavedModel)
      "direction": "colorize" | "lines", # G: sketch -> colour, F: colour -> lines
      "task": "line-art sketch -> colour illustration",
      "quantization": "float32" | "float16" | "dynamic" | "int8" | "uint8" | ...,
      "input": {                         # the default entry point's input
        "size": [256, 256] | "dynamic",  # [height, width], or any size ...
        "multiple": 8,                   # ... whose height and width divide by this
        "layout": "NHWC",
        "channels": "RGB",
        "dtype": "float32" | "uint8" | "int8",
        "range": [-1.0, 1.0],            # real values: pixel / 127.5 - 1 for float32
        "quantization": null | {"scale": s, "zero_point": z}  # int8: real = (q - z) * s
      },
      "output": { same keys as "input" },
      "signatures": {...},               # SavedModel only: each signature's input and output, as above plus "name"
      "float_ops": ["MEAN", ...],        # TFLite int8 only: op types kept float32
      "float_layers": ["stem", ...],     # TFLite int8 only: layers (name prefixes) kept float32
      "package": "keras-anime-cyclegan",
      "package_version": "0.1.0",
      "hints": {...},                    # hint generators only: `HINTS`, and "spread" where the app spreads them
      "generator": {GeneratorConfig fields} | null,  # null: a .keras file of unknown origin
      "weights_sha256": "...",           # of the Keras weights the export came from
      "source": "runs/demo",             # the run folder or .keras file it came from
      "created": "2025-01-01T00:00:00+00:00"
    }

`input.size` of "dynamic" means any height and width that divide by
`multiple`; the SavedModel's uint8 signature takes any size at all (it pads
and crops inside the graph) and says so with `"multiple": 1`.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

from keras_anime_cyclegan.version import __version__
from keras_anime_cyclegan.config import HINT_CHANNELS, HINT_DOT_RADIUS

SCHEMA_VERSION = 2  # 2: "hints" may say "spread" (the runner grows the hints before the model)
FILENAME = "metadata.json"
# How a hint generator's extra input channels are filled (metadata "hints").
HINTS = {
    "channels": HINT_CHANNELS,
    "encoding": "after the picture's RGB: hint colour RGB in the input's range (0 where there is no hint), "
    "then a mask, 1 at hinted pixels and 0 elsewhere; all four zero everywhere = no hints",
    "dot_radius": HINT_DOT_RADIUS,
    "dot": "a point hint is a (2r+1)x(2r+1) square of its colour at the model's input resolution",
}


def spread_metadata(rounds: int) -> dict[str, Any]:
    """The "hints" entry's "spread" for an export that takes hints already
    spread (`export.graph.without_hint_spread`): what the app does first."""
    return {
        "spread": {
            "rounds": int(rounds),
            "where": "before the model: the app grows the hints through the sketch's paper first",
            "rule": "keras_anime_cyclegan.inference.spread.spread_hints (in JavaScript: web_demo/src/spread.js): "
            "paper = RGB mean > 0; at half size each 2x2 block takes the mean colour of its hinted pixels and is "
            "paper if its 2x2 neighbourhood's pixels all are; `rounds` rounds in which each unhinted paper block "
            "beside hinted ones takes their mean colour; back at full size unhinted paper takes its block's "
            "colour; two more such rounds; a hint-free input is unchanged",
        }
    }


TASKS = {
    "colorize": "line-art sketch -> colour illustration",
    "lines": "colour illustration -> line-art sketch",
}


def metadata_path(path: str | Path) -> Path:
    """Where the metadata of an export lives.

    A folder (or a path without a suffix) holds `metadata.json`; a `.json`
    path is the metadata itself; a model file (`model.tflite`,
    `model.json`) has it beside it, in its folder.
    """
    path = Path(path)
    if path.is_dir() or not path.suffix:
        return path / FILENAME
    if path.name == FILENAME:
        return path
    return path.parent / FILENAME


def image_spec(
    size: Optional[int | tuple[int, int]],
    multiple: int,
    dtype: str = "float32",
    value_range: tuple[float, float] = (-1.0, 1.0),
    quantization: Optional[dict] = None,
    hint_channels: int = 0,
) -> dict[str, Any]:
    """One `input` / `output` entry of the schema.

    `hint_channels` (4 for a hint generator's input): the picture's RGB is
    followed by the hints' (see `HINTS`).
    """
    if size is None:
        shape: Any = "dynamic"
    elif isinstance(size, int):
        shape = [size, size]
    else:
        shape = [int(s) for s in size]
    return {
        "size": shape,
        "multiple": int(multiple),
        "layout": "NHWC",
        "channels": "RGB" + (f" + {hint_channels} hint channels" if hint_channels else ""),
        **({"hint_channels": hint_channels} if hint_channels else {}),
        "dtype": dtype,
        "range": [float(value_range[0]), float(value_range[1])],
        "quantization": quantization,
    }


def write_metadata(
    out_dir_or_file_path: str | Path,
    *,
    loaded,
    fmt: str,
    quantization: str,
    input_size: Optional[int],
    extra: Optional[dict] = None,
) -> Path:
    """Writes `metadata.json` for an export; returns its path.

    Args:
        out_dir_or_file_path: the export's folder, or its model file (the
            metadata goes in that file's folder, named in `"file"`).
        loaded: the `LoadedGenerator` the export came from.
        fmt: "saved_model", "tflite" or "tfjs".
        quantization: "float32", "float16", "dynamic", "int8", "uint8", ...
        input_size: the fixed height and width, or None for any size that
            divides by the generator's multiple.
        extra: keys to add or replace; a dict value replaces the default's
            keys one level deep (e.g. `{"input": {"dtype": "int8", ...}}`).

    Example:
    >>> write_metadata("out/tflite_float16", loaded=loaded, fmt="tflite",
    ...                quantization="float16", input_size=256)  # doctest: +SKIP
    """
    target = Path(out_dir_or_file_path)
    path = metadata_path(target)
    model_file = "." if path.parent == target else target.name
    io = image_spec(input_size, loaded.multiple)
    hint_io = image_spec(input_size, loaded.multiple, hint_channels=getattr(loaded, "hint_channels", 0))
    meta: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "format": fmt,
        "file": model_file,
        "direction": loaded.direction,
        "task": TASKS.get(loaded.direction, loaded.direction),
        "quantization": quantization,
        "input": hint_io,
        "output": io,
        "package": "keras-anime-cyclegan",
        "package_version": __version__,
        "generator": dataclasses.asdict(loaded.config) if loaded.config is not None else None,
        "weights_sha256": loaded.weights_sha256,
        **({"hints": HINTS} if getattr(loaded, "hint_channels", 0) else {}),
        "source": str(loaded.source),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    for key, value in (extra or {}).items():
        if isinstance(value, dict) and isinstance(meta.get(key), dict):
            meta[key] = {**meta[key], **value}
        else:
            meta[key] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(meta, indent=2) + "\n")
    return path


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The metadata of an export: its folder, its model file or the JSON itself."""
    path = metadata_path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no export metadata here")
    try:
        meta = json.loads(path.read_text())
    except ValueError as e:
        raise ValueError(f"{path}: not valid JSON ({e})") from e
    if not isinstance(meta, dict) or "direction" not in meta or "format" not in meta:
        raise ValueError(f"{path}: not an export's metadata (no direction or format)")
    return meta
