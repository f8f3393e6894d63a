"""Visible windows whose title (or application name) contains a text, on macOS (Quartz)."""

from __future__ import annotations

from ...display import Rect
from ...errors import InputError


def mac_windows(title: str) -> list[tuple[str, Rect]]:  # pragma: no cover - macOS only
    """The on-screen application windows whose title or owning application's name
    contains ``title`` (case-insensitive).

    Args:
        title: part of the window's title or of the application's name.

    Returns:
        ``(title or application name, (x, y, w, h))`` for each window, in virtual-screen
        points; empty when none matches (macOS shows other apps' window titles only with
        the Screen Recording permission).

    Raises:
        InputError: pyobjc's Quartz framework is not installed (``option="window"``).
    """
    try:
        import Quartz
    except ImportError:
        raise InputError(
            "finding a window by its title on macOS needs pyobjc (pip install "
            "pyobjc-framework-Quartz); or capture a region X,Y,W,H or a monitor instead",
            option="window",
        ) from None
    options = Quartz.kCGWindowListOptionOnScreenOnly | Quartz.kCGWindowListExcludeDesktopElements
    needle = title.lower()
    found: list[tuple[str, Rect]] = []
    for info in Quartz.CGWindowListCopyWindowInfo(options, Quartz.kCGNullWindowID) or ():
        if int(info.get("kCGWindowLayer", 0)) != 0:
            continue
        name = str(info.get("kCGWindowName") or "")
        owner = str(info.get("kCGWindowOwnerName") or "")
        if needle not in name.lower() and needle not in owner.lower():
            continue
        b = info.get("kCGWindowBounds") or {}
        try:
            rect = (int(b["X"]), int(b["Y"]), int(b["Width"]), int(b["Height"]))
        except (KeyError, TypeError, ValueError):
            continue
        found.append((name or owner, rect))
    return found
