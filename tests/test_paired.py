"""The paired (supervised L1) and hybrid objectives, and aligned training data."""

import dataclasses

import keras
import numpy as np
import pytest
from PIL import Image

from keras_anime_cyclegan.config import DataConfig, LossConfig
from keras_anime_cyclegan.training.run import build_model
from tests.helpers import random_images, tiny_config


def _batch(seed=0):
    x = random_images(2, 32, 32, seed)
    return keras.ops.convert_to_tensor(x), keras.ops.convert_to_tensor(np.tanh(2 * x[..., ::-1]))


def test_paired_weight_zero_is_the_unpaired_objective():
    keras.utils.set_random_seed(0)
    model = build_model(tiny_config())
    x, y = _batch()
    terms = {k: float(v) for k, v in model.compute_losses(x, y).items()}
    assert terms["paired_x"] == 0 and terms["paired_y"] == 0
    expected = terms["G_adv"] + terms["F_adv"] + 10 * (terms["cycle_x"] + terms["cycle_y"]) + 5 * (terms["id_x"] + terms["id_y"])
    assert terms["gen_total"] == pytest.approx(expected, rel=1e-5)
    assert set(model.objectives(model.compute_losses(x, y))) == {"generators", "discriminators"}


def test_paired_only_training_lowers_the_paired_loss_and_leaves_discriminators_alone():
    config = tiny_config(
        loss=LossConfig(cycle_weight=0, identity_weight=0, adversarial_weight=0, paired_weight=10),
        data=dataclasses.replace(tiny_config().data, paired=True),
    )
    keras.utils.set_random_seed(0)
    model = build_model(config)
    x, y = _batch()
    before = float(model.compute_losses(x, y)["paired_y"])
    d_before = [w.numpy().copy() for w in model.discriminator_y.weights]
    history = model.fit(x=x, y=y, batch_size=2, epochs=30, verbose=0)
    after = float(model.compute_losses(x, y)["paired_y"])
    assert after < 0.85 * before
    assert history.history["G_adv"][-1] == 0 and history.history["cycle_x"][-1] == 0
    for a, b in zip(d_before, model.discriminator_y.weights):
        np.testing.assert_array_equal(a, b.numpy())


def test_paired_weight_needs_aligned_data():
    with pytest.raises(ValueError, match="data.paired"):
        tiny_config(loss=LossConfig(paired_weight=1.0))


def test_colour_mode_loss_prefers_a_likely_colour_to_the_average():
    """Four red, three blue and three green truths: L1 is lowest at the
    channels' median (near black: the wash), the colour-mode loss at one
    of the three colours, and any of them beats every in-between colour."""
    from keras_anime_cyclegan.training.losses import colour_mode_loss, paired_loss

    red, blue, green = (1, -1, -1), (-1, -1, 1), (-1, 1, -1)
    truth = np.concatenate([np.broadcast_to(np.float32(c), (n, 8, 8, 3)) for c, n in ((red, 4), (blue, 3), (green, 3))])
    candidates = {
        "red": red, "blue": blue, "green": green, "mean": tuple(truth.mean((0, 1, 2))),
        "median": tuple(np.median(truth, (0, 1, 2))), "grey": (0, 0, 0),
    }

    def loss(fn, colour):
        return float(fn(truth, np.broadcast_to(np.float32(colour), truth.shape)))

    mode = {name: loss(colour_mode_loss, c) for name, c in candidates.items()}
    l1 = {name: loss(paired_loss, c) for name, c in candidates.items()}
    assert min(l1, key=l1.get) == "median"
    assert max(mode[c] for c in ("red", "blue", "green")) < min(mode[c] for c in ("mean", "median", "grey"))
    # Rare colours weigh more: the three modes cost nearly the same (0.4 x w(0.4) ~ 0.3 x w(0.3)).
    assert abs(mode["red"] - mode["blue"]) < 0.01


def test_colour_mode_training_logs_its_term_and_needs_aligned_data():
    with pytest.raises(ValueError, match="colour_mode_weight needs aligned"):
        tiny_config(loss=LossConfig(colour_mode_weight=1.0))
    config = tiny_config(
        loss=LossConfig(paired_weight=10, colour_mode_weight=5), data=dataclasses.replace(tiny_config().data, paired=True)
    )
    keras.utils.set_random_seed(0)
    model = build_model(config)
    x, y = _batch()
    terms = {k: float(v) for k, v in model.compute_losses(x, y).items()}
    assert 0 < terms["mode_y"] <= 1
    expected = (terms["G_adv"] + terms["F_adv"] + 10 * (terms["cycle_x"] + terms["cycle_y"])
                + 5 * (terms["id_x"] + terms["id_y"]) + 10 * (terms["paired_x"] + terms["paired_y"]) + 5 * terms["mode_y"])
    assert terms["gen_total"] == pytest.approx(expected, rel=1e-5)


def test_paired_training_data_crops_and_flips_both_sides_alike(tmp_path):
    from keras_anime_cyclegan.data.paired import paired_training_data

    rng = np.random.default_rng(0)
    for side in ("lines", "colors"):
        (tmp_path / side).mkdir()
    for i in range(6):
        picture = rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)
        Image.fromarray(picture).save(tmp_path / "colors" / f"p{i}.png")
        Image.fromarray(picture).save(tmp_path / "lines" / f"p{i}.png")  # the "line art" is the picture itself
    Image.fromarray(picture).save(tmp_path / "lines" / "orphan.png")
    data = paired_training_data(tmp_path / "lines", tmp_path / "colors", image_size=32, batch_size=2, held_out=2)
    assert data.steps_per_epoch == 2 and len(data.sample_sketches) == 2
    for sketch, colour in data.dataset:
        np.testing.assert_array_equal(sketch.numpy(), colour.numpy())
    synth = paired_training_data(tmp_path / "lines", tmp_path / "colors", image_size=32, batch_size=2,
                                 synthesized_sketches=1.0)
    sketch, colour = next(iter(synth.dataset))
    assert not np.array_equal(sketch.numpy(), colour.numpy())
    assert np.allclose(sketch.numpy()[..., 0], sketch.numpy()[..., 1])  # drawn sketches are grey


def test_unlined_colour_pictures_join_the_pairs_with_drawn_sketches(tmp_path):
    from keras_anime_cyclegan.data.paired import paired_training_data

    rng = np.random.default_rng(1)
    for side in ("lines", "colors", "unlined"):
        (tmp_path / side).mkdir()
    for i in range(2):
        picture = rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)
        Image.fromarray(picture).save(tmp_path / "colors" / f"p{i}.png")
        Image.fromarray(picture).save(tmp_path / "lines" / f"p{i}.png")  # "line art" = the picture: sketch == colour
    for i in range(4):
        Image.fromarray(rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)).save(tmp_path / "unlined" / f"u{i}.png")
    data = paired_training_data(tmp_path / "lines", tmp_path / "colors", image_size=32, batch_size=2,
                                unlined_colors=tmp_path / "unlined", pipeline="numpy")
    assert data.steps_per_epoch == 3  # (2 pairs + 4 unlined) / 2
    kinds = set()
    for (sketch, colour), _ in zip(data.dataset, range(6)):
        for s, c in zip(np.asarray(sketch), np.asarray(colour)):
            if np.array_equal(s, c):
                kinds.add("pair")  # the artist's side, untouched (no synthesised share asked for)
            else:
                assert np.allclose(s[..., 0], s[..., 1]), "an unlined picture's sketch is drawn from it (grey)"
                kinds.add("unlined")
    assert kinds == {"pair", "unlined"}


def test_an_unlined_crop_with_nothing_to_draw_is_replaced(tmp_path):
    """A smooth gradient without line art would be drawn as a blank sketch, a constant input whose
    gradients instance normalisation blows up (it stopped a training run with NaN): the stream takes the
    next picture instead."""
    from keras_anime_cyclegan.data.paired import has_edges, paired_training_data

    (tmp_path / "colors").mkdir()
    (tmp_path / "lines").mkdir()
    (tmp_path / "unlined").mkdir()
    yy, xx = np.mgrid[:40, :40]
    gradient = np.stack([xx * 6, yy * 6, 255 - xx * 3], -1).astype(np.uint8)  # steps of 6 levels at most
    assert not has_edges(gradient)
    Image.fromarray(gradient).save(tmp_path / "unlined" / "gradient.png")
    disc = np.full((40, 40, 3), 255, np.uint8)
    disc[(yy - 20) ** 2 + (xx - 20) ** 2 < 150] = (200, 40, 40)
    assert has_edges(disc)
    for side in ("colors", "lines"):
        for i in range(2):
            Image.fromarray(np.roll(disc, 3 * i, axis=1)).save(tmp_path / side / f"disc{i}.png")
    data = paired_training_data(tmp_path / "lines", tmp_path / "colors", image_size=32, batch_size=1,
                                unlined_colors=tmp_path / "unlined", pipeline="numpy")
    for (sketch, colour), _ in zip(data.batches(0), range(12)):
        for s in np.asarray(sketch):
            assert s.max() - s.min() > 0.5, "a blank sketch reached training"


def test_with_real_sketches_g_colours_the_degraded_sketch_and_f_learns_the_clean_lines():
    """The batch's sketch carries the clean lines after the degraded one (and the hints): G's input is the
    degraded sketch, F's paired target the clean lines; moving the clean lines moves only F's terms."""
    config = tiny_config(loss=LossConfig(paired_weight=10), data=dataclasses.replace(tiny_config().data, paired=True))
    keras.utils.set_random_seed(0)
    model = build_model(config)
    rng = np.random.default_rng(0)
    size = config.image_size
    degraded = rng.uniform(-1, 1, (2, size, size, 3)).astype("float32")
    clean = rng.uniform(-1, 1, (2, size, size, 3)).astype("float32")
    colour = rng.uniform(-1, 1, (2, size, size, 3)).astype("float32")
    both = model.compute_losses(keras.ops.convert_to_tensor(np.concatenate([degraded, clean], -1)), colour)
    alone = model.compute_losses(keras.ops.convert_to_tensor(degraded), colour)
    other = model.compute_losses(keras.ops.convert_to_tensor(np.concatenate([degraded, -clean], -1)), colour)
    assert float(both["paired_y"]) == pytest.approx(float(alone["paired_y"]))  # G saw the same input
    f_target = float(keras.ops.mean(keras.ops.abs(model.generator_f(colour, training=False) - clean)))
    assert float(both["paired_x"]) == pytest.approx(f_target, rel=1e-5)
    assert float(other["paired_x"]) != pytest.approx(float(both["paired_x"]))


def _chroma_config(**loss):
    generator = dataclasses.replace(tiny_config().generator, chroma_bins=9)
    return tiny_config(
        generator=generator,
        loss=LossConfig(paired_weight=10, **loss),
        data=dataclasses.replace(tiny_config().data, paired=True),
    )


def test_chroma_decode_gives_the_scored_cell_s_colour_on_the_head_s_luma():
    """Logits peaked on one cell decode to that cell's (Cb, Cr) at every
    pixel where it fits, and the luma is the head's. Peaks 60 logits high leave the other
    cells exp(-60 / 0.38) of the weight (nothing in float32); what remains
    is float32 rounding of a few multiply-adds of numbers under 2 (about
    1e-6), so 1e-5 is the tolerance."""
    from keras_anime_cyclegan.models.layers import ChromaDecode, chroma_bin_centres, luma, rgb_to_chroma

    centres = chroma_bin_centres(9)
    offsets = np.stack([centres @ np.float32(m) for m in ((0, 1.402), (-0.344136, -0.714136), (1.772, 0))], -1)
    # Cells whose colour at mid-grey luma is inside the RGB cube (no clipping).
    inside = np.flatnonzero(((0.5 + offsets) >= 0).all(-1) & ((0.5 + offsets) <= 1).all(-1))
    assert len(inside) >= 10 and len(centres) == len(chroma_bin_centres(9))
    rgb = np.zeros((len(inside), 8, 8, 3), np.float32)  # luma 0.5 in [0, 1]
    logits = np.zeros((len(inside), 2, 2, len(centres)), np.float32)
    logits[np.arange(len(inside)), :, :, inside] = 60.0
    out = keras.ops.convert_to_numpy(ChromaDecode(9, factor=4)([rgb, logits]))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(rgb_to_chroma(out)),
                               np.broadcast_to(centres[inside][:, None, None], (len(inside), 8, 8, 2)), atol=1e-5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(luma(out)), 0.0, atol=1e-5)
    # On black and white the same scores give black and white (the chroma scaled to fit the
    # RGB cube, not clipped channel by channel into a tint); between them the hue is kept.
    for level in (-1.0, 1.0):
        ends = keras.ops.convert_to_numpy(ChromaDecode(9, factor=4)([np.full_like(rgb, level), logits]))
        np.testing.assert_allclose(ends, level, atol=1e-5)
    dark = keras.ops.convert_to_numpy(ChromaDecode(9, factor=4)([np.full_like(rgb, -0.8), logits]))
    dark_chroma = keras.ops.convert_to_numpy(rgb_to_chroma(dark))
    full = np.broadcast_to(centres[inside][:, None, None], dark_chroma.shape)
    assert (dark.min() >= -1) and (dark.max() <= 1)
    coloured = (full * full).sum(-1) > 0  # the grey cell has no direction to keep
    share = (dark_chroma * full).sum(-1)[coloured] / (full * full).sum(-1)[coloured]  # along the cell's own direction
    np.testing.assert_allclose(dark_chroma[coloured], share[:, None] * full[coloured], atol=1e-5)
    assert (share > 0).all() and (share <= 1 + 1e-5).all()


def test_chroma_class_loss_is_lowest_on_the_truth_s_cell_and_weighs_rare_colours_up():
    """Nine tenths white paper and one tenth red: scoring the truth's cells
    beats a uniform guess, and getting the red tenth wrong costs more than
    getting as many white pixels wrong (the rebalancing)."""
    from keras_anime_cyclegan.models.layers import chroma_bin_centres, rgb_to_chroma
    from keras_anime_cyclegan.training.losses import chroma_class_loss

    truth = np.ones((1, 40, 40, 3), np.float32)
    truth[:, :4] = (1, -1, -1)  # the top tenth red
    centres = chroma_bin_centres(9)
    chroma = keras.ops.convert_to_numpy(rgb_to_chroma(truth[:, ::4, ::4]))
    nearest = np.argmin(((chroma[..., None, :] - centres) ** 2).sum(-1), -1)
    right = 8.0 * np.eye(len(centres), dtype=np.float32)[nearest]
    white, red = nearest[0, -1, -1], nearest[0, 0, 0]
    wrong_red, wrong_white = right.copy(), right.copy()
    wrong_red[:, :1] = 8.0 * np.eye(len(centres), dtype=np.float32)[white]  # the red row scored white
    wrong_white[:, 1:2] = 8.0 * np.eye(len(centres), dtype=np.float32)[red]  # as many white pixels scored red

    def loss(logits):
        return float(chroma_class_loss(truth, logits, 9))

    assert loss(right) < loss(np.zeros_like(right))
    assert loss(wrong_red) > loss(wrong_white) > loss(right)


def test_a_g_with_chroma_scores_trains_its_colour_as_a_class_and_its_luma_by_l1():
    """With the class loss, G's paired L1 sees luma only: two truths of one
    luma and other colours give the same L1 and different class terms; the
    term enters gen_total with its weight and is logged, and a run without
    chroma scores logs no such column."""
    from keras_anime_cyclegan.models.layers import luma

    with pytest.raises(ValueError, match="chroma_class_weight needs generator.chroma_bins"):
        tiny_config(loss=LossConfig(paired_weight=10, chroma_class_weight=1),
                    data=dataclasses.replace(tiny_config().data, paired=True))
    keras.utils.set_random_seed(0)
    model = build_model(_chroma_config(chroma_class_weight=2))
    x, y = _batch()
    grey = np.repeat(keras.ops.convert_to_numpy(luma(y)), 3, axis=-1)  # same luma, no colour
    terms = {k: float(v) for k, v in model.compute_losses(x, y).items()}
    grey_terms = {k: float(v) for k, v in model.compute_losses(x, keras.ops.convert_to_tensor(grey)).items()}
    assert terms["paired_y"] == pytest.approx(grey_terms["paired_y"], rel=1e-5)
    assert terms["chroma_y"] > 0 and abs(terms["chroma_y"] - grey_terms["chroma_y"]) > 0.01
    expected = (terms["G_adv"] + terms["F_adv"] + 10 * (terms["cycle_x"] + terms["cycle_y"])
                + 5 * (terms["id_x"] + terms["id_y"]) + 10 * (terms["paired_x"] + terms["paired_y"]) + 2 * terms["chroma_y"])
    assert terms["gen_total"] == pytest.approx(expected, rel=1e-5)
    history = model.fit(x=x, y=y, batch_size=2, epochs=3, verbose=0)
    assert history.history["chroma_y"][-1] < history.history["chroma_y"][0]
    assert "chroma_y" not in build_model(tiny_config()).compute_losses(x, y)


def test_stacked_stores_read_as_their_concatenation_without_copying(tmp_path):
    """The unlined pictures join the pairs' colour store row by row: the same rows as
    np.concatenate, each still read from its memory map (no copy of the stores in RAM)."""
    from keras_anime_cyclegan.data.store import StackedStores

    rng = np.random.default_rng(0)
    parts = []
    for i, n in enumerate((3, 5)):
        m = np.lib.format.open_memmap(tmp_path / f"s{i}.npy", "w+", np.uint8, (n, 4, 4, 3))
        m[:] = rng.integers(0, 256, m.shape, dtype=np.uint8)
        parts.append(m)
    stacked, together = StackedStores(*parts), np.concatenate(parts)
    assert stacked.shape == together.shape and len(stacked) == 8
    for row in range(8):
        np.testing.assert_array_equal(stacked[row], together[row])
        assert isinstance(stacked[row], np.memmap)
    with pytest.raises(IndexError):
        stacked[8]
    with pytest.raises(ValueError, match="different picture shapes"):
        StackedStores(parts[0], np.zeros((2, 5, 5, 3), np.uint8))
