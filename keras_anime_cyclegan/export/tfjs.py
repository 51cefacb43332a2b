"""TF.js export: a graph model (`model.json` + weight shards) for browsers.

Why this module writes the TF.js files itself instead of calling the
`tensorflowjs` package's converter (measured beside TensorFlow 2.21 and
Keras 3.15):

- `pip install tensorflowjs==4.22.0` (the newest) pulls
  tensorflow-decision-forests, which pins and installs TensorFlow 2.19 in
  place of 2.21, and the converter then fails at import (protobuf version
  error). A `--no-deps` install beside TF 2.21 cannot be written as a
  setup.cfg extra, and the converter still imports
  `tensorflow_decision_forests` and `jax.experimental.jax2tf` at module load.
  An empty `jax` placeholder in their place breaks Keras 3's own import
  (Keras looks for `jax.monitoring` when it sees a `jax` module), so the
  placeholders must be nested modules, planted after Keras is imported:
  a workaround that the next Keras or tensorflowjs release can break.
- The graph-model format is small and documented: a JSON `GraphDef` whose
  constants are moved into binary shards described by a `weightsManifest`,
  with optional float16 or affine uint8 weight quantisation. Writing it
  takes the frozen function that TensorFlow already gives, the same
  Grappler passes the official converter runs first, and about a hundred
  lines here, and needs nothing beyond TensorFlow.

The graph is frozen from the SavedModel's `float32` signature (see
`export.saved_model`): float32 NHWC in [-1, 1], any height and width that
divide by the generator's multiple. The web demo (`web_demo/`) runs these
files and its browser test proves them equal to Keras.

Example:
>>> from keras_anime_cyclegan.artifacts.generators import load_generator
>>> g = load_generator("runs/demo", "colorize")  # doctest: +SKIP
>>> export_tfjs(g, "out/tfjs_colorize", quantize="float16")  # doctest: +SKIP
PosixPath('out/tfjs_colorize/model.json')
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from pathlib import Path
from typing import Optional

import numpy as np
from google.protobuf import json_format

from keras_anime_cyclegan.artifacts.layout import TFJS_MODEL
from keras_anime_cyclegan.artifacts.metadata import spread_metadata, write_metadata
from keras_anime_cyclegan.export.graph import without_hint_spread

QUANTIZATIONS = (None, "float16", "uint8")
SHARD_BYTES = 4 * 1024 * 1024  # tfjs's own default: small enough for browser caches
# The passes tensorflowjs runs before its optional fusions: they drop
# Identity/NoOp/StopGradient nodes and fold constant subgraphs.
GRAPPLER_PASSES = ["pruning", "constfold", "arithmetic", "dependency", "pruning", "constfold", "arithmetic", "dependency"]
WEIGHT_DTYPES = ("float32", "int32", "bool")


def export_tfjs(loaded, out_dir: str | Path, quantize: Optional[str] = None) -> Path:
    """Writes `loaded`'s generator as a TF.js graph model with `metadata.json`.

    Args:
        loaded: a `LoadedGenerator` (from `load_generator`).
        out_dir: the folder to write `model.json`, its shards and the metadata into.
        quantize: None (float32 weights), "float16", or "uint8" (affine,
            per tensor, with zero exactly representable, as tensorflowjs does).

    Returns:
        The path of `model.json`.
    """
    if quantize not in QUANTIZATIONS:
        raise ValueError(f"quantize must be one of None, 'float16', 'uint8'; got {quantize!r}")
    from keras_anime_cyclegan.export.saved_model import FLOAT32_SIGNATURE, export_saved_model

    import tensorflow as tf

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("group1-shard*.bin"):
        old.unlink()
    # Hints come already spread (export.graph.without_hint_spread).
    graph, spread_rounds = without_hint_spread(loaded.model)
    with tempfile.TemporaryDirectory() as tmp:
        export_saved_model(dataclasses.replace(loaded, model=graph), tmp)
        saved = tf.saved_model.load(tmp)
        graph_def, inputs, outputs = _frozen_graph(saved.signatures[FLOAT32_SIGNATURE])
    nodes, weights = _split_constants(graph_def)
    manifest = _write_shards(weights, out_dir, quantize)
    model = {
        "format": "graph-model",
        "generatedBy": tf.__version__,
        "convertedBy": "keras_anime_cyclegan.export.tfjs",
        "signature": {"inputs": inputs, "outputs": outputs},
        "modelTopology": {"node": nodes, "library": {}, "versions": {"producer": graph_def.versions.producer}},
        "weightsManifest": [manifest],
    }
    path = out_dir / TFJS_MODEL
    path.write_text(json.dumps(model, separators=(",", ":")))
    extra = {"hints": spread_metadata(spread_rounds)} if spread_rounds else None
    write_metadata(path, loaded=loaded, fmt="tfjs", quantization=quantize or "float32", input_size=None, extra=extra)
    return path


def _frozen_graph(fn):
    """The signature's function with variables as constants, after Grappler.

    Returns the GraphDef and the signature's inputs and outputs in
    model.json's form: keyed by name, each with the graph tensor it maps to.
    """
    from keras_anime_cyclegan.utils import tf_compat

    frozen = tf_compat.convert_variables_to_constants(fn)
    graph = frozen.graph
    named = {"inputs": {t.name.split(":")[0]: t for t in frozen.inputs}}
    # tf.nest flattens a dict of outputs in key order, as `frozen.outputs` holds them.
    named["outputs"] = dict(zip(sorted(fn.structured_outputs), frozen.outputs))
    signature = tf_compat.signature_def()
    for side, tensors in named.items():
        for key, t in tensors.items():
            info = getattr(signature, side)[key]
            info.name, info.dtype = t.name, t.dtype.as_datatype_enum
            info.tensor_shape.CopyFrom(t.shape.as_proto())
    for t in frozen.outputs:
        # Grappler keeps what the "train_op" collection needs and prunes the rest.
        graph.add_to_collection("train_op", t.op)
    graph_def = tf_compat.optimize_graph(graph, signature, GRAPPLER_PASSES)
    spec = {side: {k: json_format.MessageToDict(v) for k, v in getattr(signature, side).items()} for side in named}
    return graph_def, spec["inputs"], spec["outputs"]


def _split_constants(graph_def):
    """model.json's nodes, with every Const's value moved out as a named weight."""
    import tensorflow as tf

    nodes, weights = [], []
    for node in graph_def.node:
        node.ClearField("device")
        if node.op == "Const":
            tensor = node.attr["value"].tensor
            dtype = tf.dtypes.as_dtype(tensor.dtype).name
            if dtype not in WEIGHT_DTYPES:
                raise ValueError(f"constant {node.name} is {dtype}; TF.js weights are {', '.join(WEIGHT_DTYPES)}")
            weights.append((node.name, tf.make_ndarray(tensor)))
            # The values live in the shards; the node keeps the dtype and shape only.
            tensor.ClearField("tensor_content")
            for field in ("float_val", "int_val", "bool_val", "half_val"):
                tensor.ClearField(field)
        nodes.append(json_format.MessageToDict(node))
    return nodes, weights


def _quantize(value: np.ndarray, quantize: Optional[str]):
    """The stored bytes of one weight and its manifest `quantization` entry."""
    if quantize is None or value.dtype != np.float32:
        return value.tobytes(), None
    if quantize == "float16":
        return value.astype(np.float16).tobytes(), {"dtype": "float16", "original_dtype": "float32"}
    lo, hi = float(value.min()), float(value.max())
    if lo == hi:
        scale = 1.0
        q = np.zeros(value.shape, np.uint8)
    else:
        # Nudge the range so that 0.0 maps to an integer (as TFLite and tfjs do).
        scale = (hi - lo) / 255.0
        if lo <= 0.0 <= hi:
            lo = -round(-lo / scale) * scale
            hi = 255.0 * scale + lo
        q = np.round((np.clip(value, lo, hi) - lo) / scale).astype(np.uint8)
    return q.tobytes(), {"dtype": "uint8", "min": lo, "scale": scale, "original_dtype": "float32"}


def _write_shards(weights, out_dir: Path, quantize: Optional[str]) -> dict:
    """Writes the weights, in order, as `group1-shardKofN.bin`; returns the manifest group."""
    entries, blob = [], bytearray()
    for name, value in weights:
        data, quantization = _quantize(value, quantize)
        entry = {"name": name, "shape": list(value.shape), "dtype": str(value.dtype)}
        if quantization:
            entry["quantization"] = quantization
        entries.append(entry)
        blob += data
    count = max(1, -(-len(blob) // SHARD_BYTES))
    paths = []
    for i in range(count):
        name = f"group1-shard{i + 1}of{count}.bin"
        (out_dir / name).write_bytes(bytes(blob[i * SHARD_BYTES : (i + 1) * SHARD_BYTES]))
        paths.append(name)
    return {"paths": paths, "weights": entries}


def manifest_problems(model_json: str | Path) -> list[str]:
    """What is wrong with a TF.js export's files; empty when they load.

    Checks that model.json parses as a graph model, that every shard it
    names exists, and that the shards hold exactly the bytes the manifest's
    weights need.
    """
    path = Path(model_json)
    try:
        model = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        return [f"{path}: not readable JSON ({e})"]
    problems = []
    if model.get("format") != "graph-model" or "node" not in model.get("modelTopology", {}):
        problems.append(f"{path}: not a TF.js graph model")
    item = {"float32": 4, "int32": 4, "bool": 1, "float16": 2, "uint8": 1}
    for group in model.get("weightsManifest", []):
        need = 0
        for w in group["weights"]:
            dtype = (w.get("quantization") or {}).get("dtype", w["dtype"])
            need += int(np.prod(w["shape"], dtype=np.int64)) * item[dtype]
        have = 0
        for shard in group["paths"]:
            if not (path.parent / shard).is_file():
                problems.append(f"{path}: shard {shard} is missing")
            else:
                have += (path.parent / shard).stat().st_size
        if have != need:
            problems.append(f"{path}: shards hold {have} bytes, the manifest needs {need}")
    return problems
