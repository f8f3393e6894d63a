"""``classmood run``: the class analysed live from the screen (a monitor, a region, a
window) or a webcam until Ctrl+C, SIGTERM or ``--duration``, under the on-screen overlay
and the class-mood panel when a display allows them; stored as it goes."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ..errors import ClassMoodError
from .errors import EXIT_OK
from .options import add_agent_options, check_seconds
from .session import AgentOptions
from .text import status_line, summary_text

if TYPE_CHECKING:
    from ..agent.pipeline import Pipeline
    from ..agent.sources import Source
    from ..agent.store import SessionStore
    from ..agent.summary import SessionSummary
    from ..types import Frame, FrameResult


def register(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``run`` command to ``sub`` (the ``classmood`` subcommands)."""
    r = sub.add_parser(
        "run",
        help="analyse the class live from the screen",
        description="Capture the gallery from the screen (or a webcam) and analyse it until Ctrl+C or "
        "SIGTERM; the session is stored as it goes. With no source option, the meeting is found by itself: a "
        "Zoom, Teams or Webex window, a browser tab with Meet, Jitsi, BigBlueButton or Teams, or else the "
        "window or monitor that shows a gallery of participants (see them all with --list).",
    )
    where = r.add_mutually_exclusive_group()
    where.add_argument("--monitor", type=int, metavar="N", help="capture monitor N (1 = the primary)")
    where.add_argument("--region", metavar="X,Y,W,H", help="capture this rectangle of the screen")
    where.add_argument("--window", metavar="N|TITLE",
                       help="capture window N of --list (followed when it moves), or the window whose title "
                       "contains TITLE")
    where.add_argument("--pick", action="store_true",
                       help="drag a rectangle over the gallery on the screen (remembered for the meeting app)")
    where.add_argument("--webcam", type=int, metavar="N", help="use webcam N instead (trying it alone)")
    r.add_argument("--list", action="store_true",
                   help="list the windows and monitors the meeting may be in, best first, with what is seen "
                   "in each (numbers for --window N), and exit")
    r.add_argument("--fps", type=float, default=2.0, help="analysed frames per second (default 2)")
    r.add_argument("--duration", type=float, metavar="SECONDS", help="stop after SECONDS (default: until Ctrl+C)")
    r.add_argument("--no-overlay", action="store_true", help="no on-screen overlay (headless)")
    r.add_argument("--json", action="store_true", help="print one JSON object per analysed frame")
    add_agent_options(r)
    r.set_defaults(func=handle)
    return r


def handle(args: argparse.Namespace) -> int:
    """Run ``classmood run``; returns the exit status (errors are raised)."""
    from ..agent.store import check_db_path
    from .watch import list_candidates, open_watched

    if args.db is not None:  # first: meeting.json is kept beside it, and no window is looked for in vain
        check_db_path(args.db)
    if args.list:
        return list_candidates(args)
    options = AgentOptions.from_args(args)
    check_seconds("--duration", args.duration)
    source = open_watched(args)
    # found by itself or dragged: open_watched said what is watched and why, in one line
    said = all(getattr(args, k, None) is None for k in ("window", "monitor", "region", "webcam"))
    return run_live(source, options, duration_s=args.duration, overlay=not args.no_overlay, json_lines=args.json,
                    announce=not said)


def run_live(source: Source, options: AgentOptions, *, duration_s: float | None = None, overlay: bool = True,
             json_lines: bool = False, announce: bool = True) -> int:
    """Analyse a live ``source`` until Ctrl+C, SIGTERM or ``duration_s`` seconds, then
    print the summary, where the session is stored and the report's path. These end the
    class even while no frame comes (the watched window minimised or closed); a second
    Ctrl+C ends it at once, without the summary (the session is still stored).

    Args:
        source: an open live source (screen or webcam); closed when done.
        options: the agent's options.
        duration_s: stop after this many seconds (from now), or None.
        overlay: draw the overlay and the panel when this display can (a line on stderr
            says why not when it cannot, and the analysis goes on without).
        json_lines: print one JSON object per analysed frame, then one with the session
            summary (``{"summary": ..., "session": ..., "db": ...}``, as ``analyze --json``
            does), instead of a status line and the summary's text.
        announce: say what is analysed, in one line (False: the caller said it).

    Returns:
        The exit status, :data:`~classmood.cli.errors.EXIT_OK` (Ctrl+C is a normal end).
    """
    from ..agent.choices import choices_path
    from ..agent.runner import run_session

    if overlay:
        from ..overlay import overlay_unavailable

        reason = overlay_unavailable()
        if reason is not None:
            print(f"classmood: no on-screen overlay: {reason}; analysing without it "
                  "(pass --no-overlay to silence this)", file=sys.stderr)
            overlay = False
    stop = threading.Event()

    def end(*_) -> None:
        """End the class as a normal end (the summary is printed, the session stored): on
        SIGTERM, the first Ctrl+C and at ``duration_s``, also while no frame comes (a
        followed window minimised or closed: the source is interrupted, not waited for)."""
        stop.set()
        source.interrupt()

    def first_ctrl_c(*_) -> None:
        end()
        signal.signal(signal.SIGINT, signal.default_int_handler)  # a second Ctrl+C: at once

    previous = signal.signal(signal.SIGTERM, end)
    previous_int = signal.signal(signal.SIGINT, first_ctrl_c)
    timer = None
    if duration_s is not None:
        timer = threading.Timer(duration_s, end)
        timer.daemon = True
        timer.start()
    status = sys.stderr.isatty() and not json_lines
    from ..agent.limits import ViewLimits

    from ..agent.sources import meeting_app

    def app_now() -> str | None:
        window = getattr(source, "window", None)  # a followed window: its app's own words
        return None if window is None else meeting_app(window)

    limits = ViewLimits(app_now())
    seen = {"switches": getattr(source, "switches", 0)}

    def show(frame: Frame, result: FrameResult) -> None:
        nonlocal limits
        if getattr(source, "switches", 0) != seen["switches"]:  # another window or part: read afresh
            seen["switches"], limits = source.switches, ViewLimits(app_now())
        limit = limits.update(result)
        if limit is not None:
            print(f"{chr(10) if status else ''}classmood: note: {limit}", file=sys.stderr, flush=True)
        if json_lines:
            print(json.dumps(result.to_dict(), ensure_ascii=False), flush=True)
        elif status:
            print(f"\r  {status_line(frame.timestamp, result)}   ", end="", file=sys.stderr, flush=True)

    if announce:
        print(f"classmood: analysing {source.description}; stop with Ctrl+C", file=sys.stderr)
    try:
        with source, options.pipeline() as pipeline:
            store = options.open_store(source, "run", fps=getattr(source, "fps", None))
            sid = None if store is None else store.session_id
            try:
                if overlay:
                    summary = _under_overlay(source, pipeline, store, stop, show, options.presence_only,
                                             notes=lambda: [limits.holding], choices=choices_path(options.db))
                else:
                    summary = run_session(source, pipeline, store, stop=stop, on_result=show)
            except KeyboardInterrupt:  # a second Ctrl+C: ended at once, stored, no summary
                summary = None
            finally:
                if store is not None:
                    for a, b in source.unseen_stretches():  # the window not visible: the report says so
                        store.mark_unread(a, b)
                    store.end_session()
                    store.close()
    finally:
        if timer is not None:
            timer.cancel()
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
    if status:
        print(file=sys.stderr)
    if summary is not None and json_lines:
        print(json.dumps({"summary": summary.to_dict(), "session": sid,
                          "db": None if store is None else str(store.path)}, ensure_ascii=False), flush=True)
    elif summary is not None:
        print(summary_text(source.description, summary.to_dict()))
    if store is not None:
        options.finish(store.path, sid)
    return EXIT_OK


def _under_overlay(source: Source, pipeline: Pipeline, store: SessionStore | None, stop: threading.Event,
                   show: Callable[[Frame, FrameResult], None], presence_only: bool, *,
                   notes: Callable[[], list[str | None]] = list, choices: Path | None = None) -> SessionSummary:
    """The run loop under the overlay and the panel (the GUI owns the main thread, the
    loop runs in a thread): badges drawn over the captured region and masked out of the
    next frames; the panel's pause and presence-only switches obeyed frame by frame; what
    limits the reading (``notes()``) shown in the panel; a rectangle picked with the
    panel's "Pick the gallery" watched from the next frame on and remembered in
    ``choices`` (as ``--pick`` does: :func:`~classmood.cli.watch.take_pick`)."""
    from ..agent.runner import run_session
    from ..overlay import Controls, run_with_overlay
    from .watch import take_pick

    region = getattr(source, "rect", None)  # a screen source; None (a webcam): the panel alone
    can_pick = region is not None and callable(getattr(source, "watch", None)) and choices is not None
    controls = Controls(presence_only=presence_only, expressions_allowed=not presence_only, can_pick=can_pick)

    def on_pick(rect: tuple[int, int, int, int]) -> None:
        try:
            pick, _ = take_pick(choices, rect, source.watch)  # type: ignore[arg-type,attr-defined]
        except ClassMoodError as exc:
            controls.say(f"Not watched: {exc}")
            raise
        print(f"classmood: note: watching {pick.describe()} from now on; the class goes on there (what was read so "
              "far is kept, and each student keeps their id)",
              file=sys.stderr, flush=True)
        controls.say(f"Watching {pick.describe()}.")

    def work(overlay) -> SessionSummary:
        def on_result(frame: Frame, result: FrameResult) -> None:
            show(frame, result)
            overlay.update(frame, result, notes=[n for n in notes() if n])

        tell_unseen(source, controls, stop)
        return run_session(source, pipeline, store, stop=stop, on_result=on_result, mask=overlay.mask_rects,
                           controls=controls, on_pick=on_pick if can_pick else None)

    # the panel's place, once the teacher moved it, is remembered beside the session database
    from ..agent.store import default_db_path

    folder = store.path.parent if store is not None else default_db_path().parent
    return run_with_overlay(region, work, controls=controls, stop=stop, panel_file=folder / "panel.json")


UNSEEN_POLL_S = 0.5
"""How often the panel is told whether the meeting can be seen (:func:`tell_unseen`)."""


def tell_unseen(source: object, controls, stop: threading.Event, every_s: float = UNSEEN_POLL_S) -> threading.Thread:
    """Keep the panel told whether the meeting can be seen: every ``every_s`` seconds, a
    thread hands the source's ``not_seen`` words (a followed window minimised, closed,
    off the screen or nearly all covered: :attr:`ScreenSource.not_seen
    <classmood.agent.sources.ScreenSource.not_seen>`) to ``controls.set_unseen``, and its
    ``covered_note`` (part of it covered by another window: :attr:`ScreenSource.covered_note
    <classmood.agent.sources.ScreenSource.covered_note>`) to ``controls.set_covered``, until
    ``stop`` is set. A thread, as no frame reaches the run loop while the window cannot
    be seen.

    Args:
        source: the live source (one without ``not_seen``, a webcam, is always seen).
        controls: the panel's :class:`~classmood.overlay.Controls`.
        stop: ends the thread.
        every_s: seconds between looks, above 0.

    Returns:
        The started daemon thread.
    """
    def loop() -> None:
        while True:
            controls.set_unseen(getattr(source, "not_seen", None))
            if hasattr(controls, "set_covered"):
                controls.set_covered(getattr(source, "covered_note", None))
            if stop.wait(every_s):
                return

    thread = threading.Thread(target=loop, name="classmood-unseen", daemon=True)
    thread.start()
    return thread
