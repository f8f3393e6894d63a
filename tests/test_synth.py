"""Synthetic galleries: exact geometry, states that render as specified, usable
ground truth, determinism, and no dependence on the shared data."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from classmood import synth
from classmood.errors import InputError
from classmood.geometry import iou
from classmood.types import TileState as S
from tests.conftest import box_inside

FACE, NO_FACE, OFF, PHOTO = S.FACE, S.NO_FACE, S.CAMERA_OFF, S.PHOTO


@pytest.fixture(scope="module")
def nimstim(faces_dir) -> list[np.ndarray]:
    return synth.load_portraits(faces_dir / "nimstim", limit=24, seed=1)


def _check_invariants(g: synth.SynthGallery) -> None:
    """Geometry and ground-truth consistency that every gallery must satisfy."""
    H, W = g.image.shape[:2]
    assert g.image.dtype == np.uint8 and g.image.shape[2] == 3
    rows, cols = g.grid
    assert rows * cols >= len(g.tiles) > (rows - 1) * cols
    for i, t in enumerate(g.tiles):
        assert t.index == i
        x, y, w, h = t.bbox
        assert 0 <= x and 0 <= y and x + w <= W and y + h <= H
        assert box_inside(t.bbox, g.area)
        assert abs(w / h - 16 / 9) < 0.05
        live = t.state in (FACE, NO_FACE)
        assert (t.video_bbox is not None) == live
        if live:
            assert box_inside(t.video_bbox, t.bbox)
        if t.state in (NO_FACE, OFF):
            assert t.face_boxes == ()
        if t.state is FACE:
            assert 1 <= len(t.face_boxes) <= 2
            assert all(box_inside(b, t.video_bbox) for b in t.face_boxes)
        if t.state is PHOTO:
            assert len(t.face_boxes) == 1 and box_inside(t.face_boxes[0], t.bbox)
    # reading order, no overlaps
    keys = [(t.bbox[1], t.bbox[0]) for t in g.tiles]
    assert keys == sorted(keys)
    for a in g.tiles:
        for b in g.tiles:
            if a.index < b.index:
                assert iou(a.bbox, b.bbox) == 0.0


# -- layout ----------------------------------------------------------------------------
def test_grid_shape_matches_the_apps_for_a_16_9_area():
    expected = {1: (1, 1), 2: (1, 2), 3: (2, 2), 4: (2, 2), 5: (2, 3), 6: (2, 3), 7: (3, 3),
                9: (3, 3), 10: (3, 4), 16: (4, 4), 25: (5, 5), 49: (7, 7)}
    for n, shape in expected.items():
        assert synth.grid_shape(n, 1900, 1000, gap=6) == shape, n


def test_grid_shape_is_near_square_and_maximises_tile_size_for_1_to_49():
    for aw, ah in ((1900, 1000), (1000, 1000), (1000, 1800), (620, 320)):
        for n in range(1, 50):
            rows, cols = synth.grid_shape(n, aw, ah, gap=4)
            assert rows <= 7 and cols <= 7
            assert rows * cols >= n > (rows - 1) * cols  # no empty row
            best = max(
                min((aw - (c - 1) * 4) / c, (ah - (math.ceil(n / c) - 1) * 4) / math.ceil(n / c) * 16 / 9)
                for c in range(1, 8) if math.ceil(n / c) <= 7
            )
            got = min((aw - (cols - 1) * 4) / cols, (ah - (rows - 1) * 4) / rows * 16 / 9)
            assert got == pytest.approx(best), (aw, ah, n)
    # a wide area puts more tiles in a row, a tall one in a column
    assert synth.grid_shape(4, 3000, 400) == (1, 4)
    assert synth.grid_shape(4, 400, 3000) == (4, 1)


@pytest.mark.parametrize("n", [1, 2, 5, 7, 11, 23, 41, 48])
def test_layout_gaps_are_constant_and_the_last_row_is_centred(n):
    (rows, cols), boxes = synth.grid_layout(n, (10, 20, 1900, 1000), gap=6)
    assert len(boxes) == n
    w, h = boxes[0][2:]
    assert all(b[2:] == (w, h) for b in boxes)
    by_row: dict[int, list] = {}
    for b in boxes:
        by_row.setdefault(b[1], []).append(b)
    ys = sorted(by_row)
    assert len(ys) == rows
    assert all(b2 - b1 == h + 6 for b1, b2 in zip(ys, ys[1:]))
    full_left = min(b[0] for b in boxes)
    full_right = max(b[0] + b[2] for b in boxes)
    for y in ys:
        row = sorted(by_row[y])
        assert all(r2[0] - (r1[0] + r1[2]) == 6 for r1, r2 in zip(row, row[1:]))
        left, right = row[0][0] - full_left, full_right - (row[-1][0] + row[-1][2])
        assert abs(left - right) <= 1  # every row, including a short last row, is centred
    # the grid is centred in the area
    top, bottom = ys[0] - 20, 20 + 1000 - (ys[-1] + h)
    assert abs(top - bottom) <= 1 and abs((full_left - 10) - (10 + 1900 - full_right)) <= 1


@pytest.mark.parametrize("style,theme", [("zoom", "dark"), ("zoom", "light"), ("meet", "dark"),
                                         ("teams", "dark"), ("teams", "light")])
def test_tile_boxes_match_the_rendered_pixels_exactly(style, theme, grace):
    states = [FACE, OFF, NO_FACE, PHOTO, OFF, FACE, OFF]
    for chrome in (False, True):
        g = synth.make_gallery([grace], 7, (1600, 900), style=style, theme=theme, states=states,
                               chrome=chrome, seed=3)
        _check_invariants(g)
        img = g.image
        inside = np.zeros(img.shape[:2], bool)
        for t in g.tiles:
            x, y, w, h = t.bbox
            inside[y : y + h, x : x + w] = True
        ax, ay, aw, ah = g.area
        area = np.zeros_like(inside)
        area[ay : ay + ah, ax : ax + aw] = True
        gaps = img[area & ~inside]
        assert (gaps == np.array(g.bg, np.uint8)).all(), "every gap/margin pixel is the bg colour"
        if not chrome:
            assert (img[~inside] == np.array(g.bg, np.uint8)).all()
        # and the tile really starts at its box: its edge rows/columns are not background
        # (away from rounded corners; dark video may touch the bg colour here and there)
        for t in g.tiles:
            x, y, w, h = t.bbox
            r = 12
            need = 0.99 if t.state in (OFF, PHOTO) else 0.5
            for edge in (img[y, x + r : x + w - r], img[y + h - 1, x + r : x + w - r],
                         img[y + r : y + h - r, x], img[y + r : y + h - r, x + w - 1]):
                assert (edge != np.array(g.bg, np.uint8)).any(axis=1).mean() >= need


def test_chrome_surrounds_the_grid(grace):
    g = synth.make_gallery([grace], 4, (1920, 1080), chrome=True, seed=1)
    ax, ay, aw, ah = g.area
    assert ay > 40 and ay + ah < 1080 - 60  # title bar above, toolbar (and taskbar) below
    top, bottom = g.image[: ay - g.gap], g.image[ay + ah + g.gap :]
    assert top.std() > 5 and bottom.std() > 5  # text and icons, not a flat fill
    plain = synth.make_gallery([grace], 4, (1920, 1080), chrome=False, seed=1)
    assert plain.area == (plain.gap, plain.gap, 1920 - 2 * plain.gap, 1080 - 2 * plain.gap)


# -- determinism and sizes -------------------------------------------------------------
def test_same_seed_same_gallery_other_seed_other_gallery(grace):
    kw = dict(states=[FACE, NO_FACE, OFF, PHOTO, FACE], letterbox=0.5, two_people=0.5,
              active_speaker=2, chrome=True)
    a = synth.make_gallery([grace], 5, (1280, 720), seed=11, **kw)
    b = synth.make_gallery([grace], 5, (1280, 720), seed=11, **kw)
    c = synth.make_gallery([grace], 5, (1280, 720), seed=12, **kw)
    assert np.array_equal(a.image, b.image) and a.tiles == b.tiles
    assert not np.array_equal(a.image, c.image)


@pytest.mark.parametrize("size", [(640, 400), (1024, 640), (1366, 768), (1920, 1080), (2560, 1440), (3840, 2160)])
def test_all_screen_sizes_render(size, grace):
    for n in (1, 7, 49) if size[0] < 3000 else (3, 20):
        states = [[FACE, OFF, NO_FACE, PHOTO][i % 4] for i in range(n)]
        g = synth.make_gallery([grace], n, size, states=states, chrome=n == 7, letterbox=0.3, seed=n)
        assert g.image.shape == (size[1], size[0], 3)
        _check_invariants(g)
        # tiles fill the limiting dimension of the area (the largest tiles that fit)
        rows, cols = g.grid
        tw, th = g.tiles[0].bbox[2:]
        slack_w = g.area[2] - (cols * tw + (cols - 1) * g.gap)
        slack_h = g.area[3] - (rows * th + (rows - 1) * g.gap)
        assert min(slack_w, slack_h) <= max(cols, rows) + 2


# -- what each state looks like --------------------------------------------------------
def _label_free(t: synth.SynthTile) -> tuple[int, int, int, int]:
    """The tile without its bottom 22% (where the name label lives)."""
    x, y, w, h = t.bbox
    return x, y, w, int(h * 0.78)


def test_camera_off_cards_are_flat_apart_from_the_centred_text(grace):
    for style in ("zoom", "meet", "teams"):
        g = synth.make_gallery([grace], 6, (1920, 1080), style=style, states=[OFF] * 6, seed=5)
        card = np.array(synth.style_colors(style)["card"], np.uint8)
        for t in g.tiles:
            x, y, w, h = _label_free(t)
            crop = g.image[y + 12 : y + h, x + 12 : x + w - 12]  # (Meet/Teams round corners)
            differs = (crop != card).any(axis=2)
            ys, xs = np.nonzero(differs)
            xs, ys, w = xs + 12, ys + 12, w
            assert len(xs) > 50, "a name or initials is drawn"
            # everything that is not the card colour sits in the middle of the tile
            assert xs.min() > 0.05 * w and xs.max() < 0.95 * w
            assert ys.min() > 0.25 * t.bbox[3] and ys.max() < 0.75 * t.bbox[3]
            assert differs.mean() < 0.12
            assert t.face_boxes == () and t.video_bbox is None


def test_photo_tiles_show_a_small_textured_picture_in_the_middle(grace):
    for style in ("zoom", "meet", "teams"):
        g = synth.make_gallery([grace], 4, (1920, 1080), style=style, states=[PHOTO] * 4, seed=2)
        for t in g.tiles:
            x, y, w, h = t.bbox
            assert box_inside(t.face_boxes[0], (x + w // 3, y + h // 4, w // 3, h // 2))
            c = g.image[y + h // 2 - h // 10 : y + h // 2 + h // 10, x + w // 2 - h // 10 : x + w // 2 + h // 10]
            assert c.std() > 15, "the centre holds a photo, not a flat card"
            card = np.array(synth.style_colors(style)["card"], np.uint8)
            lx, ly, lw, lh = _label_free(t)
            differs = (g.image[ly : ly + lh, lx : lx + lw] != card).any(axis=2)
            side = np.sqrt(differs.sum())
            assert 0.2 * h <= side <= 0.36 * h, "the photo is small: about 1/4 to 1/3 of the tile height"


def test_live_tiles_are_textured_and_no_face_tiles_have_no_faces(grace):
    g = synth.make_gallery([grace], 4, (1280, 720), states=[NO_FACE, FACE, NO_FACE, FACE], seed=4)
    for t in g.tiles:
        vx, vy, vw, vh = t.video_bbox
        v = g.image[vy : vy + vh, vx : vx + vw].astype(np.float32)
        assert v.std() > 4 and np.abs(np.diff(v, axis=1)).mean() > 0.2  # a scene with noise, not flat
        assert (len(t.face_boxes) > 0) == (t.state is FACE)


def test_letterboxed_webcams_have_bars_in_the_card_colour(grace):
    g = synth.make_gallery([grace], 6, (1920, 1080), states=[FACE, NO_FACE] * 3, letterbox=1.0, seed=8)
    colors = synth.style_colors("zoom")
    assert colors["card"] != colors["bg"]
    card = np.array(colors["card"], np.uint8)
    for t in g.tiles:
        x, y, w, h = t.bbox
        vx, vy, vw, vh = t.video_bbox
        assert vw < w and vh == h and abs((vx - x) - (x + w - vx - vw)) <= 1
        assert vw / vh == pytest.approx(4 / 3, abs=0.02) or vw / vh < 1.0
        bars = [g.image[y : y + int(h * 0.75), x : vx], g.image[y : y + int(h * 0.75), vx + vw : x + w]]
        assert all((b == card).all() for b in bars)
    partial = synth.make_gallery([grace], 8, (1920, 1080), letterbox=0.5, seed=8)
    assert sum(t.video_bbox != t.bbox for t in partial.tiles) == 4


def test_two_people_tiles_have_two_separate_faces(grace):
    g = synth.make_gallery([grace], 4, (1920, 1080), two_people=1.0, seed=6)
    for t in g.tiles:
        a, b = sorted(t.face_boxes)
        assert a[0] + a[2] <= b[0], "side by side, not overlapping"
        vx, _, vw, _ = t.video_bbox
        assert a[0] + a[2] / 2 < vx + vw / 2 < b[0] + b[2] / 2


def test_active_speaker_border(grace):
    for style in ("zoom", "teams"):
        g = synth.make_gallery([grace], 4, (1920, 1080), style=style, states=[OFF] * 4, active_speaker=1, seed=0)
        color = np.array(synth.style_colors(style)["speaker"], np.uint8)
        for t in g.tiles:
            x, y, w, h = t.bbox
            top = g.image[y : y + 2, x + 10 : x + w - 10]
            assert (top == color).all() == (t.index == 1)


def test_name_labels(grace):
    names = ["Ada Lovelace", None, "A Very Long Name That Cannot Possibly Fit In A Tiny Tile At All", "Bo"]
    g = synth.make_gallery([grace], 4, (1280, 720), states=[OFF] * 4, names=names, seed=0)
    assert [t.name for t in g.tiles[:2]] == ["Ada Lovelace", None]
    assert g.tiles[3].name == "Bo"
    small = synth.make_gallery([grace], 49, (640, 400), states=[OFF] * 49, names=[names[2]] * 49, seed=0)
    assert all(t.name is None or t.name.endswith("...") for t in small.tiles)
    default = synth.make_gallery([grace], 30, seed=0, states=[OFF] * 30)
    drawn = [t.name for t in default.tiles]
    assert len(set(drawn)) == 30 and all(n in synth.DEFAULT_NAMES for n in drawn)
    with pytest.raises(ValueError, match="ASCII"):
        synth.make_gallery([grace], 1, names=["Zoë Kravitz"])


def test_argument_errors(grace):
    with pytest.raises(ValueError, match="n_tiles"):
        synth.make_gallery([grace], 50)
    with pytest.raises(ValueError, match="n_tiles"):
        synth.make_gallery([grace], 0)
    with pytest.raises(ValueError, match="style"):
        synth.make_gallery([grace], 2, style="webex")
    with pytest.raises(ValueError, match="states"):
        synth.make_gallery([grace], 3, states=[FACE])
    with pytest.raises(ValueError, match="size"):
        synth.make_gallery([grace], 3, size=(100, 100))
    with pytest.raises(ValueError, match="active_speaker"):
        synth.make_gallery([grace], 3, active_speaker=3)
    blank = np.full((300, 300, 3), 128, np.uint8)
    with pytest.raises(ValueError, match="detectable face"):
        synth.make_gallery([blank], 2)
    # without face or photo tiles no portrait is needed at all
    g = synth.make_gallery([], 3, states=["camera_off", "no_face", "camera_off"])
    assert [t.state for t in g.tiles] == [OFF, NO_FACE, OFF]


# -- ground truth that a detector agrees with ------------------------------------------
def test_ground_truth_faces_agree_with_the_face_finder(grace, nimstim, library):
    from classmood.detectors.faces import FaceFinder

    rng = np.random.default_rng(7)
    found = total = no_face_hits = no_face_tiles = 0
    with FaceFinder() as finder:
        for _ in range(6):
            g = synth.random_gallery(nimstim + [grace], rng, library=library)
            _check_invariants(g)
            for t in g.tiles:
                if t.state not in (FACE, NO_FACE):
                    continue
                faces = finder.find(g.image, roi=t.bbox)
                if t.state is NO_FACE:
                    no_face_tiles += 1
                    no_face_hits += bool(faces)
                for b in t.face_boxes:
                    if b[3] >= 40:  # big enough for BlazeFace after webcam blur and JPEG
                        total += 1
                        found += any(iou(b, f.bbox) > 0.5 for f in faces)
    assert total >= 20
    assert found / total >= 0.9
    assert no_face_hits <= max(1, 0.15 * no_face_tiles)


def test_portrait_face_box_is_cached_and_none_without_a_face(grace, monkeypatch):
    from classmood.detectors.faces import FaceFinder

    calls = []
    find = FaceFinder.find
    monkeypatch.setattr(FaceFinder, "find", lambda self, *a, **k: calls.append(1) or find(self, *a, **k))
    with synth.PortraitLibrary() as library:
        box = synth.portrait_face_box(grace, library=library)
        assert box is not None
        x, y, w, h = box
        assert 0 <= x and 0 <= y and x + w <= grace.shape[1] + 1 and y + h <= grace.shape[0] + 1
        detections = len(calls)
        assert synth.portrait_face_box(grace.copy(), library=library) == box  # keyed by content, not identity
        assert len(calls) == detections, "remembered by the library, not detected again"
    assert synth.portrait_face_box(np.full((200, 200, 3), 90, np.uint8)) is None


def test_a_shared_library_changes_nothing_but_speed(grace):
    kw = dict(states=[FACE, PHOTO, FACE], two_people=0.5, seed=4)
    one_off = synth.make_gallery([grace], 3, (1280, 720), **kw)
    view = synth.webcam_view(grace, seed=3)
    with synth.PortraitLibrary() as library:
        shared = [synth.make_gallery([grace], 3, (1280, 720), library=library, **kw) for _ in range(2)]
        shared_view = synth.webcam_view(grace, seed=3, library=library)
    for g in shared:
        assert np.array_equal(g.image, one_off.image) and g.tiles == one_off.tiles
    assert np.array_equal(shared_view, view)
    # a closed library frees its face finder and stays usable
    assert library.face_box(grace) == synth.portrait_face_box(grace)
    library.close()


def test_no_module_of_the_package_holds_a_face_finder_a_cache_or_a_lock():
    import collections
    import importlib
    import pkgutil
    import threading
    import weakref

    from classmood.detectors.faces import FaceFinder

    stateful = (FaceFinder, synth.PortraitLibrary, collections.OrderedDict, type(threading.Lock()),
                weakref.WeakValueDictionary, weakref.WeakKeyDictionary)
    for info in pkgutil.iter_modules(synth.__path__):
        module = importlib.import_module(f"classmood.synth.{info.name}")
        for name, value in vars(module).items():
            assert not isinstance(value, stateful), f"classmood.synth.{info.name}.{name}"


def test_load_portraits(faces_dir):
    a = synth.load_portraits(faces_dir / "nimstim", limit=5, seed=3)
    b = synth.load_portraits(faces_dir / "nimstim", limit=5, seed=3)
    c = synth.load_portraits(faces_dir / "nimstim", limit=5, seed=4)
    assert len(a) == 5 and all(x.ndim == 3 and x.dtype == np.uint8 for x in a)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not all(np.array_equal(x, y) for x, y in zip(a, c))


def test_load_portraits_skips_unreadable_files_and_rejects_empty_folders(tmp_path, grace):
    cv2.imwrite(str(tmp_path / "ok.png"), grace)
    (tmp_path / "broken.jpg").write_bytes(b"not an image")
    (tmp_path / "notes.txt").write_text("ignored")
    assert len(synth.load_portraits(tmp_path)) == 1
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError):
        synth.load_portraits(empty)
    with pytest.raises(InputError):
        synth.load_portraits(tmp_path / "missing")


def test_random_galleries_are_valid(grace, library):
    rng = np.random.default_rng(0)
    seen_styles = set()
    for _ in range(12):
        g = synth.random_gallery([grace], rng, library=library)
        _check_invariants(g)
        seen_styles.add(g.style)
    assert len(seen_styles) >= 2
