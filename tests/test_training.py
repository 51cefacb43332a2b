"""CycleGAN training: learning signal, image pool, resume, NaN guard, checkpoints."""

import json

import keras
import numpy as np
import pytest

from keras_anime_cyclegan.config import ExperimentConfig
from keras_anime_cyclegan.data.synthetic import synthetic_images
from keras_anime_cyclegan.artifacts import checkpoint as ckpt_module
from keras_anime_cyclegan.training.callbacks import NonFiniteLossError
from keras_anime_cyclegan.artifacts.checkpoint import load_checkpoint, save_checkpoint
from keras_anime_cyclegan.training.image_pool import ImagePool
from keras_anime_cyclegan.artifacts.layout import CHECKPOINT
from keras_anime_cyclegan.training.run import build_model, train
from keras_anime_cyclegan.training.schedules import ConstantThenLinearDecay
from keras_anime_cyclegan.utils.images import to_float
from tests.helpers import tiny_config


def _cycle_loss(model, x, y):
    cx = model.generator_f(model.generator_g(x))
    cy = model.generator_g(model.generator_f(y))
    return float(keras.ops.mean(keras.ops.abs(cx - x)) + keras.ops.mean(keras.ops.abs(cy - y)))


def test_thirty_steps_lower_the_cycle_loss():
    import tensorflow as tf

    keras.utils.set_random_seed(1)
    config = tiny_config(batch_size=2)
    colors, lines = synthetic_images(4, 32, seed=5)
    x, y = to_float(lines[:2]), to_float(colors[2:])
    model = build_model(config)
    before = _cycle_loss(model, x, y)
    ds = tf.data.Dataset.from_tensors((x, y)).repeat(30)
    history = model.fit(ds, epochs=1, verbose=0)
    after = _cycle_loss(model, x, y)
    assert after < 0.8 * before, f"cycle loss {before:.3f} -> {after:.3f}: no learning signal"
    for name in ("G_adv", "F_adv", "cycle_x", "cycle_y", "id_x", "id_y", "gen_total", "D_X", "D_Y"):
        assert name in history.history, f"{name} missing from fit's metrics"
    assert int(model.optimizer.iterations) == 30


def test_identity_weight_zero_turns_identity_loss_off():
    import dataclasses

    config = tiny_config()
    config = dataclasses.replace(config, loss=dataclasses.replace(config.loss, identity_weight=0.0))
    model = build_model(config)
    x = to_float(synthetic_images(2, 32, seed=1)[1])
    terms = model.compute_losses(x, x)
    assert float(terms["id_x"]) == 0.0
    expected = (
        float(terms["G_adv"]) + float(terms["F_adv"]) + 10.0 * (float(terms["cycle_x"]) + float(terms["cycle_y"]))
    )
    assert float(terms["gen_total"]) == pytest.approx(expected, rel=1e-5)


def test_pool_returns_stored_images_half_the_time_once_full():
    pool = ImagePool(pool_size=10, seed=0)
    pool.build((2, 4, 4, 3))
    # Fill with images whose value is their id (1..10): all returned as is.
    for i in range(5):
        batch = np.stack([np.full((4, 4, 3), 2 * i + 1.0), np.full((4, 4, 3), 2 * i + 2.0)]).astype("float32")
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(pool(batch)), batch)
    assert int(pool.count.value) == 10
    stored, total = 0, 0
    for step in range(300):
        new = np.full((2, 4, 4, 3), -1.0 - step, "float32")  # never seen before
        out = keras.ops.convert_to_numpy(pool(new))
        for k in range(2):
            total += 1
            if out[k, 0, 0, 0] != new[k, 0, 0, 0]:
                stored += 1
                assert np.all(out[k] == out[k, 0, 0, 0]), "a stored image comes back whole"
    frac = stored / total
    assert 0.43 < frac < 0.57, f"pool returned stored images {frac:.2%} of the time, expected 50%"


def test_schedule_is_constant_then_linear_to_zero():
    s = ConstantThenLinearDecay(2e-4, constant_steps=100, total_steps=200)
    assert float(s(0)) == pytest.approx(2e-4)
    assert float(s(100)) == pytest.approx(2e-4)
    assert float(s(150)) == pytest.approx(1e-4)
    assert float(s(200)) == pytest.approx(0.0)
    assert float(s(250)) == pytest.approx(0.0)


class _Recorder(keras.callbacks.Callback):
    """Snapshots iterations and weights at epoch ends and at train begin."""

    def __init__(self, stop_at_epoch=None):
        super().__init__()
        self.stop_at_epoch = stop_at_epoch
        self.snapshots = {}

    def _snap(self):
        m = self.model
        return {
            "iterations": int(m.optimizer.iterations),
            "weights": [w.numpy().copy() for w in m.generator_g.weights + m.discriminator_y.weights],
            "adam": [v.numpy().copy() for v in ckpt_module.optimizer_state_by_network(m)["generator_f"]],
            "pool": [v.numpy().copy() for v in m.pool_x.variables],
        }

    def on_train_begin(self, logs=None):
        self.snapshots["begin"] = self._snap()

    def on_epoch_end(self, epoch, logs=None):
        self.snapshots[epoch + 1] = self._snap()

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.stop_at_epoch:
            raise KeyboardInterrupt("simulated kill")


def test_resume_restores_epoch_iterations_weights_and_pool_exactly(tmp_path):
    run = tmp_path / "run"
    first = _Recorder(stop_at_epoch=1)
    with pytest.raises(KeyboardInterrupt):
        train(tiny_config(epochs=3), run, callbacks=[first], verbose=0)
    assert json.loads((run / "config.json").read_text())["epochs"] == 3

    second = _Recorder()
    result = train(None, run, resume=True, callbacks=[second], verbose=0)
    assert result.initial_epoch == 1
    saved, restored = first.snapshots[1], second.snapshots["begin"]
    assert restored["iterations"] == saved["iterations"] == 2  # 4 images per domain / batch 2
    for key in ("weights", "adam", "pool"):
        for a, b in zip(saved[key], restored[key]):
            np.testing.assert_array_equal(a, b)
    assert sorted(k for k in second.snapshots if k != "begin") == [2, 3]
    assert (run / "samples" / "epoch_0003.png").exists()
    assert (run / "log.csv").read_text().count("\n") == 4  # header + epochs 1, 2, 3
    with pytest.raises(FileExistsError, match="already holds a run; resume it"):
        train(tiny_config(), run, verbose=0)


class _PoisonWeights(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        if self.epoch == 1 and batch == 1:
            w = self.model.generator_g.weights[0]
            w.assign(np.full(w.shape, np.nan, "float32"))


def test_non_finite_loss_stops_training_and_keeps_last_checkpoint(tmp_path):
    run = tmp_path / "run"
    with pytest.raises(NonFiniteLossError, match=r"epoch 2, step 2"):
        train(tiny_config(epochs=3), run, callbacks=[_PoisonWeights()], verbose=0)
    model = build_model(tiny_config(epochs=3))
    assert load_checkpoint(model, run / CHECKPOINT) == 1
    assert all(np.all(np.isfinite(w.numpy())) for w in model.generator_g.weights)


def test_checkpoint_write_interrupted_leaves_previous_loadable(tmp_path, monkeypatch):
    config = tiny_config()
    model = build_model(config)
    path = tmp_path / "last.npz"
    save_checkpoint(model, path, epoch=1)
    original = path.read_bytes()

    def dying_savez(f, **arrays):
        f.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(ckpt_module.np, "savez", dying_savez)
    with pytest.raises(OSError):
        save_checkpoint(model, path, epoch=2)
    monkeypatch.undo()
    assert path.read_bytes() == original
    assert load_checkpoint(build_model(config), path) == 1


def test_checkpoint_from_other_config_is_refused(tmp_path):
    import dataclasses

    model = build_model(tiny_config())
    save_checkpoint(model, tmp_path / "c.npz", 1)
    other = tiny_config()
    other = dataclasses.replace(other, generator=dataclasses.replace(other.generator, residual_blocks=2))
    with pytest.raises(ValueError, match="different config"):
        load_checkpoint(build_model(other), tmp_path / "c.npz")


def test_config_json_round_trip(tmp_path):
    config = tiny_config()
    config.save(tmp_path / "c.json")
    assert ExperimentConfig.load(tmp_path / "c.json") == config
    (tmp_path / "bad.json").write_text('{"image_size": 64, "colour": 1}')
    with pytest.raises(ValueError, match="bad.json"):
        ExperimentConfig.load(tmp_path / "bad.json")


def test_train_step_graph_has_no_host_round_trip():
    """The compiled step stays on the device: no Python callbacks or prints inside it (nested functions too)."""
    import tensorflow as tf

    model = build_model(tiny_config())
    x = tf.zeros((2, 32, 32, 3))
    graph_def = tf.function(model.train_step).get_concrete_function((x, x)).graph.as_graph_def()
    op_types = {node.op for node in graph_def.node}
    op_types |= {node.op for fn in graph_def.library.function for node in fn.node_def}
    assert "Conv2D" in op_types, "the step's convolutions are missing: it was not traced"
    assert not op_types & {"PyFunc", "EagerPyFunc", "PyFuncStateless", "PrintV2", "Print"}


def _four_adam_reference(model, batch, steps):
    """What one Adam per network (the layout before one optimizer) does with the same gradients."""
    import tensorflow as tf

    adams = {}
    for name in ckpt_module.NETWORKS:
        adams[name] = keras.optimizers.Adam(2e-4, beta_1=0.5, beta_2=0.999)
        adams[name].build(getattr(model, name).trainable_variables)
    for _ in range(steps):
        with tf.GradientTape(persistent=True) as tape:
            objectives = model.objectives(model.compute_losses(*batch))
        for group, objective in objectives.items():
            for name in model.groups[group]:
                variables = getattr(model, name).trainable_variables
                adams[name].apply_gradients(zip(tape.gradient(objective, variables), variables))
    return adams


def test_one_optimizer_updates_like_one_adam_per_network_and_loads_their_checkpoints(tmp_path):
    """Adam's state is per variable and all four networks step together, so
    one Adam over all four is the four Adams of old checkpoints, exactly."""
    colors, lines = synthetic_images(4, 32, seed=5)
    batch = to_float(lines[:2]), to_float(colors[2:])
    config = tiny_config(pool_size=0)  # no random pool choices between the two runs
    keras.utils.set_random_seed(4)
    reference = build_model(config)
    start = [w.numpy().copy() for w in reference.weights]
    adams = _four_adam_reference(reference, batch, steps=3)

    model = build_model(config)
    for w, value in zip(model.weights, start):
        w.assign(value)
    for _ in range(3):
        model.train_step(batch)
    for a, b in zip(reference.weights, model.weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-7, err_msg=b.path)
    ours = ckpt_module.optimizer_state_by_network(model)
    for name, adam in adams.items():
        theirs = [v for v in adam.variables if v.name != "learning_rate"]
        assert len(theirs) == len(ours[name])
        for a, b in zip(theirs, ours[name]):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-9)

    # A checkpoint as the four-Adam code wrote it: optimizer_<network>/i = that Adam's i-th variable.
    arrays = {"epoch": np.asarray(5)}
    for name, adam in adams.items():
        for i, w in enumerate(getattr(reference, name).weights):
            arrays[f"{name}/{i:04d}"] = w.numpy()
        for i, v in enumerate(v for v in adam.variables if v.name != "learning_rate"):
            arrays[f"optimizer_{name}/{i:04d}"] = v.numpy()
    for pool in ("pool_x", "pool_y"):
        for i, v in enumerate(getattr(reference, pool).variables):
            arrays[f"{pool}/{i:04d}"] = v.numpy()
    np.savez(tmp_path / "old.npz", **arrays)
    fresh = build_model(config)
    assert load_checkpoint(fresh, tmp_path / "old.npz") == 5
    assert int(fresh.optimizer.iterations) == 3
    model.train_step(batch)
    fresh.train_step(batch)
    for a, b in zip(model.weights, fresh.weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-7, err_msg=b.path)

    # Discriminators that joined a run later had fewer steps: G's count is the run's.
    arrays["optimizer_discriminator_y/0000"] = np.asarray(1, arrays["optimizer_generator_g/0000"].dtype)
    np.savez(tmp_path / "late_discriminators.npz", **arrays)
    load_checkpoint(fresh, tmp_path / "late_discriminators.npz")
    assert int(fresh.optimizer.iterations) == 3


def test_a_step_whose_gradients_overflow_is_dropped_not_applied():
    """A blank sketch made G's gradients overflow (instance normalisation on a constant input) and the
    weights NaN a step later: such a step is dropped; a finite one is applied."""
    import keras

    from keras_anime_cyclegan.training.run import build_model
    from tests.helpers import tiny_config

    model = build_model(tiny_config())
    before = [v.numpy().copy() for v in model.trainable_variables]
    grads = {group: [np.ones(v.shape, "float32") for v in model.group_variables(group)] for group in model.groups}
    first = model.group_variables("generators")[0]
    grads["generators"][0] = np.full(first.shape, 3e20, "float32")  # finite, but its square is not
    model.apply_group_gradients({g: [keras.ops.convert_to_tensor(x) for x in gs] for g, gs in grads.items()})
    for a, v in zip(before, model.trainable_variables):
        np.testing.assert_array_equal(a, v.numpy())  # Adam's first step from zero moments: no move at all
    grads["generators"][0] = np.ones(first.shape, "float32")
    model.apply_group_gradients({g: [keras.ops.convert_to_tensor(x) for x in gs] for g, gs in grads.items()})
    assert all(np.isfinite(v.numpy()).all() for v in model.trainable_variables)
    assert not np.array_equal(before[0], model.trainable_variables[0].numpy())
