"""Visible windows whose title contains a text, on Windows (user32 and dwmapi)."""

from __future__ import annotations

from ...display import Rect


def win32_windows(title: str) -> list[tuple[str, Rect]]:  # pragma: no cover - Windows only
    """The visible, not minimised, not cloaked top-level windows whose title contains
    ``title`` (case-insensitive).

    Args:
        title: part of the window's title.

    Returns:
        ``(full title, (x, y, w, h))`` for each window: its visible frame (without the
        invisible resize borders) in physical virtual-screen pixels (mss makes the
        process DPI-aware); empty when none matches.
    """
    import ctypes
    from ctypes import wintypes

    user32 = ctypes.WinDLL("user32", use_last_error=True)
    proc_type = ctypes.WINFUNCTYPE(wintypes.BOOL, wintypes.HWND, wintypes.LPARAM)
    user32.EnumWindows.argtypes = [proc_type, wintypes.LPARAM]
    for fn in (user32.IsWindowVisible, user32.IsIconic, user32.GetWindowTextLengthW):
        fn.argtypes = [wintypes.HWND]
    user32.GetWindowTextW.argtypes = [wintypes.HWND, wintypes.LPWSTR, ctypes.c_int]
    user32.GetWindowRect.argtypes = [wintypes.HWND, ctypes.POINTER(wintypes.RECT)]
    try:
        dwm = ctypes.WinDLL("dwmapi").DwmGetWindowAttribute
        dwm.argtypes = [wintypes.HWND, wintypes.DWORD, ctypes.c_void_p, wintypes.DWORD]
        dwm.restype = ctypes.c_long
    except (OSError, AttributeError):
        dwm = None
    needle = title.lower()
    found: list[tuple[str, Rect]] = []

    def visit(hwnd, _lparam):
        if not user32.IsWindowVisible(hwnd) or user32.IsIconic(hwnd):
            return True
        n = user32.GetWindowTextLengthW(hwnd)
        if n <= 0:
            return True
        buf = ctypes.create_unicode_buffer(n + 1)
        user32.GetWindowTextW(hwnd, buf, n + 1)
        if needle not in buf.value.lower():
            return True
        cloaked = wintypes.DWORD(0)  # 14 = DWMWA_CLOAKED: "visible" but hidden by the shell
        if dwm is not None and dwm(hwnd, 14, ctypes.byref(cloaked), ctypes.sizeof(cloaked)) == 0 and cloaked.value:
            return True
        rc = wintypes.RECT()
        # 9 = DWMWA_EXTENDED_FRAME_BOUNDS: the visible frame, without the invisible resize
        # borders GetWindowRect includes (physical pixels: mss made the process DPI-aware)
        if dwm is None or dwm(hwnd, 9, ctypes.byref(rc), ctypes.sizeof(rc)) != 0:
            user32.GetWindowRect(hwnd, ctypes.byref(rc))
        found.append((buf.value, (rc.left, rc.top, rc.right - rc.left, rc.bottom - rc.top)))
        return True

    user32.EnumWindows(proc_type(visit), 0)
    return found
