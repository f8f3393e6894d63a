"""End to end on a real X display: a class gallery shown on an Xvfb screen, captured
with mss by ``classmood run --no-overlay`` in a real subprocess for a few seconds, then
the stored session checked (and SIGTERM ends it cleanly)."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import pytest

from classmood.agent.store import SessionStore

from . import classvideo
from ..xserver import SHOW_IMAGE, env_for, start_xvfb, stop

ROOT = Path(__file__).resolve().parents[2]

@pytest.fixture(scope="module")
def gallery_on_screen(xvfb, faces_dir, tmp_path_factory):
    t, image, truth = next(classvideo.frames(classvideo.portraits(faces_dir)))
    path = tmp_path_factory.mktemp("screen") / "gallery.png"
    cv2.imwrite(str(path), image)
    env = dict(os.environ, DISPLAY=xvfb, QT_QPA_PLATFORM="xcb")
    env.pop("WAYLAND_DISPLAY", None)
    proc = subprocess.Popen([sys.executable, "-c", SHOW_IMAGE, str(path)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 30)
        if not ready or proc.stdout.readline().strip() != "shown":
            pytest.skip("OpenCV HighGUI cannot open a window here (headless OpenCV?)")
        yield xvfb, truth
    finally:
        proc.kill()
        proc.wait()


def test_run_captures_the_screen_and_stores_the_session(gallery_on_screen, tmp_path):
    display, truth = gallery_on_screen
    db = tmp_path / "live.db"
    proc = subprocess.run([sys.executable, "-m", "classmood", "run", "--no-overlay", "--duration", "4",
                           "--db", str(db)], env=env_for(display), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"stored in {db}" in proc.stderr
    with SessionStore(db, readonly=True) as store:
        (info,) = store.sessions()
        # found by itself: the window showing the gallery (it fills the screen), stored without
        # its title (a window's title may be private: a mail's subject, a document's name)
        assert info.ended_at is not None and info.source == "window python (1280x720 at 0,0)"
        assert (db.stat().st_mode & 0o777) == 0o600  # the teacher's alone
        assert info.frames >= 4  # 2 frames a second for 4 s, minus start-up
        assert info.participants == 9
        moods = store.moods(info.id)
        last = moods[-1]
        assert (last.participants, last.present, last.camera_off) == (9, truth.presence.count("present"),
                                                                     truth.presence.count("camera_off"))
        obs = store.observations(info.id)
        assert {o.participant for o in obs} == {p.id for p in store.participants(info.id)}


def test_sigterm_ends_the_session_cleanly(gallery_on_screen, tmp_path):
    display, _ = gallery_on_screen
    db = tmp_path / "term.db"
    proc = subprocess.Popen([sys.executable, "-m", "classmood", "run", "--no-overlay", "--presence-only",
                             "--db", str(db)], env=env_for(display), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    frames = 0
    while time.monotonic() < deadline and frames < 3:
        time.sleep(0.5)
        if db.exists():
            try:
                with SessionStore(db, readonly=True) as store:
                    s = store.sessions()
                    frames = s[0].frames if s else 0
            except Exception:
                frames = 0
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "stored in" in err
    with SessionStore(db, readonly=True) as store:
        (info,) = store.sessions()
        assert info.ended_at is not None and info.presence_only and info.frames >= 3
        assert all(o.label is None and o.probs is None for o in store.observations(info.id))


def test_no_display_is_one_clear_error(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    env["XDG_SESSION_TYPE"] = "tty"
    proc = subprocess.run([sys.executable, "-m", "classmood", "run", "--no-overlay", "--db", str(tmp_path / "x.db")],
                          env=env, capture_output=True, text=True, timeout=60)
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert proc.returncode == 2 and len(lines) == 1 and lines[0].startswith("classmood: error:"), proc.stderr


def test_a_black_capture_is_one_warning_line_and_the_run_goes_on(tmp_path):
    """An empty, black screen (what a hardware-overlay video or a Wayland session gives):
    one `classmood: warning:` line after 5 s saying why, exit 0."""
    server, display = start_xvfb((640, 480))
    try:
        proc = subprocess.run([sys.executable, "-m", "classmood", "run", "--no-overlay", "--no-store",
                               "--duration", "7"], env=env_for(display), capture_output=True, text=True, timeout=120)
    finally:
        stop(server)
    assert proc.returncode == 0, proc.stderr
    warned = [ln for ln in proc.stderr.splitlines() if ln.startswith("classmood: warning: the capture of")]
    assert len(warned) == 1 and "all black" in warned[0] and "hardware acceleration" in warned[0], proc.stderr
    assert "Traceback" not in proc.stderr
