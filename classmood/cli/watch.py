"""What ``classmood run`` watches: the meeting found by itself (no source option), the
windows and monitors listed (``--list``), window N of that list or a window by title
(``--window``), a rectangle dragged over the screen (``--pick``), or what the teacher
named (``--monitor``, ``--region``, ``--webcam``). Each choice is said in one line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable, TypeVar

from ..errors import InputError
from .errors import EXIT_OK

if TYPE_CHECKING:
    from ..agent.choices import Pick
    from ..agent.finder import Discovery
    from ..agent.sources import Source

T = TypeVar("T")


def _say(line: str) -> None:
    print(f"classmood: {line}", file=sys.stderr, flush=True)


def _choices(args: argparse.Namespace) -> Path:
    from ..agent.choices import choices_path

    return choices_path(getattr(args, "db", None))


def _counted(d: Discovery) -> str:
    n_win = len(d.windows())
    n_mon = len(d.candidates) - n_win
    return (f"{n_win} window{'s' if n_win != 1 else ''} and {n_mon} screen{'s' if n_mon != 1 else ''}, "
            f"{d.compared} read in {d.seconds:.1f} s")


def list_candidates(args: argparse.Namespace) -> int:
    """``classmood run --list``: every window and monitor, best first, with what was read
    in each; the numbers are what ``--window N`` takes. Returns the exit status."""
    from ..agent.choices import save_listing
    from ..agent.finder import discover, listing

    d = discover()
    save_listing(_choices(args), d)
    print(f"{_counted(d)}; the first is what `classmood run` watches:")
    for line in listing(d):
        print(line)
    if d.windows_error:
        print(f"(windows could not be listed: {d.windows_error})")
    print("watch one: classmood run --window N, or --monitor N; or drag a rectangle: classmood run --pick")
    return EXIT_OK


def open_watched(args: argparse.Namespace) -> Source:
    """The source ``classmood run``'s options ask for, opened; one line on stderr says
    what is watched and why when ClassMood chose it.

    Raises:
        InputError: a window number that is not in the last list, or whatever the
            source raises (``option`` names the parameter).
    """
    from ..agent.sources import open_source

    fps = args.fps
    if args.webcam is not None or args.monitor is not None or args.region is not None:
        return open_source(monitor=args.monitor, region=args.region, webcam=args.webcam, fps=fps)
    if args.window is not None:
        text = str(args.window).strip()
        if text.isdigit():
            return open_source(window_id=_listed_id(args, int(text)), fps=fps)
        return open_source(window=args.window, fps=fps)
    if getattr(args, "pick", False):
        return _picked(args)
    return _found(args)


def _listed_id(args: argparse.Namespace, number: int) -> int:
    """The window id of ``--window N``: N of the last ``--list`` (listed again now when
    there was none)."""
    from ..agent.choices import listed_window, save_listing
    from ..agent.finder import discover

    path = _choices(args)
    entry = listed_window(path, number)
    if entry is None:
        d = discover()
        save_listing(path, d)
        entry = listed_window(path, number)
    if entry is None:
        raise InputError(f"there is no window {number} in the list of windows; see the list with: "
                         "classmood run --list", option="window")
    from ..agent.sources import get_window, meeting_app

    now = get_window(int(entry["id"]))
    listed = entry.get("app")
    # a closed window's id may be given to another app's new window: not what was listed
    if now is None or (listed and meeting_app(now) != listed) or (not listed and meeting_app(now)):
        what = f"a {listed} window" if listed else "a window"
        raise InputError(f"window {number} of the list was {what} that is closed now; list the windows again: "
                         "classmood run --list", option="window")
    return int(entry["id"])


def take_pick(choices: Path, region: tuple[int, int, int, int], watch: Callable[..., T]) -> tuple[Pick, T]:
    """The one path for a rectangle the teacher dragged over the gallery, from ``--pick``
    or the panel's "Pick the gallery": placed among the desktop's windows (a part of the
    meeting app's window that holds it, followed when it moves, else a fixed rectangle of
    the screen), watched, and then remembered for that app.

    Args:
        choices: the choices file (:func:`~classmood.agent.choices.choices_path`).
        region: the picked ``(x, y, w, h)``, virtual-screen pixels.
        watch: called with the pick's ``watch_options()`` (``region=``, or ``window_id=``
            and ``window_part=``): opens a source on it, or makes the running one watch it.

    Returns:
        ``(pick, what watch returned)``.

    Raises:
        InputError: what ``watch`` raised (then nothing is remembered).
    """
    from ..agent.choices import place_pick, remember_pick
    from ..agent.sources import list_monitors, list_windows

    try:
        windows = list_windows(list_monitors())
    except InputError:
        windows = []
    pick = place_pick(region, windows)
    out = watch(**pick.watch_options())
    remember_pick(choices, pick)
    return pick, out


def _picked(args: argparse.Namespace) -> Source:
    """``--pick``: the rectangle the teacher drags, remembered for the app whose window
    holds it."""
    from ..agent.sources import open_source
    from ..overlay.picker import pick_region

    _say("drag a rectangle over the class's gallery (Esc to cancel)")
    try:
        region = pick_region()
    except InputError as exc:
        if exc.option is not None:  # the picker cannot open here: give the rectangle as --region
            raise
        raise InputError(f"{exc}; run again: classmood run --pick, or let ClassMood find the meeting: "
                         "classmood run") from None
    if region is None:
        raise InputError("no rectangle was picked (cancelled); run again and drag over the gallery: classmood run "
                         "--pick, or let ClassMood find the meeting: classmood run")
    pick, source = take_pick(_choices(args), region, lambda **where: open_source(**where, fps=args.fps))
    _say(f"watching {pick.describe()}; stop with Ctrl+C")
    return source


def _found(args: argparse.Namespace) -> Source:
    """No source option: the meeting found by itself, said in one line. A part of the
    meeting app's window picked at an earlier class is watched again, unless it shows no
    one now while the whole window shows the gallery (the app's layout changed): then the
    whole window is, and one line says so."""
    from dataclasses import replace

    from ..agent.choices import recalled_parts, save_listing
    from ..agent.finder import discover
    from ..agent.sources import open_source

    parts = recalled_parts(_choices(args))
    d = discover(parts=parts)
    save_listing(_choices(args), d)
    best = d.best
    hidden_apps = [c for c in d.windows() if c.app and not c.visible]
    # until a meeting app's window is watched, one that shows up (the class starts, a
    # minimised Zoom is brought up) is watched from then on
    look = best is None or best.app is None
    later = "; a meeting app's window is watched as soon as one shows" if look else ""
    if hidden_apps and look:
        later = f"; {hidden_apps[0].what()} is minimised or off the screen: it is watched once you bring it up"
    if best is None or (best.kind == "monitor" and not best.reading.is_gallery):
        why = f" (windows could not be listed: {d.windows_error})" if d.windows_error else ""
        source = open_source(fps=args.fps, look_for_meeting=not d.windows_error)
        _say(f"no meeting on the screen yet{why}; watching {source.description}{later} "
             f"(checked {_counted(d)}; choose: classmood run --list, or drag a rectangle: classmood run --pick); "
             "stop with Ctrl+C")
        return source
    what, chosen = best.what(), best
    if best.kind == "monitor":
        source = open_source(monitor=best.monitor, fps=args.fps, look_for_meeting=look)
    else:
        part = parts.get(best.app) if best.app and best.part_reading is not None else None
        if part is not None:
            seen = best.part_reading
            if seen.faces == 0 and not seen.is_gallery and best.reading.is_gallery:
                # picked at an earlier class, in another layout: the class is elsewhere now
                _say(f"the part of the {best.app} window you picked last shows no participant now, while the whole "
                     f"window reads as {best.describe()}: watching the whole window (pick the gallery "
                     "again: 'Pick the gallery' in the panel, or classmood run --pick)")
                part = None
            else:
                what, chosen = f"the part you picked last of {what}", replace(best, reading=seen)
        source = open_source(window_id=best.window.id, window_part=part, fps=args.fps, look_for_meeting=look)
    rect = source.description.split("(")[-1].rstrip(")")
    if part is not None:  # screen pixels: they would read as the window's own
        rect += " on the screen"
        later += "; pick again: classmood run --pick, the whole window: classmood run --window 1"
    _say(f"watching {what} ({rect}): {chosen.why()}{_others(d, chosen)}{later} "
         f"(chosen among {_counted(d)}; all of them: classmood run --list); stop with Ctrl+C")
    return source


def _others(d: Discovery, chosen) -> str:
    """Words on the other meeting windows open beside the chosen one, and why this one:
    ``"; also open: the Zoom window 'Zoom' (gallery, 5 participants): this one shows the
    most participants"``; "" when there is none."""
    others = [c for c in d.windows() if c.app and c.visible and c.window is not None and chosen.window is not None
              and c.window.id != chosen.window.id]
    if not others or chosen.app is None:
        return ""
    listed = ", ".join(f"{c.what()} ({c.describe()})" for c in others[:3])
    more = f" and {len(others) - 3} more" if len(others) > 3 else ""
    mine = chosen.reading
    if mine is not None and mine.is_gallery and all(c.reading.tiles < mine.tiles for c in others):
        reason = "this one shows the most participants"
    else:
        reason = "this one reads best as a live gallery of the class"
    return f"; also open: {listed}{more}: {reason}"
