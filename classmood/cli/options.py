"""The options several commands share, declared once, and the checks of their values.

``--db`` (sessions, demo, report and the agent commands) and the agent options of
``analyze`` and ``run``: what is read (``--names``, ``--presence-only``), what is kept
(``--db``, ``--no-store``), what is written at the end (``--no-report``, ``--out``) and
the face detection threshold (``--min-face-score``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import InputError


def add_db_option(p: argparse.ArgumentParser) -> None:
    """``--db FILE``: the session database (``args.db``, a Path or None for the default)."""
    p.add_argument("--db", type=Path, metavar="FILE", help="the session database (default: your data folder)")


def add_agent_options(p: argparse.ArgumentParser) -> None:
    """The options of the commands that run the agent (``analyze``, ``run``); read them
    with :meth:`classmood.cli.session.AgentOptions.from_args`."""
    p.add_argument("--names", action="store_true",
                   help="read and store participants' name labels (off by default: names are personal data)")
    p.add_argument("--presence-only", action="store_true",
                   help="no expression recognition at all: presence, cameras and away only "
                   "(what the EU AI Act allows in education)")
    add_db_option(p)
    p.add_argument("--no-store", action="store_true", help="do not store the session (and write no report)")
    p.add_argument("--no-report", action="store_true",
                   help="do not write the post-class report at the end (classmood report makes it later)")
    p.add_argument("--out", type=Path, metavar="DIR",
                   help="the report's folder (default: <db folder>/reports/session-<id>/, or "
                        "<db file name>-session-<id>/ for a database not named classmood.db)")
    p.add_argument("--min-face-score", type=float, default=0.5, metavar="S",
                   help="face detection threshold in (0, 1) (default 0.5)")


def check_seconds(flag: str, value: float | None, example: str | None = None) -> None:
    """Check a time option the user gave (None: not given, nothing to check).

    Args:
        flag: the option as typed, for the message (``"--duration"``).
        value: its value in seconds.
        example: a good value to suggest, or None.

    Raises:
        InputError: ``value`` is not above 0 (``"--duration 0.0: must be a number of
            seconds above 0"``).
    """
    if value is not None and not value > 0:
        hint = f", e.g. {example}" if example else ""
        raise InputError(f"{flag} {value}: must be a number of seconds above 0{hint}")
