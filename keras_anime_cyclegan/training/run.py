"""A training run: one experiment config, one run folder, `model.fit`.

The command line and the notebooks both call `train`. What a run folder
holds is `artifacts.layout`'s: the config, the checkpoint of the last
epoch, sample grids, the loss log, TensorBoard logs, and G and F at the end.

Under a multi-worker strategy only the chief writes it; the other workers
read it (a shared folder) and write to a temporary one.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import keras

from keras_anime_cyclegan.artifacts.checkpoint import load_checkpoint
from keras_anime_cyclegan.artifacts.layout import CHECKPOINT, CONFIG_FILE, GENERATOR_FILES, LOG, SAMPLES, TENSORBOARD
from keras_anime_cyclegan.config import ExperimentConfig
from keras_anime_cyclegan.data.demo import demo_data
from keras_anime_cyclegan.data.sampling import TrainData
from keras_anime_cyclegan.models.factory import build_generator, resolve_experiment
from keras_anime_cyclegan.training.callbacks import (
    CheckpointCallback,
    NonFiniteLossGuard,
    SampleGridCallback,
    translate,
)
from keras_anime_cyclegan.training.cyclegan import CycleGAN
from keras_anime_cyclegan.training.distribute import cpu_replicas_in_one_process, is_chief, replicas, scope
from keras_anime_cyclegan.training.steps import resolve_jit_compile
from keras_anime_cyclegan.utils.deps import installed
from keras_anime_cyclegan.utils.images import grid

log = logging.getLogger("keras_anime_cyclegan.training")



@dataclass
class RunResult:
    model: CycleGAN
    run_dir: Path
    history: dict
    initial_epoch: int
    data: TrainData


def training_data(config: ExperimentConfig) -> TrainData:
    """The dataset a config asks for: the synthetic demo set or user folders."""
    d = config.data
    if d.demo:
        return demo_data(config.image_size, config.batch_size, d.demo_images, d.held_out, config.seed, d.pipeline)
    from keras_anime_cyclegan.data.pipeline import folder_training_data

    return folder_training_data(config)


def build_model(config: ExperimentConfig, steps_per_epoch: int | None = None, strategy=None) -> CycleGAN:
    """A built and compiled CycleGAN for `config`, inside `strategy`'s scope if given.

    `config.batch_size` is the global batch, split evenly across replicas.
    """
    if config.batch_size % replicas(strategy):
        raise ValueError(f"batch_size={config.batch_size} does not split evenly across {replicas(strategy)} replicas")
    if resolve_jit_compile(config.jit_compile) and cpu_replicas_in_one_process(strategy):
        # XLA compiles one function for one device; replicas on logical CPUs
        # of one process share the function and it cannot reach the other
        # CPU's variables (TensorFlow's XLA known issues, "tf.Variable on a
        # different device"). GPUs and multi-worker setups are unaffected.
        if config.jit_compile:
            warnings.warn("XLA is off for this run: it cannot compile a step over several CPU devices of one process")
        config = dataclasses.replace(config, jit_compile=False)
    with scope(strategy):
        model = CycleGAN.from_experiment(config)
        model.build((config.batch_size // replicas(strategy), config.image_size, config.image_size, 3))
        model.compile_for_experiment(config, steps_per_epoch=steps_per_epoch)
    return model


def train(
    config: ExperimentConfig | None,
    run_dir: str | Path,
    resume: bool = False,
    callbacks: list | None = None,
    verbose: int | str = "auto",
    epochs: int | None = None,
    strategy=None,
) -> RunResult:
    """Trains (or resumes) the experiment in `run_dir`.

    Args:
        config: the experiment. With `resume`, None (the run folder's own
            config is used) or that same config; a different one is an
            error rather than silently ignored.
        run_dir: the run folder; created if needed.
        resume: continue from `run_dir`'s last completed epoch.
        epochs: with `resume`, a new total number of epochs (to extend a run).
        callbacks: extra Keras callbacks.
        strategy: a `tf.distribute` strategy (`distribute.make_strategy`), or None.
    """
    run_dir = Path(run_dir)
    ckpt = run_dir / CHECKPOINT
    # The networks' unset arguments take their constructors' defaults; the
    # run folder records them all, so it rebuilds what was trained.
    config = None if config is None else resolve_experiment(config)
    if resume:
        if not (run_dir / CONFIG_FILE).exists():
            raise FileNotFoundError(f"{run_dir}: no {CONFIG_FILE} here, nothing to resume")
        saved = resolve_experiment(ExperimentConfig.load(run_dir / CONFIG_FILE))
        if config is not None and config.to_dict() != saved.to_dict():
            differ = sorted(k for k, v in config.to_dict().items() if saved.to_dict().get(k) != v)
            raise ValueError(
                f"{run_dir}: a resumed run keeps its own {CONFIG_FILE}, and the config given differs in "
                f"{', '.join(differ)}; pass config=None (epochs= extends the run) or start a new run"
            )
        config = saved
        if epochs is not None and epochs != config.epochs:
            config = dataclasses.replace(config, epochs=epochs)
            config.save(run_dir / CONFIG_FILE)
    else:
        if config is None:
            raise ValueError("a config is needed to start a new run")
        if ckpt.exists():
            raise FileExistsError(f"{run_dir} already holds a run; resume it (resume=True) or choose another folder")
        if is_chief(strategy):
            run_dir.mkdir(parents=True, exist_ok=True)
            config.save(run_dir / CONFIG_FILE)

    keras.utils.set_random_seed(config.seed)
    data = training_data(config)
    steps = config.steps_per_epoch or data.steps_per_epoch
    model = build_model(config, steps_per_epoch=steps, strategy=strategy)
    initial_epoch = load_checkpoint(model, ckpt) if resume and ckpt.exists() else 0

    # Every worker runs every callback (they read distributed values
    # together); only the chief's writes are kept.
    out = run_dir if is_chief(strategy) else Path(tempfile.mkdtemp(prefix="kac-worker-"))
    # TensorBoard's writers are TensorFlow's: without it (a JAX or PyTorch
    # machine) the losses still go to the CSV log and the grids to PNGs.
    tensorboard = out / TENSORBOARD if installed("tensorflow") else None
    if tensorboard is None:
        log.warning("no TensorBoard logs: they need TensorFlow, which is not installed (losses go to %s)", LOG)
    all_callbacks = [
        NonFiniteLossGuard(),
        CheckpointCallback(out / CHECKPOINT),
        SampleGridCallback(data.sample_sketches, data.sample_colors, out / SAMPLES, tensorboard),
        keras.callbacks.CSVLogger(str(out / LOG), append=resume),
        *([keras.callbacks.TensorBoard(str(tensorboard), write_graph=False)] if tensorboard else []),
        *(callbacks or []),
    ]
    # The data stream goes on where the checkpoint's run stopped (data.sampling).
    dataset = data.batches(initial_epoch * steps)
    try:
        with scope(strategy):  # a JAX distribution applies inside its scope
            history = model.fit(
                dataset,
                epochs=config.epochs,
                initial_epoch=initial_epoch,
                steps_per_epoch=steps,
                callbacks=all_callbacks,
                verbose=verbose,
                shuffle=False,  # each domain is shuffled by its own pipeline
            )
        for direction, filename in GENERATOR_FILES.items():
            net = model.generator_g if direction == "colorize" else model.generator_f
            float32_generator(net, config).save(out / filename)
    finally:
        if out != run_dir:
            shutil.rmtree(out, ignore_errors=True)
    return RunResult(model, run_dir, history.history, initial_epoch, data)


def float32_generator(net, config: ExperimentConfig):
    """`net`, or a float32 copy if it was trained in mixed precision.

    Exports and inference then start from float32, as from any other run.
    """
    if not config.mixed_precision:
        return net
    copy = build_generator(config.generator_config(net.name), name=net.name)
    copy.set_weights(net.get_weights())
    return copy


def write_contact_sheet(result: RunResult, path: str | Path) -> Path:
    """sketch | G(sketch) | colour | F(colour) for the run's held-out images."""
    path = Path(path)
    grid(translate(result.model, result.data.sample_sketches, result.data.sample_colors)).save(path)
    return path
