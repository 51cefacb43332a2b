"""Colour hints and the cycle confidence through the doors: Python and the command line.

The shipped colourizer takes hints (`hint_channels=4`); these tests give
them as a user would (points, an RGBA layer, a JSON file) and check the
errors a user gets for bad ones.
"""

from __future__ import annotations

import json
from pathlib import Path

import keras
import numpy as np
import pytest
from PIL import Image

import keras_anime_cyclegan as kac
from keras_anime_cyclegan.artifacts import pretrained
from keras_anime_cyclegan.cli import main
from keras_anime_cyclegan.config import GeneratorConfig
from keras_anime_cyclegan.inference.hints import hint_channels, read_hint_file
from keras_anime_cyclegan.inference.io import read_image
from keras_anime_cyclegan.models.factory import build_generator

GREEN = (20, 200, 40)


@pytest.fixture(scope="module")
def colorizer():
    return kac.Colorizer.pretrained()


@pytest.fixture(scope="module")
def sketch():
    """The alien's line art: a big closed head at the top middle."""
    (line,) = [l for l, _ in pretrained.sample_pairs() if l.name.startswith("people__alien")]
    return line


def _distance(rgb, colour) -> float:
    return float(np.linalg.norm(np.asarray(rgb, np.float32) - np.asarray(colour, np.float32)))


def test_points_are_pixels_or_fractions():
    by_pixels = hint_channels([(10, 20, "#ff0000")], (100, 50), (100, 50))
    by_fraction = hint_channels([(0.105, 0.41, "red")], (100, 50), (100, 50))
    np.testing.assert_array_equal(by_pixels, by_fraction)
    mask = by_pixels[..., 3]
    assert mask.sum() == 25 and mask[20, 10] == 1  # a 5x5 dot around (x=10, y=20)
    np.testing.assert_allclose(by_pixels[20, 10, :3], [1, -1, -1])
    # the model sees a downscaled picture: the dot lands at the same place
    half = hint_channels([(10, 20, "#ff0000")], (100, 50), (50, 25))
    assert half[10, 5, 3] == 1 and half[..., 3].sum() == 25


def test_an_rgba_layer_gives_its_opaque_pixels(tmp_path):
    layer = np.zeros((40, 60, 4), np.uint8)
    layer[5:8, 10:20] = (0, 0, 255, 255)
    layer[30, 30] = (255, 0, 0, 60)  # faint: not a hint
    Image.fromarray(layer, "RGBA").save(tmp_path / "layer.png")
    channels = hint_channels(tmp_path / "layer.png", (60, 40), (60, 40))
    assert channels[..., 3].sum() == 30 and channels[30, 30, 3] == 0
    np.testing.assert_allclose(channels[6, 15], [-1, -1, 1, 1])
    with pytest.raises(ValueError, match=r"layer.png: the hint layer is 60x40, the picture 64x64"):
        hint_channels(tmp_path / "layer.png", (64, 64), (64, 64))


@pytest.mark.parametrize(
    "hints, message",
    [
        ([(300, 10, "#fff")], r"hint 1: x = 300 is outside the picture \(0 to 255 pixels\)"),
        ([(1, 2, "#fff"), (0.5, 1.5, "#fff")], r"hint 2: y = 1.5 is a fraction outside \[0, 1\]"),
        ([(1, 2, "#12345")], r"hint 1: '#12345' is not a colour"),
        ([(1, 2)], r"hint 1: \(1, 2\) is not \[x, y, colour\]"),
        ([("a", 2, "red")], r"hint 1: x = 'a' is not a number"),
    ],
)
def test_bad_points_are_one_line_errors(colorizer, sketch, hints, message):
    with pytest.raises(ValueError, match=message) as info:
        colorizer.colorize(sketch, hints=hints)
    assert "\n" not in str(info.value)


def test_a_hint_pulls_its_region_toward_its_colour(colorizer, sketch):
    """A green dot on the head turns the head greener; a place far from it moves less."""
    plain = np.asarray(colorizer.colorize(sketch))
    hinted = np.asarray(colorizer.colorize(sketch, hints=[(0.5, 0.3, "#14c828")]))
    near = (slice(int(0.3 * 256) - 12, int(0.3 * 256) + 13), slice(128 - 12, 128 + 13))  # around the dot
    far = (slice(230, 250), slice(10, 40))  # bottom-left paper
    moved_near = _distance(plain[near].reshape(-1, 3).mean(0), GREEN) - _distance(hinted[near].reshape(-1, 3).mean(0), GREEN)
    moved_far = _distance(plain[far].reshape(-1, 3).mean(0), GREEN) - _distance(hinted[far].reshape(-1, 3).mean(0), GREEN)
    assert moved_near > 20 and moved_near > moved_far + 20, (moved_near, moved_far)


def test_no_hints_equals_empty_hints(colorizer, sketch):
    plain = np.asarray(colorizer.colorize(sketch))
    empty = np.asarray(colorizer.colorize(sketch, hints=[]))
    np.testing.assert_array_equal(plain, empty)


def test_a_model_without_hint_input_refuses_hints(tmp_path, sketch):
    keras.utils.set_random_seed(0)
    model = build_generator(GeneratorConfig(base_filters=4, max_filters=8, levels=2, residual_blocks=1), name="generator_g")
    model.save(tmp_path / "generator_g.keras")
    plain = kac.Colorizer.load(tmp_path / "generator_g.keras")
    with pytest.raises(ValueError, match="generator_g.keras: this model takes no colour hints"):
        plain.colorize(sketch, hints=[(1, 1, "red")])
    with pytest.raises(ValueError, match="no line extractor"):
        plain.colorize(sketch, return_confidence=True)


def test_confidence_is_lower_where_the_cycle_breaks(colorizer, sketch):
    clean = colorizer.colorize(sketch, return_confidence=True)
    assert clean.image.size == clean.confidence_map.size == Image.open(sketch).size
    assert clean.confidence_map.mode == "L" and 0.0 <= clean.confidence <= 1.0
    # Noise is no line art: F cannot give it back from G's colouring.
    noise = np.random.default_rng(0).integers(0, 256, (256, 256, 3), dtype=np.uint8)
    noisy = colorizer.colorize(noise, return_confidence=True)
    assert noisy.confidence < clean.confidence - 0.1, (noisy.confidence, clean.confidence)
    # The map is the per-pixel version of the score.
    assert abs(np.asarray(clean.confidence_map).mean() / 255 - clean.confidence) < 0.01


def test_hint_file_schema(tmp_path):
    path = tmp_path / "hints.json"
    path.write_text(json.dumps({"hints": [[1, 2, "red"]], "pages": {"a.png": [[0.5, 0.5, "#00f"]]}}))
    table = read_hint_file(path)
    assert table[None] == [[1, 2, "red"]] and table["a.png"] == [[0.5, 0.5, "#00f"]]
    path.write_text(json.dumps([[1, 2, "red"]]))
    assert read_hint_file(path) == {None: [[1, 2, "red"]]}
    for bad, message in [
        ('{"hints": [[1, 2, "nocolour"]]}', r"hints.json: hint 1: 'nocolour' is not a colour"),
        ('{"pages": {"p.png": [[1, 2]]}}', r"hints.json \(page p.png\): hint 1: \[1, 2\] is not \[x, y, colour\]"),
        ('{"hint": []}', r'hints.json: expected a list of \[x, y, colour\] or an object with "hints", "reference" and/or "pages"'),
        ("[[1, 2, ", r"hints.json: not a JSON hint file"),
    ]:
        path.write_text(bad)
        with pytest.raises(ValueError, match=message):
            read_hint_file(path)


def test_cli_hints_and_confidence(tmp_path, sketch, capsys):
    other = pretrained.sample_pairs()[0][0]
    hints = tmp_path / "hints.json"
    hints.write_text(json.dumps({"hints": [], "pages": {sketch.name: [[0.5, 0.3, "#14c828"]]}}))
    out = tmp_path / "out"
    assert main(["colorize", str(sketch), str(other), "--hints", str(hints), "--confidence", "-o", str(out)]) == 0
    hinted = np.asarray(Image.open(out / sketch.name).convert("RGB"))
    expected = np.asarray(kac.Colorizer.pretrained().colorize(sketch, hints=[(0.5, 0.3, "#14c828")]))
    np.testing.assert_array_equal(hinted, expected)
    unhinted = np.asarray(Image.open(out / other.name).convert("RGB"))
    np.testing.assert_array_equal(unhinted, np.asarray(kac.Colorizer.pretrained().colorize(other)))
    assert Image.open(out / sketch.name.replace(".png", ".confidence.png")).mode == "L"
    rows = (out / "confidence.csv").read_text().splitlines()
    assert rows[0] == "picture,confidence" and len(rows) == 3

    # the same hints as an RGBA layer drawn by hand (the browser demo downloads these)
    layer = np.zeros((256, 256, 4), np.uint8)
    layer[int(0.3 * 256) - 2 : int(0.3 * 256) + 3, 126:131] = (0x14, 0xC8, 0x28, 255)
    Image.fromarray(layer, "RGBA").save(tmp_path / "layer.png")
    assert main(["colorize", str(sketch), "--hints", str(tmp_path / "layer.png"), "-o", str(tmp_path / "o2")]) == 0
    from_layer = np.asarray(Image.open(tmp_path / "o2" / sketch.name).convert("RGB"))
    assert np.abs(from_layer.astype(int) - hinted.astype(int)).mean() < 1.0

    capsys.readouterr()
    hints.write_text(json.dumps({"pages": {"missing.png": []}}))
    assert main(["colorize", str(sketch), "--hints", str(hints), "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"kac colorize: error: {hints}: pages missing.png are not among the inputs"


@pytest.mark.slow
def test_exports_carry_the_hint_input(tmp_path, colorizer, sketch):
    """SavedModel, dynamic-size TFLite and TF.js take hints as Keras does; no hints = zeros."""
    import tensorflow as tf

    from keras_anime_cyclegan.export import export_all
    from keras_anime_cyclegan.inference.runners import open_runner
    from keras_anime_cyclegan.artifacts.generators import load_generator

    loaded = load_generator("pretrained", "colorize")
    names = ["saved_model", "tflite_float32_dynamic_size", "tfjs_float32"]
    export_all(loaded, tmp_path, names, 64, images=None, progress=None)
    hints = [(0.5, 0.3, "#14c828"), (40, 200, "blue")]
    expected = np.asarray(colorizer.colorize(sketch, hints=hints), np.float32)
    plain = np.asarray(colorizer.colorize(sketch), np.float32)
    for name in names[:2]:
        path = tmp_path / name / ("model.tflite" if name.startswith("tflite") else "")
        exported = kac.Colorizer.load(path)
        assert exported.runner.hint_channels == 4, name
        assert np.abs(np.asarray(exported.colorize(sketch, hints=hints), np.float32) - expected).mean() < 0.5, name
        assert np.abs(np.asarray(exported.colorize(sketch), np.float32) - plain).mean() < 0.5, name
        meta = json.loads((tmp_path / name / "metadata.json").read_text())
        assert meta["hints"]["channels"] == 4
    # TF.js: the graph takes 7 channels; given 3 it gets zero hints
    x = (read_image(sketch)[0][None].astype(np.float32) / 127.5) - 1
    hinted = np.concatenate([x, hint_channels(hints, (256, 256), (256, 256))[None]], axis=-1)
    run = open_runner(tmp_path / "tfjs_float32", "colorize")
    keras_out = np.asarray(loaded.model(hinted, training=False))
    assert np.abs(run(hinted) - keras_out).max() < 1e-3
    # The SavedModel's uint8 signature takes the RGBA layer kac colorize --hints takes
    channels = hint_channels(hints, (256, 256), (256, 256))
    mask = channels[..., 3] > 0
    layer = np.zeros((1, 256, 256, 4), np.uint8)
    layer[0, mask, :3] = np.round((channels[mask, :3] + 1) * 127.5).astype(np.uint8)
    layer[0, mask, 3] = 255
    module = tf.saved_model.load(str(tmp_path / "saved_model"))
    out = module.signatures["hints_uint8"](images=tf.constant(read_image(sketch)[0][None]), hints=tf.constant(layer))
    g_own = np.asarray(kac.Colorizer.pretrained(flat=False).colorize(sketch, hints=hints), np.float32)  # no flats in the graph
    assert np.abs(out["images"].numpy()[0].astype(np.float32) - g_own).mean() < 0.5
