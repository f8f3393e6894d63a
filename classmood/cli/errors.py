"""How the command line ends: its exit statuses, and the one line it prints for an error.

Library errors name the API parameter at fault (``exc.option``, e.g. ``"db"``), never a
flag; :func:`error_line` adds the flag that sets that parameter, written as ``--help``
writes it, so that a teacher learns what to change: ``classmood: error: <message>
(--db FILE)``. Errors the CLI detects itself name their flag in the message.
"""

from __future__ import annotations

import re

from ..errors import ClassMoodError

EXIT_OK = 0
"""The command did what was asked."""
EXIT_INTERNAL = 1
"""A bug of ours (an unexpected exception)."""
EXIT_USER_ERROR = 2
"""A problem with the user's input or environment (a :class:`ClassMoodError`), or no command."""
EXIT_INTERRUPTED = 130
"""Ctrl+C outside the live analysis (where it is a normal way to end the class)."""

FLAGS: dict[str, str] = {
    "db": "--db FILE",
    "region": "--region X,Y,W,H",
    "window": "--window N|TITLE",
    "window_id": "--window N|TITLE",
    "monitor": "--monitor N",
    "webcam": "--webcam N",
    "every": "--every SECONDS",
    "fps": "--fps FPS",
    "out": "--out DIR",
    "interval": "--interval SECONDS",
    "start": "--from SECONDS",
    "end": "--to SECONDS",
    "model": "--model MODEL.tflite",
    "names": "--names",
    "presence_only": "--presence-only",
    # classmood train (classmood.models.train.train and its Config)
    "data": "--data DATA",
    "resume": "--resume",
    "epochs": "--epochs EPOCHS",
    "init": "--init INIT",
    "teacher": "--teacher TEACHER",
    "kd": "--kd KD",
    "ferplus": "--ferplus FERPLUS",
    "degrade": "--degrade DEGRADE",
    "select": "--select SELECT",
    "time_budget": "--time-budget TIME_BUDGET",
    # python -m classmood.models.train.wise (weight-space interpolation of two checkpoints)
    "base": "--base FILE",
    "tuned": "--tuned FILE",
    "alpha": "--alpha ALPHA",
}
"""API parameter name -> the flag that sets it, with its metavar as in ``--help``. The
parameter ``paths`` (the files to analyse) is a positional argument: its message names
the files, so no flag is added."""


def error_line(exc: ClassMoodError) -> str:
    """The one line printed on stderr for a user's error.

    Args:
        exc: the error; its ``option`` (an API parameter name or None) picks the flag.

    Returns:
        ``"classmood: error: <message>"``, followed by ``" (<flag> <METAVAR>)"`` when
        ``option`` has a flag in :data:`FLAGS` that the message does not name already.
    """
    message = str(exc)
    flag = FLAGS.get(exc.option or "")
    if flag is not None and not re.search(rf"(?<![\w-]){re.escape(flag.split()[0])}(?![\w-])", message):
        message = f"{message} ({flag})"
    return f"classmood: error: {message}"
