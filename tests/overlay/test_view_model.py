"""FrameResult -> the pages' JSON, the valence history, the controls (pure: no GUI)."""

from __future__ import annotations

import json
import threading
import time

import numpy as np
import pytest

from classmood.labels import COLOURS
from classmood.overlay.view_model import Controls, OverlayModel, ValenceHistory
from classmood.overlay import layout as L
from classmood.overlay.window import Overlay, PanelApi, default_panel_rect
from classmood.types import Alert, Frame

from .synthetic import class_sequence, frame_result, grid_tiles, participant


# --------------------------------------------------------------------------- history
def test_valence_history_keeps_ten_minutes():
    h = ValenceHistory(600)
    for k in range(2 * 900):  # 15 minutes at 2 Hz
        h.add(k * 0.5, np.sin(k / 100))
    pts = h.points()
    assert pts[-1][0] == pytest.approx(899.5)
    assert pts[0][0] >= 899.5 - 600 and len(pts) == 1201
    h.add(0.0, 0.5)  # time went back: a new session
    assert h.points() == [(0.0, 0.5)]
    assert len(ValenceHistory(600, max_points=50).points()) == 0
    with pytest.raises(ValueError):
        ValenceHistory(0)


def test_valence_path_maps_time_and_value_and_breaks_at_gaps():
    h = ValenceHistory(600)
    assert h.svg_path() == ""
    for t in range(0, 100):
        h.add(t, 1.0)          # +1 -> y = 0
    for t in range(100, 200):
        h.add(t, None)         # nobody's expression known: a gap
    for t in range(200, 600):
        h.add(t, -1.0)         # -1 -> y = 100
    d = h.svg_path(600, 100, bins=300)
    moves = [p for p in d.split() if p.startswith("M")]
    assert len(moves) == 2  # two runs of line
    xs = [float(p[1:]) for p in d.split() if p[0] in "ML"]
    assert max(xs) == pytest.approx(599.0) and min(xs) >= 0
    ys = {float(tok) for tok in d.split() if tok[0] not in "ML"}
    assert ys == {0.0, 100.0}
    # binned means, newest bin last
    b = h.binned(6)
    assert b[-1] == pytest.approx(-1.0) and b[0] == pytest.approx(1.0) and b[1] is None
    # a lone point is still drawn (as a short dash)
    h2 = ValenceHistory(600)
    h2.add(10, 0.0)
    assert h2.svg_path().count("L") == 1


# --------------------------------------------------------------------------- controls
def test_controls_toggle_notify_and_presence_only_lock():
    c = Controls()
    seen = []
    c.subscribe(seen.append)
    assert c.toggle("paused") is True and c.paused
    assert c.toggle("paused") is False
    assert c.set("hidden", True) and c.hidden
    assert c.set("hidden", True)  # no change: no notification
    assert [s["paused"] for s in seen] == [True, False, False]
    with pytest.raises(ValueError):
        c.toggle("analysis")
    locked = Controls(presence_only=False, expressions_allowed=False)
    assert locked.presence_only
    assert locked.toggle("presence_only") is True and locked.presence_only  # cannot be switched off
    assert locked.snapshot()["expressions_allowed"] is False
    api = PanelApi(c)
    assert api.toggle("presence_only")["presence_only"] is True
    assert api.status()["state"] == "analysing"
    assert not any(n for n in dir(api) if not n.startswith("_") and n not in ("toggle", "status", "pick"))


def test_gate_drops_frames_while_paused_and_resumes_with_a_fresh_one():
    c = Controls()
    stop = threading.Event()
    taken = []

    def frames():
        for i in range(1000):
            taken.append(i)
            time.sleep(0.005)
            yield i

    got = []
    it = c.gate(frames(), stop)
    got.append(next(it))
    c.set("paused", True)
    threading.Timer(0.3, c.set, args=("paused", False)).start()
    t0 = time.monotonic()
    got.append(next(it))  # waits out the pause
    assert time.monotonic() - t0 >= 0.25
    assert got[1] >= got[0] + 2  # the frame taken when the pause began was dropped, not analysed late
    c.set("paused", True)
    threading.Timer(0.2, stop.set).start()
    assert list(it) == []  # stop ends a pause


def test_a_pick_goes_from_the_panel_to_the_loop_once_and_frames_hold_while_the_picker_is_open():
    webcam = Controls()  # a webcam's session cannot watch another part of the screen
    assert not webcam.start_picking() and webcam.snapshot()["can_pick"] is False
    c = Controls(can_pick=True)
    seen = []
    c.subscribe(seen.append)
    stop = threading.Event()
    it = c.gate(iter(range(1000)), stop)
    assert next(it) == 0
    assert c.start_picking() and c.picking
    assert not c.start_picking()  # one picker at a time
    assert seen[-1]["picking"] is True and seen[-1]["message"] == ""
    got = []
    t = threading.Thread(target=lambda: got.append(next(it)))
    t.start()
    t.join(0.3)
    assert got == []  # the picker covers the screen with a still picture of it: nothing is analysed
    c.end_picking((10, 20, 640, 360))
    t.join(5)
    assert got == [2]  # the frame taken while picking was dropped
    assert not c.picking and seen[-1]["picking"] is False
    assert c.take_pick() == (10, 20, 640, 360) and c.take_pick() is None  # taken once
    c.say("Watching the rectangle you picked, 640x360 at 10,20.")
    assert seen[-1]["message"] == "Watching the rectangle you picked, 640x360 at 10,20."
    assert c.start_picking()
    c.end_picking(None, "No rectangle was picked (cancelled): the same part is watched.")
    assert c.take_pick() is None and "cancelled" in c.snapshot()["message"]
    stop.set()


def test_the_panel_notes_say_what_limits_the_reading_while_it_holds():
    m = OverlayModel()
    assert m.panel_payload()["notes"] == []
    m.set_notes(["Switch it to gallery view to see everyone.", None, ""])
    m.update(frame_result([participant(0, grid_tiles(1)[0])]))
    assert m.panel_payload()["notes"] == ["Switch it to gallery view to see everyone."]
    m.set_notes([])
    assert m.panel_payload()["notes"] == []


def test_a_meeting_partly_covered_keeps_its_counts_with_the_note_first_and_not_visible_has_none():
    """Issue 20: another window over part of the meeting: the students under it are shown
    as last seen, so the panel keeps counting, its first note says what covers it; the
    meeting not visible (minimised, nearly all covered) gives no counts, its reason first."""
    c = Controls()
    m = OverlayModel(c)
    m.set_notes(["Switch it to gallery view to see everyone."])
    for r in class_sequence(n=12, steps=5):
        m.update(r)
    heard = []
    c.subscribe(heard.append)
    covered = ("The Zoom window is 25% covered by libreoffice-impress 'lesson.odp': the students under it cannot be "
               "seen and are shown as last seen until it moves; the others are counted as usual. Bring the meeting "
               "to the front, or move the other window away.")
    c.set_covered(covered)
    c.set_covered(covered)  # the same words again: nothing new
    assert c.covered == covered and c.snapshot()["covered"] == covered
    assert [h["covered"] for h in heard] == [covered]
    p = m.panel_payload()
    assert p["status"]["state"] == "analysing" and p["counts"]["participants"] == 12
    assert p["notes"] == [covered, "Switch it to gallery view to see everyone."]
    assert m.overlay_payload()["indicator"] is not None
    c.set_unseen("The Zoom window is 90% covered by x: almost no one can be seen, and nothing is counted now.")
    p = m.panel_payload()
    assert p["status"]["state"] == "not visible" and p["counts"] is None
    assert p["notes"][0].startswith("The Zoom window is 90%")
    c.set_unseen(None)
    c.set_covered(None)
    p = m.panel_payload()
    assert c.covered == "" and p["notes"] == ["Switch it to gallery view to see everyone."] and p["counts"]
    json.dumps(p)


# --------------------------------------------------------------------------- payloads
def test_overlay_payload_badges_relative_to_the_window_and_mask_in_screen():
    boxes = grid_tiles(4)
    r = frame_result([participant(0, boxes[0], label="happy", confidence=0.9),
                      participant(1, boxes[1], "away", away_s=70),
                      participant(2, boxes[2], "camera_off"),
                      participant(3, None, "left")])
    m = OverlayModel()
    m.update(r, origin=(200, 100), size=(1280, 720))
    pay = m.overlay_payload()
    assert [b["id"] for b in pay["badges"]] == ["P01", "P02", "P03"]
    b = pay["badges"][0]
    x, y, w, h = boxes[0]
    assert x <= b["x"] and b["x"] + b["w"] <= x + w and y <= b["y"] and b["y"] + b["h"] <= y + h
    assert b["text"] == "happy 90%" and b["color"] == COLOURS["happy"]
    assert pay["badges"][1]["text"] == "away 1:10"
    assert pay["indicator"]["text"] == "ClassMood analysing"
    rects = m.mask_rects()
    assert (b["x"] + 200, b["y"] + 100, b["w"], b["h"]) in rects
    ind = pay["indicator"]
    assert (ind["x"] + 200, ind["y"] + 100, ind["w"], ind["h"]) in rects
    json.dumps(pay)

    # the next frame: both the new and the previous badges are masked (repaint lag)
    boxes2 = grid_tiles(2)
    m.update(frame_result([participant(0, boxes2[0], label="sad"), participant(1, boxes2[1], "camera_off")]),
             origin=(200, 100))
    rects2 = m.mask_rects()
    assert (b["x"] + 200, b["y"] + 100, b["w"], b["h"]) in rects2
    assert len(m.overlay_payload()["badges"]) == 2

    # hidden: nothing drawn, nothing to mask; paused: badges cleared
    m.controls.set("hidden", True)
    assert m.mask_rects() == []
    m.controls.set("hidden", False)
    m.controls.set("paused", True)
    m.clear_badges()
    pay = m.overlay_payload()
    assert pay["badges"] == [] and pay["indicator"]["text"] == "ClassMood paused"


def test_presence_only_switch_hides_expressions_everywhere():
    boxes = grid_tiles(3)
    r = frame_result([participant(0, boxes[0], label="sad", negative_s=90),
                      participant(1, boxes[1], label="happy"), participant(2, boxes[2], "away", away_s=45)])
    m = OverlayModel()
    m.update(r)
    assert {b["kind"] for b in m.overlay_payload()["badges"]} == {"expression", "away"}
    assert [a["kind"] for a in m.panel_payload()["attention"]] == ["negative", "away"]
    m.controls.set("presence_only", True)
    m.update(r)
    assert {b["text"] for b in m.overlay_payload()["badges"]} == {"present", "away 45 s"}
    p = m.panel_payload()
    assert p["presence_only"] and p["distribution"] == [] and p["valence"] is None
    assert [a["kind"] for a in p["attention"]] == ["away"]
    # a presence-only session (the result says so) likewise
    m2 = OverlayModel()
    m2.update(frame_result(r.participants, presence_only=True))
    assert all(b["kind"] in ("present", "away") for b in m2.overlay_payload()["badges"])


def test_panel_payload_counts_distribution_valence_and_attention():
    results = list(class_sequence(n=12, steps=40))
    m = OverlayModel()
    for r in results:
        m.update(r)
    p = m.panel_payload()
    last = results[-1]
    assert p["counts"] == {"participants": 12, "present": 10, "away": 1, "camera_off": 1}
    dist = {d["label"]: d for d in p["distribution"]}
    assert set(dist) >= {"happy", "neutral", "sad", "surprise", "uncertain"}
    assert sum(d["share"] for d in p["distribution"]) == pytest.approx(1.0, abs=1e-3)
    assert dist["sad"]["color"] == COLOURS["sad"]
    assert p["valence"]["text"] == f"{last.mood.valence_change:+.2f}"
    assert p["valence"]["path"].startswith("M")
    # attention: the sad one (alert, 79.5 s) before the one away (37 s), by name
    att = p["attention"]
    assert [(a["who"], a["kind"]) for a in att] == [("Edgar Soto", "negative"), ("Cyril Roy", "away")]
    assert att[0]["alert"] and not att[1]["alert"]
    assert att[0]["duration"] == "1:20" and att[1]["duration"] == "37 s"
    assert p["clock"] == "2:00" and p["status"]["state"] == "analysing"
    json.dumps(p)


def test_panel_valence_is_the_change_from_each_students_usual():
    """A class whose resting faces read sad (baseline -0.6) and who look neutral now:
    absolute valence 0, but 0.6 above usual; the panel's figure and line are the change,
    with its plain-words hint."""
    boxes = grid_tiles(3)
    m = OverlayModel()
    for k in range(20):
        r = frame_result([participant(i, boxes[i], label="neutral", baseline=-0.6) for i in range(3)], t=k * 0.5)
        m.update(r)
    assert r.mood.valence == 0.0 and r.mood.valence_change == pytest.approx(0.6)
    v = m.panel_payload()["valence"]
    assert v["now"] == pytest.approx(0.6) and v["text"] == "+0.60"
    assert "vs. usual" in v["hint"] and "own usual" in v["hint"]
    ys = [float(tok) for tok in v["path"].split() if tok[0] not in "ML"]
    assert ys and ys == pytest.approx([(1.0 - 0.6) * 100 / 2] * len(ys), abs=0.05)  # at +0.6, not at 0
    json.dumps(v)


def test_attention_without_names_uses_the_anonymous_ids_and_class_alerts():
    boxes = grid_tiles(3)
    r = frame_result([participant(0, boxes[0], "away", away_s=200), participant(1, boxes[1], "away", away_s=31),
                      participant(2, boxes[2], "away", away_s=5)],
                     alerts=[Alert("away", "P01", 200, "P01 away for 3:20"),
                             Alert("valence_drop", None, 12, "class valence vs usual fell by 0.30 within 30 s"),
                             Alert("negative", "P09", 75, "P09 looks sad for 1:15")])
    m = OverlayModel()
    m.update(r)
    p = m.panel_payload()
    assert [(a["who"], a["kind"], a["alert"]) for a in p["attention"]] == [
        ("P01", "away", True), ("P09", "negative", True), ("P02", "away", False)]
    assert p["class_alerts"] == [{"kind": "valence_drop", "text": "class valence vs usual fell by 0.30 within 30 s"}]
    assert OverlayModel().panel_payload()["counts"] is None  # before the first frame


def test_overlay_follows_the_captured_region_and_masks_the_panel():
    ov = Overlay((100, 50, 1280, 720), panel_rect=(1000, 100, 380, 600))
    boxes = grid_tiles(2)
    r = frame_result([participant(0, boxes[0], label="happy"), participant(1, boxes[1], label="sad")])
    ov.update(Frame(np.zeros((720, 1280, 3), np.uint8), 0.0, origin=(100, 50)), r)
    rects = ov.mask_rects()
    assert (1000, 100, 380, 600) in rects  # the panel overlaps the region
    bx = ov.payloads["overlay"]["badges"][0]
    assert (bx["x"] + 100, bx["y"] + 50, bx["w"], bx["h"]) in rects
    # the meeting window moved: the region follows, badges keep their place on the tiles
    ov.update(Frame(np.zeros((720, 1280, 3), np.uint8), 0.5, origin=(300, 80)), r)
    assert ov.region == (300, 80, 1280, 720)
    assert ov.payloads["overlay"]["badges"][0]["x"] == bx["x"]
    ov.panel_rect = (1700, 100, 380, 600)
    assert (1700, 100, 380, 600) not in ov.mask_rects()
    assert default_panel_rect((0, 0, 1280, 720), monitors=[(0, 0, 1920, 1080)])[0] == 1284
    webcam = Overlay(None, panel_rect=(0, 0, 380, 600))  # no overlay window: the panel alone
    webcam.update(Frame(np.zeros((720, 1280, 3), np.uint8), 0.0), r)
    assert webcam.mask_rects() == [] and webcam.payloads["panel"]["counts"]["participants"] == 2
    assert default_panel_rect((0, 0, 1920, 1080), monitors=[(0, 0, 1920, 1080)])[0] < 1920
    ov.close()


def test_fifty_participants():
    results = list(class_sequence(n=50, steps=4, names=False))
    m = OverlayModel()
    for r in results:
        m.update(r, size=(1280, 720))
    pay = m.overlay_payload()
    assert len(pay["badges"]) == 50
    p = m.panel_payload()
    assert p["counts"]["participants"] == 50
    assert [a["who"] for a in p["attention"]][:1] == ["P05"]


def test_the_panel_moves_off_the_tiles_and_stays_where_the_teacher_puts_it(tmp_path):
    """A 5x5 gallery filling a 1920x1080 screen with the app's toolbar below: the panel
    leaves the tiles for the toolbar as a strip (it had opened over the right column,
    hiding 4 of 25 students and masking them out of the figures). Moved by the teacher,
    it stays there, this time and next."""
    screen = (0, 0, 1920, 1080)
    boxes = grid_tiles(25, (1920, 1020))  # the toolbar: the lowest 60 px
    r = frame_result([participant(i, b) for i, b in enumerate(boxes)], size=(1920, 1080))
    saved = tmp_path / "panel.json"
    ov = Overlay(screen, monitors=[screen], panel_file=saved)
    ov.update(Frame(np.zeros((1080, 1920, 3), np.uint8), 0.0), r)
    assert not any(L.overlaps(ov.panel_rect, b) for b in boxes), ov.panel_rect
    assert ov.panel_rect[3] == L.PANEL_COMPACT[1] and ov.panel_rect[1] >= 1020 - 8
    # what is masked out of analysis is what we draw: the badges, and the panel over no tile
    assert ov.panel_rect in ov.mask_rects()
    placed = ov.panel_rect
    ov._panel_moved(*placed[:2])  # the window reporting our own move: still ours
    assert not ov.panel_pinned and not saved.exists()
    ov._panel_moved(40, 300)  # the teacher drags it
    assert ov.panel_pinned and json.loads(saved.read_text())["rect"][:2] == [40, 300]
    ov.update(Frame(np.zeros((1080, 1920, 3), np.uint8), 0.5), frame_result(
        [participant(i, b) for i, b in enumerate(grid_tiles(16, (1920, 1020)))], size=(1920, 1080)))
    assert ov.panel_rect[:2] == (40, 300)  # not moved again
    ov.close()
    again = Overlay(screen, monitors=[screen], panel_file=saved)
    # over the gallery: there once the first frame was seen whole (the students it covers
    # are then shown to the analysis as they were)
    assert not again.panel_pinned and not L.overlaps(again.panel_rect, (40, 300, 1, 1))
    again.update(Frame(np.zeros((1080, 1920, 3), np.uint8), 0.0), r)
    assert again.panel_pinned and again.panel_rect[:2] == (40, 300)
    again.close()
    gone = Overlay(screen, monitors=[(0, 0, 30, 30)], panel_file=saved)  # not on any monitor now
    assert not gone.panel_pinned
    gone.close()


def test_over_tiles_edge_to_edge_the_panel_keeps_off_the_faces_as_they_move():
    """A 7x7 gallery edge to edge over a 1920x1080 screen (a full-screen gallery whose app
    hid its toolbar): no place is free of tiles, so the strip or the tab covers part of a
    tile, never a face with its clearance nor a badge; when a student moves under it, it
    moves away; at scale 2 (its sizes doubled) still off every face."""
    screen = (0, 0, 1920, 1080)
    boxes = grid_tiles(49, (1920, 1080))
    ps = [participant(i, b) for i, b in enumerate(boxes)]
    ov = Overlay(screen, monitors=[screen])
    ov.update(Frame(np.zeros((1080, 1920, 3), np.uint8), 0.0), frame_result(ps, size=(1920, 1080)))
    faces = [p.face_bbox for p in ps]
    first = ov.panel_rect
    assert first[2:] in (L.PANEL_COMPACT, L.PANEL_TAB) and not L.covers_a_face(first, faces), first
    assert not any(L.overlaps(first, b) for b in ov.model.mask_rects()), first  # nor a badge
    # the student whose tile the strip covers leans towards it: within the clearance, not
    # under it: it stays (no jumping for a restless student)
    under = next(i for i, b in enumerate(boxes) if L.overlaps(first, b))
    x, y, w, h = first
    near = list(ps)
    near[under] = participant(under, boxes[under], face=(x + 10, y - 45, 40, 40))
    ov.update(Frame(np.zeros((1080, 1920, 3), np.uint8), 0.25), frame_result(near, size=(1920, 1080)))
    assert ov.panel_rect == first
    # ... stands up: their face now under the strip, which moves off every face
    moved = list(ps)
    moved[under] = participant(under, boxes[under], face=(x + 10, y - 5, 40, 40))
    faces = [p.face_bbox for p in moved]
    ov.update(Frame(np.zeros((1080, 1920, 3), np.uint8), 0.5), frame_result(moved, size=(1920, 1080)))
    assert ov.panel_rect != first and not L.covers_a_face(ov.panel_rect, faces), ov.panel_rect
    ov.close()
    hidpi = Overlay(screen, monitors=[screen])
    hidpi.scale = 2.0
    hidpi.update(Frame(np.zeros((1080, 1920, 3), np.uint8), 0.0), frame_result(ps, size=(1920, 1080)))
    r = hidpi.panel_rect
    assert r[2:] in ((2 * L.PANEL_COMPACT[0], 2 * L.PANEL_COMPACT[1]), (2 * L.PANEL_TAB[0], 2 * L.PANEL_TAB[1])), r
    assert not L.covers_a_face(r, [p.face_bbox for p in ps]), r
    hidpi.close()


def test_panel_says_learning_before_anyone_s_usual_is_known():
    """Faces read, no baseline learnt yet (the first 2 minutes): the figure reads
    'learning', its tooltip says why, never a made-up 0."""
    from dataclasses import replace

    boxes = grid_tiles(2)
    parts = [replace(participant(i, boxes[i], label="sad"), baseline_valence=None, valence_change=None,
                     baseline_learnt=False) for i in range(2)]
    m = OverlayModel()
    m.update(frame_result(parts))
    v = m.panel_payload()["valence"]
    assert v["text"] == "learning" and v["now"] is None and "first 2 minutes" in v["hint"]


def test_panel_mix_is_read_against_each_students_usual_label():
    """Issue 19: the panel's mix, once anyone's usual label is known, is "as usual", the
    changes from it by label, uncertain, and "learning" for someone whose usual is not known
    yet (the class mood meter's own figures); before, the model's labels."""
    from dataclasses import replace

    from classmood.agent.mood import ClassMoodMeter, MoodConfig
    from classmood.overlay.view_model import MIX_TITLES
    from classmood.types import FrameResult, GalleryResult

    tiles = grid_tiles(5)
    people = [replace(participant(0, tiles[0], label="sad"), usual_label="sad"),  # a resting face read sad
              replace(participant(1, tiles[1], label="neutral"), usual_label="neutral"),
              replace(participant(2, tiles[2], label="happy"), usual_label="neutral"),  # a change
              participant(3, tiles[3], label="sad"),  # usual not known yet
              replace(participant(4, tiles[4], label="uncertain"), usual_label="neutral")]

    def payload(parts):
        mood = ClassMoodMeter(MoodConfig()).update(10.0, parts)
        m = OverlayModel()
        m.update(FrameResult(timestamp=10.0, gallery=GalleryResult(width=1280, height=720, tiles=()),
                             participants=tuple(parts), mood=mood))
        return m.panel_payload()

    p = payload(people)
    assert p["mix"] == "vs_usual" and p["mix_title"] == MIX_TITLES["vs_usual"] == "Expressions vs usual"
    rows = [(d["label"], d["text"], d["count"]) for d in p["distribution"] if d["count"]]
    assert rows == [("usual", "as usual", 2), ("happy", "happy", 1), ("uncertain", "uncertain", 1),
                    ("learning", "learning", 1)]
    usual = next(d for d in p["distribution"] if d["label"] == "usual")
    assert usual["share"] == pytest.approx(0.4) and usual["color"] == COLOURS["usual"]
    assert not [d for d in p["distribution"] if d["label"] == "sad" and d["count"]]  # nobody shown as "sad"
    before = payload([replace(q, usual_label=None) for q in people])
    assert before["mix"] == "labels" and before["mix_title"] == "Expressions now"
    assert {d["label"]: d["count"] for d in before["distribution"] if d["count"]} == {
        "sad": 2, "neutral": 1, "happy": 1, "uncertain": 1}


def test_no_badge_floats_over_another_apps_window_covering_the_meeting():
    """A newcomer's slides over part of the meeting: the covered students' badges were
    drawn on top of the slides (the overlay is always on top). A participant whose tile's
    centre lies under a covering window (Frame.covered) gets no badge; the others keep
    theirs, and the covered ones are still counted."""
    boxes = grid_tiles(4)
    r = frame_result([participant(i, boxes[i], label="happy", confidence=0.9) for i in range(4)])
    x, y, w, h = boxes[1]
    slides = (x - 10, y - 10, w + 20, h // 2 + 20)  # over the top half of tile 2, its centre too
    m = OverlayModel()
    m.update(r, origin=(200, 100), size=(1280, 720), covered=[slides])
    assert [b["id"] for b in m.overlay_payload()["badges"]] == ["P01", "P03", "P04"]
    assert m.panel_payload()["counts"]["present"] == 4
    m.update(r, origin=(200, 100), size=(1280, 720))  # the slides moved away
    assert [b["id"] for b in m.overlay_payload()["badges"]] == ["P01", "P02", "P03", "P04"]
