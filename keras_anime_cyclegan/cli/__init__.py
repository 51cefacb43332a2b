"""The `kac` command line: a thin door over the package.

Each subcommand lives in its own module with `add_parser(subparsers)`;
heavy imports (TensorFlow) happen only when a command runs, so `kac --help`
is instant.
"""

from __future__ import annotations

import argparse
import sys

from keras_anime_cyclegan.cli import data, demo, export, infer, synth, train
from keras_anime_cyclegan.utils.deps import MissingDependency, missing_extra
from keras_anime_cyclegan.utils.tf_compat import UnsupportedTensorFlow

COMMANDS = [demo, infer, train, synth, data, export]


class CLIError(Exception):
    """A problem the user can fix; printed as one line, no traceback."""


def build_parser() -> argparse.ArgumentParser:
    """The `kac` parser with every subcommand."""
    from keras_anime_cyclegan.version import __version__

    parser = argparse.ArgumentParser(
        prog="kac", description="Colour anime sketches and extract line art with an unpaired CycleGAN."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_guarded(f"kac {args.command}", lambda: args.run(args))


def _raised_by_the_package(error: BaseException) -> bool:
    """Whether `error` was raised by this package's own code (a checked user
    error), not inside a library it calls."""
    import traceback
    from pathlib import Path

    frames = traceback.extract_tb(error.__traceback__)
    here = str(Path(__file__).resolve().parents[1])
    return isinstance(error, (CLIError, MissingDependency, UnsupportedTensorFlow)) or not frames or frames[-1].filename.startswith(here)


def run_guarded(prog: str, action) -> int:
    """Runs `action()`; a user error is one line `prog: error: ...` and exit code 2.

    `kac` and the scripts under `export/` report errors the same way through this.
    """
    try:
        try:
            return int(action() or 0)
        except ModuleNotFoundError as e:
            # An optional package imported where it is used: one line naming its extra.
            explained = missing_extra(e)
            if explained is None:
                raise
            raise explained from e
    except (CLIError, MissingDependency, UnsupportedTensorFlow, FileNotFoundError, FileExistsError, ValueError) as e:
        if not _raised_by_the_package(e):
            raise  # a ValueError deep in TensorFlow or Keras is a bug to report, with its traceback
        print(f"{prog}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
