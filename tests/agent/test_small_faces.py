"""A face too small to read an expression from (a far student, a large class on a small
window) is present, labelled ``uncertain``, flagged ``too_small`` and never classified;
larger faces in the same frame are read as usual."""

from __future__ import annotations

import cv2

from classmood import Pipeline, synth
from classmood.agent.pipeline import MIN_READABLE_FACE_PX
from classmood.cli.text import frame_table
from classmood.types import Presence


def test_faces_too_small_to_read_are_present_and_uncertain(grace, library):
    g = synth.make_gallery([grace], 25, (1920, 1080), seed=3, library=library)
    small = cv2.resize(g.image, None, fx=0.33, fy=0.33, interpolation=cv2.INTER_AREA)
    with Pipeline() as pipe:
        res = pipe.process(small, 0.0)
    with_face = [p for p in res.participants if p.face_bbox is not None]
    tiny = [p for p in with_face if p.face_bbox[2] < MIN_READABLE_FACE_PX]
    readable = [p for p in with_face if p.face_bbox[2] >= MIN_READABLE_FACE_PX]
    assert tiny and readable, "the frame holds faces on both sides of the limit"
    for p in tiny:
        assert p.presence is Presence.PRESENT and p.too_small
        assert p.label == "uncertain" and p.probs is None and p.valence is None
        assert p.to_dict()["too_small"] is True
    for p in readable:
        assert not p.too_small and p.probs is not None
    assert res.mood.present == len(with_face)
    rows = [ln for ln in frame_table("x", res).splitlines() if "too small" in ln]
    assert len(rows) == len(tiny)
    assert all(ln.split("too small")[1].split()[0] == "-" for ln in rows), "no confidence shown"
