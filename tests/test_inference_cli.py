"""`kac colorize` / `kac extract-lines`: folders, bad files, bad models."""

import numpy as np
import pytest
from PIL import Image

from keras_anime_cyclegan.cli import main
from keras_anime_cyclegan.config import DiscriminatorConfig, GeneratorConfig
from keras_anime_cyclegan.data import synthetic_sample


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    import keras

    from keras_anime_cyclegan.models import build_discriminator, build_generator

    keras.utils.set_random_seed(0)
    d = tmp_path_factory.mktemp("cli_models")
    build_generator(GeneratorConfig(base_filters=8, max_filters=32, levels=2, residual_blocks=1), name="generator_g").save(
        d / "generator_g.keras"
    )
    build_discriminator(DiscriminatorConfig(base_filters=8, num_layers=2)).save(d / "discriminator.keras")
    return d


def test_folder_with_a_corrupt_file(model_dir, tmp_path, capsys):
    src = tmp_path / "in"
    (src / "chapter1").mkdir(parents=True)
    sizes = {"a.png": (40, 52), "chapter1/b.jpg": (33, 65), "chapter1/c.webp": (48, 48)}
    for name, (h, w) in sizes.items():
        Image.fromarray(synthetic_sample(h, w, seed=len(name)).lines).save(src / name)
    Image.fromarray(np.zeros((20, 24, 4), np.uint8)).save(src / "chapter1" / "d.png")
    (src / "chapter1" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    (src / "notes.txt").write_text("not an image, not picked up from a folder")

    code = main(["colorize", str(src), "-m", str(model_dir / "generator_g.keras"), "-o", str(tmp_path / "out")])

    err = capsys.readouterr().err
    assert code != 0
    assert "broken.png" in err and "not a readable image" in err
    for name, (h, w) in sizes.items():
        out = Image.open((tmp_path / "out" / name).with_suffix(".png"))
        assert out.size == (w, h)
    assert Image.open(tmp_path / "out" / "chapter1" / "d.png").mode == "RGBA"
    assert not (tmp_path / "out" / "chapter1" / "broken.png").exists()
    assert not (tmp_path / "out" / "notes.png").exists()


def test_all_good_exits_zero_and_names_files(model_dir, tmp_path, capsys):
    Image.fromarray(synthetic_sample(30, 40).lines).save(tmp_path / "one.jpg")
    code = main(["colorize", str(tmp_path / "one.jpg"), "-m", str(model_dir / "generator_g.keras"), "-o", str(tmp_path / "o")])
    assert code == 0 and Image.open(tmp_path / "o" / "one.png").size == (40, 30)


@pytest.mark.parametrize(
    "command, model, message",
    [
        ("colorize", "missing.keras", "no such model"),
        ("colorize", "discriminator.keras", "discriminator"),
        ("extract-lines", "generator_g.keras", "not 'lines'"),
    ],
)
def test_bad_model_is_one_line(model_dir, tmp_path, capsys, command, model, message):
    Image.fromarray(synthetic_sample(30, 40).lines).save(tmp_path / "x.png")
    code = main([command, str(tmp_path / "x.png"), "-m", str(model_dir / model), "-o", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert message in err and "Traceback" not in err and len(err.splitlines()) == 1, err


def test_flat_colours_by_default_and_no_flat_gives_g_s_own(model_dir, tmp_path):
    from keras_anime_cyclegan.inference import Colorizer

    picture = tmp_path / "in" / "s.png"
    picture.parent.mkdir()
    Image.fromarray(synthetic_sample(48, 64, seed=5).lines).save(picture)
    model = str(model_dir / "generator_g.keras")
    assert main(["colorize", str(picture), "-m", model, "-o", str(tmp_path / "flat")]) == 0
    assert main(["colorize", str(picture), "-m", model, "--no-flat", "-o", str(tmp_path / "own")]) == 0
    for folder, flat in (("flat", True), ("own", False)):
        written = np.asarray(Image.open(tmp_path / folder / "s.png").convert("RGB"))
        np.testing.assert_array_equal(written, np.asarray(Colorizer.load(model, flat=flat).colorize(picture)))
    assert (np.asarray(Image.open(tmp_path / "flat" / "s.png")) != np.asarray(Image.open(tmp_path / "own" / "s.png"))).any()


def test_layers_and_pages_with_nothing_to_fill(model_dir, tmp_path):
    """--layers writes the layers beside each result; a blank page, an all-black
    page and a 1x1 picture come back at their size, no error."""
    import zipfile

    src = tmp_path / "in"
    src.mkdir()
    Image.fromarray(synthetic_sample(48, 64, seed=5).lines).save(src / "s.png")
    Image.new("RGB", (30, 20), "white").save(src / "blank.png")
    Image.new("RGB", (30, 20), "black").save(src / "black.png")
    Image.new("RGB", (1, 1), (128, 128, 128)).save(src / "dot.png")
    out = tmp_path / "out"
    assert main(["colorize", str(src), "-m", str(model_dir / "generator_g.keras"), "--layers", "-o", str(out)]) == 0
    for name, size in {"s": (64, 48), "blank": (30, 20), "black": (30, 20), "dot": (1, 1)}.items():
        assert Image.open(out / f"{name}.png").size == size
        for layer in ("flats", "lines", "shading"):
            assert Image.open(out / f"{name}.{layer}.png").size == size
        with zipfile.ZipFile(out / f"{name}.ora") as z:
            assert z.read("mimetype") == b"image/openraster"
    np.testing.assert_array_equal(np.asarray(Image.open(out / "blank.png")), np.full((20, 30, 3), 255, np.uint8))
