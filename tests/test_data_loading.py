"""Folder loading: every odd file kind a real folder holds, pipelines, Kaggle pairs."""

import json
import logging
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from keras_anime_cyclegan.cli import main as kac
from keras_anime_cyclegan.data import paired, store, unpaired
from keras_anime_cyclegan.data.decode import (
    UnreadableImage,
    decode_files,
    decode_image,
    find_images,
    resize_square,
)
from keras_anime_cyclegan.data.synthetic import write_synthetic_folder

RED, BLUE, GREEN, WHITE = (255, 0, 0), (0, 0, 255), (0, 160, 0), (255, 255, 255)
LIMIT = 10_000  # pixels: the "oversized" file (120 x 120) is refused under it


def png_bytes(width, height, color_type, bit_depth, raw_rows: bytes) -> bytes:
    """A PNG written by hand (Pillow cannot write 48-bit RGB or lie about sizes)."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw_rows)) + chunk(b"IEND", b"")


def halves(width, height, left, right, mode="RGB"):
    """An image with `left` colour on its left half and `right` on its right."""
    a = np.zeros((height, width, 3), np.uint8)
    a[:, : width // 2], a[:, width // 2 :] = left, right
    return Image.fromarray(a).convert(mode)


@pytest.fixture(scope="module")
def odd_folder(tmp_path_factory):
    """One file of each kind; returns (folder, {name: expected (left, right) colours or None if skipped})."""
    d = tmp_path_factory.mktemp("odd")
    (d / "nested" / "deeper").mkdir(parents=True)
    expect = {}

    rgba = np.zeros((16, 16, 4), np.uint8)
    rgba[:, :8] = (*RED, 255)  # right half fully transparent: white after compositing
    Image.fromarray(rgba, "RGBA").save(d / "rgba.png")
    expect["rgba.png"] = (RED, WHITE)

    la = Image.fromarray(np.dstack([np.full((16, 16), 40, np.uint8), np.tile([255] * 8 + [0] * 8, (16, 1)).astype(np.uint8)]), "LA")
    la.save(d / "la.png")
    expect["la.png"] = ((40, 40, 40), WHITE)

    gray16 = np.tile(np.array([65535] * 8 + [128 * 257] * 8, np.uint16), (16, 1))
    Image.fromarray(gray16).save(d / "gray16.png")  # mode I;16
    expect["gray16.png"] = (WHITE, (128, 128, 128))

    rgb16 = np.tile(np.array([[65535, 0, 0]] * 8 + [[0, 0, 65535]] * 8, ">u2"), (16, 1, 1))
    rows = b"".join(b"\x00" + row.tobytes() for row in rgb16)
    (d / "nested" / "rgb48.png").write_bytes(png_bytes(16, 16, 2, 16, rows))
    expect["nested/rgb48.png"] = (RED, BLUE)

    halves(16, 16, GREEN, BLUE).quantize(4).save(d / "palette.png")  # mode P
    expect["palette.png"] = (GREEN, BLUE)

    frames = [halves(16, 16, RED, GREEN, "P"), halves(16, 16, BLUE, BLUE, "P")]
    frames[0].save(d / "anim.gif", save_all=True, append_images=frames[1:], duration=100)
    expect["anim.gif"] = (RED, GREEN)  # the first frame

    Image.new("CMYK", (16, 16), (0, 255, 255, 0)).save(d / "cmyk.jpg", quality=95)  # red in CMYK
    expect["cmyk.jpg"] = (RED, RED)

    # EXIF orientation 6: shown rotated 90 degrees clockwise, which puts the
    # stored left edge on top. Stored 16 wide x 8 high, left red, right blue
    # -> shown 8 wide x 16 high, top red, bottom blue.
    stored = halves(16, 8, RED, BLUE)
    exif = Image.Exif()
    exif[0x0112] = 6
    stored.save(d / "nested" / "deeper" / "exif.jpg", quality=95, exif=exif)
    expect["nested/deeper/exif.jpg"] = "top red, bottom blue"

    halves(16, 16, BLUE, RED).save(d / "nested" / "plain.webp", lossless=True)
    expect["nested/plain.webp"] = (BLUE, RED)
    halves(16, 16, GREEN, RED).save(d / "plain.BMP")  # upper-case extension
    expect["plain.BMP"] = (GREEN, RED)

    buf = d / "full.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), np.uint8)).save(buf)
    (d / "truncated.png").write_bytes(buf.read_bytes()[: buf.stat().st_size // 2])
    buf.unlink()
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (64, 64, 3), np.uint8)).save(d / "j.jpg", quality=90)
    (d / "truncated.jpg").write_bytes((d / "j.jpg").read_bytes()[:400])
    (d / "j.jpg").unlink()
    (d / "empty.png").write_bytes(b"")
    (d / "text.png").write_text("this is not a picture\n")
    Image.new("RGB", (120, 120), RED).save(d / "oversized.png")
    (d / "notes.txt").write_text("not an image extension: ignored, not counted")
    for name in ("truncated.png", "truncated.jpg", "empty.png", "text.png", "oversized.png"):
        expect[name] = None
    return d, expect


def test_finds_image_files_recursively(odd_folder):
    folder, expect = odd_folder
    found = [p.relative_to(folder).as_posix() for p in find_images(folder)]
    assert sorted(found) == sorted(expect)  # notes.txt is not a candidate


def test_odd_files_decode_or_skip_with_reasons(odd_folder, caplog):
    folder, expect = odd_folder
    with caplog.at_level(logging.WARNING, logger="keras_anime_cyclegan.data"):
        decoded = decode_files(find_images(folder), lambda im: resize_square(im, 8), max_pixels=LIMIT, desc="odd")
    kept = {p.relative_to(folder).as_posix() for p in decoded.paths}
    assert kept == {name for name, e in expect.items() if e is not None}
    assert {p.name for p, _ in decoded.skipped} == {"truncated.png", "truncated.jpg", "empty.png", "text.png", "oversized.png"}
    assert decoded.images.shape == (len(kept), 8, 8, 3) and decoded.images.dtype == np.uint8

    reasons = {p.name: r for p, r in decoded.skipped}
    assert "0 bytes" in reasons["empty.png"]
    assert "not an image" in reasons["text.png"]
    assert "truncated" in reasons["truncated.png"] and "truncated" in reasons["truncated.jpg"]
    assert "14,400 pixels exceeds the limit of 10,000" in reasons["oversized.png"]
    for name in reasons:  # every skip is a warning naming the file and why
        assert any(name in r.getMessage() and "skipped" in r.getMessage() for r in caplog.records)
    assert any("skipped 5 of 15 files" in r.getMessage() for r in caplog.records)

    for path, image in zip(decoded.paths, decoded.images):
        want = expect[path.relative_to(folder).as_posix()]
        if isinstance(want, str):  # the EXIF-rotated one
            assert np.abs(image[1, 4].astype(int) - RED).max() < 40, image[1, 4]
            assert np.abs(image[6, 4].astype(int) - BLUE).max() < 40, image[6, 4]
            continue
        left, right = want
        assert np.abs(image[4, 1].astype(int) - left).max() < 12, (path.name, image[4, 1], left)
        assert np.abs(image[4, 6].astype(int) - right).max() < 12, (path.name, image[4, 6], right)


def test_exif_rotation_changes_shape(odd_folder):
    folder, _ = odd_folder
    image = decode_image(folder / "nested" / "deeper" / "exif.jpg")
    assert image.shape == (16, 8, 3)  # stored 16 wide x 8 high, shown upright


def test_decompression_bomb_refused_from_its_header(tmp_path):
    # A 30000 x 30000 PNG header with almost no data: refused unread, by the
    # default limit, without allocating 2.7 GB.
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_bytes(30000, 30000, 2, 8, b"\x00" * 10))
    with pytest.raises(UnreadableImage, match="decompression bomb"):
        decode_image(bomb)


def test_folder_pipeline_survives_bad_files(odd_folder):
    folder, _ = odd_folder
    data = unpaired.unpaired_training_data(folder, folder, image_size=8, batch_size=2, max_pixels=LIMIT)
    assert data.steps_per_epoch == 5  # 10 good images per domain, batch 2
    batches = list(data.epoch(0)) + list(data.epoch(1))
    for sketches, colours in batches:
        assert sketches.shape == colours.shape == (2, 8, 8, 3)


def test_missing_and_undecodable_folders_are_one_line_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such folder"):
        unpaired.unpaired_dataset("synthesize", tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no PNG, JPEG"):
        unpaired.unpaired_dataset("synthesize", tmp_path / "empty")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.png").write_text("no")
    with pytest.raises(ValueError, match="none of its 1 image files could be decoded"):
        unpaired.unpaired_dataset("synthesize", tmp_path / "bad")


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    d = tmp_path_factory.mktemp("domains")
    write_synthetic_folder(d / "colors" / "a", 5, 40, seed=1)
    write_synthetic_folder(d / "colors" / "b", 4, 48, seed=2)
    write_synthetic_folder(d / "sketches", 6, 40, seed=3, lines=True)
    return d


def test_unpaired_batches_and_samples(folders):
    data = unpaired.unpaired_training_data(
        folders / "sketches", folders / "colors", image_size=16, batch_size=2, held_out=1, seed=3
    )
    assert data.steps_per_epoch == (9 - 1) // 2  # the longer domain (colours) sets the epoch
    epoch = list(data.dataset)
    assert len(epoch) == data.steps_per_epoch
    for x, y in epoch:
        assert x.shape == y.shape == (2, 16, 16, 3) and x.dtype.name == "float32"
        assert -1.0 <= float(np.min(x)) and float(np.max(y)) <= 1.0
    assert data.sample_sketches.shape == data.sample_colors.shape == (1, 16, 16, 3)
    # Seeded: a new pipeline with the same seed gives the same first epoch,
    # whatever TensorFlow's global seed; the next epoch gives new crops and order.
    import tensorflow as tf

    tf.random.set_seed(1234)
    again = unpaired.unpaired_training_data(
        folders / "sketches", folders / "colors", image_size=16, batch_size=2, held_out=1, seed=3
    )
    first = np.concatenate([np.asarray(x) for x, _ in epoch])
    np.testing.assert_array_equal(first, np.concatenate([np.asarray(x) for x, _ in again.dataset]))
    second = np.concatenate([np.asarray(x) for x, _ in data.epoch(1)])
    assert not np.array_equal(first, second)
    # A resumed run's stream (from batch `start`) is the uninterrupted one's continuation.
    endless = [np.asarray(x) for x, _ in data.batches(0).take(3 * data.steps_per_epoch)]
    np.testing.assert_array_equal(np.concatenate(endless[data.steps_per_epoch : 2 * data.steps_per_epoch]), second)
    np.testing.assert_array_equal(endless[7], np.asarray(next(iter(data.batches(7)))[0]))


def test_stream_visits_every_picture_once_per_pass_in_new_orders():
    from keras_anime_cyclegan.data.sampling import element_generator, stream_index

    indices = [stream_index(5, seed=9, k=k) for k in range(15)]
    passes = [indices[0:5], indices[5:10], indices[10:15]]
    assert all(sorted(p) == [0, 1, 2, 3, 4] for p in passes)
    assert len({tuple(p) for p in passes}) > 1, "each pass its own order"
    draws = [element_generator(9, k).uniform() for k in range(15)]
    assert len(set(draws)) == 15, "one generator per element"
    # Element k's picture and decisions depend on (seed, k) alone: a stream
    # started at 7 (a resumed run) continues the one started at 0.
    assert [stream_index(5, 9, k) for k in (7, 8, 9)] == indices[7:10]
    assert element_generator(9, 7).uniform() == draws[7]


def test_augmentation_is_crop_and_flip_of_the_load_size(folders):
    (folders / "one").mkdir(exist_ok=True)
    gradient = np.tile(np.linspace(0, 255, 36).astype(np.uint8)[None, :, None], (36, 1, 3))
    Image.fromarray(gradient).save(folders / "one" / "g.png")  # 36 = load size for 32
    ds = unpaired.unpaired_dataset(folders / "one", folders / "one", image_size=32, batch_size=1, seed=0)
    rows = [np.asarray(x)[0, 0, :, 0] for x, _ in ds.take(6)]
    for row in rows:  # a 32-wide window of the ramp, maybe mirrored
        increasing = row if row[0] < row[-1] else row[::-1]
        assert np.all(np.diff(increasing) > 0)
    starts = {round(float(min(r[0], r[-1])), 3) for r in rows}
    assert len(starts) > 1, "crops move"
    assert any(r[0] > r[-1] for r in rows) and any(r[0] < r[-1] for r in rows), "flips happen"


def test_synthesize_uses_a_disjoint_part_of_the_colours(folders, monkeypatch):
    seen = {}
    real_domain = unpaired.domain_source

    def spy(store, rows, *args):
        seen.setdefault("rows", []).append(set(np.asarray(rows).tolist()))
        return real_domain(store, rows, *args)

    monkeypatch.setattr(unpaired, "domain_source", spy)
    data = unpaired.unpaired_training_data("synthesize", folders / "colors", image_size=32, batch_size=1, held_out=1)
    sketches = np.concatenate([np.asarray(x) for x, _ in data.dataset])
    sketch_rows, colour_rows = seen["rows"]
    assert sketch_rows.isdisjoint(colour_rows)
    assert len(sketch_rows) + len(colour_rows) == 9 - 2  # 9 colours, one held out per domain
    assert (sketches > 0.5).mean() > 0.6, "sketches are mostly white paper"
    np.testing.assert_array_equal(sketches[..., 0], sketches[..., 1])
    assert (data.sample_sketches > 0.5).mean() > 0.6


def test_kaggle_pairs_split_halves(tmp_path):
    assert [a.shape for a in store.split_kaggle_pair(np.zeros((4, 11, 3)))] == [(4, 5, 3), (4, 5, 3)]
    for i, tint in enumerate([(200, 30, 30), (30, 30, 200)]):
        pair = np.full((40, 80, 3), 255, np.uint8)
        pair[:, :40] = tint  # colour on the left
        pair[18:22, 45:75] = 0  # a black stroke on the white sketch on the right
        Image.fromarray(pair).save(tmp_path / f"{i}.png")
    sketches, colours = next(iter(paired.kaggle_pair_dataset(tmp_path, image_size=32, batch_size=2)))
    sketches, colours = np.asarray(sketches), np.asarray(colours)
    assert sketches.shape == colours.shape == (2, 32, 32, 3)
    np.testing.assert_allclose(colours[0, 16, 16], np.array([200, 30, 30]) / 127.5 - 1, atol=0.02)
    np.testing.assert_allclose(colours[1, 16, 16], np.array([30, 30, 200]) / 127.5 - 1, atol=0.02)
    assert colours.std(axis=(1, 2)).max() < 0.02, "no sketch pixel bleeds into the colour half"
    assert sketches[:, 16, 16].max() < -0.9 and sketches[:, 4, 16].min() > 0.95  # stroke in the middle, paper above


def test_paired_folders_match_names(tmp_path):
    for sub, shade in (("s", 60), ("c", 200)):
        (tmp_path / sub / "x").mkdir(parents=True)
    Image.new("RGB", (24, 24), (60, 60, 60)).save(tmp_path / "s" / "x" / "one.png")
    Image.new("RGB", (24, 24), RED).save(tmp_path / "c" / "x" / "one.jpg", quality=95)  # other extension
    Image.new("RGB", (24, 24), (10, 10, 10)).save(tmp_path / "s" / "two.png")
    Image.new("RGB", (24, 24), BLUE).save(tmp_path / "c" / "two.png")
    Image.new("RGB", (24, 24), GREEN).save(tmp_path / "c" / "unmatched.png")
    ds = paired.paired_dataset(tmp_path / "s", tmp_path / "c", image_size=16, batch_size=4, augment=True)
    sketches, colours = (np.asarray(t) for t in next(iter(ds)))
    assert len(sketches) == 2
    by_sketch = {round(float(s[0, 0, 0]), 1): c[0, 0] for s, c in zip(sketches, colours)}
    np.testing.assert_allclose(by_sketch[round(10 / 127.5 - 1, 1)], np.array(BLUE) / 127.5 - 1, atol=0.02)
    np.testing.assert_allclose(by_sketch[round(60 / 127.5 - 1, 1)], np.array(RED) / 127.5 - 1, atol=0.05)


def test_cache_reuses_decoded_store(folders, tmp_path):
    a = store.decode_folder(folders / "colors", 12, cache=tmp_path / "cache")
    files = sorted(p.name for p in (tmp_path / "cache").iterdir())
    assert len(files) == 2 and files[0].endswith(".json") and files[1].endswith(".npy")
    b = store.decode_folder(folders / "colors", 12, cache=tmp_path / "cache")
    assert isinstance(b.images, np.memmap)
    np.testing.assert_array_equal(a.images, b.images)
    assert b.paths == a.paths


def test_kac_train_on_folders_end_to_end(folders, tmp_path):
    from tests.helpers import tiny_config

    config = tiny_config(batch_size=2, epochs=1).to_dict()
    config["data"].update(demo=False, held_out=1)
    (tmp_path / "cfg.json").write_text(json.dumps(config))
    out = tmp_path / "run"
    rc = kac(
        ["train", "--config", str(tmp_path / "cfg.json"), "--sketches", str(folders / "sketches"),
         "--colors", str(folders / "colors"), "--out", str(out), "--steps-per-epoch", "2"]
    )
    assert rc == 0
    saved = json.loads((out / "config.json").read_text())
    assert saved["data"]["sketches"] == str(folders / "sketches") and saved["data"]["held_out"] == 1
    for name in ("checkpoints/last.npz", "samples/epoch_0001.png", "generator_g.keras", "generator_f.keras", "contact_sheet.png"):
        assert (out / name).is_file(), name
    sheet = np.asarray(Image.open(out / "contact_sheet.png"))
    assert sheet.shape[0] == 32  # one held-out row of 32 x 32 images


def test_kac_synth_sketches_keeps_relative_paths(folders, tmp_path, capsys):
    src = tmp_path / "in"
    write_synthetic_folder(src / "deep" / "er", 2, 40, seed=5)
    (src / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    out = tmp_path / "out"
    rc = kac(["synth-sketches", "--input", str(src), "--output", str(out), "--style", "random", "--size", "32"])
    assert rc == 1  # one file skipped
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.png"))
    assert written == ["deep/er/synthetic_5_0000.png", "deep/er/synthetic_5_0001.png"]
    image = np.asarray(Image.open(out / written[0]))
    assert image.shape == (32, 32) and (image > 200).mean() > 0.6
    err = capsys.readouterr().err
    assert "broken.png" in err and "skipped" in err
    assert kac(["synth-sketches", "--input", str(tmp_path / "nowhere"), "--output", str(out)]) == 2


def _screen(raw: str) -> list[str]:
    """The lines a terminal shows for `raw`: a carriage return goes back to the
    line's start and what follows overwrites it (ANSI escapes dropped)."""
    import re

    shown = []
    for line in re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", raw.replace("\r\n", "\n")).split("\n"):
        screen = ""
        for part in line.split("\r"):
            screen = part + screen[len(part) :]
        shown.append(screen.rstrip())
    return shown


def test_skipped_files_print_above_the_progress_bar_not_into_it(tmp_path):
    """In a terminal the bar redraws itself with carriage returns; a warning
    written beside it would land on the bar's line ("decoding: 33%|...skipped")."""
    import fcntl
    import os
    import pty
    import subprocess
    import sys
    import termios

    Image.new("RGB", (8, 8), RED).save(tmp_path / "a.png")
    (tmp_path / "b.png").write_text("not a picture")
    Image.new("RGB", (8, 8), BLUE).save(tmp_path / "c.png")
    code = (
        "from pathlib import Path\n"
        "from keras_anime_cyclegan.data.decode import decode_files, find_images, resize_square\n"
        f"decode_files(find_images(Path({str(tmp_path)!r})), lambda im: resize_square(im, 8), desc='decoding', workers=1)\n"
    )
    leader, follower = pty.openpty()  # a terminal, so that tqdm draws its bar
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # 100 columns wide
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=follower, stderr=follower)
    os.close(follower)
    raw = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        raw += chunk
    os.close(leader)
    assert proc.wait(timeout=60) == 0, raw.decode(errors="replace")
    shown = _screen(raw.decode(errors="replace"))
    assert any("decoding:" in line and "|" in line for line in shown), shown  # the bar was drawn
    warnings = [line for line in shown if "b.png" in line]
    assert warnings and all(line.startswith("skipped") for line in warnings), shown
