"""Click-through on Windows (pywebview's ``winforms`` backend, WebView2; ``window.native``
is its WinForms Form): the extended window styles ``WS_EX_LAYERED | WS_EX_TRANSPARENT``
make every mouse event fall through to the window below; ``WS_EX_NOACTIVATE`` keeps the
focus with the meeting app. ``SetWindowDisplayAffinity(WDA_EXCLUDEFROMCAPTURE)`` (Windows
10 2004+) keeps the window out of every screen capture, ours included."""

from __future__ import annotations

import ctypes

GWL_EXSTYLE = -20
WS_EX_LAYERED = 0x00080000
WS_EX_TRANSPARENT = 0x00000020
WS_EX_NOACTIVATE = 0x08000000
WS_EX_TOOLWINDOW = 0x00000080
LWA_ALPHA = 0x2
WDA_EXCLUDEFROMCAPTURE = 0x11


def _hwnd(native) -> int:
    return int(native.Handle.ToInt64())


def _user32():
    user32 = ctypes.windll.user32  # type: ignore[attr-defined]
    wp = ctypes.c_void_p
    get = getattr(user32, "GetWindowLongPtrW", None) or user32.GetWindowLongW
    set_ = getattr(user32, "SetWindowLongPtrW", None) or user32.SetWindowLongW
    get.restype, get.argtypes = ctypes.c_ssize_t, [wp, ctypes.c_int]
    set_.restype, set_.argtypes = ctypes.c_ssize_t, [wp, ctypes.c_int, ctypes.c_ssize_t]
    return user32, get, set_


def make_click_through(native) -> bool:
    """Make the window ``native`` (its HWND) let every click through; True when done."""
    user32, get, set_ = _user32()
    hwnd = _hwnd(native)
    style = get(hwnd, GWL_EXSTYLE)
    set_(hwnd, GWL_EXSTYLE, style | WS_EX_LAYERED | WS_EX_TRANSPARENT | WS_EX_NOACTIVATE | WS_EX_TOOLWINDOW)
    # a layered window is drawn only once its attributes are set: fully opaque layer,
    # the page's own transparency (WebView2's transparent background) stays
    user32.SetLayeredWindowAttributes(ctypes.c_void_p(hwnd), 0, 255, LWA_ALPHA)
    return True


def exclude_from_capture(native) -> bool:
    """Keep the window out of screen capture (Windows 10 2004+); False where the system cannot."""
    user32 = ctypes.windll.user32  # type: ignore[attr-defined]
    fn = getattr(user32, "SetWindowDisplayAffinity", None)
    if fn is None:
        return False
    return bool(fn(ctypes.c_void_p(_hwnd(native)), WDA_EXCLUDEFROMCAPTURE))
