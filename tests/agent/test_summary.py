"""The end-of-session summary and the presence-seconds rule it shares with the report:
hand-made frames, hand-computed figures."""

from __future__ import annotations

import numpy as np
import pytest

from classmood.agent.summary import SessionSummary, frame_seconds, frame_step, observation_seconds
from classmood.types import ClassSnapshot, FrameResult, GalleryResult, ParticipantResult, Presence, TileState

STATES = {"present": TileState.FACE, "away": TileState.NO_FACE, "camera_off": TileState.CAMERA_OFF, "left": None}


def frame(t: float, people: list[tuple], valence: float | None = None, presence_only: bool = False,
          change: float | None = None) -> FrameResult:
    """A frame at ``t`` s: people are (id, presence, label[, name]); ``valence`` is the
    class's, ``change`` its valence change from the participants' baselines."""
    parts = []
    for i, (pid, pres, label, *name) in enumerate(people):
        parts.append(ParticipantResult(id=pid, tile_index=None if pres == "left" else i,
                                       bbox=None if pres == "left" else (i * 100, 0, 100, 80),
                                       tile_state=STATES[pres], presence=Presence(pres), label=label,
                                       name=name[0] if name else None))
    mood = ClassSnapshot(participants=len(parts), present=sum(p[1] == "present" for p in people),
                         away=sum(p[1] == "away" for p in people),
                         camera_off=sum(p[1] == "camera_off" for p in people), valence=valence,
                         valence_change=change)
    return FrameResult(timestamp=t, gallery=GalleryResult(width=640, height=360, tiles=()), participants=tuple(parts),
                       mood=mood, presence_only=presence_only)


def summarise(frames: list[FrameResult]) -> dict:
    s = SessionSummary()
    for f in frames:
        s.add(f)
    return s.to_dict()


def people(summary: dict) -> dict[str, dict]:
    return {p["id"]: p for p in summary["participants"]}


# --------------------------------------------------------------------------- the rule
def test_frame_step_is_the_median_gap_between_distinct_frames():
    assert frame_step(np.array([0.0, 0.5, 1.0, 1.5, 30.0, 30.5]), default=9.0) == 0.5
    assert frame_step(np.array([0.0, 1.0, 1.0, 3.0]), default=9.0) == 1.5  # gaps 1, 2 (the repeat is one frame)
    assert frame_step(np.array([4.0]), default=9.0) == 9.0
    assert frame_step(np.zeros(0), default=0.25) == 0.25


def test_frame_seconds_count_until_the_next_frame_and_one_step_before_a_pause():
    t = np.array([0.0, 0.5, 1.0, 1.6, 10.0, 10.5])
    # 1.0 -> 1.6 is within two steps: counted in full; 1.6 -> 10.0 is a pause: one step
    assert frame_seconds(t, 0.5).tolist() == pytest.approx([0.5, 0.5, 0.6, 0.5, 0.5, 0.5])
    assert frame_seconds(np.array([0.0, 1.0]), 1.0).tolist() == [1.0, 1.0]  # exactly two steps is no pause
    assert frame_seconds(np.array([0.0, 2.0, 2.5]), 0.5).tolist() == [0.5, 0.5, 0.5]
    assert frame_seconds(np.array([0.0, 0.0, 1.0]), 1.0).tolist() == [0.0, 1.0, 1.0]  # a repeated time: once
    assert frame_seconds(np.zeros(0), 0.5).tolist() == []


def test_a_recording_has_no_pauses_ends_where_it_was_read_and_skips_what_could_not_be_read():
    """A recording's frames count until the next frame however far (a variable frame rate
    slows down on a still screen: cases/video/vfr_10s with every frame, 50 ms then 450 ms
    steps, was 9.6 s long, every student 2 s), the last one until the recording's end (a
    3.0 s file sampled every 2 s was 4.0 s), and no frame counts into an unreadable
    stretch (the damaged case counted its 0.5 s hole as present)."""
    t = np.array([0.0, 0.05, 0.1, 0.55, 1.0])
    assert frame_seconds(t, 0.05).tolist() == pytest.approx([0.05, 0.05, 0.05, 0.05, 0.05])  # live: pauses
    assert frame_seconds(t, 0.05, end=1.45).tolist() == pytest.approx([0.05, 0.05, 0.45, 0.45, 0.45])
    assert frame_seconds(np.array([0.0, 2.0]), 2.0, end=3.0).tolist() == [2.0, 1.0]
    t = np.array([0.0, 0.5, 1.0, 2.5, 3.0])
    got = frame_seconds(t, 0.5, end=4.2, unread=[(1.2, 2.5), (3.4, None)])
    assert got.tolist() == pytest.approx([0.5, 0.5, 0.2, 0.5, 0.4])
    frames = [frame(ts, [("P01", "present", "happy")]) for ts in t]
    s = SessionSummary()
    for f in frames:
        s.add(f)
    d = s.to_dict(end_s=4.2, unread=[(1.2, 2.5), (3.4, None)])
    assert d["duration_s"] == 4.2 and people(d)["P01"]["present_s"] == pytest.approx(2.1)


def test_observation_seconds_are_their_frames():
    ft = np.array([0.0, 0.5, 1.0, 5.0])
    fs = frame_seconds(ft, 0.5)
    assert observation_seconds(np.array([1.0, 0.0, 5.0, 0.5]), ft, fs).tolist() == [0.5, 0.5, 0.5, 0.5]
    assert observation_seconds(np.array([0.7, -1.0]), ft, fs).tolist() == [0.5, 0.0]  # between frames; before all
    assert observation_seconds(np.array([1.0]), np.zeros(0), np.zeros(0)).tolist() == [0.0]


# --------------------------------------------------------------------------- the summary
def test_present_away_and_camera_off_seconds():
    # frames every 0.5 s from 0 to 3.5: the last one counts for one step too (8 x 0.5 = 4 s)
    script = ["present"] * 3 + ["away"] * 2 + ["camera_off"] * 3
    s = summarise([frame(k * 0.5, [("P01", pres, None), ("P02", "present", None)]) for k, pres in enumerate(script)])
    p = people(s)
    assert (p["P01"]["present_s"], p["P01"]["away_s"], p["P01"]["camera_off_s"]) == (1.5, 1.0, 1.5)
    assert (p["P02"]["present_s"], p["P02"]["away_s"], p["P02"]["camera_off_s"]) == (4.0, 0.0, 0.0)
    assert s["frames"] == 8 and s["duration_s"] == 4.0


def test_uneven_steps_count_until_the_next_frame():
    ts = [0.0, 1.0, 1.5, 3.0, 4.0]  # steps 1, 0.5, 1.5, 1: median 1; none over 2 steps
    s = summarise([frame(t, [("P01", "present" if t < 2 else "away", None)]) for t in ts])
    p = people(s)["P01"]
    assert (p["present_s"], p["away_s"]) == (3.0, 2.0)  # 0..3 present; 3..4 and the last step away
    assert s["duration_s"] == 5.0


def test_a_pause_counts_for_no_state():
    # 0, 0.5, 1.0 | paused | 20.0, 20.5: the frame before the pause counts one step
    frames = [frame(t, [("P01", "present", "happy"), ("P02", "away", None)]) for t in (0.0, 0.5, 1.0)]
    frames += [frame(t, [("P01", "camera_off", None), ("P02", "away", None)]) for t in (20.0, 20.5)]
    s = summarise(frames)
    p = people(s)
    assert (p["P01"]["present_s"], p["P01"]["camera_off_s"]) == (1.5, 1.0)
    assert p["P02"]["away_s"] == 2.5 and s["duration_s"] == 21.0


def test_first_and_last_seen_leave_out_the_time_after_leaving():
    frames = [frame(0.0, [("P01", "present", None)]),
              frame(0.5, [("P01", "present", None), ("P02", "away", None)]),
              frame(1.0, [("P01", "present", None), ("P02", "present", None)]),
              frame(1.5, [("P01", "present", None), ("P02", "left", None)]),
              frame(2.0, [("P01", "away", None), ("P02", "left", None)])]
    p = people(summarise(frames))
    assert (p["P01"]["first_seen_s"], p["P01"]["last_seen_s"]) == (0.0, 2.0)
    assert (p["P02"]["first_seen_s"], p["P02"]["last_seen_s"]) == (0.5, 1.0)
    # P02 counts only while in the meeting: away 0.5..1.0, present 1.0..1.5
    assert (p["P02"]["present_s"], p["P02"]["away_s"], p["P02"]["camera_off_s"]) == (0.5, 0.5, 0.0)


def test_expression_shares_are_of_labelled_face_time():
    labels = ["happy", "happy", "happy", "sad", "uncertain", None, None, "neutral"]
    pres = ["present"] * 5 + ["present", "away", "present"]
    s = summarise([frame(k * 0.5, [("P01", p, lab, "Ada")]) for k, (p, lab) in enumerate(zip(pres, labels))])
    p = people(s)["P01"]
    # labelled face time: happy 1.5, sad 0.5, uncertain 0.5, neutral 0.5 (the last frame: one step) = 3 s
    assert p["expressions"] == {"happy": 0.5, "sad": pytest.approx(0.1667), "uncertain": pytest.approx(0.1667),
                                "neutral": pytest.approx(0.1667)}
    assert list(p["expressions"]) == ["happy", "sad", "neutral", "uncertain"]  # FER order, then uncertain
    assert p["name"] == "Ada" and p["present_s"] == 3.5 and p["away_s"] == 0.5


def test_presence_only_has_no_expressions():
    s = summarise([frame(k * 0.5, [("P01", "present", None)], presence_only=True) for k in range(3)])
    assert people(s)["P01"]["expressions"] == {} and people(s)["P01"]["present_s"] == 1.5


def test_mean_valence_is_time_weighted():
    # valence 1.0 for 0..1.5, -0.5 for 1.5..2.0, unknown for 2.0..2.5 (and a pause before 10)
    vals = [(0.0, 1.0), (0.5, 1.0), (1.0, 1.0), (1.5, -0.5), (2.0, None), (10.0, -1.0)]
    s = summarise([frame(t, [("P01", "present", "happy")], valence=v) for t, v in vals])
    # (1.0 x 1.5 - 0.5 x 0.5 - 1.0 x 0.5) / (1.5 + 0.5 + 0.5)
    assert s["mood"]["mean_valence"] == pytest.approx((1.5 - 0.25 - 0.5) / 2.5, abs=1e-4)
    assert s["mood"]["last"]["valence"] == -1.0
    assert summarise([frame(0.0, [], valence=None)])["mood"]["mean_valence"] is None


def test_mean_valence_change_is_time_weighted_beside_the_absolute_mean():
    """The headline, the class's change from its baselines, is weighted like the valence
    and kept apart from it (a class whose resting faces read sad: valence low, change 0)."""
    vals = [(0.0, -0.3, 0.0), (0.5, -0.3, 0.0), (1.0, -0.5, -0.2), (1.5, None, None), (10.0, -0.6, -0.3)]
    s = summarise([frame(t, [("P01", "present", "sad")], valence=v, change=c) for t, v, c in vals])
    # frames count 0.5 s each (the one before the pause too): (0 + 0 - 0.2 x 0.5 - 0.3 x 0.5) / 2.0
    assert s["mood"]["mean_valence_change"] == pytest.approx((-0.1 - 0.15) / 2.0, abs=1e-4)
    assert s["mood"]["mean_valence"] == pytest.approx((-0.15 - 0.15 - 0.25 - 0.3) / 2.0, abs=1e-4)
    assert s["mood"]["last"]["valence_change"] == -0.3 and s["mood"]["last"]["valence"] == -0.6
    # frames with a valence but no change known: none, not 0
    s = summarise([frame(t, [("P01", "present", "sad")], valence=-0.3) for t in (0.0, 0.5)])
    assert s["mood"]["mean_valence_change"] is None and s["mood"]["mean_valence"] == -0.3


def test_a_single_frame_and_no_frame():
    s = summarise([frame(3.0, [("P01", "present", "happy")])])
    assert s["duration_s"] == 3.0 and people(s)["P01"]["present_s"] == 0.0  # no step is known
    assert summarise([]) == {"frames": 0, "duration_s": 0.0, "participants": [], "presence_only": False, "alerts": [],
                             "mood": {"mean_valence_change": None, "mean_valence": None, "last": None}}


def test_to_dict_can_be_called_while_frames_keep_coming():
    s = SessionSummary()
    s.add(frame(0.0, [("P01", "present", None)]))
    s.add(frame(0.5, [("P01", "present", None)]))
    assert people(s.to_dict())["P01"]["present_s"] == 1.0
    s.add(frame(1.0, [("P01", "away", None)]))
    assert (people(s.to_dict())["P01"]["present_s"], people(s.to_dict())["P01"]["away_s"]) == (1.0, 0.5)


def test_expression_shares_against_the_usual_label_once_known():
    """Issue 19: a student whose resting face reads sad (usual ``sad``) reads "as usual"
    there, and a label that differs from it is named; the model's own labels stay in
    ``expressions``; the summary is made afterwards, so the minutes the usual was learnt in
    read against it too; the printed line names the mix against the usual."""
    from dataclasses import replace

    from classmood.cli.text import summary_text

    s = SessionSummary()
    for k, (lab, usual) in enumerate([("sad", None), ("sad", "sad"), ("sad", "sad"), ("neutral", "sad"),
                                      ("uncertain", "sad")]):
        f = frame(k * 0.5, [("P01", "present", lab)])
        s.add(replace(f, participants=tuple(replace(p, usual_label=usual) for p in f.participants)))
    p = people(s.to_dict())["P01"]
    assert p["expressions"] == {"sad": 0.6, "neutral": 0.2, "uncertain": 0.2}
    # the first frame, while the usual was learnt, reads against the one learnt then
    assert p["expressions_vs_usual"] == {"usual": 0.6, "neutral": 0.2, "uncertain": 0.2}
    assert "as usual 60%" in summary_text("x", s.to_dict()) and "sad 60%" not in summary_text("x", s.to_dict())
    plain = summarise([frame(k * 0.5, [("P01", "present", "sad")]) for k in range(3)])
    assert people(plain)["P01"]["expressions_vs_usual"] == {}


def test_the_summary_lists_the_alerts_and_why_faces_were_uncertain():
    """A newcomer's analyze summary listed no alerts and no uncertain reasons: alerts are
    kept as episodes (one per run in consecutive frames, from when the condition began),
    notes after alerts of the same start; each participant's uncertain time by reason."""
    from dataclasses import replace

    from classmood.types import Alert

    frames = []
    for k in range(8):  # 0 .. 3.5 s at 2 fps
        t = k * 0.5
        f = frame(t, [("P01", "present", "uncertain"), ("P02", "present", "uncertain"),
                      ("P03", "present", "neutral")])
        parts = (replace(f.participants[0], unreadable="too dark"),
                 replace(f.participants[1], unreadable=None if k < 6 else "covered"), f.participants[2])
        alerts = (Alert("negative", "P03", 60.0 + t, f"P03 looks angry for {60 + t:.0f} s"),) if 2 <= k < 6 else ()
        if k >= 4:
            alerts += (Alert("negative_usual", "P01", 70.0 + t, f"P01 has looked strongly negative for 1 min {10 + t:02.0f} s "
                                                                "(their usual look)"),)
        frames.append(replace(f, participants=parts, mood=replace(f.mood, alerts=alerts)))
    s = summarise(frames)
    who = people(s)
    assert who["P01"]["uncertain_reasons"] == {"too dark": 1.0}
    assert who["P02"]["uncertain_reasons"] == {"low confidence": 0.75, "covered": 0.25}
    assert who["P03"]["uncertain_reasons"] == {}
    kinds = {a["kind"]: a for a in s["alerts"]}
    assert (kinds["negative"]["start_s"], kinds["negative"]["end_s"], kinds["negative"]["longest_s"]) == (0.0, 2.5, 62.5)
    assert kinds["negative"]["message"] == "P03 looks angry for 62 s"
    assert (kinds["negative_usual"]["start_s"], kinds["negative_usual"]["end_s"]) == (0.0, 3.5)
    assert [a["kind"] for a in s["alerts"]] == ["negative", "negative_usual"]  # the note after the alert
    assert s["presence_only"] is False
