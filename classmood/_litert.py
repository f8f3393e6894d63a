"""Opening a ``.tflite`` file with the LiteRT interpreter: what the face detector
(:mod:`classmood.detectors.blazeface`) and the expression model
(:mod:`classmood.models.expression`) share."""

from __future__ import annotations

from pathlib import Path

from ._native import quiet_native_stderr
from .errors import ModelError


def open_interpreter(path: Path, threads: int, what: str, hint: str = "", option: str | None = None):
    """A LiteRT interpreter of ``path`` with its tensors allocated, its start-up chatter
    (the XNNPACK delegate's INFO line) kept off stderr. The caller checks first that the
    file exists.

    Args:
        path: the ``.tflite`` file.
        threads: CPU threads (at least 1).
        what: what the file should be, for the error when it is not a usable model
            (``"<path>: not a usable <what> (<the runtime's first line>)<hint>"``).
        hint: what to do, appended to that error (``"; re-export it"``).
        option: the CLI flag that names the file, for :class:`ModelError`.

    Raises:
        ModelError: the runtime (ai-edge-litert) is not installed, or the file is not a
            model it can run.
    """
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:  # pragma: no cover - a broken install
        raise ModelError("the LiteRT runtime (ai-edge-litert) is not installed; run: pip install ai-edge-litert") from None
    try:
        with quiet_native_stderr():
            interp = Interpreter(model_path=str(path), num_threads=max(1, int(threads)))
            interp.allocate_tensors()
    except (ValueError, RuntimeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"{path}: not a usable {what} ({first}){hint}", option=option) from None
    return interp
