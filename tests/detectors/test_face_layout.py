"""Layouts beyond the regular grid (issue 16): speaker view, a filmstrip beside shared
content, and regions around faces where no layout fits.

Synthetic pages from :mod:`classmood.synth` (exact truth) as PNG and after bicubic
scaling by 0.67; the real screenshots' right values are in test_real_right_values.py.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from classmood.detectors import GalleryPerception
from classmood.detectors.face_layout import face_regions, layout_kind
from classmood.detectors.grid_fit import Evidence
from classmood.geometry import iou
from classmood.io import load_image
from classmood.synth import make_filmstrip_share, make_speaker_view
from classmood.synth.portraits import sample_portrait
from classmood.types import Face, Tile, TileState
from tests.conftest import data_path, variant


@pytest.fixture(scope="module")
def perception():
    with GalleryPerception() as p:
        yield p


def _variant(image: np.ndarray, v: str) -> tuple[np.ndarray, float]:
    if v == "x0.67":
        return cv2.resize(image, None, fx=0.67, fy=0.67, interpolation=cv2.INTER_CUBIC), 0.67
    return image, 1.0


def _matched(found, truth, scale: float, min_iou: float = 0.7) -> list[int]:
    """Truth tiles (indices) that no found tile matches."""
    lost = []
    for i, t in enumerate(truth):
        box = tuple(v * scale for v in t.bbox)
        if not any(iou(box, r.tile.bbox) >= min_iou for r in found):
            lost.append(i)
    return lost


@pytest.mark.parametrize("variant", ["png", "x0.67"])
@pytest.mark.parametrize("strip", ["top", "right", "bottom"])
@pytest.mark.parametrize("size,n", [((1920, 1080), 6), ((1280, 720), 3)])
def test_speaker_view_every_tile_with_its_face(perception, library, strip, size, n, variant):
    """The speaker's large tile and every strip tile are found, each with its face, and
    the layout is named ``speaker`` (the gap cut alone kept only the strip's size and
    dropped the speaker, or cut the speaker's video into a 6 x 6 "block" of strip tiles)."""
    g = make_speaker_view([sample_portrait()], n, size, strip=strip, seed=n, library=library)
    image, scale = _variant(g.image, variant)
    r = perception.analyze(image)
    assert len(r.tiles) == len(g.tiles), [t.tile.bbox for t in r.tiles]
    assert not _matched(r.tiles, g.tiles, scale)
    assert len(r.faces) == len(g.tiles)
    assert all(t.state is TileState.FACE and len(t.faces) == 1 for t in r.tiles)
    assert r.layout == "speaker"


@pytest.mark.parametrize("variant", ["png", "x0.67"])
@pytest.mark.parametrize("strip", ["top", "right", "bottom"])
@pytest.mark.parametrize("size,n", [((1920, 1080), 6), ((1280, 720), 3)])
def test_filmstrip_beside_shared_content(perception, library, strip, size, n, variant):
    """Only the strip's tiles are participants: the slide is no tile, however the gap
    colour cuts it, and the layout is a ``filmstrip``."""
    g = make_filmstrip_share([sample_portrait()], n, size, strip=strip, seed=n, library=library)
    image, scale = _variant(g.image, variant)
    r = perception.analyze(image)
    assert len(r.tiles) == n, [t.tile.bbox for t in r.tiles]
    assert not _matched(r.tiles, g.tiles, scale)
    assert len(r.faces) == n
    assert r.layout == "filmstrip"


def test_speaker_view_camera_off_strip_tiles_stay_tiles(perception, library):
    """A strip with camera-off and empty tiles: those stay tiles of their own states."""
    states = ["face", "face", "camera_off", "no_face", "face"]
    g = make_speaker_view([sample_portrait()], 4, (1920, 1080), strip="top", states=states, seed=3,
                          library=library)
    r = perception.analyze(g.image)
    assert len(r.tiles) == 5
    assert sorted(t.state.value for t in r.tiles) == sorted(states)


def _lossy(image: np.ndarray, v: str) -> tuple[np.ndarray, float]:
    return variant(image, v), float(v[1:]) if v.startswith("x") else 1.0


@pytest.mark.parametrize("variant", ["q50", "x0.67", "x1.5"])
@pytest.mark.parametrize("strip", ["top", "right", "bottom"])
@pytest.mark.parametrize("size,states", [
    ((1920, 1080), ["face", "camera_off", "face", "face"]),
    ((1280, 720), ["face", "face", "camera_off", "face", "camera_off"]),
])
def test_filmstrip_cards_after_compression_and_scaling(perception, library, strip, size, states, variant):
    """A filmstrip with camera-off cards beside shared content, re-compressed or rescaled:
    the gap colour is no longer exact, the layout comes from the faces, and the strip is
    fitted through them (face_layout.fit_strips): every strip tile, the cards included,
    is found at its place with its state. (Before the strip fit, cards and faces the
    frame-wide search missed were lost at q50: 5 of these 6.)"""
    g = make_filmstrip_share([sample_portrait()], len(states), size, strip=strip, states=states,
                             seed=len(states), library=library)
    image, scale = _lossy(g.image, variant)
    r = perception.analyze(image)
    assert len(r.tiles) == len(states), [(t.tile.bbox, t.state.value) for t in r.tiles]
    for t in g.tiles:
        box = tuple(v * scale for v in t.bbox)
        hit = [x for x in r.tiles if iou(box, x.tile.bbox) >= 0.8]
        assert hit and hit[0].state is t.state, (t.bbox, t.state, [(x.tile.bbox, x.state) for x in r.tiles])


def test_update_finds_the_speaker_view_as_analyze_does(library):
    """The live path (update) gives the same tiles and faces as one-shot analyze, on the
    first frame and on unchanged frames after it."""
    g = make_speaker_view([sample_portrait()], 5, (1280, 720), strip="right", seed=5, library=library)
    with GalleryPerception() as a, GalleryPerception() as b:
        want = a.analyze(g.image)
        for t in (0.0, 0.5, 1.0):
            got = b.update(g.image, t)
            assert [x.tile.bbox for x in got.tiles] == [x.tile.bbox for x in want.tiles]
            assert len(got.faces) == len(want.faces) == 6
            assert got.layout == "speaker"


# ------------------------------------------------------------------ face_regions itself
def _face(x: float, y: float, s: float, score: float = 0.9) -> Face:
    return Face(bbox=(x, y, s, s), score=score, keypoints=np.zeros((6, 2), np.float32))


def _page(boxes: list[tuple[int, int, int, int]], size=(960, 540)) -> np.ndarray:
    """A dark page with textured (noise) video rectangles: tile borders and no others."""
    W, H = size
    rng = np.random.default_rng(0)
    img = np.full((H, W, 3), 30, np.uint8)
    for x, y, w, h in boxes:
        img[y:y + h, x:x + w] = rng.integers(110, 150, (h, w, 3), dtype=np.uint8)
    return img


def _regions(img, faces):
    ev = Evidence(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY))
    return face_regions(ev, faces, (img.shape[1], img.shape[0]))


def test_regions_snap_to_the_tile_borders():
    tiles = [(40, 40, 400, 225), (480, 40, 400, 225)]
    img = _page(tiles)
    regs = _regions(img, [_face(200, 100, 60), _face(660, 110, 50)])
    assert len(regs) == 2
    for (box, idx), want in zip(regs, tiles):
        assert iou(box, want) > 0.95, (box, want)


def test_two_people_in_one_tile_are_one_region():
    """Both faces reach the tile's borders (REACH face sizes): one region, two people."""
    img = _page([(100, 100, 480, 270)])
    regs = _regions(img, [_face(180, 180, 70), _face(400, 190, 66)])
    assert len(regs) == 1 and regs[0][1] == [0, 1]
    assert iou(regs[0][0], (100, 100, 480, 270)) > 0.95


def test_without_borders_regions_are_head_and_shoulders_and_never_overlap():
    img = np.full((540, 960, 3), 128, np.uint8)  # no line anywhere
    faces = [_face(100, 100, 40), _face(150, 110, 40), _face(600, 300, 60)]
    regs = _regions(img, faces)
    assert len(regs) == 3
    boxes = [b for b, _ in regs]
    for i in range(3):
        for j in range(i + 1, 3):
            a, b = boxes[i], boxes[j]
            ix = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
            iy = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
            assert ix <= 1 or iy <= 1, (a, b)
    for (box, idx) in regs:  # each region holds its own face's centre
        f = faces[idx[0]]
        cx, cy = f.bbox[0] + f.bbox[2] / 2, f.bbox[1] + f.bbox[3] / 2
        assert box[0] <= cx <= box[0] + box[2] and box[1] <= cy <= box[1] + box[3]


def test_layout_kind_names():
    t = lambda *b: Tile(0, b)  # noqa: E731
    size = (1920, 1080)
    assert layout_kind([], size) == "none"
    assert layout_kind([t(0, 0, 1920, 1080)], size) == "single"
    grid = [t(10 + 640 * (i % 3), 10 + 360 * (i // 3), 620, 340) for i in range(9)]
    assert layout_kind(grid, size) == "gallery"
    strip = [t(1650, 20 + 160 * i, 256, 144) for i in range(5)]
    assert layout_kind(strip, size) == "filmstrip"
    assert layout_kind([t(100, 200, 1400, 788)] + strip, size) == "speaker"
    assert layout_kind([t(0, 0, 900, 500), t(950, 0, 700, 400), t(950, 420, 300, 170)], size) == "mixed"


def test_a_strip_is_fitted_through_faces_in_a_line():
    """Five touching-gap tiles in a row, a flat card in the middle, faces in the other
    four placed off-centre: the strip's tiles come back exact (a face's own region snaps
    to lines inside its video), the card is a tile with no face."""
    tiles = [(60 + 180 * i, 40, 176, 99) for i in range(5)]
    img = _page(tiles)
    x, y, w, h = tiles[2]
    img[y:y + h, x:x + w] = 38  # a camera-off card, a shade off the page
    cv2.putText(img, "Mei Lin", (x + 50, y + 55), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (230, 230, 230), 1)
    for (tx, ty, tw, th) in (tiles[0], tiles[1], tiles[3]):  # a shelf line inside each video
        img[ty + 70:ty + 72, tx:tx + tw] = 200
    faces = [_face(90, 55, 30), _face(300, 60, 28), _face(640, 52, 32), _face(810, 58, 30)]
    regs = _regions(img, faces)
    assert len(regs) == 5, regs
    for (box, idx), want in zip(regs, tiles):
        assert iou(box, want) > 0.9, (box, want)
    assert [idx for _, idx in regs] == [[0], [1], [], [2], [3]]


def test_a_strip_of_touching_videos_cut_by_the_frame():
    """A strip of four touching videos (no gap: each border is where one picture meets the
    next) along the bottom of a capture that cuts it: no line under the strip, the last
    tile cut by the frame's right edge; rooms with lines inside (a doorframe, a poster's
    edges, a headset) over 3/4 of the strip's height; faces found in the first and third
    only (teams_evo_share_strip_4video.png at 0.67x, galleries2). Every tile comes back at
    its place, the cut one too. (Before: no strip without a line under it; then a length
    whose tiles began at the doorframe and the poster; and each side moved inward twice.)"""
    W, H = 1080, 636
    rng = np.random.default_rng(0)
    img = np.full((H, W, 3), 20, np.uint8)
    tiles = [(651 + 117 * i, 575, 117, 61) for i in range(3)] + [(1002, 575, 78, 61)]
    for (x, y, w, h), base in zip(tiles, (120, 150, 100, 135)):
        img[y:y + h, x:x + w] = rng.integers(base - 15, base + 15, (h, w, 3), dtype=np.uint8)
    for x0, x1, v in ((655, 662, 60), (699, 708, 200), (778, 791, 60), (970, 980, 230), (1050, 1055, 40)):
        img[575:621, x0:x1] = v
    regs = _regions(img, [_face(701, 599, 23), _face(938, 600, 21)])
    assert len(regs) == 4, regs
    for (box, _), want in zip(regs, tiles):
        assert iou(box, want) > 0.95, (box, want)
    assert [idx for _, idx in regs] == [[0], [], [1], []]


def test_a_column_strip_and_tiles_of_twice_the_length_are_not_taken():
    """A column of four tiles with faces in the first and third only: the strip is four
    tiles of one length, never two tiles of twice the length (the border between
    two tiles lies across the middle of such a "tile")."""
    tiles = [(700, 50 + 110 * i, 190, 106) for i in range(4)]
    img = _page(tiles)
    faces = [_face(770, 70, 34), _face(790, 290, 32)]
    regs = _regions(img, faces)
    boxes = [b for b, _ in regs]
    assert len(regs) == 4, regs
    for box, want in zip(boxes, tiles):
        assert iou(box, want) > 0.9, (box, want)


def test_faces_of_different_sizes_or_not_at_one_pitch_are_no_strip():
    """A large speaker face beside small ones, and two small faces on one line whose
    tiles are not at one pitch (a gap of two and a half tiles): regions of their own,
    no strip tiles invented between them."""
    img = _page([(40, 40, 600, 338), (700, 40, 176, 99), (700, 400, 176, 99)])
    regs = _regions(img, [_face(280, 150, 120), _face(770, 60, 30), _face(760, 420, 30)])
    assert len(regs) == 3
    assert all(idx for _, idx in regs)


def test_faces_one_above_the_other_are_two_tiles_of_a_column():
    """Five tiles in a column, the face of each near its top: no "tile" of twice the
    length holding two faces one above the other (a rescaled Zoom side strip came back
    as tiles of two students each)."""
    # the border inside each pair is lost (upscaled video on both sides): pairs of tiles
    # look like tiles of twice the length
    img = _page([(700, 40, 160, 182), (700, 224, 160, 182), (700, 408, 160, 90)])
    faces = [_face(760, 48 + 92 * i, 24) for i in range(5)]
    regs = _regions(img, faces)
    assert all(len(idx) <= 1 for _, idx in regs), regs


def test_a_speakers_region_beside_a_strip_is_its_video(perception):
    """zoom_websdk_speaker.png (galleries2): the speaker's video, hand-measured from the
    pixels at (177, 141)-(1024, 614), is its tile within a few pixels. Before, the
    speaker's region was cut halfway between its face and the strip's faces (top at 213,
    72 px inside the video) because the strip was fitted after overlapping regions were
    cut apart."""
    image = load_image(data_path("galleries2", "zoom_websdk_speaker.png"))
    r = perception.analyze(image)
    big = max((t.tile.bbox for t in r.tiles), key=lambda b: b[2] * b[3])
    want = (177, 141, 847, 473)
    assert all(abs(a - b) <= 4 for a, b in zip(big, want)), big


def _lattice_page():
    """A 2 x 2 block of 400 x 225 tiles on a dark page (gap 10 px) with a flat dialog (the
    page's UI grey, its own border) over the lower half of the top-right tile and the
    top of the bottom-right one, whose face it hides."""
    tiles = [(40, 40, 400, 225), (450, 40, 400, 225), (40, 275, 400, 225), (450, 275, 400, 225)]
    img = _page(tiles)
    img[180:330, 500:760] = 60
    cv2.rectangle(img, (500, 180), (760, 330), (200, 200, 200), 2)
    return img, tiles


def test_a_lattice_of_face_regions_gets_its_hidden_and_cut_short_tiles_back():
    """Faces in three tiles of a 2 x 2 block, the fourth hidden under a dialog that also
    covers the lower half of the top-right tile: the top-right face's own region stops at
    the dialog; fitted on the lattice of its equal neighbours it is the whole tile, and
    the hidden tile is a tile with no face (Teams' in-meeting dialog, galleries2)."""
    img, tiles = _lattice_page()
    faces = [_face(200, 90, 60), _face(620, 70, 50), _face(210, 330, 60)]
    regs = _regions(img, faces)
    assert len(regs) == 4, regs
    for (box, idx), want in zip(regs, tiles):
        assert iou(box, want) > 0.9, (box, want)
    assert [idx for _, idx in regs] == [[0], [1], [2], []]


def test_no_lattice_place_on_flat_background_or_with_two_tiles():
    """The empty last place of a 2 x 2 lattice that is page background is no tile, and
    two equal tiles alone (one row) make no lattice to complete."""
    tiles = [(40, 40, 400, 225), (450, 40, 400, 225), (40, 275, 400, 225)]
    img = _page(tiles)
    regs = _regions(img, [_face(200, 90, 60), _face(620, 90, 50), _face(210, 330, 60)])
    assert len(regs) == 3
    img = _page(tiles[:2])
    regs = _regions(img, [_face(200, 90, 60), _face(620, 90, 50)])
    assert len(regs) == 2


@pytest.mark.parametrize("quality", [None, 90])
def test_a_teams_gallery_with_a_dialog_over_a_face_keeps_every_tile(perception, quality):
    """teams_gallery7_dialog.png (galleries2, annotated 8 tiles: a 2 x 2 block, a column of
    three, a self-view): the app's dialog hides the bottom-centre face and cuts the
    top-centre tile's region short; its header's 23 px profile photo is no participant.
    (Not yet after JPEG q50: that photo is then found as a face, a ninth tile.)"""
    image = load_image(data_path("galleries2", "teams_gallery7_dialog.png"))
    if quality is not None:
        ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
        image = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    result = perception.analyze(image)
    assert len(result.tiles) == 8
    # hand-measured from the pixels: the hidden tile (635, 516)-(1209, 911); the dialog's header
    # (663, 392)-(1019, 470)
    assert any(iou(t.tile.bbox, (635, 516, 574, 395)) > 0.9 and not t.faces for t in result.tiles)
    assert not any(663 <= f.center[0] <= 1019 and 392 <= f.center[1] <= 470 for f in result.faces)


def test_a_strips_pitch_fits_tiles_found_on_either_edge_of_their_gaps():
    """Tiles of a strip with 2-3 px gaps, some found from a gap's near edge and some from
    its far one (zoom_websdk_speaker.png at 0.8x: starts 232, 331, 429, 531, 631, 96-98 px
    long): one pitch, 99.75 px, fits them all within 3 px; the shortest distance (98) did
    not, and the strip became six tiles of 75 px."""
    from classmood.detectors.face_layout import _pitch

    spans = [(232, 328), (331, 429), (429, 528), (531, 629), (631, 728)]
    assert _pitch(spans, 96) == pytest.approx(99.75)
    assert _pitch([(0, 96), (130, 226)], 96) is None  # a gap of a third of a tile: no strip
    assert _pitch([(0, 96), (200, 296)], 96) == pytest.approx(100.0)  # a tile between them
