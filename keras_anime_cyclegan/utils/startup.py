"""A quiet TensorFlow start-up: errors only, unless KAC_VERBOSE=1.

TensorFlow 2.21 logs through absl before absl is initialised, so part of
its start-up chatter ignores TF_CPP_MIN_LOG_LEVEL: on Intel CPUs every
process prints "WARNING: All log messages before absl::InitializeLog() ..."
and, twice, "oneDNN custom operations are on ..." (tensorflow/tensorflow
#100442). A command-line error would arrive four lines down. So the first
import of TensorFlow runs with the C-level stderr captured, and only lines
that are not absl INFO/WARNING records (or the absl preamble) are passed on.

The package root does not import TensorFlow or Keras itself (`kac --help`
answers at once): `register_with_keras` puts a finder on `sys.meta_path`
that wraps TensorFlow's first import in that filter and imports the
package's Keras classes right after Keras's first import. TFLite's
converter and LiteRT print their own notices from C++ the same way;
`converter_quietly` drops those.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import importlib.util
import os
import re
import sys
import tempfile

# absl's record prefix: severity letter, MMDD, time; plus the preamble line.
_NOISE = re.compile(r"^(?:[IW]\d{4} \S+ +\d+ [^ ]+:\d+\] |WARNING: All log messages before absl::InitializeLog\(\))")


def verbose() -> bool:
    """True when the user asked for TensorFlow's own logging (KAC_VERBOSE=1)."""
    return os.environ.get("KAC_VERBOSE", "") not in ("", "0")


# What TFLite's converter and LiteRT print from C++ on every conversion and
# interpreter, outside absl and so outside TF_CPP_MIN_LOG_LEVEL.
_CONVERTER_NOISE = re.compile(
    r"^(?:INFO: Created TensorFlow Lite .*delegate for CPU\.|fully_quantize: \d|"
    r"WARNING: Attempting to use a delegate that only supports static-sized tensors)"
)


@contextlib.contextmanager
def native_stderr_filtered(noise: re.Pattern | None = None):
    """Within the block, lines that native code writes to stderr (file
    descriptor 2) and that are absl start-up records or match `noise` are
    dropped; the rest are passed on when the block ends.

    Python's own `sys.stderr` writes are captured the same way (it is the
    same descriptor). Does nothing when `verbose()` or where stderr has no
    descriptor (a notebook kernel, a test capture).
    """
    try:
        stderr_fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        stderr_fd = None
    if verbose() or stderr_fd is None:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(stderr_fd)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), stderr_fd)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, stderr_fd)
            os.close(saved)
            captured.seek(0)
            text = captured.read().decode("utf-8", "replace")
            patterns = [_NOISE] + ([noise] if noise else [])
            kept = [line for line in text.splitlines() if not any(p.match(line) for p in patterns)]
            if kept:
                sys.stderr.write("\n".join(kept) + "\n")


def converter_quietly():
    """`native_stderr_filtered` for TFLite conversion and LiteRT interpreters."""
    return native_stderr_filtered(_CONVERTER_NOISE)


class _QuietStart(importlib.abc.MetaPathFinder):
    """Finds nothing itself; it wraps the loaders of two modules on their
    first import: TensorFlow's runs with its start-up chatter dropped
    (`native_stderr_filtered`), and Keras's is followed by importing
    `module` (which registers the package's classes with Keras)."""

    def __init__(self, module: str):
        self.module = module
        self.waiting = {"tensorflow", "keras"}

    def find_spec(self, name, path=None, target=None):
        if name not in self.waiting:
            return None
        # The spec the next finders give, with its loader's exec wrapped.
        # Finding is not importing (TensorFlow probes for Keras), so the
        # name stays awaited until its module actually runs.
        index = sys.meta_path.index(self)
        spec = None
        for finder in sys.meta_path[index + 1 :]:
            find = getattr(finder, "find_spec", None)
            spec = find(name, path, target) if find else None
            if spec is not None:
                break
        if spec is None or spec.loader is None:
            return spec
        run = spec.loader.exec_module

        def exec_module(module):
            self._done(name)
            if name == "tensorflow":
                os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
                with native_stderr_filtered():
                    run(module)
            else:
                run(module)
                importlib.import_module(self.module)

        spec.loader.exec_module = exec_module
        return spec

    def _done(self, name: str) -> None:
        self.waiting.discard(name)
        if not self.waiting and self in sys.meta_path:
            sys.meta_path.remove(self)


def register_with_keras(module: str) -> None:
    """Imports `module` (which registers Keras classes) now if Keras is loaded, else right after Keras's first import;
    TensorFlow, whenever it is first imported, starts quietly (unless `verbose()`).

    Keeps `import keras_anime_cyclegan` free of TensorFlow and Keras, which
    take seconds to start, while `keras.saving.load_model` still finds the
    package's classes whichever of the two a program imports first.
    """
    if "keras" in sys.modules:
        importlib.import_module(module)
    elif not any(isinstance(f, _QuietStart) for f in sys.meta_path):
        finder = _QuietStart(module)
        if "tensorflow" in sys.modules or verbose():
            finder.waiting.discard("tensorflow")
        sys.meta_path.insert(0, finder)
