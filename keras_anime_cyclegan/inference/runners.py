"""One small runner per model format: float32 [-1, 1] NHWC batch in, same out.

The one place that runs a generator file of any format the package writes:
a run folder or `.keras` file (Keras), a SavedModel folder, a `.tflite`
file (LiteRT) and a TF.js folder (its graph and weights, run in
TensorFlow). `open_runner` picks the runner; inference runs them and the
export's parity check compares them with `KerasRunner`. Everything above
this module (padding, tiling, letterboxing, batching, alpha) is written
once in `translator.py`; a runner only says how to call its format and what
input sizes it takes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import numpy as np

from keras_anime_cyclegan.models.layers import with_no_hints
from keras_anime_cyclegan.utils.deps import require
from keras_anime_cyclegan.utils.startup import converter_quietly
from keras_anime_cyclegan.inference.shared_norm import shared_stats_models
from keras_anime_cyclegan.artifacts.generators import LoadedGenerator, load_generator
from keras_anime_cyclegan.artifacts.layout import CONFIG_FILE, TFJS_MODEL, check_direction

FORMATS = ("run folder", ".keras file", "SavedModel folder", ".tflite file", "TF.js folder (model.json)")


class Runner:
    """Runs a generator on a float32 [-1, 1] NHWC batch.

    Attributes:
        direction: "colorize", "lines", or None when the file does not say.
        multiple: int, height and width must be divisible by it.
        fixed_size: (height, width) the model only accepts, or None if any
            multiple of `multiple` works.
        source: Path the model came from.
    """

    direction: Optional[str] = None
    hint_channels: int = 0  # extra input channels for colour hints the model also accepts
    spread_rounds: int = 0  # rounds of the hint spread the runner does before the model (inference.spread)
    multiple: int = 1
    fixed_size: Optional[tuple[int, int]] = None
    shares_stats: bool = False
    source: Path

    def __call__(self, batch: np.ndarray, stats_from: Optional[np.ndarray] = None) -> np.ndarray:
        """Outputs for `batch`. Where `shares_stats`, `stats_from` (one
        picture) gives the instance-norm statistics for the whole batch."""
        raise NotImplementedError


class KerasRunner(Runner):
    """A Keras generator (from a run folder or a `.keras` file)."""

    def __init__(self, loaded: LoadedGenerator):
        import tensorflow as tf

        self.direction = loaded.direction
        self.multiple = loaded.multiple
        self.source = loaded.source
        self.loaded = loaded
        # One trace per channel count serves every batch and image size: the
        # picture alone (a generator that takes colour hints gets zero hint
        # channels) or, for a hint generator, the picture and its hints.
        self.hint_channels = hints = int(getattr(loaded.model, "hint_channels", 0))
        specs = {3: [tf.TensorSpec([None, None, None, 3], tf.float32)]}
        if hints:
            specs[3 + hints] = [tf.TensorSpec([None, None, None, 3 + hints], tf.float32)]

        def trace(fn, zeros: int, spec):
            return tf.function(lambda x: fn(with_no_hints(x, zeros), training=False), input_signature=spec)

        def traced(fn):
            return {c: trace(fn, hints if c == 3 else 0, spec) for c, spec in specs.items()}

        self._fn = traced(loaded.model)
        shared = shared_stats_models(loaded.model)
        self.shares_stats = shared is not None
        if shared:
            self._record, self._apply = traced(shared[0]), traced(shared[1])

    def __call__(self, batch, stats_from=None):
        batch = np.asarray(batch, np.float32)
        c = batch.shape[-1]
        if c not in self._fn:
            raise ValueError(f"{self.source}: the model takes {' or '.join(map(str, self._fn))} input channels, got {c}")
        if stats_from is None or not self.shares_stats:
            return np.asarray(self._fn[c](batch))
        self._record[c](np.asarray(stats_from, np.float32)[None])
        return np.asarray(self._apply[c](batch))


class SavedModelRunner(Runner):
    """A SavedModel folder written by `export_saved_model` (its `float32` signature)."""

    def __init__(self, path: Path, metadata: Optional[dict]):
        import tensorflow as tf

        self.source = path
        try:
            self._module = tf.saved_model.load(str(path))
        except Exception as e:  # TF raises several types for a broken folder
            raise ValueError(f"{path}: not a loadable SavedModel ({e})") from e
        sigs = self._module.signatures
        name = "float32" if "float32" in sigs else next(
            (k for k, f in sigs.items() if _only_input(f)[1].dtype == tf.float32), None
        )
        if name is None:
            raise ValueError(f"{path}: the SavedModel has no float32 signature (has {', '.join(sigs) or 'none'})")
        self._fn = sigs[name]
        self._input_name, spec = _only_input(self._fn)
        self.hint_channels = max(0, int(spec.shape[-1] or 3) - 3)
        (out_spec,) = self._fn.structured_outputs.values()
        _check_rgb_output(tuple(out_spec.shape), path)
        self.direction, self.multiple, self.fixed_size = _from_metadata(metadata, name)
        if self.fixed_size is None and spec.shape[1] is not None and spec.shape[2] is not None:
            self.fixed_size = (int(spec.shape[1]), int(spec.shape[2]))

    def __call__(self, batch, stats_from=None):
        batch = with_hint_channels(np.asarray(batch, np.float32), self.hint_channels, self.source)
        (out,) = self._fn(**{self._input_name: batch}).values()
        return out.numpy()


def with_hint_channels(batch: np.ndarray, hint_channels: int, source, spread_rounds: int = 0) -> np.ndarray:
    """`batch` as the model takes it: zero hint channels appended to a
    picture-only batch; hints spread first where the export leaves that to
    its runner (`spread_rounds`, from its metadata)."""
    c = batch.shape[-1]
    if c == 3 and hint_channels:
        return np.concatenate([batch, np.zeros(batch.shape[:-1] + (hint_channels,), batch.dtype)], axis=-1)
    if c != 3 + hint_channels:
        raise ValueError(f"{source}: the model takes 3{f' or {3 + hint_channels}' if hint_channels else ''} input channels, got {c}")
    if spread_rounds and hint_channels:
        from keras_anime_cyclegan.inference.spread import spread_hints

        try:
            return spread_hints(batch, spread_rounds)
        except ValueError as e:
            raise ValueError(f"{source}: {e}") from None
    return batch


def _spread_rounds(metadata: Optional[dict]) -> int:
    """Rounds of the hint spread an export leaves to its runner (its metadata's "hints" "spread"), 0 for none."""
    spread = ((metadata or {}).get("hints") or {}).get("spread") or {}
    return int(spread.get("rounds") or 0)


def _only_input(fn):
    """(name, TensorSpec) of a signature's single input."""
    ((name, spec),) = fn.structured_input_signature[1].items()
    return name, spec


class TFLiteRunner(Runner):
    """A `.tflite` file, run with LiteRT (`ai_edge_litert`).

    float32 files take [-1, 1] directly; int8 files are quantised on the
    way in and dequantised on the way out with the tensors' own scales.
    """

    def __init__(self, path: Path, metadata: Optional[dict], num_threads: Optional[int] = None):
        Interpreter = require("ai_edge_litert.interpreter", "litert", "running .tflite files").Interpreter
        self.source = path
        try:
            with converter_quietly():
                self._interpreter = Interpreter(model_path=str(path), num_threads=num_threads)
            (inp,) = self._interpreter.get_input_details()
            (out,) = self._interpreter.get_output_details()
        except Exception as e:  # LiteRT raises ValueError/RuntimeError for a bad file
            raise ValueError(f"{path}: not a loadable single-input TFLite model ({e})") from e
        if inp["dtype"] not in (np.float32, np.int8, np.uint8):
            raise ValueError(f"{path}: input is {np.dtype(inp['dtype']).name}; expected float32, int8 or uint8")
        _check_rgb_output(tuple(out["shape_signature"]), path)
        self._input, self._output = inp, out
        signature = [int(d) for d in inp["shape_signature"]]
        self.hint_channels = max(0, signature[-1] - 3)
        self.spread_rounds = _spread_rounds(metadata)
        self.direction, self.multiple, self.fixed_size = _from_metadata(metadata)
        if self.fixed_size is None and signature[1] > 0 and signature[2] > 0:
            self.fixed_size = (signature[1], signature[2])
        self._shape: Optional[tuple] = None
        self._batchable = True  # until resizing the batch dimension fails

    def __call__(self, batch, stats_from=None):
        batch = with_hint_channels(np.asarray(batch, np.float32), self.hint_channels, self.source, self.spread_rounds)
        if self._batchable or batch.shape[0] == 1:
            try:
                return self._invoke(batch)
            except (RuntimeError, ValueError):
                if batch.shape[0] == 1:
                    raise
                # Graphs exported for batch 1 may hard-code it (in reshapes):
                # from now on, one picture per call.
                self._batchable, self._shape = False, None
        return np.concatenate([self._invoke(batch[i : i + 1]) for i in range(batch.shape[0])])

    def _invoke(self, batch):
        if batch.shape != self._shape:
            self._interpreter.resize_tensor_input(self._input["index"], list(batch.shape))
            with converter_quietly():  # LiteRT announces its XNNPACK delegate here
                self._interpreter.allocate_tensors()
            self._shape = batch.shape
        self._interpreter.set_tensor(self._input["index"], _quantize(batch, self._input))
        self._interpreter.invoke()
        return _dequantize(self._interpreter.get_tensor(self._output["index"]), self._output)


class TFJSRunner(Runner):
    """A TF.js graph model (`model.json` + weight shards), its graph run in TensorFlow.

    The graph and the weights (dequantised as TF.js does on load) come from
    the files alone, so this checks what was written; the browser test runs
    the same files in TF.js itself.
    """

    def __init__(self, model_json: Path, metadata: Optional[dict]):
        import tensorflow as tf
        from google.protobuf import json_format

        self.source = model_json
        try:
            model = json.loads(model_json.read_text())
            weights = tfjs_weights(model, model_json.parent)
            graph_def = tf.compat.v1.GraphDef()
            for node in model["modelTopology"]["node"]:
                proto = json_format.ParseDict(node, graph_def.node.add())
                if proto.op == "Const":
                    proto.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(weights[proto.name]))
            (inp,) = model["signature"]["inputs"].values()
            (out,) = model["signature"]["outputs"].values()
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise ValueError(f"{model_json}: not a readable TF.js graph model ({type(e).__name__}: {e})") from e
        _check_rgb_output(tuple(int(d["size"]) for d in out["tensorShape"]["dim"]), model_json)
        fn = tf.compat.v1.wrap_function(lambda: tf.compat.v1.import_graph_def(graph_def, name=""), [])
        self._fn = fn.prune(fn.graph.get_tensor_by_name(inp["name"]), fn.graph.get_tensor_by_name(out["name"]))
        self.hint_channels = max(0, int(inp["tensorShape"]["dim"][-1]["size"]) - 3)
        self.spread_rounds = _spread_rounds(metadata)
        self.direction, self.multiple, self.fixed_size = _from_metadata(metadata)

    def __call__(self, batch, stats_from=None):
        import tensorflow as tf

        batch = with_hint_channels(np.asarray(batch, np.float32), self.hint_channels, self.source, self.spread_rounds)
        return self._fn(tf.constant(batch)).numpy()


def tfjs_weights(model: dict, folder: Path) -> dict[str, np.ndarray]:
    """The weights of a TF.js graph model (its parsed `model.json`, whose
    shards lie in `folder`) by name, dequantised as TF.js does on load."""
    weights = {}
    for group in model["weightsManifest"]:
        blob = b"".join((folder / shard).read_bytes() for shard in group["paths"])
        offset = 0
        for w in group["weights"]:
            q = w.get("quantization") or {}
            stored = np.dtype(q.get("dtype", w["dtype"]))
            count = int(np.prod(w["shape"], dtype=np.int64))
            raw = np.frombuffer(blob, stored, count, offset).reshape(w["shape"])
            offset += count * stored.itemsize
            if q.get("dtype") == "uint8":
                raw = raw.astype(np.float32) * np.float32(q["scale"]) + np.float32(q["min"])
            weights[w["name"]] = raw.astype(w["dtype"])
    return weights


def _quantize(x: np.ndarray, detail: dict) -> np.ndarray:
    scale, zero_point = detail["quantization"]
    if not scale:
        return x.astype(detail["dtype"])
    info = np.iinfo(detail["dtype"])
    return np.clip(np.round(x / scale + zero_point), info.min, info.max).astype(detail["dtype"])


def _dequantize(q: np.ndarray, detail: dict) -> np.ndarray:
    scale, zero_point = detail["quantization"]
    if not scale:
        return q.astype(np.float32)
    return (q.astype(np.float32) - zero_point) * scale


def _check_rgb_output(shape: tuple, path) -> None:
    if len(shape) != 4 or shape[-1] != 3:
        raise ValueError(f"{path}: output shape {shape} is not an RGB image; is it a discriminator?")


def _from_metadata(metadata: Optional[dict], signature: Optional[str] = None):
    """(direction, multiple, fixed_size) from an export's metadata.json, or
    (None, 1, None) without one; `signature` picks a SavedModel signature's entry."""
    if not metadata:
        return None, 1, None
    spec = metadata.get("signatures", {}).get(signature, {}).get("input") or metadata.get("input") or {}
    size = spec.get("size", "dynamic")
    fixed = None if size in (None, "dynamic") else (int(size[0]), int(size[1]))
    return metadata.get("direction"), int(spec.get("multiple") or 1), fixed


def metadata_for(path: Path) -> Optional[dict]:
    from keras_anime_cyclegan.artifacts.metadata import read_metadata

    try:
        return read_metadata(path)
    except FileNotFoundError:
        return None


def open_runner(path: str | Path, direction: str, num_threads: Optional[int] = None) -> Runner:
    """The runner for a run folder, `.keras` file, SavedModel folder, `.tflite`
    file or TF.js folder (or its `model.json`).

    `path` may also be `"pretrained"` or `"pretrained:NAME"`, a shipped model.

    `num_threads` sets LiteRT's CPU threads for `.tflite` files (None: its default).

    Raises FileNotFoundError for a missing path and ValueError (one line)
    for a file that is not a generator, or the other direction's generator
    where the file or its metadata says so.
    """
    from keras_anime_cyclegan.artifacts import pretrained

    check_direction(direction)
    path = pretrained.resolve(path, direction)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such model ({' / '.join(FORMATS)})")
    if path.suffix == ".keras" or (path / CONFIG_FILE).is_file():
        return KerasRunner(load_generator(path, direction))
    if path.suffix == ".tflite" and path.is_file():
        runner: Runner = TFLiteRunner(path, metadata_for(path), num_threads)
    elif path.is_dir() and (path / "saved_model.pb").is_file():
        runner = SavedModelRunner(path, metadata_for(path))
    elif (path.name == TFJS_MODEL and path.is_file()) or (path / TFJS_MODEL).is_file():
        model_json = path if path.is_file() else path / TFJS_MODEL
        runner = TFJSRunner(model_json, metadata_for(model_json))
    else:
        raise ValueError(f"{path}: not a model; expected a {', a '.join(FORMATS)}")
    if runner.direction and runner.direction != direction:
        raise ValueError(f"{path}: this model is for {runner.direction!r}, not {direction!r} (from its metadata)")
    return runner
