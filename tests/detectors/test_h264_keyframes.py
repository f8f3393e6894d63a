"""Tile sides on a recording's keyframe: a thin, low-contrast gap blurred by H.264 (issue 16).

A class recording is H.264. One intra frame of a real Zoom screenshot (libx264, 4:2:0) keeps
its tiles' straight edges but blurs the 2-6 px gaps between them: Zoom's dark UI keeps only 8
grey levels between gap (26) and tile (34), and after the codec a gap's pixels are only partly
within the gap colour's tolerance. Before:

* screenshot.png at CRF 28: the gap cut found all 6 tiles, but its boxes ran a gap (6-8 px)
  too wide or tall (the lower 2 x 2 block merged and split evenly, the top margin taken in);
  those sides showed weak edges, the cut was not "whole", and a fitted grid of 2 of the 3 rows
  replaced it: 4 tiles, the camera-off card lost. Now each cut box's sides are placed on the
  strongest straight edge within a gap's reach (``tiles._snap_to_edges``) and that cut is whole.
* real_test3.png at CRF 28 and 36: the fitted grid's tiles took in the window's dark margin
  (609-614 px wide for 576): the codec spreads the tile/margin step over 5-6 px, so no 1-px
  boundary held a straight edge and ``grid_fit._off_margin`` kept the side in the margin (at
  CRF 36 the grid was flush with the frame and the window's 8 px edge hid the margin from its
  search); the camera-off card then read as ``no_face``. Now a blurred edge counts
  (``grid_fit._soft_edge``).

Right values: the PNG's tiles (the gap cut's, exact on a PNG), each side of each tile on the
keyframe within 8 px of the PNG's (a gap's width plus a speaker frame's at these 1172-1232 px
wide frames; before: 33 px, or tiles missing), and the PNG's tile states. Needs the shared data
and imageio-ffmpeg (the test extra); skipped cleanly without them. The unit tests below need
neither.
"""

from __future__ import annotations

from collections import Counter

import cv2
import numpy as np
import pytest

from tests.conftest import data_path

SIDE_PX = 8
"""Most pixels any side of a keyframe's tile may lie from the PNG's (see the docstring)."""


@pytest.fixture(scope="module")
def perception():
    from classmood.detectors import GalleryPerception

    with GalleryPerception(still_photos=False) as p:
        yield p


@pytest.mark.parametrize("name,crf", [("screenshot.png", 28), ("real_test3.png", 28), ("real_test3.png", 36)])
def test_keyframe_tiles_on_the_pngs_edges(name, crf, perception):
    image = cv2.imread(str(data_path("galleries", name)))
    pytest.importorskip("imageio_ffmpeg", reason="imageio-ffmpeg (the test extra) encodes H.264")
    from tests.variants import h264

    image = image[: image.shape[0] // 2 * 2, : image.shape[1] // 2 * 2]
    perception.reset()
    png = perception.analyze(image)
    key = h264([image, image], crf)[0]
    perception.reset()
    got = perception.analyze(key)
    assert len(got.tiles) == len(png.tiles), [t.tile.bbox for t in got.tiles]
    for want in png.tiles:
        x, y, w, h = want.tile.bbox
        off = [max(abs(x - a), abs(y - b), abs(x + w - a - c), abs(y + h - b - d))
               for a, b, c, d in (t.tile.bbox for t in got.tiles)]
        assert min(off) <= SIDE_PX, (want.tile.bbox, [t.tile.bbox for t in got.tiles])
    assert Counter(t.state for t in got.tiles) == Counter(t.state for t in png.tiles)


def _keyframe_at_720p_like_the_png(perception, name: str, crf: int, tiles: int):
    """galleries/``name`` at 720p as a recording's first keyframe (ten frames with camera
    noise of 2 grey levels, H.264 at ``crf``): ``tiles`` tiles on the PNG and on the
    keyframe, each of the PNG's sides within SIDE_PX on the keyframe. Returns the
    keyframe's GalleryResult."""
    image = cv2.imread(str(data_path("galleries", name)))
    pytest.importorskip("imageio_ffmpeg", reason="imageio-ffmpeg (the test extra) encodes H.264")
    from tests.variants import h264

    image = cv2.resize(image, (1280, 720), interpolation=cv2.INTER_AREA)
    rng = np.random.default_rng(crf)
    raw = [np.clip(image.astype(np.float32) + rng.normal(0, 2.0, image.shape), 0, 255).astype(np.uint8)
           for _ in range(10)]
    perception.reset()
    png = perception.analyze(image)
    assert len(png.tiles) == tiles
    perception.reset()
    got = perception.analyze(h264(raw, crf)[0])
    assert len(got.tiles) == tiles, [t.tile.bbox for t in got.tiles]
    for want in png.tiles:
        x, y, w, h = want.tile.bbox
        off = [max(abs(x - a), abs(y - b), abs(x + w - a - c), abs(y + h - b - d))
               for a, b, c, d in (t.tile.bbox for t in got.tiles)]
        assert min(off) <= SIDE_PX, (want.tile.bbox, [t.tile.bbox for t in got.tiles])
    return got


def test_a_galleries_rows_outranked_by_the_windows_chrome_are_still_fitted(perception):
    """real_test2.png (Zoom, 3 + 2 tiles centred, in its window with title bar and toolbar)
    at 720p as a recording: ten frames with camera noise (2 grey levels), H.264 CRF 30, the
    first keyframe. The gap cut stops at the window; the window's title bar, toolbar and the
    frame's edges are the frame's strongest lines, and the row layouts they make outranked
    the gallery's own (8th): no lattice held and the frame went to the faces fallback, two
    regions for five students, for the whole clip (a newcomer's sweep; before: 1 tile from
    the tile finder). Now the next row layouts are tried when none of the first holds
    (grid_fit._MORE_ROWS): the 5 tiles, each side within SIDE_PX of the PNG's."""
    _keyframe_at_720p_like_the_png(perception, "real_test2.png", 30, 5)


def test_a_pillarboxed_tile_beside_a_dark_gap_is_a_tile_for_its_face(perception):
    """real_test.png (Zoom, 2 x 2; the lower two cameras 4:3, pillarboxed in their 16:9
    tiles by black bars) at 720p as a recording: camera noise, H.264 CRF 36, the first
    keyframe. The codec blurs the bars into the dark gap and window: the lower right tile's
    left and right sides show no edge (evidence 0.09 and 0.17), the fitted lattice's place
    there was taken for background, and 3 tiles of 4 came back, its student's clear face
    in no tile (a newcomer's clip: 3 of 4 students for the whole recording). An empty
    place among the tiles that holds a sure face is a tile (gallery._fill_holes): the 4
    tiles, each side within SIDE_PX of the PNG's, each with its face."""
    got = _keyframe_at_720p_like_the_png(perception, "real_test.png", 36, 4)
    assert all(t.faces for t in got.tiles), [(t.tile.bbox, len(t.faces)) for t in got.tiles]


# ---------------------------------------------------------------- no shared data needed
def _dark_gallery(gap: int = 6, tile=(384, 216), margin: int = 10):
    """A 2 x 2 gallery of Zoom's dark UI: gap and margin 26, tiles 34 with a brighter
    middle (a card's name), gray uint8; and the tiles' true boxes."""
    tw, th = tile
    W, H = 2 * tw + gap + 2 * margin, 2 * th + gap + 2 * margin
    g = np.full((H, W), 26, np.uint8)
    boxes = []
    for j in range(2):
        for i in range(2):
            x, y = margin + i * (tw + gap), margin + j * (th + gap)
            g[y:y + th, x:x + tw] = 34
            g[y + th // 2 - 8:y + th // 2 + 8, x + tw // 3:x + 2 * tw // 3] = 200
            boxes.append((x, y, tw, th))
    return g, boxes


def test_cut_boxes_a_gap_too_wide_are_placed_on_the_tiles_edges():
    from classmood.detectors.grid_fit import Evidence
    from classmood.detectors.tiles import _snap_to_edges

    g, true = _dark_gallery()
    # as H.264 leaves it: the 8-level steps spread over a few pixels
    soft = cv2.GaussianBlur(g, (0, 0), 1.2)
    ev = Evidence(soft)
    # the cut's boxes as on screenshot.png at CRF 28: a 2 x 2 block split evenly, each box
    # taking in the gap beyond its right and bottom sides
    wide = [(x, y, w + 6, h + 6) for x, y, w, h in true]
    snapped = _snap_to_edges(wide, soft, ev, 1)
    for (x, y, w, h), (a, b, c, d) in zip(true, snapped):
        assert max(abs(x - a), abs(y - b), abs(x + w - a - c), abs(y + h - b - d)) <= 1, (true, snapped)
    # an exact box stays as it is
    assert _snap_to_edges(true, g, Evidence(g), 1) == true


def test_a_blurred_low_contrast_edge_counts_as_an_edge():
    from classmood.detectors.grid_fit import _soft_edge

    g, true = _dark_gallery()
    x, y, w, h = true[1]
    soft = cv2.GaussianBlur(g, (0, 0), 2.0)
    # the tile's right side (34 | 26) blurred over 5-6 px: a 1-px boundary's 2-pixel-sum
    # contrast stays under 0.6 of a clear edge there, the 4-pixel sums' does not
    row = soft[y + 20].astype(np.int32)
    one_px = max(abs(int(row[q] + row[q + 1] - row[q - 2] - row[q - 1])) for q in range(x + w - 3, x + w + 4))
    assert one_px / 12 < 0.6
    assert _soft_edge(soft, x + w, y + 20, y + h - 20, x, x + w, True) >= 0.6
    # inside a flat card there is none
    assert _soft_edge(soft, x + 40, y + 20, y + 60, x, x + w, True) == 0.0


def _pillarboxed_gallery(cols: int, rows: int, tile=(384, 216), gap: int = 6, n: int | None = None):
    """A Zoom gallery of ``cols`` x ``rows`` places on its dark UI (gap 26, tiles 34), each
    of its first ``n`` tiles (all: None) holding a 4:3 video pillarboxed in the middle
    (textured, 90-200), blurred as H.264 leaves thin steps (sigma 1.2); BGR uint8, and the
    tiles' true boxes."""
    rng = np.random.default_rng(0)
    tw, th = tile
    W, H = 1172, 698
    x0, y0 = (W - cols * tw - (cols - 1) * gap) // 2, (H - rows * th - (rows - 1) * gap) // 2
    g = np.full((H, W, 3), 26, np.uint8)
    boxes = []
    for r in range(rows):
        for c in range(cols):
            if n is not None and len(boxes) == n:
                break
            x, y = x0 + c * (tw + gap), y0 + r * (th + gap)
            g[y:y + th, x:x + tw] = 34
            vw = th * 4 // 3
            video = rng.integers(90, 200, (th // 8 + 1, vw // 8 + 1, 3)).astype(np.uint8)
            g[y:y + th, x + (tw - vw) // 2:x + (tw - vw) // 2 + vw] = cv2.resize(video, (vw, th))
            boxes.append((x, y, tw, th))
    return cv2.GaussianBlur(g, (0, 0), 1.2), boxes


def test_a_grid_fitted_to_pillarboxed_videos_is_spanned_over_the_cuts_box():
    # screenshot.png's first keyframe at CRF 36 (test_codec_recordings): the gap cut stopped
    # at the gallery's outer edge (one box) and the fit took the videos' edges for a 2 x 2
    # lattice of 336 px tiles for a 2 x 3 of 384; the lattice that fills the box is right
    from classmood.detectors.grid_fit import Evidence, GridFit, span_cut
    from classmood.types import Tile

    image, true = _pillarboxed_gallery(2, 3)
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    x0, y0 = true[0][:2]
    wrong = [(x0, y0, 336, 216), (x0 + 336, y0, 336, 216), (x0, y0 + 222, 336, 216), (x0 + 336, y0 + 222, 336, 216)]
    grid = GridFit(tuple(Tile(i, b) for i, b in enumerate(wrong)), (26, 26, 26), (336, 216))
    got = span_cut(image, gray, Evidence(gray), grid, (x0, y0, 2 * 384 + 6, 3 * 216 + 12), (1.15, 2.1))
    assert got is not None
    assert [t.bbox for t in got.tiles] == true


def test_a_partial_last_rows_empty_places_are_not_spanned():
    # a 3 x 3 gallery with 7 tiles: the cut's box holds two empty places of background
    from classmood.detectors.grid_fit import Evidence, GridFit, span_cut
    from classmood.types import Tile

    image, true = _pillarboxed_gallery(3, 3, tile=(320, 180), n=7)
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    grid = GridFit(tuple(Tile(i, b) for i, b in enumerate(true)), (26, 26, 26), (320, 180))
    assert span_cut(image, gray, Evidence(gray), grid, (*true[0][:2], 3 * 320 + 12, 3 * 180 + 12), (1.15, 2.1)) is None


def test_the_empty_places_among_a_grids_tiles():
    """gallery._holes: the place a lost tile leaves in a grid (an L of three tiles of a
    2 x 2), none where a gallery's last row is centred; a last row that stops short on the
    left leaves its empty places (a tile there only with a face: gallery._fill_holes)."""
    from classmood.detectors.gallery import _holes

    tw, th, g = 400, 225, 6
    at = lambda c, r, dx=0: (c * (tw + g) + dx, r * (th + g), tw, th)  # noqa: E731
    ell = np.array([at(0, 0), at(1, 0), at(0, 1)])
    assert _holes(ell) == [at(1, 1)]
    centred = np.array([at(0, 0), at(1, 0), at(2, 0), at(0, 1, (tw + g) // 2), at(1, 1, (tw + g) // 2)])
    assert _holes(centred) == []
    ended = np.array([at(0, 0), at(1, 0), at(2, 0), at(0, 1), at(1, 1)])
    assert _holes(ended) == [at(2, 1)]
