"""The windows of a Windows desktop (user32, kernel32 and dwmapi): every top-level window
with its class and process."""

from __future__ import annotations



def _user32():  # pragma: no cover - Windows only
    """user32, kernel32 and dwmapi's DwmGetWindowAttribute (or None), with their argument types."""
    import ctypes
    from ctypes import wintypes

    user32 = ctypes.WinDLL("user32", use_last_error=True)
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    for fn in (user32.IsWindowVisible, user32.IsIconic, user32.GetWindowTextLengthW, user32.IsWindow):
        fn.argtypes = [wintypes.HWND]
    user32.GetWindowTextW.argtypes = [wintypes.HWND, wintypes.LPWSTR, ctypes.c_int]
    user32.GetClassNameW.argtypes = [wintypes.HWND, wintypes.LPWSTR, ctypes.c_int]
    user32.GetWindowRect.argtypes = [wintypes.HWND, ctypes.POINTER(wintypes.RECT)]
    user32.GetWindowThreadProcessId.argtypes = [wintypes.HWND, ctypes.POINTER(wintypes.DWORD)]
    user32.GetWindow.argtypes = [wintypes.HWND, ctypes.c_uint]
    user32.GetWindow.restype = wintypes.HWND
    kernel32.OpenProcess.argtypes = [wintypes.DWORD, wintypes.BOOL, wintypes.DWORD]
    kernel32.OpenProcess.restype = wintypes.HANDLE
    kernel32.QueryFullProcessImageNameW.argtypes = [wintypes.HANDLE, wintypes.DWORD, wintypes.LPWSTR,
                                                    ctypes.POINTER(wintypes.DWORD)]
    kernel32.CloseHandle.argtypes = [wintypes.HANDLE]
    try:
        dwm = ctypes.WinDLL("dwmapi").DwmGetWindowAttribute
        dwm.argtypes = [wintypes.HWND, wintypes.DWORD, ctypes.c_void_p, wintypes.DWORD]
        dwm.restype = ctypes.c_long
    except (OSError, AttributeError):
        dwm = None
    return user32, kernel32, dwm


def _describe(hwnd, user32, kernel32, dwm):  # pragma: no cover - Windows only
    """The WindowInfo of a top-level window, or None (gone, owned by another window, a tool
    window without a title, cloaked by the shell)."""
    import ctypes
    import os
    from ctypes import wintypes

    from .windows import WindowInfo

    if not user32.IsWindow(hwnd) or user32.GetWindow(hwnd, 4):  # 4 = GW_OWNER: dialogs, popups
        return None
    n = user32.GetWindowTextLengthW(hwnd)
    buf = ctypes.create_unicode_buffer(max(n, 0) + 1)
    user32.GetWindowTextW(hwnd, buf, n + 1)
    cls = ctypes.create_unicode_buffer(256)
    user32.GetClassNameW(hwnd, cls, 256)
    pid = wintypes.DWORD(0)
    user32.GetWindowThreadProcessId(hwnd, ctypes.byref(pid))
    process = ""
    handle = kernel32.OpenProcess(0x1000, False, pid.value)  # PROCESS_QUERY_LIMITED_INFORMATION
    if handle:
        size = wintypes.DWORD(1024)
        path = ctypes.create_unicode_buffer(1024)
        if kernel32.QueryFullProcessImageNameW(handle, 0, path, ctypes.byref(size)):
            process = os.path.basename(path.value)
        kernel32.CloseHandle(handle)
    cloaked = wintypes.DWORD(0)  # 14 = DWMWA_CLOAKED: "visible" but hidden by the shell
    if dwm is not None and dwm(hwnd, 14, ctypes.byref(cloaked), ctypes.sizeof(cloaked)) == 0 and cloaked.value:
        return None
    rc = wintypes.RECT()
    # 9 = DWMWA_EXTENDED_FRAME_BOUNDS: the visible frame, without the invisible resize borders
    if dwm is None or dwm(hwnd, 9, ctypes.byref(rc), ctypes.sizeof(rc)) != 0:
        user32.GetWindowRect(hwnd, ctypes.byref(rc))
    iconic = bool(user32.IsIconic(hwnd))
    shown = bool(user32.IsWindowVisible(hwnd))
    if not shown and not buf.value:
        return None
    return WindowInfo(id=int(hwnd), title=buf.value, wm_class=cls.value, process=process, pid=int(pid.value),
                      rect=(rc.left, rc.top, rc.right - rc.left, rc.bottom - rc.top),
                      visible=shown and not iconic, minimised=iconic or not shown)


def list_windows() -> list:  # pragma: no cover - Windows only
    """Every top-level, unowned window with a title or shown (EnumWindows): its title,
    window class (``GetClassNameW``), process (``GetWindowThreadProcessId`` and
    ``QueryFullProcessImageNameW``), frame in physical pixels, and whether it is minimised.

    Returns:
        :class:`~classmood.agent.sources.windows.WindowInfo` per window, bottom of the
        z-order first (EnumWindows goes top first).
    """
    import ctypes
    from ctypes import wintypes

    user32, kernel32, dwm = _user32()
    proc_type = ctypes.WINFUNCTYPE(wintypes.BOOL, wintypes.HWND, wintypes.LPARAM)
    user32.EnumWindows.argtypes = [proc_type, wintypes.LPARAM]
    found = []

    def visit(hwnd, _lparam):
        info = _describe(hwnd, user32, kernel32, dwm)
        if info is not None:
            found.append(info)
        return True

    user32.EnumWindows(proc_type(visit), 0)
    return found[::-1]


def get_window(window_id: int):  # pragma: no cover - Windows only
    """One window by its HWND, as it is now; None when it no longer exists."""
    user32, kernel32, dwm = _user32()
    return _describe(window_id, user32, kernel32, dwm)
