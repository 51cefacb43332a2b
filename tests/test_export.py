"""Exports of a small generator trained for a few steps, each proven equal to Keras.

One tiny run is trained once for the module; every export is converted once
(cached) and checked against the Keras model on synthetic images.
"""

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from keras_anime_cyclegan.config import GeneratorConfig
from tests.helpers import user_env

pytestmark = pytest.mark.slow  # converts every TFLite variant

SIZE = 48
TINY = GeneratorConfig(base_filters=16, max_filters=32, levels=2, residual_blocks=1, upsampling="resize")
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    """A tiny G trained a few steps, saved as a run saves it (`generator_g.keras`).

    Trained with `fit` on paired synthetic sketch -> colour images (L1): the
    weights, norms' gamma and beta included, move away from initialisation
    in seconds, without depending on the CycleGAN loop (tested elsewhere).
    """
    import keras

    from keras_anime_cyclegan.data.synthetic import synthetic_images
    from keras_anime_cyclegan.models.factory import build_generator
    from keras_anime_cyclegan.utils.images import to_float

    keras.utils.set_random_seed(0)
    model = build_generator(TINY, name="generator_g")
    colors, sketches = synthetic_images(8, 32, seed=3)
    model.compile(optimizer=keras.optimizers.Adam(2e-3), loss="mae")
    model.fit(to_float(sketches), to_float(colors), batch_size=4, epochs=3, verbose=0)
    path = tmp_path_factory.mktemp("export_model") / "generator_g.keras"
    model.save(path)
    return path


@pytest.fixture(scope="module")
def loaded(model_file):
    from keras_anime_cyclegan.artifacts.generators import load_generator

    return load_generator(model_file, "colorize")


@pytest.fixture(scope="module")
def images():
    """Synthetic sketches (the colorize input domain) in [-1, 1], and Keras's output on them."""
    from keras_anime_cyclegan.export.tflite import representative_images
    from keras_anime_cyclegan.utils.images import to_float

    return to_float(representative_images("colorize", count=4, size=SIZE, seed=99))


@pytest.fixture(scope="module")
def reference(loaded, images):
    from keras_anime_cyclegan.inference.runners import KerasRunner

    return KerasRunner(loaded)(images)


@pytest.fixture(scope="module")
def exported(loaded, tmp_path_factory):
    """export(name) converts once per module: SavedModel or a TFLite quantisation."""
    from keras_anime_cyclegan.export import export_saved_model, export_tflite

    root = tmp_path_factory.mktemp("exports")
    cache = {}

    def export(name):
        if name not in cache:
            if name == "saved_model":
                cache[name] = export_saved_model(loaded, root / name)
            elif name == "float32_dynamic_size":
                cache[name] = export_tflite(loaded, root / name, quantize="float32", size=None)
            else:
                cache[name] = export_tflite(loaded, root / name, quantize=name, size=SIZE)
        return cache[name]

    return export


def _output(path, images):
    from keras_anime_cyclegan.inference.runners import open_runner

    return open_runner(path, "colorize")(images)


def test_saved_model_float32_signature_matches_keras(exported, images, reference):
    out = _output(exported("saved_model"), images)
    assert np.max(np.abs(out - reference)) <= 1e-4


def test_saved_model_uint8_signature_takes_any_size(exported, loaded):
    import tensorflow as tf

    from keras_anime_cyclegan.utils.images import to_float, to_uint8

    sig = tf.saved_model.load(str(exported("saved_model"))).signatures["serving_default"]
    odd = np.random.default_rng(0).integers(0, 256, (1, 37, 53, 3), dtype=np.uint8)
    out = sig(images=tf.constant(odd))["images"].numpy()
    assert out.dtype == np.uint8 and out.shape == odd.shape

    even = np.random.default_rng(1).integers(0, 256, (2, 40, 48, 3), dtype=np.uint8)
    out = sig(images=tf.constant(even))["images"].numpy()
    keras_out = to_uint8(loaded.model(to_float(even), training=False))
    assert np.max(np.abs(out.astype(int) - keras_out.astype(int))) <= 1


def test_tflite_float32_matches_keras(exported, images, reference):
    out = _output(exported("float32"), images)
    assert np.max(np.abs(out - reference)) <= 1e-4


@pytest.mark.parametrize("quantize, min_psnr", [("float16", 40.0), ("dynamic", 30.0), ("int8", 30.0)])
def test_tflite_quantised_psnr(exported, images, reference, quantize, min_psnr):
    from keras_anime_cyclegan.export.check import psnr

    assert psnr(reference, _output(exported(quantize), images)) >= min_psnr


def test_tflite_dynamic_size_runs_at_two_sizes(exported, loaded):
    from keras_anime_cyclegan.inference.runners import KerasRunner

    path = exported("float32_dynamic_size")
    for h, w in [(32, 48), (56, 40)]:
        x = np.random.default_rng(h).uniform(-1, 1, (1, h, w, 3)).astype(np.float32)
        out = _output(path, x)
        assert out.shape == x.shape
        assert np.max(np.abs(out - KerasRunner(loaded)(x))) <= 1e-4


@pytest.mark.parametrize("name", ["float32", "float16", "dynamic", "int8", "float32_dynamic_size"])
def test_every_tflite_variant_allocates_and_invokes_in_litert(exported, name):
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(exported(name)))
    inp = interpreter.get_input_details()[0]
    if name == "float32_dynamic_size":
        assert list(inp["shape_signature"][1:3]) == [-1, -1]
        interpreter.resize_tensor_input(inp["index"], [1, SIZE, SIZE, 3])
    interpreter.allocate_tensors()
    interpreter.set_tensor(inp["index"], np.zeros([1, SIZE, SIZE, 3], inp["dtype"]))
    interpreter.invoke()
    out = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    assert out.shape == (1, SIZE, SIZE, 3)
    assert interpreter.get_signature_list() == {"serving_default": {"inputs": ["images"], "outputs": ["output_0"]}}


def test_int8_io_is_int8_with_its_quantisation_in_metadata(exported):
    from ai_edge_litert.interpreter import Interpreter

    from keras_anime_cyclegan.export import read_metadata

    path = exported("int8")
    interpreter = Interpreter(model_path=str(path))
    meta = read_metadata(path)
    for detail, spec in [
        (interpreter.get_input_details()[0], meta["input"]),
        (interpreter.get_output_details()[0], meta["output"]),
    ]:
        assert detail["dtype"] == np.int8 and spec["dtype"] == "int8"
        scale, zero_point = detail["quantization"]
        assert spec["quantization"] == {"scale": pytest.approx(scale), "zero_point": zero_point}
    assert meta["float_ops"] and "hint_spread" in meta["float_layers"]


def test_metadata_contents(exported, loaded):
    from keras_anime_cyclegan import __version__
    from keras_anime_cyclegan.export import read_metadata

    tfl = exported("float16")
    meta = read_metadata(tfl)
    assert meta == read_metadata(tfl.parent) == json.loads((tfl.parent / "metadata.json").read_text())
    assert meta["format"] == "tflite" and meta["file"] == "model.tflite"
    assert meta["direction"] == "colorize" and meta["quantization"] == "float16"
    assert meta["input"]["size"] == [SIZE, SIZE] and meta["input"]["multiple"] == loaded.multiple == 4
    assert meta["input"]["layout"] == "NHWC" and meta["input"]["range"] == [-1.0, 1.0]
    assert meta["input"]["dtype"] == "float32" and meta["output"]["dtype"] == "float32"
    assert meta["package_version"] == __version__
    assert meta["generator"]["base_filters"] == 16 and meta["generator"]["levels"] == 2
    assert meta["weights_sha256"] == loaded.weights_sha256 and len(meta["weights_sha256"]) == 64

    assert read_metadata(exported("float32_dynamic_size"))["input"]["size"] == "dynamic"
    sm = read_metadata(exported("saved_model"))
    assert sm["format"] == "saved_model" and sm["file"] == "."
    assert sm["input"]["dtype"] == "uint8" and sm["input"]["range"] == [0.0, 255.0]
    assert set(sm["signatures"]) == {"serving_default", "float32"}
    assert sm["signatures"]["float32"]["input"]["multiple"] == 4


def test_read_metadata_errors(tmp_path):
    from keras_anime_cyclegan.export import read_metadata

    with pytest.raises(FileNotFoundError):
        read_metadata(tmp_path)
    (tmp_path / "metadata.json").write_text("{}")
    with pytest.raises(ValueError):
        read_metadata(tmp_path)


def test_export_model_rewrites_instance_norm_and_padding_exactly(loaded, images, reference):
    from keras_anime_cyclegan.export.graph import ExportInstanceNorm, ExportReflectionPad, export_model

    graph = export_model(loaded.model)
    assert any(isinstance(layer, ExportInstanceNorm) for layer in graph.layers)
    assert any(isinstance(layer, ExportReflectionPad) for layer in graph.layers)
    assert np.max(np.abs(np.asarray(graph(images)) - reference)) <= 1e-5


@pytest.mark.parametrize("padding", [1, 2, 3, 5])
def test_export_reflection_pad_equals_mirror_pad(padding):
    from keras_anime_cyclegan.export.graph import ExportReflectionPad
    from keras_anime_cyclegan.models.layers import ReflectionPadding2D

    x = np.random.default_rng(padding).normal(size=(2, 7, 9, 3)).astype(np.float32)
    layer = ReflectionPadding2D(padding)
    expected = np.asarray(layer(x))
    assert expected.shape == (2, 7 + 2 * padding, 9 + 2 * padding, 3)
    np.testing.assert_array_equal(np.asarray(ExportReflectionPad(layer)(x)), expected)


@pytest.mark.parametrize("name", ["float32", "float16", "int8"])
def test_fixed_size_tflite_runs_whole_in_the_xnnpack_delegate(exported, name):
    """One delegate partition: no op falls back to single-threaded builtin kernels.

    MIRROR_PAD and 5+-input CONCATENATION are not XNNPACK ops; each one
    split the graph and made the mobile preset twice as slow at 2 threads.
    """
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    path = str(exported(name))
    plain = Interpreter(
        model_path=path, experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    )
    plain.allocate_tensors()
    ops = [op["op_name"] for op in plain._get_ops_details()]
    assert "MIRROR_PAD" not in ops and "DELEGATE" not in ops
    delegated = Interpreter(model_path=path, num_threads=2)
    delegated.allocate_tensors()
    assert [op["op_name"] for op in delegated._get_ops_details()].count("DELEGATE") == 1


def test_bad_size_and_quantisation_are_value_errors(loaded, tmp_path):
    from keras_anime_cyclegan.export import export_tflite

    with pytest.raises(ValueError, match="multiple of 4"):
        export_tflite(loaded, tmp_path, size=30)
    with pytest.raises(ValueError, match="quantize"):
        export_tflite(loaded, tmp_path, quantize="int4")


def test_formats_registry_names_every_variant():
    from keras_anime_cyclegan.export import FORMATS

    assert {"saved_model", "tflite_float32", "tflite_float16", "tflite_dynamic", "tflite_int8"} <= set(FORMATS)
    assert {"tflite_float32_dynamic_size", "tfjs_float32", "tfjs_float16", "tfjs_uint8"} <= set(FORMATS)


def _kac(*args):
    return subprocess.run([sys.executable, "-m", "keras_anime_cyclegan", *map(str, args)], capture_output=True, text=True, env=user_env())


def test_kac_export_prints_a_table_and_nothing_from_the_converter(model_file, tmp_path):
    """Formats separated by spaces or commas; what the user sees is the
    progress lines and the table: no "Created TensorFlow Lite XNNPACK
    delegate" or "fully_quantize: 1, ..." from TFLite's C++ in between."""
    out = tmp_path / "out"
    proc = _kac("export", "--model", model_file, "--formats", "saved_model,tflite_float32", "tflite_int8", "--size", "32", "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert "tflite_float32" in proc.stdout and "tflite_int8" in proc.stdout and "saved_model" in proc.stdout and "dB" in proc.stdout
    assert all(line.startswith("[") for line in proc.stderr.splitlines()), proc.stderr  # "[2/3] exporting ..." only
    assert "XNNPACK" not in proc.stdout + proc.stderr and "fully_quantize" not in proc.stdout + proc.stderr
    for name in ("saved_model/metadata.json", "tflite_float32/model.tflite", "tflite_int8/model.tflite"):
        assert (out / name).exists(), name


def _one_line_error(argv, capsys):
    from keras_anime_cyclegan.cli import main

    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("kac export: error:") and "\n" not in err
    return err


def test_kac_export_missing_model_is_one_line(tmp_path, capsys):
    err = _one_line_error(["export", "--model", str(tmp_path / "nope"), "--out", str(tmp_path / "o")], capsys)
    assert "no such model" in err


def test_kac_export_discriminator_is_one_line(tmp_path, capsys):
    from keras_anime_cyclegan.config import DiscriminatorConfig
    from keras_anime_cyclegan.models.factory import build_discriminator

    path = tmp_path / "discriminator_x.keras"
    build_discriminator(DiscriminatorConfig(base_filters=8, num_layers=2), name="discriminator_x").save(path)
    err = _one_line_error(["export", "--model", str(path), "--out", str(tmp_path / "o")], capsys)
    assert "discriminator" in err


def test_kac_export_unknown_format_is_one_whole_line(model_file, tmp_path):
    proc = _kac("export", "--model", model_file, "--formats", "onnx", "--out", tmp_path / "o")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("kac export: error: unknown format(s) onnx;") and proc.stderr.count("\n") == 1
    assert proc.stderr.endswith("\n")  # the shell's prompt starts on a line of its own


def test_scripts_are_thin_and_report_errors_in_one_line(model_file, tmp_path):
    script = ROOT / "export" / "to_tflite.py"
    ok = subprocess.run(
        [sys.executable, str(script), "--model", str(model_file), "--direction", "colorize",
         "--quantize", "float32", "--size", "32", "--out", str(tmp_path / "t")],
        capture_output=True, text=True,
    )
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "t" / "model.tflite").exists()
    bad = subprocess.run(
        [sys.executable, str(ROOT / "export" / "to_saved_model.py"), "--model", str(tmp_path / "nope"), "--out", str(tmp_path / "s")],
        capture_output=True, text=True,
    )
    assert bad.returncode == 2 and bad.stderr.strip().count("\n") == 0 and "error:" in bad.stderr


def test_hint_spread_generators_export_to_tflite_with_their_hints(tmp_path):
    """A G with HintSpread: dynamic-size float32 and int8 TFLite follow Keras, hints included.

    The files leave the spread to their runner (`export.graph.without_hint_spread`:
    no pooling left in the graph, "hints" "spread" in the metadata), which grows
    the hints in NumPy first; int8 calibrates on hints spread that way."""
    import dataclasses

    import keras

    from keras_anime_cyclegan.artifacts.generators import load_generator
    from keras_anime_cyclegan.export import export_tflite
    from ai_edge_litert.interpreter import Interpreter

    from keras_anime_cyclegan.artifacts.metadata import read_metadata
    from keras_anime_cyclegan.export.check import parity
    from keras_anime_cyclegan.export.tflite import representative_hints, representative_images
    from keras_anime_cyclegan.inference.runners import KerasRunner, open_runner
    from keras_anime_cyclegan.models.factory import build_generator
    from keras_anime_cyclegan.utils.images import to_float
    from keras_anime_cyclegan.utils.startup import converter_quietly

    keras.utils.set_random_seed(1)
    config = dataclasses.replace(TINY, hint_channels=4, hint_spread=8)
    build_generator(config, name="generator_g").save(tmp_path / "generator_g.keras")
    loaded = load_generator(tmp_path / "generator_g.keras", "colorize")
    sketches = to_float(representative_images("colorize", count=4, size=SIZE, seed=5))
    hinted = np.concatenate([sketches, representative_hints(sketches, seed=3)], axis=-1)
    assert hinted[1, ..., 6].any() and not hinted[0, ..., 6].any()  # with and without hints
    expected = KerasRunner(loaded)(hinted)
    # int8: 31 dB here; 23 dB calibrated without hints.
    for quantize, size, min_psnr in (("float32", None, 60.0), ("int8", SIZE, 27.0)):
        path = export_tflite(loaded, tmp_path / f"{quantize}_{size}", quantize=quantize, size=size)
        assert read_metadata(path)["hints"]["spread"]["rounds"] == 8
        with converter_quietly():
            ops = {op["op_name"] for op in Interpreter(model_path=str(path))._get_ops_details()}
        assert "AVERAGE_POOL_2D" not in ops, ops  # no spread inside (the only pooling)
        run = open_runner(path, "colorize")
        assert run.spread_rounds == 8
        got = np.concatenate([run(hinted[i : i + 1]) for i in range(len(hinted))])
        assert parity(expected, got)["psnr_db"] > min_psnr, quantize


def test_a_g_that_scores_chroma_exports_to_tflite_and_tfjs(tmp_path):
    """A G whose colour is a class (`chroma_bins`: softmax, annealed mean,
    block repeat and moving average after the head) converts like any G:
    TFLite float32 at a fixed size and at any size equals Keras within the
    float32 test's 1e-4 (the decode adds one 40-odd-term weighted sum of
    values under 0.5 to the convolutions' reordered float32 sums), and the
    TF.js graph uses only ops TF.js has."""
    import keras

    from keras_anime_cyclegan.artifacts.generators import load_generator
    from keras_anime_cyclegan.export import export_tflite
    from keras_anime_cyclegan.export.tfjs import export_tfjs, manifest_problems
    from keras_anime_cyclegan.inference.runners import KerasRunner
    from keras_anime_cyclegan.models.factory import build_generator

    keras.utils.set_random_seed(0)
    g = build_generator(dataclasses.replace(TINY, chroma_bins=7), name="generator_g")
    g.save(tmp_path / "generator_g.keras")
    loaded = load_generator(tmp_path / "generator_g.keras", "colorize")
    x = np.random.default_rng(1).uniform(-1, 1, (2, SIZE, SIZE, 3)).astype("float32")
    reference = KerasRunner(loaded)(x)
    assert np.max(np.abs(_output(export_tflite(loaded, tmp_path / "f32", quantize="float32", size=SIZE), x) - reference)) <= 1e-4
    other = np.random.default_rng(2).uniform(-1, 1, (1, 32, 40, 3)).astype("float32")
    dynamic = export_tflite(loaded, tmp_path / "dyn", quantize="float32", size=None)
    assert np.max(np.abs(_output(dynamic, other) - KerasRunner(loaded)(other))) <= 1e-4
    assert manifest_problems(export_tfjs(loaded, tmp_path / "tfjs")) == []
