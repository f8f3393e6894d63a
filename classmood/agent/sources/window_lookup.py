"""Finding the meeting window by part of its title, on any desktop: the platform's window
list (:mod:`~classmood.agent.sources.windows`: X11, Windows, macOS), then the largest
match on the screen."""

from __future__ import annotations

import os
import sys

from ...display import Rect, clip_rect
from ...errors import InputError


def _window_not_found(title: str) -> InputError:
    """The error for no visible window with ``title``, saying where it was looked for."""
    if sys.platform.startswith("linux"):
        where = f"on display {os.environ.get('DISPLAY', '')}"
    elif sys.platform == "darwin":
        where = "(macOS shows other apps' window titles only with the Screen Recording permission)"
    else:
        where = "on this desktop"
    return InputError(
        f"no visible window with {title!r} in its title {where}; open the meeting window "
        "(not minimised) and check its title bar, or capture a region X,Y,W,H or a monitor instead",
        option="window",
    )


def _platform_windows(title: str) -> list[tuple[str, Rect]]:
    """The visible windows whose title (or app: the process's name, macOS's owning app)
    contains ``title``, case-insensitive, from this platform's one enumeration
    (:func:`~classmood.agent.sources.windows.list_windows`: the titles ``--list`` shows)."""
    from .windows import list_windows

    needle = str(title).lower()
    return [(w.title or w.process, w.rect) for w in list_windows()
            if w.visible and (needle in (w.title or "").lower() or needle in (w.process or "").lower())]


def find_window(title: str, bounds: Rect | None = None) -> tuple[str, Rect]:
    """The largest visible window whose title (or app name) contains ``title``
    (case-insensitive).

    Args:
        title: part of the window's title (e.g. ``"Zoom"``).
        bounds: the virtual screen ``(x, y, w, h)``; when given, windows are clipped to
            it and windows entirely outside it are ignored.

    Returns:
        ``(full title, (x, y, w, h))``: the window's rectangle in virtual-screen pixels.

    Raises:
        InputError: the title is empty, the platform's lookup is not available, or no
            visible window matches (``option="window"``).
    """
    if not str(title).strip():
        raise InputError("window title is empty; give part of the meeting window's title, e.g. Zoom",
                         option="window")
    best: tuple[str, Rect] | None = None
    for name, rect in _platform_windows(title):
        if rect[2] <= 0 or rect[3] <= 0:
            continue
        if bounds is not None:
            rect = clip_rect(rect, bounds)
            if rect is None:
                continue
        if best is None or rect[2] * rect[3] > best[1][2] * best[1][3]:
            best = (name, rect)
    if best is None:
        raise _window_not_found(title)
    return best
