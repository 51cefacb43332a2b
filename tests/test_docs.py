"""The docs quote what ships: the shipped model's figures come from its model card."""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = json.loads((ROOT / "keras_anime_cyclegan" / "pretrained" / "clipart-mobile" / "model.json").read_text())
CARD = (ROOT / "MODEL_CARD.md").read_text()


def _section(path: str, start: str, end: str) -> str:
    text = (ROOT / path).read_text()
    assert start in text, f"{path}: no {start!r}"
    body = text[text.index(start) :]
    return body[: body.index(end)] if end in body else body


@pytest.mark.parametrize(
    "path, start, end",
    [
        ("benchmarks/README.md", "## The shipped model", "\n## "),
        ("README.md", "**Honest status.**", "\n## "),
    ],
)
def test_shipped_model_figures_are_the_model_card_s(path, start, end):
    """A paragraph about the shipped model names its epoch (model.json) and
    quotes only figures that the model card has: a stale paragraph (the
    epoch-41 SSIM 0.777 kept after epoch 110 shipped) fails here."""
    text = _section(path, start, end)
    epochs = {int(e) for e in re.findall(r"epoch[- ](\d+)", text)}
    assert epochs == {SHIPPED["epochs"]}, f"{path} names epochs {sorted(epochs)}; the shipped model is epoch {SHIPPED['epochs']}"
    figures = set(re.findall(r"(?<![\d.])\d+\.\d+(?![\d.])", text))
    missing = sorted(f for f in figures if f not in CARD)
    assert not missing, f"{path}: figures not in MODEL_CARD.md: {missing}"
    assert figures, f"{path}: no figures found; the check compared nothing"


def test_the_licence_note_matches_the_model_card():
    """The model card says one GPL-2.0 picture was in the first epochs; the README may not call the data all public domain."""
    assert "GPL-2.0" in CARD
    readme = (ROOT / "README.md").read_text()
    assert "public-domain training data" not in readme
    assert "GPL-2.0" in readme[: readme.index("## Two commands")]
