"""The CLI as a user meets it: JSON shape, table, annotated output, and bad input
that always ends in one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

from classmood.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m classmood`` in a real subprocess (what a user's shell does)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "classmood", *args],
        capture_output=True, text=True, timeout=120, cwd=cwd or ROOT, env=env,
    )


def _json_lines(out: str) -> tuple[list[dict], dict]:
    """analyze --json: one object per frame, then the session summary."""
    lines = [json.loads(ln) for ln in out.strip().splitlines()]
    assert "summary" in lines[-1]
    return lines[:-1], lines[-1]


def assert_one_clear_error(proc: subprocess.CompletedProcess, *needles: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    err_lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(err_lines) == 1, proc.stderr
    assert err_lines[0].startswith("classmood: error: ")
    assert "Traceback" not in proc.stderr
    for n in needles:
        assert n in err_lines[0]


def test_missing_file(tmp_path):
    proc = run_cli("analyze", str(tmp_path / "nope.png"))
    assert_one_clear_error(proc, "nope.png", "no such file")


def test_zero_byte_file(tmp_path):
    f = tmp_path / "empty.png"
    f.write_bytes(b"")
    assert_one_clear_error(run_cli("analyze", str(f)), "empty.png", "empty")


def test_corrupt_file(tmp_path):
    f = tmp_path / "corrupt.png"
    f.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(300))
    assert_one_clear_error(run_cli("analyze", str(f)), "corrupt.png", "not a readable image")


def test_truncated_png(tmp_path, galleries_dir):
    data = (galleries_dir / "zoom2.png").read_bytes()
    f = tmp_path / "truncated.png"
    f.write_bytes(data[: len(data) // 3])
    proc = run_cli("analyze", str(f), "--json")
    # OpenCV decodes what it can of a truncated PNG or refuses it; either way no traceback.
    assert "Traceback" not in proc.stderr
    if proc.returncode != 0:
        assert_one_clear_error(proc, "truncated.png")


def test_folder_instead_of_file(tmp_path):
    assert_one_clear_error(run_cli("analyze", str(tmp_path)), "holds no images")  # a folder of images is fine


def test_bad_output_path(tmp_path):
    img = tmp_path / "black.png"
    cv2.imwrite(str(img), np.zeros((400, 640, 3), np.uint8))
    assert_one_clear_error(
        run_cli("analyze", str(img), "--save-annotated", str(tmp_path / "no" / "dir" / "x.png")),
        "does not exist",
    )


def test_bad_threshold(tmp_path):
    img = tmp_path / "black.png"
    cv2.imwrite(str(img), np.zeros((400, 640, 3), np.uint8))
    assert_one_clear_error(run_cli("analyze", str(img), "--min-face-score", "3"), "between 0 and 1")


def test_black_frame_has_no_tiles(tmp_path, capsys):
    img = tmp_path / "black.png"
    cv2.imwrite(str(img), np.zeros((1080, 1920, 3), np.uint8))
    assert main(["analyze", str(img), "--json"]) == 0
    frames, summary = _json_lines(capsys.readouterr().out)
    assert frames[0]["frame"] == {"width": 1920, "height": 1080}
    assert frames[0]["tiles"] == [] and frames[0]["participants"] == []
    assert summary["summary"]["participants"] == []


def test_a_recording_with_no_gallery_says_so(tmp_path, capsys):
    """A recording in which no analysed frame shows a participant ends with a hint, not a
    bare "0 participants" (a newcomer's Zoom recording of two profile pictures)."""
    path = tmp_path / "blank.avi"
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 4.0, (320, 180))
    for _ in range(8):
        out.write(np.zeros((180, 320, 3), np.uint8))
    out.release()
    assert main(["analyze", str(path), "--every", "0.5"]) == 0
    text = capsys.readouterr().out
    assert "0 participants" in text and "no participant tiles found in any analysed frame" in text


def test_one_pixel_image(tmp_path, capsys):
    img = tmp_path / "dot.png"
    cv2.imwrite(str(img), np.full((1, 1, 3), 128, np.uint8))
    assert main(["analyze", str(img), "--json"]) == 0
    assert _json_lines(capsys.readouterr().out)[0][0]["tiles"] == []


def test_json_shape_on_real_screenshot(galleries_dir, capsys):
    assert main(["analyze", str(galleries_dir / "zoom1.png"), "--json"]) == 0
    frames, summary = _json_lines(capsys.readouterr().out)
    out = frames[0]
    assert set(out) == {"frame", "layout", "layout_method", "tiles", "timings_ms", "timestamp", "participants",
                        "mood", "presence_only"}
    assert out["frame"] == {"width": 1000, "height": 625}
    assert (out["layout"], out["layout_method"]) == ("gallery", "gap")
    assert len(out["tiles"]) == 16
    for i, tile in enumerate(out["tiles"]):
        assert tile["id"] == i
        assert set(tile) == {"id", "bbox", "state", "name", "faces"}
        assert tile["name"] is None  # names are off by default
        assert tile["state"] in {"face", "no_face", "camera_off", "photo"}
        x, y, w, h = tile["bbox"]
        assert 0 <= x and 0 <= y and x + w <= 1000 and y + h <= 625
        for face in tile["faces"]:
            assert set(face) == {"bbox", "score", "keypoints"}
            assert 0 < face["score"] <= 1
            assert len(face["keypoints"]) == 6
    assert sum(t["state"] == "face" for t in out["tiles"]) >= 15
    assert {"tiles", "faces", "states", "align", "classify", "track", "mood", "total"} <= set(out["timings_ms"])
    # every tile is a participant, with an expression when a face is in view
    assert [p["tile"] for p in out["participants"]] == list(range(16))
    for p in out["participants"]:
        if p["presence"] == "present":
            assert p["label"] is not None and abs(sum(p["probs"].values()) - 1) < 1e-3
    assert out["mood"]["participants"] == 16 and -1 <= out["mood"]["valence"] <= 1
    # one screenshot: nobody's usual is known yet (no fake 0 against the frame itself)
    assert out["mood"]["valence_change"] is None
    assert all(p["valence_change"] is None and p["baseline_valence"] is None and p["baseline_learnt"] is False
               for p in out["participants"])
    assert len(summary["summary"]["participants"]) == 16 and summary["session"] >= 1
    mood = summary["summary"]["mood"]
    assert (mood["mean_valence_change"], mood["mean_valence"]) == (None, None)  # one frame counts for no time


def test_table_and_annotated_image(galleries_dir, tmp_path, capsys):
    out_png = tmp_path / "annotated.png"
    assert main(["analyze", str(galleries_dir / "real_test.png"), "--save-annotated", str(out_png)]) == 0
    text = capsys.readouterr().out
    assert "4 tiles" in text and "face" in text
    assert "; valence " in text and "(usual not known yet)" in text  # one frame: no usual to compare with
    drawn = cv2.imread(str(out_png))
    original = cv2.imread(str(galleries_dir / "real_test.png"))
    assert drawn.shape == original.shape
    assert np.mean(drawn != original) > 0.001  # something was drawn


def test_several_images_print_one_json_line_each(galleries_dir, capsys):
    paths = [str(galleries_dir / n) for n in ("zoom2.png", "real_test3.png")]
    assert main(["analyze", *paths, "--json"]) == 0
    frames, summary = _json_lines(capsys.readouterr().out)
    assert [len(f["tiles"]) for f in frames] == [4, 4]
    assert [f["timestamp"] for f in frames] == [0.0, 0.5]  # consecutive frames of one class
    assert summary["summary"]["frames"] == 2


def test_status_line_and_summary_show_the_valence_vs_usual():
    """The live status line and the end-of-run summary lead with the class's change from
    its baselines (valence vs usual), not the absolute valence."""
    from classmood.cli.text import status_line, summary_text
    from classmood.types import Alert, ClassSnapshot, FrameResult, GalleryResult

    mood = ClassSnapshot(participants=9, present=7, away=1, camera_off=1, valence=-0.31, valence_change=-0.05,
                         alerts=(Alert("away", "P03", 61.0, "P03 away for 1 min 01 s"),))
    result = FrameResult(timestamp=12.5, gallery=GalleryResult(width=640, height=360, tiles=()), participants=(),
                         mood=mood)
    assert status_line(12.5, result) == ("   12.5 s  9 participants: 7 present, 1 away, 1 camera off  "
                                         "valence vs usual -0.05  alerts 1")
    unknown = FrameResult(timestamp=0.0, gallery=GalleryResult(width=640, height=360, tiles=()), participants=(),
                          mood=ClassSnapshot(participants=0, present=0, away=0, camera_off=0))
    assert "valence - (no face read)  alerts 0" in status_line(0.0, unknown)
    summary = {"frames": 3, "duration_s": 1.5, "participants": [],
               "mood": {"mean_valence_change": 0.123, "mean_valence": -0.3, "last": None}}
    lines = summary_text("screen", summary).splitlines()
    assert lines[-1] == "  class valence vs usual: +0.12 (0: as the class usually looks)"
    assert "-0.30" not in "\n".join(lines)  # the absolute mean stays in the JSON only
    # the alerts raised and why faces were uncertain; presence-only says expressions were off
    person = {"id": "P18", "name": None, "present_s": 110.0, "away_s": 0.0, "camera_off_s": 0.0,
              "expressions": {"uncertain": 1.0}, "expressions_vs_usual": {}, "uncertain_reasons": {"too dark": 1.0}}
    summary = {"frames": 3, "duration_s": 260.0, "participants": [person], "presence_only": False,
               "alerts": [{"kind": "negative", "participant": "P13", "start_s": 150.5, "end_s": 259.5,
                           "longest_s": 109.0, "message": "P13 looks angry for 1 min 49 s"},
                          {"kind": "negative_usual", "participant": "P05", "start_s": 0.5, "end_s": 259.5,
                           "longest_s": 259.0, "message": "P05 has looked strongly negative since they joined (their usual look)"}],
               "mood": {"mean_valence_change": -0.004, "mean_valence": -0.2, "last": None}}
    lines = summary_text("video class.mp4", summary).splitlines()
    assert lines[1].endswith("uncertain 100% (uncertain: too dark 100%)")
    assert lines[2:4] == ["  alert 2:30-4:19: P13 looks angry for 1 min 49 s",
                          "  note 0:00-4:19: P05 has looked strongly negative since they joined (their usual look)"]
    assert lines[-1] == "  class valence vs usual: 0.00 (0: as the class usually looks)"  # never -0.00
    person.update(expressions={}, uncertain_reasons={})
    summary.update(presence_only=True, alerts=[], mood={"mean_valence_change": None, "mean_valence": None, "last": None})
    lines = summary_text("video class.mp4", summary).splitlines()
    assert lines[-1] == "  class valence: - (presence only: expressions were not read)"


def test_no_command_prints_help():
    proc = run_cli()
    assert proc.returncode == 2
    assert "analyze" in proc.stdout


def test_a_library_error_gets_the_flag_that_sets_its_parameter():
    from classmood.cli.errors import error_line
    from classmood.errors import InputError, ModelError

    msg = "/x/none.db: no ClassMood database here; record a session first or choose another database file"
    assert error_line(InputError(msg, option="db")) == f"classmood: error: {msg} (--db FILE)"
    assert error_line(InputError("report window 50..10 s: the start must come before the end", option="start")) \
        == "classmood: error: report window 50..10 s: the start must come before the end (--from SECONDS)"
    assert error_line(InputError("window 'Zoom': no such window", option="window")).endswith(" (--window N|TITLE)")
    assert error_line(InputError("region '1,2': expected X,Y,W,H", option="region")).endswith(" (--region X,Y,W,H)")
    assert error_line(InputError("after the end", option="end")).endswith("after the end (--to SECONDS)")
    assert error_line(ModelError("m.tflite: not found", option="model")).endswith(" (--model MODEL.tflite)")
    # no parameter, or files given as arguments: the message alone
    assert error_line(InputError("x: no such file")) == "classmood: error: x: no such file"
    assert error_line(InputError("x: no images", option="paths")) == "classmood: error: x: no images"
    # a message that names the flag already is not repeated
    assert error_line(InputError("webcam 7: try --webcam 8", option="webcam")) == \
        "classmood: error: webcam 7: try --webcam 8"


def test_a_bad_database_names_the_flag(tmp_path):
    assert_one_clear_error(run_cli("report", "latest", "--db", str(tmp_path / "none.db")),
                           "none.db", "no ClassMood database here", "--db")


def test_session_lengths_are_clock_times(tmp_path, capsys):
    from classmood.agent.store import SessionStore

    db = tmp_path / "s.db"
    with SessionStore(db) as store:
        for length in (65.0, 3725.0):
            store.start_session(source=f"class of {length:g} s", started_at=1_767_600_000.0)
            store.end_session(ended_at=1_767_600_000.0 + length)
    assert main(["sessions", "--db", str(db)]) == 0
    # "   1  2026-01-05 08:00      1:05      0      0  class of 65 s": the source's seconds -> the length
    lengths = {ln.split()[-2]: ln.split()[3] for ln in capsys.readouterr().out.splitlines() if "class of" in ln}
    assert lengths == {"65": "1:05", "3725": "1:02:05"}  # past an hour: h:mm:ss


def test_the_sampling_asked_for_is_stored_with_the_session(galleries_dir, tmp_path, capsys):
    """analyze writes the settings the report reads: the command, the face threshold and
    the seconds between analysed frames (here two images 1.5 s apart)."""
    from classmood.agent.store import SessionSettings, SessionStore

    db = tmp_path / "s.db"
    paths = [str(galleries_dir / n) for n in ("zoom2.png", "real_test3.png")]
    assert main(["analyze", *paths, "--every", "1.5", "--db", str(db), "--no-report", "--json"]) == 0
    frames, _ = _json_lines(capsys.readouterr().out)
    assert [f["timestamp"] for f in frames] == [0.0, 1.5]
    with SessionStore(db, readonly=True) as store:
        info = store.session("latest")
    assert info.settings == SessionSettings(command="analyze", min_face_score=0.5, every=1.5)
    assert info.settings.frame_step_s == 1.5


def test_a_database_in_a_missing_folder_is_refused(tmp_path, galleries_dir):
    """A mistyped --db folder never starts a database somewhere unexpected: one line, and
    nothing created."""
    db = tmp_path / "no such folder" / "s.db"
    assert_one_clear_error(run_cli("analyze", str(galleries_dir / "zoom2.png"), "--db", str(db)),
                           "no such folder", "does not exist", "--db")
    assert not db.parent.exists()


def test_an_unreadable_image_in_a_list_is_skipped_with_a_warning(galleries_dir, tmp_path, capsys):
    """Like a damaged stretch of a recording: the images after it are read, the teacher is
    told which one was skipped, and the stored session marks its slot as not read."""
    from classmood.agent.store import SessionStore

    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 300)
    paths = [str(galleries_dir / "zoom2.png"), str(bad), str(galleries_dir / "zoom2.png")]
    db = tmp_path / "s.db"
    assert main(["analyze", *paths, "--json", "--db", str(db), "--no-report"]) == 0
    out, err = capsys.readouterr()
    frames, summary = _json_lines(out)
    assert [f["timestamp"] for f in frames] == [0.0, 1.0]  # the third image keeps its slot
    assert [len(f["tiles"]) for f in frames] == [4, 4]
    warnings = [ln for ln in err.splitlines() if ln.startswith("classmood: warning: ")]
    assert len(warnings) == 2 and "broken.png" in warnings[0] and "not a readable image" in warnings[0]
    assert warnings[1] == "classmood: warning: 2 of 3 images read"
    s = summary["summary"]
    assert s["duration_s"] == 1.5 and {p["present_s"] for p in s["participants"]} == {1.0}
    with SessionStore(db, readonly=True) as store:
        assert [(round(u.start_s, 2), round(u.end_s, 2)) for u in store.unread(store.session("latest").id)] == [(0.5, 1.0)]


def test_a_list_of_only_unreadable_images_is_one_clear_error(tmp_path):
    for n in ("a.png", "b.png"):
        (tmp_path / n).write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 300)
    assert_one_clear_error(run_cli("analyze", str(tmp_path / "a.png"), str(tmp_path / "b.png")),
                           "none of the 2 images could be read")


def test_run_checks_its_database_first(tmp_path):
    """``run --db`` in a missing folder or naming a folder is one line before any window
    is looked for (here the display cannot even be reached) and creates nothing: a
    newcomer's ``run --db /missing/folder/x.db`` made the folders for meeting.json, and
    ``--db <a folder>`` failed only after the discovery's lines."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), DISPLAY=":987")
    db = tmp_path / "nope" / "sub" / "x.db"
    for args in (["run", "--no-overlay", "--db", str(db)], ["run", "--list", "--db", str(db)]):
        proc = subprocess.run([sys.executable, "-m", "classmood", *args], capture_output=True, text=True,
                              timeout=120, cwd=ROOT, env=env)
        assert_one_clear_error(proc)
        assert proc.stderr.strip() == (f"classmood: error: {db}: folder {db.parent} does not exist; create it first "
                                       "or choose a database file in a folder that exists (--db FILE)")
        assert not (tmp_path / "nope").exists()
    proc = subprocess.run([sys.executable, "-m", "classmood", "run", "--no-overlay", "--db", str(tmp_path)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)
    assert_one_clear_error(proc)
    assert proc.stderr.strip() == (f"classmood: error: {tmp_path}: is a folder, not a database file; give the path "
                                   "of a database file (--db FILE)")
