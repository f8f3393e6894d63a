"""The desktop's top-level windows, on any platform: what each one is (title, window
class, process), where it is, and whether it can be seen. One enumeration per platform,
each in its own module (``window_x11``, ``window_win32``, ``window_macos``); this module
says what a window is and picks the platform's.

Used to find the meeting by itself (:mod:`classmood.agent.sources.meeting` names the
app, :mod:`classmood.agent.finder` chooses by content) and to follow the chosen window
by its identity (its X window id, HWND or CGWindowID), never by its title, which a
meeting app changes as the class goes on.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Sequence

from ...display import Rect, clip_rect
from ...errors import InputError


@dataclass(frozen=True)
class WindowInfo:
    """One top-level window of the desktop.

    Attributes:
        id: the platform's identity of the window: the X11 window id, the Windows HWND,
            the macOS CGWindowID. It stays the same while the window lives.
        title: its title (``_NET_WM_NAME`` / ``WM_NAME`` on X11), "" when it has none.
        wm_class: its class: the X11 ``WM_CLASS`` class (e.g. ``"zoom"``,
            ``"Google-chrome"``), the Windows window class name (``"ZPContentViewWndClass"``),
            the macOS owning application's name; "" when not known.
        process: the executable's name (``"zoom"``, ``"chrome.exe"``), "" when not known.
        pid: the owning process id, 0 when not known.
        rect: ``(x, y, w, h)`` of its content in virtual-screen pixels (points on macOS).
        visible: shown on the screen now (mapped, not minimised, not on another desktop).
        minimised: minimised (iconified) by the user.
        monitor: the number of the monitor showing most of it (mss numbering, from 1),
            0 when on none or not known.
    """

    id: int
    title: str
    wm_class: str = ""
    process: str = ""
    pid: int = 0
    rect: Rect = (0, 0, 0, 0)
    visible: bool = True
    minimised: bool = False
    monitor: int = 0

    @property
    def area(self) -> int:
        """Its size in pixels (w * h)."""
        return max(0, self.rect[2]) * max(0, self.rect[3])

    def label(self) -> str:
        """The window for the user: its class and title, e.g. ``"zoom 'Zoom 회의'"``."""
        what = self.wm_class or self.process or "window"
        return f"{what} {self.title!r}" if self.title else what


def monitor_of(rect: Rect, monitors: Sequence[tuple[int, Rect]]) -> int:
    """The monitor showing most of ``rect``.

    Args:
        rect: ``(x, y, w, h)`` in virtual-screen pixels.
        monitors: ``(number, (x, y, w, h))`` per monitor
            (:func:`~classmood.display.list_monitors`).

    Returns:
        That monitor's number, or 0 when ``rect`` is on none of them.
    """
    best, best_area = 0, 0
    for number, mrect in monitors:
        part = clip_rect(rect, mrect)
        area = 0 if part is None else part[2] * part[3]
        if area > best_area:
            best, best_area = number, area
    return best


def part_of(rect: Rect, part: Sequence[float] | None) -> Rect:
    """The part of a window at ``rect`` that ``part`` names.

    Args:
        rect: the window's ``(x, y, w, h)``.
        part: fractions ``(fx, fy, fw, fh)`` of its size (a rectangle the teacher picked
            in it), or None: all of it.

    Returns:
        ``(x, y, w, h)`` in whole pixels, clipped to the window (all of it when the part
        lies outside).
    """
    if part is None:
        return rect
    fx, fy, fw, fh = part
    x, y, w, h = rect
    found = (x + round(fx * w), y + round(fy * h), max(1, round(fw * w)), max(1, round(fh * h)))
    return clip_rect(found, rect) or rect


def _platform():
    """This platform's window module's ``(list_windows, get_window)``."""
    if sys.platform.startswith("linux") or sys.platform.startswith("freebsd"):
        from . import window_x11 as mod
    elif sys.platform == "win32":  # pragma: no cover - Windows only
        from . import window_win32 as mod
    elif sys.platform == "darwin":  # pragma: no cover - macOS only
        from . import window_macos as mod
    else:  # pragma: no cover
        raise InputError(f"listing windows is not supported on {sys.platform}; capture a region X,Y,W,H "
                         "or a monitor instead", option="window")
    return mod.list_windows, mod.get_window


def list_windows(monitors: Sequence[tuple[int, Rect]] = ()) -> list[WindowInfo]:
    """Every top-level application window of the desktop, shown or minimised.

    Args:
        monitors: ``(number, (x, y, w, h))`` per monitor; when given, each window's
            ``monitor`` says which one shows most of it.

    Returns:
        The windows, bottom of the stacking order first where the platform says it (the
        desktop's own windows, menus and tooltips left out).

    Raises:
        InputError: there is no desktop to ask (no X display), or this platform's
            lookup needs a package that is not installed (``option="window"``).
    """
    found, _ = _platform()
    windows = found()
    if monitors:
        windows = [_with_monitor(w, monitors) for w in windows]
    return windows


def get_window(window_id: int, monitors: Sequence[tuple[int, Rect]] = ()) -> WindowInfo | None:
    """One window, looked up again by its identity (to follow it).

    Args:
        window_id: :attr:`WindowInfo.id`.
        monitors: as for :func:`list_windows`.

    Returns:
        The window as it is now (moved, resized, minimised...), or None when it no
        longer exists (closed).

    Raises:
        InputError: as :func:`list_windows`.
    """
    _, get = _platform()
    w = get(int(window_id))
    return None if w is None else _with_monitor(w, monitors) if monitors else w


class _LookupGeometry:
    """Where a window is now, by a full lookup (platforms without a cheaper call)."""

    def rect(self, window_id: int) -> Rect | None:
        w = get_window(window_id)
        return None if w is None or not w.visible else w.rect

    def close(self) -> None:
        pass


def geometry_reader():
    """An object whose ``rect(window_id)`` says where a window's content is now
    (``(x, y, w, h)`` in virtual-screen pixels, None when it is closed or minimised),
    cheap enough to ask before and after every frame is captured; ``close()`` ends it.

    Returns:
        On X11 a :class:`~classmood.agent.sources.window_x11.GeometryReader` (one
        connection kept open), elsewhere a full lookup per call.

    Raises:
        InputError: as :func:`list_windows`.
    """
    if sys.platform.startswith("linux") or sys.platform.startswith("freebsd"):
        from .window_x11 import GeometryReader

        return GeometryReader()
    return _LookupGeometry()  # pragma: no cover - Windows and macOS


def _with_monitor(w: WindowInfo, monitors: Sequence[tuple[int, Rect]]) -> WindowInfo:
    from dataclasses import replace

    return replace(w, monitor=monitor_of(w.rect, monitors))
