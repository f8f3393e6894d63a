"""``classmood sessions``: the stored class sessions listed (a table or JSON), or
deleted (one, or all older than some days)."""

from __future__ import annotations

import argparse
import datetime as dt
import json

from ..errors import InputError
from ..timefmt import clock
from .errors import EXIT_OK
from .options import add_db_option


def register(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``sessions`` command to ``sub`` (the ``classmood`` subcommands)."""
    ss = sub.add_parser(
        "sessions",
        help="list or delete stored sessions",
        description="List the stored class sessions, or delete them.",
    )
    add_db_option(ss)
    ss.add_argument("--delete", metavar="ID", help="delete session ID (or 'latest')")
    ss.add_argument("--purge-older-than", type=float, metavar="DAYS", help="delete sessions started more than DAYS ago")
    ss.add_argument("--json", action="store_true", help="print the list as JSON")
    ss.set_defaults(func=handle)
    return ss


def handle(args: argparse.Namespace) -> int:
    """Run ``classmood sessions``; returns the exit status (errors are raised)."""
    from ..agent.store import SessionStore

    if args.purge_older_than is not None and not args.purge_older_than >= 0:
        raise InputError(f"--purge-older-than {args.purge_older_than}: must be a number of days >= 0")
    with SessionStore(args.db) as store:
        if args.delete is not None:
            info = store.session(args.delete)
            store.delete_session(info.id)
            print(f"deleted session {info.id} from {store.path}")
            return EXIT_OK
        if args.purge_older_than is not None:
            n = store.purge_older_than(args.purge_older_than)
            print(f"deleted {n} session{'s' if n != 1 else ''} older than {args.purge_older_than:g} days from {store.path}")
            return EXIT_OK
        rows = store.sessions()
        if args.json:
            print(json.dumps([{"id": r.id, "started_at": r.started_at, "ended_at": r.ended_at, "source": r.source,
                               "names": r.names, "presence_only": r.presence_only, "frames": r.frames,
                               "participants": r.participants, "duration_s": r.duration_s} for r in rows],
                             ensure_ascii=False))
            return EXIT_OK
        if not rows:
            print(f"no sessions stored in {store.path}")
            return EXIT_OK
        print(f"{'id':>4}  {'started':<16} {'length':>8} {'frames':>6} {'people':>6}  source")
        for r in rows:
            start = dt.datetime.fromtimestamp(r.started_at).strftime("%Y-%m-%d %H:%M")
            unread = store.unread(r.id)
            flags = [f for f, on in (("names", r.names), ("presence-only", r.presence_only),
                                     ("cut short", r.ended_at is None),
                                     ("not read to its end", any(u.end_s is None for u in unread)),
                                     ("parts unreadable", any(u.end_s is not None for u in unread))) if on]
            print(f"{r.id:>4}  {start:<16} {clock(r.duration_s):>8} {r.frames:>6} {r.participants:>6}  {r.source}"
                  + (f"  ({', '.join(flags)})" if flags else ""))
        print(f"({store.path})")
    return EXIT_OK
