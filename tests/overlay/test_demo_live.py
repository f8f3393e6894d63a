"""classmood demo on a real X display (Xvfb + compositor): the class shown in a window,
captured from the screen with the overlay and the panel, stored, reported."""

from __future__ import annotations

import subprocess
import sys

from classmood.agent.store import SessionStore
from classmood.demo import NAMES

from .conftest import env_for


def test_demo_on_screen_with_the_overlay(x11, tmp_path):
    db = tmp_path / "demo.db"
    proc = subprocess.run([sys.executable, "-m", "classmood", "demo", "--duration", "8", "--db", str(db)],
                          env=env_for(x11), capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    # our last line is the report's path; native libraries' chatter (LiteRT/MediaPipe W0000 and
    # WARNING lines, Qt WebEngine's "Release of profile requested ..." as it shuts down) may come
    # at any time and is not ours
    qt_exit = "Release of profile requested but WebEnginePage still not deleted"
    err = [ln for ln in proc.stderr.splitlines()
           if ln.strip() and "W0000" not in ln and "WARNING" not in ln and qt_exit not in ln]
    assert err[-1].startswith("report: "), err[-3:]
    assert "no on-screen overlay" not in proc.stderr and "from memory" not in proc.stderr
    with SessionStore(db, readonly=True) as store:
        info = store.session("latest")
        assert "ClassMood demo class" in info.source or "window" in info.source
        assert info.frames >= 8 and info.ended_at is not None
        assert max(m.participants for m in store.moods(info.id)) == len(NAMES)
        # one id per student over the whole class: the scripted reorder under the overlay's
        # badges made a camera-off card a new "away" participant (13 for 12)
        assert len(store.participants(info.id)) == len(NAMES), [p.id for p in store.participants(info.id)]
