"""CycleGAN's learning-rate schedule: constant, then linear decay to zero."""

from __future__ import annotations

import keras
from keras import ops

from keras_anime_cyclegan.models.layers import PACKAGE


@keras.saving.register_keras_serializable(package=PACKAGE)
class ConstantThenLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """`initial` for `constant_steps`, then linearly to 0 at `total_steps`.

    Args:
        initial: float, the starting learning rate.
        constant_steps: int, optimizer steps at the constant rate.
        total_steps: int, the step at which the rate reaches zero.
    """

    def __init__(self, initial: float, constant_steps: int, total_steps: int):
        self.initial = float(initial)
        self.constant_steps = int(constant_steps)
        self.total_steps = int(total_steps)

    def __call__(self, step):
        step = ops.cast(step, "float32")
        decay_steps = max(self.total_steps - self.constant_steps, 1)
        frac = ops.clip((step - self.constant_steps) / decay_steps, 0.0, 1.0)
        return self.initial * (1.0 - frac)

    def get_config(self):
        return {
            "initial": self.initial,
            "constant_steps": self.constant_steps,
            "total_steps": self.total_steps,
        }
