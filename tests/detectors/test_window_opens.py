"""A window seen to open over the gallery (GalleryPerception.update, issue 16).

The layout search finds a window over the gallery from one frame's straight edges where it
lies across the gaps and the grid holds around it; a dialog wholly inside one tile it does
not look for (a straight-edged picture in a room is a poster as likely as a window), and
the student under it read "away". Between two frames of a recording or a live capture a
window is plain: one rectangle of the picture changes at once, with straight edges around
it. Right values: the tiles under it are covered (held by the agent, not "away") while it
shows, and nothing is covered once it closes; a camera switched off, tiles reordered and a
student replaced change a tile's own rectangle, and are no window.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from classmood.detectors.gallery import GalleryPerception
from classmood.geometry import overlap
from classmood.synth import make_gallery, sample_portrait
from classmood.types import TileState
from tests.conftest import data_path
from tests.variants import foreign_window, h264


def _noisy(frames: list[np.ndarray], seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [np.clip(f.astype(np.float32) + rng.normal(0, 2.0, f.shape), 0, 255).astype(np.uint8) for f in frames]


def _run(frames: list[np.ndarray], seed: int = 0):
    with GalleryPerception(still_photos=False) as p:
        return [p.update(f, 0.5 * k) for k, f in enumerate(h264(_noisy(frames, seed), 23))]


def _centre_dialog(image: np.ndarray, frac: float) -> tuple[int, int, int, int]:
    H, W = image.shape[:2]
    w, h = int(W * frac ** 0.5), int(H * frac ** 0.5)
    return (W - w) // 2, (H - h) // 2, w, h


def _away_under(result, box) -> list[int]:
    return [t.tile.index for t in result.tiles
            if overlap(t.tile.bbox, box) > 0 and t.state is TileState.NO_FACE and not t.covered]


@pytest.mark.parametrize("dark", [True, False])
def test_a_dialog_inside_one_tile_covers_it_while_it_shows(dark):
    """A 3 x 3 class (1280 x 720, H.264 CRF 23, camera noise); a dialog over 6% of the frame
    opens inside the centre tile for 1.5 s, over the student's face. Before: the centre
    tile read "away" while it showed. Now, from its second frame (seen unchanged: a screen in
    a room changes on), it is covered (the window named), nobody under it is away, and when
    it closes nothing is covered."""
    g = make_gallery([sample_portrait()], 9, (1280, 720), seed=3)
    box = _centre_dialog(g.image, 0.06)
    centre = g.tiles[4].bbox
    assert overlap(box, centre) == box[2] * box[3]  # wholly inside the centre tile
    dialog = foreign_window(g.image, box, dark=dark, shadow=True)
    results = _run([g.image] * 2 + [dialog] * 3 + [g.image] * 2)
    assert all(len(r.tiles) == 9 for r in results)
    for r in results[3:5]:  # from its second frame (seen unchanged: no screen in a room)
        assert r.covered and not _away_under(r, box), (r.covered, _away_under(r, box))
        assert [t.tile.index for t in r.tiles if t.covered] == [4]
    for r in results[:2] + results[5:]:
        assert not r.covered and not any(t.covered for t in r.tiles)


def test_a_dialog_over_a_real_gallery_covers_the_tiles_it_hides():
    """The 7-student Zoom gallery (galleries/root_image3.png) with a dark dialog over 6% of
    the frame in its middle (inside the centre tile, over the student's face): covered while
    it shows (before: that student "away"), nothing covered before or after."""
    image = cv2.imread(str(data_path("galleries", "root_image3.png")))
    box = _centre_dialog(image, 0.06)
    results = _run([image] * 2 + [foreign_window(image, box, dark=True, shadow=True)] * 3 + [image] * 2)
    for r in results[3:5]:
        assert r.covered and not _away_under(r, box)
    assert not any(r.covered for r in results[:2] + results[5:])


def test_a_tiles_own_picture_changing_is_no_window():
    """A camera switched off (the tile becomes a flat card with initials), two tiles
    reordered, a student replaced by another room: each changes a tile's own rectangle at
    once, and none is a window; nor is a picture in a room that changes on (a screen behind
    a student, each frame another picture) or one that shows a face."""
    g = make_gallery([sample_portrait()], 9, (1280, 720), seed=5)
    b = [t.bbox for t in g.tiles]
    off = g.image.copy()
    x, y, w, h = b[4]
    off[y:y + h, x:x + w] = (54, 54, 54)
    cv2.putText(off, "AB", (x + w // 2 - 20, y + h // 2 + 10), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (230, 230, 230), 2)
    swapped = g.image.copy()
    (x0, y0, w0, h0), (x1, y1, _, _) = b[1], b[5]
    swapped[y0:y0 + h0, x0:x0 + w0], swapped[y1:y1 + h0, x1:x1 + w0] = \
        g.image[y1:y1 + h0, x1:x1 + w0].copy(), g.image[y0:y0 + h0, x0:x0 + w0].copy()
    other = make_gallery([sample_portrait()], 9, (1280, 720), seed=6).image
    replaced = g.image.copy()
    x, y, w, h = b[7]
    replaced[y:y + h, x:x + w] = cv2.resize(other[y:y + h, x:x + w], (w, h))
    for changed in (off, swapped, replaced):
        results = _run([g.image] * 2 + [changed] * 3)
        assert not any(r.covered for r in results), [r.covered for r in results]
    # a screen on the wall of the centre tile's room, another picture every frame
    x, y, w, h = b[4]
    screen = (x + w // 10, y + h // 8, w // 3, h // 3)
    rng = np.random.default_rng(7)
    frames = []
    for _ in range(6):
        f = g.image.copy()
        f[screen[1]:screen[1] + screen[3], screen[0]:screen[0] + screen[2]] = rng.integers(0, 255, 3)
        frames.append(f)
    assert not any(r.covered for r in _run(frames))


@pytest.mark.parametrize("seed", [0, 1])  # camera noise: with 1 the layout search finds it
def test_a_window_over_four_tiles_corners_is_gone_when_it_closes(seed):
    """A light dialog over the corners of a real 2 x 2 class's four tiles (10% of the frame):
    named while it shows (from its second frame at the latest), and gone once it closes. A
    window the layout search finds there (it lies across the gaps) was kept with the answer
    until the next search when it closed (10 s: four students held as covered): none of the
    four tiles changes wholesale. Now its pixels changing show it went."""
    image = cv2.imread(str(data_path("galleries", "zoom2.png")))
    image = image[: image.shape[0] // 2 * 2, : image.shape[1] // 2 * 2]
    box = _centre_dialog(image, 0.10)
    results = _run([image] * 2 + [foreign_window(image, box, dark=False, shadow=True)] * 3 + [image] * 2, seed)
    assert all(len(r.tiles) == 4 for r in results)
    for r in results[3:5]:
        assert r.covered and [t.tile.index for t in r.tiles if t.covered] == [0, 1, 2, 3]
    for r in results[:2] + results[5:]:
        assert not r.covered and not any(t.covered for t in r.tiles), r.covered
