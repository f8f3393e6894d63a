"""Avatar rows (camera-off participants as initials discs in a strip, Teams' 2020 stage
and share view): found at several sizes, after JPEG and rescaling, the "+N" overflow
badge left out; toolbars of round buttons, a participants list running down and a lone
disc are not rows; the gallery perception makes each avatar a camera-off tile beside
the video tiles (and cuts a face region back to clear the row)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from classmood import synth
from classmood.detectors.avatars import find_avatars
from classmood.detectors.face_layout import clear_of
from classmood.detectors.gallery import GalleryPerception
from classmood.types import Face, TileState as S
from tests.conftest import box_inside


def _centres(avatars):
    """Centres of the participants' avatars (overflow badges left out)."""
    return [(a.center[0], a.center[1]) for a in avatars if not a.overflow]


def _near(found, boxes, tol):
    """Every box's centre has a found centre within ``tol`` pixels and vice versa."""
    want = [(x + w / 2, y + h / 2) for x, y, w, h in boxes]
    return len(found) == len(want) and all(
        min(np.hypot(fx - wx, fy - wy) for fx, fy in found) <= tol for wx, wy in want)


@pytest.mark.parametrize("radius", [20, 30, 45])
@pytest.mark.parametrize("badge", [None, 16])
def test_row_found_badge_left_out(radius, badge):
    img = np.zeros((10 * radius, 30 * radius, 3), np.uint8)
    boxes = synth.draw_avatar_row(img, 10, 5 * radius, 2 * radius, radius, int(2.6 * radius),
                                  overflow=badge, seed=radius)
    found = find_avatars(img)
    assert _near(_centres(found), boxes, 0.15 * radius)
    assert all(abs(a.radius - radius) <= 0.15 * radius for a in found)
    assert [a.overflow for a in found] == [True] * (badge is not None) + [False] * 10


@pytest.mark.parametrize("change", ["jpeg70", "x0.67", "x1.5"])
def test_row_survives_jpeg_and_rescaling(change):
    img = np.full((240, 1600, 3), 30, np.uint8)
    boxes = synth.draw_avatar_row(img, 11, 120, 70, 36, 120, overflow=9, seed=3)
    if change == "jpeg70":
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 70])
        img, k = cv2.imdecode(buf, cv2.IMREAD_COLOR), 1.0
    else:
        k = float(change[1:])
        img = cv2.resize(img, None, fx=k, fy=k, interpolation=cv2.INTER_CUBIC)
    scaled = [tuple(v * k for v in b) for b in boxes]
    assert _near(_centres(find_avatars(img)), scaled, 6 * k)


def test_not_rows():
    """A toolbar's round buttons (one grey, a red one to hang up), a participants list
    running down, three avatars alone and a lone disc are no avatar row."""
    img = np.zeros((900, 1600, 3), np.uint8)
    for k in range(6):  # toolbar
        colour = (67, 64, 60) if k < 5 else (38, 38, 217)
        cv2.circle(img, (500 + 90 * k, 820), 30, colour, -1, cv2.LINE_AA)
        cv2.rectangle(img, (490 + 90 * k, 808), (510 + 90 * k, 832), (255, 255, 255), 2)
    page = img[:700, 1300:1600]  # a participants list: one disc per line, names beside
    for k in range(8):
        sub = page[40 + 80 * k - 40:40 + 80 * k + 40]
        synth.draw_avatar_row(sub, 1, 40, 40, 24, 60, seed=k)
        cv2.putText(sub, "Participant name", (80, 48), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (220, 220, 220), 1)
    synth.draw_avatar_row(img[100:300, 100:700], 3, 100, 60, 30, 90, seed=1)  # three alone
    synth.draw_avatar_row(img[400:600, 100:300], 1, 100, 100, 40, 90, seed=2)  # a lone disc
    assert find_avatars(img) == []


def test_discs_in_explained_tiles_are_left_out():
    img = np.zeros((300, 1400, 3), np.uint8)
    boxes = synth.draw_avatar_row(img, 8, 150, 100, 40, 160, seed=5)
    assert len(_centres(find_avatars(img))) == 8
    assert find_avatars(img, exclude=[(0, 0, 1400, 300)]) == []


def _page_with_strip(grace, library, style, badge=12):
    """A 2x2 gallery (one camera off: Meet and Teams draw an initials disc on the card) on
    the top of a 1280x720 page and an avatar row under it."""
    g = synth.make_gallery([grace], 4, (1280, 600), states=[S.FACE, S.FACE, S.CAMERA_OFF, S.FACE],
                           style=style, seed=4, library=library)
    page = np.zeros((720, 1280, 3), np.uint8)
    page[:600] = g.image
    discs = synth.draw_avatar_row(page, 9, 660, 60, 34, 110, overflow=badge, seed=4)
    return g, page, discs


@pytest.mark.parametrize("style", synth.STYLES)
def test_gallery_with_an_avatar_row(style, grace, library):
    g, page, discs = _page_with_strip(grace, library, style)
    with GalleryPerception() as p:
        r = p.analyze(page)
        states = [t.state for t in r.tiles]
        assert len(r.tiles) == 4 + 9
        assert states.count(S.CAMERA_OFF) == 1 + 9 and states.count(S.FACE) == 3
        off = [t.tile.bbox for t in r.tiles if t.tile.bbox[1] >= 600]
        assert len(off) == 9 and all(box_inside(d, b) for d, b in zip(discs, sorted(off)))
        assert r.layout_method in ("gap", "grid") and r.layout == "gallery"  # named by its videos
        p.reset()
        u = p.update(page, 0.0)
        assert [t.tile.bbox for t in u.tiles] == [t.tile.bbox for t in r.tiles]
        assert [t.state for t in u.tiles] == states


def test_page_with_only_an_avatar_row():
    """Everyone's camera off and shown as discs: a participant each, not an empty page."""
    page = np.full((720, 1280, 3), 32, np.uint8)
    synth.draw_avatar_row(page, 7, 360, 200, 40, 140, overflow=3, seed=8)
    with GalleryPerception() as p:
        r = p.analyze(page)
    assert len(r.tiles) == 7 and all(t.state is S.CAMERA_OFF for t in r.tiles)
    assert r.layout_method == "avatars"


def test_face_region_cut_back_to_clear_the_row():
    face = Face(bbox=(140, 100, 60, 60), score=0.9, keypoints=np.zeros((6, 2), np.float32))
    region = (0, 0, 400, 500)
    row = [(50, 420, 80, 80), (200, 420, 80, 80)]
    assert clear_of(region, row, [face]) == (0, 0, 400, 420)
    assert clear_of(region, [(300, 0, 100, 500)], [face]) == (0, 0, 300, 500)
    # a cut that would lose the face is not made
    assert clear_of(region, [(100, 0, 300, 500)], [face]) == region


def test_cards_with_initials_discs_stay_tiles():
    """A row of camera-off cards, each with its initials disc (Meet, Teams): the discs
    make an avatar row, but each lies in a tile many times its size: the tiles stand."""
    page = np.zeros((360, 1280, 3), np.uint8)
    cards = [(8 + k * 254, 100, 246, 138) for k in range(5)]
    for k, (x, y, w, h) in enumerate(cards):
        page[y:y + h, x:x + w] = 35
        synth.draw_avatar_row(page[y:y + h, x:x + w], 1, h // 2, w // 2, 34, 80, seed=k,
                              names=[f"{'ABCDE'[k]}nn {'VWXYZ'[k]}ee"])
    assert len([a for a in find_avatars(page) if not a.overflow]) == 5, "the discs make a row"
    with GalleryPerception() as p:
        r = p.analyze(page)
    assert [t.tile.bbox for t in r.tiles] == cards
    assert all(t.state is S.CAMERA_OFF for t in r.tiles) and r.layout_method == "gap"


def test_share_strip_avatars_and_video_thumbnails(grace):
    """Teams' share view: a slide, and under it one strip of initials discs then three
    touching video thumbnails: ten camera-off participants (the "+7" badge none) and
    three live faces, each its own tile clear of the others."""
    page = np.zeros((1080, 1920, 3), np.uint8)
    cv2.rectangle(page, (100, 80), (1820, 880), (240, 240, 240), -1)  # the shared slide
    synth.draw_avatar_row(page, 10, 1030, 60, 22, 75, overflow=7, seed=1)
    tw, th = 200, 112
    for k in range(3):
        view = synth.webcam_view(grace, seed=k)
        page[1075 - th:1075, 1000 + k * tw:1000 + (k + 1) * tw] = cv2.resize(view, (tw, th), interpolation=cv2.INTER_AREA)
    with GalleryPerception() as p:
        r = p.analyze(page)
    states = [t.state for t in r.tiles]
    assert states.count(S.CAMERA_OFF) == 10 and states.count(S.FACE) == 3 and len(r.tiles) == 13
    boxes = [t.tile.bbox for t in r.tiles]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            ix = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
            iy = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
            assert ix <= 2 or iy <= 2, (a, b)
