"""What a run folder and a shipped model hold, by name: the contract between
training (which writes them), inference and export (which read them).

    run folder/
        config.json             CONFIG_FILE: the ExperimentConfig
        checkpoints/last.npz    CHECKPOINT: the whole training state (`artifacts.checkpoint`)
        generator_g.keras       GENERATOR_FILES["colorize"]: G, written when training ends
        generator_f.keras       GENERATOR_FILES["lines"]: F
        samples/epoch_*.png     SAMPLES: sketch | G(sketch) | colour | F(colour) grids
        log.csv                 LOG: every loss term per epoch
        tensorboard/            TENSORBOARD: scalars and sample images

    export folder/
        metadata.json           `artifacts.metadata`
        model.json + shards     TFJS_MODEL: a TF.js graph model (or model.tflite, saved_model.pb)
"""

from __future__ import annotations

CONFIG_FILE = "config.json"
CHECKPOINT = "checkpoints/last.npz"
SAMPLES = "samples"
LOG = "log.csv"
TENSORBOARD = "tensorboard"
TFJS_MODEL = "model.json"

# The two directions, each the generator that goes that way.
COLORIZE, LINES = "colorize", "lines"
DIRECTIONS = {COLORIZE: "generator_g", LINES: "generator_f"}
GENERATOR_FILES = {direction: f"{net}.keras" for direction, net in DIRECTIONS.items()}
# Every network of a CycleGAN, in checkpoint order.
NETWORKS = ("generator_g", "generator_f", "discriminator_x", "discriminator_y")


def check_direction(direction: str) -> None:
    """A ValueError naming the directions unless `direction` is one."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}; got {direction!r}")
