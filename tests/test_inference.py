"""Inference: any size, alpha, every model format, tiling without seams, batching."""

import numpy as np
import pytest
from PIL import Image

from keras_anime_cyclegan.config import DiscriminatorConfig, ExperimentConfig, GeneratorConfig
from keras_anime_cyclegan.data import synthetic_sample
from keras_anime_cyclegan.inference import Colorizer, LineExtractor, read_image
from keras_anime_cyclegan.inference.tiling import TilePlan, ramp_window, tile_starts

TINY = GeneratorConfig(base_filters=8, max_filters=32, levels=2, residual_blocks=1)


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """A tiny random G as .keras, its SavedModel and TFLite exports, a run folder, a discriminator."""
    import keras

    from keras_anime_cyclegan.export import export_saved_model, export_tflite
    from keras_anime_cyclegan.models import build_discriminator, build_generator
    from keras_anime_cyclegan.artifacts.checkpoint import save_checkpoint
    from keras_anime_cyclegan.artifacts.generators import load_generator
    from keras_anime_cyclegan.artifacts.layout import CHECKPOINT, CONFIG_FILE
    from keras_anime_cyclegan.training.run import build_model

    keras.utils.set_random_seed(0)
    d = tmp_path_factory.mktemp("models")
    build_generator(TINY, name="generator_g").save(d / "generator_g.keras")
    build_discriminator(DiscriminatorConfig(base_filters=8, num_layers=2)).save(d / "discriminator.keras")
    loaded = load_generator(d / "generator_g.keras", "colorize")
    export_saved_model(loaded, d / "saved_model")
    export_tflite(loaded, d / "tflite_dynamic", size=None)
    export_tflite(loaded, d / "tflite_64", size=64)

    run = d / "run"
    run.mkdir()
    config = ExperimentConfig(image_size=32, generator=TINY, discriminator=DiscriminatorConfig(base_filters=8, num_layers=2))
    config.save(run / CONFIG_FILE)
    (run / CHECKPOINT).parent.mkdir(parents=True)
    save_checkpoint(build_model(config), run / CHECKPOINT, epoch=0)
    return {
        "keras": d / "generator_g.keras",
        "saved_model": d / "saved_model",
        "tflite": d / "tflite_dynamic" / "model.tflite",
        "tflite_64": d / "tflite_64" / "model.tflite",
        "run": run,
        "discriminator": d / "discriminator.keras",
    }


@pytest.fixture(scope="module")
def colorizer(models):
    return raw(models["keras"])


def raw(path, **options):
    """A Colorizer giving G's own result: these tests check the translator's
    mechanics (flat colours on top: test_paint.py)."""
    return Colorizer.load(path, flat=False, **options)


def sketch(h, w, seed=0):
    return synthetic_sample(h, w, seed=seed).lines


def as_float(image):
    return np.asarray(image, np.float32)


@pytest.mark.parametrize("h, w", [(333, 517), (517, 333), (600, 9), (5, 140)])
def test_output_size_equals_input_size(colorizer, h, w):
    out = colorizer.colorize(sketch(h, w) if min(h, w) > 16 else np.full((h, w, 3), 200, np.uint8))
    assert out.size == (w, h) and out.mode == "RGB"


def test_path_pil_and_array_inputs_agree(colorizer, tmp_path):
    image = sketch(70, 90)
    Image.fromarray(image).save(tmp_path / "s.png")
    outs = [as_float(colorizer.colorize(x)) for x in (image, Image.fromarray(image), tmp_path / "s.png", str(tmp_path / "s.png"))]
    for out in outs[1:]:
        np.testing.assert_array_equal(out, outs[0])


def test_rgba_alpha_preserved(colorizer):
    rgb = sketch(75, 101)
    alpha = np.tile(np.linspace(0, 255, 101).astype(np.uint8), (75, 1))
    alpha[10:20, 10:20] = 0
    out = colorizer.colorize(np.dstack([rgb, alpha]))
    assert out.mode == "RGBA" and out.size == (101, 75)
    np.testing.assert_array_equal(np.asarray(out)[..., 3], alpha)


def test_transparent_pixels_are_read_as_white():
    rgba = np.zeros((4, 4, 4), np.uint8)  # black, fully transparent: a blank layer
    rgb, alpha = read_image(rgba)
    assert (rgb == 255).all() and (alpha == 0).all()


def test_read_image_modes(tmp_path):
    grey16 = Image.fromarray(np.full((6, 7), 65535, np.uint16))
    assert (read_image(grey16)[0] == 255).all() and read_image(grey16)[0].shape == (6, 7, 3)
    palette = Image.new("P", (5, 3), 0)
    palette.info["transparency"] = 0
    assert read_image(palette)[1] is not None
    assert read_image(Image.new("CMYK", (5, 3)))[0].shape == (3, 5, 3)
    rotated = Image.new("RGB", (8, 4))
    exif = rotated.getexif()
    exif[0x0112] = 6  # "rotate 90 degrees": the picture is 4 wide, 8 tall as shown
    rotated.save(tmp_path / "r.jpg", exif=exif)
    assert read_image(tmp_path / "r.jpg")[0].shape == (8, 4, 3)
    (tmp_path / "bad.png").write_bytes(b"not a picture")
    with pytest.raises(ValueError, match="not a readable image"):
        read_image(tmp_path / "bad.png")


def test_formats_agree_within_one_level(models):
    """The same picture through .keras, its SavedModel, its float32 TFLite and its run-folder twin."""
    image = sketch(72, 100, seed=2)
    ref = as_float(raw(models["keras"]).colorize(image))
    for name in ("saved_model", "tflite"):
        out = as_float(raw(models[name]).colorize(image))
        assert np.abs(out - ref).max() <= 1, name


def test_fixed_size_tflite_matches_keras_at_its_size(models):
    fixed = raw(models["tflite_64"])
    assert fixed.runner.fixed_size == (64, 64)
    image = sketch(64, 64, seed=4)
    ref = as_float(raw(models["keras"]).colorize(image))
    assert np.abs(as_float(fixed.colorize(image)) - ref).max() <= 1


def test_fixed_size_model_keeps_any_size_and_alpha(models):
    fixed = raw(models["tflite_64"])
    rgba = np.dstack([sketch(50, 130), np.full((50, 130), 77, np.uint8)])
    out = fixed.colorize(rgba)
    assert out.size == (130, 50) and (np.asarray(out)[..., 3] == 77).all()


def test_run_folder_loads_the_checkpoints_generators(models):
    """A run folder gives G and F as its checkpoint holds them: the same as those networks run directly."""
    from keras_anime_cyclegan.artifacts.generators import load_generator
    from keras_anime_cyclegan.utils.images import to_float, to_uint8

    picture = sketch(40, 48)
    for translator, direction in ((raw, "colorize"), (LineExtractor.load, "lines")):
        out = np.asarray(translator(models["run"]).translate(picture))
        assert out.shape == picture.shape
        net = load_generator(models["run"], direction).model
        expected = to_uint8(np.asarray(net(to_float(picture)[None], training=False))[0])
        assert np.abs(out.astype(int) - expected.astype(int)).max() <= 1, direction
    g = np.asarray(raw(models["run"]).colorize(picture), np.float32)
    f = np.asarray(LineExtractor.load(models["run"]).extract(picture), np.float32)
    assert np.abs(g - f).mean() > 1  # two different networks


def test_wrong_model_is_a_clear_error(models, tmp_path):
    for name in ("keras", "saved_model", "tflite"):  # the file or its metadata says "colorize"
        with pytest.raises(ValueError, match="colorize"):
            LineExtractor.load(models[name])
    with pytest.raises(ValueError, match="discriminator"):
        raw(models["discriminator"])
    with pytest.raises(FileNotFoundError):
        raw(tmp_path / "missing.keras")
    (tmp_path / "notes.txt").write_text("hi")
    with pytest.raises(ValueError, match="not a model"):
        raw(tmp_path / "notes.txt")


def test_batches_give_the_same_results_as_one_by_one(models):
    images = [sketch(48, 64, seed=s) for s in range(3)] + [sketch(40, 40)]
    for name in ("keras", "tflite"):
        c = raw(models[name], batch_size=3)
        batched = [as_float(x) for x in c.colorize_many(images)]
        for image, out in zip(images, batched):
            assert np.abs(out - as_float(c.colorize(image))).max() <= 1, name


def test_max_side_keeps_the_size(colorizer, models):
    c = raw(models["keras"], max_side=64)
    image = sketch(90, 150)
    out = as_float(c.colorize(image))
    assert out.shape == (90, 150, 3)
    full = as_float(colorizer.colorize(image))
    # It ran at 64 px and was scaled back: close to the full-size result, but not it.
    assert 0 < np.abs(out - full).mean() < np.abs(full - as_float(image)).mean()


def test_tile_plan_covers_and_blends_to_identity():
    assert tile_starts(100, 100, 10) == [0]
    starts = tile_starts(1000, 256, 64)
    assert starts[0] == 0 and starts[-1] == 1000 - 256
    assert all(b - a <= 256 - 64 for a, b in zip(starts, starts[1:]))
    w = ramp_window(64, 16, True, True)
    assert w.min() > 0 and w.max() == 1 and np.allclose(w, w[::-1])
    plan = TilePlan.make(101, 203, 4, 64 * 64, 64, 16)
    assert len(plan.starts) > 1
    x = np.random.default_rng(0).uniform(-1, 1, (101, 203, 3)).astype(np.float32)
    np.testing.assert_allclose(plan.blend(plan.cut(x)), x, atol=1e-6)


def _border_steps(out, whole, plan):
    """How much the tiled-minus-whole error jumps across tile borders: the
    mean |step| across border rows and columns, and the median across all
    others (in 1/255). A seam is a jump at the borders."""
    err = out - whole
    dy = np.abs(np.diff(err, axis=0)).mean(axis=(1, 2))  # dy[r]: between rows r and r+1
    dx = np.abs(np.diff(err, axis=1)).mean(axis=(0, 2))
    (th, tw), (ph, pw) = plan.tile, plan.padded
    ys = {y for y, _ in plan.starts if y > 0} | {y + th for y, _ in plan.starts if y + th < ph}
    xs = {x for _, x in plan.starts if x > 0} | {x + tw for _, x in plan.starts if x + tw < pw}
    ys = sorted(y - 1 for y in ys if 0 < y < out.shape[0])
    xs = sorted(x - 1 for x in xs if 0 < x < out.shape[1])
    border = np.concatenate([dy[ys], dx[xs]])
    inside = np.concatenate([np.delete(dy, ys), np.delete(dx, xs)])
    return border.mean(), np.median(inside)


@pytest.mark.parametrize("kind", ["lines", "color"])
def test_tiled_matches_whole_without_seams(models, kind):
    sample = synthetic_sample(256, 384, seed=1)
    image = sample.lines if kind == "lines" else sample.color
    whole = as_float(raw(models["keras"]).colorize(image))
    # A budget of 300x256 pixels: 192-pixel tiles, statistics from a 0.88x thumbnail.
    options = dict(max_pixels=300 * 256, tile_size=192, tile_overlap=64)
    tiled_c = raw(models["keras"], **options)
    tiled = as_float(tiled_c.colorize(image))
    plan = TilePlan.make(256, 384, 4, max_pixels=300 * 256, tile=192, overlap=64)
    assert len(plan.starts) == 6
    assert np.abs(tiled - whole).mean() < 2
    border, inside = _border_steps(tiled, whole, plan)
    assert border < 1.5 * inside, (border, inside)  # measured: 1.29 vs 1.13 (lines), 1.37 vs 1.15 (colour)

    # The check sees seams: abutting tiles (no overlap to cross-fade) leave them.
    seamed = as_float(Colorizer(tiled_c.runner, flat=False, **{**options, "tile_overlap": 0}).colorize(image))
    border, inside = _border_steps(seamed, whole, TilePlan.make(256, 384, 4, 300 * 256, 192, 0))
    assert border > 4 * inside, (border, inside)  # measured: 12.9 vs 1.50, 14.3 vs 1.55
