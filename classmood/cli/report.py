"""``classmood report``: the post-class report of a stored session (HTML, CSV, JSON and,
on request, PDF); the files' paths printed, the HTML page's last."""

from __future__ import annotations

import argparse
from pathlib import Path

from .errors import EXIT_OK
from .options import add_db_option


def register(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``report`` command to ``sub`` (the ``classmood`` subcommands)."""
    rp = sub.add_parser(
        "report",
        help="write the post-class report of a stored session (HTML, CSV, JSON)",
        description="Write the report of a stored session: a self-contained HTML page (class timeline, "
        "participant heatmap, moments to look at again, per-participant table, caveats), a CSV with one row "
        "per participant per interval and a JSON summary (see classmood/report/SCHEMA.md).",
    )
    rp.add_argument("session", metavar="SESSION", help="the session id, or 'latest'")
    add_db_option(rp)
    rp.add_argument("--out", type=Path, metavar="DIR",
                    help="write the files here (default: <db folder>/reports/session-<id>/, or "
                         "<db file name>-session-<id>/ for a database not named classmood.db)")
    rp.add_argument("--interval", type=float, default=None, metavar="SECONDS",
                    help="length of the report's time intervals (default: by the session's length, as the "
                         "report written at the end of run / analyze: 60 from 30 minutes on, else about 30 intervals)")
    rp.add_argument("--no-names", action="store_true",
                    help="anonymous ids only, even if the session stored participants' names")
    rp.add_argument("--from", dest="start", type=float, metavar="SECONDS",
                    help="report from this many seconds after the session start")
    rp.add_argument("--to", dest="end", type=float, metavar="SECONDS",
                    help="report up to this many seconds after the session start")
    rp.add_argument("--pdf", action="store_true", help="also print the report to PDF (needs Chromium)")
    rp.set_defaults(func=handle)
    return rp


def handle(args: argparse.Namespace) -> int:
    """Run ``classmood report``; returns the exit status (errors are raised)."""
    from ..agent.store import SessionStore
    from ..report import build_report

    with SessionStore(args.db, readonly=True) as store:
        paths = build_report(store, args.session, args.out, interval_s=args.interval, names=not args.no_names,
                             start_s=args.start, end_s=args.end, pdf=args.pdf)
    print(f"csv: {paths.csv}")
    print(f"json: {paths.json}")
    if paths.pdf is not None:
        print(f"pdf: {paths.pdf}")
    print(f"report: {paths.html}")
    return EXIT_OK
