"""Click-through for the overlay window, one small interface over each platform.

pywebview has no click-through option, so it is set on the native window that
pywebview created (``window.native``), with each platform's own means:

- Linux, Qt (:mod:`.qt`): the ``WindowTransparentForInput`` window flag (on X11 Qt
  gives the window an empty input shape, so every click goes to the window below).
- Linux, GTK (:mod:`.gtk`): an empty input shape, ``input_shape_combine_region`` with
  an empty cairo region.
- Windows (:mod:`.windows`): the ``WS_EX_LAYERED | WS_EX_TRANSPARENT`` extended styles,
  and ``SetWindowDisplayAffinity(WDA_EXCLUDEFROMCAPTURE)`` so screen capture does not
  see the overlay at all (Windows 10 2004 and later).
- macOS (:mod:`.macos`): ``ignoresMouseEvents``, and ``NSWindowSharingNone`` to keep
  the window out of screen capture.

Call these on the GUI thread before the window is shown: from the window's
``events.before_show`` handler, which pywebview runs on the GUI thread on every
platform with ``window.native`` already set.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

__all__ = ["backend_of", "make_click_through", "exclude_from_capture"]


def backend_of(window) -> str:
    """``qt``, ``gtk``, ``winforms``, ``cocoa`` or ``unknown``: the pywebview GUI that
    made ``window``."""
    gui = getattr(window, "gui", None)
    name = getattr(gui, "__name__", "") or ""
    for known in ("qt", "gtk", "winforms", "cocoa"):
        if name.endswith("." + known) or name == known:
            return known
    return "unknown"


def _module(window):
    backend = backend_of(window)
    if backend == "qt":
        from . import qt as mod
    elif backend == "gtk":
        from . import gtk as mod
    elif backend == "winforms":
        from . import windows as mod
    elif backend == "cocoa":
        from . import macos as mod
    else:
        return None
    return mod


def make_click_through(window) -> bool:
    """Let every mouse event pass through ``window`` (a pywebview window) to what is
    below it; also keeps it from taking the keyboard focus. Returns whether it could
    be done on this platform."""
    if getattr(window, "native", None) is None:
        raise RuntimeError("make_click_through: the window has no native window yet; "
                           "call it from window.events.before_show")
    mod = _module(window)
    if mod is None:
        log.warning("click-through is not supported with pywebview's %r backend", backend_of(window))
        return False
    return bool(mod.make_click_through(window.native))


def exclude_from_capture(window) -> bool:
    """Keep ``window`` out of screen capture where the platform allows it (Windows 10
    2004+, macOS); returns whether it did. X11 has no such thing: there the agent
    blanks the overlay's rectangles before analysis instead."""
    mod = _module(window)
    if mod is None or getattr(window, "native", None) is None:
        return False
    fn = getattr(mod, "exclude_from_capture", None)
    return bool(fn(window.native)) if fn is not None else False
