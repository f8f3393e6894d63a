"""Badge placement, texts and colours (pure: no GUI)."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classmood.labels import COLOURS, PANEL_ORDER
from classmood.overlay import layout as L
from classmood.overlay.layout import badge_content, covers_a_face, overlaps, badge_rect, indicator_rect, place_badges, tile_badge_rect
from classmood.timefmt import duration

from .synthetic import VAL, participant


def inside(r, tile):
    return r[0] >= tile[0] and r[1] >= tile[1] and r[0] + r[2] <= tile[0] + tile[2] and r[1] + r[3] <= tile[1] + tile[3]


def overlap(a, b):
    return (min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]) > 0
            and min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]) > 0)


TILE = (100, 50, 320, 180)


@pytest.mark.parametrize("face, corner", [
    ((120, 60, 80, 90), "bottom-right"),    # face top-left -> the opposite corner
    ((320, 60, 80, 90), "bottom-left"),     # face top-right
    ((120, 130, 80, 90), "top-right"),      # face bottom-left
    ((320, 130, 80, 90), "top-left"),       # face bottom-right
    ((230, 90, 60, 100), "top-right"),      # centred: all corners tie -> preference order
    (None, "top-right"),                    # no face: top-right (name labels sit bottom-left)
])
def test_badge_goes_to_the_corner_farthest_from_the_face(face, corner):
    r = tile_badge_rect(TILE, face, (90, 20))
    x, y, w, h = TILE
    m = L.BADGE_MARGIN
    expected = {
        "top-right": (x + w - m - 90, y + m), "top-left": (x + m, y + m),
        "bottom-right": (x + w - m - 90, y + h - m - 20), "bottom-left": (x + m, y + h - m - 20),
    }[corner]
    assert r[:2] == expected and r[2:] == (90, 20)


def test_badge_is_narrowed_then_dropped_when_the_face_fills_the_tile():
    tile = (0, 0, 200, 120)
    # the face leaves a 50 px column on the right: the badge shrinks to fit beside it
    r = tile_badge_rect(tile, (5, 5, 140, 110), (120, 20))
    assert r is not None and inside(r, tile) and not overlap(r, (5 - 3, 5 - 3, 146, 116))
    assert r[2] < 120
    # the face covers everything: no badge at all (never drawn over a face)
    assert tile_badge_rect(tile, (-5, -5, 210, 130), (120, 20)) is None
    # a tile too small for even a dot
    assert tile_badge_rect((0, 0, 12, 12), None, (40, 16)) is None


@settings(max_examples=300, deadline=None)
@given(tx=st.integers(-50, 2000), ty=st.integers(-50, 1200), tw=st.integers(20, 700), th=st.integers(20, 400),
       fx=st.floats(0, 1), fy=st.floats(0, 1), fw=st.floats(0.02, 1.2), fh=st.floats(0.02, 1.2),
       bw=st.integers(16, 200), bh=st.integers(12, 24))
def test_badge_never_overlaps_the_face_and_stays_in_its_tile(tx, ty, tw, th, fx, fy, fw, fh, bw, bh):
    tile = (tx, ty, tw, th)
    face = (tx + fx * tw - fw * tw / 2, ty + fy * th - fh * th / 2, fw * tw, fh * th)
    r = tile_badge_rect(tile, face, (bw, bh))
    if r is None:
        return
    assert inside(r, tile)
    assert not overlap(r, face)
    assert r[3] == bh and bh <= r[2] <= max(bw, bh)


def test_badge_rect_is_in_screen_coordinates():
    p = participant(0, (10, 20, 300, 170), face=(20, 30, 100, 100))
    local = badge_rect(p, (0, 0), (80, 20))
    screen = badge_rect(p, (1920, 40), (80, 20))
    assert screen == (local[0] + 1920, local[1] + 40, 80, 20)
    assert local[0] > 150 and local[1] > 100  # bottom-right: away from the face at top-left
    assert badge_rect(participant(1, None, "left"), (0, 0), (80, 20)) is None
    assert badge_rect(p) is not None  # default size: from the text


def test_badge_texts_and_colours():
    tile = (0, 0, 320, 180)
    c = badge_content(participant(0, tile, label="happy", confidence=0.823))
    assert (c.kind, c.text, c.colour) == ("expression", "happy 82%", COLOURS["happy"])
    assert badge_content(participant(0, tile, label="uncertain")).text == "uncertain"
    dark = dataclasses.replace(participant(0, tile, label="uncertain"), unreadable="too dark")
    assert badge_content(dark).text == "uncertain: too dark"  # what the student can change
    assert badge_content(dark, presence_only=True).text == "present"
    assert badge_content(participant(0, tile, label=None)).text == "present"  # not yet confirmed
    assert badge_content(participant(0, tile, "away", away_s=4)).text == "away"
    assert badge_content(participant(0, tile, "away", away_s=125)).text == "away 2:05"
    assert badge_content(participant(0, tile, "camera_off")).text == "camera off"
    assert badge_content(participant(0, None, "left")) is None
    # presence only: never an expression
    c = badge_content(participant(0, tile, label="sad"), presence_only=True)
    assert (c.kind, c.text) == ("present", "present")
    assert all(k in COLOURS for k in PANEL_ORDER + ("uncertain", "present", "away", "camera_off"))
    assert len(set(COLOURS[k] for k in PANEL_ORDER)) == len(PANEL_ORDER)
    assert (duration(5.4, compact=True) == "5 s" and duration(65, compact=True) == "1:05"
            and duration(3725, compact=True) == "1:02:05")


def test_small_tiles_get_small_badges():
    assert L.badge_font((0, 0, 320, 180)) == 12 and L.badge_font((0, 0, 140, 80)) == 10
    w_big, h_big = L.badge_box_size("happy 82%", (0, 0, 320, 180))
    w_small, h_small = L.badge_box_size("happy 82%", (0, 0, 140, 80))
    assert h_small < h_big and w_small < w_big


def test_place_badges_follow_the_tiles_when_the_layout_changes():
    a = participant(0, (0, 0, 320, 180), label="happy")
    b = participant(1, (330, 0, 320, 180), label="sad")
    first = {x.id: x for x in place_badges([a, b], (100, 100))}
    # Zoom reorders: the two swap tiles
    a2 = participant(0, (330, 0, 320, 180), label="happy")
    b2 = participant(1, (0, 0, 320, 180), label="sad")
    second = {x.id: x for x in place_badges([a2, b2], (100, 100))}
    assert inside(second["P01"].rect, (430, 100, 320, 180)) and inside(second["P02"].rect, (100, 100, 320, 180))
    # the same corner of the new tile: right edges and rows line up with the old badges
    assert second["P01"].rect[0] + second["P01"].rect[2] == first["P02"].rect[0] + first["P02"].rect[2]
    assert second["P02"].rect[0] + second["P02"].rect[2] == first["P01"].rect[0] + first["P01"].rect[2]
    assert second["P01"].rect[1] == first["P02"].rect[1] and second["P02"].rect[1] == first["P01"].rect[1]
    assert second["P01"].text.startswith("happy") and second["P02"].colour == COLOURS["sad"]
    assert [x.id for x in place_badges([participant(2, None, "left")])] == []
    d = first["P01"].to_dict((100, 100))
    assert (d["x"], d["y"]) == (first["P01"].rect[0] - 100, first["P01"].rect[1] - 100)


def test_indicator_avoids_faces_and_badges():
    size = (1280, 720)
    r = indicator_rect(size)
    assert r[1] == 2 and abs(r[0] + r[2] / 2 - 640) <= 1  # top centre
    r2 = indicator_rect(size, avoid=[(600, 0, 100, 40)])
    assert r2[1] > 600  # bottom centre
    assert not overlap(r2, (600, 0, 100, 40))
    assert indicator_rect(size, avoid=[(0, 0, 1280, 720)]) is None
    assert indicator_rect((30, 10)) is None


# -- the class-mood panel never hides a student --------------------------------------------
@pytest.mark.parametrize("n, size, chrome, scale", [
    (25, (1920, 1080), True, 1), (49, (1920, 1080), True, 1), (25, (1920, 1080), False, 1),
    (49, (1920, 1080), False, 1), (25, (1920, 1080), False, 2), (49, (1920, 1080), False, 2),
    (49, (3840, 2160), True, 1), (49, (3840, 2160), False, 2), (9, (1280, 720), True, 1)])
def test_the_panel_covers_no_tile_of_a_full_screen_gallery(grace, n, size, chrome, scale):
    """A 5x5 or 7x7 gallery filling the screen (the panel opened over its right column:
    4 of 25 students hidden from the teacher and masked out of the class figures): the
    panel goes where no tile is (the app's title bar or toolbar), as a compact strip.
    A gallery with no chrome or margin, its tiles edge to edge over the screen: the
    strip covers no face (with its clearance), at scale 1 and 2 (before: the strip at the
    bottom edge over the last row's names, at scale 2 its 80 px reached their chins)."""
    from classmood.overlay.layout import PANEL_COMPACT, PANEL_FULL, PANEL_TAB, place_panel
    from classmood.synth import make_gallery

    g = make_gallery([grace], n, size, seed=4, chrome=chrome)
    screen = (0, 0, size[0], size[1])
    tiles = [t.bbox for t in g.tiles]
    faces = [f for t in g.tiles for f in t.face_boxes]
    assert len(faces) >= n // 2
    compact = (PANEL_COMPACT[0] * scale, PANEL_COMPACT[1] * scale)
    tab = (PANEL_TAB[0] * scale, PANEL_TAB[1] * scale)
    r = place_panel(screen, tiles, [screen], full=(PANEL_FULL[0] * scale, PANEL_FULL[1] * scale),
                    compact=compact, faces=faces, tab=tab)
    assert 0 <= r[0] and r[0] + r[2] <= size[0] and 0 <= r[1] and r[1] + r[3] <= size[1]
    assert r[2:] in (compact, tab) or r[3] >= 360
    assert not covers_a_face(r, faces), (r, faces)
    top, bottom = min(t[1] for t in tiles), size[1] - max(t[1] + t[3] for t in tiles)
    if max(top, bottom) >= compact[1] + 4:  # the app leaves a margin or a toolbar: the strip fits there
        assert not any(overlaps(r, t) for t in tiles), (r, tiles)


def test_the_panel_goes_beside_a_gallery_with_room_and_covers_least_when_none_is_free():
    from classmood.overlay.layout import PANEL_COMPACT, PANEL_FULL, place_panel

    # room to the right of a 1280x720 gallery on a 1920x1080 screen: full size beside it
    assert place_panel((0, 0, 1280, 720), [(0, 0, 1280, 720)], [(0, 0, 1920, 1080)]) == (1284, 20, *PANEL_FULL)
    # tiles edge to edge over the whole screen: the strip, where it covers the least
    screen = (0, 0, 1920, 1080)
    tiles = [(x, y, 384, 216) for x in range(0, 1920, 384) for y in range(0, 1080, 216)]
    r = place_panel(screen, tiles, [screen])
    assert r[2:] == PANEL_COMPACT
    # a second monitor to the left has room: the full panel goes there, beside the gallery
    r = place_panel(screen, tiles, [screen, (-1280, 0, 1280, 1024)])
    assert r[2] == PANEL_FULL[0] and -1280 <= r[0] and r[0] + r[2] <= 0
    # no gallery (a webcam): the monitor's top-right corner
    assert place_panel(None, [], [(0, 0, 1920, 1080)])[0] == 1920 - PANEL_FULL[0] - 16


def test_badges_read_the_label_against_the_students_usual_one():
    """Issue 19: once a student's usual label is known, the badge shows it as "as usual"
    (a resting face the model reads as sad is not "sad" all class) and any other label as
    a change from it, in the direction of the valence weights; before, the model's label."""
    tile = (0, 0, 320, 180)

    def badge(label, usual):  # read against the usual valence of their usual label
        base = VAL.get(usual or "", 0.0)
        return badge_content(dataclasses.replace(participant(0, tile, label=label, baseline=base), usual_label=usual))

    rest = badge("sad", "sad")
    assert (rest.kind, rest.label, rest.text, rest.colour) == ("expression", "usual", "as usual", COLOURS["usual"])
    assert (badge("neutral", "sad").text, badge("neutral", "sad").colour) == ("neutral, above usual", COLOURS["neutral"])
    assert badge("sad", "neutral").text == "sad, below usual" and badge("sad", "neutral").label == "sad"
    assert badge("happy", "neutral").text == "happy, above usual"
    assert badge("angry", "sad").text == "angry, unlike usual"  # the same valence weight (-0.8)
    assert badge("happy", None).text == "happy 70%"  # no usual yet: the model's label
    dark = dataclasses.replace(participant(0, tile, label="uncertain"), usual_label="neutral", unreadable="too dark")
    assert badge_content(dark).text == "uncertain: too dark"
    # flagged by the negative expressions' rise with the label unchanged (a newcomer's P10:
    # the badge said "as usual" beside the alert "looks more negative than usual")
    risen = dataclasses.replace(participant(0, tile, label="neutral"), usual_label="neutral", baseline_learnt=True,
                                valence=-0.2, valence_change=-0.2, negative_change=0.25, negative_line=0.2)
    assert badge_content(risen).text == "more negative than usual" and badge_content(risen).label == "usual"
    fell = dataclasses.replace(risen, negative_change=0.0, valence_change=-0.35)
    assert badge_content(fell).text == "more negative than usual"
    calm = dataclasses.replace(risen, negative_change=0.1, valence_change=-0.1)
    assert badge_content(calm).text == "as usual"
