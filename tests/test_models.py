"""Forward shapes, serialisation and config handling of every network."""

import keras
import numpy as np
import pytest

from keras_anime_cyclegan.config import DiscriminatorConfig, GeneratorConfig
from keras_anime_cyclegan.models import (
    EncoderDecoderDiscriminator,
    PatchGANDiscriminator,
    ReflectionPadding2D,
    ResnetGenerator,
    UNetGenerator,
    UNetResNetGenerator,
    build_discriminator,
    build_generator,
    count_flops,
)
from tests.helpers import random_images

GENERATOR_CONFIGS = {
    "unet_resnet_concat_transpose": GeneratorConfig(base_filters=8, max_filters=32, levels=3, residual_blocks=1),
    "unet_resnet_add_resize_batch": GeneratorConfig(
        base_filters=8, max_filters=32, levels=2, residual_blocks=2, skip_mode="add", upsampling="resize", norm="batch"
    ),
    "unet_resnet_no_norm_relu": GeneratorConfig(
        base_filters=8, max_filters=32, levels=1, residual_blocks=1, norm="none", activation="relu"
    ),
    "resnet": GeneratorConfig(architecture="resnet", base_filters=8, max_filters=32, levels=2, residual_blocks=2),
    "unet_resnet_3x3_stem_5x5_head": GeneratorConfig(
        base_filters=8, max_filters=32, levels=2, residual_blocks=1, stem_kernel=3, head_kernel=5
    ),
    "unet_pix2pix": GeneratorConfig(architecture="unet", base_filters=8, max_filters=32, levels=4),
}


@pytest.mark.parametrize("name", sorted(GENERATOR_CONFIGS))
def test_generator_forward_shape_non_square(name):
    cfg = GENERATOR_CONFIGS[name]
    g = build_generator(cfg)
    h, w = 2 * cfg.multiple, 3 * cfg.multiple
    if h < 16:
        h, w = 16, 24
    y = keras.ops.convert_to_numpy(g(random_images(2, h, w)))
    assert y.shape == (2, h, w, 3)
    assert np.all(np.abs(y) <= 1.0), "tanh output must stay in [-1, 1]"
    assert g.multiple == cfg.multiple
    if cfg.architecture != "unet":
        assert g.get_layer("stem_conv").kernel_size == (cfg.stem_kernel,) * 2
        assert g.get_layer("head_conv").kernel_size == (cfg.head_kernel,) * 2


def test_paper_generator_matches_paper_architecture():
    g = UNetResNetGenerator()
    conv_widths = {l.name: l.filters for l in g.layers if isinstance(l, keras.layers.Conv2D)}
    assert conv_widths["stem_conv"] == 64 and g.get_layer("stem_conv").kernel_size == (7, 7)
    assert [conv_widths[f"down{i}_a_conv"] for i in (1, 2, 3)] == [128, 256, 512]
    assert g.get_layer("down1_a_conv").strides == (2, 2)
    assert sum(1 for n in conv_widths if n.startswith("bottleneck") and n.endswith("_a_conv")) == 6
    assert g.get_layer("head_conv").kernel_size == (7, 7) and conv_widths["head_conv"] == 3
    assert isinstance(g.get_layer("stem_norm"), keras.layers.GroupNormalization)
    assert g.get_layer("stem_norm").groups == 64  # one group per channel: instance normalisation


def test_generator_rejects_size_not_divisible_by_multiple():
    g = build_generator(GeneratorConfig(base_filters=8, max_filters=16, levels=2, residual_blocks=1))
    import tensorflow as tf

    # 18 is not a multiple of 4: the skip connections' shapes cannot meet
    with pytest.raises(tf.errors.InvalidArgumentError, match="must be equal"):
        g(random_images(1, 18, 18))


@pytest.mark.parametrize(
    "cls,kwargs,scale",
    [
        (PatchGANDiscriminator, {"base_filters": 8, "layers": 3}, 8),
        (PatchGANDiscriminator, {"base_filters": 8, "layers": 2, "norm": "batch"}, 4),
        (EncoderDecoderDiscriminator, {"base_filters": 8}, 2),
    ],
)
def test_discriminator_forward_shape_non_square(cls, kwargs, scale):
    d = cls(**kwargs)
    y = keras.ops.convert_to_numpy(d(random_images(2, 64, 96)))
    assert y.shape == (2, 64 // scale, 96 // scale, 1)


def test_patchgan_receptive_field_is_70():
    # One output score must depend on exactly a 70-pixel-wide window.
    d = PatchGANDiscriminator(base_filters=4, layers=3, norm="none")
    x = np.zeros((161, 160, 8, 3), "float32")
    for r in range(160):
        x[r + 1, r, 4] = 100.0  # image r+1 has an impulse at row r; image 0 is blank
    scores = keras.ops.convert_to_numpy(d(x))[:, 5, 0, 0]
    rows = [r for r in range(160) if scores[r + 1] != scores[0]]
    assert max(rows) - min(rows) + 1 == 70


@pytest.mark.parametrize(
    "model_fn",
    [
        lambda: build_generator(GENERATOR_CONFIGS["unet_resnet_add_resize_batch"]),
        lambda: build_generator(GENERATOR_CONFIGS["resnet"]),
        lambda: build_generator(GENERATOR_CONFIGS["unet_pix2pix"]),
        lambda: build_discriminator(DiscriminatorConfig(architecture="encoder_decoder", base_filters=8)),
    ],
)
def test_keras_file_round_trip_gives_identical_outputs(tmp_path, model_fn):
    model = model_fn()
    x = random_images(1, 32, 48, seed=3)
    before = keras.ops.convert_to_numpy(model(x))
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is type(model)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(loaded(x)), before)
    assert loaded.get_config() == model.get_config()


def test_reflection_padding_mirrors_edges():
    x = np.arange(9, dtype="float32").reshape(1, 3, 3, 1)
    y = keras.ops.convert_to_numpy(ReflectionPadding2D(1)(x))[0, :, :, 0]
    assert y.shape == (5, 5)
    np.testing.assert_array_equal(y[0, 1:4], x[0, 1, :, 0])  # row above mirrors row 1
    np.testing.assert_array_equal(y[1:4, 0], x[0, :, 1, 0])


def test_count_flops_measures_convolutions():
    small = build_generator(GeneratorConfig(base_filters=8, max_filters=16, levels=2, residual_blocks=1))
    wide = build_generator(GeneratorConfig(base_filters=16, max_filters=32, levels=2, residual_blocks=1))
    f_small, f_wide = count_flops(small, 64), count_flops(wide, 64)
    assert f_small > 0
    assert 3.0 < f_wide / f_small < 4.5, "doubling every width should roughly quadruple the FLOPs"
    assert 3.9 < count_flops(small, 128) / f_small < 4.1, "FLOPs scale with pixel count"


def test_bad_config_values_are_named():
    with pytest.raises(ValueError, match="skip_mode"):
        GeneratorConfig(skip_mode="sum")
    with pytest.raises(ValueError, match="stem_kernel"):
        GeneratorConfig(stem_kernel=4)
    with pytest.raises(ValueError, match="divisible"):
        from keras_anime_cyclegan.config import ExperimentConfig

        ExperimentConfig(image_size=100)


def test_generator_classes_exposed():
    assert {UNetResNetGenerator, ResnetGenerator, UNetGenerator} <= set(type(build_generator(c)) for c in GENERATOR_CONFIGS.values())


def test_subsampled_conv_equals_the_strided_1x1_convolution():
    """Same outputs and kernel gradient as Conv2D(1x1, stride 2), by a route oneDNN gets right (oneDNN#6035)."""
    import tensorflow as tf

    from keras_anime_cyclegan.models.layers import SubsampledConv2D

    x = np.random.default_rng(0).normal(size=(2, 10, 9, 8)).astype("float32")  # odd width, 8 < 16 channels
    layer = SubsampledConv2D(16, 1, strides=2, use_bias=True)
    reference = keras.layers.Conv2D(16, 1, strides=2, use_bias=True)
    layer.build(x.shape)
    reference.build(x.shape)
    reference.set_weights(layer.get_weights())
    np.testing.assert_allclose(layer(x).numpy(), reference(x).numpy(), atol=1e-5)
    assert layer.compute_output_shape(x.shape) == (2, 5, 5, 16)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x) ** 2)
    grad = tape.gradient(loss, layer.kernel).numpy()
    # d/dW of sum(y^2) with y = x[:, ::2, ::2] @ W + b is 2 x_sub^T y.
    x_sub = x[:, ::2, ::2, :].reshape(-1, 8)
    y = x_sub @ layer.kernel.numpy()[0, 0] + layer.bias.numpy()
    np.testing.assert_allclose(grad[0, 0], 2 * x_sub.T @ y, rtol=1e-4, atol=1e-3)
    with pytest.raises(ValueError, match="1x1"):
        SubsampledConv2D(4, 3)


@pytest.mark.parametrize("kind", ["generator", "discriminator"])
def test_network_configs_and_constructors_agree(kind):
    """The config dataclasses (layer 0, readable without importing Keras, so
    a bad config.json fails before TensorFlow loads) mirror the constructors'
    arguments, which are the networks' Keras config: every constructor
    argument is a field, every field some constructor's argument, and the
    default architecture's defaults are the dataclass's."""
    import dataclasses
    import inspect

    from keras_anime_cyclegan.config import DiscriminatorConfig, GeneratorConfig
    from keras_anime_cyclegan.models.factory import DISCRIMINATORS, GENERATORS

    config, classes = (GeneratorConfig, GENERATORS) if kind == "generator" else (DiscriminatorConfig, DISCRIMINATORS)
    fields = {f.name: f.default for f in dataclasses.fields(config) if f.name != "architecture"}
    taken = set()
    for architecture, cls in classes.items():
        params = {k: p.default for k, p in inspect.signature(cls.__init__).parameters.items()
                  if k not in ("self", "name", "kwargs")}
        assert set(params) <= set(fields), (architecture, set(params) - set(fields))
        taken |= set(params)
        if architecture == config.architecture:
            assert {k: fields[k] for k in params} == params, architecture
    assert taken == set(fields)
