"""classmood demo: a class from a photo that ships with matplotlib, analysed for real;
headless it analyses from memory, stores the session and prints the report path last."""

from __future__ import annotations

import json

import pytest

from classmood.agent.store import SessionStore
from classmood.cli import main
from classmood.demo import NAMES, DemoClass


def test_the_demo_scene_is_scripted_but_its_analysis_is_real(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    db = tmp_path / "demo.db"
    assert main(["demo", "--headless", "--duration", "8", "--db", str(db)]) == 0
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert err[-1].startswith("report: ") and err[-1].endswith("report.html")
    report = json.loads((tmp_path / "reports" / "session-1" / "report.json").read_text(encoding="utf-8"))
    assert report["schema_version"] == 1
    with SessionStore(db, readonly=True) as store:
        info = store.session("latest")
        assert info.frames == 16 and info.ended_at is not None
        # twelve students, found by the real detectors: ten cameras on, two off at the start
        first = store.moods(info.id)[0]
        assert (first.participants, first.present, first.camera_off) == (len(NAMES), 10, 2)
        # halfway, one student stepped away (shown after two frames)
        mid = [m for m in store.moods(info.id) if 2.5 <= m.t < 5.0]
        assert any(m.away == 1 for m in mid)
        labels = {o.label for o in store.observations(info.id) if o.presence == "present"}
        assert labels and labels <= {"angry", "disgust", "fear", "happy", "sad", "surprise", "neutral", "uncertain"}


def test_the_scene_follows_its_script():
    scene = DemoClass(duration_s=20)
    order, state = scene.script(0.0)
    assert order == list(range(12)) and list(state.values()).count("camera_off") == 2
    order, state = scene.script(12.0)
    assert order[0] == 6 and state[4] == "away" and state[1] == "camera_off"
    assert scene.frame(3.0).shape == (720, 1280, 3)
