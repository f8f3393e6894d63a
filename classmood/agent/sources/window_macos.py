"""The windows of a macOS desktop (Quartz): every application window with its owning app."""

from __future__ import annotations

from ...errors import InputError


def _quartz():  # pragma: no cover - macOS only
    try:
        import Quartz
    except ImportError:
        raise InputError(
            "listing windows on macOS needs pyobjc (pip install pyobjc-framework-Quartz); or capture a "
            "region X,Y,W,H or a monitor instead", option="window",
        ) from None
    return Quartz


def _describe(info, on_screen: bool):  # pragma: no cover - macOS only
    """The WindowInfo of one CGWindowList entry (application windows of layer 0 only)."""
    from .windows import WindowInfo

    if int(info.get("kCGWindowLayer", 0)) != 0:
        return None
    b = info.get("kCGWindowBounds") or {}
    try:
        rect = (int(b["X"]), int(b["Y"]), int(b["Width"]), int(b["Height"]))
    except (KeyError, TypeError, ValueError):
        return None
    owner = str(info.get("kCGWindowOwnerName") or "")
    shown = bool(info.get("kCGWindowIsOnscreen", on_screen))
    return WindowInfo(id=int(info.get("kCGWindowNumber", 0)), title=str(info.get("kCGWindowName") or ""),
                      wm_class=owner, process=owner, pid=int(info.get("kCGWindowOwnerPID", 0)), rect=rect,
                      visible=shown, minimised=not shown)


def list_windows() -> list:  # pragma: no cover - macOS only
    """Every application window (Quartz ``CGWindowListCopyWindowInfo``): its title
    (``kCGWindowName``, shown only with the Screen Recording permission), owning app
    (``kCGWindowOwnerName``, as class and process), pid, bounds in points, and whether
    it is on screen.

    Returns:
        :class:`~classmood.agent.sources.windows.WindowInfo` per window, bottom first.
    """
    Quartz = _quartz()
    options = Quartz.kCGWindowListOptionAll | Quartz.kCGWindowListExcludeDesktopElements
    found = [_describe(i, False) for i in Quartz.CGWindowListCopyWindowInfo(options, Quartz.kCGNullWindowID) or ()]
    return [w for w in found if w is not None and (w.title or w.visible)][::-1]


def get_window(window_id: int):  # pragma: no cover - macOS only
    """One window by its CGWindowID, as it is now; None when it no longer exists."""
    Quartz = _quartz()
    entries = Quartz.CGWindowListCopyWindowInfo(Quartz.kCGWindowListOptionIncludingWindow, int(window_id)) or ()
    for info in entries:
        if int(info.get("kCGWindowNumber", 0)) == int(window_id):
            return _describe(info, False)
    return None
