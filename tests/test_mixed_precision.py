"""Mixed precision: float16 (with loss scaling) and bfloat16 compute, float32 where it matters."""

import keras
import numpy as np
import pytest

from keras_anime_cyclegan.config import ExperimentConfig
from keras_anime_cyclegan.data.synthetic import synthetic_images
from keras_anime_cyclegan.artifacts.generators import load_generator
from keras_anime_cyclegan.training.run import build_model, train
from keras_anime_cyclegan.utils.images import to_float
from tests.helpers import tiny_config

pytestmark = pytest.mark.slow  # trains in float16 and bfloat16


def _batch():
    colors, lines = synthetic_images(4, 32, seed=5)
    return to_float(lines[:2]), to_float(colors[2:])


@pytest.mark.parametrize("mixed", ["float16", "bfloat16"])
def test_layers_compute_in_half_precision_but_norms_heads_and_variables_stay_float32(mixed):
    model = build_model(tiny_config(mixed_precision=mixed))
    g = model.generator_g
    assert g.get_layer("stem_conv").compute_dtype == mixed
    assert model.discriminator_y.get_layer("c0_conv").compute_dtype == mixed
    assert model.discriminator_y.get_layer("score").compute_dtype == "float32"
    assert g.get_layer("stem_norm").compute_dtype == "float32"  # instance normalisation
    assert g.get_layer("head_tanh").compute_dtype == "float32"
    assert {v.dtype for v in model.trainable_variables} == {"float32"}
    assert keras.config.dtype_policy().name == "float32", "building must not leak the policy"
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer) == (mixed == "float16")


def test_float16_training_follows_float32_training():
    """Same seed, 4 steps: float16 compute with loss scaling tracks float32 closely."""
    batch = _batch()
    losses = {}
    for mixed in (None, "float16"):
        keras.utils.set_random_seed(1)
        model = build_model(tiny_config(mixed_precision=mixed))
        for _ in range(4):
            logs = model.train_step(batch)
        losses[mixed] = {name: float(value) for name, value in logs.items()}
    for name in ("gen_total", "D_X", "D_Y", "cycle_x"):
        assert losses["float16"][name] == pytest.approx(losses[None][name], rel=0.02), name


def test_overflowing_loss_scale_skips_the_step_and_halves_the_scale():
    keras.utils.set_random_seed(2)
    config = tiny_config(mixed_precision="float16")
    model = build_model(config)
    huge = keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam(2e-4), initial_scale=2.0**40)
    model.compile(huge, loss_scaling=True)
    before = [w.numpy().copy() for w in model.trainable_weights]
    logs = model.train_step(_batch())
    assert np.isfinite(float(logs["gen_total"])), "the loss itself is finite; its scaled float16 gradients are not"
    for a, w in zip(before, model.trainable_weights):
        np.testing.assert_array_equal(a, w.numpy())
    assert float(model.optimizer.dynamic_scale) == 2.0**39


def _sgd_step(mixed, scale=None):
    """The change of F's and D_X's weights after one plain-SGD step (lr 0.1)."""
    keras.utils.set_random_seed(3)
    model = build_model(tiny_config(mixed_precision=mixed, pool_size=0))
    optimizer = keras.optimizers.SGD(0.1)
    if scale is not None:
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer, initial_scale=scale)
    model.compile(optimizer, loss_scaling=scale is not None)
    weights = model.generator_f.trainable_weights + model.discriminator_x.trainable_weights
    before = [w.numpy() for w in weights]
    model.train_step(_batch())
    return np.concatenate([(w.numpy() - b).ravel() for w, b in zip(weights, before)])


def test_the_loss_scale_is_divided_out():
    """Plain SGD inside: the step is the same whatever the (finite) loss scale.

    A power-of-two scale is exact in float16, so two scales give different
    steps only where the float16 backward pass rounds (or underflows)
    differently; how much that is depends on the CPU's float16 kernels:
    on Intel AVX-512-FP16 with oneDNN the two steps agree to 1e-10, with
    Eigen's kernels (TF_ENABLE_ONEDNN_OPTS=0, and AMD EPYC) they differ by
    up to 4e-4 of a largest step of 0.26. So the bound is measured here,
    on this CPU: float16 compute moves the step by max|f16 - f32| (0.012 to
    0.013 on both), and the two scales may not differ by more than that.
    A scale left in the step would multiply it by 16 (2**14 / 2**10).
    """
    full = _sgd_step(None)
    low, high = _sgd_step("float16", 2.0**10), _sgd_step("float16", 2.0**14)  # far from under- and overflow
    assert np.linalg.norm(full) > 1.0, "SGD moved no weight: nothing compared"
    # The whole step's size: rounding averages out (measured 1 +- 1e-4).
    assert np.linalg.norm(high) / np.linalg.norm(low) == pytest.approx(1.0, abs=0.01)
    float16_noise = max(np.max(np.abs(low - full)), np.max(np.abs(high - full)))
    assert np.max(np.abs(high - low)) <= float16_noise


def test_mixed_precision_run_saves_float32_generators(tmp_path):
    run = tmp_path / "run"
    train(tiny_config(mixed_precision="float16", epochs=1, steps_per_epoch=1), run, verbose=0)
    saved = keras.saving.load_model(run / "generator_g.keras", compile=False)
    assert {layer.dtype_policy.name for layer in saved.layers} == {"float32"}
    from_checkpoint = load_generator(run, "colorize").model
    x = _batch()[0]
    np.testing.assert_allclose(np.asarray(saved(x)), np.asarray(from_checkpoint(x)), atol=1e-6)


def test_mixed_precision_setting_is_checked_and_reaches_the_config(tmp_path):
    with pytest.raises(ValueError, match="mixed_precision"):
        ExperimentConfig(mixed_precision="float8")
    from keras_anime_cyclegan.cli import build_parser
    from keras_anime_cyclegan.cli.train import config_from_args

    parser = build_parser()
    args = parser.parse_args(["train", "--demo", "--out", str(tmp_path), "--mixed-precision"])
    assert config_from_args(args).mixed_precision == "float16"
    args = parser.parse_args(["train", "--demo", "--out", str(tmp_path), "--mixed-precision", "bfloat16"])
    assert config_from_args(args).mixed_precision == "bfloat16"
