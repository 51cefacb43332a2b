"""`kac train` end to end in a subprocess, as a user runs it."""

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from tests.helpers import micro_config

pytestmark = pytest.mark.slow  # trains demo runs through the CLI


def kac(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "keras_anime_cyclegan", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )


def test_demo_training_writes_contact_sheet_and_resumes(tmp_path):
    config = tmp_path / "micro.json"
    micro_config(epochs=1).save(config)
    out = tmp_path / "runs" / "demo"
    r = kac("train", "--demo", "--config", config, "--out", out)
    assert r.returncode == 0, r.stderr[-2000:]
    sheet = out / "contact_sheet.png"
    assert f"contact sheet (sketch | G(sketch) | colour | F(colour)): {sheet}" in r.stdout
    img = np.asarray(Image.open(sheet))
    # 2 held-out rows of 4 panels of 32x32 with 2 px gaps.
    assert img.shape == (2 * 32 + 2, 4 * 32 + 3 * 2, 3)
    for name in ("config.json", "checkpoints/last.npz", "log.csv", "generator_g.keras", "generator_f.keras"):
        assert (out / name).exists(), name

    r = kac("train", "--out", out, "--resume", "--epochs", "2")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "Epoch 2/2" in r.stdout and "Epoch 1/2" not in r.stdout
    assert (out / "samples" / "epoch_0002.png").exists()


def test_train_errors_are_one_line(tmp_path):
    r = kac("train", "--out", tmp_path / "x")
    assert r.returncode == 2
    assert r.stderr.strip().splitlines()[-1] == "kac train: error: give --colors DIR (and --sketches DIR or synthesize), or --demo"
    r = kac("train", "--resume", "--out", tmp_path / "nothing")
    assert r.returncode == 2 and "nothing to resume" in r.stderr and "Traceback" not in r.stderr
    r = kac("train", "--hints", "--out", tmp_path / "y")  # no data, hints or not
    assert r.stderr.strip().splitlines()[-1] == "kac train: error: give --colors DIR (and --sketches DIR or synthesize), or --demo"
    r = kac("train", "--demo", "--hint-spread", "8", "--out", tmp_path / "z")
    assert r.returncode == 2
    assert r.stderr.strip().splitlines()[-1].startswith("kac train: error: generator.hint_spread must be 0, or > 0 with hint_channels")
    r = kac("train", "--demo", "--hint-level", "3", "--out", tmp_path / "w")
    assert r.returncode == 2
    assert r.stderr.strip().splitlines()[-1].startswith("kac train: error: generator.hint_level must be 0, or > 0 with hint_channels")
