"""One typed config per experiment.

`ExperimentConfig` is saved as `config.json` in every run folder and is
enough to rebuild every network for inference and export.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

GENERATOR_ARCHITECTURES = ("unet_resnet", "resnet", "unet")
DISCRIMINATOR_ARCHITECTURES = ("patchgan", "encoder_decoder")
NORMS = ("instance", "batch", "none")
SKIP_MODES = ("concat", "add")
UPSAMPLINGS = ("transpose", "resize")
MIXED_PRECISIONS = (None, "float16", "bfloat16")
STRATEGIES = ("mirrored", "multiworker")  # data-parallel training (training.distribute)
GAN_LOSSES = ("lsgan", "vanilla", "hinge")
# Pictures larger than this are refused unread (decompression bombs): Pillow's
# own threshold (about 9459 x 9459). The check reads only the header, so a
# 30000 x 30000 PNG is refused before decoding.
MAX_IMAGE_PIXELS = 89_478_485
HINT_CHANNELS = 4  # hint colour (RGB, [-1, 1]) and mask, after the sketch's 3 channels
# Hint dots are (2r+1)-pixel squares: training samples r up to this, and a
# user's point hint is drawn with it (Python, exports' metadata, browser).
HINT_DOT_RADIUS = 2
# Inference (inference.ImageTranslator): one model call sees at most this
# many pixels, summed over its batch (about 1.5 GB of activations for the
# paper's generator in float32); larger pictures are cut into tiles.
PIXELS_PER_CALL = 1024 * 1024
TILE_SIZE = 512
TILE_OVERLAP = 64
INFERENCE_BATCH = 4
# G colours a sketch with its longest side at most this (benchmarks/regions.py
# measures it); flat colours are then painted on the sketch at its own size.
# A tile of a huge sketch would show G only paper.
COLOUR_SIDE = 1024
# Input side of the fixed-size exports (TFLite files; `kac export --size`).
EXPORT_SIZE = 256
# Side of the square (line art, colour) pictures `kac data svg-pairs` renders.
PAIR_SIZE = 256
# The named line-art styles of `sketch.sketch` (each a function in
# sketch.styles); "random" mixes them per picture (`sketch.random_sketch`).
SKETCH_STYLES = ("xdog", "pencil", "gradient", "random")

# How training batches are made (`data.sampling`): tf.data, NumPy threads
# (no TensorFlow needed), or "auto": tf.data where TensorFlow is installed.
INPUT_PIPELINES = ("auto", "tf.data", "numpy")


def _check_choice(name: str, value: str, choices: tuple) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}; got {value!r}")


def _check_positive(name: str, value: Optional[int]) -> None:
    if value is not None and value < 1:
        raise ValueError(f"{name} must be >= 1; got {value}")


@dataclass
class GeneratorConfig:
    """Architecture of G (sketch -> colour) and F (colour -> sketch): the
    architecture's name and the arguments of its constructor.

    A field left None takes the constructor's own default, so each default is
    written once, in `models.generators`: `unet_resnet` is the paper's
    generator, `resnet` CycleGAN's ResNet-9, `unet` pix2pix's unet_256. A
    preset states only what differs. `models.factory.resolve_generator` fills
    the defaults in, and a run saves its config that way, so `config.json`
    records what was built. An architecture ignores the fields its
    constructor does not take (`residual_blocks`, `skip_mode`, the kernels
    and the hint fields by `unet`; `skip_mode` and hints by `resnet`).
    For `unet`, `levels` is the number of downsamplings (8 for 256x256).
    """

    architecture: str = "unet_resnet"
    base_filters: Optional[int] = None
    max_filters: Optional[int] = None
    levels: Optional[int] = None
    residual_blocks: Optional[int] = None
    skip_mode: Optional[str] = None
    upsampling: Optional[str] = None
    norm: Optional[str] = None
    activation: Optional[str] = None
    stem_kernel: Optional[int] = None
    head_kernel: Optional[int] = None
    # Colour hints as extra input channels (G only): 0, or HINT_CHANNELS
    # (hint RGB in [-1, 1] and a 0/1 mask, zero where there is no hint).
    hint_channels: Optional[int] = None
    # Rounds of models.layers.HintSpread (hints grown 2 px per round through
    # the paper, stopped by lines) before G's first layer; 0: dots as given.
    hint_spread: Optional[int] = None
    # The spread's coarsest level (2: all rounds at half resolution).
    hint_spread_coarsest: Optional[int] = None
    # Where hints enter G: 0 at its input; k: at its encoder's 1/2**k level.
    hint_level: Optional[int] = None
    # G's colour as a class: cells per side of the chroma grid it scores at
    # 1/4 resolution (models.generators.UNetResNetGenerator); 0: RGB head.
    chroma_bins: Optional[int] = None
    # The annealed mean's temperature that decodes those scores.
    chroma_temperature: Optional[float] = None

    def __post_init__(self):
        _check_choice("generator.architecture", self.architecture, GENERATOR_ARCHITECTURES)
        if self.hint_channels not in (None, 0, HINT_CHANNELS):
            raise ValueError(f"generator.hint_channels must be 0 or {HINT_CHANNELS}; got {self.hint_channels}")
        if self.hint_channels and self.architecture != "unet_resnet":
            raise ValueError("generator.hint_channels needs the unet_resnet architecture")
        if (self.hint_spread or 0) < 0 or (self.hint_spread and not self.hint_channels):
            raise ValueError(f"generator.hint_spread must be 0, or > 0 with hint_channels; got {self.hint_spread}")
        if (self.hint_level or 0) < 0 or (self.hint_level and not self.hint_channels):
            raise ValueError(f"generator.hint_level must be 0, or > 0 with hint_channels; got {self.hint_level}")
        for name, choices in (("norm", NORMS), ("skip_mode", SKIP_MODES), ("upsampling", UPSAMPLINGS)):
            if getattr(self, name) is not None:
                _check_choice(f"generator.{name}", getattr(self, name), choices)
        if self.chroma_bins and (self.chroma_bins < 2 or self.architecture != "unet_resnet"):
            raise ValueError(f"generator.chroma_bins must be 0, or >= 2 with unet_resnet; got {self.chroma_bins}")
        for name in ("base_filters", "max_filters", "levels", "residual_blocks"):
            _check_positive(f"generator.{name}", getattr(self, name))
        for name in ("stem_kernel", "head_kernel"):
            k = getattr(self, name)
            if k is not None and (k < 1 or k % 2 == 0):
                raise ValueError(f"generator.{name} must be a positive odd number; got {k}")


@dataclass
class DiscriminatorConfig:
    """The discriminators' architecture and its constructor's arguments; None
    takes the constructor's default (`models.discriminators`: a 70x70 PatchGAN)."""

    architecture: str = "patchgan"
    base_filters: Optional[int] = None
    num_layers: Optional[int] = None
    norm: Optional[str] = None

    def __post_init__(self):
        _check_choice("discriminator.architecture", self.architecture, DISCRIMINATOR_ARCHITECTURES)
        if self.norm is not None:
            _check_choice("discriminator.norm", self.norm, NORMS)
        for name in ("base_filters", "num_layers"):
            _check_positive(f"discriminator.{name}", getattr(self, name))


@dataclass
class LossConfig:
    gan_loss: str = "lsgan"
    cycle_weight: float = 10.0
    # Multiplies cycle_weight, as CycleGAN's lambda_identity; 0 is the paper.
    identity_weight: float = 0.5
    # Weight of the two adversarial terms; 0 trains no discriminator.
    adversarial_weight: float = 1.0
    # L1 between G(line art) and its colour picture and between F(colour) and
    # its line art; needs aligned pairs (data.paired). 0 is the paper.
    paired_weight: float = 0.0
    # Weight of G's colour-mode loss against its aligned colour picture
    # (training.losses.colour_mode_loss: a Welsch loss, lowest at the most
    # likely colour rather than the average, rare colours weighted up);
    # needs aligned pairs. 0 is the paper.
    colour_mode_weight: float = 0.0
    # Weight of the class loss on G's chroma scores (generator.chroma_bins;
    # training.losses.chroma_class_loss: cross-entropy against the truth's
    # chroma, rare colours weighted up); with it G's paired L1 covers luma
    # only. Needs aligned pairs.
    chroma_class_weight: float = 0.0

    def __post_init__(self):
        _check_choice("loss.gan_loss", self.gan_loss, GAN_LOSSES)
        weights = (self.cycle_weight, self.identity_weight, self.adversarial_weight, self.paired_weight,
                   self.colour_mode_weight, self.chroma_class_weight)
        if min(weights) < 0:
            raise ValueError("loss weights must be >= 0")


@dataclass
class OptimizerConfig:
    learning_rate: float = 2e-4
    beta_1: float = 0.5
    beta_2: float = 0.999
    # Epochs at the constant rate, then linear decay to zero by `epochs`
    # (CycleGAN: 100 + 100). None keeps the rate constant throughout.
    decay_start_epoch: Optional[int] = 100


# `DataConfig.sketches` (and `kac train --sketches`) set to this draws the
# sketch domain from the colour pictures instead of reading a folder.
SYNTHESIZE = "synthesize"


@dataclass
class DataConfig:
    """Where training images come from.

    `demo=True` uses the package's own synthetic anime-like images.
    `sketches="synthesize"` builds the sketch domain from `colors`.
    `max_pixels` refuses larger images unread (decompression bombs);
    `cache` is a folder for the decoded images, reused by later runs.
    `paired=True` reads `sketches` and `colors` as aligned pairs (files of
    the same name), cropped and flipped alike, for `loss.paired_weight`;
    then `synthesized_sketches` of the training sketches are drawn from the
    colour picture by `kac.sketch.random_sketch` instead (many line styles),
    and `real_sketches` of the artist's sketches are made to look like real
    ones (pencil, gaps, double strokes, hatching, paper, blur, JPEG:
    `kac.sketch.real`); `outline_fills` draws the artist's black fills as
    their outlines first (F learns to outline dark areas, G sees sketches
    without fills). `unlined_colors` (with `paired`) is a folder of colour
    pictures that have no line art (`kac data svg-colours`): they join the
    training pairs with sketches always synthesised from them. `pipeline` makes the batches with tf.data or with NumPy threads (no
    TensorFlow needed); "auto" takes tf.data where TensorFlow is installed.
    """

    sketches: Optional[str] = None
    colors: Optional[str] = None
    demo: bool = False
    demo_images: int = 64
    held_out: int = 4
    max_pixels: Optional[int] = MAX_IMAGE_PIXELS
    cache: Optional[str] = None
    paired: bool = False
    synthesized_sketches: float = 0.0
    real_sketches: float = 0.0
    outline_fills: bool = False
    unlined_colors: Optional[str] = None
    pipeline: str = "auto"

    def __post_init__(self):
        if not 0 <= self.real_sketches <= 1:
            raise ValueError(f"data.real_sketches must be in [0, 1]; got {self.real_sketches}")
        if self.pipeline not in INPUT_PIPELINES:
            raise ValueError(f"data.pipeline must be one of {', '.join(INPUT_PIPELINES)}; got {self.pipeline!r}")
        if not 0 <= self.synthesized_sketches <= 1:
            raise ValueError(f"data.synthesized_sketches must be in [0, 1]; got {self.synthesized_sketches}")


@dataclass
class ExperimentConfig:
    name: str = "experiment"
    image_size: int = 256
    batch_size: int = 1
    epochs: int = 200
    steps_per_epoch: Optional[int] = None
    pool_size: int = 50
    seed: int = 0
    # XLA for the train step: True, False, or None = auto (`training.steps.resolve_jit_compile`):
    # off where TensorFlow runs its oneDNN kernels (Intel AVX-512 CPUs: the
    # step is 1.1-1.5x faster without XLA there), on elsewhere (AMD CPUs:
    # 1.2-2.2x faster with it). benchmarks/train_step.py, README Performance.
    jit_compile: Optional[bool] = None
    # None (float32), "float16" (with dynamic loss scaling; TensorFlow
    # backend) or "bfloat16": layers compute in that type, variables and
    # normalisation stay float32. For GPUs; on CPUs float32 is faster.
    mixed_precision: Optional[str] = None
    generator: GeneratorConfig = field(default_factory=GeneratorConfig)
    discriminator: DiscriminatorConfig = field(default_factory=DiscriminatorConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    optimizer: OptimizerConfig = field(default_factory=OptimizerConfig)
    data: DataConfig = field(default_factory=DataConfig)

    def __post_init__(self):
        if self.loss.paired_weight and not self.data.paired:
            raise ValueError("loss.paired_weight needs aligned (line art, colour) pairs: set data.paired=True")
        if self.loss.colour_mode_weight and not self.data.paired:
            raise ValueError("loss.colour_mode_weight needs aligned (line art, colour) pairs: set data.paired=True")
        if self.loss.chroma_class_weight and not (self.data.paired and self.generator.chroma_bins):
            raise ValueError("loss.chroma_class_weight needs generator.chroma_bins and aligned pairs (data.paired=True)")
        if self.mixed_precision not in MIXED_PRECISIONS:
            choices = ", ".join(repr(c) for c in MIXED_PRECISIONS)
            raise ValueError(f"mixed_precision must be one of {choices}; got {self.mixed_precision!r}")

    def generator_config(self, network: str) -> GeneratorConfig:
        """The settings of "generator_g" (G) or "generator_f" (F): hints are G's alone."""
        if network == "generator_f":
            return dataclasses.replace(self.generator, hint_channels=0, hint_spread=0, hint_level=0, chroma_bins=0)
        return self.generator

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ExperimentConfig":
        d = dict(d)
        nested = {
            "generator": GeneratorConfig,
            "discriminator": DiscriminatorConfig,
            "loss": LossConfig,
            "optimizer": OptimizerConfig,
            "data": DataConfig,
        }
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown config keys: {sorted(unknown)}")
        if isinstance(d.get("discriminator"), dict) and "layers" in d["discriminator"]:
            # Older run folders name the discriminators' depth "layers" (it shadowed keras.layers).
            d["discriminator"] = {**d["discriminator"]}
            d["discriminator"]["num_layers"] = d["discriminator"].pop("layers")
        for key, sub in nested.items():
            if key in d and isinstance(d[key], dict):
                d[key] = sub(**d[key])
        return cls(**d)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> "ExperimentConfig":
        path = Path(path)
        try:
            return cls.from_dict(json.loads(path.read_text()))
        except (OSError, ValueError, TypeError) as e:
            raise ValueError(f"{path}: not a valid experiment config ({e})") from e


# Presets, KerasHub style: plain dicts of the ExperimentConfig settings that
# differ from the defaults (nested dicts for its parts; a network's unset
# arguments take its constructor's defaults). `paper` is PAPER.md's
# generator; `mobile` is small enough for phones and browsers; `demo` trains
# in minutes on a laptop CPU; `resnet9`, `resnet6` and `unet256` are
# CycleGAN's and pix2pix's generators.
PRESETS: dict[str, dict[str, Any]] = {
    "paper": {"generator": {}},
    # Sized for the export targets (float16 TFLite <= 3 MB, int8 <= 1.5 MB,
    # 256x256 fast on 2 cores): full-resolution layers dominate the time, so
    # 8 base channels; added skips and transposed convolutions halve the
    # decoder's cost (benchmarks/export_report.py). Its 16-channel 70x70
    # PatchGAN (training only) halves the step: 0.88 -> 0.45 s at 128x128,
    # batch 4, Intel Xeon (benchmarks/train_step.py --discriminators).
    "mobile": {
        "generator": {"base_filters": 8, "max_filters": 64, "residual_blocks": 4, "skip_mode": "add"},
        "discriminator": {"base_filters": 16},
    },
    # The whole job in a few minutes on two CPU cores: small images,
    # discriminator and schedule, on the package's synthetic pictures.
    "demo": {
        "generator": {"base_filters": 16, "max_filters": 64, "levels": 2, "residual_blocks": 2, "upsampling": "resize"},
        "discriminator": {"base_filters": 16, "num_layers": 2},
        "image_size": 64,
        "batch_size": 4,
        "epochs": 10,
        "pool_size": 16,
        "optimizer": {"decay_start_epoch": 5},
        "data": {"demo": True, "demo_images": 256, "held_out": 6},
    },
    "resnet9": {"generator": {"architecture": "resnet"}},
    "resnet6": {"generator": {"architecture": "resnet", "residual_blocks": 6}},
    "unet256": {"generator": {"architecture": "unet"}},
}
# Each preset's generator, for tools that need only the network.
GENERATOR_PRESETS: dict[str, GeneratorConfig] = {name: GeneratorConfig(**p["generator"]) for name, p in PRESETS.items()}


def preset(name: str, **overrides: Any) -> ExperimentConfig:
    """The experiment config of preset `name`, with `overrides` (fields of
    ExperimentConfig, whole) on top."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose from {', '.join(PRESETS)}")
    settings = {"name": name, **PRESETS[name]}
    config = ExperimentConfig.from_dict(settings)
    return dataclasses.replace(config, **overrides) if overrides else config
