"""Speaker view and screen-sharing pages: strip geometry, the large speaker tile, a
slide that holds no tile and no face, states, determinism and argument errors."""

from __future__ import annotations

import numpy as np
import pytest

from classmood import synth
from classmood.geometry import iou
from classmood.types import TileState as S
from tests.conftest import box_inside

FACE, NO_FACE, OFF, PHOTO = S.FACE, S.NO_FACE, S.CAMERA_OFF, S.PHOTO
SIZE = (1280, 720)


def _check_tiles(g: synth.SynthGallery) -> None:
    """Boxes inside the image and the area, no overlaps, states drawn as asked."""
    H, W = g.image.shape[:2]
    for i, t in enumerate(g.tiles):
        assert t.index == i
        assert box_inside(t.bbox, (0, 0, W, H)) and box_inside(t.bbox, g.area)
        assert abs(t.bbox[2] / t.bbox[3] - 16 / 9) < 0.05
        live = t.state in (FACE, NO_FACE)
        assert (t.video_bbox is not None) == live
        if t.state in (NO_FACE, OFF):
            assert t.face_boxes == ()
        if t.state is FACE:
            assert len(t.face_boxes) == 1 and box_inside(t.face_boxes[0], t.video_bbox)
        if t.state is PHOTO:
            assert len(t.face_boxes) == 1 and box_inside(t.face_boxes[0], t.bbox)
    for a in g.tiles:
        for b in g.tiles:
            if a.index < b.index:
                assert iou(a.bbox, b.bbox) == 0.0


def _check_strip(g: synth.SynthGallery, strip_tiles, side: str) -> None:
    """Equal tiles, one gap apart, flush with the named side and centred along it."""
    ax, ay, aw, ah = g.area
    boxes = [t.bbox for t in strip_tiles]
    assert len({(w, h) for _, _, w, h in boxes}) == 1, "strip tiles are equal"
    n = len(boxes)
    assert g.grid == ((n, 1) if side == "right" else (1, n))
    if side == "right":
        assert all(x + w == ax + aw for x, _, w, _ in boxes)
        steps = [b[1] - (a[1] + a[3]) for a, b in zip(boxes, boxes[1:])]
        lo, hi = boxes[0][1] - ay, ay + ah - (boxes[-1][1] + boxes[-1][3])
    else:
        edge = [y for _, y, _, _ in boxes] if side == "top" else [y + h for _, y, _, h in boxes]
        assert set(edge) == {ay if side == "top" else ay + ah}
        steps = [b[0] - (a[0] + a[2]) for a, b in zip(boxes, boxes[1:])]
        lo, hi = boxes[0][0] - ax, ax + aw - (boxes[-1][0] + boxes[-1][2])
    assert all(s == g.gap for s in steps)
    assert abs(lo - hi) <= 1, "centred along its side"


# -- speaker view ----------------------------------------------------------------------
@pytest.mark.parametrize("side", synth.STRIPS)
def test_speaker_view_geometry_and_states(side, grace, library):
    states = [FACE, FACE, OFF, PHOTO, NO_FACE, FACE]
    g = synth.make_speaker_view([grace], 5, SIZE, strip=side, states=states, seed=2,
                                library=library)
    assert g.image.shape == (720, 1280, 3) and g.image.dtype == np.uint8
    assert [t.state for t in g.tiles] == states
    _check_tiles(g)
    speaker, strip = g.tiles[0], g.tiles[1:]
    _check_strip(g, strip, side)
    sw, sh = strip[0].bbox[2:]
    assert speaker.bbox[2] * speaker.bbox[3] >= 4 * sw * sh
    assert speaker.bbox[2] >= 0.6 * SIZE[0] or speaker.bbox[3] >= 0.6 * SIZE[1]
    # the speaker tile is centred in what the strip leaves
    ax, ay, aw, ah = g.area
    x, y, w, h = speaker.bbox
    if side == "right":
        assert abs((x - ax) - (strip[0].bbox[0] - g.gap - (x + w))) <= 1
    else:
        assert abs((x - ax) - (ax + aw - (x + w))) <= 1
    # everything in the area but the tiles is the flat background
    inside = np.zeros(g.image.shape[:2], bool)
    for t in g.tiles:
        tx, ty, tw, th = t.bbox
        inside[ty : ty + th, tx : tx + tw] = True
    assert (g.image[~inside] == np.array(g.bg, np.uint8)).all()


def test_speaker_view_without_a_strip(grace, library):
    g = synth.make_speaker_view([grace], 0, SIZE, seed=1, library=library)
    assert len(g.tiles) == 1 and g.grid == (0, 0)
    _check_tiles(g)
    x, y, w, h = g.tiles[0].bbox
    assert h == g.area[3] or w == g.area[2], "the speaker fills the area"


def test_speaker_view_is_deterministic(grace, library):
    kw = dict(strip="bottom", states=[FACE, OFF, FACE, PHOTO], library=library)
    a = synth.make_speaker_view([grace], 3, SIZE, seed=5, **kw)
    b = synth.make_speaker_view([grace], 3, SIZE, seed=5, **kw)
    c = synth.make_speaker_view([grace], 3, SIZE, seed=6, **kw)
    assert np.array_equal(a.image, b.image) and a.tiles == b.tiles
    assert not np.array_equal(a.image, c.image)


# -- screen sharing with a filmstrip ---------------------------------------------------
@pytest.mark.parametrize("side", synth.STRIPS)
def test_filmstrip_share_geometry_and_slide(side, grace, library):
    states = [FACE, OFF, PHOTO, NO_FACE]
    g = synth.make_filmstrip_share([grace], 4, SIZE, strip=side, states=states, seed=3,
                                   library=library)
    assert [t.state for t in g.tiles] == states
    _check_tiles(g)
    _check_strip(g, g.tiles, side)
    # the slide: a large light rectangle outside every tile
    img = g.image
    inside = np.zeros(img.shape[:2], bool)
    for t in g.tiles:
        x, y, w, h = t.bbox
        inside[y : y + h, x : x + w] = True
    light = (img >= 200).all(axis=2) & ~inside
    ys, xs = np.nonzero(light)
    slide = (int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1))
    assert slide[2] * slide[3] >= 0.45 * SIZE[0] * SIZE[1]
    assert box_inside(slide, g.area)
    for t in g.tiles:
        assert iou(t.bbox, slide) == 0.0, "the slide holds no tile"
    x, y, w, h = slide
    assert library.face_box(np.ascontiguousarray(img[y : y + h, x : x + w])) is None, "no face in the slide"


def test_filmstrip_share_is_deterministic_and_has_no_tile_for_the_slide(grace, library):
    a = synth.make_filmstrip_share([grace], 2, SIZE, seed=7, library=library)
    b = synth.make_filmstrip_share([grace], 2, SIZE, seed=7, library=library)
    c = synth.make_filmstrip_share([grace], 2, SIZE, seed=8, library=library)
    assert np.array_equal(a.image, b.image) and a.tiles == b.tiles
    assert not np.array_equal(a.image, c.image)
    assert len(a.tiles) == 2 and a.grid == (2, 1)


@pytest.mark.parametrize("side,n", [("right", 8), ("top", 8), ("bottom", 1)])
def test_strip_tiles_are_realistically_small_at_1080p(side, n, grace, library):
    g = synth.make_filmstrip_share([grace], n, (1920, 1080), strip=side, seed=1,
                                   library=library)
    for t in g.tiles:
        assert 200 <= t.bbox[2] <= 320
        assert all(20 <= fh <= 70 for _, _, _, fh in t.face_boxes)


# -- errors ----------------------------------------------------------------------------
def test_argument_errors(grace):
    p = [grace]
    with pytest.raises(ValueError, match="strip"):
        synth.make_speaker_view(p, 2, SIZE, strip="left")
    with pytest.raises(ValueError, match="strip"):
        synth.make_filmstrip_share(p, 2, SIZE, strip="middle")
    with pytest.raises(ValueError, match="n_strip"):
        synth.make_speaker_view(p, 9, SIZE)
    with pytest.raises(ValueError, match="n_strip"):
        synth.make_speaker_view(p, -1, SIZE)
    with pytest.raises(ValueError, match="n_strip"):
        synth.make_filmstrip_share(p, 0, SIZE)
    with pytest.raises(ValueError, match="states"):
        synth.make_speaker_view(p, 2, SIZE, states=[FACE, FACE])  # needs 3: speaker + strip
    with pytest.raises(ValueError, match="states"):
        synth.make_filmstrip_share(p, 2, SIZE, states=[FACE, FACE, FACE])
    with pytest.raises(ValueError, match="size"):
        synth.make_speaker_view(p, 2, (100, 100))
    with pytest.raises(ValueError, match="style"):
        synth.make_filmstrip_share(p, 2, SIZE, style="webex")
    # without face or photo tiles no portrait is needed
    g = synth.make_filmstrip_share([], 2, SIZE, states=["camera_off", "no_face"])
    assert [t.state for t in g.tiles] == [OFF, NO_FACE]
