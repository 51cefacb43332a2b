"""The package as a new user meets it: quiet start-up, Keras loading, optional dependencies."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import user_env

ROOT = Path(__file__).resolve().parents[1]


def _python(code, env=None):
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=user_env(**(env or {})))


def test_import_registers_classes_and_submodules_resolve(tmp_path):
    from keras_anime_cyclegan.models import UNetResNetGenerator

    path = tmp_path / "g.keras"
    UNetResNetGenerator(base_filters=8, max_filters=16, levels=2, residual_blocks=1).save(path)
    proc = _python(
        "import keras_anime_cyclegan as kac, keras\n"
        f"m = keras.saving.load_model({str(path)!r})\n"
        "print(type(m).__name__, kac.export.export_tflite.__name__, kac.inference.Colorizer.__name__,"
        " kac.data.paired_dataset.__name__, kac.sketch.xdog.__name__)"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["UNetResNetGenerator", "export_tflite", "Colorizer", "paired_dataset", "xdog"]


def test_user_error_is_one_line_and_verbose_brings_logging_back():
    proc = subprocess.run(
        [sys.executable, "-m", "keras_anime_cyclegan", "colorize", "nothing.png", "-m", "no-such-model", "-o", "out"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and proc.stderr.startswith("kac colorize: error: no-such-model")
    quiet = _python("import keras_anime_cyclegan")
    assert quiet.returncode == 0 and quiet.stderr == ""


def test_missing_litert_is_a_one_line_error_naming_the_extra(tmp_path):
    # Python treats a None entry in sys.modules as "not installed".
    code = (
        "import sys; sys.modules['ai_edge_litert'] = None; sys.modules['ai_edge_litert.interpreter'] = None\n"
        "from keras_anime_cyclegan.cli import main\n"
        f"sys.exit(main(['colorize', 'a.png', '-m', {str(tmp_path / 'm.tflite')!r}, '-o', {str(tmp_path / 'o')!r}]))"
    )
    (tmp_path / "m.tflite").write_bytes(b"not a model")
    (tmp_path / "a.png").write_bytes(b"")
    proc = _python(code)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().count("\n") == 0
    assert 'pip install "keras-anime-cyclegan[litert]"' in proc.stderr


def test_help_version_and_argument_errors_answer_without_starting_tensorflow():
    """`kac --help`, `kac colorize --help`, `kac --version` and a wrong
    argument are answered before TensorFlow or Keras is imported (they take
    seconds to start); heavy parts are imported where they are used."""
    code = (
        "import sys\n"
        "from keras_anime_cyclegan.cli import main\n"
        "for argv in (['--help'], ['colorize', '--help'], ['export', '--help'], ['--version'], ['colorize'], ['export', '--formats']):\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit as e:\n"
        "        print('exit', e.code)\n"
        "print(sorted(m for m in ('tensorflow', 'keras', 'jax', 'torch') if m in sys.modules))\n"
    )
    proc = _python(code)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[-1] == "[]", proc.stdout
    assert [line for line in lines if line.startswith("exit")] == ["exit 0"] * 4 + ["exit 2"] * 2
    assert "kac 0.1.0" in lines
    assert "kac colorize: error: the following arguments are required: INPUT, -o/--out" in proc.stderr


def test_a_door_that_needs_missing_tensorflow_names_the_extra_in_one_line(tmp_path):
    code = (
        "import sys; sys.modules['tensorflow'] = None\n"  # Python's "not installed"
        "from keras_anime_cyclegan.cli import main\n"
        f"sys.exit(main(['train', '--demo', '--out', {str(tmp_path / 'run')!r}]))"
    )
    proc = _python(code)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith("kac train: error: this needs tensorflow, which is not installed")
    assert 'pip install "keras-anime-cyclegan[cpu]"' in proc.stderr


def test_import_order_does_not_matter_and_stays_quiet(tmp_path):
    """The classes register whether Keras comes before or after the package,
    or through TensorFlow first; TensorFlow's start-up chatter stays off."""
    for first in ("import keras_anime_cyclegan, keras", "import keras_anime_cyclegan, tensorflow, keras"):
        proc = _python(f"{first}\nimport sys\nprint('keras_anime_cyclegan.models' in sys.modules)")
        assert proc.returncode == 0 and proc.stdout.strip() == "True", (first, proc.stderr)
        assert proc.stderr == "", (first, proc.stderr)
    late = _python("import keras, keras_anime_cyclegan, sys\nprint('keras_anime_cyclegan.models' in sys.modules)")
    assert late.returncode == 0 and late.stdout.strip() == "True", late.stderr


def test_xla_default_follows_the_cpu_kernels():
    """Auto XLA: off where TensorFlow runs oneDNN kernels (faster without XLA there), on elsewhere."""
    import tensorflow as tf

    from keras_anime_cyclegan.training.steps import resolve_jit_compile
    from keras_anime_cyclegan.utils.tf_compat import onednn_enabled

    assert resolve_jit_compile(True) is True and resolve_jit_compile(False) is False
    gpu = bool(tf.config.list_physical_devices("GPU"))
    assert resolve_jit_compile(None) == (gpu or not onednn_enabled())
    print(f"oneDNN on: {onednn_enabled()}; auto XLA: {resolve_jit_compile(None)}")


def test_library_errors_are_one_line_and_library_bugs_keep_their_traceback(capsys):
    from keras_anime_cyclegan.artifacts.layout import check_direction
    from keras_anime_cyclegan.cli import run_guarded

    assert run_guarded("kac x", lambda: check_direction("sideways")) == 2
    assert capsys.readouterr().err.strip() == "kac x: error: direction must be one of colorize, lines; got 'sideways'"

    def library_bug():
        import numpy as np

        np.zeros(3).reshape(2)  # a ValueError raised inside NumPy, not a user error

    with pytest.raises(ValueError, match="cannot reshape"):
        run_guarded("kac x", library_bug)


def test_resume_refuses_a_different_config(tmp_path):
    from keras_anime_cyclegan.config import preset
    from keras_anime_cyclegan.training.run import train

    config = preset("demo")
    config.save(tmp_path / "config.json")
    other = preset("demo").from_dict({**config.to_dict(), "batch_size": config.batch_size + 1})
    with pytest.raises(ValueError, match=r"keeps its own config.json, and the config given differs in batch_size"):
        train(other, tmp_path, resume=True)


def test_tensorflow_internals_fail_with_one_line_on_unchecked_versions(monkeypatch, capsys):
    """Each private TensorFlow API lives in utils.tf_compat; on a TensorFlow it was not checked on,
    a missing internal is one line naming the versions, not a traceback."""
    import tensorflow as tf

    from keras_anime_cyclegan.cli import run_guarded
    from keras_anime_cyclegan.utils import tf_compat

    assert any(tf.__version__.startswith(v + ".") for v in tf_compat.CHECKED)  # this machine's TF was checked

    @tf_compat._internal("doing something")
    def gone():
        from tensorflow.python import no_such_internal  # noqa: F401

    with pytest.raises(ImportError):  # on a checked version: a bug, with its traceback
        gone()
    monkeypatch.setattr(tf_compat, "_version", lambda: "2.99.0")
    assert run_guarded("kac export", gone) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("kac export: error: doing something uses TensorFlow internals checked on TensorFlow 2.21; this is 2.99.0")
    assert "\n" not in err
