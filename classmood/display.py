"""The screen ClassMood captures: the connection to it (mss), its monitors, and one
clear line when there is no screen to connect to (no X display, a Wayland session).

A base-layer module: it imports only ``errors`` and ``_native``, so the frame sources
(which capture the screen) and the overlay (which places its panel on a monitor) both
use it without importing each other.
"""

from __future__ import annotations

import os
import sys
from typing import Sequence

from ._native import quiet_native_stderr
from .errors import InputError

Rect = tuple[int, int, int, int]
"""``(x, y, w, h)`` in virtual-screen pixels (x and y may be negative left of or above
the primary monitor)."""

WAYLAND_MESSAGE = (
    "screen capture is not possible on Wayland (mss reads X11 only); log in to an "
    "'X11/Xorg' session, or analyse a recording with: classmood analyze FILE"
)
"""Why nothing can be captured on a Wayland desktop, and what to do instead."""
NO_DISPLAY_MESSAGE = (
    "no screen to capture: DISPLAY is not set (no X11 desktop here, e.g. an SSH session or "
    "a server); run from a desktop session, start a virtual one (Xvfb :99 & export "
    "DISPLAY=:99), or analyse a recording with: classmood analyze FILE"
)
"""Why nothing can be captured on Linux without an X display, and what to do instead."""


def wayland_session() -> bool:
    """True when the desktop session is Wayland (``XDG_SESSION_TYPE`` or ``WAYLAND_DISPLAY``)."""
    return (os.environ.get("XDG_SESSION_TYPE", "").strip().lower() == "wayland"
            or bool(os.environ.get("WAYLAND_DISPLAY", "").strip()))


def one_line(exc: BaseException) -> str:
    """An exception's text on one line of at most 200 characters (its type name when empty)."""
    text = " ".join(str(exc).split())
    return text[:200] or type(exc).__name__


def open_mss():
    """Connect to the screen.

    Returns:
        An open ``mss.MSS`` whose ``monitors`` lists at least one monitor; the caller
        closes it.

    Raises:
        InputError: one line saying why there is no screen to capture here (no DISPLAY,
            a Wayland session, an X server that does not answer, no monitor) and what to
            do instead.
    """
    linux = sys.platform.startswith("linux")
    display = os.environ.get("DISPLAY", "").strip()
    if linux and not display:
        raise InputError(WAYLAND_MESSAGE if wayland_session() else NO_DISPLAY_MESSAGE)
    try:
        import mss
    except ImportError:  # pragma: no cover - mss is a dependency
        raise InputError("screen capture needs the mss package; install it with: pip install mss") from None
    try:
        with quiet_native_stderr():
            sct = mss.MSS()
            monitors = sct.monitors
    except mss.ScreenShotError as exc:
        if linux and wayland_session():
            raise InputError(WAYLAND_MESSAGE) from None
        if linux:
            raise InputError(
                f"cannot connect to the X display {display!r} (is an X server running there?); "
                "check DISPLAY, start a virtual one (Xvfb :99 & export DISPLAY=:99), or analyse "
                "a recording with: classmood analyze FILE"
            ) from None
        raise InputError(f"screen capture is not available here ({one_line(exc)}); "
                         "analyse a recording with: classmood analyze FILE") from None
    if len(monitors) < 2:
        sct.close()
        raise InputError("screen capture found no monitor; connect a screen or analyse a "
                         "recording with: classmood analyze FILE")
    return sct


def monitor_rect(monitor: dict) -> Rect:
    """An mss monitor (``{"left", "top", "width", "height"}``) as ``(x, y, w, h)``."""
    return (int(monitor["left"]), int(monitor["top"]), int(monitor["width"]), int(monitor["height"]))


def format_rect(rect: Rect) -> str:
    """``(x, y, w, h)`` for the user: ``"1280x720 at 0,0"``."""
    x, y, w, h = rect
    return f"{w}x{h} at {x},{y}"


def monitor_listing(monitors: Sequence[dict]) -> str:
    """mss's ``monitors`` for the user, numbered from 1 (0, all monitors together, is left
    out): ``"1 (1920x1080 at 0,0), 2 (1280x1024 at 1920,0)"``."""
    return ", ".join(f"{i} ({format_rect(monitor_rect(m))})" for i, m in enumerate(monitors) if i > 0)


def clip_rect(rect: Rect, bounds: Rect) -> Rect | None:
    """The part of ``rect`` inside ``bounds`` (both ``(x, y, w, h)``), or None when they
    do not overlap."""
    x, y, w, h = rect
    bx, by, bw, bh = bounds
    x0, y0 = max(x, bx), max(y, by)
    x1, y1 = min(x + w, bx + bw), min(y + h, by + bh)
    if x1 <= x0 or y1 <= y0:
        return None
    return (x0, y0, x1 - x0, y1 - y0)


def list_monitors() -> list[tuple[int, Rect]]:
    """The monitors that can be captured.

    Returns:
        ``(number, (x, y, w, h))`` for each monitor, numbered from 1 as mss numbers them
        (number 0, all monitors together, is not listed); virtual-screen pixels.

    Raises:
        InputError: there is no screen to connect to (see :func:`open_mss`).
    """
    sct = open_mss()
    try:
        return [(i, monitor_rect(m)) for i, m in enumerate(sct.monitors) if i > 0]
    finally:
        sct.close()
