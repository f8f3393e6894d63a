"""Picking the gallery on a real X screen (Xvfb + xcompmgr, Qt WebEngine). From the panel:
``classmood run`` watches a Zoom window showing a live 3x3 gallery; the teacher presses G
in the panel, the region picker opens over the screen, a rectangle is dragged over four of
the nine tiles, and from then on only that part is read (the class afresh: four
participants stored, not nine), the overlay window moves over it, and the pick is
remembered for Zoom. ``classmood run --pick`` takes the same path; and the overlay follows
the capture to the meeting window that shows after the start. Skips cleanly without Xvfb,
xcompmgr, xdotool, python-xlib or the GUI backend."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time

import pytest

from tests.xwindows import open_window

from .conftest import ROOT, Lines, env_for

ZOOM = (0, 0, 1280, 720)
DRAG = ((10, 10), (850, 490))  # over the 2x2 tiles at the top left of the 3x3 gallery
PICKED = (10, 10, 840, 480)


def xdo(display: str, *args: str, check: bool = True) -> str:
    return subprocess.run(["xdotool", *args], env=env_for(display), check=check, timeout=20, capture_output=True,
                          text=True).stdout


def find(display: str, name: str) -> list[str]:
    return xdo(display, "search", "--onlyvisible", "--name", name, check=False).split()


def geometry(display: str, wid: str) -> tuple[int, int, int, int]:
    v = dict(line.split("=", 1) for line in xdo(display, "getwindowgeometry", "--shell", wid).split() if "=" in line)
    return int(v["X"]), int(v["Y"]), int(v["WIDTH"]), int(v["HEIGHT"])


def drag(display: str, start: tuple[int, int], end: tuple[int, int]) -> None:
    """Drag with the mouse from ``start`` to ``end`` (screen pixels), as a hand does."""
    (x0, y0), (x1, y1) = start, end
    xdo(display, "mousemove", str(x0), str(y0), "mousedown", "1")
    for k in range(1, 5):
        xdo(display, "mousemove", str(x0 + (x1 - x0) * k // 4), str(y0 + (y1 - y0) * k // 4))
        time.sleep(0.05)
    xdo(display, "mouseup", "1")


def wait_for(test, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = test()
        if got:
            return got
        time.sleep(0.3)
    raise AssertionError(f"{what} did not happen within {timeout:.0f} s")


def test_pick_the_gallery_from_the_panel(x11, overlay_backend, gallery_png, tmp_path):
    if shutil.which("xdotool") is None:
        pytest.skip("xdotool is not installed (apt-get install xdotool)")
    zoom = open_window(x11, "Zoom Meeting", "zoom", gallery_png, ZOOM)
    db = tmp_path / "classmood.db"
    proc = subprocess.Popen([sys.executable, "-m", "classmood", "run", "--json", "--presence-only", "--duration",
                             "150", "--db", str(db)], cwd=str(ROOT), env=env_for(x11, CLASSMOOD_DB=str(db)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
    out = Lines(proc.stdout)
    frames: list[dict] = []

    def read_frames() -> list[dict]:
        frames.extend(json.loads(line) for line in out.drain() if line.startswith("{\"frame"))
        return frames

    try:
        # the whole Zoom window is watched, and read as nine participants
        wait_for(lambda: len(read_frames()) >= 4 and len(frames[-1]["tiles"]) == 9, 180, "a 3x3 reading")
        assert frames[-1]["frame"] == {"width": 1280, "height": 720}
        (overlay,) = wait_for(lambda: find(x11, "^ClassMood overlay$"), 30, "the overlay window")
        assert geometry(x11, overlay) == ZOOM
        (panel,) = wait_for(lambda: find(x11, "^ClassMood$"), 30, "the panel window")
        px, py, pw, ph = geometry(x11, panel)
        # the teacher clicks the panel (its header) and presses G: the picker opens
        xdo(x11, "mousemove", str(px + pw // 2), str(py + 12), "click", "1")
        time.sleep(0.5)
        xdo(x11, "key", "g")
        wait_for(lambda: find(x11, "^ClassMood: pick the gallery$"), 60, "the picker window")
        time.sleep(1.0)  # Qt maps the window after it says so
        n_before = len(read_frames())
        drag(x11, *DRAG)
        # from then on only the picked part is read, and the overlay lies over it
        wait_for(lambda: len(read_frames()) > n_before and frames[-1]["frame"] == {"width": 840, "height": 480}
                 and len(frames[-1]["tiles"]) == 4, 120, "reading the picked part")
        assert wait_for(lambda: geometry(x11, overlay) == PICKED, 30, "the overlay following the pick")
        later = frames[n_before:]
        first_new = next(i for i, f in enumerate(later) if f["frame"]["width"] == 840)
        assert all(f["frame"] == {"width": 840, "height": 480} for f in later[first_new:])  # never back
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        zoom.close()
    assert proc.returncode == 0 and "Traceback" not in err, err[-3000:]
    assert ("classmood: note: watching the rectangle you picked in the Zoom window, 840x480 at 10,10 on the screen "
            "(followed when it moves; remembered for Zoom) from now on; the class goes on there (what was read so far is "
            "kept, and each student keeps their id)") in err
    # remembered for Zoom as fractions of its window, as --pick remembers
    picked = json.loads((tmp_path / "meeting.json").read_text(encoding="utf-8"))["picked"]
    assert picked == {"Zoom": {"part": [round(10 / 1280, 5), round(10 / 720, 5), round(840 / 1280, 5),
                                        round(480 / 720, 5)]}}
    # the class goes on in the picked part: nothing recorded is lost, and the four students
    # there keep the ids they had (found again by their tiles' appearance)
    before = {p["id"] for f in frames[:n_before] for p in f["participants"] if p["presence"] != "left"}
    after = {p["id"] for f in later[first_new:] for p in f["participants"] if p["presence"] != "left"}
    assert len(before) == 9 and len(after) == 4 and after <= before, (before, after)
    from classmood.agent.store import SessionStore

    with SessionStore(db, readonly=True) as store:
        (info,) = store.sessions()
        assert info.source == "window zoom (840x480 at 10,10)" and info.participants == 9


def test_the_overlay_follows_the_source_to_the_meeting_window(x11, overlay_backend, gallery_png, tmp_path):
    """Started before the class, ClassMood watches the screen under an overlay covering
    it; when Zoom's window shows, the capture moves to it, and so does the overlay window
    (its badges are drawn over the window, not over the screen it covered before)."""
    if shutil.which("xdotool") is None:
        pytest.skip("xdotool is not installed (apt-get install xdotool)")
    db = tmp_path / "classmood.db"
    proc = subprocess.Popen([sys.executable, "-m", "classmood", "run", "--json", "--presence-only", "--duration",
                             "120", "--no-store"], cwd=str(ROOT), env=env_for(x11, CLASSMOOD_DB=str(db)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
    out = Lines(proc.stdout)
    frames: list[dict] = []

    def read_frames() -> list[dict]:
        frames.extend(json.loads(line) for line in out.drain() if line.startswith("{\"frame"))
        return frames

    zoom = None
    where = (200, 120, 960, 600)
    try:
        (overlay,) = wait_for(lambda: find(x11, "^ClassMood overlay$"), 180, "the overlay window")
        wait_for(lambda: read_frames(), 120, "a first frame")
        assert frames[-1]["frame"] == {"width": 1920, "height": 1080}
        assert geometry(x11, overlay) == (0, 0, 1920, 1080)
        zoom = open_window(x11, "Zoom Meeting", "zoom", gallery_png, where)
        wait_for(lambda: read_frames() and frames[-1]["frame"] == {"width": 960, "height": 600}, 60,
                 "the capture moving to the Zoom window")
        assert wait_for(lambda: geometry(x11, overlay) == where, 30, "the overlay moving to the Zoom window")
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if zoom is not None:
            zoom.close()
    assert proc.returncode == 0 and "Traceback" not in err, err[-3000:]
    assert "the Zoom window 'Zoom Meeting' is on the screen now: watching it instead of" in err


def test_run_pick_takes_the_same_path(x11, overlay_backend, gallery_png, tmp_path):
    """``classmood run --pick``: the same picker and the same placing and remembering as
    the panel's button: the part of the Zoom window dragged over is watched (followed as
    part of the window) and remembered for Zoom."""
    if shutil.which("xdotool") is None:
        pytest.skip("xdotool is not installed (apt-get install xdotool)")
    zoom = open_window(x11, "Zoom Meeting", "zoom", gallery_png, ZOOM)
    db = tmp_path / "classmood.db"
    proc = subprocess.Popen([sys.executable, "-m", "classmood", "run", "--pick", "--no-overlay", "--json",
                             "--presence-only", "--duration", "4", "--no-store"], cwd=str(ROOT),
                            env=env_for(x11, CLASSMOOD_DB=str(db)), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, encoding="utf-8")
    try:
        wait_for(lambda: find(x11, "^ClassMood: pick the gallery$"), 60, "the picker window")
        time.sleep(1.0)  # Qt maps the window after it says so
        drag(x11, *DRAG)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        zoom.close()
    assert proc.returncode == 0 and "Traceback" not in err, err[-3000:]
    assert ("classmood: watching the rectangle you picked in the Zoom window, 840x480 at 10,10 on the screen "
            "(followed when it moves; remembered for Zoom); stop with Ctrl+C") in err
    assert not [line for line in err.splitlines() if line.startswith("classmood: analysing")]  # said once
    frames = [json.loads(line) for line in out.splitlines() if line.startswith("{\"frame")]
    assert frames and all(f["frame"] == {"width": 840, "height": 480} for f in frames)
    assert max(len(f["tiles"]) for f in frames) == 4
    picked = json.loads((tmp_path / "meeting.json").read_text(encoding="utf-8"))["picked"]
    assert list(picked) == ["Zoom"] and len(picked["Zoom"]["part"]) == 4


def test_run_pick_with_a_single_click_says_too_small(x11, overlay_backend, gallery_png, tmp_path):
    """A click instead of a drag in ``run --pick`` is one line saying the rectangle was
    too small and how to pick, not "(cancelled)", and it names no --region option."""
    if shutil.which("xdotool") is None:
        pytest.skip("xdotool is not installed (apt-get install xdotool)")
    proc = subprocess.Popen([sys.executable, "-m", "classmood", "run", "--pick", "--no-overlay", "--no-store"],
                            cwd=str(ROOT), env=env_for(x11, CLASSMOOD_DB=str(tmp_path / "classmood.db")),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
    try:
        wait_for(lambda: find(x11, "^ClassMood: pick the gallery$"), 60, "the picker window")
        time.sleep(1.0)  # Qt maps the window after it says so
        xdo(x11, "mousemove", "400", "300", "click", "1")
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 2 and "Traceback" not in err, err[-3000:]
    assert err.splitlines()[-1] == ("classmood: error: the rectangle dragged was too small (0x0, a click or a slip); "
                                    "drag over the whole gallery, at least 80x60 pixels; run again: classmood run "
                                    "--pick, or let ClassMood find the meeting: classmood run")
