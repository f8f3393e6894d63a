"""Meeting pages other than the gallery grid: speaker view (one large active-speaker
tile and a strip of small tiles) and screen sharing (a slide filling most of the
page and a filmstrip of small tiles), with the same tiles and ground truth as
:func:`~classmood.synth.gallery.make_gallery`."""

from __future__ import annotations

import math
from typing import Sequence

import cv2
import numpy as np

from ..geometry import BBox
from ..types import TileState
from .draw import FONT, FONT_BOLD, fit_text, put_text
from .gallery import _blank_page, _check_size, _plan_tiles, _tile_states
from .layout import tile_size
from .library import PortraitLibrary, library_or_temporary
from .looks import Look, look_of
from .names import tile_names
from .tiles import render_tile
from .truth import Color, SynthGallery

STRIPS = ("top", "right", "bottom")
"""Sides of the meeting area a strip of small tiles can run along."""
MAX_STRIP = 8
"""Most tiles in a strip (the apps page the rest)."""

_ASPECT = 16 / 9
_STRIP_W = 256  # strip tile width at 1080p before fitting the side (~230 px with 8 tiles)
_STRIP_SHARE = 0.2  # a strip takes at most this fraction of the area across its side


def _check(n_strip: int, lo: int, size: tuple[int, int], style: str, theme: str, strip: str) -> None:
    """Raise ValueError naming the first argument out of range."""
    if not lo <= n_strip <= MAX_STRIP:
        raise ValueError(f"n_strip must be in {lo}..{MAX_STRIP}, got {n_strip}")
    _check_size(size)
    look_of(style, theme)
    if strip not in STRIPS:
        raise ValueError(f"strip must be one of {STRIPS}, got {strip!r}")


def _strip_layout(n: int, area: BBox, gap: int, strip: str, u: float) -> tuple[list[BBox], BBox]:
    """Lay a strip of ``n`` equal 16:9 tiles along the ``strip`` side of ``area``.

    The tiles are :data:`_STRIP_W` (1080p) wide unless the side is too short for
    ``n`` of them (then as large as fits) or the strip would take more than
    :data:`_STRIP_SHARE` of the area across it; ``gap`` pixels apart and centred
    along the side. Returns the tile boxes in reading order and the rest of the
    area (beyond one more gap), where the main content goes.

    Raises:
        ValueError: tiles under 8 pixels, or no room left for the content.
    """
    ax, ay, aw, ah = area
    if n == 0:
        return [], area
    base_w = _STRIP_W * u
    if strip == "right":
        tw, th = tile_size(n, 1, min(base_w, aw * _STRIP_SHARE), ah, _ASPECT, gap)
    else:
        tw, th = tile_size(1, n, aw, min(base_w / _ASPECT, ah * _STRIP_SHARE), _ASPECT, gap)
    if tw < 8 or th < 8:
        raise ValueError(f"{n} strip tiles do not fit in a {aw}x{ah} area")
    boxes: list[BBox]
    if strip == "right":
        x = ax + aw - tw
        y0 = ay + (ah - (n * th + (n - 1) * gap)) // 2
        boxes = [(x, y0 + i * (th + gap), tw, th) for i in range(n)]
        rest = (ax, ay, aw - tw - gap, ah)
    else:
        y = ay if strip == "top" else ay + ah - th
        x0 = ax + (aw - (n * tw + (n - 1) * gap)) // 2
        boxes = [(x0 + i * (tw + gap), y, tw, th) for i in range(n)]
        rest = (ax, ay + th + gap if strip == "top" else ay, aw, ah - th - gap)
    return boxes, rest


def _fit_16_9(rest: BBox) -> BBox:
    """The largest 16:9 rectangle centred in ``rest`` (ValueError when under 8 px)."""
    rx, ry, rw, rh = rest
    w = math.floor(min(rw, rh * _ASPECT))
    h = min(rh, round(w / _ASPECT))
    if w < 8 or h < 8:
        raise ValueError(f"no room for the main content in a {rw}x{rh} area")
    return (rx + (rw - w) // 2, ry + (rh - h) // 2, w, h)


def _page(size: tuple[int, int], style: str, theme: str) -> tuple[Look, float, np.ndarray, int, BBox]:
    """The look, scale ``u``, blank page, gap and meeting area (as make_gallery, no chrome)."""
    look, u, image, gap = _blank_page(size, style, theme)
    W, H = size
    return look, u, image, gap, (gap, gap, W - 2 * gap, H - 2 * gap)


def _strip_grid(n: int, strip: str) -> tuple[int, int]:
    """(rows, cols) of a strip of ``n`` tiles; (0, 0) for no strip."""
    if n == 0:
        return (0, 0)
    return (n, 1) if strip == "right" else (1, n)


def make_speaker_view(
    portraits: Sequence[np.ndarray],
    n_strip: int,
    size: tuple[int, int] = (1920, 1080),
    *,
    style: str = "zoom",
    theme: str = "dark",
    strip: str = "top",
    states: Sequence[TileState | str] | None = None,
    seed: int = 0,
    library: PortraitLibrary | None = None,
) -> SynthGallery:
    """Render a speaker-view screenshot and its ground truth.

    As Zoom and Meet draw speaker view: one large 16:9 active-speaker tile
    filling most of the meeting area, centred in what the strip leaves, and a
    strip of ``n_strip`` small equal 16:9 tiles (about 230-256 px wide at 1080p)
    centred along one side, the app's gap between them. Tiles are drawn exactly
    as in the gallery (names, camera-off cards, photos); no tile has the
    active-speaker border.

    Args:
        portraits: as for :func:`~classmood.synth.gallery.make_gallery`.
        n_strip: small tiles in the strip, 0..:data:`MAX_STRIP` (0: the speaker
            alone).
        size: ``(width, height)`` of the screenshot in pixels.
        style: the app, one of :data:`~classmood.synth.looks.STYLES`.
        theme: one of :data:`~classmood.synth.looks.THEMES`.
        strip: the side the strip runs along, one of :data:`STRIPS`
            (``"top"``, ``"right"``, ``"bottom"``).
        states: each tile's :class:`~classmood.types.TileState` (or its value),
            ``n_strip + 1`` of them: the large tile first, then the strip in
            reading order; all ``face`` when None.
        seed: fixes every random choice: the same arguments and seed give the
            same pixels and ground truth.
        library: finds and remembers the portraits' faces and mattes (share one
            across calls to analyse each portrait once); None: a temporary one.

    Returns:
        The screenshot (BGR uint8, shape (height, width, 3)) and its ground
        truth: ``tiles`` holds the speaker tile (index 0) then the strip tiles
        (left to right, or top to bottom for a right strip); ``grid`` is the
        strip's ``(1, n_strip)`` (top/bottom) or ``(n_strip, 1)`` (right), the
        speaker tile not counted, ``(0, 0)`` without a strip; ``area``, ``gap``
        and ``bg`` as for ``make_gallery``.

    Raises:
        ValueError: an argument out of range (``n_strip``, ``size``, ``style``,
            ``theme``, ``strip``, ``states`` of the wrong length), or face/photo
            tiles and no portrait with a detectable face.
        InputError: an entry of ``portraits`` is not an image array.
    """
    _check(n_strip, 0, size, style, theme, strip)
    return _strip_page(portraits, n_strip, size, style, theme, strip, states, seed, library, speaker=True)


def make_filmstrip_share(
    portraits: Sequence[np.ndarray],
    n_strip: int,
    size: tuple[int, int] = (1920, 1080),
    *,
    style: str = "zoom",
    theme: str = "dark",
    strip: str = "right",
    states: Sequence[TileState | str] | None = None,
    seed: int = 0,
    library: PortraitLibrary | None = None,
) -> SynthGallery:
    """Render a screen-sharing screenshot (a slide and a filmstrip) and its ground truth.

    As the apps show a shared screen: the shared content, a 16:9 slide (light
    background, a coloured title bar, bullet lines of text and a couple of flat
    charts; no people), largest-fit and centred in what the strip leaves, and a
    filmstrip of ``n_strip`` small equal 16:9 tiles centred along one side, laid
    out and drawn as in :func:`make_speaker_view`. The slide is not a tile.

    Args:
        portraits: as for :func:`~classmood.synth.gallery.make_gallery`.
        n_strip: tiles in the filmstrip, 1..:data:`MAX_STRIP`.
        size: ``(width, height)`` of the screenshot in pixels.
        style: the app, one of :data:`~classmood.synth.looks.STYLES`.
        theme: one of :data:`~classmood.synth.looks.THEMES`.
        strip: the side the filmstrip runs along, one of :data:`STRIPS`.
        states: each strip tile's :class:`~classmood.types.TileState` (or its
            value), in reading order; all ``face`` when None.
        seed: fixes every random choice: the same arguments and seed give the
            same pixels and ground truth.
        library: finds and remembers the portraits' faces and mattes (share one
            across calls to analyse each portrait once); None: a temporary one.

    Returns:
        The screenshot (BGR uint8, shape (height, width, 3)) and its ground
        truth: ``tiles`` holds only the filmstrip tiles (left to right, or top
        to bottom for a right strip); ``grid`` is ``(1, n_strip)`` (top/bottom)
        or ``(n_strip, 1)`` (right); ``area``, ``gap`` and ``bg`` as for
        ``make_gallery`` (the slide is drawn on ``bg`` inside ``area``).

    Raises:
        ValueError: an argument out of range (``n_strip``, ``size``, ``style``,
            ``theme``, ``strip``, ``states`` of the wrong length), or face/photo
            tiles and no portrait with a detectable face.
        InputError: an entry of ``portraits`` is not an image array.
    """
    _check(n_strip, 1, size, style, theme, strip)
    return _strip_page(portraits, n_strip, size, style, theme, strip, states, seed, library, speaker=False)


def _strip_page(portraits: Sequence[np.ndarray], n_strip: int, size: tuple[int, int], style: str, theme: str,
                strip: str, states: Sequence[TileState | str] | None, seed: int,
                library: PortraitLibrary | None, speaker: bool) -> SynthGallery:
    """A strip of small tiles and, in what it leaves, a 16:9 main box: the speaker's tile
    (``speaker``, the first tile) or a slide (no tile); arguments as for the callers,
    already checked."""
    n = n_strip + int(speaker)
    st = _tile_states(states, n)
    rng = np.random.default_rng(seed)
    labels = tile_names(None, n, rng)
    look, u, image, gap, area = _page(size, style, theme)
    boxes, rest = _strip_layout(n_strip, area, gap, strip, u)
    main = _fit_16_9(rest)
    if speaker:
        boxes = [main] + boxes
    with library_or_temporary(library) as lib:
        plans = _plan_tiles(lib, portraits, boxes, st, labels, 0.0, 0.0, None, rng)
    if not speaker:
        sx, sy, sw, sh = main
        image[sy : sy + sh, sx : sx + sw] = _slide(sw, sh, np.random.default_rng([seed, 1]))
    tiles = tuple(render_tile(image, p, look, u, rng) for p in plans)
    return SynthGallery(image=image, tiles=tiles, style=style, theme=theme, grid=_strip_grid(n_strip, strip),
                        area=area, gap=gap, bg=look.bg)


# -- the shared slide ------------------------------------------------------------------
_SLIDE_BG: tuple[Color, ...] = ((255, 255, 255), (250, 250, 250), (246, 242, 238), (238, 246, 250))
_TITLE_BAR: tuple[Color, ...] = ((120, 70, 30), (60, 60, 60), (50, 110, 40), (40, 60, 150), (110, 50, 100))
_CHART: tuple[Color, ...] = ((200, 120, 40), (60, 150, 240), (70, 170, 90), (60, 60, 200), (170, 100, 150),
                             (40, 190, 220))
_TITLES = ("Fractions and Decimals", "The Water Cycle", "Photosynthesis", "Chapter 4: Forces",
           "Essay Structure", "World War I: Causes", "Linear Equations", "Cells and Tissues",
           "Homework Review", "Climate Zones", "Probability Basics", "Reading Strategies")
_WORDS = ("energy", "plants", "compare", "example", "results", "water", "the", "of", "and", "a", "graph",
          "measure", "each", "group", "solve", "step", "equation", "answer", "notes", "key", "idea",
          "evidence", "data", "table", "summary", "question", "value", "change", "total", "average",
          "write", "read", "page", "unit", "test", "review", "model", "speed", "time", "class")


def _slide(w: int, h: int, rng: np.random.Generator) -> np.ndarray:
    """A presentation slide, ``w`` x ``h`` BGR uint8: light background, a coloured
    title bar with a title, bullet lines on the left, a bar chart and a pie or
    line chart on the right, a page number. Flat OpenCV drawing, no people."""
    img = np.empty((h, w, 3), np.uint8)
    img[:] = _SLIDE_BG[int(rng.integers(len(_SLIDE_BG)))]
    bar_h = max(6, round(h * rng.uniform(0.12, 0.16)))
    img[:bar_h] = _TITLE_BAR[int(rng.integers(len(_TITLE_BAR)))]
    px = bar_h * 0.38
    title = fit_text(str(rng.choice(_TITLES)), int(w * 0.9), px, FONT_BOLD, 2)
    if title:
        put_text(img, title, round(w * 0.04), round(bar_h / 2 + px / 2), px, (255, 255, 255), FONT_BOLD,
                 max(1, round(px / 14)))
    text_px = max(4.0, h * 0.028)
    ink: Color = (50, 50, 50)
    line_h = text_px * 2.4
    y = bar_h + line_h * 1.2
    left_w = int(w * 0.5)
    for _ in range(int(rng.integers(4, 7))):
        if y > h * 0.9:
            break
        cv2.circle(img, (round(w * 0.05), round(y - text_px / 2)), max(1, round(text_px * 0.25)), ink, -1,
                   cv2.LINE_AA)
        words = " ".join(str(rng.choice(_WORDS)) for _ in range(int(rng.integers(3, 8)))).capitalize()
        text = fit_text(words, left_w - round(w * 0.08), text_px)
        if text:
            put_text(img, text, round(w * 0.075), round(y), text_px, ink)
        y += line_h
    # charts in the right half: a bar chart on top, a pie or line chart below
    x0, x1 = round(w * 0.57), round(w * 0.95)
    cy0, cy1 = bar_h + round(h * 0.06), bar_h + round((h - bar_h) * 0.5)
    colors = [_CHART[int(k)] for k in rng.permutation(len(_CHART))]
    n = int(rng.integers(3, 7))
    slot = (x1 - x0) / n
    for i in range(n):
        top = round(cy1 - (cy1 - cy0) * rng.uniform(0.2, 1.0))
        bx = round(x0 + i * slot + slot * 0.15)
        cv2.rectangle(img, (bx, top), (max(bx, round(x0 + (i + 1) * slot - slot * 0.15)), cy1), colors[i % 3], -1)
    cv2.line(img, (x0, cy1), (x1, cy1), ink, max(1, round(h * 0.003)))
    cv2.line(img, (x0, cy0), (x0, cy1), ink, max(1, round(h * 0.003)))
    py0, py1 = cy1 + round(h * 0.06), round(h * 0.92)
    if py1 - py0 > 8:
        if rng.random() < 0.5:
            r = (py1 - py0) // 2
            c = ((x0 + x1) // 2, (py0 + py1) // 2)
            cuts = np.sort(rng.uniform(0, 360, 3))
            starts = np.concatenate([[0.0], cuts])
            ends = np.concatenate([cuts, [360.0]])
            for k, (a0, a1) in enumerate(zip(starts, ends)):
                cv2.ellipse(img, c, (r, r), -90, float(a0), float(a1), colors[(3 + k) % len(colors)], -1, cv2.LINE_AA)
        else:
            xs = np.linspace(x0, x1, int(rng.integers(5, 9)))
            ys = py1 - (py1 - py0) * rng.uniform(0.1, 0.95, len(xs))
            pts = np.stack([xs, ys], 1).round().astype(np.int32)
            cv2.line(img, (x0, py1), (x1, py1), ink, max(1, round(h * 0.003)))
            cv2.polylines(img, [pts], False, colors[3], max(1, round(h * 0.006)), cv2.LINE_AA)
            for p in pts:
                cv2.circle(img, (int(p[0]), int(p[1])), max(2, round(h * 0.008)), colors[4], -1, cv2.LINE_AA)
    num_px = max(4.0, h * 0.02)
    put_text(img, str(int(rng.integers(2, 30))), round(w * 0.95), round(h * 0.97), num_px, (140, 140, 140), FONT)
    return img
