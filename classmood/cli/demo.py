"""``classmood demo``: the demo class (:mod:`classmood.demo`) shown in a window of its
own process and analysed live from the screen with the overlay and the panel (what
``classmood run --window`` does); without a display, or a window, analysed from memory.
Either way the session is stored and the report's path printed last."""

from __future__ import annotations

import argparse
import os
import select
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import EXIT_OK
from .options import add_db_option, check_seconds
from .run import run_live
from .session import AgentOptions

if TYPE_CHECKING:  # imported where used: it builds galleries (``classmood --help`` stays fast)
    from ..demo import DemoOptions


def register(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``demo`` command to ``sub`` (the ``classmood`` subcommands)."""
    dm = sub.add_parser(
        "demo",
        help="see it work in a minute: a class built from a bundled photo, analysed for real",
        description="Build a class gallery from a portrait that ships with matplotlib, show it in a window and "
        "run the real agent on the screen with the overlay and the panel; headless (no display), analyse the "
        "same gallery from memory. Either way the session is stored and the report's path printed last.",
    )
    dm.add_argument("--duration", type=float, default=30.0, metavar="SECONDS", help="length of the class (default 30)")
    dm.add_argument("--headless", action="store_true", help="analyse from memory even when a display is available")
    dm.add_argument("--names", action="store_true", help="read the participants' name labels")
    dm.add_argument("--presence-only", action="store_true", help="no expression recognition at all")
    add_db_option(dm)
    dm.add_argument("--out", type=Path, metavar="DIR", help="the report's folder")
    dm.set_defaults(func=handle)
    return dm


def _display_available() -> bool:
    """Whether a window can be shown and captured here (on Linux: an X11 display)."""
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY")) and os.environ.get("XDG_SESSION_TYPE", "").lower() != "wayland"
    return True


def _from_memory(options: DemoOptions) -> int:
    """The demo analysed from memory; its closing lines on stderr."""
    from ..demo import run_headless

    run_headless(options, log=lambda line: print(line, file=sys.stderr))
    return EXIT_OK


def handle(args: argparse.Namespace) -> int:
    """Run ``classmood demo``; returns the exit status (errors are raised)."""
    from ..agent.sources import open_source
    from ..demo import WINDOW_TITLE, DemoOptions

    check_seconds("--duration", args.duration)
    options = DemoOptions(duration_s=args.duration, names=args.names, presence_only=args.presence_only,
                               db=args.db, out=args.out)
    if args.headless or not _display_available():
        if not args.headless:
            print("classmood demo: no display here: analysing the demo class from memory", file=sys.stderr)
        return _from_memory(options)
    # the class in a window of its own process, the real agent on the screen around it
    child = subprocess.Popen([sys.executable, "-m", "classmood.demo", "60", "60", str(options.duration_s)],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        ready, _, _ = select.select([child.stdout], [], [], 30)
        if not ready or child.stdout.readline().strip() != "shown":
            print("classmood demo: could not open a window: analysing the demo class from memory", file=sys.stderr)
            return _from_memory(options)
        source = open_source(window=WINDOW_TITLE, fps=2.0)
        agent = AgentOptions(names=options.names, presence_only=options.presence_only, db=options.db,
                             out=options.out)
        return run_live(source, agent, duration_s=options.duration_s)
    finally:
        child.kill()
        child.wait()
