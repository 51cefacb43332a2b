"""A quiet TensorFlow start-up: errors only, unless KAC_VERBOSE=1.

TensorFlow 2.21 logs through absl before absl is initialised, so part of
its start-up chatter ignores TF_CPP_MIN_LOG_LEVEL: on Intel CPUs every
process prints "WARNING: All log messages before absl::InitializeLog() ..."
and, twice, "oneDNN custom operations are on ..." (tensorflow/tensorflow
#100442). A command-line error would arrive four lines down. So the first
import of TensorFlow runs with the C-level stderr captured, and only lines
that are not absl INFO/WARNING records (or the absl preamble) are passed on.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile

# absl's record prefix: severity letter, MMDD, time; plus the preamble line.
_NOISE = re.compile(r"^(?:[IW]\d{4} \S+ +\d+ [^ ]+:\d+\] |WARNING: All log messages before absl::InitializeLog\(\))")


def verbose() -> bool:
    """True when the user asked for TensorFlow's own logging (KAC_VERBOSE=1)."""
    return os.environ.get("KAC_VERBOSE", "") not in ("", "0")


def import_tensorflow_quietly() -> None:
    """Imports TensorFlow (if installed) with its start-up INFO and WARNING records dropped.

    Sets TF_CPP_MIN_LOG_LEVEL=2 unless the user set it. Does nothing once
    TensorFlow is imported, and keeps everything when `verbose()`.
    """
    if verbose() or "tensorflow" in sys.modules:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        stderr_fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # no real stderr (a notebook kernel, a test capture)
        stderr_fd = None
    if stderr_fd is None:
        _import_tensorflow()
        return
    sys.stderr.flush()
    saved = os.dup(stderr_fd)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), stderr_fd)
        try:
            _import_tensorflow()
        finally:
            os.dup2(saved, stderr_fd)
            os.close(saved)
        captured.seek(0)
        text = captured.read().decode("utf-8", "replace")
    kept = [line for line in text.splitlines() if not _NOISE.match(line)]
    if kept:
        sys.stderr.write("\n".join(kept) + "\n")


def _import_tensorflow() -> None:
    try:
        import tensorflow  # noqa: F401
    except ImportError:
        pass  # reported by whatever needs it, with the extra to install
