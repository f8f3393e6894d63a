"""Smoothing, label hysteresis, valence and alerts, on hand-made probability streams."""

from __future__ import annotations

import numpy as np
import pytest

from classmood.agent.mood import ClassMoodMeter, MoodConfig, ParticipantMood, valence_of
from classmood.labels import FER_CLASSES, VALENCE
from classmood.types import ParticipantResult, Presence


def onehot(label: str, p: float = 0.9) -> np.ndarray:
    v = np.full(7, (1 - p) / 6, np.float32)
    v[FER_CLASSES.index(label)] = p
    return v


def test_valence_weights_span_minus_one_to_one():
    assert valence_of(onehot("happy", 1.0)) == pytest.approx(1.0)
    assert valence_of(onehot("neutral", 1.0)) == pytest.approx(0.0)
    assert all(-1 <= v <= 1 for v in VALENCE.values())
    assert set(VALENCE) == set(FER_CLASSES)


def test_half_life_does_not_depend_on_the_frame_rate():
    def after(step: float) -> float:
        m = ParticipantMood(MoodConfig(half_life_s=2.0))
        m.update(0.0, Presence.PRESENT, onehot("neutral", 1.0))
        t = 0.0
        while t < 2.0 - 1e-9:
            t += step
            m.update(t, Presence.PRESENT, onehot("happy", 1.0))
        return float(m.smoothed[FER_CLASSES.index("happy")])

    assert after(0.5) == pytest.approx(0.5, abs=1e-5)  # one half-life later: half way
    assert after(0.1) == pytest.approx(after(1.0), abs=1e-5)


def test_a_label_never_changes_for_one_frame():
    m = ParticipantMood(MoodConfig(half_life_s=0.01, confirm_frames=2))
    shown = []
    stream = ["happy"] * 3 + ["sad"] + ["happy"] * 3 + ["sad"] * 3
    for k, lab in enumerate(stream):
        m.update(0.5 * k, Presence.PRESENT, onehot(lab))
        shown.append(m.label)
    assert shown == ["happy"] * 7 + ["happy", "sad", "sad"]


def test_low_confidence_is_uncertain():
    m = ParticipantMood(MoodConfig())
    m.update(0.0, Presence.PRESENT, np.full(7, 1 / 7, np.float32))
    assert m.label == "uncertain"


def test_presence_changes_need_two_frames_and_away_time_counts():
    m = ParticipantMood(MoodConfig())
    assert m.update(0.0, Presence.PRESENT, onehot("happy")) is Presence.PRESENT
    assert m.update(0.5, Presence.AWAY, None) is Presence.PRESENT  # one missed face: not away yet
    assert m.label == "happy"
    assert m.update(1.0, Presence.AWAY, None) is Presence.AWAY
    assert m.label is None and m.away_since == 1.0
    assert m.update(1.5, Presence.LEFT, None) is Presence.LEFT  # a tile that is gone is gone at once
    assert m.update(2.0, Presence.PRESENT, onehot("sad")) is Presence.PRESENT  # and back at once


def test_a_camera_switched_off_or_on_shows_at_once():
    """The app's camera-off card is no detector's guess: its time in a recording is the
    time of the click (cases/video/vfr_10s.mp4: off at 1.0 s, was counted from 1.9 s)."""
    m = ParticipantMood(MoodConfig())
    assert m.update(0.0, Presence.PRESENT, onehot("happy")) is Presence.PRESENT
    assert m.update(0.5, Presence.CAMERA_OFF, None) is Presence.CAMERA_OFF
    assert m.label is None
    assert m.update(1.0, Presence.AWAY, None) is Presence.AWAY  # camera on, nobody there
    assert m.update(1.5, Presence.PRESENT, onehot("happy")) is Presence.AWAY  # a face: two frames
    assert m.update(2.0, Presence.PRESENT, onehot("happy")) is Presence.PRESENT


def _p(pid, presence, valence=None, away_s=0.0, negative_s=0.0, label=None):
    return ParticipantResult(id=pid, tile_index=0, bbox=(0, 0, 10, 10), tile_state=None, presence=presence,
                             label=label, valence=valence, away_s=away_s, negative_s=negative_s)


def test_class_mood_counts_distribution_and_alerts():
    meter = ClassMoodMeter(MoodConfig(away_alert_s=60, negative_alert_s=60))
    ps = [_p("P01", Presence.PRESENT, 0.8, label="happy"), _p("P02", Presence.PRESENT, -0.6, negative_s=61, label="sad"),
          _p("P03", Presence.AWAY, away_s=75), _p("P04", Presence.CAMERA_OFF)]
    m = meter.update(100.0, ps)
    assert (m.participants, m.present, m.away, m.camera_off) == (4, 2, 1, 1)
    assert m.distribution == {"happy": 0.5, "sad": 0.5}
    assert m.valence == pytest.approx(0.1)
    assert [(a.kind, a.participant) for a in m.alerts] == [("away", "P03"), ("negative", "P02")]


def test_valence_drop_alert_needs_a_real_drop_against_a_baseline():
    meter = ClassMoodMeter(MoodConfig(drop_window_s=30, drop_baseline_s=120, drop_by=0.25, drop_min_faces=3))

    def frame(t, v):
        return meter.update(t, [_p(f"P{i}", Presence.PRESENT, v, label="neutral") for i in range(4)])

    for k in range(0, 300):  # 150 s steady at +0.4
        assert not frame(k * 0.5, 0.4).alerts
    alerts = []
    for k in range(300, 360):  # then 30 s at -0.1
        alerts = frame(k * 0.5, -0.1).alerts
    assert [a.kind for a in alerts] == ["valence_drop"]
    # too few faces: no class-wide conclusions
    small = ClassMoodMeter(MoodConfig(drop_min_faces=3))
    for k in range(400):
        out = small.update(k * 0.5, [_p("P1", Presence.PRESENT, 0.4 if k < 300 else -0.5, label="neutral")])
    assert not out.alerts
