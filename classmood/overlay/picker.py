"""The region picker: a full-screen window over a dimmed screenshot of the desktop where
the teacher drags a rectangle over the gallery (for an app ClassMood does not know, or to
leave part of a window out). Esc, or a click without a drag, cancels.

It runs in a child process of its own (``python -m classmood.overlay.picker``), so that
its Qt application never meets the overlay's; :func:`pick_region` starts it and reads
the rectangle it prints. The geometry is :func:`drag_rect`, a pure function.
"""

from __future__ import annotations

import os
import subprocess
import sys

from ..errors import InputError
from .layout import Rect

MIN_PICK = (80, 60)
"""The smallest rectangle taken (w, h pixels): a smaller drag is a slip, not a gallery."""
HINT = "Drag a rectangle over the class's gallery; Esc to cancel"


def drag_rect(start: tuple[float, float], end: tuple[float, float], bounds: Rect,
              min_size: tuple[int, int] = MIN_PICK) -> Rect | None:
    """The rectangle a mouse drag makes, in whole pixels, inside ``bounds``.

    Args:
        start: where the button went down ``(x, y)``, screen pixels.
        end: where it came up (any direction from ``start``).
        bounds: the screen the picker covers ``(x, y, w, h)``; the rectangle is clipped
            to it.
        min_size: ``(w, h)``: a smaller rectangle (after clipping) is no choice.

    Returns:
        ``(x, y, w, h)`` with w and h at least ``min_size``, or None (a click, a slip, a
        drag wholly outside ``bounds``).
    """
    bx, by, bw, bh = bounds
    x0, x1 = sorted((float(start[0]), float(end[0])))
    y0, y1 = sorted((float(start[1]), float(end[1])))
    x0, y0 = max(int(round(x0)), bx), max(int(round(y0)), by)
    x1, y1 = min(int(round(x1)), bx + bw), min(int(round(y1)), by + bh)
    w, h = x1 - x0, y1 - y0
    if w < min_size[0] or h < min_size[1]:
        return None
    return (x0, y0, w, h)


def pick_region(timeout_s: float | None = 300.0) -> Rect | None:
    """Let the teacher drag a rectangle over the screen.

    Args:
        timeout_s: give up after this many seconds (None: wait as long as it takes).

    Returns:
        The rectangle ``(x, y, w, h)`` in virtual-screen pixels, or None when the teacher
        cancelled (Esc) or did not choose in time.

    Raises:
        InputError: the picker cannot open here (no display, no Qt), saying why; or the
            drag was too small to be a gallery (a click, a slip: under :data:`MIN_PICK`).
    """
    try:
        res = subprocess.run([sys.executable, "-m", "classmood.overlay.picker"], capture_output=True, text=True,
                             timeout=timeout_s, env=dict(os.environ))
    except subprocess.TimeoutExpired:
        return None
    out = res.stdout.strip().splitlines()
    if res.returncode == 3:
        raise InputError(f"the region picker cannot open here: {(out or ['no reason given'])[-1]}; give the "
                         "rectangle as X,Y,W,H instead", option="region")
    if out and out[-1].startswith("too small") and res.returncode == 0:
        raise InputError(f"the rectangle dragged was too small ({out[-1].split()[-1]}, a click or a slip); drag "
                         f"over the whole gallery, at least {MIN_PICK[0]}x{MIN_PICK[1]} pixels")
    if res.returncode != 0 or not out or out[-1] == "cancelled":
        return None
    try:
        x, y, w, h = (int(v) for v in out[-1].split(","))
    except ValueError:
        return None
    return (x, y, w, h)


def _run_picker() -> int:  # the child process; its GUI is tested on Xvfb (tests/overlay/test_picker.py)
    """Show the picker on the whole virtual screen; print ``X,Y,W,H``, ``cancelled`` (Esc)
    or ``too small WxH`` (a click or a slip).

    Returns:
        0 (a choice or a cancel printed), 3 (cannot open here: the reason printed)."""
    from ..display import clip_rect, monitor_rect, open_mss
    from .window import linux_gui, prepare_environment

    try:
        sct = open_mss()
    except InputError as exc:
        print(exc, flush=True)
        return 3
    try:
        screen = monitor_rect(sct.monitors[0])
        import numpy as np

        shot = np.asarray(sct.grab(sct.monitors[0]))[:, :, :3].copy()
    finally:
        sct.close()
    if sys.platform.startswith("linux"):
        if linux_gui() != "qt":
            print("it needs Qt: pip install 'classmood[overlay]'", flush=True)
            return 3
        prepare_environment()
    try:
        from qtpy.QtCore import QPoint, QRect, QSize, Qt
        from qtpy.QtGui import QColor, QFont, QImage, QPainter, QPixmap
        from qtpy.QtWidgets import QApplication, QRubberBand, QWidget
    except ImportError as exc:
        print(f"it needs Qt ({exc}): pip install 'classmood[overlay]'", flush=True)
        return 3

    app = QApplication.instance() or QApplication(sys.argv[:1])
    result: list = [None, ""]  # the rectangle; the size of a drag too small to take

    class Picker(QWidget):
        def __init__(self) -> None:
            flags = (Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint
                     | Qt.WindowType.X11BypassWindowManagerHint)
            super().__init__(None, flags)
            self.setWindowTitle("ClassMood: pick the gallery")
            self.setGeometry(QRect(*screen))
            self.setCursor(Qt.CursorShape.CrossCursor)
            h, w = shot.shape[:2]
            image = QImage(shot.data, w, h, shot.strides[0], QImage.Format.Format_BGR888)
            self.picture = QPixmap.fromImage(image)
            self.band = QRubberBand(QRubberBand.Shape.Rectangle, self)
            self.origin: QPoint | None = None

        def paintEvent(self, _event) -> None:  # noqa: N802 - Qt's name
            p = QPainter(self)
            p.drawPixmap(0, 0, self.picture)
            p.fillRect(self.rect(), QColor(0, 0, 0, 110))
            p.setPen(QColor(255, 255, 255))
            p.setFont(QFont("DejaVu Sans", 16))
            p.drawText(self.rect().adjusted(0, 24, 0, 0),
                       Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, HINT)
            p.end()

        def mousePressEvent(self, e) -> None:  # noqa: N802
            self.origin = e.position().toPoint()
            self.band.setGeometry(QRect(self.origin, QSize()))
            self.band.show()

        def mouseMoveEvent(self, e) -> None:  # noqa: N802
            if self.origin is not None:
                self.band.setGeometry(QRect(self.origin, e.position().toPoint()).normalized())

        def mouseReleaseEvent(self, e) -> None:  # noqa: N802
            if self.origin is None:
                return
            a, b = self.origin, e.position().toPoint()
            result[0] = drag_rect((a.x() + screen[0], a.y() + screen[1]), (b.x() + screen[0], b.y() + screen[1]),
                                  screen)
            if result[0] is None:  # a click or a slip, not Esc
                result[1] = f"{abs(b.x() - a.x())}x{abs(b.y() - a.y())}"
            self.close()

        def keyPressEvent(self, e) -> None:  # noqa: N802
            if e.key() == Qt.Key.Key_Escape:
                self.close()

    picker = Picker()
    picker.show()
    picker.raise_()
    picker.activateWindow()
    print("picking", flush=True)
    app.exec()
    rect = result[0]
    rect = None if rect is None else clip_rect(rect, screen)
    if rect is None and result[1]:
        print(f"too small {result[1]}", flush=True)
    else:
        print("cancelled" if rect is None else ",".join(map(str, rect)), flush=True)
    return 0


if __name__ == "__main__":  # pragma: no cover - run as the picker's child process
    sys.exit(_run_picker())
