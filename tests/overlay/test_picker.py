"""The region picker (`classmood run --pick`): its geometry as a pure function, and the
real Qt window on Xvfb driven by xdotool mouse drags (skips, saying why, without Qt,
Xvfb or xdotool)."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import time

import pytest

from classmood.overlay.picker import MIN_PICK, drag_rect
from tests.xserver import env_for, start_xvfb, stop

SCREEN = (0, 0, 1280, 720)


@pytest.mark.parametrize("start, end, rect", [
    ((100, 80), (500, 380), (100, 80, 400, 300)),
    ((500, 380), (100, 80), (100, 80, 400, 300)),  # dragged up and to the left
    ((500, 80), (100, 380), (100, 80, 400, 300)),
    ((100.4, 80.6), (499.6, 379.5), (100, 81, 400, 299)),  # Qt's fractional positions, rounded
    ((-50, -20), (300, 200), (0, 0, 300, 200)),  # past the screen's corner: clipped
    ((1000, 600), (1500, 900), (1000, 600, 280, 120)),
    ((100, 100), (100, 100), None),  # a click
    ((100, 100), (150, 400), None),  # too narrow: a slip
    ((1300, 10), (1400, 300), None),  # wholly outside the screen
])
def test_drag_rect(start, end, rect):
    assert drag_rect(start, end, SCREEN) == rect


def test_drag_rect_min_size_and_other_screens():
    w, h = MIN_PICK
    assert drag_rect((0, 0), (w, h), SCREEN) == (0, 0, w, h)
    assert drag_rect((0, 0), (w - 1, h), SCREEN) is None
    # a monitor left of the primary one has negative coordinates
    assert drag_rect((-1900, 100), (-1000, 700), (-1920, 0, 3200, 1080)) == (-1900, 100, 900, 600)


@pytest.fixture
def picker_display():
    if shutil.which("xdotool") is None:
        pytest.skip("xdotool is not installed (apt-get install xdotool)")
    from classmood.overlay.window import linux_gui

    if linux_gui() != "qt":
        pytest.skip("the picker needs Qt: pip install -e '.[overlay]'")
    proc, display = start_xvfb(SCREEN[2:])
    try:
        yield display
    finally:
        stop(proc)


def start_picker(display):
    proc = subprocess.Popen([sys.executable, "-m", "classmood.overlay.picker"], env=env_for(display),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ready, _, _ = select.select([proc.stdout], [], [], 60)
    line = proc.stdout.readline().strip() if ready else ""
    if line != "picking":
        stop(proc)
        pytest.fail(f"the picker did not open: {line!r} {proc.stderr.read()[-800:] if proc.poll() is not None else ''}")
    time.sleep(1.0)  # Qt maps the window after it says so
    return proc


def xdo(display, *args):
    subprocess.run(["xdotool", *args], env=env_for(display), check=True, timeout=10)


def test_the_picker_returns_the_dragged_rectangle(picker_display):
    proc = start_picker(picker_display)
    try:
        xdo(picker_display, "mousemove", "900", "600", "mousedown", "1")
        for x, y in [(700, 450), (500, 300), (300, 150)]:  # up and to the left
            xdo(picker_display, "mousemove", str(x), str(y))
            time.sleep(0.05)
        xdo(picker_display, "mouseup", "1")
        out, _ = proc.communicate(timeout=30)
        assert proc.returncode == 0
        assert out.strip().splitlines()[-1] == "300,150,600,450"
    finally:
        stop(proc)


def test_esc_cancels_and_a_click_is_too_small(picker_display):
    proc = start_picker(picker_display)
    try:
        xdo(picker_display, "mousemove", "400", "300", "click", "1")  # a click, not a drag
        out, _ = proc.communicate(timeout=30)
        assert out.strip().splitlines()[-1] == "too small 0x0"  # said so, not taken for a cancel
    finally:
        stop(proc)
    proc = start_picker(picker_display)
    try:
        xdo(picker_display, "key", "Escape")
        out, _ = proc.communicate(timeout=30)
        assert out.strip().splitlines()[-1] == "cancelled"
    finally:
        stop(proc)


def test_pick_region_without_a_display_is_one_clear_line(monkeypatch):
    from classmood.errors import InputError
    from classmood.overlay.picker import pick_region

    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("XDG_SESSION_TYPE", "x11")
    if not sys.platform.startswith("linux"):
        pytest.skip("no DISPLAY means no screen on Linux only")
    with pytest.raises(InputError) as exc:
        pick_region(timeout_s=60)
    text = str(exc.value)
    assert text.startswith("the region picker cannot open here: no screen to capture: DISPLAY is not set")
    assert text.endswith("; give the rectangle as X,Y,W,H instead") and exc.value.option == "region"
    assert os.environ.get("DISPLAY") is None
