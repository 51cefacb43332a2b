"""The notebooks run top to bottom (nbclient, kernel `python3`) with tiny parameters.

Each test injects its values into the notebook's first cell (tagged
`parameters`), executes every cell in a fresh kernel inside a temporary
folder, fails on the first cell error, and checks the files the notebook
says it writes. Notebooks 02 and 03 use the shipped model (their default),
so they train nothing.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from PIL import Image

from keras_anime_cyclegan.artifacts import pretrained
from keras_anime_cyclegan.data.synthetic import write_synthetic_folder

pytestmark = pytest.mark.slow  # runs every notebook in a kernel

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
CELL_TIMEOUT_S = 900

TINY_GENERATOR = {"base_filters": 8, "max_filters": 16, "levels": 2, "residual_blocks": 1, "upsampling": "resize"}
TINY_DISCRIMINATOR = {"base_filters": 8, "num_layers": 2}
def parameters_cell(nb) -> nbformat.NotebookNode:
    cell = nb.cells[0]
    assert cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []), (
        "the first cell must be the code cell tagged `parameters`"
    )
    return cell


def assigned_names(source: str) -> list[str]:
    return [t.id for node in ast.parse(source).body if isinstance(node, ast.Assign) for t in node.targets]


def inject(nb, values: dict) -> None:
    """Replaces the values of the parameters cell's one-line assignments."""
    cell = parameters_cell(nb)
    lines = cell.source.splitlines()
    missing = set(values) - set(assigned_names(cell.source))
    assert not missing, f"not parameters of this notebook: {sorted(missing)}"
    for i, line in enumerate(lines):
        name = line.split("=", 1)[0].strip()
        if name in values and not line.startswith((" ", "#")):
            lines[i] = f"{name} = {values[name]!r}"
    cell.source = "\n".join(lines)
    assert set(values) <= set(assigned_names(cell.source))


def execute(name: str, tmp_path: Path, values: dict) -> nbformat.NotebookNode:
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    inject(nb, values)
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=CELL_TIMEOUT_S,
        resources={"metadata": {"path": str(tmp_path)}},
        extra_arguments=["--InteractiveShell.colors=NoColor"],  # plain tracebacks in the failure message
    )
    try:
        client.execute()  # raises CellExecutionError, with the cell and traceback, on any error
    finally:
        nbformat.write(nb, tmp_path / f"{name}.executed.ipynb")  # for reading after a failure
    return nb


def outputs_of(nb, output_type: str) -> list:
    return [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs if o.output_type == output_type]


def assert_png(path: Path, min_side: int = 32) -> Image.Image:
    assert path.is_file(), f"{path} was not written"
    image = Image.open(path)
    assert image.format == "PNG" and min(image.size) >= min_side, (path, image.format, image.size)
    return image


def assert_run_folder(run: Path) -> None:
    for name in ("config.json", "checkpoints/last.npz", "log.csv", "generator_g.keras", "generator_f.keras"):
        assert (run / name).is_file(), f"{run / name} was not written"
    assert sorted(p.name for p in (run / "samples").glob("*.png")), f"{run}/samples holds no grid"


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.stem)
def test_committed_notebooks_are_clean(path):
    """Outputs cleared, valid, parameters first, and every notebook has a test below."""
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), f"{path.name}: clear the outputs"
    assert assigned_names(parameters_cell(nb).source), "the parameters cell assigns no parameters"
    assert path.stem in TESTED, f"{path.name} is not executed by any test"


def test_01_train_cyclegan(tmp_path):
    colors = tmp_path / "colors"
    write_synthetic_folder(colors, 8, size=40, seed=5)  # a folder, sketches synthesised from it
    run, out = tmp_path / "run", tmp_path / "out"
    nb = execute(
        "01_train_cyclegan",
        tmp_path,
        {
            "COLORS_DIR": str(colors),
            "IMAGE_SIZE": 32,
            "BATCH_SIZE": 2,
            "EPOCHS": 2,
            "STEPS_PER_EPOCH": 2,
            "HELD_OUT": 2,
            "GENERATOR": TINY_GENERATOR,
            "DISCRIMINATOR": TINY_DISCRIMINATOR,
            "JIT_COMPILE": False,
            "RUN_DIR": str(run),
            "OUT_DIR": str(out),
        },
    )
    assert_run_folder(run)
    assert [p.name for p in sorted((run / "samples").glob("*.png"))] == ["epoch_0001.png", "epoch_0002.png"]
    config = json.loads((run / "config.json").read_text())
    assert config["data"]["colors"] == str(colors) and config["generator"]["base_filters"] == 8
    assert len((run / "log.csv").read_text().splitlines()) == 3  # header + 2 epochs
    # 2 held-out rows of sketch | G(sketch) | colour | F(colour)
    assert assert_png(run / "contact_sheet.png").size == (4 * 32 + 3 * 2, 2 * 32 + 2)
    assert_png(out / "training_batch.png")
    assert assert_png(out / "sketch_styles.png").size[0] == 6 * 32 + 5 * 2  # colour, 3 styles, 2 random
    assert_png(out / "loss_curves.png", min_side=200)
    assert len(outputs_of(nb, "display_data")) >= 5  # pictures and curves shown inline


def test_02_export_and_deploy(tmp_path):
    """Exports the shipped model (the notebook's default MODEL) in one format of each family.

    The notebook's default is every format; each conversion has its own
    tests (test_export.py, test_export_tfjs.py, test_pretrained.py), so here
    one of each family (SavedModel, the int8 TFLite file with its
    calibration, a quantised TF.js model) shows that the notebook's path
    through export_all, its table and its side-by-side work, at a third of
    the time of all nine."""
    FORMATS = ["saved_model", "tflite_int8", "tfjs_uint8"]

    export, web, out = tmp_path / "export", tmp_path / "web_models", tmp_path / "out"
    nb = execute(
        "02_export_and_deploy",
        tmp_path,
        {
            "EXPORT_FORMATS": FORMATS,
            "EXPORT_SIZE": 32,
            "EXPORT_DIR": str(export),
            "WEB_MODELS_DIR": str(web),
            "OUT_DIR": str(out),
        },
    )
    assert not list(tmp_path.glob("runs")), "the notebook trained a model instead of using the shipped one"
    for name in FORMATS:
        folder = export / name
        assert (folder / "metadata.json").is_file(), f"{name}: no metadata.json"
        assert any(p.name != "metadata.json" for p in folder.iterdir()), f"{name}: no model file"
    table = (out / "formats.md").read_text()
    assert all(f"| {name} |" in table for name in FORMATS) and "keras (reference)" in table
    runnable = [line for line in table.splitlines() if "dB" in line]
    assert len(runnable) >= 2, table  # at least the SavedModel and one TFLite file were compared
    side = assert_png(out / "side_by_side.png")
    assert side.size[1] == 3 * 32 + 2 * 2  # three 32x48 pictures, one per row
    columns = (side.size[0] + 2) // (48 + 2)  # input, Keras, then each export the loader opens
    assert columns >= 2 + sum(not name.startswith("tfjs") for name in FORMATS), columns
    for direction in ("colorize", "lines"):
        meta = json.loads((web / direction / "metadata.json").read_text())
        assert meta["direction"] == direction and (web / direction / "model.json").is_file()
        # the shipped weights, not some other model's
        assert meta["weights_sha256"] == pretrained.get().info()["weights_sha256"][direction]
        assert list((web / direction).glob("*.bin")), f"{direction}: no weight shards"
    assert any("npm run build" in "".join(o.get("text", "")) for o in outputs_of(nb, "stream"))


def test_03_line_extraction(tmp_path):
    """The shipped line extractor (the notebook's default MODEL) beside the sketch styles."""
    out = tmp_path / "out"
    execute(
        "03_line_extraction",
        tmp_path,
        {
            "IMAGE_COUNT": 2,
            "IMAGE_SIZE": 32,
            "OUT_DIR": str(out),
        },
    )
    # colour | F(colour) | xdog | pencil | gradient | random | true lines, two rows
    assert assert_png(out / "line_extraction.png").size == (7 * 32 + 6 * 2, 2 * 32 + 2)
    lines = sorted((out / "lines").glob("*.png"))
    assert len(lines) == 2 and all(assert_png(p).size == (32, 32) for p in lines)
    table = (out / "differences.md").read_text()
    assert all(f"| {style} |" in table for style in ("xdog", "pencil", "gradient", "random", "true lines"))


TESTED = {"01_train_cyclegan", "02_export_and_deploy", "03_line_extraction"}
