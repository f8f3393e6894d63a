"""Real X11 application windows for tests: a child process (python-xlib) opens a
top-level window with the title, WM_CLASS and _NET_WM_PID a meeting app (or a photo
viewer) sets, and shows a picture in it, scaled to the window, with fresh camera noise
in every frame (a still picture reads as a profile photo after 4 s of live capture).
Skips cleanly when python-xlib is missing."""

from __future__ import annotations

import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.xserver import env_for, stop

SHOW_WINDOW = r"""
import sys, time
import cv2, numpy as np
from Xlib import X, Xatom, display as xdisplay

title, wm_class, image_path = sys.argv[1], sys.argv[2], sys.argv[3]
x, y, w, h = (int(v) for v in sys.argv[4].split(","))
noise = float(sys.argv[5])
d = xdisplay.Display()
screen = d.screen()
win = screen.root.create_window(x, y, w, h, 0, screen.root_depth, X.InputOutput, X.CopyFromParent,
                                background_pixel=screen.black_pixel,
                                event_mask=X.StructureNotifyMask | X.ExposureMask)
win.set_wm_class(wm_class.lower(), wm_class)
win.set_wm_name(title.encode("utf-8", "replace"))
win.change_property(d.intern_atom("_NET_WM_NAME"), d.intern_atom("UTF8_STRING"), 8, title.encode("utf-8"))
win.change_property(d.intern_atom("_NET_WM_PID"), Xatom.CARDINAL, 32, [__import__("os").getpid()])
win.set_wm_normal_hints(flags=1 | 2, x=x, y=y)  # USPosition | USSize: where we asked
win.map()
gc = win.create_gc()
picture = cv2.imread(image_path)
rng = np.random.default_rng(0)
size = (w, h)
scaled = None

def draw():
    global scaled
    if scaled is None or scaled.shape[1::-1] != size:
        scaled = cv2.resize(picture, size, interpolation=cv2.INTER_AREA).astype(np.int16)
    frame = scaled + rng.integers(-noise, noise + 1, scaled.shape, dtype=np.int16) if noise else scaled
    bgrx = np.zeros((size[1], size[0], 4), np.uint8)
    bgrx[..., :3] = np.clip(frame, 0, 255)
    rows = max(1, 200_000 // (4 * size[0]))
    for top in range(0, size[1], rows):
        part = bgrx[top:top + rows]
        win.put_image(gc, 0, top, size[0], part.shape[0], X.ZPixmap, screen.root_depth, 0, part.tobytes())
    d.flush()

d.sync()
draw()
print("shown", win.id, flush=True)
while True:
    while d.pending_events():
        e = d.next_event()
        if e.type == X.ConfigureNotify and (e.width, e.height) != size:
            size = (e.width, e.height)
    draw()
    time.sleep(0.15)
"""
"""The child process: argv = title, WM_CLASS class, picture, "X,Y,W,H", noise level
(grey levels, 0: none). Prints ``shown <window id>`` once the window is up."""


class AppWindow:
    """A running :data:`SHOW_WINDOW` child: ``id`` (its X window id), ``proc``."""

    def __init__(self, proc: subprocess.Popen, window_id: int) -> None:
        self.proc = proc
        self.id = window_id

    def close(self) -> None:
        stop(self.proc)


def open_window(display: str, title: str, wm_class: str, picture: Path | str, rect: tuple[int, int, int, int],
                noise: float = 4.0) -> AppWindow:
    """Open a window on ``display`` showing ``picture`` in ``rect`` (x, y, w, h).

    Skips the test when python-xlib is missing or the window does not come up."""
    pytest.importorskip("Xlib", reason="python-xlib is a dependency on Linux: pip install -e .")
    proc = subprocess.Popen([sys.executable, "-c", SHOW_WINDOW, title, wm_class, str(picture),
                             ",".join(map(str, rect)), str(noise)],
                            env=env_for(display), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            encoding="utf-8")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            line = proc.stdout.readline()
            if line.startswith("shown"):
                return AppWindow(proc, int(line.split()[1]))
            if not line:
                break
        if proc.poll() is not None:
            break
    err = proc.stderr.read() if proc.poll() is not None else ""
    stop(proc)
    pytest.fail(f"the test window {title!r} did not come up: {err[-800:]}")
