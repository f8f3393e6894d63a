"""classmood demo: a class from a photo that ships with matplotlib, analysed for real;
headless it analyses from memory, stores the session and prints the report path last."""

from __future__ import annotations

import json

import pytest

from classmood.agent.store import SessionStore
from classmood.cli import main
from classmood.demo import NAMES, DemoClass, DemoOptions, DemoSource, run_headless


def test_the_demo_scene_is_scripted_but_its_analysis_is_real(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    db = tmp_path / "demo.db"
    assert main(["demo", "--headless", "--duration", "8", "--db", str(db)]) == 0
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert err[-1].startswith("report: ") and err[-1].endswith("report.html")
    report = json.loads((tmp_path / "reports" / "demo.db-session-1" / "report.json").read_text(encoding="utf-8"))
    assert report["schema_version"] == 1
    assert report["settings"]["report"]["interval_s"] == 1.0  # the report's rule for 8 s: 1 s intervals
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


def test_the_demo_source_gives_two_frames_a_second_of_class():
    pytest.importorskip("matplotlib")
    source = DemoSource(DemoClass(duration_s=2.5))
    assert not source.live and source.duration_s == 2.5 and "from memory" in source.description
    frames = list(source)
    assert [f.timestamp for f in frames] == [0.0, 0.5, 1.0, 1.5, 2.0]
    assert [f.index for f in frames] == [0, 1, 2, 3, 4]
    assert all(f.image.shape == (720, 1280, 3) and f.image.dtype == "uint8" for f in frames)
    assert not (frames[0].image == frames[1].image).all()  # fresh camera noise in every frame


def test_run_headless_takes_typed_options_and_returns_the_report(tmp_path):
    pytest.importorskip("matplotlib")
    lines: list[str] = []
    options = DemoOptions(duration_s=2.0, presence_only=True, db=tmp_path / "d.db", out=tmp_path / "rep")
    paths = run_headless(options, log=lines.append)
    assert paths.html == tmp_path / "rep" / "report.html" and paths.html.is_file()
    assert lines[-1] == f"report: {paths.html}"
    assert lines[0].startswith("demo: 4 frames of a 2 s class analysed in ")
    assert lines[0].endswith(f"; 12 participants; session 1 in {tmp_path / 'd.db'}")
    with SessionStore(tmp_path / "d.db", readonly=True) as store:
        info = store.session(1)
        assert info.frames == 4 and info.presence_only and info.ended_at is not None
        assert info.source == "demo (synthetic class, analysed from memory)"
        assert all(o.label is None for o in store.observations(1))
