"""SavedModel export: a uint8 serving signature for apps, a float32 one for tools.

Signatures (both batched NHWC RGB; the input and output are named `images`):

- `serving_default`: `images` uint8 [N, H, W, 3], any H and W of at least
  2 x the generator's multiple -> `images` uint8 [N, H, W, 3]. Scaling to
  [-1, 1], reflect padding of the bottom and right edges up to the
  multiple, and cropping back all happen inside the graph.
- `float32`: `images` float32 [N, H, W, 3] in [-1, 1], H and W divisible by
  the multiple -> `images` float32 [N, H, W, 3] in [-1, 1]: the Keras model
  itself.

Example:
>>> import tensorflow as tf
>>> sm = tf.saved_model.load("out/saved_model")  # doctest: +SKIP
>>> colour = sm.signatures["serving_default"](images=sketch_uint8[None])["images"]  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import tensorflow as tf

from keras_anime_cyclegan.export.metadata import image_spec, write_metadata
from keras_anime_cyclegan.models.factory import without_hint_inputs

INPUT_NAME = OUTPUT_NAME = "images"
UINT8_SIGNATURE = "serving_default"
FLOAT32_SIGNATURE = "float32"


def pad_to_multiple(images: tf.Tensor, multiple: int) -> tf.Tensor:
    """Reflect-pads the bottom and right edges so H and W divide by `multiple`."""
    h, w = tf.shape(images)[1], tf.shape(images)[2]
    pad_h, pad_w = (-h) % multiple, (-w) % multiple
    return tf.pad(images, [[0, 0], [0, pad_h], [0, pad_w], [0, 0]], mode="REFLECT")


class _GeneratorModule(tf.Module):
    """Holds the Keras generator so its variables are saved once, shared by both signatures."""

    def __init__(self, model, multiple: int):
        super().__init__(name="generator")
        self.model = model
        spec = lambda dtype: [tf.TensorSpec([None, None, None, 3], dtype, name=INPUT_NAME)]  # noqa: E731

        def translate_float32(images):
            return {OUTPUT_NAME: self.model(images, training=False)}

        def translate_uint8(images):
            h, w = tf.shape(images)[1], tf.shape(images)[2]
            x = tf.cast(images, tf.float32) / 127.5 - 1.0
            y = self.model(pad_to_multiple(x, multiple), training=False)[:, :h, :w, :]
            y = tf.clip_by_value(tf.round((y + 1.0) * 127.5), 0.0, 255.0)
            return {OUTPUT_NAME: tf.cast(y, tf.uint8)}

        self.translate_float32 = tf.function(translate_float32, input_signature=spec(tf.float32))
        self.translate_uint8 = tf.function(translate_uint8, input_signature=spec(tf.uint8))


def export_saved_model(loaded, out_dir: str | Path) -> Path:
    """Writes `loaded`'s generator as a SavedModel folder with `metadata.json`.

    Args:
        loaded: a `LoadedGenerator` (from `load_generator`).
        out_dir: the SavedModel folder to write (created or overwritten).

    Returns:
        The SavedModel folder.
    """
    out_dir = Path(out_dir)
    module = _GeneratorModule(without_hint_inputs(loaded.model), loaded.multiple)
    tf.saved_model.save(
        module,
        str(out_dir),
        signatures={UINT8_SIGNATURE: module.translate_uint8, FLOAT32_SIGNATURE: module.translate_float32},
    )
    uint8_io = {**image_spec(None, 1, "uint8", (0, 255)), "name": INPUT_NAME}
    float_io = {**image_spec(None, loaded.multiple), "name": INPUT_NAME}
    write_metadata(
        out_dir,
        loaded=loaded,
        fmt="saved_model",
        quantization="float32",
        input_size=None,
        extra={
            "input": uint8_io,
            "output": uint8_io,
            "min_size": 2 * loaded.multiple,
            "signatures": {
                UINT8_SIGNATURE: {"input": uint8_io, "output": uint8_io},
                FLOAT32_SIGNATURE: {"input": float_io, "output": float_io},
            },
        },
    )
    return out_dir
