"""Issue 19, sad students: a class of the shared muxspace photos' people who have both a
neutral and a sad photo (LFW names: the same person), through the whole pipeline (gallery,
faces, the bundled expression model, tracker, mood). Each sits at rest (their first neutral
photo, sorted by name) for three minutes, their usual learnt over the first two, then shows
their first sad photo for two and a half minutes, in the same room and framing.

Measured with the bundled model: most of these "sad" photos (crowd-labelled news photos) do
not read sadder than the same person's neutral one (Colin Powell's reads happy, Dileep's
less negative, George W. Bush's and Gerhard Schroeder's resting faces already read angry and
their sad ones sad, at the same valence). Of the four whose sad photo reads clearly more
negative, the valence line (0.30 below the usual for a minute) alerted two: Hrithik Roshan's
and Clara Harris's valence hovered about it (0.26-0.32 below), while their negative
probability stayed 0.32-0.38 above its usual (their line 0.20-0.21): all four are alerted.
Nobody is flagged against their usual at rest.
"""

from __future__ import annotations

from collections import defaultdict

import cv2
import pytest

from classmood.agent.mood import MoodConfig
from classmood.agent.pipeline import Pipeline
from classmood.synth import compose_gallery, webcam_view
from classmood.types import Presence
from tests.conftest import data_path

CHANGE_S, END_S, STEP_S = 180.0, 330.0, 1.0
TURN_NEGATIVE = {"Clara_Harris", "HrithikRoshan", "Hugo_Chavez", "Jayamadhuri"}
"""Whose sad photo the model reads clearly more negative than their neutral one (measured:
the negative probability 0.19-0.58 above their usual, the valence 0.26-0.43 below it)."""
BY_VALENCE = {"Hugo_Chavez", "Jayamadhuri"}
"""Those the valence line alone (0.30 below the usual, a minute without a break) alerts:
Hrithik Roshan's and Clara Harris's valence hovered about the line (longest runs under it
42 and 47 s)."""


@pytest.fixture(scope="module")
def run():
    root = data_path("faces", "muxspace")
    by = defaultdict(lambda: defaultdict(list))
    for expression in ("neutral", "sad"):
        for p in sorted((root / expression).iterdir()):
            if not p.stem.startswith("facial-expressions_"):  # those have no name
                by[p.stem.rsplit("_", 1)[0]][expression].append(p)
    people = sorted(w for w, d in by.items() if d["neutral"] and d["sad"])
    views = {w: [webcam_view(cv2.imread(str(by[w][e][0])), seed=300 + k) for e in ("neutral", "sad")]
             for k, w in enumerate(people)}
    results = []
    with Pipeline() as pipe:
        for f in range(int(END_S / STEP_S)):
            t = f * STEP_S
            now = [views[w][1 if t >= CHANGE_S else 0] for w in people]
            results.append(pipe.process(compose_gallery(now, (1280, 720), seed=f).image, t))
    return people, results


def _by_person(people, result):
    by_tile = {p.tile_index: p for p in result.participants}
    assert len(by_tile) == len(people) and all(p.presence is Presence.PRESENT for p in by_tile.values())
    return {w: by_tile[k] for k, w in enumerate(people)}


def test_the_class_is_the_twelve_people_with_a_neutral_and_a_sad_photo(run):
    people, _ = run
    assert len(people) == 12 and TURN_NEGATIVE <= set(people)


def test_nobody_is_flagged_against_their_usual_at_rest(run):
    people, results = run
    for r in results[: int(CHANGE_S / STEP_S)]:
        assert not [p.id for p in r.participants if p.below_usual()], r.timestamp
        assert not [a for a in r.mood.alerts if a.kind in ("negative", "valence_drop")], r.timestamp


def _longest_run(results, people, who, holds) -> float:
    """The longest run (s) of consecutive frames after the change in which ``holds(p)``."""
    best = run = 0.0
    for r in results[int(CHANGE_S / STEP_S):]:
        p = _by_person(people, r)[who]
        run = run + STEP_S if holds(p) else 0.0
        best = max(best, run)
    return best


def test_sad_changes_the_model_sees_are_flagged_also_under_the_valence_line(run):
    people, results = run
    last = _by_person(people, results[-1])
    cfg = MoodConfig()
    flagged = {w for w, p in last.items() if p.negative_s >= cfg.negative_alert_s}
    detail = {w: (round(p.valence_change or 0, 2), round(p.negative_change or 0, 2)) for w, p in last.items()}
    assert flagged == TURN_NEGATIVE, detail
    alerted = {a.participant for a in results[-1].mood.alerts if a.kind == "negative"}
    assert alerted == {last[w].id for w in TURN_NEGATIVE}
    # the valence line alone (0.30 below the usual, for a minute without a break): two of the four
    fell = {w: _longest_run(results, people, w, lambda p: p.valence_change is not None
                            and p.valence_change <= -cfg.negative_drop) for w in people}
    assert {w for w, s in fell.items() if s >= cfg.negative_alert_s} == BY_VALENCE, str(fell)
    clara = last["Clara_Harris"]
    assert -0.35 < clara.valence_change < -0.2 and clara.negative_change >= clara.negative_line + 0.1
    # a resting face the model reads angry whose sad photo reads sad (the same valence) shows
    # the change of label, not a negative one
    gwb = last["George_W_Bush"]
    assert (gwb.usual_label, gwb.label, gwb.shown_label) == ("angry", "sad", "sad") and gwb.negative_s == 0
