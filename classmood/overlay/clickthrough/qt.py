"""Click-through with Qt (pywebview's ``qt`` backend; ``window.native`` is its
QMainWindow): the ``WindowTransparentForInput`` flag. On X11, Qt then gives the window
an empty input shape (SHAPE extension), so the X server sends every click, move and
scroll to the window underneath; ``WindowDoesNotAcceptFocus`` keeps the keyboard with
the meeting app."""

from __future__ import annotations


def make_click_through(native) -> bool:
    """Make the QMainWindow ``native`` let every click through; True when done."""
    from qtpy import QtCore

    Qt = QtCore.Qt
    flags = (native.windowFlags() | Qt.WindowType.WindowTransparentForInput
             | Qt.WindowType.WindowDoesNotAcceptFocus)
    visible = native.isVisible()
    native.setWindowFlags(flags)  # re-creates the native window: show it again if it was shown
    native.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
    native.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating, True)
    central = native.centralWidget()
    if central is not None:
        central.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
    if visible:
        native.show()
    return True


def is_click_through(native) -> bool:
    """Whether ``native`` is transparent for input."""
    from qtpy import QtCore

    return bool(native.windowFlags() & QtCore.Qt.WindowType.WindowTransparentForInput)


def device_pixel_ratio(native) -> float:
    """Screen pixels per Qt (device-independent) pixel for this window."""
    try:
        return float(native.devicePixelRatioF())
    except Exception:
        return 1.0
