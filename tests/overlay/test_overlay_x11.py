"""The real overlay and panel (pywebview + Qt WebEngine) on a real X server with a
compositor, over a synthetic gallery shown by an OpenCV window: badges on the right
tiles and never on faces, transparent everywhere else, clicks going through to the
window underneath, hide and pause, and ``classmood run`` end to end with the overlay.
Skips cleanly without Xvfb, xcompmgr, OpenCV HighGUI or the GUI backend."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

from classmood.overlay.layout import place_badges
from classmood.types import ParticipantResult, Presence, TileState

from .conftest import GALLERY_SIZE, ROOT, Driver, ensure_gallery_shown, env_for, grab

PANEL = (900, 300, 380, 400)  # over the gallery's right-hand tiles, on purpose


def diff_mask(shot: np.ndarray, ref: np.ndarray, level: int = 24) -> np.ndarray:
    return np.abs(shot.astype(int) - ref.astype(int)).max(axis=2) > level


def covered(rects, shape, pad: int = 2) -> np.ndarray:
    m = np.zeros(shape[:2], bool)
    for x, y, w, h in rects:
        m[max(0, y - pad):max(0, y + h + pad), max(0, x - pad):max(0, x + w + pad)] = True
    return m


def intersects(a, b) -> bool:
    return min(a[0] + a[2], b[0] + b[2]) > max(a[0], b[0]) and min(a[1] + a[3], b[1] + b[3]) > max(a[1], b[1])


def rects_of(payload):
    out = [(b["x"], b["y"], b["w"], b["h"]) for b in payload["badges"]]
    if payload["indicator"]:
        i = payload["indicator"]
        out.append((i["x"], i["y"], i["w"], i["h"]))
    return out


@pytest.fixture(scope="module")
def driver(x11, overlay_backend, gallery_window, gallery_png):
    proc = subprocess.Popen([sys.executable, "-m", "tests.overlay.overlay_driver", str(gallery_png),
                             "--panel", ",".join(map(str, PANEL))], cwd=str(ROOT), env=env_for(x11),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    d = Driver(proc)
    try:
        d.wait_report(180)
        ensure_gallery_shown(x11)
        yield d
    finally:
        d.close()


def click(display: str, x: int, y: int) -> None:
    subprocess.run(["xdotool", "mousemove", str(x), str(y), "click", "1"], env=env_for(display), check=True,
                   timeout=20)


def test_badges_sit_on_their_tiles_and_everything_else_is_the_gallery(driver, gallery_window, x11):
    state = driver.state
    assert state["backend"] == "qt" and state["click_through"] is True
    assert state["region"] == [0, 0, *GALLERY_SIZE]
    people = {p["id"]: p for p in state["participants"]}
    assert len(people) == 9 and sum(p["presence"] == "present" for p in people.values()) == 7
    badges = state["overlay"]["badges"]
    assert sorted(b["id"] for b in badges) == sorted(people)
    for b in badges:  # in its participant's tile, never on the face
        p = people[b["id"]]
        tx, ty, tw, th = p["bbox"]
        assert tx <= b["x"] and b["x"] + b["w"] <= tx + tw and ty <= b["y"] and b["y"] + b["h"] <= ty + th
        if p["face_bbox"]:
            assert not intersects((b["x"], b["y"], b["w"], b["h"]), p["face_bbox"])
        assert b["text"] != "present" or p["presence"] == "present"
    kinds = {people[b["id"]]["presence"]: b["kind"] for b in badges}
    assert kinds["away"] == "away" and kinds["camera_off"] == "camera_off"

    shot = grab(x11)
    ref = gallery_window.image
    changed = diff_mask(shot, ref)
    # every badge that is not under the panel is painted where it was placed
    visible = [b for b in badges if not intersects((b["x"], b["y"], b["w"], b["h"]), PANEL)]
    assert len(visible) >= 6
    for b in visible:
        inner = changed[b["y"] + 3:b["y"] + b["h"] - 3, b["x"] + 3:b["x"] + b["w"] - 3]
        assert inner.mean() > 0.5, (b["id"], inner.mean())
    # ...and the rest of the region shows the gallery through the transparent window
    drawn = covered(rects_of(state["overlay"]) + [PANEL], shot.shape)
    assert changed[~drawn].mean() < 0.001
    px, py, pw, ph = PANEL  # the panel is an opaque window: mostly its own background colour
    panel_bg = np.abs(shot[py:py + ph, px:px + pw].astype(int) - (0x21, 0x1A, 0x15)).max(axis=2) <= 3
    assert panel_bg.mean() > 0.4
    # the mask for the next frames: every badge, the indicator and the panel, in screen pixels
    mask = [tuple(r) for r in state["mask"]]
    for r in rects_of(state["overlay"]) + [PANEL]:
        assert r in mask


def test_clicks_go_through_the_overlay_to_the_window_below(driver, gallery_window, x11):
    if shutil.which("xdotool") is None:
        pytest.skip("xdotool is not installed (apt-get install xdotool)")
    gallery_window.clicks.drain()
    badge = next(b for b in driver.state["overlay"]["badges"]
                 if not intersects((b["x"], b["y"], b["w"], b["h"]), PANEL))
    targets = [(200, 300), (badge["x"] + badge["w"] // 2, badge["y"] + badge["h"] // 2)]  # a face, a badge
    for x, y in targets:
        line = None
        for _ in range(2):  # under a loaded machine an X click is now and then lost on its way
            click(x11, x, y)
            line = gallery_window.clicks.get(timeout=10)
            if line is not None:
                break
        assert line is not None, f"the click at {x},{y} did not reach the gallery window"
        cx, cy = (int(v) for v in line.split()[1:])
        assert abs(cx - x) <= 1 and abs(cy - y) <= 1
    # control: the panel is an ordinary window and keeps its clicks
    click(x11, PANEL[0] + 40, PANEL[1] + PANEL[3] - 30)
    assert gallery_window.clicks.get(timeout=3) is None


def test_hide_and_pause_from_the_controls(driver, gallery_window, x11):
    ref = gallery_window.image
    state = driver.send("hidden")
    assert state["overlay"]["status"]["hidden"] is True
    assert [tuple(r) for r in state["mask"]] == [PANEL]  # nothing of ours drawn on the gallery but the panel
    changed = diff_mask(grab(x11), ref)
    assert changed[~covered([PANEL], ref.shape)].mean() < 0.001
    state = driver.send("hidden")
    assert state["overlay"]["status"]["hidden"] is False
    badges = state["overlay"]["badges"]
    b = next(b for b in badges if not intersects((b["x"], b["y"], b["w"], b["h"]), PANEL))
    changed = diff_mask(grab(x11), ref)
    assert changed[b["y"] + 3:b["y"] + b["h"] - 3, b["x"] + 3:b["x"] + b["w"] - 3].mean() > 0.5  # back
    if shutil.which("xdotool"):  # shown again: still click-through
        gallery_window.clicks.drain()
        got = None
        for _ in range(2):  # under a loaded machine an X click is now and then lost on its way
            click(x11, b["x"] + b["w"] // 2, b["y"] + b["h"] // 2)
            got = gallery_window.clicks.get(timeout=10)
            if got is not None:
                break
        assert got is not None

    state = driver.send("paused")
    ov = state["overlay"]
    assert ov["badges"] == [] and ov["indicator"]["text"] == "ClassMood paused"
    assert state["panel"]["status"]["state"] == "paused"
    changed = diff_mask(grab(x11), ref)
    ind = ov["indicator"]
    assert changed[ind["y"] + 3:ind["y"] + ind["h"] - 3, ind["x"] + 3:ind["x"] + ind["w"] - 3].mean() > 0.3
    assert changed[~covered([PANEL, (ind["x"], ind["y"], ind["w"], ind["h"])], ref.shape)].mean() < 0.001
    state = driver.send("paused")
    assert state["overlay"]["badges"]


def test_driver_ends_cleanly_on_sigterm(driver):
    assert driver.close() == 0
    out = driver.lines.drain()
    assert any(json.loads(ln).get("done", 0) > 0 for ln in out if ln.startswith('{"done"'))


# --------------------------------------------------------------------------- the CLI
def participant_from(d: dict) -> ParticipantResult:
    return ParticipantResult(
        id=d["id"], tile_index=d["tile"], bbox=tuple(d["bbox"]) if d["bbox"] else None,
        tile_state=TileState(d["state"]) if d["state"] else None, presence=Presence(d["presence"]),
        name=d["name"], face_bbox=tuple(d["face_bbox"]) if d["face_bbox"] else None, label=d["label"],
        confidence=d["confidence"], valence=d["valence"], away_s=d["away_s"], negative_s=d["negative_s"])


def test_classmood_run_with_the_overlay(x11, overlay_backend, gallery_window, tmp_path):
    """``classmood run`` end to end: the agent captures the gallery with mss while the
    overlay draws over it; badges appear on the tiles, our drawing never changes what
    the agent sees (the same 9 participants, states and faces every frame), and
    --duration ends it cleanly."""
    w, h = GALLERY_SIZE
    proc = subprocess.Popen([sys.executable, "-m", "classmood", "run", "--region", f"0,0,{w},{h}", "--duration", "20",
                             "--json", "--no-store"], cwd=str(ROOT), env=env_for(x11),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    frames = []
    shot = None
    first = 2  # frames before this one are not checked (start-up, a compositor glitch)
    try:
        deadline = time.monotonic() + 240
        for line in proc.stdout:
            if line.startswith('{"frame"'):
                frames.append(json.loads(line))
                if shot is None and len(frames) == first + 6:  # the overlay has had a few frames to show
                    time.sleep(0.5)
                    if ensure_gallery_shown(x11):
                        first = len(frames) + 2  # the agent may have seen xcompmgr's grey root meanwhile
                        continue
                    shot = grab(x11)
                    shown = frames[-1]
            assert time.monotonic() < deadline
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = proc.stderr.read()
    assert proc.returncode == 0, err[-3000:]
    assert "no on-screen overlay" not in err and "Traceback" not in err
    # only our own lines: no Qt WebEngine / Chromium / Vulkan / LiteRT chatter ("Sandboxing
    # disabled by user.", "Failed to load vulkan", a D-Bus ERROR, "GPUInfo not initialized")
    foreign = [line for line in err.splitlines() if line.strip() and not line.startswith(("classmood:", "session "))]
    assert foreign == [], foreign
    assert len(frames) >= first + 8 and shot is not None
    for f in frames[first:]:  # no feedback: what the agent sees does not change while we draw
        states = sorted(p["state"] for p in f["participants"])
        assert states == sorted(p["state"] for p in frames[first]["participants"]) and len(states) == 9
        assert sum(p["face_bbox"] is not None for p in f["participants"]) == 7
    expected = place_badges([participant_from(p) for p in shown["participants"]], (0, 0))
    assert len(expected) == 9
    changed = diff_mask(shot, gallery_window.image)
    hits = 0
    for b in expected:
        x, y, bw, bh = b.rect
        hits += changed[y + 3:y + bh - 3, x + 3:x + 12].mean() > 0.5  # the badge's left end, its dot
    # the panel (right of the region here: the screen is wider) covers no tile
    assert hits >= 8
    assert 18.0 <= frames[-1]["timestamp"] <= 22.0  # --duration 20 ended it


def test_run_falls_back_to_headless_without_a_gui_backend(x11, tmp_path):
    """No GUI backend: one clear line, then the agent runs without the overlay."""
    stub = tmp_path / "stub"
    stub.mkdir()
    # make pywebview's GUI toolkits unimportable for the child (as on a machine without them)
    for name in ("qtpy", "PyQt6", "PySide6", "gi"):
        (stub / name).mkdir()
        (stub / name / "__init__.py").write_text("raise ImportError('not installed here')\n")
    code = ("import sys, importlib.util as u\n"
            "real = u.find_spec\n"
            "u.find_spec = lambda n, *a: None if n.split('.')[0] in ('qtpy','PyQt6','PySide6','gi') else real(n, *a)\n"
            "from classmood.cli import main\n"
            "sys.exit(main(sys.argv[1:]))\n")
    proc = subprocess.run([sys.executable, "-c", code, "run", "--region", "0,0,320,240", "--duration", "2",
                           "--no-store"], cwd=str(ROOT), env=env_for(x11), capture_output=True, text=True,
                          timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = [ln for ln in proc.stderr.splitlines() if "overlay" in ln]
    assert lines == ["classmood: no on-screen overlay: no GUI backend for pywebview: install the overlay extra, "
                     "pip install 'classmood[overlay]' (PyQt6 and PyQt6-WebEngine); analysing without it "
                     "(pass --no-overlay to silence this)"]
    proc = subprocess.run([sys.executable, "-c", code, "run", "--no-overlay", "--region", "0,0,320,240",
                           "--duration", "1", "--no-store"], cwd=str(ROOT), env=env_for(x11),
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0 and "overlay" not in proc.stderr  # --no-overlay: exactly as before
