"""TileFinder on synthetic galleries (classmood.synth) whose tile boxes are exact.

Sweeps grid shapes 1x1..7x7 and non-square counts (centred last rows), the three
apps' looks (gaps, rounded corners, speaker borders), both themes, letterboxed
webcams, camera-off cards and photos, window chrome, and 640x400..3840x2160. Every
tile must be found (count exact) in reading order with IoU >= 0.9.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from classmood.detectors.tiles import TileFinder
from classmood.geometry import iou
from classmood.synth import load_portraits, make_gallery, random_gallery
from classmood.types import TileState

LOOKS = [(s, t) for s in ("zoom", "meet", "teams") for t in ("dark", "light")]
SIZES = [(1280, 720), (1920, 1080), (1366, 768), (2560, 1440), (3840, 2160)]
MIXED = (TileState.FACE, TileState.CAMERA_OFF, TileState.FACE, TileState.NO_FACE, TileState.PHOTO)


def assert_exact(finder: TileFinder, g) -> None:
    layout = finder.find_layout(g.image)
    what = (g.style, g.theme, g.grid, g.image.shape[1::-1], len(g.tiles))
    assert not layout.fallback or len(g.tiles) == 1, what
    found = [t.bbox for t in layout.tiles]
    assert len(found) == len(g.tiles), what
    for got, truth in zip(found, g.tiles):  # same reading order
        assert iou(got, truth.bbox) >= 0.9, (what, truth.index, got, truth.bbox)


@pytest.fixture(scope="module")
def finder() -> TileFinder:
    return TileFinder()


@pytest.fixture(scope="module")
def portraits(faces_dir):
    return load_portraits(faces_dir / "nimstim", limit=24)


@pytest.mark.parametrize("k", range(1, 8))
def test_square_grids_1x1_to_7x7(finder, portraits, k):
    n = k * k
    style, theme = LOOKS[k % len(LOOKS)]
    g = make_gallery(portraits, n, SIZES[k % len(SIZES)], style=style, theme=theme,
                     states=[MIXED[i % len(MIXED)] for i in range(n)], letterbox=0.3, seed=k)
    if n > 1:
        assert g.grid[0] * g.grid[1] >= n
    assert_exact(finder, g)


@pytest.mark.parametrize("n, look", list(zip([2, 3, 5, 7, 8, 11, 13, 17, 23, 29, 34, 43],
                                             itertools.cycle(LOOKS))))
def test_centred_last_rows(finder, portraits, n, look):
    g = make_gallery(portraits, n, (1920, 1080), style=look[0], theme=look[1], letterbox=0.3,
                     states=[MIXED[(i + n) % len(MIXED)] for i in range(n)], seed=100 + n)
    assert_exact(finder, g)


@pytest.mark.parametrize("size", [(640, 400), (1280, 720), (1920, 1080), (3840, 2160)])
@pytest.mark.parametrize("style, theme", LOOKS)
def test_sizes_styles_themes_with_chrome_and_speaker(finder, portraits, size, style, theme):
    n = 4 if size[0] < 1000 else 11
    g = make_gallery(portraits, n, size, style=style, theme=theme, chrome=True, active_speaker=n // 2,
                     letterbox=0.25, seed=size[0] + n)
    assert_exact(finder, g)


@pytest.mark.parametrize("letterbox", [0.0, 0.5, 1.0])
def test_letterboxed_tiles_keep_their_bars(finder, portraits, letterbox):
    """Bars are the card colour, a few grey levels off the gap: the box is the whole
    landscape tile, bars included."""
    g = make_gallery(portraits, 6, (1920, 1080), letterbox=letterbox, active_speaker=0, seed=5)
    assert_exact(finder, g)


def test_all_camera_off_cards(finder, portraits):
    g = make_gallery(portraits, 9, (1920, 1080), states=[TileState.CAMERA_OFF] * 9, seed=3)
    assert_exact(finder, g)


def test_random_galleries(finder, portraits):
    rng = np.random.default_rng(2024)
    for _ in range(20):
        assert_exact(finder, random_gallery(portraits, rng))


def test_works_without_shared_data(finder, grace):
    """matplotlib's bundled portrait is enough to build and read a gallery."""
    g = make_gallery([grace], 6, (1280, 720), seed=1)
    assert_exact(finder, g)


def test_tile_whose_edge_matches_the_gap_colour(finder, grace):
    """Dark clothes and floor along the bottom of tile 11 are within tolerance of Meet's gap
    (36, 33, 32): the gap cut drops that tile (19 of 20); the fitted grid finds all 20."""
    g = make_gallery([grace], 20, (1920, 1080), style="meet", seed=60)
    assert_exact(finder, g)
