"""TileFinder on the real screenshots (hand-annotated) and on bad input. Synthetic
galleries with exact ground truth are in test_tiles_synthetic.py."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from classmood.detectors.tiles import TileFinder
from classmood.geometry import iou

from .annotations import REAL_BOXES, REAL_COUNTS


@pytest.fixture(scope="module")
def finder() -> TileFinder:
    return TileFinder()


@pytest.mark.parametrize("name", sorted(REAL_COUNTS))
def test_real_screenshots(finder, galleries_dir, name):
    image = cv2.imread(str(galleries_dir / name))
    layout = finder.find_layout(image)
    assert not layout.fallback
    assert len(layout.tiles) == REAL_COUNTS[name]
    for i, box in REAL_BOXES.get(name, {}).items():
        got = layout.tiles[i].bbox
        assert max(abs(g - e) for g, e in zip(got, box)) <= 6, (i, got, box)
        assert iou(got, box) >= 0.95
    # reading order: row by row, left to right
    centres = [(t.bbox[1] + t.bbox[3] / 2, t.bbox[0]) for t in layout.tiles]
    for (y0, x0), (y1, x1) in zip(centres, centres[1:]):
        assert y1 > y0 + 10 or (abs(y1 - y0) <= 10 and x1 > x0)


# --- bad input -----------------------------------------------------------------------
def test_black_and_white_frames_have_no_tiles(finder):
    assert finder.find(np.zeros((1080, 1920, 3), np.uint8)) == []
    assert finder.find(np.full((720, 1280, 3), 255, np.uint8)) == []


def test_flat_colour_frame_has_no_tiles(finder):
    assert finder.find_layout(np.full((1080, 1920, 3), (40, 120, 200), np.uint8)).tiles == ()


def test_gray_and_bgra_frames_give_the_same_tiles(finder, galleries_dir):
    image = cv2.imread(str(galleries_dir / "root_image3.png"))
    boxes = [t.bbox for t in finder.find(image)]
    assert [t.bbox for t in finder.find(cv2.cvtColor(image, cv2.COLOR_BGR2BGRA))] == boxes
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    assert len(finder.find(gray)) == len(boxes)
    assert [t.bbox for t in finder.find(gray)] == boxes


@pytest.mark.parametrize("shape", [(1, 1, 3), (10, 10, 3), (30, 2000, 3), (1, 1)])
def test_tiny_inputs(finder, shape):
    assert finder.find(np.full(shape, 90, np.uint8)) == []


def test_one_huge_face_is_one_whole_frame_tile(finder, faces_dir):
    path = sorted((faces_dir / "nimstim" / "happy").glob("*.jpg"))[0]
    image = cv2.resize(cv2.imread(str(path)), (1280, 1640))
    layout = finder.find_layout(image)
    assert layout.fallback
    assert [t.bbox for t in layout.tiles] == [(0, 0, 1280, 1640)]


def test_desktop_without_gallery_is_not_a_grid(finder):
    """A wallpaper gradient with desktop icons and a text window: no participant grid."""
    h, w = 1080, 1920
    y = np.linspace(0, 1, h)[:, None, None]
    x = np.linspace(0, 1, w)[None, :, None]
    img = (np.array([120, 60, 20]) * (1 - y) + np.array([200, 140, 90]) * x * y).astype(np.uint8)
    img = np.array(np.broadcast_to(img, (h, w, 3)))
    rng = np.random.default_rng(0)
    for i in range(8):  # icons down the left
        colour = tuple(int(v) for v in rng.integers(0, 255, 3))
        cv2.rectangle(img, (20, 20 + i * 110), (84, 84 + i * 110), colour, -1)
    cv2.rectangle(img, (400, 150), (1500, 900), (250, 250, 250), -1)  # a document window
    for i in range(30):
        cv2.putText(img, "Lorem ipsum dolor sit amet, consectetur adipiscing", (430, 200 + i * 23),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.6, (30, 30, 30), 1)
    layout = finder.find_layout(img)
    # not flat, but no grid: the whole-frame fallback (GalleryPerception drops it when no
    # face is in it); never a grid of icons or text lines
    assert layout.fallback
    assert [t.bbox for t in layout.tiles] == [(0, 0, 1920, 1080)]
    assert layout.background_bgr is None and layout.tile_size is None


def _touching_cards(pictures: list[bool], size=(1280, 720), box=(16, 126, 832, 234)) -> np.ndarray:
    """A black meeting area with one block of flat grey cards touching (no gap, no line
    between them: Zoom's camera-off cards in a real recording), each with a square
    picture at its middle where ``pictures`` says so."""
    W, H = size
    img = np.zeros((H, W, 3), np.uint8)
    x, y, w, h = box
    img[y:y + h, x:x + w] = 27
    k = len(pictures)
    for i, pic in enumerate(pictures):
        if pic:
            cx = x + int((i + 0.5) * w / k)
            img[y:y + h, cx - h // 2:cx + h // 2] = 250
            cv2.circle(img, (cx, y + h // 2 - 20), h // 5, (200, 205, 205), -1)
            cv2.ellipse(img, (cx, y + h), (h // 2 - 10, h // 3), 0, 180, 360, (200, 205, 205), -1)
    return img


@pytest.mark.parametrize("k", [2, 3])
def test_touching_camera_off_cards_are_split(finder, k):
    """Cards of one grey touching in a row make a block k tiles wide with no gap or line
    to cut on; with a picture on every card around its part's middle and the card's grey
    across every seam, the block is k tiles (before: a block too wide for one tile, and
    no tile at all)."""
    x, y, w, h = 16, 126, 416 * k, 234
    img = _touching_cards([True] * k, size=(max(1280, x + w + 16), 720), box=(x, y, w, h))
    got = [t.bbox for t in finder.find_layout(img).tiles]
    want = [(x + 416 * i, y, 416, h) for i in range(k)]
    assert len(got) == k and all(iou(a, b) > 0.95 for a, b in zip(got, want)), got


def test_a_wide_block_with_one_picture_is_not_split(finder):
    """A wide flat bar with something on one part only (a banner, a toolbar) is no row of
    cards."""
    layout = finder.find_layout(_touching_cards([True, False]))
    assert len(layout.tiles) != 2
