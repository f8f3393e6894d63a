"""The windows of an X11 desktop (Linux, BSD): every top-level application window with
its real properties (python-xlib: ``_NET_CLIENT_LIST``, ``WM_CLASS``, ``_NET_WM_NAME``,
``_NET_WM_PID``, ``_NET_WM_STATE``)."""

from __future__ import annotations

import os
from contextlib import contextmanager

from ...errors import InputError


ICONIC_STATE = 3
"""ICCCM ``WM_STATE``'s value for a minimised (iconified) window."""


def _open_display():
    """A connection to the X display (python-xlib); the caller closes it.

    Raises:
        InputError: python-xlib is missing, or the X display cannot be reached.
    """
    try:
        from Xlib import display as xdisplay
        from Xlib.error import DisplayError
    except ImportError:
        raise InputError(
            "listing the desktop's windows on X11 needs python-xlib (pip install python-xlib); "
            "or capture a region X,Y,W,H or a monitor instead", option="window"
        ) from None
    try:
        return xdisplay.Display()
    except (DisplayError, OSError, ValueError) as exc:
        raise InputError(f"cannot connect to the X display {os.environ.get('DISPLAY', '')!r} ({exc}); "
                         "check DISPLAY, or analyse a recording with: classmood analyze FILE") from None


@contextmanager
def _connection():
    """``(display, root window, atoms)`` of one connection to the X display, closed after.

    Raises:
        InputError: as :func:`_open_display`.
    """
    d = _open_display()
    try:
        yield d, d.screen().root, _Atoms(d)
    finally:
        d.close()


class _Atoms:
    """The X atoms the window properties are read with, interned once per connection."""

    NAMES = ("_NET_CLIENT_LIST", "_NET_CLIENT_LIST_STACKING", "_NET_WM_NAME", "UTF8_STRING", "_NET_WM_PID",
             "_NET_WM_STATE", "_NET_WM_STATE_HIDDEN", "WM_STATE", "_NET_WM_WINDOW_TYPE",
             "_NET_WM_WINDOW_TYPE_NORMAL", "_NET_WM_WINDOW_TYPE_DIALOG")

    def __init__(self, d) -> None:
        for name in self.NAMES:
            setattr(self, name, d.intern_atom(name))


def _prop(win, atom, kind=0):
    """A window property's value, or None (``kind`` 0: any type)."""
    try:
        p = win.get_full_property(atom, kind)
    except Exception:  # noqa: BLE001 - Xlib.error.XError: the window went away meanwhile
        return None
    return None if p is None else p.value


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        for enc in ("utf-8", "latin-1"):
            try:
                return value.decode(enc)
            except UnicodeDecodeError:
                continue
    return str(value)


def _process_name(pid: int) -> str:
    """The executable's name of a process on this machine ("" when not readable)."""
    if pid <= 0:
        return ""
    try:
        with open(f"/proc/{pid}/comm", encoding="utf-8", errors="replace") as f:
            return f.read().strip()
    except OSError:
        return ""


def _client(win, atoms, depth: int = 2):
    """The application window in ``win``: itself when it has a ``WM_CLASS`` or a title
    (a Qt window of an app with no name, OpenCV's HighGUI, sets no class), else (a window
    manager's frame around it) its first descendant that has one; None."""
    try:
        if win.get_wm_class() is not None or win.get_wm_name() or _prop(win, atoms._NET_WM_NAME):
            return win
        if depth <= 0:
            return None
        children = win.query_tree().children
    except Exception:  # noqa: BLE001 - XError: gone meanwhile
        return None
    for child in reversed(children):
        found = _client(child, atoms, depth - 1)
        if found is not None:
            return found
    return None


def _describe(d, root, win, atoms, managed: bool):
    """The :class:`~classmood.agent.sources.windows.WindowInfo` of one client window, or
    None when it is gone or is not an application window (override-redirect menus and
    tooltips, windows of 1-2 pixels)."""
    from .windows import WindowInfo

    try:
        attrs = win.get_attributes()
        geo = win.get_geometry()
        pos = root.translate_coords(win, 0, 0)
        wm_class = win.get_wm_class() or ("", "")
    except Exception:  # noqa: BLE001 - XError: gone meanwhile
        return None
    if attrs.override_redirect or geo.width < 4 or geo.height < 4:
        return None
    title = _text(_prop(win, atoms._NET_WM_NAME, atoms.UTF8_STRING))
    if not title:
        title = _text(_prop(win, 39))  # 39 = XA_WM_NAME
    pid_value = _prop(win, atoms._NET_WM_PID)
    pid = int(pid_value[0]) if pid_value is not None and len(pid_value) else 0
    state = _prop(win, atoms._NET_WM_STATE)
    hidden = state is not None and atoms._NET_WM_STATE_HIDDEN in list(state)
    wm_state = _prop(win, atoms.WM_STATE)
    iconic = wm_state is not None and len(wm_state) > 0 and int(wm_state[0]) == ICONIC_STATE
    viewable = attrs.map_state == 2  # IsViewable: mapped, and its parents too
    if not managed and not viewable and not title:
        return None  # a toolkit's hidden helper window (Qt's, Tk's leader windows)
    return WindowInfo(
        id=int(win.id), title=title, wm_class=_text(wm_class[1]) or _text(wm_class[0]),
        process=_process_name(pid), pid=pid, rect=(int(pos.x), int(pos.y), int(geo.width), int(geo.height)),
        visible=viewable and not hidden and not iconic, minimised=hidden or iconic or not viewable,
    )


def list_windows() -> list:
    """Every top-level application window of this X display.

    With a window manager, its ``_NET_CLIENT_LIST_STACKING`` (or ``_NET_CLIENT_LIST``)
    names the application windows; without one (Xvfb, a bare X server), the root's
    children are, with a window manager's frames looked into for the client inside.

    Returns:
        :class:`~classmood.agent.sources.windows.WindowInfo` per window, bottom of the
        stacking order first; ``rect`` is the content in root coordinates.

    Raises:
        InputError: python-xlib is missing or the display cannot be reached.
    """
    with _connection() as (d, root, atoms):
        ids = _prop(root, atoms._NET_CLIENT_LIST_STACKING) or _prop(root, atoms._NET_CLIENT_LIST)
        managed = ids is not None and len(ids) > 0
        if managed:
            clients = [d.create_resource_object("window", int(i)) for i in ids]
        else:
            clients = [c for c in (_client(w, atoms) for w in root.query_tree().children) if c is not None]
        found = []
        for win in clients:
            info = _describe(d, root, win, atoms, managed)
            if info is not None:
                found.append(info)
        return found


def get_window(window_id: int):
    """One window by its X window id, as it is now; None when it no longer exists.

    Raises:
        InputError: python-xlib is missing or the display cannot be reached.
    """
    with _connection() as (d, root, atoms):
        win = d.create_resource_object("window", int(window_id))
        return _describe(d, root, win, atoms, managed=True)


class GeometryReader:
    """Where one window is now, asked of X on one connection kept open (a frame's cheap
    check: two round trips, well under a millisecond on a local display), unlike
    :func:`get_window`, which opens a connection and reads every property.

    Raises:
        InputError: python-xlib is missing or the display cannot be reached (on
            creation).
    """

    def __init__(self) -> None:
        self._d = _open_display()
        self._root = self._d.screen().root

    def rect(self, window_id: int):
        """The window's content ``(x, y, w, h)`` in root coordinates now.

        Args:
            window_id: its X window id.

        Returns:
            The rectangle, or None when the window is gone or not mapped (minimised).
        """
        try:
            win = self._d.create_resource_object("window", int(window_id))
            if win.get_attributes().map_state != 2:  # not IsViewable
                return None
            geo = win.get_geometry()
            pos = self._root.translate_coords(win, 0, 0)
        except Exception:  # noqa: BLE001 - Xlib.error.XError: gone meanwhile; the connection broke
            return None
        return (int(pos.x), int(pos.y), int(geo.width), int(geo.height))

    def close(self) -> None:
        """Close the connection (safe to call more than once)."""
        if self._d is not None:
            try:
                self._d.close()
            except Exception:  # noqa: BLE001 - already broken
                pass
            self._d = None
