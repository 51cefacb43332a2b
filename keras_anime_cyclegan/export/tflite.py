"""TFLite export: float32, float16, dynamic-range and full-integer int8.

Each file has one signature, `serving_default`, with input `images` and
output `output_0`, batch 1, NHWC RGB. For a generator that takes colour
hints, `images` has 3 + 4 channels: the picture, then the hints (RGB and a
0/1 mask, all zero = no hints; `metadata.json` "hints" says how). A
generator with the half-resolution hint spread is exported without it: the
file takes hints already spread (`inference.spread.spread_hints`; metadata
"hints" "spread"), which costs a fraction of the spread inside the graph.

- float32 / float16 / dynamic: float32 in [-1, 1] (pixel / 127.5 - 1) in,
  float32 in [-1, 1] out. float16 stores the weights in half precision;
  dynamic stores them as int8 and computes in float.
- int8: int8 in and int8 out; int8 weights and convolutions, with
  instance normalisation, LeakyReLU and the layers that round the picture
  most kept in float32 (see `INT8_FLOAT_OPS` and `INT8_FLOAT_LAYERS`). The real
  value is `(q - zero_point) * scale`; both pairs are in the tensor details
  and in `metadata.json` (`input.quantization`, `output.quantization`).

`size=256` fixes the input to 256x256, as mobile runtimes prefer;
`size=None` leaves height and width open (resize the input tensor, to
multiples of the generator's multiple, before `allocate_tensors`).

Run the files with `ai_edge_litert.interpreter.Interpreter`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, Optional

import numpy as np
import tensorflow as tf

from keras_anime_cyclegan.config import EXPORT_SIZE
from keras_anime_cyclegan.utils.deps import require
from keras_anime_cyclegan.utils.images import to_float
from keras_anime_cyclegan.utils.startup import converter_quietly
from keras_anime_cyclegan.artifacts.metadata import image_spec, spread_metadata, write_metadata
from keras_anime_cyclegan.export.graph import spread_left_to_runner

QUANTIZATIONS = ("float32", "float16", "dynamic", "int8")
INPUT_NAME = "images"
OUTPUT_NAME = "output_0"  # freezing the variables flattens the outputs; the converter names them so
MODEL_FILE = "model.tflite"
REPRESENTATIVE_COUNT = 32
# What stays float32 in the int8 file, by op type (`INT8_FLOAT_OPS`) and by
# layer (`INT8_FLOAT_LAYERS`, matched in the converted graph's node names).
# Each int8 tensor has one scale for all its channels; after a float
# normalisation, a quantised LeakyReLU and the layers at the picture's
# full and half resolution round the most, and hint regions stretch every
# range. Measured on the shipped G (256 px, 6 synthetic sketches; PSNR
# against Keras without hints / on the 3 of them given 1-30 hint dots):
# only instance normalisation float 30.1 / about 23 dB; with LeakyReLU, the
# encoder's residual blocks (`down`), the skip joins (`skip`) and the
# decoder's fusions (`fuse`) float 33.6 / 29.7 dB; with the stem too
# 34.3 / 31.7 dB, for 0.91 MB instead of 0.66 MB and the same latency
# (XNNPACK runs float and int8 ops in one partition). A freshly initialised
# `paper` G: 25.6 -> 30.4 dB (concatenated skips need `skip`: one int8
# scale for both inputs), at 55.6 MB instead of 36.6 MB.
# - Instance normalisation: its mean and variance of int8 activations and
#   the division by a small per-channel standard deviation multiply
#   rounding noise (TensorFlow issue 59922). ADD and MUL also cover the
#   residual and skip additions, which is cheap.
INT8_FLOAT_OPS = ("MEAN", "SQUARED_DIFFERENCE", "RSQRT", "MUL", "SUB", "ADD", "LEAKY_RELU")
# - The hint spread (models.layers.HintSpread) compares pooled counts with
#   0 and divides by them; quantised, it gave 10.8 dB on a generator with
#   no hints at all.
INT8_FLOAT_LAYERS = ("hint_spread", "coarse_hints", "hint_fuse", "stem", "down", "skip", "fuse")


def representative_images(direction: str, count: int = REPRESENTATIVE_COUNT, size: int = 256, seed: int = 7) -> np.ndarray:
    """uint8 images of the generator's input domain, for int8 calibration.

    Synthesised sketches (the package's line art) for `colorize`, colour
    illustrations for `lines`; seeds apart from the demo's training images.
    """
    from keras_anime_cyclegan.data.synthetic import synthetic_images

    colors, sketches = synthetic_images(count, size, seed=seed)
    return sketches if direction == "colorize" else colors


def representative_hints(images: np.ndarray, seed: int = 11) -> np.ndarray:
    """Hint channels for checking exports: none for every other image, up to 30 random dots on the rest."""
    from keras_anime_cyclegan.inference.hints import hint_channels

    rng = np.random.default_rng(seed)
    n, h, w = images.shape[:3]
    out = []
    for i in range(n):
        points = [] if i % 2 == 0 else [
            (int(rng.integers(w)), int(rng.integers(h)), tuple(int(c) for c in rng.integers(0, 256, 3)))
            for _ in range(int(rng.integers(1, 31)))
        ]
        out.append(hint_channels(points, (w, h), (w, h)))
    return np.stack(out)


def _frozen_function(model, size: Optional[int], channels: int = 3):
    from keras_anime_cyclegan.utils.tf_compat import convert_variables_to_constants

    fn = tf.function(lambda images: model(images, training=False))
    spec = tf.TensorSpec([1, size, size, channels], tf.float32, name=INPUT_NAME)
    # Frozen: the converter would otherwise keep resource variables, which
    # the calibrator and the interpreter cannot read.
    return convert_variables_to_constants(fn.get_concrete_function(spec))


def _representative_dataset(
    images, size: Optional[int], hint_channels: int = 0, hint_spread: int = 0, spread_outside: int = 0
) -> Callable[[], Iterable]:
    """Calibration inputs as the graph takes them: with `spread_outside`
    rounds, hints already spread (`export.graph.without_hint_spread`)."""
    if callable(images):
        return images
    images = np.asarray(images)
    if images.dtype == np.uint8:
        images = to_float(images)
    if size is not None and images.shape[1:3] != (size, size):
        images = tf.image.resize(images, (size, size), method="area").numpy()
    if hint_channels and images.shape[-1] == 3:
        # Hint dots alone: calibrated without hints, since a few dots stretch
        # the activation ranges for every picture. Measured on the epoch-41
        # G at 256 px (4 sketches, PSNR vs Keras): zero-hint calibration
        # 29.3 dB without hints and 23.0 dB with 3-10 dots; calibrating on
        # random-colour dots 18 dB, on dots of the pictures' own colours
        # 17.8 / 21.8 dB. Spread hints (HintSpread) colour whole regions, so
        # the ranges must include them: the same weights with the spread,
        # 6 held-out sketches: zero-hint calibration 15.6 dB (12.8 dB with
        # 10 hints), calibration with `representative_hints` 24.1 (23.3) dB.
        hints = representative_hints(images) if hint_spread else np.zeros(images.shape[:-1] + (hint_channels,))
        images = np.concatenate([images, hints.astype(images.dtype)], axis=-1)
        if spread_outside:
            from keras_anime_cyclegan.inference.spread import spread_hints

            images = spread_hints(images, spread_outside)

    def dataset():
        for image in images:
            yield [image[None].astype(np.float32)]

    return dataset


def convert(model, quantize: str = "float32", size: Optional[int] = 256, representative=None) -> bytes:
    """The TFLite flatbuffer of a Keras generator (see the module docstring).

    Args:
        model: a Keras generator, float32 [-1, 1] NHWC in and out.
        quantize: one of `QUANTIZATIONS`.
        size: fixed height and width, or None for any size.
        representative: int8 only: uint8 images (N, H, W, 3), float32
            images in [-1, 1], or a TFLite representative-dataset callable.
    """
    if quantize not in QUANTIZATIONS:
        raise ValueError(f"quantize must be one of {', '.join(QUANTIZATIONS)}; got {quantize!r}")
    if quantize == "int8" and representative is None:
        raise ValueError("int8 needs representative images")
    from keras_anime_cyclegan.export.graph import export_model, without_hint_spread

    graph, spread_rounds = without_hint_spread(model)
    graph = export_model(graph)
    hints = int(getattr(model, "hint_channels", 0))
    converter = tf.lite.TFLiteConverter.from_concrete_functions([_frozen_function(graph, size, 3 + hints)], graph)
    if quantize != "float32":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantize == "float16":
        converter.target_spec.supported_types = [tf.float16]
    elif quantize == "int8":
        converter.representative_dataset = _representative_dataset(
            representative, size or 256, hints, int(getattr(model, "hint_spread", 0)), spread_rounds
        )
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8, tf.lite.OpsSet.TFLITE_BUILTINS]
        # Selective quantisation as tf.lite.experimental.QuantizationDebugger
        # does it (calibrate, then quantise with a denylist), but with int8
        # input and output, which the debugger's own method leaves float.
        from keras_anime_cyclegan.utils.tf_compat import quantize_selectively

    with converter_quietly():
        if quantize == "int8":
            return quantize_selectively(converter, INT8_FLOAT_OPS, tf.int8, tf.int8, INT8_FLOAT_LAYERS)
        return converter.convert()


def _quantization(detail: dict) -> Optional[dict]:
    scale, zero_point = detail["quantization"]
    if not scale:
        return None
    return {"scale": float(scale), "zero_point": int(zero_point)}


def export_tflite(
    loaded,
    out_path: str | Path,
    quantize: str = "float32",
    size: Optional[int] = EXPORT_SIZE,
    representative=None,
) -> Path:
    """Writes a `.tflite` file of `loaded`'s generator and its `metadata.json`.

    Args:
        loaded: a `LoadedGenerator` (from `load_generator`).
        out_path: the `.tflite` file to write, or a folder (gets
            `model.tflite`). One export per folder: `metadata.json` sits
            beside the file.
        quantize: "float32", "float16", "dynamic" (int8 weights, float
            compute) or "int8" (integer-only, int8 input and output).
        size: fixed input height and width (divisible by the generator's
            multiple), or None for a dynamic-size model.
        representative: int8 calibration images (see `convert`); default:
            `representative_images(direction)`.

    Returns:
        The `.tflite` file.
    """
    Interpreter = require("ai_edge_litert.interpreter", "litert", "checking TFLite exports").Interpreter

    multiple = loaded.multiple
    if size is not None and (size % multiple or size < 2 * multiple):
        raise ValueError(f"size {size} must be a multiple of {multiple} and at least {2 * multiple}")
    if quantize == "int8" and representative is None:
        representative = representative_images(loaded.direction, size=size or 256)
    out_path = Path(out_path)
    if out_path.suffix != ".tflite":
        out_path = out_path / MODEL_FILE
    out_path.parent.mkdir(parents=True, exist_ok=True)
    content = convert(loaded.model, quantize, size, representative)
    out_path.write_bytes(content)

    with converter_quietly():
        interpreter = Interpreter(model_content=content)
    inp, out = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    extra: dict = {"signature": "serving_default"}
    if quantize == "int8":
        extra["float_ops"] = list(INT8_FLOAT_OPS)
        extra["float_layers"] = list(INT8_FLOAT_LAYERS)
        extra["input"] = {
            **image_spec(size, multiple, "int8", quantization=_quantization(inp), hint_channels=loaded.hint_channels),
            "name": INPUT_NAME,
        }
        extra["output"] = {**image_spec(size, multiple, "int8", quantization=_quantization(out)), "name": OUTPUT_NAME}
    else:
        extra["input"] = {**image_spec(size, multiple, hint_channels=loaded.hint_channels), "name": INPUT_NAME}
        extra["output"] = {**image_spec(size, multiple), "name": OUTPUT_NAME}
    rounds = spread_left_to_runner(loaded.model)
    if rounds:
        extra["hints"] = spread_metadata(rounds)
    write_metadata(out_path, loaded=loaded, fmt="tflite", quantization=quantize, input_size=size, extra=extra)
    return out_path
