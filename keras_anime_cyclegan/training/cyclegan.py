"""The CycleGAN training model: G, F, D_X, D_Y and one train step.

X is the sketch domain, Y the colour domain. G: X -> Y colours sketches,
F: Y -> X extracts lines. `model.fit` on a dataset of (sketch, colour)
batches updates all four networks with one optimizer, on the
TensorFlow, JAX and PyTorch backends (`training/steps/`), and under a
`tf.distribute` strategy when built inside its `scope()`.
"""

from __future__ import annotations

import contextlib

import keras

from keras_anime_cyclegan.config import ExperimentConfig, LossConfig, OptimizerConfig
from keras_anime_cyclegan.models.factory import build_discriminator, build_generator
from keras_anime_cyclegan.models.layers import luma, with_no_hints
from keras_anime_cyclegan.training import losses
from keras_anime_cyclegan.training.image_pool import ImagePool
from keras_anime_cyclegan.training.schedules import ConstantThenLinearDecay
from keras_anime_cyclegan.training.steps import resolve_jit_compile, train_step_mixin

LOSS_NAMES = (
    "G_adv", "F_adv", "cycle_x", "cycle_y", "id_x", "id_y", "paired_x", "paired_y", "mode_y", "chroma_y",
    "gen_total", "D_X", "D_Y",
)


# Defaults are defined once, in the config dataclasses; the Python API uses them.
_LOSS, _OPTIMIZER = LossConfig(), OptimizerConfig()


def adam(learning_rate=_OPTIMIZER.learning_rate, beta_1=_OPTIMIZER.beta_1, beta_2=_OPTIMIZER.beta_2, name=None):
    return keras.optimizers.Adam(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, name=name)


@contextlib.contextmanager
def precision(mixed: str | None):
    """Layers built inside compute in `mixed` ("float16", "bfloat16") or float32 (None).

    Variables stay float32; the normalisation layers and the generators'
    tanh heads declare float32 themselves, so they stay float32 too.
    """
    before = keras.config.dtype_policy()
    keras.config.set_dtype_policy(f"mixed_{mixed}" if mixed else "float32")
    try:
        yield
    finally:
        keras.config.set_dtype_policy(before)


class CycleGAN(train_step_mixin(), keras.Model):
    """Unpaired sketch <-> colour translation, trained with `fit`.

    Args:
        generator_g: keras.Model, sketch -> colour.
        generator_f: keras.Model, colour -> sketch.
        discriminator_x: keras.Model, judges sketches.
        discriminator_y: keras.Model, judges colour images.
        pool_size: int, history of fakes shown to each discriminator (0: none).
        seed: int, seed of the pools' random choices.

    Example:
    >>> import keras_anime_cyclegan as kac
    >>> model = kac.CycleGAN.from_experiment(kac.preset("demo"))
    >>> model.compile()
    >>> # model.fit(dataset_of_sketch_colour_pairs, epochs=...)
    """

    # G and F minimise one joint loss, and D_X's loss does not depend on D_Y:
    # two objectives, so two backward passes give all four gradients.
    groups = {
        "generators": ("generator_g", "generator_f"),
        "discriminators": ("discriminator_x", "discriminator_y"),
    }

    def __init__(self, generator_g, generator_f, discriminator_x, discriminator_y, pool_size=50, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.generator_g = generator_g
        self.generator_f = generator_f
        self.discriminator_x = discriminator_x
        self.discriminator_y = discriminator_y
        self.pool_x = ImagePool(pool_size, seed=seed, name="pool_x")
        self.pool_y = ImagePool(pool_size, seed=None if seed is None else seed + 1, name="pool_y")
        # A G without chroma scores has no chroma term: its runs' logs keep their columns.
        names = [n for n in LOSS_NAMES if n != "chroma_y" or getattr(generator_g, "chroma_bins", 0)]
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}

    @classmethod
    def from_experiment(cls, config: ExperimentConfig) -> "CycleGAN":
        """All four networks as the experiment config describes them (its precision too)."""
        with precision(config.mixed_precision):
            nets = dict(
                generator_g=build_generator(config.generator_config("generator_g"), name="generator_g"),
                generator_f=build_generator(config.generator_config("generator_f"), name="generator_f"),
                discriminator_x=build_discriminator(config.discriminator, name="discriminator_x"),
                discriminator_y=build_discriminator(config.discriminator, name="discriminator_y"),
            )
        return cls(**nets, pool_size=config.pool_size, seed=config.seed)

    def build(self, input_shape):
        self.pool_x.build(input_shape)
        self.pool_y.build(input_shape)
        self.built = True

    def call(self, sketches, training=False):
        return self.generator_g(sketches, training=training)

    def compile(
        self,
        optimizer=None,
        gan_loss: str = _LOSS.gan_loss,
        cycle_weight: float = _LOSS.cycle_weight,
        identity_weight: float = _LOSS.identity_weight,
        jit_compile: bool = False,
        loss_scaling: bool = False,
        adversarial_weight: float = _LOSS.adversarial_weight,
        paired_weight: float = _LOSS.paired_weight,
        colour_mode_weight: float = _LOSS.colour_mode_weight,
        chroma_class_weight: float = _LOSS.chroma_class_weight,
        **kwargs,
    ):
        """The optimizer (Adam 2e-4, beta_1 0.5 by default) and loss weights.

        One optimizer updates all four networks, once per step, each
        variable from the objective it belongs to (`groups`). Adam's state
        is per variable and its step count shared by all four networks
        anyway (they always step together), so this is exactly one Adam
        per network, as in the paper's reference code (junyanz chains
        G_A+G_B and D_A+D_B into two Adams); `tests/test_training.py`
        checks the equality.

        Args:
            optimizer: a Keras optimizer for all four networks (default:
                Adam 2e-4, beta_1 0.5, beta_2 0.999).
            gan_loss: "lsgan", "vanilla" or "hinge".
            cycle_weight: float, lambda of the L1 cycle loss (10).
            identity_weight: float, identity loss weight as a fraction of
                `cycle_weight` (0.5; 0 turns it off, as in the paper).
            jit_compile: bool, compile the train step with XLA.
            adversarial_weight: float, weight of G's and F's adversarial
                terms (1); 0 skips the discriminators altogether.
            paired_weight: float, weight of the L1 terms ||G(x) - y|| and
                ||F(y) - x|| for aligned (line art, colour) batches (0, the
                paper: unpaired). Alone (cycle and adversarial weights 0)
                it is supervised pix2pix-style L1 training; with them, a
                hybrid.
            colour_mode_weight: float, weight of G's colour-mode loss
                against the aligned colour picture (`losses.colour_mode_loss`:
                lowest at the likeliest colour, not the average; 0, the paper).
            chroma_class_weight: float, weight of the class loss on G's
                chroma scores (`losses.chroma_class_loss`; a G built with
                `chroma_bins`), which then takes over G's colour from the
                paired L1: that covers G's luma only (0, the paper).
            loss_scaling: bool, wrap the optimizer in a dynamic
                `LossScaleOptimizer` (float16 mixed precision; TensorFlow).
        """
        if loss_scaling and keras.backend.backend() != "tensorflow":
            raise ValueError(
                "float16 mixed precision needs loss scaling, which only the TensorFlow train step "
                f"implements; on {keras.backend.backend()} use mixed_precision='bfloat16'"
            )
        optimizer = optimizer or adam()
        if loss_scaling and not isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
        super().compile(optimizer=optimizer, jit_compile=jit_compile, **kwargs)
        # Built now, on the model's own variable order (JAX's `fit` passes
        # values in that order): checkpoints and `fit` need its variables.
        self.optimizer.build(self.trainable_variables)
        self.gan_loss = gan_loss
        self.cycle_weight = float(cycle_weight)
        self.identity_weight = float(identity_weight)
        self.adversarial_weight = float(adversarial_weight)
        self.paired_weight = float(paired_weight)
        self.colour_mode_weight = float(colour_mode_weight)
        self.chroma_class_weight = float(chroma_class_weight)
        if self.chroma_class_weight and not getattr(self.generator_g, "chroma_bins", 0):
            raise ValueError("chroma_class_weight needs a G built with chroma_bins")

    def compile_for_experiment(self, config: ExperimentConfig, steps_per_epoch: int | None = None):
        """`compile` with the optimizers, schedule and losses of `config`."""
        o = config.optimizer

        lr = o.learning_rate
        if o.decay_start_epoch is not None and steps_per_epoch:
            lr = ConstantThenLinearDecay(o.learning_rate, o.decay_start_epoch * steps_per_epoch, config.epochs * steps_per_epoch)
        self.compile(
            adam(lr, o.beta_1, o.beta_2),
            gan_loss=config.loss.gan_loss,
            cycle_weight=config.loss.cycle_weight,
            identity_weight=config.loss.identity_weight,
            jit_compile=resolve_jit_compile(config.jit_compile),
            loss_scaling=config.mixed_precision == "float16",
            adversarial_weight=config.loss.adversarial_weight,
            paired_weight=config.loss.paired_weight,
            colour_mode_weight=config.loss.colour_mode_weight,
            chroma_class_weight=config.loss.chroma_class_weight,
        )

    @property
    def metrics(self):
        return list(self.trackers.values())

    def compute_losses(self, real_x, real_y, training=True):
        """Every loss term of one step, plus the fakes the discriminators judge.

        Written in keras.ops only: the backend-specific part of a train step
        is just the gradient computation around it.
        """
        G, F, DX, DY = self.generator_g, self.generator_f, self.discriminator_x, self.discriminator_y
        zero = keras.ops.zeros(())
        hint_channels = int(getattr(G, "hint_channels", 0))
        # With hints, real_x carries G's hint channels after the sketch
        # (data.hints); F, D_X and the losses see the sketch alone, and G
        # colours F's output and the colour pictures with no hints. With
        # real-sketch traits (data.real_sketches), the clean line art follows
        # them: G colours the degraded sketch, F learns the clean lines.
        width = 3 + hint_channels
        hinted_x = real_x[..., :width]
        real_x = real_x[..., width : width + 3] if real_x.shape[-1] > width else real_x[..., :3]

        def G_in(images):
            return with_no_hints(images, hint_channels)

        adv_w, cyc_w, id_w = self.adversarial_weight, self.cycle_weight, self.cycle_weight * self.identity_weight
        chroma = self.chroma_class_weight > 0
        if chroma:
            fake_y, chroma_logits = G.colour_and_chroma(hinted_x, training=training)
        else:
            fake_y = G(hinted_x, training=training)
        fake_x = F(real_y, training=training)
        terms = dict.fromkeys(self.trackers, zero)
        if adv_w:
            terms["G_adv"] = losses.generator_gan_loss(DY(fake_y, training=training), self.gan_loss)
            terms["F_adv"] = losses.generator_gan_loss(DX(fake_x, training=training), self.gan_loss)
        if cyc_w:
            terms["cycle_x"] = losses.cycle_loss(real_x, F(fake_y, training=training))
            terms["cycle_y"] = losses.cycle_loss(real_y, G(G_in(fake_x), training=training))
        if id_w:
            terms["id_x"] = losses.identity_loss(real_x, F(real_x, training=training))
            terms["id_y"] = losses.identity_loss(real_y, G(G_in(real_y), training=training))
        if self.paired_weight:
            # Batches are aligned: real_x is the line art of real_y.
            terms["paired_x"] = losses.paired_loss(real_x, fake_x)
            # With chroma scores the class loss owns G's colour; L1 there would pull it back to the mean.
            terms["paired_y"] = (losses.paired_loss(luma(real_y), luma(fake_y)) if chroma
                                 else losses.paired_loss(real_y, fake_y))
        if self.colour_mode_weight:
            terms["mode_y"] = losses.colour_mode_loss(real_y, fake_y)
        if chroma:
            terms["chroma_y"] = losses.chroma_class_loss(real_y, chroma_logits, G.chroma_bins)
        terms["gen_total"] = (
            adv_w * (terms["G_adv"] + terms["F_adv"])
            + cyc_w * (terms["cycle_x"] + terms["cycle_y"])
            + id_w * (terms["id_x"] + terms["id_y"])
            + self.paired_weight * (terms["paired_x"] + terms["paired_y"])
            + self.colour_mode_weight * terms["mode_y"]
            + self.chroma_class_weight * terms.get("chroma_y", zero)
        )
        if adv_w:
            pooled_x = self.pool_x(keras.ops.stop_gradient(fake_x))
            pooled_y = self.pool_y(keras.ops.stop_gradient(fake_y))
            terms["D_X"] = losses.discriminator_gan_loss(
                DX(real_x, training=training), DX(pooled_x, training=training), self.gan_loss
            )
            terms["D_Y"] = losses.discriminator_gan_loss(
                DY(real_y, training=training), DY(pooled_y, training=training), self.gan_loss
            )
        return terms

    def objectives(self, terms) -> dict:
        """What each group of `groups` minimises, from `compute_losses`' terms (no discriminators without adversarial terms)."""
        if not self.adversarial_weight:
            return {"generators": terms["gen_total"]}
        return {"generators": terms["gen_total"], "discriminators": terms["D_X"] + terms["D_Y"]}

    def group_variables(self, group: str) -> list:
        return [v for name in self.groups[group] for v in getattr(self, name).trainable_variables]

    def gradient_order(self, grads_by_group: dict) -> list:
        """Gradients of every trainable variable, in `trainable_variables` order,
        each from its own group's objective: {group: grads of
        `group_variables(group)`} -> one list for `optimizer.apply`. A group
        without an objective (no discriminators without adversarial terms)
        gets None."""
        owner = {}
        for group, grads in grads_by_group.items():
            for v, g in zip(self.group_variables(group), grads):
                owner[id(v)] = g
        return [owner.get(id(v)) for v in self.trainable_variables]

    def apply_group_gradients(self, grads_by_group: dict) -> None:
        """One optimizer step: each variable with the gradient of its own group's objective."""
        ordered = zip(self.finite_or_zero(self.gradient_order(grads_by_group)), self.trainable_variables)
        self.optimizer.apply_gradients([(g, v) for g, v in ordered if g is not None])

    def finite_or_zero(self, grads: list) -> list:
        """`grads`, or zeros for all of them when any overflowed (inf or NaN, or squares past float32).

        A constant input (a blank sketch) makes every instance normalisation
        multiply the gradient by about 1 / sqrt(epsilon): after a dozen of
        them G's stem gradient reached 2e34 and Adam's second moment
        overflowed, and the weights were NaN one step later. Such a step is
        dropped (Adam's moments decay as for a zero gradient) instead of
        ending the run. A float16 `LossScaleOptimizer` skips those steps
        itself, lowering its scale, so it gets the gradients as they are.
        """
        if isinstance(self.optimizer, keras.optimizers.LossScaleOptimizer):
            return grads
        present = [g for g in grads if g is not None]
        if not present:
            return grads
        total = sum(keras.ops.sum(keras.ops.square(keras.ops.cast(g, "float32"))) for g in present)
        finite = keras.ops.isfinite(total)
        return [None if g is None else keras.ops.where(finite, g, keras.ops.zeros_like(g)) for g in grads]

    def update_trackers(self, terms) -> dict:
        for name, value in terms.items():
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}
