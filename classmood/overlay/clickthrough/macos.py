"""Click-through on macOS (pywebview's ``cocoa`` backend; ``window.native`` is its
NSWindow): ``ignoresMouseEvents`` sends every click to the window below, and
``NSWindowSharingNone`` keeps the window out of screen capture."""

from __future__ import annotations

NS_WINDOW_SHARING_NONE = 0


def make_click_through(native) -> bool:
    """Make the NSWindow ``native`` ignore the mouse; True when done."""
    native.setIgnoresMouseEvents_(True)
    return True


def exclude_from_capture(native) -> bool:
    """Keep the NSWindow ``native`` out of screen capture; True when done."""
    native.setSharingType_(NS_WINDOW_SHARING_NONE)
    return True
