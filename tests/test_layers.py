"""The package's layers import one way, and its subpackages form no cycle.

    config, sketch, utils -> data, models, paint -> artifacts -> training, inference -> export -> cli

Every `import` and `from ... import` of the package, at module level or
inside a function, counts: a lazy import that goes up a layer is still a
dependency on the layer above.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "keras_anime_cyclegan"
LAYERS = {
    "config": 0, "sketch": 0, "utils": 0,
    "data": 1, "models": 1, "paint": 1,
    "artifacts": 2,
    "training": 3, "inference": 3,
    "export": 4,
    "cli": 5,
}


def _part(module: str) -> str | None:
    """The subpackage a dotted module name belongs to (None for the package root and its names)."""
    parts = module.split(".")
    if len(parts) < 2 or parts[0] != "keras_anime_cyclegan" or parts[1].startswith("__"):
        return None
    return parts[1]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return {m for m in found if m.startswith("keras_anime_cyclegan.")}


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        module = ".".join(rel.parts)
        own = _part(module)
        if own is None:
            continue  # the root: registers classes and names lazily
        targets = {_part(m) for m in _imports(path)} - {None, own}
        graph.setdefault(own, set()).update(t for t in targets if t in LAYERS)
        graph[own] |= set()
        for target in targets:
            assert target in LAYERS, f"{module} imports keras_anime_cyclegan.{target}, which has no layer here"
    return graph


def test_every_subpackage_has_a_layer():
    parts = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    parts |= {p.stem for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "__main__")}
    assert parts == set(LAYERS), f"add these to LAYERS: {sorted(parts - set(LAYERS))}"


def test_no_module_imports_a_layer_above_it():
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        own = _part(module)
        if own is None:
            continue
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
