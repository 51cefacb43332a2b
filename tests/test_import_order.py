"""The package's layers import one way, and its subpackages form no cycle.

    config, version, sketch, utils -> data, models, paint -> artifacts
        -> training, inference -> export -> cli -> the package root

The package root (`keras_anime_cyclegan/__init__.py`, its lazy doors to
every submodule and name) is the top layer: a module that imports it (for
`__version__`, say) depends on everything the root may load. Every `import`
and `from ... import` of the package, at module level or inside a function,
counts: a lazy import that goes up a layer is still a dependency on the
layer above.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "keras_anime_cyclegan"
ROOT = "keras_anime_cyclegan"
LAYERS = {
    "config": 0, "version": 0, "sketch": 0, "utils": 0,
    "data": 1, "models": 1, "paint": 1,
    "artifacts": 2,
    "training": 3, "inference": 3,
    "export": 4,
    "cli": 5,
    ROOT: 6,
}


def _part(module: str) -> str:
    """The subpackage a dotted module name belongs to; ROOT for the package
    root, its own modules (__init__, __main__) and the names it exports."""
    parts = module.split(".")
    if len(parts) < 2 or parts[1] not in LAYERS:
        return ROOT
    return parts[1]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module != ROOT:  # `from ROOT import x` imports x (a submodule, or a name of the root)
                found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return {m for m in found if m == ROOT or m.startswith(ROOT + ".")}


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        module = ".".join(rel.parts)
        own = _part(module)
        targets = {_part(m) for m in _imports(path)} - {own}
        graph.setdefault(own, set()).update(t for t in targets if t in LAYERS)
        graph[own] |= set()
        for target in targets:
            assert target in LAYERS, f"{module} imports keras_anime_cyclegan.{target}, which has no layer here"
    return graph


def test_every_subpackage_has_a_layer():
    parts = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    parts |= {p.stem for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "__main__")}
    assert parts | {ROOT} == set(LAYERS), f"add these to LAYERS: {sorted(parts - set(LAYERS))}"


def test_the_root_opens_every_subpackage_lazily():
    """`kac.<name>` works for every subpackage without importing it up front."""
    import keras_anime_cyclegan as kac

    subpackages = set(LAYERS) - {ROOT}
    assert subpackages <= set(dir(kac)), sorted(subpackages - set(dir(kac)))
    for name in sorted(subpackages):
        assert getattr(kac, name) is importlib.import_module(f"{ROOT}.{name}")


def test_no_module_imports_a_layer_above_it():
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        own = _part(module)
        for imported in _imports(path):
            target = _part(imported)
            if target in LAYERS and LAYERS[target] > LAYERS[own]:
                wrong.append(f"{module} (layer {LAYERS[own]}) imports {imported} (layer {LAYERS[target]})")
    assert not wrong, "\n".join(sorted(wrong))


def test_subpackages_form_no_cycle():
    graph = _graph()
    state: dict[str, str] = {}

    def visit(node, trail):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                raise AssertionError("import cycle: " + " -> ".join(trail + [node, nxt]))
            if nxt not in state:
                visit(nxt, trail + [node])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [])


def test_config_reads_without_keras():
    """config.py is layer 0 so that a bad config.json fails before TensorFlow
    loads: no import of a backend in it, not even inside a function."""
    backends = {"keras", "tensorflow", "jax", "torch"}
    tree = ast.parse((PACKAGE / "config.py").read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & backends, sorted(imported & backends)
