"""Forward shapes, serialisation and config handling of every network."""

import keras
import numpy as np
import pytest

from keras_anime_cyclegan.config import DiscriminatorConfig, GeneratorConfig
from keras_anime_cyclegan.models.factory import generator_multiple, resolve_experiment, resolve_generator
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
    cfg = resolve_generator(GENERATOR_CONFIGS[name])
    g = build_generator(cfg)
    multiple = 2**cfg.levels
    h, w = 2 * multiple, 3 * multiple
    if h < 16:
        h, w = 16, 24
    y = keras.ops.convert_to_numpy(g(random_images(2, h, w)))
    assert y.shape == (2, h, w, 3)
    assert np.all(np.abs(y) <= 1.0), "tanh output must stay in [-1, 1]"
    assert g.multiple == multiple == generator_multiple(GENERATOR_CONFIGS[name])
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
        (PatchGANDiscriminator, {"base_filters": 8, "num_layers": 3}, 8),
        (PatchGANDiscriminator, {"base_filters": 8, "num_layers": 2, "norm": "batch"}, 4),
        (EncoderDecoderDiscriminator, {"base_filters": 8}, 2),
    ],
)
def test_discriminator_forward_shape_non_square(cls, kwargs, scale):
    d = cls(**kwargs)
    y = keras.ops.convert_to_numpy(d(random_images(2, 64, 96)))
    assert y.shape == (2, 64 // scale, 96 // scale, 1)


def test_patchgan_receptive_field_is_70():
    # One output score must depend on exactly a 70-pixel-wide window.
    d = PatchGANDiscriminator(base_filters=4, num_layers=3, norm="none")
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
    with pytest.raises(ValueError, match="levels"):
        GeneratorConfig(levels=0)
    with pytest.raises(ValueError, match="num_layers"):
        DiscriminatorConfig(num_layers=0)
    from keras_anime_cyclegan.config import ExperimentConfig

    with pytest.raises(ValueError, match=r"image_size 100 must be divisible by 8"):
        resolve_experiment(ExperimentConfig(image_size=100))  # the paper's generator: 3 levels
    assert resolve_experiment(ExperimentConfig(image_size=100, generator=GeneratorConfig(levels=2))).image_size == 100


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
    a bad config.json fails before TensorFlow loads) name the constructors'
    arguments, which are the networks' Keras config: every constructor
    argument is a field, every field some constructor's argument, and no
    field restates a default (None: the constructor's own)."""
    import dataclasses
    import inspect

    from keras_anime_cyclegan.config import DiscriminatorConfig, GeneratorConfig
    from keras_anime_cyclegan.models.factory import DISCRIMINATORS, GENERATORS

    config, classes = (GeneratorConfig, GENERATORS) if kind == "generator" else (DiscriminatorConfig, DISCRIMINATORS)
    fields = {f.name: f.default for f in dataclasses.fields(config) if f.name != "architecture"}
    assert set(fields.values()) == {None}, fields
    taken = set()
    for cls in classes.values():
        taken |= set(inspect.signature(cls.__init__).parameters) - {"self", "name", "kwargs"}
    assert taken == set(fields)


# What each preset's generator claims to be (docs/training.md, config.py),
# written out here from the papers, not from the constructors: CycleGAN's
# ResNet generators (Zhu et al. 2017, appendix 7.2: c7s1-64, d128, d256,
# R256 x 9 or 6, u128, u64, c7s1-3; ReLU, instance norm, reflection padding),
# pix2pix's unet_256 (Isola et al. 2017: 8 stride-2 4x4 convolutions, 64 to
# 512 channels, LeakyReLU 0.2 down), PAPER.md's U-Net with residual blocks
# (3 stride-2 levels 128-256-512, 6 residual blocks at 512, LeakyReLU 0.2;
# instance norm as this project's choice).
PRESET_CLAIMS = {
    "paper": {"architecture": "unet_resnet", "base_filters": 64, "max_filters": 512, "levels": 3,
              "residual_blocks": 6, "skip_mode": "concat", "upsampling": "transpose", "norm": "instance",
              "activation": "leaky_relu", "stem_kernel": 7, "head_kernel": 7},
    "resnet9": {"architecture": "resnet", "base_filters": 64, "max_filters": 256, "levels": 2, "residual_blocks": 9,
                "upsampling": "transpose", "norm": "instance", "activation": "relu", "stem_kernel": 7, "head_kernel": 7},
    "resnet6": {"architecture": "resnet", "base_filters": 64, "max_filters": 256, "levels": 2, "residual_blocks": 6,
                "upsampling": "transpose", "norm": "instance", "activation": "relu", "stem_kernel": 7, "head_kernel": 7},
    "unet256": {"architecture": "unet", "base_filters": 64, "max_filters": 512, "levels": 8, "upsampling": "transpose",
                "activation": "leaky_relu"},
    "mobile": {"architecture": "unet_resnet", "base_filters": 8, "max_filters": 64, "levels": 3, "residual_blocks": 4,
               "skip_mode": "add", "upsampling": "transpose", "activation": "leaky_relu"},
    "demo": {"architecture": "unet_resnet", "base_filters": 16, "max_filters": 64, "levels": 2, "residual_blocks": 2,
             "upsampling": "resize", "activation": "leaky_relu"},
}


@pytest.mark.parametrize("name", sorted(PRESET_CLAIMS))
def test_every_preset_builds_the_architecture_it_claims(name):
    """Each preset's generator, built, has the settings its name promises:
    what the built Keras model reports (its config), the resolved config a
    run saves, and the layers themselves agree."""
    import dataclasses

    from keras_anime_cyclegan.config import GENERATOR_PRESETS
    from keras_anime_cyclegan.models.factory import GENERATORS

    claims = PRESET_CLAIMS[name]
    resolved = resolve_generator(GENERATOR_PRESETS[name])
    g = build_generator(GENERATOR_PRESETS[name])
    built = {k: v for k, v in g.get_config().items() if k not in ("name", "trainable")}
    assert type(g) is GENERATORS[claims["architecture"]]
    assert {k: v for k, v in dataclasses.asdict(resolved).items() if v is not None} == {
        "architecture": claims["architecture"], **built}
    assert {k: {**built, "architecture": resolved.architecture}[k] for k in claims} == claims
    # The layers, not only the recorded arguments.
    encoder_acts = {
        "leaky_relu" if isinstance(l, keras.layers.LeakyReLU) else l.get_config()["activation"]
        for l in g.layers
        if l.name.startswith(("stem", "down", "res", "bottleneck")) and l.name.endswith("act")
    }
    assert encoder_acts == {claims["activation"]}, encoder_acts
    convs = [l for l in g.layers if isinstance(l, keras.layers.Conv2D) and not isinstance(l, keras.layers.Conv2DTranspose)]
    if "stem_kernel" in claims:
        assert g.get_layer("stem_conv").kernel_size == (claims["stem_kernel"],) * 2
    widest = max(l.filters for l in convs)
    assert widest == claims["max_filters"]
    assert g.multiple == 2 ** claims["levels"]
    if "residual_blocks" in claims:
        blocks = {l.name.split("_")[0] for l in g.layers if l.name.startswith(("res", "bottleneck"))}
        assert len(blocks) == claims["residual_blocks"], sorted(blocks)


def test_presets_state_only_what_differs_from_the_constructors():
    """A preset that restates a constructor default is how the ResNet presets
    once built LeakyReLU networks: each preset's generator and discriminator
    settings must differ from the defaults they override."""
    import inspect

    from keras_anime_cyclegan.config import PRESETS
    from keras_anime_cyclegan.models.factory import DISCRIMINATORS, GENERATORS

    restated = []
    for name, preset in PRESETS.items():
        for part, classes, default_arch in (("generator", GENERATORS, "unet_resnet"),
                                            ("discriminator", DISCRIMINATORS, "patchgan")):
            settings = dict(preset.get(part, {}))
            cls = classes[settings.pop("architecture", default_arch)]
            params = inspect.signature(cls.__init__).parameters
            restated += [f"{name}.{part}.{k}" for k, v in settings.items() if params[k].default == v]
    assert not restated, restated


def test_a_run_saved_before_num_layers_still_loads_and_keeps_its_networks():
    """Run folders written before the rename spell the discriminators' depth
    "layers" and every generator argument out (the shipped model's
    model.json did): they load to the same networks, and restating an
    argument that is now a default changes nothing."""
    from keras_anime_cyclegan.config import ExperimentConfig

    old = {"discriminator": {"architecture": "patchgan", "base_filters": 16, "layers": 2, "norm": "instance"},
           "generator": {"architecture": "resnet", "levels": 2, "residual_blocks": 9, "max_filters": 256,
                         "activation": "leaky_relu", "skip_mode": "concat", "hint_channels": 0, "hint_spread": 0}}
    config = resolve_experiment(ExperimentConfig.from_dict(old))
    assert config.discriminator.num_layers == 2
    # An old resnet9 run was trained with LeakyReLU: its saved config rebuilds that, not today's ReLU default.
    assert config.generator.activation == "leaky_relu" and config.generator.skip_mode is None


def _strided_1x1_convolutions(model: keras.Model) -> list[str]:
    """The layers of `model` that would run oneDNN's broken kernel: plain strided 1x1 `Conv2D`s."""
    from keras_anime_cyclegan.models.layers import SubsampledConv2D

    return [
        layer.name
        for layer in model._flatten_layers(include_self=False, recursive=True)
        if isinstance(layer, keras.layers.Conv2D)
        and not isinstance(layer, (SubsampledConv2D, keras.layers.Conv2DTranspose))
        and tuple(layer.kernel_size) == (1, 1)
        and tuple(layer.strides) != (1, 1)
    ]


def test_no_network_runs_a_strided_1x1_convolution():
    """The guard for oneDNN#6035 in every network the package builds or ships.

    The backward weights of a strided 1x1 convolution with fewer input
    channels than oneDNN's block (16 with AVX-512) corrupt the heap; the
    networks compute it as `SubsampledConv2D`. `tests/test_cpu_soak.py`
    trains; this test checks the structure, which is where the crash comes
    from, and which a soak on a CPU without AVX-512 (or one device, where the
    corruption can pass unnoticed for hundreds of steps) would not see.
    """
    from keras_anime_cyclegan.artifacts.generators import load_generator
    from keras_anime_cyclegan.config import GENERATOR_PRESETS, preset

    found = {}
    for name, config in {**GENERATOR_PRESETS, **GENERATOR_CONFIGS}.items():
        found[f"{name} generator"] = _strided_1x1_convolutions(build_generator(resolve_generator(config)))
    for name in GENERATOR_PRESETS:
        found[f"{name} discriminator"] = _strided_1x1_convolutions(build_discriminator(preset(name).discriminator))
    for direction in ("colorize", "lines"):
        found[f"shipped {direction}"] = _strided_1x1_convolutions(load_generator("pretrained", direction).model)
    assert not any(found.values()), {k: v for k, v in found.items() if v}
    # The check sees the pattern where it is: the mobile preset's first projection, as a plain Conv2D.
    probe = keras.Sequential([keras.Input((16, 16, 8)), keras.layers.Conv2D(16, 1, strides=2)])
    assert _strided_1x1_convolutions(probe) == [probe.layers[0].name]
