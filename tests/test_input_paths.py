"""The two input paths (tf.data and NumPy threads) make the same batches, and
training runs where TensorFlow is not installed."""

import importlib.util
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from keras_anime_cyclegan.data.paired import paired_training_data
from keras_anime_cyclegan.data.synthetic import write_synthetic_folder
from keras_anime_cyclegan.data.unpaired import unpaired_training_data

ROOT = Path(__file__).resolve().parents[1]

# How far a synthesised sketch may differ between the paths. The decisions
# (style, parameters, grain noise) are the same arrays; the arithmetic is the
# same but sums in another order. The widest gap is XDoG's: each Gaussian
# sums at most 13 float32 taps of lightness <= 100, so either order lands
# within 13 * 100 * 2**-24 = 7.7e-5 of the exact sum, the difference of
# two blurs within 1.6e-4 of each other; the ramp 1 + tanh(phi (u - eps))
# has slope at most phi = 200: 0.031 on the [0, 1] paper, 0.062 on [-1, 1].
# The other styles amplify rounding far less (the gradient's ramp 1/0.02 on
# a magnitude within 1e-6). Measured: at most 0.004 over 240 pictures.
SKETCH_TOLERANCE = 0.07
# An Otsu binarisation may land one grey level apart when a pixel sits on a
# histogram bin's edge; the pixels between the two levels then flip between
# ink and paper. A sliver of a picture, never more than this share.
FLIPPED_SHARE = 0.005
# A hint dot's colour is the float32 mean of at most 11 x 11 colours in
# [-1, 1]: either summation order is within 121 * 2**-24 = 7.2e-6 of exact.
HINT_TOLERANCE = 1.5e-5


@pytest.fixture(scope="module")
def colours(tmp_path_factory):
    d = tmp_path_factory.mktemp("paths")
    write_synthetic_folder(d / "colors", 10, 72, seed=4)
    write_synthetic_folder(d / "lines", 10, 72, seed=4, lines=True)
    return d


def both_paths(make, batches):
    """The first `batches` batches of the tf.data path and of the NumPy path, as NumPy arrays."""
    tf_data, numpy_data = make("tf.data"), make("numpy")
    a = [tuple(np.asarray(t) for t in b) for b in tf_data.batches(0).take(batches)]
    b = list(itertools.islice(numpy_data.batches(0), batches))
    return a, b, numpy_data


def assert_sketches_close(a, b):
    difference = np.abs(a - b)
    for i, d in enumerate(difference):
        share = (d > SKETCH_TOLERANCE).mean()
        assert share <= FLIPPED_SHARE, f"picture {i}: {share:.2%} of pixels differ by more than {SKETCH_TOLERANCE}"
    assert difference.mean() < 1e-3


def test_the_same_crops_flips_and_order_in_both_paths(colours):
    def make(pipeline):
        return unpaired_training_data(
            colours / "lines", colours / "colors", image_size=48, batch_size=3, seed=7, held_out=1, pipeline=pipeline
        )

    a, b, numpy_data = both_paths(make, 7)
    for (xa, ya), (xb, yb) in zip(a, b):
        np.testing.assert_array_equal(xa, xb)  # crops and flips are cut in NumPy for both: exact
        np.testing.assert_array_equal(ya, yb)
    assert xb.dtype == np.float32 and xb.shape == (3, 48, 48, 3)
    # Crops move and flips happen (not all centre crops).
    assert len({x.tobytes() for x, _ in b}) == 7
    # A resumed stream is the uninterrupted one's continuation, on the NumPy path too.
    resumed = next(numpy_data.batches(4))
    np.testing.assert_array_equal(resumed[0], b[4][0])
    # One epoch is steps_per_epoch batches.
    assert len(numpy_data.epoch(1)) == numpy_data.steps_per_epoch


def test_synthesised_sketches_and_hints_agree_between_the_paths(colours):
    def make(pipeline):
        return paired_training_data(
            "synthesize", colours / "colors", image_size=48, batch_size=4, seed=3,
            synthesized_sketches=1.0, hint_channels=4, pipeline=pipeline,
        )  # fmt: skip

    a, b, _ = both_paths(make, 10)
    hinted = 0
    for (xa, ya), (xb, yb) in zip(a, b):
        np.testing.assert_array_equal(ya, yb)
        assert xa.shape == xb.shape == (4, 48, 48, 7)
        assert_sketches_close(xa[..., :3], xb[..., :3])
        np.testing.assert_array_equal(xa[..., 6], xb[..., 6])  # the same dots, at the same pixels
        np.testing.assert_allclose(xa[..., 3:6], xb[..., 3:6], atol=HINT_TOLERANCE)
        hinted += int((xb[..., 6].reshape(4, -1).max(axis=1) > 0).sum())
    assert 0 < hinted < 40, "some pictures with hints, some without"
    sketches = np.concatenate([x[..., :3] for x, _ in b])
    assert (sketches > 0.5).mean() > 0.6, "sketches are mostly white paper"


def test_real_sketches_are_drawn_alike_in_both_paths(colours):
    """The artist's lines made to look real (sketch.real) happen in the NumPy half: the paths agree exactly."""

    def make(pipeline, share=1.0):
        return paired_training_data(
            colours / "lines", colours / "colors", image_size=48, batch_size=4, seed=2, real_sketches=share,
            pipeline=pipeline,
        )  # fmt: skip

    a, b, _ = both_paths(make, 4)
    for (xa, ya), (xb, yb) in zip(a, b):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)
    clean = list(itertools.islice(make("numpy", 0.0).batches(0), 4))
    differ = [not np.array_equal(x[..., :3], c) for (x, _), (c, _) in zip(b, clean)]
    assert all(differ), "every sketch degraded at share 1"
    for (x, _), (c, _) in zip(b, clean):  # the clean line art rides along for F's target
        assert x.shape[-1] == 6
        np.testing.assert_array_equal(x[..., 3:], c)
    np.testing.assert_array_equal(np.concatenate([y for _, y in b]), np.concatenate([y for _, y in clean]))


def test_clean_lines_ride_after_the_hints_alike_in_both_paths(colours):
    """Real-sketch traits, synthesised sketches and hints together: the clean lines F learns (the
    synthesised sketch where one was drawn) follow the hint channels, the same on both paths."""

    def make(pipeline):
        return paired_training_data(
            colours / "lines", colours / "colors", image_size=48, batch_size=4, seed=5, real_sketches=0.5,
            synthesized_sketches=0.5, hint_channels=4, pipeline=pipeline,
        )  # fmt: skip

    a, b, _ = both_paths(make, 4)
    for (xa, ya), (xb, yb) in zip(a, b):
        assert xa.shape == xb.shape == (4, 48, 48, 10)
        np.testing.assert_array_equal(ya, yb)
        assert_sketches_close(xa[..., :3], xb[..., :3])
        assert_sketches_close(xa[..., 7:], xb[..., 7:])
        np.testing.assert_array_equal(xa[..., 6], xb[..., 6])


def test_unlined_colour_pictures_are_drawn_alike_in_both_paths(colours):
    """Colour pictures without line art join the pairs with synthesised sketches: the same pictures,
    crops and styles on both paths, the sketches within the styles' own tolerance."""

    def make(pipeline):
        return paired_training_data(
            colours / "lines", colours / "colors", image_size=48, batch_size=4, seed=3,
            unlined_colors=colours / "colors", pipeline=pipeline,
        )  # fmt: skip

    a, b, data = both_paths(make, 5)
    assert data.steps_per_epoch == (10 + 10) // 4  # the 10 pairs and the 10 unlined pictures
    for (xa, ya), (xb, yb) in zip(a, b):
        np.testing.assert_array_equal(ya, yb)
        assert_sketches_close(xa, xb)


def test_unknown_input_pipeline_is_one_clear_error(colours):
    from keras_anime_cyclegan.config import DataConfig

    with pytest.raises(ValueError, match="data.pipeline must be one of auto, tf.data, numpy"):
        DataConfig(pipeline="grain")
    data = unpaired_training_data("synthesize", colours / "colors", image_size=32, pipeline="dask")
    with pytest.raises(ValueError, match="unknown input pipeline 'dask'"):
        data.batches(0)


# === Without TensorFlow: a process where `import tensorflow` fails, as on a JAX machine ===

BLOCK_TENSORFLOW = """
import sys
class NoTensorFlow:
    def find_spec(self, name, path=None, target=None):
        if name == "tensorflow" or name.startswith("tensorflow."):
            raise ModuleNotFoundError(f"No module named {name!r}")
sys.meta_path.insert(0, NoTensorFlow())
"""


def _without_tensorflow(script: str, tmp_path) -> dict:
    env = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "2"}
    r = subprocess.run(
        [sys.executable, "-c", BLOCK_TENSORFLOW + script], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="jax is not installed")
def test_kac_train_runs_on_jax_without_tensorflow(tmp_path, colours):
    """`kac train` on JAX where TensorFlow cannot be imported; the weights it
    writes give the same G in TensorFlow (this is the suite's JAX training run:
    tests/test_backends.py trains on PyTorch)."""
    out = _without_tensorflow(
        f"""
import json, sys
from keras_anime_cyclegan.cli import main
code = main(["train", "--demo", "--image-size", "32", "--epochs", "1", "--steps-per-epoch", "3",
             "--out", {str(tmp_path / "run")!r}])
from keras_anime_cyclegan.data.paired import paired_training_data
from keras_anime_cyclegan.data.sampling import resolve_input_pipeline
data = paired_training_data("synthesize", {str(colours / "colors")!r}, image_size=32, batch_size=2,
                            synthesized_sketches=1.0, hint_channels=4)
x, y = next(data.batches(0))
try:
    resolve_input_pipeline("tf.data")
    refused = ""
except ModuleNotFoundError as e:
    refused = str(e)
# G's outputs on JAX, through its .keras file and through its checkpoint, for TensorFlow to match below.
import keras
import numpy as np
from keras_anime_cyclegan.artifacts.generators import load_generator
from tests.test_backends import _probe_images
run = {str(tmp_path / "run")!r}
from_file = keras.saving.load_model(run + "/generator_g.keras", compile=False)(_probe_images())
from_checkpoint = load_generator(run).model(_probe_images())
np.save(run + "/probe.npy", keras.ops.convert_to_numpy(from_file))
print(json.dumps({{"code": code, "tensorflow": "tensorflow" in sys.modules, "auto": resolve_input_pipeline("auto"),
                  "shapes": [list(x.shape), list(y.shape)], "refused": refused,
                  "checkpoint_vs_file": float(np.max(np.abs(np.asarray(from_checkpoint) - np.asarray(from_file))))}}))
""",
        tmp_path,
    )
    assert out["code"] == 0 and not out["tensorflow"]
    assert out["auto"] == "numpy"
    assert out["shapes"] == [[2, 32, 32, 7], [2, 32, 32, 3]]
    assert "needs TensorFlow, which is not installed; use 'numpy'" in out["refused"]
    run = tmp_path / "run"
    assert (run / "generator_g.keras").exists() and (run / "generator_f.keras").exists()
    assert len((run / "log.csv").read_text().splitlines()) == 2  # header and the one epoch
    assert list((run / "samples").glob("epoch_0001.png"))
    # The JAX-trained G is the same network in TensorFlow, through its .keras file and its checkpoint
    # (tests/test_backends.py's tolerance: float32 rounding of two backends' kernels).
    from tests.test_backends import CROSS_BACKEND, _run

    assert out["checkpoint_vs_file"] == 0.0
    loaded = _run("tensorflow", "load", run)
    assert loaded["backend"] == "tensorflow" and loaded["epoch"] == 1
    assert loaded["keras_file_diff"] < CROSS_BACKEND
    assert loaded["checkpoint_diff"] < CROSS_BACKEND
