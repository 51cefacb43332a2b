"""TF.js export files: they load, hold what the manifest says, and equal Keras.

Numerical parity inside TF.js itself is proven in Chromium by
tests/test_web_demo.py; here the files are read back into TensorFlow.
"""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from keras_anime_cyclegan.config import GeneratorConfig
from keras_anime_cyclegan.export import FORMATS, read_metadata
from keras_anime_cyclegan.export import tfjs
from keras_anime_cyclegan.export.check import parity
from keras_anime_cyclegan.inference.runners import open_runner
from keras_anime_cyclegan.models.factory import build_generator
from keras_anime_cyclegan.artifacts.generators import LoadedGenerator, weights_sha256

pytestmark = pytest.mark.slow  # converts TF.js exports

TINY = GeneratorConfig(base_filters=8, max_filters=32, levels=2, residual_blocks=1, upsampling="resize")
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def loaded():
    keras.utils.set_random_seed(0)
    model = build_generator(TINY, name="generator_f")
    return LoadedGenerator(model, "lines", TINY, weights_sha256(model), Path("generator_f.keras"))


@pytest.fixture(scope="module")
def exports(loaded, tmp_path_factory):
    root = tmp_path_factory.mktemp("tfjs")
    return {q: tfjs.export_tfjs(loaded, root / q, quantize=None if q == "float32" else q) for q in ("float32", "float16", "uint8")}


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(1).uniform(-1, 1, (2, 36, 44, 3)).astype("float32")


@pytest.mark.parametrize("q", ["float32", "float16", "uint8"])
def test_files_load(exports, loaded, q):
    path = exports[q]
    assert path.name == "model.json"
    assert tfjs.manifest_problems(path) == []
    model = json.loads(path.read_text())
    assert model["format"] == "graph-model"
    assert list(model["signature"]["inputs"]) == ["images"]
    meta = read_metadata(path)
    assert (meta["format"], meta["direction"], meta["quantization"], meta["file"]) == ("tfjs", "lines", q, "model.json")
    assert meta["input"]["size"] == "dynamic" and meta["input"]["multiple"] == 4
    assert meta["weights_sha256"] == loaded.weights_sha256


def test_quantisation_shrinks_weights(exports):
    sizes = {q: sum(f.stat().st_size for f in p.parent.glob("*.bin")) for q, p in exports.items()}
    assert 0.45 < sizes["float16"] / sizes["float32"] < 0.55
    assert 0.2 < sizes["uint8"] / sizes["float32"] < 0.3


@pytest.mark.parametrize("q, min_psnr", [("float32", None), ("float16", 40.0), ("uint8", 30.0)])
def test_graph_equals_keras(exports, loaded, images, q, min_psnr):
    reference = np.asarray(loaded.model(images, training=False))
    result = parity(reference, open_runner(exports[q], "lines")(images))
    if min_psnr is None:
        assert result["max_abs_error"] <= 1e-5, result
    else:
        assert result["psnr_db"] >= min_psnr, result


def test_uint8_zero_stays_exact():
    data, q = tfjs._quantize(np.array([-0.3, 0.0, 0.7, 0.1], np.float32), "uint8")
    zero = np.frombuffer(data, np.uint8)[1] * np.float32(q["scale"]) + np.float32(q["min"])
    assert abs(zero) < 1e-7


def test_many_shards_and_broken_files_are_reported(loaded, images, tmp_path, monkeypatch):
    monkeypatch.setattr(tfjs, "SHARD_BYTES", 16 * 1024)
    path = tfjs.export_tfjs(loaded, tmp_path / "sharded")
    shards = json.loads(path.read_text())["weightsManifest"][0]["paths"]
    assert len(shards) > 3 and tfjs.manifest_problems(path) == []
    reference = np.asarray(loaded.model(images, training=False))
    assert parity(reference, open_runner(path, "lines")(images))["max_abs_error"] <= 1e-5

    last = path.parent / shards[-1]
    last.write_bytes(last.read_bytes()[:-4])
    assert any("bytes" in p for p in tfjs.manifest_problems(path))
    last.unlink()
    assert any("missing" in p for p in tfjs.manifest_problems(path))
    path.write_text("{not json")
    assert tfjs.manifest_problems(path)


def test_bad_quantisation_is_refused(loaded, tmp_path):
    with pytest.raises(ValueError, match="quantize"):
        tfjs.export_tfjs(loaded, tmp_path, quantize="int8")


def test_registered_for_kac_export():
    assert {"tfjs_float32", "tfjs_float16", "tfjs_uint8"} <= set(FORMATS)


def test_script_exports_a_keras_file(loaded, tmp_path, monkeypatch, capsys):
    model_file = tmp_path / "generator_f.keras"
    loaded.model.save(model_file)
    out = tmp_path / "tfjs"
    argv = ["to_tfjs.py", "--model", str(model_file), "--direction", "lines", "--quantize", "float16", "--out", str(out)]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as exit_:
        runpy.run_path(str(REPO / "export" / "to_tfjs.py"), run_name="__main__")
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == str(out / "model.json")
    assert read_metadata(out)["quantization"] == "float16"
    assert tfjs.manifest_problems(out / "model.json") == []
