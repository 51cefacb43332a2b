"""The shipped models: every door opens them without training or network.

`keras_anime_cyclegan/pretrained/` holds G and F of the model the package
ships and the sample pictures `kac demo` translates. These tests use them
as a user does: Python, the command line, exports, and the built wheel.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

import keras_anime_cyclegan as kac
from keras_anime_cyclegan.artifacts import pretrained
from keras_anime_cyclegan.cli import main
from keras_anime_cyclegan.inference import read_image
from keras_anime_cyclegan.artifacts.generators import load_generator
from keras_anime_cyclegan.utils.metrics import ink_precision_recall

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a network connection fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def _chroma(rgb: np.ndarray) -> float:
    rgb = rgb.astype(np.float32)
    return float((rgb.max(axis=-1) - rgb.min(axis=-1)).mean())


def test_every_shipped_model_has_its_files():
    assert pretrained.DEFAULT in pretrained.PRETRAINED
    for model in pretrained.PRETRAINED.values():
        for direction in pretrained.FILES:
            assert model.file(direction).stat().st_size > 100_000, model.file(direction)
        info = model.info()
        assert info["name"] == model.name and info["steps"] > 0
        assert set(info["weights_sha256"]) == {"colorize", "lines"}


def test_samples_are_pairs_of_small_pictures():
    pairs = pretrained.sample_pairs()
    assert len(pairs) >= 4
    total = 0
    for line, colour in pairs:
        assert colour.is_file(), f"{line.name} has no colour version"
        total += line.stat().st_size + colour.stat().st_size
        assert Image.open(line).size == Image.open(colour).size
    assert total < 300_000  # the budget for bundled samples


def test_colorizer_pretrained_colours_a_sketch_offline(no_network, tmp_path):
    line, colour = pretrained.sample_pairs()[0]
    sketch = read_image(line)[0]
    result = kac.Colorizer.pretrained().colorize(line)
    out = np.asarray(result)
    assert result.size == Image.open(line).size
    assert _chroma(sketch) < 1  # the sketch is grey...
    assert _chroma(out) > 10  # ...the result is not
    # The lines stay where they were: dark sketch pixels stay darker than the paper.
    dark = sketch.mean(axis=-1) < 80
    assert out[dark].mean() < out[~dark].mean() - 40


def test_line_extractor_pretrained_draws_the_artists_lines(no_network):
    line, colour = pretrained.sample_pairs()[0]
    lines = np.asarray(kac.LineExtractor.pretrained(pretrained.DEFAULT).extract(colour).convert("L"))
    truth = read_image(line)[0].mean(axis=-1)
    precision, recall = ink_precision_recall(lines, truth)
    # The colour picture itself as "lines" puts ink on every dark colour area;
    # F must draw far less outside the artist's lines and still find most of them.
    copy_precision, _ = ink_precision_recall(read_image(colour)[0].mean(axis=-1), truth)
    assert precision > copy_precision + 0.1 and recall > 0.6, (precision, recall, copy_precision)


def test_fill_dark_false_outlines_dark_areas(no_network, tmp_path):
    """The alien sample's dark areas: F fills them, `fill_dark=False` keeps their border and clears their inside."""
    from keras_anime_cyclegan.sketch.real import ink_of

    colour = next(c for _, c in pretrained.sample_pairs() if c.stem == "people__alien_peterm_01")
    filled = ink_of(np.asarray(kac.LineExtractor.pretrained().extract(colour).convert("RGB")))
    outlined_rgb = np.asarray(kac.LineExtractor.pretrained(fill_dark=False).extract(colour).convert("RGB"))
    outlined = ink_of(outlined_rgb)
    removed = filled & ~outlined
    assert not (outlined & ~filled).any(), "outlining added ink"
    assert removed.sum() >= 0.05 * filled.sum(), (removed.sum(), filled.sum())  # F filled areas there to outline
    assert ndimage.binary_erosion(filled, iterations=2)[removed].all(), "ink beside the paper was removed"
    assert outlined[filled & ~ndimage.binary_erosion(filled)].all(), "an area lost its outline"
    # The CLI door gives the same picture.
    assert main(["extract-lines", str(colour), "--no-fill-dark", "-o", str(tmp_path / "out")]) == 0
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "out" / colour.name).convert("RGB")), outlined_rgb)


def test_unknown_pretrained_name_lists_the_shipped_ones():
    with pytest.raises(ValueError, match=f"no pretrained model 'nope'; the package ships {pretrained.DEFAULT}"):
        kac.Colorizer.pretrained("nope")
    assert pretrained.resolve("pretrained", "lines") == pretrained.get().file("lines")
    assert pretrained.resolve("pretrained:" + pretrained.DEFAULT, "colorize") == pretrained.get().file("colorize")
    assert pretrained.resolve("runs/x", "colorize") == Path("runs/x")


def test_a_picture_alone_is_the_shipped_g_given_zero_hints():
    """G takes hints, F none; a 3-channel picture runs as the picture with all-zero hint channels."""
    from keras_anime_cyclegan.inference.runners import open_runner

    loaded = load_generator("pretrained", "colorize")
    assert loaded.model.hint_channels == 4
    assert load_generator("pretrained", "lines").model.hint_channels == 0
    x = np.random.default_rng(0).uniform(-1, 1, (2, 64, 48, 3)).astype(np.float32)
    hinted = np.concatenate([x, np.zeros((2, 64, 48, 4), np.float32)], axis=-1)
    np.testing.assert_allclose(open_runner("pretrained", "colorize")(x), loaded.model(hinted, training=False), atol=1e-5)


def test_cli_without_model_uses_the_shipped_ones(no_network, tmp_path, capsys):
    line, colour = pretrained.sample_pairs()[1]
    assert main(["colorize", str(line), "-o", str(tmp_path / "c")]) == 0
    assert main(["extract-lines", str(colour), "-o", str(tmp_path / "l")]) == 0
    coloured = np.asarray(Image.open(tmp_path / "c" / line.name).convert("RGB"))
    expected = np.asarray(kac.Colorizer.pretrained().colorize(line).convert("RGB"))
    np.testing.assert_array_equal(coloured, expected)
    assert (tmp_path / "l" / colour.name).is_file()


def test_kac_demo_writes_one_contact_sheet(no_network, tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--limit", "2"]) == 0
    sheet = Path(capsys.readouterr().out.strip())
    assert sheet == tmp_path / "contact_sheet.png"
    # two rows of line art | G(line art) | colour | F(colour), 256 px each, 2 px gaps
    assert Image.open(sheet).size == (4 * 256 + 3 * 2, 2 * 256 + 2)
    names = [line.name for line, _ in pretrained.sample_pairs()[:2]]
    assert sorted(p.name for p in (tmp_path / "colorized").iterdir()) == sorted(names)
    assert sorted(p.name for p in (tmp_path / "lines").iterdir()) == sorted(names)


@pytest.mark.slow
def test_export_pretrained_runs_in_litert(tmp_path, capsys):
    code = main(["export", "--model", "pretrained", "--formats", "tflite_float32",
                 "--size", "64", "--out", str(tmp_path)])
    assert code == 0
    table = capsys.readouterr().out
    assert "tflite_float32" in table and "dB" in table
    meta = json.loads((tmp_path / "tflite_float32" / "metadata.json").read_text())
    assert meta["direction"] == "colorize"
    assert meta["weights_sha256"] == pretrained.get().info()["weights_sha256"]["colorize"]
    # the file opens as a model (fixed 64 px: the picture is fitted, coloured, scaled back)
    sample = pretrained.sample_pairs()[0][0]
    result = kac.Colorizer.load(tmp_path / "tflite_float32" / "model.tflite").colorize(sample)
    assert result.size == Image.open(sample).size and _chroma(np.asarray(result)) > 10


@pytest.mark.slow
def test_wheel_carries_the_models_and_samples(tmp_path):
    """Build the wheel offline and look inside: the files `pretrained()` and `kac demo` read are there."""
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=600,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    (wheel,) = tmp_path.glob("keras_anime_cyclegan-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for model in pretrained.PRETRAINED.values():
        for direction in pretrained.FILES:
            assert f"keras_anime_cyclegan/pretrained/{model.name}/{pretrained.FILES[direction]}" in names
        assert f"keras_anime_cyclegan/pretrained/{model.name}/model.json" in names
    for line, colour in pretrained.sample_pairs():
        assert f"keras_anime_cyclegan/pretrained/samples/lines/{line.name}" in names
        assert f"keras_anime_cyclegan/pretrained/samples/colors/{colour.name}" in names


@pytest.mark.slow
def test_shipped_g_as_int8_tflite_follows_keras_with_and_without_hints(tmp_path):
    """int8 parity of the shipped G at 256 px, >= 30 dB on sketches without
    hints and on the same sketches with 1-30 hint dots each (export.tflite's
    INT8_FLOAT_OPS and INT8_FLOAT_LAYERS: with only instance normalisation
    float it gave 30.1 and 23 dB)."""
    from keras_anime_cyclegan.artifacts.generators import load_generator
    from keras_anime_cyclegan.export import export_tflite
    from keras_anime_cyclegan.export.check import parity
    from keras_anime_cyclegan.export.tflite import representative_hints, representative_images
    from keras_anime_cyclegan.inference.runners import KerasRunner, open_runner
    from keras_anime_cyclegan.utils.images import to_float

    loaded = load_generator("pretrained", "colorize")
    sketches = to_float(representative_images("colorize", count=6, size=256, seed=99))
    hints = representative_hints(sketches, seed=5)  # every other sketch gets dots
    with_dots = np.concatenate([sketches, hints], axis=-1)[1::2]
    without = np.concatenate([sketches, np.zeros_like(hints)], axis=-1)
    assert with_dots[..., 6].any(axis=(1, 2)).all()
    path = export_tflite(loaded, tmp_path / "int8", quantize="int8", size=256)
    run, reference = open_runner(path, "colorize"), KerasRunner(loaded)
    for name, x in (("without hints", without), ("with hints", with_dots)):
        db = parity(reference(x), run(x))["psnr_db"]
        print(f"shipped G, int8 TFLite vs Keras, {name}: {db:.1f} dB")
        assert db >= 30.0, (name, db)
