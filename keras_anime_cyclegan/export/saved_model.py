"""SavedModel export: a uint8 serving signature for apps, a float32 one for tools.

Signatures (both batched NHWC RGB; the input and output are named `images`):

- `serving_default`: `images` uint8 [N, H, W, 3], any H and W of at least
  2 x the generator's multiple -> `images` uint8 [N, H, W, 3]. Scaling to
  [-1, 1], reflect padding of the bottom and right edges up to the
  multiple, and cropping back all happen inside the graph.
- `float32`: `images` float32 [N, H, W, 3] in [-1, 1], H and W divisible by
  the multiple -> `images` float32 [N, H, W, 3] in [-1, 1]: the Keras model
  itself. For a generator that takes colour hints, `images` has 3 + 4
  channels: the picture, then the hints (RGB in [-1, 1] and a 0/1 mask;
  all zero = no hints).
- `hints_uint8` (hint generators only): `images` uint8 [N, H, W, 3] and
  `hints` uint8 [N, H, W, 4], an RGBA hint layer the size of the picture
  whose opaque pixels (alpha >= 128) are hints of their colour, the layer
  `kac colorize --hints` takes -> `images` uint8, any size as above.
  `serving_default` is the same with no hints.

Example:
>>> import tensorflow as tf
>>> sm = tf.saved_model.load("out/saved_model")  # doctest: +SKIP
>>> colour = sm.signatures["serving_default"](images=sketch_uint8[None])["images"]  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import tensorflow as tf

from keras_anime_cyclegan.artifacts.metadata import image_spec, write_metadata
from keras_anime_cyclegan.models.layers import with_no_hints

INPUT_NAME = OUTPUT_NAME = "images"
HINTS_NAME = "hints"
UINT8_SIGNATURE = "serving_default"
FLOAT32_SIGNATURE = "float32"
HINTS_UINT8_SIGNATURE = "hints_uint8"
ALPHA_THRESHOLD = 128  # as `inference.hints`: opaque enough to be a hint


def pad_to_multiple(images: tf.Tensor, multiple: int) -> tf.Tensor:
    """Reflect-pads the bottom and right edges so H and W divide by `multiple`."""
    h, w = tf.shape(images)[1], tf.shape(images)[2]
    pad_h, pad_w = (-h) % multiple, (-w) % multiple
    return tf.pad(images, [[0, 0], [0, pad_h], [0, pad_w], [0, 0]], mode="REFLECT")


def hint_layer_to_channels(layer: tf.Tensor) -> tf.Tensor:
    """uint8 RGBA hint layers [N, H, W, 4] -> the generator's hint channels (RGB in [-1, 1], mask)."""
    mask = tf.cast(layer[..., 3:] >= ALPHA_THRESHOLD, tf.float32)
    return tf.concat([(tf.cast(layer[..., :3], tf.float32) / 127.5 - 1.0) * mask, mask], axis=-1)


class _GeneratorModule(tf.Module):
    """Holds the Keras generator so its variables are saved once, shared by every signature."""

    def __init__(self, model, multiple: int):
        super().__init__(name="generator")
        self.model = model
        hints = int(getattr(model, "hint_channels", 0))

        def spec(dtype, channels=3, name=INPUT_NAME):
            return tf.TensorSpec([None, None, None, channels], dtype, name=name)

        def translate_float32(images):
            return {OUTPUT_NAME: self.model(images, training=False)}

        def uint8_run(images, hint_channels):
            h, w = tf.shape(images)[1], tf.shape(images)[2]
            x = tf.cast(images, tf.float32) / 127.5 - 1.0
            x = with_no_hints(x, hints) if hint_channels is None else tf.concat([x, hint_channels], axis=-1)
            y = self.model(pad_to_multiple(x, multiple), training=False)[:, :h, :w, :]
            y = tf.clip_by_value(tf.round((y + 1.0) * 127.5), 0.0, 255.0)
            return {OUTPUT_NAME: tf.cast(y, tf.uint8)}

        self.translate_float32 = tf.function(translate_float32, input_signature=[spec(tf.float32, 3 + hints)])
        self.translate_uint8 = tf.function(lambda images: uint8_run(images, None), input_signature=[spec(tf.uint8)])
        self.signature_functions = {UINT8_SIGNATURE: self.translate_uint8, FLOAT32_SIGNATURE: self.translate_float32}
        if hints:
            self.translate_hints_uint8 = tf.function(
                lambda images, hints: uint8_run(images, hint_layer_to_channels(hints)),
                input_signature=[spec(tf.uint8), spec(tf.uint8, 4, HINTS_NAME)],
            )
            self.signature_functions[HINTS_UINT8_SIGNATURE] = self.translate_hints_uint8


def export_saved_model(loaded, out_dir: str | Path) -> Path:
    """Writes `loaded`'s generator as a SavedModel folder with `metadata.json`.

    Args:
        loaded: a `LoadedGenerator` (from `load_generator`).
        out_dir: the SavedModel folder to write (created or overwritten).

    Returns:
        The SavedModel folder.
    """
    out_dir = Path(out_dir)
    module = _GeneratorModule(loaded.model, loaded.multiple)
    tf.saved_model.save(module, str(out_dir), signatures=module.signature_functions)
    uint8_io = {**image_spec(None, 1, "uint8", (0, 255)), "name": INPUT_NAME}
    float_in = {**image_spec(None, loaded.multiple, hint_channels=loaded.hint_channels), "name": INPUT_NAME}
    float_out = {**image_spec(None, loaded.multiple), "name": OUTPUT_NAME}
    signatures = {
        UINT8_SIGNATURE: {"input": uint8_io, "output": uint8_io},
        FLOAT32_SIGNATURE: {"input": float_in, "output": float_out},
    }
    if loaded.hint_channels:
        layer = {**image_spec(None, 1, "uint8", (0, 255)), "name": HINTS_NAME, "channels": "RGBA hint layer"}
        signatures[HINTS_UINT8_SIGNATURE] = {"input": uint8_io, "hints": layer, "output": uint8_io}
    write_metadata(
        out_dir,
        loaded=loaded,
        fmt="saved_model",
        quantization="float32",
        input_size=None,
        extra={"input": uint8_io, "output": uint8_io, "min_size": 2 * loaded.multiple, "signatures": signatures},
    )
    return out_dir
