"""Optional dependencies: import them, or fail with one line naming the extra to install."""

from __future__ import annotations

import importlib
import importlib.util


class MissingDependency(ImportError):
    """An optional package is not installed; the message says which extra brings it."""


def require(module: str, extra: str, purpose: str):
    """Imports `module`, or raises `MissingDependency` naming `pip install "keras-anime-cyclegan[extra]"`.

    Args:
        module: the import name (`"ai_edge_litert.interpreter"`).
        extra: the setup.cfg extra that installs it (`"litert"`).
        purpose: what needs it, for the message (`"running .tflite files"`).
    """
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise _missing(purpose, module.split(".")[0], extra) from e


def _missing(purpose: str, top: str, extra: str) -> MissingDependency:
    hint = " (or [gpu] on a CUDA machine)" if top == "tensorflow" else ""
    return MissingDependency(f"{purpose} needs {top}, which is not installed: pip install \"keras-anime-cyclegan[{extra}]\"{hint}")


# The extra that brings each optional top-level module (setup.cfg).
EXTRAS = {
    "tensorflow": "cpu",
    "ai_edge_litert": "litert",
    "resvg_py": "svg",
    "skimage": "benchmarks",
    "torch": "torch",
}


def missing_extra(error: BaseException) -> MissingDependency | None:
    """A `MissingDependency` naming the extra for a ModuleNotFoundError of an
    optional package (`error.name`), or None for anything else."""
    if isinstance(error, MissingDependency) or not isinstance(error, ModuleNotFoundError) or not error.name:
        return None
    top = error.name.split(".")[0]
    return _missing("this", top, EXTRAS[top]) if top in EXTRAS else None


def installed(module: str) -> bool:
    """Whether `module` can be imported here (found, not imported)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False
