"""The base layer's vocabulary and time writing: one palette, one set of labels, one clock."""

from __future__ import annotations

import pytest

from classmood import labels, timefmt


def test_labels_are_fer2013_order_and_every_label_has_a_colour():
    assert labels.FER_CLASSES == ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
    assert labels.LABELS == (*labels.FER_CLASSES, "uncertain")
    assert sorted(labels.PANEL_ORDER) == sorted(labels.FER_CLASSES)
    for key in (*labels.LABELS, "present", "away", "camera_off"):
        assert labels.COLOURS[key].startswith("#") and len(labels.COLOURS[key]) == 7, key
    assert len({labels.COLOURS[c] for c in labels.FER_CLASSES}) == 7  # told apart at a glance


def test_valence_weights():
    assert set(labels.VALENCE) == set(labels.FER_CLASSES)
    assert labels.VALENCE["happy"] == 1.0 and labels.VALENCE["neutral"] == 0.0
    assert all(-1.0 <= v <= 1.0 for v in labels.VALENCE.values())
    assert all(labels.VALENCE[c] < 0 for c in ("angry", "disgust", "fear", "sad"))


@pytest.mark.parametrize("s, text", [(0, "0:00"), (8.9, "0:08"), (245, "4:05"), (3723, "1:02:03"), (-3, "0:00")])
def test_clock(s, text):
    assert timefmt.clock(s) == text


@pytest.mark.parametrize("s, prose, compact", [
    (5.4, "5 s", "5 s"), (59.6, "1 min 00 s", "1:00"), (65, "1 min 05 s", "1:05"),
    (3725, "1 h 02 min", "1:02:05"), (-1, "0 s", "0 s"),
])
def test_duration(s, prose, compact):
    assert timefmt.duration(s) == prose
    assert timefmt.duration(s, compact=True) == compact


def test_wall_clock_is_local_hh_mm_ss():
    import datetime as dt

    t0 = dt.datetime(2026, 11, 30, 9, 0, 0).timestamp()
    assert timefmt.wall_clock(t0, 65) == "09:01:05"
