"""The scripts that keep training runs going from one session to the next (experiments/)."""

import importlib.util
import subprocess
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage

ROOT = Path(__file__).resolve().parents[1]


def _gpu_script():
    spec = importlib.util.spec_from_file_location("gpu", ROOT / "experiments" / "gpu.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_training_pictures_travel_to_the_gpu_machine_exactly_or_within_rounding(tmp_path):
    """`gpu.py pack` squeezes the pictures under the device tool's 64 MiB: line art and pictures of at most
    256 colours come back pixel for pixel; a flat-coloured picture whose antialiased edges give it more
    colours comes back with 256 (median cut): the flat areas exact, so its mean change stays under 1/255
    (on the clip-art pairs it is 0.2/255; a smooth gradient, which no training picture is, would be 3.6)."""
    gpu = _gpu_script()
    rng = np.random.default_rng(0)
    source, dest = tmp_path / "here", tmp_path / "there"
    folder = source / "data" / "clipart"
    (folder / "lines").mkdir(parents=True)
    (folder / "colors").mkdir()
    lines = np.where(rng.uniform(size=(64, 64)) < 0.1, rng.integers(0, 200, (64, 64)), 255).astype(np.uint8)
    flat = rng.choice(np.array([[255, 255, 255], [200, 30, 40], [20, 90, 220], [0, 0, 0]], np.uint8), size=(64, 64))
    palette = rng.integers(0, 256, (12, 3)).astype(np.float32)
    blocks = np.kron(rng.integers(0, 12, (8, 8)), np.ones((32, 32), int))  # flat areas 32 px square
    edges = np.round(ndimage.gaussian_filter(palette[blocks], (1, 1, 0))).astype(np.uint8)  # antialiased borders
    pictures = {"lines/a.png": lines, "colors/a.png": flat, "colors/b.png": edges}
    for name, array in pictures.items():
        Image.fromarray(array).save(folder / name)
    (folder / "manifest.csv").write_text("file,licence\na.png,public domain\n")
    paths = sorted(p for p in source.rglob("*") if p.is_file())
    assert gpu.pack_pictures(paths, source, tmp_path / "data.tar.xz") == 1
    gpu.unpack(tmp_path / "data.tar.xz", dest)
    back = {name: np.asarray(Image.open(dest / "data" / "clipart" / name).convert("RGB" if a.ndim == 3 else "L"))
            for name, a in pictures.items()}
    np.testing.assert_array_equal(back["lines/a.png"], lines)
    np.testing.assert_array_equal(back["colors/a.png"], flat)
    error = np.abs(back["colors/b.png"].astype(int) - edges).mean()
    assert len(np.unique(edges.reshape(-1, 3), axis=0)) > 256 and 0 < error < 1, error
    assert (dest / "data" / "clipart" / "manifest.csv").read_text() == (folder / "manifest.csv").read_text()


def test_train_sh_refuses_to_restart_a_run_whose_checkpoint_is_archived():
    """A run that trained (its log.csv is here) but whose checkpoint left the tree must not start again
    from scratch: train.sh stops with one line that says how to bring the checkpoint back."""
    r = subprocess.run(["sh", "experiments/train.sh", "real-hint8"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert "archived" in r.stderr and "real-hint8/checkpoints/last.npz" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
