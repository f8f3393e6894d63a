"""A real X server for tests (Xvfb), and a window showing a picture on it: shared by
the screen-capture, live-run and overlay tests. Everything skips cleanly, with the
reason, when a piece is missing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SHOW_IMAGE = r"""
import sys, cv2
img = cv2.imread(sys.argv[1])
cv2.namedWindow("gallery", cv2.WINDOW_AUTOSIZE | cv2.WINDOW_GUI_NORMAL)
cv2.moveWindow("gallery", 0, 0)
cv2.imshow("gallery", img)
for _ in range(10):
    cv2.waitKey(20)
print("shown", flush=True)
while True:
    cv2.waitKey(50)
"""
"""A child-process script: an OpenCV window at (0, 0) showing the image at argv[1];
prints "shown" once it is up."""


def free_display(lo: int = 150, hi: int = 700) -> int:
    for n in range(lo, hi):
        if not os.path.exists(f"/tmp/.X11-unix/X{n}") and not os.path.exists(f"/tmp/.X{n}-lock"):
            return n
    pytest.skip("no free X display number")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def start_xvfb(size: tuple[int, int], *extra: str, lo: int = 150) -> tuple[subprocess.Popen, str]:
    """Start Xvfb with one ``size`` screen; (the process, its DISPLAY). Skips the test
    when Xvfb is missing or does not come up."""
    exe = shutil.which("Xvfb")
    if exe is None or not sys.platform.startswith("linux"):
        pytest.skip("Xvfb is not installed (apt-get install xvfb)")
    for _ in range(3):
        n = free_display(lo)
        proc = subprocess.Popen([exe, f":{n}", "-screen", "0", f"{size[0]}x{size[1]}x24", "-nolisten", "tcp",
                                 "-noreset", *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and proc.poll() is None and not os.path.exists(f"/tmp/.X11-unix/X{n}"):
            time.sleep(0.05)
        if proc.poll() is None and os.path.exists(f"/tmp/.X11-unix/X{n}"):
            return proc, f":{n}"
        stop(proc)
    pytest.skip("Xvfb did not start")


def env_for(display: str, **extra) -> dict:
    """The environment of a child process that should use ``display`` (X11, the repo importable)."""
    env = dict(os.environ, DISPLAY=display, XDG_SESSION_TYPE="x11", PYTHONPATH=ROOT, **extra)
    env.pop("WAYLAND_DISPLAY", None)
    return env


def use_display(monkeypatch, display: str) -> str:
    """Point this test process at ``display`` as an X11 session."""
    monkeypatch.setenv("DISPLAY", display)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("XDG_SESSION_TYPE", "x11")
    return display
