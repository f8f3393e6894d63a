"""The ``classmood`` command line: the parser with every command, and :func:`main`,
which runs one and turns whatever goes wrong into one line and an exit status."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Sequence

from .. import __version__
from .._memory import keep_freed_memory
from .._native import NATIVE_LOGS_ENV
from ..errors import ClassMoodError
from . import analyze, demo, evaluate, report, run, sessions, train
from .errors import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_USER_ERROR, error_line

COMMANDS = (analyze, run, sessions, demo, report, evaluate, train)
"""The command modules, in the order ``classmood --help`` lists them; each has
``register(subparsers)``, which adds its parser with its handler as ``func``."""


def build_parser() -> argparse.ArgumentParser:
    """The ``classmood`` parser: ``--version``, ``--debug`` and every command."""
    p = argparse.ArgumentParser(
        prog="classmood",
        description="Read a video-class gallery (Zoom, Meet, Teams): tiles, faces, camera states, expressions.",
    )
    p.add_argument("--version", action="version", version=f"classmood {__version__}")
    p.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    p.add_argument("--verbose", action="store_true",
                   help="let native libraries' own log lines through (FFmpeg, MediaPipe, LiteRT), for debugging")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    return p


class _StderrWarnings(logging.Handler):
    """The library's warnings (``logging`` under ``classmood``) as ``classmood: warning:``
    lines on the stderr of the moment (tests swap it), like the CLI's own warnings; its
    INFO records are news for the teacher that needs no action (a window back on the
    screen), ``classmood: note:`` lines."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            kind = ("note" if record.levelno < logging.WARNING else "warning" if record.levelno < logging.ERROR
                    else "error")
            print(f"classmood: {kind}: {record.getMessage()}", file=sys.stderr, flush=True)
        except Exception:  # noqa: BLE001 - logging must never raise
            self.handleError(record)


def _log_to_stderr() -> None:
    """Show the library's warnings on stderr (once per process)."""
    logger = logging.getLogger("classmood")
    if not any(isinstance(h, _StderrWarnings) for h in logger.handlers):
        handler = _StderrWarnings(logging.INFO)
        logger.addHandler(handler)
        if logger.getEffectiveLevel() > logging.INFO:
            logger.setLevel(logging.INFO)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``classmood`` with ``argv`` (default: the process's arguments).

    Returns:
        The exit status: 0 done; 2 a user's error (one line on stderr, the flag to change
        named) or no command (the help printed); 1 a bug of ours (one line; ``--debug``
        re-raises it); 130 interrupted.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    keep_freed_memory()  # the agent's per-frame buffers stay mapped (classmood._memory)
    if argv[:1] == ["train"]:  # its own options (argparse's REMAINDER would swallow --help)
        return train.run(argv[1:])
    _log_to_stderr()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USER_ERROR
    if args.verbose:  # before any video or model is opened (no OpenCV is loaded yet)
        os.environ[NATIVE_LOGS_ENV] = "1"
        os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "24")  # FFmpeg's warnings and errors
    try:
        return args.func(args)
    except ClassMoodError as exc:
        print(error_line(exc), file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("classmood: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug of ours: one line, and how to see more
        if args.debug:
            raise
        print(f"classmood: internal error: {type(exc).__name__}: {exc} "
              "(run with --debug for details and please report it)", file=sys.stderr)
        return EXIT_INTERNAL
