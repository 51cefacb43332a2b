"""Trained generators shipped inside the package: no training, no download.

Each entry of `PRETRAINED` is a folder of the same name under the package's
`pretrained/` data folder, holding `generator_g.keras` (colorize: line art -> colour),
`generator_f.keras` (lines: colour -> line art) and `model.json` (how it was
trained and what `benchmarks/quality.py` measured; MODEL_CARD.md tells the
whole story). Like KerasHub presets, a name picks one; `DEFAULT` is what
every door uses when given no model:

>>> import keras_anime_cyclegan as kac
>>> kac.Colorizer.pretrained().colorize("sketch.png")           # doctest: +SKIP
>>> kac.LineExtractor.pretrained("clipart-mobile")              # doctest: +SKIP

On the command line and wherever a model path is taken (`kac colorize -m`,
`kac export --model`, `benchmarks/quality.py --model`), `pretrained` means
the default and `pretrained:NAME` a named one.

`samples/` holds the line art and colour pictures `kac demo` translates:
renders of public-domain Openclipart SVGs from the held-out split, never
seen in training.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from keras_anime_cyclegan.artifacts.layout import GENERATOR_FILES as FILES
from keras_anime_cyclegan.artifacts.layout import check_direction

HERE = Path(__file__).resolve().parents[1] / "pretrained"  # data only: the files, no code
SAMPLES = HERE / "samples"
PREFIX = "pretrained"


@dataclass(frozen=True)
class PretrainedModel:
    """One shipped pair of generators."""

    name: str
    description: str

    @property
    def folder(self) -> Path:
        return HERE / self.name

    def file(self, direction: str) -> Path:
        """The `.keras` file of G (`"colorize"`) or F (`"lines"`)."""
        check_direction(direction)
        return self.folder / FILES[direction]

    def info(self) -> dict:
        """`model.json`: training data, objective, steps, CPU time and quality figures."""
        return json.loads((self.folder / "model.json").read_text())


PRETRAINED: dict[str, PretrainedModel] = {
    m.name: m
    for m in [
        PretrainedModel(
            "clipart-mobile",
            "mobile preset (U-Net with residual blocks, 0.41 M parameters per generator) trained on 2 CPU "
            "cores on public-domain Openclipart line art and colour pairs; G takes optional colour hints",
        ),
    ]
}
DEFAULT = "clipart-mobile"


def get(name: str | None = None) -> PretrainedModel:
    """The shipped model called `name` (None: `DEFAULT`)."""
    name = DEFAULT if name is None else name
    if name not in PRETRAINED:
        raise ValueError(f"no pretrained model {name!r}; the package ships {', '.join(PRETRAINED)}")
    return PRETRAINED[name]


def is_pretrained_spec(model) -> bool:
    """Whether a model argument names a shipped model (`pretrained` or `pretrained:NAME`)."""
    return isinstance(model, str) and (model == PREFIX or model.startswith(PREFIX + ":"))


def resolve(model, direction: str) -> Path:
    """A model argument as a path: `pretrained[:NAME]` becomes the shipped file, anything else a Path."""
    if is_pretrained_spec(model):
        name = model.partition(":")[2] or None
        return get(name).file(direction)
    return Path(model)


def sample_pairs() -> list[tuple[Path, Path]]:
    """(line art, colour picture) of every bundled sample, by name."""
    return [(line, SAMPLES / "colors" / line.name) for line in sorted((SAMPLES / "lines").glob("*.png"))]


__all__ = ["DEFAULT", "PRETRAINED", "PretrainedModel", "get", "is_pretrained_spec", "resolve", "sample_pairs"]
