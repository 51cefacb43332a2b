"""Callbacks a CycleGAN run needs: samples, checkpoints, a NaN guard."""

from __future__ import annotations

import math
from pathlib import Path

import keras
import numpy as np

from keras_anime_cyclegan.artifacts.checkpoint import save_checkpoint
from keras_anime_cyclegan.models.layers import with_no_hints
from keras_anime_cyclegan.utils.images import grid, to_uint8


class NonFiniteLossError(RuntimeError):
    """A loss became NaN or infinite; training stopped before saving."""


class NonFiniteLossGuard(keras.callbacks.Callback):
    """Stops training at the first non-finite loss, naming epoch and step.

    It raises, so the epoch never ends and no checkpoint of the broken
    weights is written: the last good checkpoint stays as it was.
    """

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        for name, value in (logs or {}).items():
            value = float(value)
            if not math.isfinite(value):
                raise NonFiniteLossError(
                    f"loss {name} is {value} at epoch {self.epoch + 1}, step {batch + 1}; "
                    "training stopped, the last checkpoint is untouched"
                )


class CheckpointCallback(keras.callbacks.Callback):
    """Writes the whole training state to `path` after every epoch."""

    def __init__(self, path: str | Path):
        super().__init__()
        self.path = Path(path)

    def on_epoch_end(self, epoch, logs=None):
        save_checkpoint(self.model, self.path, epoch + 1)


def translate(model, sketches: np.ndarray, colors: np.ndarray) -> list[list[np.ndarray]]:
    """Rows of sketch | G(sketch) | colour | F(colour), as uint8 images."""
    # convert_to_numpy: a torch output still requires grad and refuses np.asarray.
    hinted = with_no_hints(keras.ops.convert_to_tensor(sketches), int(getattr(model.generator_g, "hint_channels", 0)))
    fake_y = to_uint8(keras.ops.convert_to_numpy(model.generator_g(hinted, training=False)))
    fake_x = to_uint8(keras.ops.convert_to_numpy(model.generator_f(colors, training=False)))
    return [
        [to_uint8(s), fy, to_uint8(c), fx]
        for s, fy, c, fx in zip(sketches, fake_y, colors, fake_x)
    ]


class SampleGridCallback(keras.callbacks.Callback):
    """Saves sketch | G(sketch) | colour | F(colour) grids every epoch.

    As PNG in `folder` and, when `tensorboard_dir` is set, as a TensorBoard
    image.

    Args:
        sketches, colors: float32 [-1, 1] batches of held-out images.
        folder: where `epoch_0001.png`... go.
        tensorboard_dir: optional TensorBoard log folder.
    """

    def __init__(self, sketches, colors, folder, tensorboard_dir=None):
        super().__init__()
        self.sketches, self.colors = sketches, colors
        self.folder = Path(folder)
        self.tensorboard_dir = tensorboard_dir
        self._writer = None

    def on_epoch_end(self, epoch, logs=None):
        self.folder.mkdir(parents=True, exist_ok=True)
        image = grid(translate(self.model, self.sketches, self.colors))
        image.save(self.folder / f"epoch_{epoch + 1:04d}.png")
        if self.tensorboard_dir:
            import tensorflow as tf

            if self._writer is None:
                self._writer = tf.summary.create_file_writer(str(Path(self.tensorboard_dir) / "samples"))
            with self._writer.as_default():
                tf.summary.image("samples", np.asarray(image)[None], step=epoch + 1)
            self._writer.flush()
