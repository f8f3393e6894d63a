"""Tile state: real Zoom screenshots (hand-measured tiles), synthetic galleries of
every state in Zoom/Meet/Teams, camera footage of plain walls, letterboxed video,
screen-capture JPEG, degenerate tiles, and stillness across frames."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from classmood import synth
from classmood.detectors.tile_state import StillnessMonitor, TileStateClassifier
from classmood.io import load_image
from classmood.types import Face, Tile, TileState as S

FACE, NO_FACE, OFF, PHOTO = S.FACE, S.NO_FACE, S.CAMERA_OFF, S.PHOTO

# Tile rectangles measured by hand on the real screenshots (x, y, w, h), and what each
# tile shows, checked by eye. Masked faces included: every other tile is live video of
# a person.
REAL_TILES: dict[str, list[tuple[tuple[int, int, int, int], S]]] = {
    "real_test.png": [((105, 56, 856, 485), FACE), ((963, 60, 848, 477), FACE),
                      ((109, 543, 848, 477), FACE), ((963, 543, 848, 477), FACE)],
    "real_test2.png": [((23, 183, 620, 348), FACE), ((650, 183, 620, 348), FACE),
                       ((1278, 183, 620, 348), FACE), ((331, 534, 630, 359), FACE),
                       ((964, 539, 620, 349), OFF)],  # the card with the big name
    "real_test3.png": [((37, 14, 576, 324), FACE), ((619, 14, 576, 324), OFF),  # initials
                       ((37, 344, 576, 324), FACE), ((615, 340, 584, 332), FACE)],
    "root_image2.png": [((59, 48, 564, 323), FACE), ((626, 54, 552, 311), FACE),
                        ((346, 374, 552, 310), FACE)],
    "screenshot.png": [((199, 11, 384, 216), FACE), ((589, 11, 384, 216), OFF),  # initials
                       ((199, 233, 384, 216), FACE), ((589, 233, 384, 216), FACE),
                       ((199, 455, 384, 216), FACE), ((585, 451, 392, 224), FACE)],
    "screenshot_j.png": [((75, 125, 357, 205), FACE), ((432, 129, 352, 201), FACE),
                         ((789, 129, 346, 199), FACE), ((78, 331, 350, 200), FACE),
                         ((432, 331, 352, 200), FACE), ((787, 329, 350, 201), FACE),
                         ((432, 532, 349, 204), FACE)],
    "zoom2.png": [((3, 59, 308, 176), FACE), ((313, 59, 307, 176), FACE),
                  ((3, 236, 308, 173), FACE), ((313, 236, 307, 173), FACE)],
}
_ZOOM1_X = (49, 275, 502, 728)
_ZOOM1_Y = (40, 169, 298, 428)
REAL_TILES["zoom1.png"] = [((x, y, 223, 125), FACE) for y in _ZOOM1_Y for x in _ZOOM1_X]
REAL_TILES["root_image3.png"] = REAL_TILES["root_image4.png"] = [
    ((67, 51, 372, 215), FACE), ((442, 57, 360, 203), FACE), ((811, 57, 360, 203), FACE),
    ((73, 269, 360, 202), FACE), ((442, 269, 360, 202), FACE), ((811, 269, 360, 202), FACE),
    ((442, 480, 360, 203), FACE)]

ONE_FACE = [Face(bbox=(0, 0, 10, 10), score=0.9, keypoints=np.zeros((6, 2), np.float32))]


@pytest.fixture(scope="module")
def clf() -> TileStateClassifier:
    return TileStateClassifier()


@pytest.fixture(scope="module")
def portraits(grace, faces_dir) -> list[np.ndarray]:
    """Colour studio portraits and grayscale crowd photos (a grey photo must still
    read as a photo), plus matplotlib's sample portrait."""
    return (
        [grace]
        + synth.load_portraits(faces_dir / "nimstim", limit=8, seed=2)
        + synth.load_portraits(faces_dir / "muxspace", limit=8, seed=2)
    )


def _faces_of(st: synth.SynthTile) -> list[Face]:
    """The generator's ground-truth face boxes as detector output."""
    return [Face(bbox=b, score=0.9, keypoints=np.zeros((6, 2), np.float32)) for b in st.face_boxes]


def _jpeg(img: np.ndarray, q: int) -> np.ndarray:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, q])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


# -- real screenshots -------------------------------------------------------------------
@pytest.fixture(scope="module")
def finder():
    from classmood.detectors.faces import FaceFinder

    with FaceFinder() as f:
        yield f


@pytest.mark.parametrize("name", sorted(REAL_TILES))
def test_real_screenshots(name, galleries_dir, clf, finder):
    image = load_image(galleries_dir / name)
    for i, (box, truth) in enumerate(REAL_TILES[name]):
        tile = Tile(i, box)
        faces = finder.find(image, roi=box)
        got = clf.explain(image, tile, faces)
        if truth is OFF:
            assert got.state is OFF, f"{name} tile {i}: {got.reason}"
        else:
            # live video: face when the detector found one (a masked face it misses is
            # no_face); never a card or a photo
            assert got.state is (FACE if faces else NO_FACE), f"{name} tile {i}: {got.reason}"


def test_real_screenshots_survive_jpeg_and_downscaling(galleries_dir, clf):
    """A screen capture may be JPEG-compressed and scaled: cards stay cards, video stays video."""
    for name in ("real_test2.png", "real_test3.png", "screenshot.png", "real_test.png"):
        image = load_image(galleries_dir / name)
        small = _jpeg(cv2.resize(image, None, fx=0.6, fy=0.6, interpolation=cv2.INTER_AREA), 75)
        for i, (box, truth) in enumerate(REAL_TILES[name]):
            b = tuple(int(round(v * 0.6)) for v in box)
            got = clf.explain(small, Tile(i, b), ONE_FACE if truth is FACE else [])
            assert got.state is truth, f"{name} tile {i}: {got.reason}"


def test_real_camera_off_features(galleries_dir, clf):
    """The measured layout of Zoom's cards: one exact grey, small centred content;
    a name is a wide line, initials a flat square."""
    img = load_image(galleries_dir / "real_test2.png")
    name_card = clf.explain(img, Tile(0, (964, 539, 620, 349)), [])
    assert name_card.card_color == (34, 34, 34) and name_card.ring_exact > 0.95
    assert name_card.squareness < 0.3
    img = load_image(galleries_dir / "real_test3.png")
    initials = clf.explain(img, Tile(0, (619, 14, 576, 324)), [])
    assert initials.squareness > 0.9 and initials.dominance > 0.8
    assert initials.content_offset < 0.05


# -- synthetic galleries ------------------------------------------------------------------
@pytest.mark.parametrize("style", synth.STYLES)
@pytest.mark.parametrize("theme", synth.THEMES)
def test_synthetic_every_state(style, theme, portraits, clf):
    """Every state, with letterboxed webcams, two-person tiles, a speaker border and
    window chrome, in each app and theme, as PNG and as JPEG (q 85)."""
    states = [FACE, NO_FACE, OFF, PHOTO] * 3
    errors = []
    for seed in range(2):
        g = synth.make_gallery(
            portraits, len(states), (1440, 900) if seed else (1920, 1080), style=style,
            theme=theme, states=states, letterbox=0.5, two_people=0.2, active_speaker=0,
            chrome=True, seed=seed,
        )
        for image in (g.image, _jpeg(g.image, 85)):
            for st in g.tiles:
                got = clf.explain(image, Tile(st.index, st.bbox), _faces_of(st))
                if got.state is not st.state:
                    errors.append((seed, st.index, st.state.value, got.state.value, got.reason))
    assert not errors, errors


def test_synthetic_random_sweep(portraits, clf):
    """Random realistic galleries: at most 1% of tiles wrong (measured: 0 of ~500)."""
    rng = np.random.default_rng(7)
    n = wrong = 0
    for _ in range(12):
        g = synth.random_gallery(portraits, rng)
        for st in g.tiles:
            n += 1
            wrong += clf.classify(g.image, Tile(st.index, st.bbox), _faces_of(st)) is not st.state
    assert n > 100
    assert wrong <= 0.01 * n


def test_letterboxed_video_of_an_empty_room_is_live(clf):
    """Flat bars of the card colour on both sides; a plain wall between them."""
    rng = np.random.default_rng(0)
    for bar_frac in (0.125, 0.34):  # 4:3 and 9:16 webcams in a 16:9 tile
        tile = np.full((360, 640, 3), 35, np.uint8)
        bw = int(640 * bar_frac)
        wall = _noisy_wall(rng, 360, 640 - 2 * bw, base=(150, 160, 170), sigma=2.0, grad=20)
        tile[:, bw : 640 - bw] = wall
        assert clf.classify(tile, Tile(0, (0, 0, 640, 360)), []) is NO_FACE
        assert clf.classify(tile, Tile(0, (0, 0, 640, 360)), ONE_FACE) is FACE


# -- plain walls, black and degenerate tiles ----------------------------------------------
def _noisy_wall(rng, h, w, base=(200, 200, 200), sigma=1.5, grad=6.0, q=None) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.empty((h, w, 3), np.float32)
    img[:] = base
    img += (grad * (xx / w - 0.5) + 0.5 * grad * (yy / h - 0.5))[..., None]
    img += rng.normal(0, sigma, (h, w, 1)) + rng.normal(0, sigma / 2, (h, w, 3))
    out = np.clip(img, 0, 255).astype(np.uint8)
    return out if q is None else _jpeg(out, q)


@pytest.mark.parametrize("base", [(40, 40, 40), (128, 128, 128), (220, 220, 220), (180, 200, 215)])
@pytest.mark.parametrize("sigma,grad,q", [(0.0, 0, None), (0.7, 0, 60), (1.5, 4, 90), (3.0, 12, 75)])
def test_plain_wall_on_camera_stays_no_face(base, sigma, grad, q, clf):
    """Camera footage of a plain, even neutral grey wall (down to a perfectly uniform
    frame) is video of nobody, not a camera-off card: a card always carries a name or
    initials, and a camera never draws one exact colour."""
    wall = _noisy_wall(np.random.default_rng(1), 360, 640, base, sigma, grad, q)
    got = clf.explain(wall, Tile(0, (0, 0, 640, 360)), [])
    assert got.state is NO_FACE, got.reason


def test_wall_with_a_small_object_is_not_a_card(clf):
    """A light switch on a noisy wall: centred content, but the wall is not one exact colour."""
    wall = _noisy_wall(np.random.default_rng(2), 360, 640, (205, 205, 205), sigma=2.0, grad=3)
    cv2.rectangle(wall, (300, 150), (340, 210), (240, 240, 240), -1)
    assert clf.classify(wall, Tile(0, (0, 0, 640, 360)), []) is NO_FACE


def test_black_and_tiny_tiles(clf):
    black = np.zeros((360, 640, 3), np.uint8)
    assert clf.classify(black, Tile(0, (0, 0, 640, 360)), []) is NO_FACE
    tiny = np.full((6, 6, 3), 35, np.uint8)
    assert clf.classify(tiny, Tile(0, (0, 0, 6, 6)), []) is NO_FACE
    assert clf.classify(tiny, Tile(0, (0, 0, 6, 6)), ONE_FACE) is FACE
    # a tile hanging off the frame is clipped, not an error
    frame = np.full((100, 100, 3), 35, np.uint8)
    assert clf.classify(frame, Tile(0, (80, 80, 64, 36)), []) in (NO_FACE, OFF)


def test_drawn_cards(clf):
    """Hand-drawn Zoom-like cards: initials square, big name, photo square."""
    card = np.full((360, 640, 3), 35, np.uint8)
    sq = card.copy()
    cv2.rectangle(sq, (270, 130), (370, 230), (91, 24, 194), -1)
    cv2.putText(sq, "HL", (285, 195), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (255, 255, 255), 2, cv2.LINE_AA)
    assert clf.classify(sq, Tile(0, (0, 0, 640, 360)), []) is OFF
    name = card.copy()
    cv2.putText(name, "Hyung Gyu Lee", (170, 190), cv2.FONT_HERSHEY_DUPLEX, 1.2, (255, 255, 255), 2, cv2.LINE_AA)
    assert clf.classify(name, Tile(0, (0, 0, 640, 360)), []) is OFF
    photo = card.copy()
    rng = np.random.default_rng(3)
    patch = cv2.GaussianBlur(rng.integers(0, 255, (100, 100, 3), dtype=np.uint8), (0, 0), 3)
    photo[130:230, 270:370] = cv2.normalize(patch, None, 0, 255, cv2.NORM_MINMAX)
    assert clf.classify(photo, Tile(0, (0, 0, 640, 360)), []) is PHOTO


def test_explain_reports_features(clf):
    card = np.full((360, 640, 3), 35, np.uint8)
    cv2.rectangle(card, (270, 130), (370, 230), (91, 24, 194), -1)
    f = clf.explain(card, Tile(0, (0, 0, 640, 360)), [])
    d = f.to_dict()
    assert d["state"] == "camera_off" and d["card_color"] == (35, 35, 35)
    assert f.flat > 0.9 and f.reason


# -- stillness across frames ------------------------------------------------------------
def test_stillness_monitor_photo_vs_live(grace):
    mon = StillnessMonitor()
    rng = np.random.default_rng(0)
    still = cv2.resize(grace, (320, 180))
    def noisy():  # live video: fresh camera noise in every frame
        return np.clip(still + rng.normal(0, 4.0, still.shape), 0, 255).astype(np.uint8)

    for t in np.arange(0, 6.01, 0.5):
        got = mon.update({"photo": still, "live": noisy()}, t)
    assert got == {"photo": pytest.approx(6.0), "live": 0.0}
    assert mon.still_seconds("photo") == pytest.approx(6.0)
    # any real change restarts the clock; so does a new tile size (new layout)
    moved = np.roll(still, 8, axis=1)
    assert mon.update({"photo": moved, "live": noisy()}, 6.5)["photo"] == 0.0
    # one look proves little: the clock counts from its third interval on
    assert [mon.update({"photo": moved, "live": noisy()}, t)["photo"] for t in (7.0, 7.5, 8.0)] == \
        [0.0, 0.0, pytest.approx(1.5)]
    assert mon.update({"photo": cv2.resize(moved, (300, 170)), "live": noisy()}, 8.5)["photo"] == 0.0
    mon.update({"live": noisy()}, 9.0)  # a tile not given is gone
    assert mon.still_seconds("photo") == 0.0


def test_stillness_counts_only_while_another_tile_moves(grace):
    """A recording's codec holds every unchanged block between keyframes and changes every
    tile at a keyframe (cases/video/class60s_src.mp4: 0.1-0.3 grey levels between its
    keyframes, 1.2-2.2 at each): a still class is not a class of photos. The clock stops
    while nothing in the frame changes and runs while another tile moves."""
    mon = StillnessMonitor()
    a = cv2.resize(grace, (320, 180))
    b = np.ascontiguousarray(a[:, ::-1])
    rng = np.random.default_rng(1)

    def keyframe(img):  # a keyframe's fresh quantisation: a few levels everywhere
        return np.clip(img + rng.integers(-8, 9, img.shape), 0, 255).astype(np.uint8)

    pictures = {"a": a, "b": b}
    longest = 0.0
    for i in range(24):  # 12 s at 2 fps, a keyframe every 6 s: held exactly in between
        if i % 12 == 0:
            pictures = {k: keyframe(v) for k, v in (("a", a), ("b", b))}
        longest = max(longest, *mon.update(pictures, i * 0.5).values())
    assert longest == 0.0
    # one tile alone never becomes still: nothing shows that the picture is live
    alone = StillnessMonitor()
    assert [alone.update({"a": a}, t)["a"] for t in (0.0, 5.0, 10.0)] == [0.0, 0.0, 0.0]
    # b moves from 12 s on: a's clock runs from then; b's picture held again: it stops
    for t in (12.0, 12.5, 13.0):
        got = mon.update({"a": pictures["a"], "b": keyframe(b)}, t)
    assert got["a"] == pytest.approx(1.5) and got["b"] == 0.0
    last_b = keyframe(b)
    assert mon.update({"a": pictures["a"], "b": last_b}, 13.5) == {"a": pytest.approx(2.0), "b": 0.0}
    assert mon.update({"a": pictures["a"], "b": last_b}, 20.0) == {"a": pytest.approx(2.0), "b": 0.0}
    # time going back (another recording) starts every tile again
    assert mon.update({"a": pictures["a"], "b": last_b}, 1.0) == {"a": 0.0, "b": 0.0}


def test_one_long_interval_is_not_stillness(grace):
    """Sampled every 4 s (or across an unreadable stretch of a recording), one interval in
    which the codec held a still student's tile while another tile changed is no proof
    of a photo (a newcomer's `--every 4` on a still class: 12 of 16 "camera off")."""
    mon = StillnessMonitor()
    a = cv2.resize(grace, (320, 180))
    rng = np.random.default_rng(3)
    other = lambda: rng.integers(0, 256, (180, 320, 3), dtype=np.uint8)  # noqa: E731
    got = [mon.update({"a": a, "b": other()}, t)["a"] for t in (0.0, 4.0, 8.0, 12.0)]
    assert got == [0.0, 0.0, 0.0, pytest.approx(12.0)]


def test_a_tile_under_our_own_window_holds_its_still_seconds():
    """A live tile the teacher covers with the panel (its pixels ignored: our own window)
    shows nothing to judge: its still seconds neither grow (it became a "photo", a camera-off
    student, after 4 s under the panel) nor start again; uncovered, it counts on."""
    mon = StillnessMonitor()
    rng = np.random.default_rng(4)
    a = rng.integers(0, 256, (180, 320, 3), dtype=np.uint8)
    other = lambda: rng.integers(0, 256, (180, 320, 3), dtype=np.uint8)  # noqa: E731
    for t in (0.0, 0.5, 1.0, 1.5):  # still while another tile moves
        held = mon.update({"a": a, "b": other()}, t)["a"]
    assert held == pytest.approx(1.5)
    covered = {"a": np.ones((180, 320), bool)}
    got = [mon.update({"a": a, "b": other()}, t, covered)["a"] for t in np.arange(2.0, 8.0, 0.5)]
    assert got == [pytest.approx(1.5)] * len(got)
    assert mon.update({"a": a, "b": other()}, 8.5)["a"] == pytest.approx(1.5)  # the last frame was covered
    assert mon.update({"a": a, "b": other()}, 9.0)["a"] == pytest.approx(2.0)


def test_stillness_ignores_label_corner():
    """The mute icon toggling in the label corner is not a change of content."""
    mon = StillnessMonitor()
    rng = np.random.default_rng(2)
    img = np.full((180, 320, 3), 35, np.uint8)
    cv2.circle(img, (160, 80), 40, (90, 120, 200), -1)
    live = lambda: rng.integers(0, 256, (180, 320, 3), dtype=np.uint8)  # noqa: E731
    mon.update({"k": img, "live": live()}, 0.0)
    toggled = img.copy()
    toggled[165:178, 4:20] = (60, 60, 230)
    got = [mon.update({"k": toggled if t % 2 else img, "live": live()}, t)["k"] for t in (1.0, 2.0, 3.0)]
    assert got == [0.0, 0.0, pytest.approx(3.0)]


def test_still_face_becomes_photo(grace, clf):
    frame = cv2.resize(grace, (640, 360))
    tile = Tile(0, (0, 0, 640, 360))
    assert clf.classify(frame, tile, ONE_FACE) is FACE
    assert clf.classify(frame, tile, ONE_FACE, still_seconds=1.0) is FACE
    assert clf.classify(frame, tile, ONE_FACE, still_seconds=clf.photo_still_s) is PHOTO
    # stillness never turns an empty tile into a photo
    assert clf.classify(frame, tile, [], still_seconds=60.0) is NO_FACE


# -- cards after lossy capture, borders and bleeding edges, full-height photos -----------
def _card(rng=None, noise=0, h=138, w=245, grey=35):
    """A Zoom-like card; ``noise`` levels of capture noise (a re-saved screenshot keeps
    the card within one level of its grey, measured on real ones)."""
    card = np.full((h, w, 3), grey, np.int16)
    if noise:
        card += rng.integers(-noise, noise + 1, (h, w, 3), dtype=np.int16)
    return np.clip(card, 0, 255).astype(np.uint8)


def test_card_within_one_level_of_its_grey_is_still_a_card(clf):
    """A real re-saved Zoom screenshot: only 36-48% of the card exactly its grey, the rest
    one level off; the name is a blurred line running close to the card's sides."""
    rng = np.random.default_rng(4)
    card = _card(rng, noise=1)
    cv2.rectangle(card, (16, 58), (230, 82), (150, 150, 150), -1)  # a long blurred name
    card[58:82, 16:230] = cv2.GaussianBlur(card[50:90, 8:238], (0, 0), 2)[8:32, 8:222]
    got = clf.explain(card, Tile(0, (0, 0, 245, 138)), [])
    assert got.ring_exact < 0.5 and got.ring_one_colour >= 0.85
    assert got.state is OFF, got.reason


@pytest.mark.parametrize("sigma,grad", [(2.0, 0), (1.0, 0), (1.5, 0), (1.0, 3), (2.0, 3)])
def test_wall_with_noise_or_a_gradient_is_not_one_colour(sigma, grad, clf):
    """The lossy-card rule does not take a camera's wall with a name-like thing on it: sensor
    noise makes it rough from pixel to pixel (``ring_smooth``), a lighting gradient moves two
    sides of the ring off one grey (``ring_one_colour``)."""
    wall = _noisy_wall(np.random.default_rng(5), 138, 245, (35, 35, 35), sigma=sigma, grad=grad)
    cv2.putText(wall, "Ann", (90, 80), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (200, 200, 200), 2, cv2.LINE_AA)
    got = clf.explain(wall, Tile(0, (0, 0, 245, 138)), [])
    assert got.state is NO_FACE, got.reason
    if got.ring_flat >= clf.min_ring_flat:  # the flat ones are told by the lossy-card rule
        assert got.ring_one_colour < clf.min_ring_one_colour or got.ring_smooth < clf.min_ring_smooth


def _codec_card(rng, grey=34, name="Maria Lopez") -> np.ndarray:
    """A Zoom camera-off card as H.264 at CRF 40 leaves it (measured on the shared Zoom
    screenshots through libx264: zoom_slava16, sidebyside): flat in 16 px blocks whose
    brightness steps by a level (33 above the name, 34 below), whose colour is off by up to
    3 levels in blue or red over a whole block ((31, 34, 32) for (34, 34, 34)), brighter by
    2 levels in the blocks beside the name, and the card's 1 px lighter rim smeared a few
    pixels into it."""
    h, w = 138, 245
    card = np.full((h, w, 3), grey, np.int16)
    for by in range(0, h, 16):
        for bx in range(0, w, 16):
            card[by:by + 16, bx:bx + 16] += np.array([rng.integers(-3, 1), 0, rng.integers(-2, 1)])
            card[by:by + 16, bx:bx + 16] += -1 if by < h // 2 else 0
    card[48:80] += 2  # codec ringing in the name's block rows
    card[:, -5:] += 3  # the lighter rim, smeared
    out = np.clip(card, 0, 255).astype(np.uint8)
    cv2.putText(out, name, (40, 72), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (235, 235, 235), 2, cv2.LINE_AA)
    return out


def test_a_card_as_a_video_codec_leaves_it_is_still_a_card(clf):
    """Block-wise colour and brightness steps of a low-bitrate recording are not a camera's
    wall: before, 3 of 4 real Zoom cards through H.264 at CRF 40 read "away" (a per-channel
    3-level test took a block 3 levels off in blue for content at the card's corner; one side
    of the ring 2 levels brighter failed "within a level on every side")."""
    for seed in range(4):
        card = _codec_card(np.random.default_rng(seed))
        got = clf.explain(card, Tile(0, (0, 0, 245, 138)), [])
        assert got.state is OFF, (seed, got.reason)


@pytest.mark.parametrize("inset", [0, 1, 2])
def test_card_with_a_border_or_a_neighbours_edge_inside_its_box(inset, clf):
    """An active-speaker border, or a tile box a pixel or two off so that the gap and a
    neighbour's edge bleed in, is not the card's content."""
    frame = np.zeros((160, 280, 3), np.uint8)
    frame[10:150, 10:270] = 35
    cv2.putText(frame, "Hyung Gyu Lee", (70, 85), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 1, cv2.LINE_AA)
    bordered = frame.copy()
    cv2.rectangle(bordered, (10 + inset, 10 + inset), (269 - inset, 149 - inset), (110, 220, 220), 3)
    assert clf.classify(bordered, Tile(0, (10, 10, 260, 140)), []) is OFF
    frame[10:150, 266:270] = (90, 120, 160)  # the neighbour's video, 4 px in
    assert clf.classify(frame, Tile(0, (8 - inset, 8 - inset, 264 + 2 * inset, 144 + 2 * inset)), []) is OFF


def test_square_photo_filling_the_cards_height(grace, clf):
    """Zoom draws a profile photo as a square filling the card's height; a square live
    video looks the same on one frame (a real screenshot shows one), so one frame says
    live and a second of stillness says photo. A 4:3 letterboxed webcam is never a photo
    on layout alone."""
    tile = Tile(0, (0, 0, 640, 360))
    for width, still, want in ((360, None, FACE), (360, 0.0, FACE), (360, 1.5, PHOTO), (480, 1.5, FACE)):
        card = np.full((360, 640, 3), 35, np.uint8)
        x0 = (640 - width) // 2
        card[:, x0 : x0 + width] = cv2.resize(grace, (width, 360), interpolation=cv2.INTER_AREA)
        got = clf.explain(card, tile, ONE_FACE, still_seconds=still)
        assert got.state is want, (width, still, got.reason)


def test_square_picture_without_a_face_is_a_profile_picture_at_once(clf):
    """A square picture filling a camera-off card's height with no face in it (a default
    avatar silhouette, a club's crest: a real Zoom recording's two cards) is a profile
    picture on one frame: before, it read as live video of nobody, "away"."""
    tile = Tile(0, (0, 0, 640, 360))
    card = np.full((360, 640, 3), 27, np.uint8)
    card[:, 140:500] = 250
    cv2.circle(card, (320, 130), 70, (200, 205, 205), -1)
    cv2.ellipse(card, (320, 360), (170, 120), 0, 180, 360, (200, 205, 205), -1)
    got = clf.explain(card, tile, [])
    assert got.state is PHOTO, got.reason
    card[:, 140:500] = cv2.resize(np.random.default_rng(3).integers(0, 255, (36, 36, 3), dtype=np.uint8),
                                  (360, 360), interpolation=cv2.INTER_NEAREST)  # a picture, not flat
    assert clf.explain(card, tile, []).state is PHOTO


def _zoom_border(img: np.ndarray, x0: int, y0: int, x1: int, y1: int, width: int = 6) -> None:
    """Zoom's active-speaker frame: pale yellow along the top and bottom, green on the
    sides (the colours measured on a real Zoom screenshot, BGR)."""
    img[y0:y0 + width, x0:x1] = (162, 247, 244)
    img[y1 - width:y1, x0:x1] = (162, 247, 244)
    img[y0:y1, x0:x0 + width] = (80, 185, 131)
    img[y0:y1, x1 - width:x1] = (80, 185, 131)


@pytest.mark.parametrize("q", [None, 90, 70, 50])
@pytest.mark.parametrize("box_off", [0, 4])
def test_an_active_speakers_camera_off_card_after_lossy_capture(q, box_off, clf):
    """The active speaker's camera-off card keeps its coloured frame; JPEG and H.264 halve
    the colour resolution, so the frame's colour bleeds a block into the card: its flat grey
    was "not one colour" (a real Zoom card: 0.47 at JPEG q90) and the ringing "content
    spanning the height" (q50): the student read as away. Also with the tile box found a
    few pixels inside the frame (a compressed frame's fit)."""
    frame = np.full((190, 320, 3), 26, np.uint8)
    frame[20:170, 30:290] = 35
    cv2.putText(frame, "Hyung Gyu Lee", (95, 100), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
    _zoom_border(frame, 30, 20, 290, 170, width=6)
    if q is not None:
        frame = _jpeg(frame, q)
    tile = Tile(0, (30 + box_off, 20 + box_off, 260 - box_off, 150 - box_off))
    got = clf.explain(frame, tile, [])
    assert got.state is OFF, got.reason
    assert clf.classify(frame, tile, []) is OFF


@pytest.mark.parametrize("q", [90, 50])
def test_a_framed_wall_or_face_stays_live_after_lossy_capture(q, clf):
    """Looking inside the active speaker's frame changes nothing for live video: a noisy
    wall stays nobody in view, a face tile stays a face."""
    frame = np.zeros((190, 320, 3), np.uint8)
    frame[20:170, 30:290] = _noisy_wall(np.random.default_rng(3), 150, 260, (35, 35, 35), sigma=2.0, grad=6)
    _zoom_border(frame, 30, 20, 290, 170, width=6)
    frame = _jpeg(frame, q)
    tile = Tile(0, (30, 20, 260, 150))
    assert clf.classify(frame, tile, []) is NO_FACE
    assert clf.classify(frame, tile, ONE_FACE) is FACE


@pytest.mark.parametrize("q", [90, 50])
def test_the_real_active_speaker_card_after_jpeg(q):
    """galleries2/zoom_slava16.png re-saved as JPEG: the yellow-framed camera-off card
    (the active speaker) is camera off, as in the PNG, not away."""
    from classmood.detectors import GalleryPerception

    from ..conftest import data_path

    img = _jpeg(cv2.imread(str(data_path("galleries2", "zoom_slava16.png"))), q)
    with GalleryPerception() as p:
        result = p.analyze(img)
    (framed,) = [t for t in result.tiles if t.tile.bbox[0] <= 640 <= t.tile.bbox[0] + t.tile.bbox[2]
                 and t.tile.bbox[1] <= 580 <= t.tile.bbox[1] + t.tile.bbox[3]]
    assert framed.state is OFF
    assert sum(t.state is OFF for t in result.tiles) == 4


def test_what_the_overlay_drew_is_no_evidence_of_change():
    """A still class under the overlay: each badge is blanked before analysis, and a badge
    that grows or shrinks with its text ("happy 54%" / "neutral 63%") changes what is
    blanked. Taken for a change, that tile "moved" and the still tiles beside it became
    profile photos (25 of 49 on a real screen at scale 2). Pixels ignored in this frame or
    the last are no evidence either way."""
    rng = np.random.default_rng(0)
    tiles = {k: rng.integers(0, 256, (150, 260), dtype=np.uint8) for k in range(3)}
    for use_ignore, want in ((False, True), (True, False)):
        mon = StillnessMonitor()
        for i in range(12):  # 6 s at 2 fps, nothing on screen moves
            frame = {k: v.copy() for k, v in tiles.items()}
            wide = 117 if i % 2 else 90  # the badge on tile 0 alternates its width...
            frame[0][8:28, 260 - 8 - wide:252] = 60 + 40 * (i % 2)  # ...and what fills it
            skip = np.zeros((150, 260), bool)
            skip[8:28, 260 - 8 - wide:252] = True
            still = mon.update(frame, 0.5 * i, {0: skip} if use_ignore else None)
        assert (still[1] >= 4.0 and still[2] >= 4.0) is want, (use_ignore, still)
