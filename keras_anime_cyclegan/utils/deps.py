"""Optional dependencies: import them, or fail with one line naming the extra to install."""

from __future__ import annotations

import importlib


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
        top = module.split(".")[0]
        raise MissingDependency(
            f"{purpose} needs {top}, which is not installed: pip install \"keras-anime-cyclegan[{extra}]\""
        ) from e
