"""Grid fit: a regular grid of equal tiles fitted to the straight edges between tiles.

The tile finder's second path (``Layout.method == "grid"``, see
:mod:`classmood.detectors.tiles`). A re-compressed (JPEG), rescaled or softened frame
has no exact, flat gap pixels: the gap-colour cut then finds no grid, one tile, some of
the tiles, merged blocks or slices. The frame is then read for evidence that survives
JPEG, blur and scaling, at work scale (<= 1400 x 1000, INTER_AREA):

* **Straight edges.** For every boundary between two pixel columns (rows), the contrast of
  the 2-pixel sums on its two sides, clipped to +-6 grey levels, summed along any segment
  in O(1) from one integral image; the evidence of a tile side is |sum| / (6 x length):
  1 when one edge of one sign runs its whole length, near 0 for texture and noise (they
  cancel). A gap gives a pair of such edges; an 8-level border (Zoom's letterbox bars on
  its gap) still counts fully after JPEG q50, a 3x3 blur or bicubic scaling.
* **Tolerant gap colour.** The background grey level, its tolerance learnt from the frame
  (the width of its histogram peak: noise and JPEG spread), chosen among the main grey
  levels as the one whose region spans the frame and lies beside the strongest lines.
* **Regular grid.** Rows are regular 1-D layouts (start, tile height, pitch, count) of the
  horizontal-edge profile; columns likewise from the vertical edges of their full rows,
  with the tile's w/h in ``grid_aspect`` (4:3 to beyond 16:9). Every R x C grid (up to
  7 x 7) with a last row of 1..C tiles, centred or from the left, is scored at once; a
  grid is kept only when every tile is at least okay, 3 in 4 are strong, lines shared by
  tiles are strong on average, the tiles are not blocks of a finer grid (a table), cover
  enough of the frame and stand on their background (:class:`_GridRules`). Sides are
  then placed again at full resolution, never across a gap, a speaker frame included.
* **A window over the gallery.** A dialog, a poll, another app's window or a self-view
  picture-in-picture lying over some tiles hides their sides and the gaps between them:
  when no grid holds everywhere, a lattice whose failing tiles all lie under one
  straight-edged rectangle, and that holds where it is seen, is kept with every tile,
  the rectangle named as covering them (:func:`foreign_window`, :attr:`GridFit.covered`).
* **Cut by the frame.** A region picked a few pixels inside the gallery cuts its outer
  tiles: an outer row or column may be cut by up to :data:`_CLIP` of a tile (scored
  less in proportion, :data:`_CLIP_COST`) and comes back clipped to the frame.

The tile finder (:class:`classmood.detectors.tiles.TileFinder`) calls :func:`cut_is_whole`,
:func:`fit_grid` and :func:`explains_more` on one frame's :class:`Evidence`. Boxes of the
gap cut come in as plain (x, y, w, h) tuples at the cut's scale (``step``).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..geometry import iou
from ..types import Tile

# The second path (issue 16): re-compressed, rescaled or softened frames have no exact,
# flat gap pixels, and the gap-colour cut (tiles.py) finds one tile. A regular grid is fitted instead to
# evidence that survives JPEG, blur and scaling: straight edges. Numbers below were
# measured on the 10 shared real Zoom screenshots (PNG, and JPEG at quality 90 and 50)
# and on synthetic galleries (classmood.synth) re-encoded, resized and blurred.

Colour = tuple[int, int, int]
Box = tuple[int, int, int, int]
"""A box (x, y, w, h) in pixels."""


@dataclass(frozen=True)
class GridFit:
    """A fitted grid at full resolution (frame pixels)."""

    tiles: tuple[Tile, ...]
    """Its tiles in reading order."""
    gap_colour: Colour | None
    """The gap colour, BGR (None when no background was found)."""
    tile_size: tuple[int, int]
    """The tile size (w, h)."""
    covered: tuple[Box, ...] = ()
    """Foreign windows (x, y, w, h) lying over some of the tiles (a dialog, a poll,
    another app's window, a self-view picture-in-picture: :func:`foreign_window`); the
    lattice holds where it is seen and keeps the tiles under them. Empty when every tile
    is seen."""

_EDGE_SAT = 12
"""A boundary's contrast is the difference of the 2-pixel sums on its two sides, clipped
to +-_EDGE_SAT: a step of 6 grey levels or more counts fully. The faintest tile border
in the real screenshots is Zoom's letterbox bar (34) on its gap (26): 8 levels, 16 here,
still 13 after a 3x3 blur; JPEG noise in flat areas is 1-2 levels."""

_WORK_SIZE = (1400, 1000)
"""Frames larger than this are shrunk by an integer factor (INTER_AREA) for the search:
1080p and 1440p to half, 4K to a third. Gaps of 6 px at 1080p stay 3 px; borders are
placed again at full resolution at the end."""

_MAX_SIDE = 7  # Zoom, Meet and Teams show at most 7 x 7 tiles per page

_FRAME_EDGE = 0.5
"""Edge evidence of a tile side lying on the frame's edge (nothing to see there)."""
_SIDE_PARTS = 4
"""A tile side's evidence is taken in this many equal parts, each part's sign on its own
(as the whole-frame profiles, in 16): where two videos touch with no gap between them,
the boundary is brighter on one side here and on the other there, and one signed sum
over the whole side cancels (touching tiles re-laid from synthetic galleries: side
evidence 0.23-0.62 in one part, 0.69-0.91 in 8; tiles found 24/36 -> 35/36 with a margin
around the grid). Texture still mostly cancels within a part (30-120 px at work scale);
in 8 parts, a shared browser's tab bar under a filmstrip at 0.5x read as a second row of
tiles (8 parts: synthetic touching galleries 288/288, 4: 284/288)."""
_OVERHANG = 2
"""A regular grid flush with the frame may end up to this many pixels past it at work
scale: its tile size and pitch are whole and quarter pixels, the frame's tiles fractions
after INTER_AREA shrinking (a 4 x 3 gallery filling 1572 px shrinks to 196.5 px tiles)."""

_CLIP = 0.15
"""The frame's edge may cut up to this share of an outer row's or column's tile length
off (a region picked by hand a few pixels inside the gallery, a window scrolled or
partly off the screen): such a tile is taken as the grid's, clipped to the frame. The
cut side lies on the frame's edge (a frame side, as for a grid flush with the frame). A
region picked 3-6 px inside the grid of 10 real galleries clipped 2-5% off the outer
tiles; the partial last row of a 5 x 5 Zoom gallery cut 3 px was lost."""

_CLIP_COST = 0.5
"""A tile cut by the frame scores this much less when cut by the most :data:`_CLIP`
allows (in proportion below): its cut side, on the frame's edge, shows nothing, and a
letterboxed video's edge a bar's width inside a tile made a grid with 54 px "gaps" and
its first tile cut by 52 px outscore the right one, cut by 3 (a 3 x 2 Zoom gallery)."""


def _cut_reach(length) -> np.ndarray:
    """How far past the frame's edge a tile of ``length`` may reach (pixels): rounding
    (:data:`_OVERHANG`), or a cut of up to :data:`_CLIP` of it, whichever is more."""
    return np.maximum(_OVERHANG, np.floor(_CLIP * np.asarray(length, np.float64)))


def _cut_share(start, end, size: int, length) -> np.ndarray:
    """How much of a tile [start, end) the frame [0, size] cuts off beyond rounding
    (:data:`_OVERHANG`), as a share of :data:`_CLIP` x ``length`` (0: none, 1: the most
    allowed)."""
    cut = np.maximum(0, -np.asarray(start) - _OVERHANG) + np.maximum(0, np.asarray(end) - size - _OVERHANG)
    return cut / np.maximum(1.0, _CLIP * np.asarray(length, np.float64))


_INTERIOR_AT = np.linspace(0.2, 0.8, 121)
"""Where lines across a box are looked for (:meth:`Evidence.interior`): 121 places from
20% to 80% of its width or height."""

_BAR_FLAT = 6.0
"""A letterbox or pillarbox bar's grey levels spread under this (standard deviation of
its inner 80%): flat colour plus JPEG or H.264 noise (1-3); a table's cells with text,
or video, spread more."""

_BAND_LINE = 0.7
"""A straight line along this share of a row's length (one sign, :meth:`Evidence.banded`)
makes the row one picture, not tiles."""
_PICTURED = 4.0
"""A box of the grid holds something (a video, or a card's avatar, initials, photo or
name) when the grey levels of its inner 80% spread at least this much (standard
deviation); an empty place of flat background spreads 0-2 (JPEG q50 included). Cards
drawn by classmood.synth at 1600x900: Teams light initials 7.7-11, every other card and
photo 10-49."""

PLACE_SIDE = 0.6
"""A place of a lattice or grid with no tile found there holds one when two of its sides
or more are straight lines at least this strong (as a face region's snapped side,
``face_layout.SIDE_LEVEL``)..."""
PLACE_SIDES = 0.5
"""...its four sides this on average (a Teams tile with a dialog over its top border:
0.6, that side 0.23; a tile's sides on a dark gap beside dark video 0.52; touching
videos of pale walls at 0.8x: 0.59, two sides 0.29-0.30)..."""
PLACE_TEXTURE = 8.0
"""...and the grey levels inside it (its inner 80%) spread at least this much (standard
deviation): below, it is flat background, not a tile (a gallery's unfilled last places)."""


@dataclass(frozen=True)
class _GridRules:
    """Acceptance thresholds of the grid fit (see :func:`fit_grid`).

    A tile side's evidence is the share of its length showing one straight edge of one
    sign (0..1, :class:`Evidence`); its fill, the share of the lines just inside it that
    are not background (:meth:`Evidence.fills`). Measured on the 10 real Zoom
    screenshots (PNG and JPEG q50), true tiles score: mean of the 4 sides >= 0.64, second
    weakest side >= 0.62 (5th percentile 0.78); one side can be weak where dark video
    meets a dark gap (0.14 at worst), and dark clothes make up to 56% of a bottom strip
    background-like. Blocks cut out of video by a wrong grid have two weak sides (second
    weakest < 0.3); a box that takes in a gap or a margin has a side strip ~100%
    background. A tile is *strong* with mean >= ``strong_mean``, second weakest side >=
    ``strong_second`` and every side's fill >= ``fill``; *okay* with its second weakest
    side >= ``okay_second`` and all but one side's fill >= ``fill``.
    """

    strong_mean: float = 0.6
    strong_second: float = 0.45
    okay_second: float = 0.3
    fill: float = 0.3
    strong_share: float = 0.75  # at least 3 tiles in 4 strong; all the others okay
    line_mean: float = 0.55  # a grid line shared by >= 2 tiles: its mean side evidence
    score_offset: float = 0.5  # a tile adds (mean evidence - 0.5): weak tiles cost
    compound_share: float = 0.6  # the same interior line in this share of tiles: a table
    compound_level: float = 0.5
    cover_min: float = 0.08
    cover_tiles: float = 0.4
    """The tiles cover at least max(cover_min, cover_tiles / n) of the frame (n tiles: 20%
    for 2, 10% for 4). A gallery fills its meeting area: on the shared real screenshots
    gallery tiles cover 30% of the frame or more, a 4-tile dock 12%; buttons, browser tabs
    or a textured wall taken for 2-4 "tiles" cover under 8%. (A filmstrip, 5%, is left to
    the gap cut.)"""


_GRID_RULES = _GridRules()


def _inside(box, w: int, h: int) -> bool:
    """Whether a box ``(x, y, w, h)`` lies inside a ``w`` x ``h`` frame."""
    return box[0] >= 0 and box[1] >= 0 and box[0] + box[2] <= w and box[1] + box[3] <= h


def _clip_to(boxes: np.ndarray, w: int, h: int) -> np.ndarray:
    """Boxes (n, 4) of (x, y, w, h) cut to the frame [0, w] x [0, h] (an outer tile cut
    by the frame's edge: _CLIP)."""
    x0, y0 = np.maximum(boxes[:, 0], 0), np.maximum(boxes[:, 1], 0)
    x1 = np.minimum(boxes[:, 0] + boxes[:, 2], w)
    y1 = np.minimum(boxes[:, 1] + boxes[:, 3], h)
    return np.stack([x0, y0, x1 - x0, y1 - y0], axis=1)


def _rows_of(boxes: np.ndarray, tol: float) -> list[list[int]]:
    """The rows of boxes (x, y, w, h), top to bottom, as lists of indices into ``boxes``:
    a box joins a row when its vertical centre lies within ``tol`` of the centre of the
    row's first box (boxes taken by their centres, top first)."""
    cy = boxes[:, 1] + boxes[:, 3] / 2
    rows: list[list[int]] = []
    for i in np.argsort(cy, kind="stable").tolist():
        if rows and abs(cy[i] - cy[rows[-1][0]]) <= tol:
            rows[-1].append(i)
        else:
            rows.append([i])
    return rows


def _strongest(parts: np.ndarray, k: int) -> np.ndarray:
    """Per column of ``parts`` (segments, n), the mean of its ``k`` largest values."""
    return np.partition(parts, parts.shape[0] - k, axis=0)[parts.shape[0] - k:].mean(axis=0)


def _clamp(a, lo, hi):
    """np.clip without its Python-level overhead (this runs on many small arrays)."""
    if hi is None:
        return np.maximum(a, lo)
    return np.minimum(np.maximum(a, lo), hi)


class Evidence:
    """Straight-edge and background evidence of one frame, at work scale.

    ``ix``/``iy``: integral images of the signed contrast (+ _EDGE_SAT) of the vertical
    boundaries (between columns x-1 and x) and of the horizontal ones; :meth:`vseg` and
    :meth:`hseg` sum any boundary segment in O(1). The evidence of a boundary segment is
    |sum| / (_EDGE_SAT * length): edges of one sign along the whole segment give 1,
    texture and noise cancel out; a tile side's is taken in :data:`_SIDE_PARTS` parts,
    each with its own sign (two videos touching with no gap between them). ``bg``,
    ``tol``, ``S``: the background grey level, its tolerance and the integral image of its
    mask (:func:`_background`).
    """

    def __init__(self, gray_full: np.ndarray) -> None:
        H, W = gray_full.shape
        f = max(1, int(np.ceil(max(W / _WORK_SIZE[0], H / _WORK_SIZE[1]))))
        gray = gray_full
        if f > 1:
            gray = cv2.resize(gray_full, (W // f, H // f), interpolation=cv2.INTER_AREA)
        self.f = f
        self.gray = gray
        self.gray_full = gray_full
        h, w = gray.shape
        self.h, self.w = h, w
        # contrast of the boundary between x-1 and x: g[x] + g[x+1] - g[x-2] - g[x-1],
        # clipped to +-_EDGE_SAT and stored + _EDGE_SAT as uint8 (OpenCV, few large
        # temporaries), so that one integral image sums any boundary segment
        k = np.array([[-1, -1, 1, 1]], np.float32)
        pad = cv2.copyMakeBorder(gray, 0, 1, 0, 1, cv2.BORDER_REPLICATE)
        bx = cv2.filter2D(pad[:h], cv2.CV_8U, k, anchor=(2, 0), delta=_EDGE_SAT)  # (h, w + 1)
        by = cv2.filter2D(pad[:, :w], cv2.CV_8U, k.T, anchor=(0, 2), delta=_EDGE_SAT)  # (h + 1, w)
        cv2.min(bx, 2 * _EDGE_SAT, dst=bx)
        cv2.min(by, 2 * _EDGE_SAT, dst=by)
        bx[:, :2] = bx[:, w - 1 :] = _EDGE_SAT  # no boundary evidence at the frame's edges
        by[:2] = by[h - 1 :] = _EDGE_SAT
        self.ix = cv2.integral(bx, sdepth=cv2.CV_32S)  # (h + 1, w + 2)
        self.iy = cv2.integral(by, sdepth=cv2.CV_32S)  # (h + 2, w + 1)
        # whole-frame profiles in 16 segments each: a border's sign may differ from tile
        # to tile (a speaker frame is brighter than the video inside it)
        self.row_prof = self.row_profile(0, w, 16)
        self.col_prof = self.col_profile(0, h, 16)
        self.bg, self.tol, self.S = _background(gray, self.row_prof, self.col_prof)
        self._sums: tuple[np.ndarray, np.ndarray] | None = None  # integral2, when texture is asked

    def vseg(self, y0, y1, x):
        """Summed contrast of the vertical boundary at x over rows [y0, y1) (arrays
        broadcast)."""
        ix = self.ix
        return (ix[y1, x + 1] - ix[y1, x]) - (ix[y0, x + 1] - ix[y0, x]) - _EDGE_SAT * (y1 - y0)

    def hseg(self, x0, x1, y):
        """Summed contrast of the horizontal boundary at y over columns [x0, x1)."""
        iy = self.iy
        return (iy[y + 1, x1] - iy[y, x1]) - (iy[y + 1, x0] - iy[y, x0]) - _EDGE_SAT * (x1 - x0)

    def col_profile(self, y0: int, y1: int, segments: int = 1, seen: int | None = None) -> np.ndarray:
        """Evidence of a vertical boundary at every x in [0, w], over rows [y0, y1), the
        rows cut in ``segments`` parts (each part's sign counts on its own); with
        ``seen``, the mean over the ``seen`` strongest parts only (a line hidden in part
        by a window lying over it: :func:`foreign_window`)."""
        ys = np.linspace(y0, y1, segments + 1).round().astype(np.int64)
        c = np.diff(self.ix[ys], axis=1)  # per listed row, the cumulative column sums
        d = np.abs(np.diff(c, axis=0) - _EDGE_SAT * np.diff(ys)[:, None])
        if seen is not None and seen < segments:
            return _strongest(d / (_EDGE_SAT * np.maximum(1, np.diff(ys)))[:, None], seen)
        return d.sum(axis=0) / float(_EDGE_SAT * max(1, y1 - y0))

    def row_profile(self, x0: int, x1: int, segments: int = 1, seen: int | None = None) -> np.ndarray:
        """Evidence of a horizontal boundary at every y in [0, h], over columns [x0, x1)
        (``seen``: as :meth:`col_profile`)."""
        xs = np.linspace(x0, x1, segments + 1).round().astype(np.int64)
        c = np.diff(self.iy[:, xs], axis=0)
        d = np.abs(np.diff(c, axis=1) - _EDGE_SAT * np.diff(xs)[None, :])
        if seen is not None and seen < segments:
            return _strongest((d / (_EDGE_SAT * np.maximum(1, np.diff(xs)))[None, :]).T, seen)
        return d.sum(axis=1) / float(_EDGE_SAT * max(1, x1 - x0))

    def surrounded(self, grid: np.ndarray, ignore: Box | None = None) -> bool:
        """Whether the grid stands on its background: just outside each side of its
        bounding box (on one of the lines up to 8 px out at full scale: a speaker frame
        may lie outside the regular box) nearly half the pixels or more (0.45) are within
        max(6, 2 x tolerance) grey levels of the frame's background, of the grid's gap
        colour (the commonest level between its tiles) or of its margin's (the commonest
        level just outside it, off the frame's edge on two sides or more), unless that
        side lies on the frame's edge. A gallery's margin and gaps are one colour around its tiles; a "grid" cut
        out of a larger picture (blocks of one big video, parts of a dock of thumbnails)
        has video around it. ``ignore``: a foreign window (x, y, w, h) over the grid
        (:func:`foreign_window`): its pixels are none of these and are left out."""
        g = self.gray
        if ignore is not None:
            keep = np.ones(g.shape, bool)
            keep[max(0, ignore[1]):ignore[1] + ignore[3], max(0, ignore[0]):ignore[0] + ignore[2]] = False
        # the grid's own gap colour: the median of the pixels between neighbouring tiles
        # (the frame's background estimate where the grid has no gaps)
        between = []
        order = np.lexsort((grid[:, 0], grid[:, 1]))
        for i, j in zip(order[:-1].tolist(), order[1:].tolist()):
            a, b = grid[i], grid[j]
            if abs(a[1] - b[1]) <= a[3] // 4 and b[0] - (a[0] + a[2]) >= 2:  # same row
                between.append(g[a[1] + a[3] // 4 : a[1] + 3 * a[3] // 4, a[0] + a[2] + 1 : b[0] - 1].ravel())
        for a in grid.tolist():  # below each tile, down to the next row
            below = [b for b in grid.tolist()
                     if abs(b[0] - a[0]) <= a[2] // 4 and 2 <= b[1] - (a[1] + a[3]) < a[3]]
            if below:
                b = below[0]
                between.append(g[a[1] + a[3] + 1 : b[1] - 1, a[0] + a[2] // 4 : a[0] + 3 * a[2] // 4].ravel())
        px = np.concatenate(between) if between else np.zeros(0, np.uint8)
        colours = [] if self.bg is None else [float(self.bg)]
        if px.size >= 8:
            # the gaps' one colour: the commonest grey level (within +-2), not the median,
            # which gaps of 1-3 px sampled a pixel off take into the tiles (a 5x5 web
            # gallery at JPEG q90, 1 px gaps and margin at grey 17: median 34-44, the
            # margin no match, its grid refused and a 24-tile one taken; commonest 12)
            hist = np.convolve(np.bincount(px, minlength=256), np.ones(5), mode="same")
            colours.append(float(np.argmax(hist)))
        t = max(6, 2 * self.tol)  # looser than the mask: JPEG rings here
        reach = 1 + int(round(8 / self.f))  # a speaker frame (6 px at 1080p) may lie outside
        x0, y0 = int(grid[:, 0].min()), int(grid[:, 1].min())
        x1, y1 = int((grid[:, 0] + grid[:, 2]).max()), int((grid[:, 1] + grid[:, 3]).max())
        # the margin's own colour, where the grid has no gaps and the frame's background
        # estimate is a video's (touching tiles): the commonest grey level just outside
        # the grid, when it lies off the frame's edge on two sides or more (one strip
        # alone may be a flat wall of the next video)
        strips = []
        if x0 > 4:
            strips.append(g[y0:y1, max(0, x0 - reach):x0].ravel())
        if x1 < self.w - 4:
            strips.append(g[y0:y1, x1:x1 + reach].ravel())
        if y0 > 4:
            strips.append(g[max(0, y0 - reach):y0, x0:x1].ravel())
        if y1 < self.h - 4:
            strips.append(g[y1:y1 + reach, x0:x1].ravel())
        if len(strips) >= 2:
            hist = np.convolve(np.bincount(np.concatenate(strips), minlength=256), np.ones(5), mode="same")
            colours.append(float(np.argmax(hist)))
        if not colours:
            return True

        def share(ax0, ay0, ax1, ay1):
            ax0, ax1 = max(0, min(self.w, ax0)), max(0, min(self.w, ax1))
            ay0, ay1 = max(0, min(self.h, ay0)), max(0, min(self.h, ay1))
            part = g[ay0:ay1, ax0:ax1].astype(np.float32)
            if ignore is not None:
                part = part[keep[ay0:ay1, ax0:ax1]]
            return max(float((np.abs(part - c) <= t).mean()) for c in colours) if part.size else 1.0

        sides = []
        if x0 > 4:
            sides.append(max(share(x0 - d - 1, y0, x0 - d, y1) for d in range(reach)))
        if x1 < self.w - 4:
            sides.append(max(share(x1 + d, y0, x1 + d + 1, y1) for d in range(reach)))
        if y0 > 4:
            sides.append(max(share(x0, y0 - d - 1, x1, y0 - d) for d in range(reach)))
        if y1 < self.h - 4:
            sides.append(max(share(x0, y1 + d, x1, y1 + d + 1) for d in range(reach)))
        return all(v >= 0.45 for v in sides)

    def texture(self, boxes: np.ndarray) -> np.ndarray:
        """Standard deviation of the grey levels inside each box (x, y, w, h), its inner
        80% (a tile's picture without its borders), shape (n,); O(1) per box."""
        x, y = _clamp(boxes[:, 0], 0, self.w - 1), _clamp(boxes[:, 1], 0, self.h - 1)
        x1 = _clamp(boxes[:, 0] + boxes[:, 2], x + 1, self.w)
        y1 = _clamp(boxes[:, 1] + boxes[:, 3], y + 1, self.h)
        dx, dy = (x1 - x) // 10, (y1 - y) // 10
        a0, b0, a1, b1 = x + dx, y + dy, np.maximum(x + dx + 1, x1 - dx), np.maximum(y + dy + 1, y1 - dy)
        n = ((a1 - a0) * (b1 - b0)).astype(np.float64)

        def box_sum(I):
            return I[b1, a1] - I[b0, a1] - I[b1, a0] + I[b0, a0]

        if self._sums is None:  # ~5 ms at 1080p: only where a grid is fitted (not a whole gap cut)
            self._sums = cv2.integral2(self.gray, sdepth=cv2.CV_64F)
        mean = box_sum(self._sums[0]) / n
        return np.sqrt(np.maximum(0.0, box_sum(self._sums[1]) / n - mean * mean))

    def bg_rows(self) -> np.ndarray:
        """Share of background pixels in every row, shape (h,)."""
        if self.S is None:
            return np.zeros(self.h)
        return (self.S[1:, self.w] - self.S[:-1, self.w]) / float(self.w)

    def bg_cols(self, y0: int, y1: int) -> np.ndarray:
        """Share of background pixels in every column over rows [y0, y1), shape (w,)."""
        if self.S is None:
            return np.zeros(self.w)
        return np.diff(self.S[y1] - self.S[y0]).astype(np.float64) / float(max(1, y1 - y0))

    def borders(self, boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Evidence of the left, right, top and bottom side of each box (x, y, w, h), each
        the best of the boundary and its two neighbours, shape (n, 4); and the boxes with
        their sides moved there. A side's evidence is the mean over its
        :data:`_SIDE_PARTS` equal parts of each part's |summed contrast|."""
        x, y = _clamp(boxes[:, 0], 0, self.w - 1), _clamp(boxes[:, 1], 0, self.h - 1)
        x1 = _clamp(boxes[:, 0] + boxes[:, 2], x + 1, self.w)
        y1 = _clamp(boxes[:, 1] + boxes[:, 3], y + 1, self.h)
        bw, bh = x1 - x, y1 - y
        ev = np.full((len(boxes), 4), -1.0)
        at = np.zeros((len(boxes), 4), np.int64)
        ks = np.arange(_SIDE_PARTS + 1)[:, None] / _SIDE_PARTS
        ys = np.rint(y[None, :] + ks * bh[None, :]).astype(np.int64)  # (S + 1, n)
        xs = np.rint(x[None, :] + ks * bw[None, :]).astype(np.int64)

        def vs(xx):
            return np.abs(self.vseg(ys[:-1], ys[1:], xx[None, :])).sum(axis=0) / (_EDGE_SAT * bh)

        def hs(yy):
            return np.abs(self.hseg(xs[:-1], xs[1:], yy[None, :])).sum(axis=0) / (_EDGE_SAT * bw)

        for d in (0, -1, 1):  # ties stay
            xl, xr = _clamp(x + d, 0, self.w), _clamp(x1 + d, 0, self.w)
            yt, yb = _clamp(y + d, 0, self.h), _clamp(y1 + d, 0, self.h)
            cand = np.stack([vs(xl), vs(xr), hs(yt), hs(yb)], axis=1)
            better = cand > ev + 1e-9
            ev = np.where(better, cand, ev)
            at = np.where(better, np.stack([xl, xr, yt, yb], axis=1), at)
        # a side on the frame's edge is bounded by the frame itself: a tile flush with a
        # window capture's edge shows no edge there. It counts as half an edge
        # (_FRAME_EDGE): enough with three clear sides, never a side of its own
        ev = np.where(self._on_edge(x, y, x1, y1), np.maximum(ev, _FRAME_EDGE), ev)
        moved = np.stack([at[:, 0], at[:, 2], np.maximum(1, at[:, 1] - at[:, 0]),
                          np.maximum(1, at[:, 3] - at[:, 2])], axis=1)
        return ev, moved

    def frame_sides(self, boxes: np.ndarray) -> np.ndarray:
        """Which of the left, right, top and bottom side of each box (x, y, w, h) lies on
        the frame's edge (within 2 px), bool of shape (n, 4)."""
        x, y = _clamp(boxes[:, 0], 0, self.w - 1), _clamp(boxes[:, 1], 0, self.h - 1)
        x1 = _clamp(boxes[:, 0] + boxes[:, 2], x + 1, self.w)
        y1 = _clamp(boxes[:, 1] + boxes[:, 3], y + 1, self.h)
        return self._on_edge(x, y, x1, y1)

    def _on_edge(self, x, y, x1, y1) -> np.ndarray:
        return np.stack([x <= 2, x1 >= self.w - 2, y <= 2, y1 >= self.h - 2], axis=1)

    def fills(self, boxes: np.ndarray) -> np.ndarray:
        """Per side, the share of the strip inside it that is not background, sorted
        weakest first; shape (n, 4). Two strips, the weaker counts: the first 3 lines, or
        lines 2-4 if better (a tile does not begin with gap: a box that takes in a gap of 3
        px or more fails; one a pixel too large does not), and the first 8% of the tile (a
        box that takes in a margin behind a window frame fails). A box on
        empty background fails both. All ones when no background colour was found."""
        if self.S is None:
            return np.ones((len(boxes), 4))
        S = self.S
        x, y, bw, bh = boxes.T

        def filled(ax0, ay0, ax1, ay1):
            ax0, ax1 = _clamp(ax0, 0, self.w), _clamp(ax1, 0, self.w)
            ay0, ay1 = _clamp(ay0, 0, self.h), _clamp(ay1, 0, self.h)
            n = np.maximum(1, (ax1 - ax0) * (ay1 - ay0))
            return 1.0 - (S[ay1, ax1] - S[ay0, ax1] - S[ay1, ax0] + S[ay0, ax0]) / n

        def sides(d0, dx, dy):  # strips [d0, d0 + d) inside each side
            return np.stack([filled(x + d0, y, x + d0 + dx, y + bh),
                             filled(x + bw - d0 - dx, y, x + bw - d0, y + bh),
                             filled(x, y + d0, x + bw, y + d0 + dy),
                             filled(x, y + bh - d0 - dy, x + bw, y + bh - d0)], axis=1)

        dx, dy = np.minimum(3, np.maximum(1, bw // 4)), np.minimum(3, np.maximum(1, bh // 4))
        first = np.maximum(sides(0, dx, dy), sides(1, dx, dy))  # a side may be 1 px out
        band = sides(0, np.maximum(3, bw // 12), np.maximum(3, bh // 12))
        out = np.minimum(first, band)
        return np.sort(out, axis=1)

    def interior(self, boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Evidence of straight lines across each box (x, y, w, h) at 121 places from 20%
        to 80% of its width (vertical lines, first array) and of its height (horizontal),
        each line the box's full height or width; shapes (n, 121)."""
        r = _INTERIOR_AT
        x, y = _clamp(boxes[:, 0], 0, self.w - 1), _clamp(boxes[:, 1], 0, self.h - 1)
        x1 = _clamp(boxes[:, 0] + boxes[:, 2], x + 1, self.w)
        y1 = _clamp(boxes[:, 1] + boxes[:, 3], y + 1, self.h)
        X = np.rint(x[:, None] + r[None, :] * (x1 - x)[:, None]).astype(np.int64)
        Y = np.rint(y[:, None] + r[None, :] * (y1 - y)[:, None]).astype(np.int64)
        ev_v = np.abs(self.vseg(y[:, None], y1[:, None], X)) / (_EDGE_SAT * (y1 - y))[:, None]
        ev_h = np.abs(self.hseg(x[:, None], x1[:, None], Y)) / (_EDGE_SAT * (x1 - x))[:, None]
        return ev_v, ev_h

    def compound(self, boxes: np.ndarray, rules: _GridRules) -> bool:
        """True when most tiles show a strong straight line at the same place inside
        them (20-80% across): the "tiles" are blocks of a finer grid (table cells, a
        calendar), not video tiles. Up to 4 tiles, every one must show it: 3 of 4
        touching BigBlueButton videos showed a bookshelf's or a table's edge 68% across."""
        n = len(boxes)
        need = n if n <= 4 else int(np.ceil(rules.compound_share * n))
        r = _INTERIOR_AT
        for vertical, e in zip((True, False), self.interior(boxes)):
            hit = e >= rules.compound_level
            hit[:, 1:] |= hit[:, :-1].copy()
            counts = hit.sum(axis=0)
            k = int(counts.argmax())
            if counts[k] >= need and not self._bars(boxes[hit[:, k]], float(r[k]), vertical):
                return True
        return False

    def banded(self, boxes: np.ndarray) -> bool:
        """True when a row of two tiles or more is one picture cut in pieces: a straight
        line of one sign runs inside it (20-80% of its height) along :data:`_BAND_LINE`
        of the row's whole length, across the places between its "tiles" (a browser's
        toolbar in shared content below a filmstrip, at 0.5x: a second row of six
        phantom "away" tiles). Video tiles beside one another show no such line: a
        gap, or another picture, breaks it (the most a row of the shared real galleries
        shows is 0.41, of a 2-tile row; the toolbar 0.97)."""
        b = np.asarray(boxes, np.int64)
        for r in _rows_of(b, float(np.median(b[:, 3])) / 2):
            if len(r) < 2:
                continue
            x0, x1 = int(b[r, 0].min()), int((b[r, 0] + b[r, 2]).max())
            y0, h = int(np.median(b[r, 1])), int(np.median(b[r, 3]))
            ys = np.unique(np.rint(y0 + _INTERIOR_AT * h).astype(np.int64))
            ys = ys[(ys >= 0) & (ys < self.h)]
            if x1 - x0 < 2 or not len(ys):
                continue
            e = np.abs(self.hseg(x0, x1, ys)) / float(_EDGE_SAT * (x1 - x0))
            k = int(np.argmax(e))
            if e[k] >= _BAND_LINE and not self._bars(b[r], (ys[k] - y0) / max(1, h), False):
                return True
        return False

    def _bars(self, boxes: np.ndarray, at: float, vertical: bool) -> bool:
        """Whether the line ``at`` (0..1 across each box) bounds a letterbox or pillarbox
        bar: the part of the box between it and the nearer side is flat (grey levels
        spreading under :data:`_BAR_FLAT`) in most boxes. A gallery of phones' portrait
        videos shows the same two lines in every tile, at a third and two thirds; a
        table's block of cells holds text and lines on both sides of them."""
        x, y, w, h = (boxes[:, i].astype(np.float64) for i in range(4))
        size = w if vertical else h
        lo = min(at, 1.0 - at)  # the video is centred: a bar on each side, as wide

        def part(a, b):
            p = np.stack([x + a, y, b - a, h] if vertical else [x, y + a, w, b - a], axis=1)
            p = np.rint(p).astype(np.int64)
            p[:, 2:] = np.maximum(p[:, 2:], 1)
            return self.texture(p)

        bar1 = part(0.0, lo * size - 2)  # off the lines' own pixels
        bar2 = part((1.0 - lo) * size + 2, size)
        video = part(lo * size + 2, (1.0 - lo) * size - 2)
        flat = (bar1 < _BAR_FLAT) & (bar2 < _BAR_FLAT) & (video >= 3 * _BAR_FLAT)
        return bool(lo >= 0.1 and flat.mean() >= 0.75)


_CCL_8 = cv2.CCL_GRANA
"""OpenCV's labelling for 8-connected masks with statistics: Grana's block-based
decision trees (BBDT). The same components and statistics as ``connectedComponentsWithStats``'
default (Spaghetti), label numbers aside, in a third of the time: 1.0-1.4 ms vs 3.2-3.7 ms
for a 960 x 540 mask on one core (OpenCV 5.1, AMD EPYC, 2026-12-01: both timed on the
candidate masks of galleries/real_test.png)."""


def _background(gray: np.ndarray, row_prof: np.ndarray, col_prof: np.ndarray
                ) -> tuple[int | None, int, np.ndarray | None]:
    """The gap/background grey level, its tolerance and the integral image of its mask.

    Candidates are the main peaks of the grey histogram (up to 4, each >= 1% of the
    pixels: thin gaps around a few big tiles are 2-4% of a 1080p frame; or, for a thin gap
    re-saved as JPEG, 1% over five levels, tolerance 4), each
    with a tolerance of its peak's half width (where the count falls under 10% of the
    peak: the frame's own noise and JPEG spread, 2-3 levels at q50; at most 6, under the 8
    levels between Zoom's gap and its letterbox bars). The background's largest connected
    region spans the frame (gaps and margins), unlike bars or a card inside one tile; of
    those that do, it is the one found beside both the horizontal and the vertical
    strongest lines (tile borders).
    """
    h, w = gray.shape
    hist = np.bincount(gray[::2, ::2].ravel(), minlength=256).astype(np.float64)
    total = hist.sum()
    cands: list[tuple[int, int]] = []
    rest = hist.copy()
    for _ in range(4):
        m = int(np.argmax(rest))
        if rest[m] < 0.01 * total:
            break
        tol = 1
        while tol < 5 and m - tol - 1 >= 0 and m + tol + 1 <= 255 and \
                max(hist[m - tol - 1], hist[m + tol + 1]) >= 0.1 * hist[m]:
            tol += 1
        cands.append((m, tol + 1))
        rest[max(0, m - tol - 2) : m + tol + 3] = 0
    # a thin gap after JPEG: its level spread over +-5 (3 px lines between flat tiles at
    # q50: no level holds 1% of the frame, five together do)
    spread = np.convolve(rest, np.ones(5), mode="same")
    m = int(np.argmax(spread))
    if len(cands) < 4 and spread[m] >= 0.01 * total:
        cands.append((m, 4))
    # the grey between two close strong lines (a gap seen from both sides): thin gaps
    # between tiles of flat colours (bars, cards) hold under the 4 commonest levels
    # (a 4 x 3 gallery of photos on coloured bars: the gap 2.2% of the pixels, 8th)
    # the strongest lines across the frame, rows then columns: beside them lies the gap
    strongest = [(_peaks(prof, n=8, floor=0.2), horizontal)
                 for prof, horizontal in ((row_prof, True), (col_prof, False))]
    for m in _between_lines(gray, strongest):
        if all(abs(m - c) > t for c, t in cands):
            cands.append((m, 3))
    if not cands:
        return None, 0, None
    if len(cands) > 1:
        span = []
        hw = (w // 2, h // 2)
        for m, t in cands:
            # at half size, a pixel is in the region when 2 of its 2 x 2 are: a gap line
            # 1 px wide or more keeps its line (a gallery flush with a picked region: its
            # gaps are the background's only pixels between the tiles; sampling every 4th
            # pixel lost them, and cards and letterbox bars of another grey joined up
            # instead); with any 1 of 4, JPEG's scattered near-gap greys joined up too
            mask = cv2.resize(cv2.inRange(gray, max(0, m - t), min(255, m + t)), hw, interpolation=cv2.INTER_AREA)
            mask = cv2.threshold(mask, 120, 255, cv2.THRESH_BINARY)[1]
            n, _, st, _ = cv2.connectedComponentsWithStatsWithAlgorithm(mask, 8, cv2.CV_32S, _CCL_8)
            span.append(0 if n <= 1 else int((st[1:, 2] * st[1:, 3]).max()))
        votes = np.array([1.0 if s >= 0.5 * max(span) else 0.0 for s in span])
        for pk, horizontal in strongest:
            strips = []
            for p in pk:
                for q in (p - 3, p - 2, p + 1, p + 2):
                    if horizontal and 0 <= q < h:
                        strips.append(gray[q, ::2])
                    elif not horizontal and 0 <= q < w:
                        strips.append(gray[::2, q])
            if strips:
                px = np.concatenate(strips).astype(np.int16)
                votes = np.minimum(votes, [float((np.abs(px - m) <= t).mean()) for m, t in cands])
        cands = [cands[int(np.argmax(votes))]]
    m, tol = cands[0]
    mask = cv2.inRange(gray, max(0, m - tol), min(255, m + tol))
    return m, tol, cv2.integral(mask // 255, sdepth=cv2.CV_32S)


def _between_lines(gray: np.ndarray, strongest: list[tuple[np.ndarray, bool]]) -> list[int]:
    """Grey levels of the gaps seen as pairs of strong lines 2-12 px apart: the median of
    the rows (columns) strictly between them, where at least 60% of those pixels lie
    within 4 levels of it (a flat gap, not texture). ``strongest``: the strongest lines'
    positions, each with whether they are rows (horizontal)."""
    out: list[int] = []
    for peaks, horizontal in strongest:
        pk = np.sort(peaks)
        for a, b in zip(pk[:-1], pk[1:]):
            if not 2 <= b - a <= 12:
                continue
            px = (gray[a + 1:b, ::2] if horizontal else gray[::2, a + 1:b]).ravel().astype(np.int16)
            if px.size == 0:
                continue
            m = int(np.median(px))
            if (np.abs(px - m) <= 4).mean() >= 0.6 and all(abs(m - o) > 4 for o in out):
                out.append(m)
    return out[:2]


def _peaks(p: np.ndarray, n: int = 32, floor: float = 0.05, radius: int = 2) -> np.ndarray:
    """Positions of the ``n`` highest values of ``p`` (at least ``floor``) after greedy
    non-maximum suppression within ``radius``, ascending. Greedy, not strict local maxima:
    the two edges of a 3-px gap make one broad bump, and both must be kept."""
    idx = np.flatnonzero(p >= floor)
    idx = idx[np.argsort(-p[idx], kind="stable")]
    free = np.ones(len(p) + 2 * radius, bool)
    taken: list[int] = []
    for i in idx.tolist():
        if free[i + radius]:
            taken.append(i)
            if len(taken) >= n:
                break
            free[i : i + 2 * radius + 1] = False
    return np.array(sorted(taken), np.int64)


def _dilate(p: np.ndarray, r: int) -> np.ndarray:
    """1-D grey dilation: the maximum of ``p`` within +-r."""
    q = p.copy()
    for d in range(1, r + 1):
        np.maximum(q[d:], p[:-d], out=q[d:])
        np.maximum(q[:-d], p[d:], out=q[:-d])
    return q


def _axis_candidates(p: np.ndarray, bg_share: np.ndarray, size: int, min_len: int, max_len: int,
                     keep: int, npeaks: int = 32) -> list[tuple[int, int, float, int, int, int]]:
    """Regular 1-D layouts along one axis: ``count`` tiles of ``length`` from ``start``
    every ``pitch`` (length + gap), best first, as (start, length, pitch, best count,
    lowest count, highest count) with counts from the best count - 1 to + 1.

    A tile starts and ends at peaks of the boundary evidence ``p`` (the gap after it: 0,
    or up to 15% of its length to the next peak: Meet's 10 px gaps between 90 px tiles are
    11%). Each tile scores the evidence at its two ends (within +-2 px) above half the
    profile's maximum, plus half of how little background lies just inside them
    (``bg_share``; at full weight, a run of small "tiles" of texture between the frame's
    one or two real lines outscored the two or three tiles of a gapless gallery flush with
    the frame). Candidates are ranked at their best pitch within +-1 px; the pitch is then
    set to a quarter pixel (an integer pitch drifts by a pixel a tile) together with
    the start, within +-2 px of the line it was taken from.
    """
    p = p.copy()
    # the frame bounds tiles flush with it (a region or recording of the gallery alone): as
    # strong an end as the profile's strongest line, or a grid of touching tiles that fills
    # the frame loses to finer structures of texture between its one or two real lines
    p[[0, size]] = np.maximum(p[[0, size]], max(_FRAME_EDGE, float(p.max())))
    p[[1, 2, size - 2, size - 1]] = 0.0
    pk = _peaks(p, n=npeaks)
    if len(pk) < 2 or max_len < min_len:
        return []
    pm = _dilate(p, 2)
    theta = max(0.05, 0.5 * float(p.max()))
    A, B = np.meshgrid(pk, pk, indexing="ij")
    A, B = A.ravel(), B.ravel()
    L = B - A
    ok = (L >= min_len) & (L <= max_len)
    A, B, L = A[ok], B[ok], L[ok]
    if len(A) == 0:
        return []
    gmax = np.maximum(3, (0.15 * L).astype(np.int64))
    D = pk[None, :] - B[:, None]
    ii, jj = np.nonzero((D > 0) & (D <= gmax[:, None]))
    A = np.concatenate([A, A[ii]])
    L = np.concatenate([L, L[ii]])
    P = L + np.concatenate([np.zeros(len(B), np.int64), D[ii, jj]])
    # a first tile cut by the frame's start (_CLIP): the structure one pitch earlier
    before = (A - P < 0) & (A - P >= -np.floor(_CLIP * L)) & (P > L)
    A = np.concatenate([A, (A - P)[before]])
    L = np.concatenate([L, L[before]])
    P = np.concatenate([P, P[before]])
    # two tiles, both cut by the frame (a region picked inside a 2-row gallery): no tile
    # is seen whole; one gap (B, C) between the frame's ends, the longer part's length
    B2, C2 = np.meshgrid(pk, pk, indexing="ij")
    B2, C2 = B2.ravel(), C2.ravel()
    L2 = np.maximum(B2, size - C2)
    # the gap must be one: background between its two lines (one line alone is no grid:
    # a door frame, a shelf across a webcam's picture)
    cb = np.concatenate([[0.0], np.cumsum(bg_share)])
    lo, hi = np.minimum(B2 + 1, size), np.clip(C2, 0, size)
    gap_bg = (cb[np.maximum(hi, lo)] - cb[lo]) / np.maximum(1, hi - lo)
    two = (C2 - B2 >= 2) & (C2 - B2 <= np.maximum(3, 0.15 * L2)) & (L2 >= min_len) & (L2 <= max_len) \
        & (np.minimum(B2, size - C2) >= L2 - _cut_reach(L2)) & (gap_bg >= 0.5)
    cut2 = np.concatenate([np.zeros(len(A), bool), np.ones(int(two.sum()), bool)])
    A = np.concatenate([A, (B2 - L2)[two]])
    P = np.concatenate([P, (C2 - B2 + L2)[two]])
    L = np.concatenate([L, L2[two]])

    ks = np.arange(_MAX_SIDE)

    def scores(a, length, pitch, prof):
        """Cumulative score of 1..7 tiles, (n, 7); -inf past the frame."""
        s = np.rint(a[..., None] + ks * np.asarray(pitch, np.float64)[..., None]).astype(np.int64)
        e = s + length[..., None]
        # a tile flush with the frame may end past it by rounding, an outer one be cut by it
        over = _cut_reach(length)[..., None]
        inside = (e <= size + over) & (s >= -over)
        cut = _cut_share(s, e, size, length[..., None])
        s, e = np.clip(s, 0, size), np.minimum(e, size)
        fill = 1.0 - np.maximum(bg_share[_clamp(s + 3, 0, size - 1)], bg_share[_clamp(e - 4, 0, size - 1)])
        ev = np.where(inside, prof[s] + prof[e] - 2 * theta + 0.5 * (fill - 0.5) - _CLIP_COST * cut, -np.inf)
        return np.cumsum(ev, axis=-1), inside

    # ranked by the best of pitches P - 1, P, P + 1: a length measured peak to peak can be
    # a pixel short, and three tiles flush with the frame then end 3 px before it
    best = np.max([scores(A, L, np.maximum(P + d, L - 1).astype(np.float64), pm)[0].max(axis=1)
                   for d in (0, -1, 1)], axis=0)
    order = np.argsort(-best, kind="stable")
    # structures on one lattice (same length and pitch, starts a whole number of pitches
    # apart) are one candidate: the best, and the one from the lattice's earliest start
    # (a weak first tile must not hide the rest of a row behind a shorter structure)
    chosen: list[int] = []
    earliest: list[int] = []
    Al, Ll, Pl, bl = A.tolist(), L.tolist(), P.tolist(), best.tolist()  # fast scalars
    # the best two-tiles-cut candidate comes on top of the ``keep`` others: with its two
    # ends on the frame it outranks the rows of a gallery with a margin around it
    room = {False: keep, True: 1}
    c2 = cut2.tolist()
    for i in order[: 40 * keep + 1].tolist():
        if not bl[i] > -np.inf:
            break
        dup = False
        for n, j in enumerate(chosen):
            if abs(Ll[i] - Ll[j]) <= 2 and abs(Pl[i] - Pl[j]) <= 2:
                off = (Al[i] - Al[j]) % Pl[j]
                if min(off, Pl[j] - off) <= 2:
                    dup = True
                    if Al[i] < Al[earliest[n]] and bl[i] > 0:
                        earliest[n] = i
                    break
        if not dup:
            if room[c2[i]] <= 0:
                continue
            room[c2[i]] -= 1
            chosen.append(i)
            earliest.append(i)
    chosen = chosen + [e for e, j in zip(earliest, chosen) if e != j]
    if not chosen:
        return []
    c = np.array(chosen)
    deltas = np.linspace(-1.5, 1.5, 13)
    # (m, 5, 13): the start within +-2 px and the pitch within +-1.5 px, together: a
    # start taken from one tile's line can be off by a pixel or two (the active speaker's
    # highlight is drawn outside its tile), and the pitch fitted from that start then
    # drifts off the other rows (Zoom's 5 rows at 0.62x: rows from the highlight at 86.5
    # for 85.3, the last row 5 px off and no grid). Tiles overlap by a pixel at most:
    # touching tiles' length, peak to peak, can be a pixel over their pitch (the 2-pixel
    # contrast puts a boundary at either pixel)
    shifts = np.arange(-2, 3)
    pitches = np.broadcast_to(P[c][:, None, None] + deltas[None, None, :], (len(c), len(shifts), len(deltas)))
    pitches = np.where(pitches >= L[c][:, None, None] - 1, pitches, P[c][:, None, None].astype(np.float64))
    starts = np.broadcast_to(A[c][:, None, None] + shifts[None, :, None], pitches.shape)
    p1 = _dilate(p, 1)  # sharper than pm: the pitch is set to a quarter pixel on it
    cumd, inside = scores(starts, np.broadcast_to(L[c][:, None, None], pitches.shape), pitches, p1)
    cumd = cumd - (0.01 * np.abs(pitches - P[c][:, None, None])
                   + 0.02 * np.abs(shifts)[None, :, None])[..., None]  # (m, 5, 13, 7)
    out = []
    for j, i in enumerate(chosen):
        si, di, kk = np.unravel_index(int(np.argmax(cumd[j])), cumd[j].shape)
        kmax = int(inside[j, si, di].sum())
        k = int(kk) + 1
        out.append((int(starts[j, si, di]), int(L[i]), float(pitches[j, si, di]), k, max(1, k - 1),
                    min(kmax, k + 1)))
    return out


def _grid_tuples() -> dict[str, np.ndarray]:
    """Every grid shape the fit tries, as index arrays: ``R`` rows, ``C`` columns, the
    last row holding ``k`` tiles centred (``left`` = 0) or from the left (1); the last row
    starts at regular column ``start`` (``half`` = 0) or half a pitch further (1)."""
    rows = []
    for R in range(1, _MAX_SIDE + 1):
        for C in range(1, _MAX_SIDE + 1):
            for k in range(1, C + 1):
                for left in (0, 1):
                    if (left and k == C) or (R == 1 and (k != C or left)):
                        continue
                    d = C - k
                    half = 0 if left or d % 2 == 0 else 1
                    start = 0 if left else d // 2
                    rows.append((R, C, k, left, half, start))
    a = np.array(rows, np.int64)
    return {name: a[:, i] for i, name in enumerate(("R", "C", "k", "left", "half", "start"))}


_TUPLES = _grid_tuples()


def _refine_borders(gray: np.ndarray, bg: int | None, tol: int, box: tuple[int, int, int, int],
                    r_in: int, r_out: int) -> tuple[int, int, int, int]:
    """Place each side of one tile on the strongest straight edge within ``r_in`` px
    inwards and ``r_out`` px outwards (full resolution), never where the tile's first
    lines would be background (that is a gap or a margin: a side may not jump across it),
    preferring a side with background right outside it (a speaker frame is part of its
    tile, as the gap path has it)."""
    x, y, w, h = box
    x1, y1 = x + w, y + h
    my0, my1 = y + h // 10, y1 - h // 10  # the middle 80%: corners are rounded or shared
    mx0, mx1 = x + w // 10, x1 - w // 10
    left = _best_boundary(gray, bg, tol, x, x - r_out, x + r_in, my0, my1, True, +1)
    right = _best_boundary(gray, bg, tol, x1, x1 - r_in, x1 + r_out, my0, my1, True, -1)
    top = _best_boundary(gray, bg, tol, y, y - r_out, y + r_in, mx0, mx1, False, +1)
    bottom = _best_boundary(gray, bg, tol, y1, y1 - r_in, y1 + r_out, mx0, mx1, False, -1)
    return left, top, max(1, right - left), max(1, bottom - top)


def boundary_edges(gray: np.ndarray, lo: int, hi: int, a0: int, a1: int, vertical: bool
                   ) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """The straight-edge evidence of each boundary q in [lo, hi] (between pixels q-1 and
    q; 4 <= lo, hi <= the side's length - 4) along [a0, a1) of a vertical (columns) or
    horizontal (rows) side of ``gray`` (uint8): the signed contrast of 2-pixel sums across
    it, clipped to +-_EDGE_SAT, summed along the side, as :class:`Evidence` reads it.

    Returns:
        ``c0`` (the first line of the strip read, lo - 4), the boundaries ``qs``, the strip
        (int16 [a1 - a0, hi - lo + 8], lines across the side) and their evidence in [0, 1].
    """
    c0, c1 = lo - 4, hi + 4
    strip = gray[a0:a1, c0:c1] if vertical else gray[c0:c1, a0:a1].T
    s = strip.astype(np.int16)
    pair = s[:, :-1] + s[:, 1:]
    qs = np.arange(lo, hi + 1)
    k = qs - c0
    d = _clamp(pair[:, k] - pair[:, k - 2], -_EDGE_SAT, _EDGE_SAT)
    return c0, qs, s, np.abs(d.sum(axis=0)) / float(_EDGE_SAT * (a1 - a0))


def _best_boundary(gray: np.ndarray, bg: int | None, tol: int, p: int, lo: int, hi: int,
                   a0: int, a1: int, vertical: bool, inside: int) -> int:
    """The best boundary in [lo, hi] (a boundary q lies between pixels q-1 and q) along
    [a0, a1); ``inside`` +1: the tile lies after the boundary, -1: before it."""
    n = gray.shape[1] if vertical else gray.shape[0]
    lo, hi = max(4, lo), min(n - 4, hi)
    if hi < lo or a1 <= a0:
        return p
    c0, qs, s, e = boundary_edges(gray, lo, hi, a0, a1, vertical)
    k = qs - c0
    if bg is not None:
        # the lines the tile would hold next to this side: its first 3, and all between
        # here and the grid's place; none may be background (a side never takes in a gap,
        # nor jumps over one onto the neighbour's frame). Background just outside (4 px):
        # a speaker frame's outer edge, which belongs to the tile
        near = np.abs(s - bg)
        bgline = (near <= tol).mean(axis=0) >= 0.9  # a gap line: bg end to end
        # (dark clothes or a dark room make a tile's own lines 60-80% background-like)
        cb = np.concatenate([[0], np.cumsum(bgline)])
        # outside, the gap as JPEG leaves it: beside a bright frame its ringing puts a
        # quarter of a 3 px gap's pixels a few levels off (real_test2 at q70: 55-82%
        # within the noise tolerance); most of it still near the background's grey
        gapline = (near <= max(tol, 4)).mean(axis=0) >= 0.5
        cg = np.concatenate([[0], np.cumsum(gapline)])
        m = len(bgline)
        if inside > 0:
            a, b = k, np.maximum(k + 3, p - c0)
            oa, ob = k - 4, k
        else:
            a, b = np.minimum(k - 3, p - c0), k
            oa, ob = k, k + 4
        a, b, oa, ob = (_clamp(v, 0, m) for v in (a, b, oa, ob))
        e = e - ((cb[b] - cb[a]) > 0) + 0.1 * ((cg[ob] - cg[oa]) > 0)
    e = e - 0.004 * np.abs(qs - p)  # ties: stay
    return int(qs[int(np.argmax(e))])


def cut_is_whole(ev: Evidence, cut: list[Box], step: int, aspect: tuple[float, float]) -> bool:
    """Whether the gap cut's answer certainly needs no grid fit (a shortcut: the fit
    costs ~10 ms at 1080p and would keep such a cut anyway): 2 to 49 tiles of a video
    tile's shape (w/h in ``aspect``), at least 3 in 4 of them well supported by straight
    edges (:class:`_GridRules`), none a block of merged tiles (a strong line across its
    middle), and no well-supported tile at a free place of the cut's own lattice (a hole,
    left or right of a row, a row above or below, whole or half a pitch aside): a cut
    that missed, merged or sliced tiles on a re-compressed frame goes on to the fit."""
    rules = _GRID_RULES
    if not 2 <= len(cut) <= _MAX_SIDE * _MAX_SIDE:
        return False
    b = np.array(cut, np.float64) * step / ev.f
    b = np.rint(b).astype(np.int64)
    b[:, 2:] = np.maximum(b[:, 2:], 1)
    if not ((b[:, 2] >= aspect[0] * b[:, 3]) & (b[:, 2] <= aspect[1] * b[:, 3])).all():
        return False
    side, moved = ev.borders(b)
    fill = ev.fills(moved)
    srt = np.sort(side, axis=1)
    strong = (side.mean(axis=1) >= rules.strong_mean) & (srt[:, 1] >= rules.strong_second) \
        & (fill[:, 0] >= rules.fill)
    if not strong.all() or ev.compound(b, rules):
        return False
    if len(np.unique(np.rint(b[:, 1] / max(1, np.median(b[:, 3])) * 2))) <= 1 \
            and float((b[:, 2] * b[:, 3]).sum()) < _ONE_ROW_COVER * ev.w * ev.h:
        return False  # one row alone, covering little: its pitch to other rows is a guess
    tw, th = int(np.median(b[:, 2])), int(np.median(b[:, 3]))
    # one size (3%, and a speaker frame: 12 px at full scale), rows evenly spaced, all but
    # the last as long as the first, the last centred or from the left
    slack = 12 / ev.f
    if (np.abs(b[:, 2] - tw) > 0.03 * tw + slack).any() or (np.abs(b[:, 3] - th) > 0.03 * th + slack).any():
        return False
    rows = _rows_of(b, th / 2)
    xs_rows = [np.sort(b[r, 0] + b[r, 2] / 2) for r in rows]
    pitches = np.concatenate([np.diff(x) for x in xs_rows]) if any(len(x) > 1 for x in xs_rows) else np.zeros(0)
    if len(pitches):
        p0 = float(np.median(pitches))
        if (np.abs(pitches - p0) > 0.03 * p0 + slack).any():
            return False
    first = xs_rows[0]
    if any(len(x) != len(first) or abs(x[0] - first[0]) > tw / 4 for x in xs_rows[:-1]):
        return False
    last = xs_rows[-1]
    centred, from_left = abs(last.mean() - first.mean()) <= tw / 4, abs(last[0] - first[0]) <= tw / 4
    if len(last) > len(first) or not (centred or from_left):
        return False

    def lattice(v: np.ndarray, size: int) -> tuple[np.ndarray, float | None]:
        """Positions along one axis (clusters of starts), and the pitch (None: one)."""
        v = np.sort(v)
        starts = v[np.concatenate(([True], np.diff(v) > size // 2))]
        d = np.diff(starts)
        return starts, float(np.median(d)) if len(d) else None

    xs, px = lattice(b[:, 0], tw)
    ys, py = lattice(b[:, 1], th)
    # one row or one column: the other axis' gap, or 3%, give its pitch, tried +-2, 4 px
    gap = px - tw if px is not None else (py - th if py is not None else 0.03 * tw)
    pxs = [px] if px is not None else [tw + gap + d for d in (-4, -2, 0, 2, 4)]
    pys = [py] if py is not None else [th + gap + d for d in (-4, -2, 0, 2, 4)]
    xs = np.concatenate([xs] + [[xs[0] - p, xs[-1] + p] for p in pxs] + [xs[:-1] + p / 2 for p in pxs])
    ys = np.concatenate([ys] + [[ys[0] - p, ys[-1] + p] for p in pys])
    gx, gy = np.meshgrid(xs, ys)
    c = np.rint(np.stack([gx.ravel(), gy.ravel()], 1)).astype(np.int64)
    rx, ry = _cut_reach(tw), _cut_reach(th)  # places cut by the frame
    c = c[(c[:, 0] >= -rx) & (c[:, 1] >= -ry) & (c[:, 0] + tw <= ev.w + rx) & (c[:, 1] + th <= ev.h + ry)]
    if len(c) == 0:
        return True
    # free places: not on a cut tile (overlapping none by more than a quarter)
    ox = np.clip(np.minimum(c[:, None, 0] + tw, b[None, :, 0] + b[None, :, 2])
                 - np.maximum(c[:, None, 0], b[None, :, 0]), 0, None)
    oy = np.clip(np.minimum(c[:, None, 1] + th, b[None, :, 1] + b[None, :, 3])
                 - np.maximum(c[:, None, 1], b[None, :, 1]), 0, None)
    c = c[(ox * oy).max(axis=1) < 0.25 * tw * th]
    if len(c) == 0:
        return True
    c = _clip_to(np.concatenate([c, np.tile([[tw, th]], (len(c), 1))], axis=1), ev.w, ev.h)
    side, moved = ev.borders(c)
    fill = ev.fills(moved)
    srt = np.sort(side, axis=1)
    more = (side.mean(axis=1) >= rules.strong_mean) & (srt[:, 1] >= rules.strong_second) \
        & (fill[:, 0] >= rules.fill)
    return not more.any()


_SPAN_COVER = 0.8
"""A fitted grid inside the gap cut's one box that fills less of it than this leaves
tiles out (:func:`span_cut`; the 2 x 2 fitted to a real 2 x 3 Zoom gallery's pillarboxed
videos at CRF 36: 56%)."""


def span_cut(image_bgr: np.ndarray, gray_full: np.ndarray, ev: Evidence, grid: GridFit, box: Box,
             aspect: tuple[float, float]) -> GridFit | None:
    """The gap cut's one box divided into a lattice, when that explains the frame better
    than the fitted ``grid`` inside it; None otherwise.

    On a low-bitrate recording's keyframe of a dark UI the codec smears the thin gaps
    between tiles, so the gap cut stops at the gallery's outer edge (one ``box``, frame
    pixels, that is the gallery's extent), while the grid fit may take the straight edges
    of the pictures inside the tiles (a pillarboxed video, a card's avatar) for the
    lattice: a real Zoom 2 x 3 gallery at CRF 36 was fitted as 2 x 2 tiles of 336 px for
    384 (the camera-off card cut in two, the third row left out). Every R x C lattice
    (up to 7 x 7) with more tiles than the grid that fills the box with the grid's own
    gap and a video tile's shape (w/h in ``aspect``) is scored as :func:`explains_more`
    scores an answer (each tile its mean side evidence - 0.5); when the grid fills under
    :data:`_SPAN_COVER` of the box, the best lattice with a positive score, each of whose
    tiles is one of the grid's (IoU >= 0.5) or holds a tile (:func:`holds_a_tile`: not a
    partial last row's empty place), replaces it, its sides placed again as the fit's
    are."""
    if grid.covered or len(grid.tiles) < 2:
        return None
    g = np.array([t.bbox for t in grid.tiles], np.float64)
    bx, by, bw, bh = (float(v) for v in box)
    # the grid must lie in the box (a few px: a speaker frame)
    slack = 12.0
    if ((g[:, 0] < bx - slack) | (g[:, 1] < by - slack) | (g[:, 0] + g[:, 2] > bx + bw + slack)
            | (g[:, 1] + g[:, 3] > by + bh + slack)).any():
        return None
    tw, th = float(np.median(g[:, 2])), float(np.median(g[:, 3]))
    xs = np.sort(g[:, 0])
    ys = np.sort(g[:, 1])
    xs = xs[np.concatenate(([True], np.diff(xs) > tw / 2))]
    ys = ys[np.concatenate(([True], np.diff(ys) > th / 2))]
    gaps = [float(np.median(np.diff(v))) - s for v, s in ((xs, tw), (ys, th)) if len(v) > 1]
    gap = max(0.0, float(np.median(gaps))) if gaps else 0.0
    f = ev.f

    def support(boxes: np.ndarray) -> float:
        b = np.rint(boxes / f).astype(np.int64)
        b[:, 2:] = np.maximum(b[:, 2:], 1)
        side, _ = ev.borders(b)
        return float((side.mean(axis=1) - _GRID_RULES.score_offset).sum())

    if _covered(np.array([bx, by, bw, bh]), g) >= _SPAN_COVER:
        return None
    best, best_s = None, 0.0
    for R in range(1, _MAX_SIDE + 1):
        for C in range(1, _MAX_SIDE + 1):
            if R * C <= len(g):
                continue
            w, h = (bw - (C - 1) * gap) / C, (bh - (R - 1) * gap) / R
            if not aspect[0] * h <= w <= aspect[1] * h:
                continue
            boxes = np.array([[bx + c * (w + gap), by + r * (h + gap), w, h] for r in range(R) for c in range(C)])
            s = support(boxes)
            if s <= best_s:
                continue
            inter, union = _overlaps(boxes, g)
            own = (inter / np.maximum(union, 1)).max(axis=1) >= 0.5
            if all(o or holds_a_tile(ev, tuple(b / f)) for o, b in zip(own, boxes)):
                best, best_s = boxes, s
    if best is None:
        return None
    work = _clip_to(np.rint(best / f).astype(np.int64), ev.w, ev.h)
    return _grid_result(image_bgr, gray_full, ev, work, np.array([0, 0, best[0, 2] / f, best[0, 3] / f]))


_ONE_ROW_COVER = 0.35
"""A cut of one row of tiles covering less of the frame than this is never whole by
itself: the other rows' places are guessed from the row's own gap, and a cut that
stopped short in its tiles (a soft recording: 253 px of 266) put them between the real
rows (a 4 x 3 gallery read as its last row). The fit decides (explains_more); a
filmstrip pays one fit."""

_ONE_TILE_COVER = 0.5
"""Share of the gap cut's one tile that a fitted grid must fill to replace it: a gallery
fills the area the cut took for one tile (the collapsed JPEG cases: most of it), while a
"grid" of a few boxes inside a one-tile gallery's video (a room's furniture, a window)
fills little of it (a synthetic one-tile Meet gallery: 2 boxes, 25%)."""


def _overlaps(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Intersection and union areas (each [len(a), len(b)]) of boxes ``a`` and ``b``
    ([N, 4] (x, y, w, h) each)."""
    ix = np.clip(np.minimum(a[:, None, 0] + a[:, None, 2], b[None, :, 0] + b[None, :, 2])
                 - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    iy = np.clip(np.minimum(a[:, None, 1] + a[:, None, 3], b[None, :, 1] + b[None, :, 3])
                 - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    inter = ix * iy
    return inter, (a[:, 2] * a[:, 3])[:, None] + (b[:, 2] * b[:, 3])[None, :] - inter


def _covered(box: np.ndarray, tiles: np.ndarray) -> float:
    """Share of ``box`` (x, y, w, h) covered by ``tiles`` ([N, 4], apart from each other)."""
    ix = np.clip(np.minimum(box[0] + box[2], tiles[:, 0] + tiles[:, 2]) - np.maximum(box[0], tiles[:, 0]), 0, None)
    iy = np.clip(np.minimum(box[1] + box[3], tiles[:, 1] + tiles[:, 3]) - np.maximum(box[1], tiles[:, 1]), 0, None)
    return float((ix * iy).sum() / max(box[2] * box[3], 1.0))


def explains_more(grid: tuple[Tile, ...], cut: list[Box], step: int, ev: Evidence,
                   aspect: tuple[float, float], covered: tuple[Box, ...] = ()) -> bool:
    """Whether the fitted grid should replace the gap cut's answer.

    Yes when the cut found no grid or more tiles than a page holds (49), and when it
    found one tile that the grid fills by half or more (:data:`_ONE_TILE_COVER`). No
    when the cut holds the grid's tiles (as many, each IoU >= 0.9): on an exact
    screenshot the cut is exact and is kept as it is. Yes when it holds as many, each
    one of the grid's (IoU >= 0.5), and those that differ lie inside the grid's (>= 90%
    of their area) and are a tenth smaller or more: the cut stopped short in some tiles
    (a dark edge on a dark gap; a speaker frame alone changes a tile by less).
    Otherwise the answer whose tiles' sides show more straight edges wins: each tile
    counts (mean side evidence - 0.5), as in the fit; only tiles of a video tile's shape
    (w/h in ``aspect``) count, and the grid must lead by half a clear tile (0.25) to
    replace the cut (merged blocks, slices of tiles, toolbar icons taken for tiles,
    missed tiles).

    A grid with a foreign window over it (``covered``, frame pixels: a dialog, a poll, a
    picture-in-picture) replaces the cut when it holds each of the cut's boxes clear of
    the window (IoU >= 0.5): around the window the gap lines are broken, and the cut
    loses the tiles under it, merges them or takes the window for a tile.
    """
    if len(cut) == 0 or len(cut) > _MAX_SIDE * _MAX_SIDE:
        return True
    g = np.array([t.bbox for t in grid], np.float64)
    c = np.array([(x * step, y * step, w * step, h * step) for x, y, w, h in cut], np.float64)
    if covered:
        clear = np.ones(len(c), bool)
        for wx, wy, ww, wh in covered:
            clear &= (np.minimum(c[:, 0] + c[:, 2], wx + ww) <= np.maximum(c[:, 0], wx)) \
                | (np.minimum(c[:, 1] + c[:, 3], wy + wh) <= np.maximum(c[:, 1], wy))
        if not clear.any():
            return True
        inter, union = _overlaps(c[clear], g)
        return bool(((inter / np.maximum(union, 1)).max(axis=1) >= 0.5).all())
    if len(c) == 1:  # a gallery collapsed into one tile, or a one-tile gallery
        return _covered(c[0], g) >= _ONE_TILE_COVER
    if len(g) == len(c):
        inter, union = _overlaps(c, g)
        best = (inter / np.maximum(union, 1)).max(axis=1)
        if (best >= 0.9).all():
            return False
        j = (inter / np.maximum(union, 1)).argmax(axis=1)
        area_c = np.maximum(c[:, 2] * c[:, 3], 1)
        inside = inter[np.arange(len(c)), j] / area_c
        ratio = area_c / np.maximum(g[j, 2] * g[j, 3], 1)
        differ = best < 0.9
        if (best >= 0.5).all() and (inside[differ] >= 0.9).all() and (ratio[differ] <= 0.9).all():
            return True  # the same tiles, some cut short by a tenth or more (a dark edge)

    def support(boxes: np.ndarray) -> float:
        b = np.rint(boxes / ev.f).astype(np.int64)
        b[:, 2:] = np.maximum(b[:, 2:], 1)
        side, _ = ev.borders(b)
        video = (boxes[:, 2] >= aspect[0] * boxes[:, 3]) & (boxes[:, 2] <= aspect[1] * boxes[:, 3])
        return float(((side.mean(axis=1) - _GRID_RULES.score_offset) * video).sum())

    return support(g) > support(c) + 0.25


def fit_grid(image_bgr: np.ndarray, gray_full: np.ndarray, ev: Evidence,
             min_tile: tuple[int, int], grid_aspect: tuple[float, float]) -> GridFit | None:
    """The regular grid best supported by straight edges, as (tiles, gap colour, tile
    size) at full resolution, or None when no grid is well supported. ``gray_full``:
    the frame in grey; ``ev``: its edge evidence (:class:`Evidence`); ``min_tile``:
    smallest tile (w, h) in pixels; ``grid_aspect``: allowed w/h of a tile.

    1. Evidence (:class:`_Evidence`): signed boundary contrast summed along rows and
       columns (cumulative sums: any segment in O(1)), and the background colour
       with a tolerance from the frame's own noise (:func:`_background`).
    2. Rows: regular layouts of the horizontal-edge profile (:func:`_axis_candidates`);
       for each, columns from the vertical-edge profile of its full rows, with the tile
       aspect (w/h) in ``grid_aspect``.
    3. Every combination is tried as R x C tiles with the last row holding 1..C tiles,
       centred or from the left (:data:`_TUPLES`), at once on arrays. A grid is kept
       when every tile is at least okay, 3 in 4 are strong, each grid line shared by
       two tiles or more is strong on average and the tiles are not blocks of a finer
       grid (:class:`_GridRules`); the best keeps the most well-supported tiles.
    4. Each side is placed again at full resolution (:func:`_refine_borders`).
    5. When no grid holds, one whose tiles that fail all lie under one foreign window (a
       dialog, a poll, another app's window, a picture-in-picture: :func:`foreign_window`)
       and that holds everywhere else; its lines are looked for where they are seen
       (each line's strongest parts: ``seen`` of :meth:`Evidence.row_profile`). The
       answer then names the window (:attr:`GridFit.covered`).
    """
    whole = _fit(image_bgr, gray_full, ev, min_tile, grid_aspect, False)
    if whole is None:  # perhaps a gallery whose rows the frame's chrome outranks
        whole = _fit(image_bgr, gray_full, ev, min_tile, grid_aspect, False, more_rows=True)
    if whole is not None and _cover(whole.tiles, gray_full.shape) >= _WHOLE_COVER:
        return whole
    # none holds, or one that fills little of the frame: perhaps part of a gallery, the
    # rest under a window
    under = _fit(image_bgr, gray_full, ev, min_tile, grid_aspect, True)
    if under is None:
        return whole
    if whole is None:
        return under
    g = np.array([t.bbox for t in under.tiles], np.float64)
    holds = all(max(iou(t.bbox, b) for b in g) >= 0.5 for t in whole.tiles)
    return under if holds and len(under.tiles) > len(whole.tiles) else whole


_WHOLE_COVER = 0.5
"""A grid that holds everywhere and covers this share of the frame or more is the answer;
one that covers less may be the part of a gallery a window leaves whole (7 tiles of a
23-tile Zoom gallery under a dialog, at H.264 quality: 27% of the frame), and a grid
under a window that holds all its tiles and more replaces it."""


def _cover(tiles: tuple[Tile, ...], shape: tuple[int, int]) -> float:
    """Share of a frame of ``shape`` (h, w) the tiles cover (they do not overlap)."""
    return sum(t.bbox[2] * t.bbox[3] for t in tiles) / float(shape[0] * shape[1])


_SEEN_PARTS = (10, 16, 6, 8)
"""Lines looked for under a foreign window: the mean of a row line's 10 strongest of 16
parts across the frame, of a column line's 6 strongest of 8 parts along a row of tiles
(a window over up to ~40% of a line leaves its evidence whole)."""


_SEEN_LINE = 0.6
"""Under a foreign window only lines at least this strong where seen are looked for: the
strongest parts of texture and of a dialog's text lines are picked too and read 0.4-0.5
(a lattice's row lines under a poll over a 2 x 2 Zoom gallery: 0.76-1.0)."""


def _fit(image_bgr: np.ndarray, gray_full: np.ndarray, ev: Evidence, min_tile: tuple[int, int],
         grid_aspect: tuple[float, float], under_window: bool, more_rows: bool = False) -> GridFit | None:
    """:func:`fit_grid`'s search: a grid that holds everywhere (``under_window`` False),
    or one that holds but under one foreign window (True); ``more_rows``: on the row
    layouts ranked after the first :data:`_ROWS` (:data:`_MORE_ROWS`)."""
    rules = _GRID_RULES
    f, h, w = ev.f, ev.h, ev.w
    min_w = max(6, -(-min_tile[0] // f))
    min_h = max(4, -(-min_tile[1] // f))
    lo_asp, hi_asp = grid_aspect
    combos = []
    # under a window: lines strong where seen (texture's parts, picked, look like lines
    # too; the whole-frame profiles as well found no more lattices on the measurement's
    # synthetic dialogs, at twice the cost)
    row_prof = ev.row_prof
    if under_window:
        row_prof = ev.row_profile(0, w, _SEEN_PARTS[1], _SEEN_PARTS[0])
        row_prof = np.where(row_prof >= _SEEN_LINE, row_prof, 0.0)
    rows = _axis_candidates(row_prof, ev.bg_rows(), h, min_h, int(0.98 * h),
                            keep=_COVER_ROWS if under_window else _ROWS)
    if more_rows:  # the next row layouts only (those tried first held no lattice)
        tried = set(rows)
        rows = [r for r in _axis_candidates(row_prof, ev.bg_rows(), h, min_h, int(0.98 * h),
                                            keep=_ROWS + _MORE_ROWS) if r not in tried]
    for ya, th, py, kb, r_lo, r_hi in rows:
        bands = [(int(round(ya + i * py)), int(round(ya + i * py)) + th) for i in range(max(1, kb - 1))]
        bands = [(max(0, a), min(h, b)) for a, b in bands]  # an outer row may be cut by the frame
        if under_window:
            prof = sum(ev.col_profile(a, b, _SEEN_PARTS[3], _SEEN_PARTS[2]) for a, b in bands) / len(bands)
            prof = np.where(prof >= _SEEN_LINE, prof, 0.0)
        else:
            prof = sum(ev.col_profile(a, b, _SIDE_PARTS) for a, b in bands) / len(bands)
        bgc = sum(ev.bg_cols(a, b) for a, b in bands) / len(bands)
        lo_w, hi_w = max(min_w, int(th * lo_asp)), min(w, int(th * hi_asp) + 1)
        for xa, tw, px, _, c_lo, c_hi in _axis_candidates(prof, bgc, w, lo_w, hi_w, keep=4, npeaks=20):
            combos.append((xa, ya, tw, th, px, py, r_lo, r_hi, c_lo, c_hi))
    if not combos:
        return None
    cb = np.array(combos, np.float64)
    n = len(cb)
    xa, ya, tw, th, px, py = (cb[:, i] for i in range(6))
    K = _MAX_SIDE
    ks = np.arange(K, dtype=np.float64)
    # every combination's 7 x 7 regular grid and, per row, the 6 half-pitch positions
    gx = np.rint(xa[:, None, None] + ks[None, None, :] * px[:, None, None])
    hx = np.rint(xa[:, None, None] + (ks[None, None, :-1] + 0.5) * px[:, None, None])
    gy = np.rint(ya[:, None, None] + ks[None, :, None] * py[:, None, None])
    reg = np.stack(np.broadcast_arrays(gx, gy, tw[:, None, None], th[:, None, None]), -1)
    half = np.stack(np.broadcast_arrays(hx, gy, tw[:, None, None], th[:, None, None]), -1)
    boxes = np.concatenate([reg.reshape(-1, 4), half.reshape(-1, 4)]).astype(np.int64)
    ox, oy = _cut_reach(boxes[:, 2]), _cut_reach(boxes[:, 3])  # cut by the frame: _CLIP
    inside = (boxes[:, 0] >= -ox) & (boxes[:, 1] >= -oy) & (boxes[:, 0] + boxes[:, 2] <= w + ox) \
        & (boxes[:, 1] + boxes[:, 3] <= h + oy)
    cut = np.maximum(_cut_share(boxes[:, 0], boxes[:, 0] + boxes[:, 2], w, boxes[:, 2]),
                     _cut_share(boxes[:, 1], boxes[:, 1] + boxes[:, 3], h, boxes[:, 3]))
    boxes[:, 2:] += np.minimum(boxes[:, :2], 0)  # a box cut at the frame's start: its part inside
    boxes[:, 0] = _clamp(boxes[:, 0], 0, w - 2)
    boxes[:, 1] = _clamp(boxes[:, 1], 0, h - 2)
    boxes[:, 2] = _clamp(boxes[:, 2], 1, w - boxes[:, 0])
    boxes[:, 3] = _clamp(boxes[:, 3], 1, h - boxes[:, 1])
    side, moved = ev.borders(boxes)
    fill = ev.fills(moved)
    srt = np.sort(side, axis=1)
    mean = side.mean(axis=1)
    # a side on the frame's edge stands in for a second weak side only in a tile that
    # holds a picture (_PICTURED): a camera-off card beside another, flush with the
    # frame, has no line on one side and the frame on another; a strip flush with the
    # frame's bottom took in the flat margin beside it as a "tile" with no right side
    frame = ev.frame_sides(boxes)
    pictured = ev.texture(boxes) >= _PICTURED
    framed = ~frame.any(axis=1) | (np.where(frame, np.inf, side).min(axis=1) >= rules.okay_second) | pictured
    # a camera-off card of the colour the frame's background was taken for (tiles that
    # touch: there is no gap, and the cards' flat colour is the commonest) is background
    # along three sides or four (its name label may fill the fourth), yet holds an
    # avatar, a photo or a name: it is filled; an empty place (a partial last row's
    # flanks) is flat; a box that takes in a gap has one background side, not three
    card = (fill[:, 2] < rules.fill) & pictured
    strong = inside & framed & (mean >= rules.strong_mean) & (srt[:, 1] >= rules.strong_second) \
        & ((fill[:, 0] >= rules.fill) | card)
    # (a card may touch two other cards: two sides with no line)
    bad = ~(inside & framed & (srt[:, 1] >= rules.okay_second) & (fill[:, 1] >= rules.fill)
            | inside & framed & card & (srt[:, 2] >= rules.okay_second))
    # a place with nothing in it (flat: a partial last row's flanks) scores a little below
    # nothing: a grid takes it in only when it needs it to be regular (a black video)
    score = np.where(pictured, mean - rules.score_offset, -0.05) - _CLIP_COST * cut
    nr = n * K * K

    def split(v):
        return v[:nr].reshape(n, K, K).astype(np.float64), v[nr:].reshape(n, K, K - 1).astype(np.float64)

    (b_r, b_h), (s_r, s_h), (m_r, m_h) = split(bad), split(strong), split(score)
    # a grid line on the frame's edge is the frame's: it passes the shared-line checks
    # below (a gallery flush with a region or recording has no edge to see there); a
    # card's sides do not count against a line (two touching cards of one colour show no
    # line between them)
    line = np.where(frame, 1.0, np.where(card[:, None], np.maximum(side, rules.line_mean), side))
    (l_r, _), (r_r, _) = split(line[:, 0]), split(line[:, 1])
    (t_r, t_h), (o_r, o_h) = split(line[:, 2]), split(line[:, 3])

    def pre2(v):  # P[n, r, c]: sum over rows < r and columns < c
        out = np.zeros((n, K + 1, K + 1))
        out[:, 1:, 1:] = v.cumsum(1).cumsum(2)
        return out

    def pre1(v):  # per row, sum over columns < c
        out = np.zeros(v.shape[:2] + (v.shape[2] + 1,))
        out[:, :, 1:] = v.cumsum(2)
        return out

    T = _TUPLES
    R, C, k = T["R"], T["C"], T["k"]
    F = R - 1  # full rows
    cols = np.maximum(C, 1).astype(np.float64)
    # the last row: k tiles from column `start`, regular or half a pitch further
    last = F
    s0, s1 = T["start"], T["start"] + k
    ishalf = T["half"] == 1

    def window(vr, vh):
        pr, ph = pre1(vr), pre1(np.concatenate([vh, np.zeros((n, K, 1))], 2))
        a = pr[:, last, s1] - pr[:, last, s0]
        b = ph[:, last, s1] - ph[:, last, s0]
        return np.where(ishalf[None, :], b, a)

    w_bad, w_strong, w_score = window(b_r, b_h), window(s_r, s_h), window(m_r, m_h)
    kf = k.astype(np.float64)
    # grid lines shared by two tiles or more must be strong on average (lines of one
    # tile are the tile's own): each column's left and right over the full rows; each
    # row's top, and its bottom or the next row's top (the two sides of one gap: the
    # bottom of a video tile is often dark clothes on a dark gap); the last row's top,
    # and its bottom at least weakly (rules.okay_second)
    L = rules.line_mean
    top = pre1(t_r)[:, :, C] / cols  # (n, K, tuples): row r's top over C tiles
    bot = pre1(o_r)[:, :, C] / cols
    top_last, bot_last = window(t_r, t_h) / kf, window(o_r, o_h) / kf
    rows_idx = np.arange(K)[None, :, None]
    top_next = np.concatenate([top[:, 1:], np.zeros((n, 1, len(R)))], 1)
    top_next = np.where(rows_idx + 1 == F[None, None, :], top_last[:, None, :], top_next)
    row_ok = ((top >= L) & ((bot >= L) | (top_next >= L))) | (C < 2)
    row_ok = np.concatenate([np.ones((n, 1, len(R)), bool), np.logical_and.accumulate(row_ok, axis=1)], 1)
    rows_ok = row_ok[:, F, np.arange(len(R))]
    lc = np.concatenate([np.zeros((n, 1, K)), l_r.cumsum(1)], 1)
    rc = np.concatenate([np.zeros((n, 1, K)), r_r.cumsum(1)], 1)
    fr = np.maximum(F, 1).astype(np.float64)
    col_ok = ((lc[:, F, :] / fr[None, :, None] >= L)
              & (rc[:, F, :] / fr[None, :, None] >= L)) | (F < 2)[None, :, None]
    cols_ok = np.concatenate([np.ones((n, len(R), 1), bool), np.logical_and.accumulate(col_ok, axis=2)], 2)
    cols_ok = cols_ok[:, np.arange(len(R)), C]
    # a last row of one tile has no line to share: that tile must be strong itself
    last_ok = np.where((k < 2)[None, :], w_strong >= 1, (top_last >= L) & (bot_last >= rules.okay_second))
    P_bad, P_strong, P_score = pre2(b_r), pre2(s_r), pre2(m_r)
    total_bad = P_bad[:, F, C] + w_bad
    total_strong = P_strong[:, F, C] + w_strong
    total_score = P_score[:, F, C] + w_score
    count = (F * C + k).astype(np.float64)
    need = np.maximum(2.0, np.ceil(rules.strong_share * count))
    r_lo, r_hi, c_lo, c_hi = (cb[:, i][:, None] for i in range(6, 10))
    cover = count[None, :] * (tw * th)[:, None] / float(w * h)
    valid = (total_bad == 0) & (total_strong >= need) & rows_ok & cols_ok & last_ok \
        & (count >= 2) & (R >= r_lo) & (R <= r_hi) & (C >= c_lo) & (C <= c_hi) \
        & (cover >= np.maximum(rules.cover_min, rules.cover_tiles / count)[None, :])
    if not under_window and not valid.any():
        return None

    def lattice(ci: int, ti: int) -> tuple[int, int, int, int, bool, list]:
        """Rows, columns, the last row's tiles, its first column and whether it sits half
        a pitch aside, and the boxes, of candidate ``ti`` on background candidate ``ci``."""
        Rt, Ct, kt, st, hf = int(R[ti]), int(C[ti]), int(k[ti]), int(T["start"][ti]), bool(ishalf[ti])
        chosen = [reg[ci, r, c] for r in range(Rt - 1) for c in range(Ct)]
        chosen += [(half if hf else reg)[ci, Rt - 1, c] for c in range(st, st + kt)]
        return Rt, Ct, kt, st, hf, chosen
    if under_window:
        # no lattice holds everywhere: one foreign window over some of its tiles (a
        # dialog, a poll, another app, a self-view picture-in-picture)?
        cover = rules.cover_tiles / count
        held = (total_bad <= np.maximum(2.0, np.floor(_COVER_BAD * count))) \
            & (total_strong >= np.maximum(2.0, np.ceil(_COVER_STRONG * count))) & (count >= 4) \
            & (R >= r_lo) & (R <= r_hi) & (C >= c_lo) & (C <= c_hi) \
            & (count[None, :] * (tw * th)[:, None] / float(w * h) >= np.maximum(rules.cover_min, cover)[None, :])
        if not held.any():
            return None
        # tried first: the most strong tiles for their number (a lattice of small "tiles"
        # of texture scores more in sum) and the most of the frame covered by places that
        # hold a picture (a gallery fills its meeting area; the window's own edges make
        # lattices of smaller tiles; a full last row whose flanks are empty background
        # covers no more than the centred row of the gallery, and fails beside the window:
        # a 23-tile Zoom gallery under a dialog had only 5 x 5 lattices tried)
        (p_r, p_h) = split(pictured.astype(np.float64))
        shown = pre2(p_r)[:, F, C] + window(p_r, p_h)
        spread = shown * (tw * th)[:, None] / float(w * h)
        key = np.where(held, total_strong / count + spread + 0.01 * total_score, -np.inf)
        # the best _COVER_TRIES, then the best of _COVER_OTHERS lattices not yet tried in
        # any variant (another row count or last row, sides a pixel or two apart): a 5 x 5
        # Zoom gallery under a small dialog had its tries taken by three variants of a
        # lattice of 2 x 2 blocks, each with one strong tile more for its number
        tried: list[np.ndarray] = []
        for flat in np.argsort(-key, axis=None, kind="stable"):
            ci, ti = divmod(int(flat), len(R))
            if not np.isfinite(key[ci, ti]) or len(tried) >= _COVER_TRIES + _COVER_OTHERS:
                break
            geom = np.array([C[ti], xa[ci], ya[ci], tw[ci], th[ci], px[ci], py[ci]], np.float64)
            if len(tried) >= _COVER_TRIES and any(_same_lattice(geom, g) for g in tried):
                continue
            tried.append(geom)
            Rt, Ct, kt, st, hf, chosen = lattice(ci, ti)
            grid = _clip_to(np.array(chosen, np.int64), w, h)
            window = foreign_window(ev, grid, rules)
            if window is not None:
                return _grid_result(image_bgr, gray_full, ev, grid, cb[ci], window)
        return None
    key = np.where(valid, total_score + 1e-9 * count * (tw * th)[:, None], -np.inf)
    for flat in np.argsort(-key, axis=None)[:8]:
        ci, ti = divmod(int(flat), len(R))
        if not np.isfinite(key[ci, ti]):
            break
        Rt, Ct, kt, st, hf, chosen = lattice(ci, ti)
        grid = _clip_to(np.array(chosen, np.int64), w, h)
        if ev.compound(grid, rules) or ev.banded(grid) or not ev.surrounded(grid):
            continue
        if Rt >= 2 and kt < Ct and not hf:
            # a place of the last row left out whose picture fills it, with straight sides,
            # is a tile whose borders were too weak for the fit (touching videos of pale
            # walls at 0.8x: a 2 x 2 Teams gallery came back as 3 tiles); a partial last
            # row's empty places are flat background
            last_row = [reg[ci, Rt - 1, c] for c in range(Ct)
                        if st <= c < st + kt or (_inside(reg[ci, Rt - 1, c], w, h) and holds_a_tile(ev, reg[ci, Rt - 1, c]))]
            grid = _clip_to(np.array(chosen[:(Rt - 1) * Ct] + last_row, np.int64), w, h)
            if len(last_row) > kt and ev.banded(grid):
                continue  # the places taken in are one picture's pieces (a toolbar's band)
        return _grid_result(image_bgr, gray_full, ev, grid, cb[ci])
    return None


def _same_lattice(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two lattices (columns, x, y of the first tile, tile w and h, pitch across
    and down; work scale) are variants of one: as many columns, and the first tile, its
    size and the pitches within 3% of a tile (a row more or less, another last row)."""
    tol = 0.03 * np.array([1.0, b[3], b[4], b[3], b[4], b[3], b[4]])
    tol[0] = 0.0
    return bool((np.abs(a - b) <= np.maximum(tol, 2.0 * (tol > 0))).all())


_ROWS = 5
"""Row layouts (:func:`_axis_candidates`) whose lattices are tried for a grid that holds
everywhere..."""
_MORE_ROWS = 5
"""...and how many more are tried when none of those holds: the lines of a window's chrome
(a title bar, a toolbar, the frame's edges: the strongest lines of the frame) make row
layouts that outrank a gallery's own rows; a 3 + 2 Zoom gallery at 720p after H.264
(CRF 30) had its rows 8th (galleries/real_test2: one tile and the faces fallback before,
its 5 tiles after). On the 40 annotated real screens x 8 variants (orig, JPEG q90/q50, x0.67/
1.5/2, H.264 CRF 28/36) the tile finder's answer changed on one frame of 320 (a Teams
share strip at q50, 1 -> 2 tiles, 18 annotated); what it costs, where no lattice of the
first rows holds: 7.4 ms a layout search on average (median 2.9, at most 51) over 120 of
those frames (orig, q50, CRF 36), thread time, interleaved in one process."""


_COVER_BAD = 0.5
"""A lattice with up to this share of its tiles failing (at least 2 allowed) may be one
with a foreign window over them (:func:`foreign_window` decides); ..."""
_COVER_STRONG = 0.5
"""...with at least this share of all its tiles strong, every tile counted (a dialog of
1.3 x 1.1 tiles over the centre of a 2 x 2 Zoom gallery leaves 2 of 4 strong)."""
_COVER_TRIES = 3
"""Lattices tried with a foreign window, best first: on the measurement's 216 synthetic
windows over real galleries 3 tries found 168 right, 6 tries 169, at 0.8 ms more
(median) over 64 real screens at 1080p for 3, 2.1 ms for 6."""
_COVER_OTHERS = 2
"""...and then the best of this many lattices none of whose variants was tried
(:func:`_same_lattice`): a real 5 x 5 Zoom gallery under a dialog over 10% of the frame
had its lattice 4th, after three variants of one of 2 x 2 blocks."""
_COVER_ROWS = 10
"""Row layouts kept when looking for a lattice under a window (5 for one that holds
everywhere): the window's own edges make row layouts of their own (the synthetic
dialogs over 18 real grid galleries: tiles right in 160 of 216 variants with 5, 167
with 10 and with 16)."""
_COVER_AREA = 0.35
"""A foreign window covers at most this share of the lattice's bounding box: a dialog,
a poll, a photo viewer or a picture-in-picture over a gallery (the synthetic ones of the
measurement cover up to 25%); larger, it is more likely the app's own content (a
speaker's video under a filmstrip) than something over a gallery."""
_COVER_HIDDEN = 0.25
"""At most this share of the tiles (at least one) may lie wholly (90%) under the window:
each must be seen in part to be the lattice's."""
_WINDOW_SIDE = 0.6
"""Each side of a foreign window is a straight edge at least this strong (the evidence of
a tile side, :class:`Evidence`; a side on the frame's edge counts half, as a tile's): a
window has straight edges (a dark dialog over the 23-tile Zoom gallery at JPEG q70: 0.99-1.0
on all four sides); ..."""
_WINDOW_OFF = 0.04
"""...and at least three of its sides lie off the lattice's lines (by this share of a tile
or more): a window lies over the app at any place, while the app's own content (a
speaker's video, a block of tiles) lies on its layout's lines."""
_WINDOW_OVER = 0.05
"""A window lies over each tile that fails by at least this share of it (a dialog hiding
part of a tile's side lies over some of the tile too)."""
_WINDOW_LINES = 12
"""Lines looked at for a window's edges, per axis (the strongest)."""
_WINDOW_HIDES = 0.35
"""The tile sides' pieces under a window show straight edges this strong at most on
average: it hides them (a rectangle of lines in two neighbouring Zoom videos, a wall's edge
and the name labels' line, crossed the gap between them; the gap, still seen inside it,
read 0.8-1)."""
_WINDOW_TRIES = 4
"""Rectangles tried as the window, best supported first (sides' mean evidence in steps of
0.05, then the largest): Teams' in-meeting dialog over a 2 x 2 stage was first read as a
larger rectangle of the tiles' own lines, around which the lattice does not hold."""
_SIDE_PIECES = 8
"""A side seen in part (:func:`visible_sides`) is read in this many pieces, each on its
own; pieces under the window are left out."""


_GAP_UNSEEN = 0.7
"""A gap between two neighbouring tiles is unseen where both its edges (the facing
sides of the two tiles) are weaker than this: a window across it hides both; dark video
beside a dark gap weakens one tile's side, and the neighbour's still shows."""


def _gap_unseen(grid: np.ndarray, side: np.ndarray) -> np.ndarray:
    """Which tiles (x, y, w, h, shape (n, 4)) have a neighbour, side by side or one above
    the other (a gap of at most 15% of a tile between them), with whom they share an
    unseen gap (:data:`_GAP_UNSEEN`; ``side``: the tiles' left, right, top and bottom side
    evidence, shape (n, 4)); bool, shape (n,)."""
    x, y, w, h = (grid[:, i].astype(np.float64) for i in range(4))
    cx, cy = x + w / 2, y + h / 2
    same_row = np.abs(cy[:, None] - cy[None, :]) < h[:, None] / 2
    same_col = np.abs(cx[:, None] - cx[None, :]) < w[:, None] / 2
    gx = x[None, :] - (x + w)[:, None]  # i's right side to j's left side
    gy = y[None, :] - (y + h)[:, None]
    beside = same_row & (gx > -3) & (gx <= np.maximum(3, 0.15 * w)[:, None])
    below = same_col & (gy > -3) & (gy <= np.maximum(3, 0.15 * h)[:, None])
    unseen = beside & (side[:, 1][:, None] < _GAP_UNSEEN) & (side[:, 0][None, :] < _GAP_UNSEEN) \
        | below & (side[:, 3][:, None] < _GAP_UNSEEN) & (side[:, 2][None, :] < _GAP_UNSEEN)
    return unseen.any(axis=1) | unseen.any(axis=0)


def visible_sides(ev: Evidence, boxes: np.ndarray, window: Box
                  ) -> tuple[np.ndarray, np.ndarray, tuple[float, int]]:
    """Evidence of the left, right, top and bottom side of each box (x, y, w, h, work
    scale) over the parts not under ``window`` (x, y, w, h, 2 px slack), shape (n, 4),
    NaN for a side of which under 2 of :data:`_SIDE_PIECES` pieces are seen; and the share
    of each box's area under the window, shape (n,); and the summed evidence of the pieces
    under the window and how many there are (a window hides the lattice's lines: little
    evidence there). Each side is first placed on the best
    of the boundary and its two neighbours (:meth:`Evidence.borders`); a side on the
    frame's edge counts at least :data:`_FRAME_EDGE`."""
    _, moved = ev.borders(boxes)
    x, y = moved[:, 0], moved[:, 1]
    x1, y1 = x + moved[:, 2], y + moved[:, 3]
    wx0, wy0, wx1, wy1 = window[0] - 2, window[1] - 2, window[0] + window[2] + 2, window[1] + window[3] + 2
    ks = np.arange(_SIDE_PIECES + 1)[:, None] / _SIDE_PIECES
    ys = np.rint(y[None, :] + ks * (y1 - y)[None, :]).astype(np.int64)  # (P + 1, n)
    xs = np.rint(x[None, :] + ks * (x1 - x)[None, :]).astype(np.int64)
    out = np.full((len(boxes), 4), np.nan)
    under_sum, under_n = 0.0, 0
    for j, (at, vertical) in enumerate(((x, True), (x1, True), (y, False), (y1, False))):
        at_c = _clamp(at, 0, ev.w if vertical else ev.h)
        if vertical:
            a, b = ys[:-1], ys[1:]
            e = np.abs(ev.vseg(a, b, _clamp(at_c, 0, ev.w)[None, :])) / (_EDGE_SAT * np.maximum(1, b - a))
            across = (at_c > wx0) & (at_c < wx1)
            lo, hi = wy0, wy1
        else:
            a, b = xs[:-1], xs[1:]
            e = np.abs(ev.hseg(a, b, _clamp(at_c, 0, ev.h)[None, :])) / (_EDGE_SAT * np.maximum(1, b - a))
            across = (at_c > wy0) & (at_c < wy1)
            lo, hi = wx0, wx1
        hidden = across[None, :] & (b > lo) & (a < hi)
        # pieces wholly under it, off its edges (a tile's side along the window's edge
        # is seen)
        deep = (at_c > (wx0 if vertical else wy0) + 6) & (at_c < (wx1 if vertical else wy1) - 6)
        inside = deep[None, :] & (a >= lo + 4) & (b <= hi - 4)
        under_sum += float(e[inside].sum())
        under_n += int(inside.sum())
        seen = (~hidden).sum(axis=0)
        mean = np.where(seen >= 2, np.where(hidden, 0.0, e).sum(axis=0) / np.maximum(1, seen), np.nan)
        out[:, j] = mean
    frame = ev.frame_sides(moved)
    out = np.where(frame & ~np.isnan(out), np.maximum(out, _FRAME_EDGE), out)
    ix = np.clip(np.minimum(x1, window[0] + window[2]) - np.maximum(x, window[0]), 0, None)
    iy = np.clip(np.minimum(y1, window[1] + window[3]) - np.maximum(y, window[1]), 0, None)
    return out, ix * iy / np.maximum(1, (x1 - x) * (y1 - y)).astype(np.float64), (under_sum, under_n)


def foreign_window(ev: Evidence, grid: np.ndarray, rules: _GridRules = _GRID_RULES,
                   failing_only: bool = False, across: bool = False) -> Box | None:
    """The foreign window lying over some tiles of a lattice that does not hold everywhere,
    or None when there is none (the lattice is not the gallery's).

    ``grid``: the lattice's tiles (n, 4) of (x, y, w, h) at work scale. The tiles that fail
    (:class:`_GridRules`: not okay) must all lie under one rectangle with straight edges
    on its four sides (:data:`_WINDOW_SIDE`), at least three of them off the lattice's
    lines (:data:`_WINDOW_OFF`), over at most :data:`_COVER_AREA` of the lattice, with at
    most :data:`_COVER_HIDDEN` of the tiles wholly under it; and the lattice must hold
    where it is seen: every tile okay and 3 in 4 strong on its sides' parts outside the
    window (:func:`visible_sides`), each row's and column's shared lines strong on average
    there (``line_mean``), the tiles clear of it not blocks of a finer grid nor pieces of
    one picture, and the lattice standing on its background (:meth:`Evidence.surrounded`)
    beside the window. ``failing_only``: look only where a tile fails (for tiles found
    otherwise, the gap cut's); else, when none fails, where a gap between two neighbours
    is unseen from both sides (:func:`_gap_unseen`: a window over a gap leaves the tiles
    beside it okay and their shared line weak). ``across``: the
    window must lie over two tiles or more (:data:`_WINDOW_OVER` of each): it crosses a
    gap, as nothing in a video does (looked for over tiles that all hold, a straight-edged
    picture inside one tile is a poster as likely as a window). Returns the window (x, y,
    w, h), work scale."""
    n = len(grid)
    side, moved = ev.borders(grid)
    fill = ev.fills(moved)
    srt = np.sort(side, axis=1)
    bad = ~((srt[:, 1] >= rules.okay_second) & (fill[:, 1] >= rules.fill))
    if n < 4:
        return None
    # where the lattice disagrees: failing tiles, or else tiles with a weak side (a
    # window over a gap leaves each tile okay and their shared line weak)
    weak = bad if bad.any() or failing_only else _gap_unseen(grid, side)
    if not weak.any():
        return None
    tw, th = float(np.median(grid[:, 2])), float(np.median(grid[:, 3]))
    gx0, gy0 = int(grid[:, 0].min()), int(grid[:, 1].min())
    gx1, gy1 = int((grid[:, 0] + grid[:, 2]).max()), int((grid[:, 1] + grid[:, 3]).max())
    b = grid[weak]
    # the window lies over them and may reach a tile further (a dialog over the middle
    # of four tiles hides the sides of one or two)
    ux0 = max(0, int(b[:, 0].min() - tw))
    uy0 = max(0, int(b[:, 1].min() - th))
    ux1 = min(ev.w, int((b[:, 0] + b[:, 2]).max() + tw))
    uy1 = min(ev.h, int((b[:, 1] + b[:, 3]).max() + th))
    if ux1 - ux0 < 8 or uy1 - uy0 < 8:
        return None
    # the window's edges: lines straight along a good part of the region (its 3 strongest
    # of 8 parts; a dialog's lines of text are short, and wave)
    rp = ev.row_profile(ux0, ux1, _SIDE_PIECES, 3)[uy0:uy1 + 1]
    cp = ev.col_profile(uy0, uy1, _SIDE_PIECES, 3)[ux0:ux1 + 1]
    ys = _peaks(rp, n=_WINDOW_LINES, floor=0.3) + uy0
    xs = _peaks(cp, n=_WINDOW_LINES, floor=0.3) + ux0
    ys = np.unique(np.concatenate([ys, [y for y in (0, ev.h) if uy0 <= y <= uy1]])).astype(np.int64)
    xs = np.unique(np.concatenate([xs, [x for x in (0, ev.w) if ux0 <= x <= ux1]])).astype(np.int64)
    Y0, Y1 = np.meshgrid(ys, ys, indexing="ij")
    X0, X1 = np.meshgrid(xs, xs, indexing="ij")
    yy = np.stack([Y0.ravel(), Y1.ravel()], 1)
    yy = yy[yy[:, 1] - yy[:, 0] >= max(4, 0.2 * th)]
    xx = np.stack([X0.ravel(), X1.ravel()], 1)
    xx = xx[xx[:, 1] - xx[:, 0] >= max(4, 0.2 * tw)]
    if not len(yy) or not len(xx):
        return None
    i, j = np.meshgrid(np.arange(len(xx)), np.arange(len(yy)), indexing="ij")
    i, j = i.ravel(), j.ravel()
    cand = np.stack([xx[i, 0], yy[j, 0], xx[i, 1] - xx[i, 0], yy[j, 1] - yy[j, 0]], 1)
    area = cand[:, 2] * cand[:, 3]
    keep = area <= _COVER_AREA * (gx1 - gx0) * (gy1 - gy0)
    # over every failing tile (a twentieth of it or more: what hides a side)
    for t in grid[bad]:
        ox = np.clip(np.minimum(cand[:, 0] + cand[:, 2], t[0] + t[2]) - np.maximum(cand[:, 0], t[0]), 0, None)
        oy = np.clip(np.minimum(cand[:, 1] + cand[:, 3], t[1] + t[3]) - np.maximum(cand[:, 1], t[1]), 0, None)
        keep &= ox * oy >= _WINDOW_OVER * t[2] * t[3]
    if across:
        ox = np.clip(np.minimum(cand[:, None, 0] + cand[:, None, 2], (grid[:, 0] + grid[:, 2])[None, :])
                     - np.maximum(cand[:, None, 0], grid[None, :, 0]), 0, None)
        oy = np.clip(np.minimum(cand[:, None, 1] + cand[:, None, 3], (grid[:, 1] + grid[:, 3])[None, :])
                     - np.maximum(cand[:, None, 1], grid[None, :, 1]), 0, None)
        keep &= ((ox * oy) >= _WINDOW_OVER * (grid[:, 2] * grid[:, 3])[None, :]).sum(axis=1) >= 2
    # off the lattice's lines
    tol_x, tol_y = max(2.0, _WINDOW_OFF * tw), max(2.0, _WINDOW_OFF * th)
    lx = np.unique(np.concatenate([grid[:, 0], grid[:, 0] + grid[:, 2]]))
    ly = np.unique(np.concatenate([grid[:, 1], grid[:, 1] + grid[:, 3]]))

    def on(v, lines, tol):
        return (np.abs(v[:, None] - lines[None, :]) <= tol).any(axis=1)

    aligned = on(cand[:, 0], lx, tol_x).astype(int) + on(cand[:, 0] + cand[:, 2], lx, tol_x) \
        + on(cand[:, 1], ly, tol_y) + on(cand[:, 1] + cand[:, 3], ly, tol_y)
    keep &= aligned <= 1
    cand = cand[keep]
    if not len(cand):
        return None
    ws, _ = ev.borders(cand)
    ok = ws.min(axis=1) >= _WINDOW_SIDE
    if not ok.any():
        return None
    cand, ws = cand[ok], ws[ok]
    # the window's outer edges: of the rectangles nearly as well supported as the best,
    # the largest (a title bar's lower edge is a straight line too); when the lattice
    # does not hold around it, the next best (_WINDOW_TRIES)
    mw = ws.mean(axis=1)
    order = np.lexsort((-(cand[:, 2] * cand[:, 3]), -np.round(mw / 0.05)))

    def holds(window: Box) -> bool:
        # the lattice where it is seen
        vis, under, (hid_sum, hid_n) = visible_sides(ev, grid, window)
        # it hides the lattice's lines where it lies over them (a "window" of lines in videos
        # that happen to meet has the gap still showing inside it)
        if hid_n >= 2 and hid_sum / hid_n > _WINDOW_HIDES:
            return False
        hidden = under >= 0.9
        if hidden.sum() > max(1, int(_COVER_HIDDEN * n)):
            return False
        seen = ~hidden
        v = np.where(np.isnan(vis), np.inf, vis)
        nvis = (~np.isnan(vis)).sum(axis=1)
        vs = np.sort(v, axis=1)
        mean = np.where(nvis > 0, np.where(np.isnan(vis), 0.0, vis).sum(axis=1) / np.maximum(1, nvis), 0.0)
        second = np.where(nvis >= 2, vs[:, 1], vs[:, 0])
        touched = under > 0.02
        okay = np.where(touched, second >= rules.okay_second, ~bad)
        strong = np.where(touched, (mean >= rules.strong_mean) & (second >= rules.strong_second),
                          (side.mean(axis=1) >= rules.strong_mean) & (srt[:, 1] >= rules.strong_second))
        # most tiles clear of the window are strong (as for a grid that holds everywhere),
        # half of those it lies over are, on what is seen of them
        clear_seen, over = ~touched, touched & seen
        if not okay[seen].all() or strong.sum() < 2 \
                or strong[clear_seen].sum() < np.ceil(rules.strong_share * clear_seen.sum()) \
                or strong[over].sum() < np.floor(0.5 * over.sum()):
            return False
        # shared lines, where seen
        for axis, (a_side, b_side) in ((1, (2, 3)), (0, (0, 1))):
            key = grid[:, axis] + grid[:, axis + 2] / 2
            size = th if axis == 1 else tw
            by_key = np.argsort(key, kind="stable")
            groups: list[list[int]] = []
            for q in by_key.tolist():
                if groups and abs(key[q] - key[groups[-1][0]]) <= size / 2:
                    groups[-1].append(q)
                else:
                    groups.append([q])
            means = []
            for g in groups:
                m = []
                for sd in (a_side, b_side):
                    vals = vis[g, sd]
                    vals = vals[~np.isnan(vals)]
                    m.append(float(vals.mean()) if len(g) >= 2 and len(vals) >= 2 else np.inf)
                means.append(m)
            for r, (first, last) in enumerate(means):
                # a row's top, and its bottom or the next row's top (the two sides of one gap:
                # a video's bottom is often dark clothes on a dark gap), as the fit has it
                nxt = means[r + 1][0] if r + 1 < len(means) else last
                if first < rules.line_mean or (axis == 0 and last < rules.line_mean) \
                        or (axis == 1 and last < rules.line_mean and nxt < rules.line_mean):
                    return False
        # every tile clear of the window holds a picture (an empty place of flat background
        # beside a filmstrip is no tile)
        if (ev.texture(grid[~touched]) < _PICTURED).any():
            return False
        clear = grid[~touched]
        if len(clear) >= 3 and (ev.compound(clear, rules) or ev.banded(clear)):
            return False
        if not ev.surrounded(grid, ignore=window):
            return False
        return True

    for j in order[:_WINDOW_TRIES].tolist():
        window = tuple(int(v) for v in cand[j])
        if holds(window):
            return window
    return None


def holds_a_tile(ev: Evidence, box: tuple[float, float, float, float]) -> bool:
    """Whether an empty place of a lattice or grid (``(x, y, w, h)``, work scale) holds a
    tile: a picture, not flat background (``PLACE_TEXTURE``), with straight lines on two
    sides or more (``PLACE_SIDE``) and ``PLACE_SIDES`` on average; one side may be mostly
    hidden (a dialog over the tile's border), two weak (touching videos alike there)."""
    side, _ = ev.borders(np.array([box], np.int64))
    srt = np.sort(side[0])
    if srt[2] < PLACE_SIDE or srt.mean() < PLACE_SIDES:
        return False
    return float(ev.texture(np.array([[int(round(v)) for v in box]], np.int64))[0]) >= PLACE_TEXTURE


def _keep_apart(edges: list[list[int]], fitted: list[tuple]) -> None:
    """Where the outward reach let two neighbours' sides cross the gap between them (a
    gap narrower than the reach for a speaker frame: Teams' 6 px at 1080p), put the two
    facing sides back where the fitted grid has them (it keeps its gaps), in place.
    ``edges``: [x0, y0, x1, y1] per tile; ``fitted``: the grid's (x, y, w, h), same order."""
    for a in range(len(edges)):
        for b in range(a + 1, len(edges)):
            A, B = edges[a], edges[b]
            ox = min(A[2], B[2]) - max(A[0], B[0])
            oy = min(A[3], B[3]) - max(A[1], B[1])
            if ox <= 1 or oy <= 1:
                continue
            fa, fb = fitted[a], fitted[b]
            if abs(fa[1] - fb[1]) >= abs(fa[0] - fb[0]):  # one above the other: their rows meet
                up, dn, fu, fd = (A, B, fa, fb) if fa[1] < fb[1] else (B, A, fb, fa)
                up[3] = min(up[3], int(round(fu[1] + fu[3])))
                dn[1] = max(dn[1], int(round(fd[1])))
            else:  # side by side: their columns meet
                lt, rt, fl, fr = (A, B, fa, fb) if fa[0] < fb[0] else (B, A, fb, fa)
                lt[2] = min(lt[2], int(round(fl[0] + fl[2])))
                rt[0] = max(rt[0], int(round(fr[0])))


def _off_margin(gray: np.ndarray, ev: "Evidence", edge: list[int], reach: float = 0.12) -> list[int]:
    """A fitted tile's sides moved in off the background: where the lines just inside a
    side are background over 90% of its middle (within max(4, 2 x tolerance) levels),
    the side lies in a margin or a gap (a
    grid whose tiles touch, fitted over a gallery with 32 px margins: real_test3 at JPEG
    q50), and moves in to the first line that is not, up to ``reach`` of the tile, when
    a straight edge runs there (:class:`Evidence`, at least 0.6 along the side, or as
    much blurred over a few pixels by a codec, :func:`_soft_edge`: dark video beside its
    tile's edge is no margin). ``edge``: [x0, y0, x1, y1] full
    resolution; returns the new one."""
    bg, tol, f = ev.bg, ev.tol, ev.f
    x0, y0, x1, y1 = edge
    w, h = x1 - x0, y1 - y0
    if w < 16 or h < 16:
        return edge
    t = max(4, 2 * tol)  # JPEG rings next to the content
    my0, my1, mx0, mx1 = y0 + h // 10, y1 - h // 10, x0 + w // 10, x1 - w // 10
    kx, ky = int(reach * w), int(reach * h)
    near = lambda a: (np.abs(a.astype(np.int16) - bg) <= t).mean(axis=0) >= 0.9  # noqa: E731
    cols_l = near(gray[my0:my1, x0:x0 + kx])
    cols_r = near(gray[my0:my1, x1 - kx:x1])[::-1]
    rows_t = near(gray[y0:y0 + ky, mx0:mx1].T)
    rows_b = near(gray[y1 - ky:y1, mx0:mx1].T)[::-1]

    def inward(bgline: np.ndarray) -> int:
        """How far in the picture starts: past a run of at least 3 background lines that
        begins within the side's first 12 lines (a window's edge, 8 px in real_test3,
        may lie outside the margin, and a grid flush with the frame takes it in whole:
        real_test3 as an H.264 frame at CRF 36, its margin's first lines from 9 on); 0
        when there is none, or all is background (an empty tile)."""
        first = np.flatnonzero(bgline[:12])
        if len(first) == 0:
            return 0
        stop = np.flatnonzero(~bgline[first[0]:])
        if len(stop) == 0 or stop[0] < 3:
            return 0
        return int(first[0] + stop[0])

    def edge_at(p: int, vertical: bool) -> bool:
        q = int(round(p / f))
        prof = ev.col_profile(y0 // f, max(y0 // f + 1, y1 // f)) if vertical else \
            ev.row_profile(x0 // f, max(x0 // f + 1, x1 // f))
        if prof[max(0, q - 1):q + 2].max(initial=0.0) >= 0.6:
            return True
        return _soft_edge(gray, p, my0, my1, mx0, mx1, vertical) >= 0.6

    out = [x0, y0, x1, y1]
    for k, (d, sign, vertical) in enumerate(((inward(cols_l), 1, True), (inward(rows_t), 1, False),
                                             (inward(cols_r), -1, True), (inward(rows_b), -1, False))):
        if d and edge_at(edge[k] + sign * d, vertical):
            out[k] = edge[k] + sign * d
    return out


_SOFT_EDGE_RUN = 4
"""Pixels on each side of a boundary summed by :func:`_soft_edge`: an H.264 intra frame
(libx264, CRF 28) spreads Zoom's 8-level step from tile (34) to margin (26) over 5-6 px
(real_test3.png: 32 31 30 29 | 28 26 25 25 24), and no 1-pixel boundary holds 0.6 of a
straight edge (0.42 at best); 4-pixel sums hold 0.75."""


def _soft_edge(gray: np.ndarray, p: int, my0: int, my1: int, mx0: int, mx1: int,
               vertical: bool) -> float:
    """Evidence (0..1, as :class:`Evidence`'s, in :data:`_SIDE_PARTS` parts) of a straight
    edge at boundary ``p`` (full resolution; a vertical one along rows [my0, my1), a
    horizontal one along columns [mx0, mx1)) blurred over a few pixels: the contrast of
    the :data:`_SOFT_EDGE_RUN`-pixel sums on its two sides, clipped to that many times
    _EDGE_SAT / 2 (6 grey levels a pixel count fully)."""
    n, k = _SOFT_EDGE_RUN, gray.shape[1] if vertical else gray.shape[0]
    if p < n or p > k - n or (my1 - my0 if vertical else mx1 - mx0) < _SIDE_PARTS:
        return 0.0
    s = (gray[my0:my1, p - n:p + n] if vertical else gray[p - n:p + n, mx0:mx1].T).astype(np.int32)
    sat = n * _EDGE_SAT // 2
    d = np.clip(s[:, n:].sum(axis=1) - s[:, :n].sum(axis=1), -sat, sat)
    parts = np.array_split(d, _SIDE_PARTS)
    return float(sum(abs(int(a.sum())) for a in parts)) / (sat * len(d))


def _grid_result(image_bgr: np.ndarray, gray_full: np.ndarray, ev: Evidence,
                 grid: np.ndarray, combo: np.ndarray, window: Box | None = None) -> GridFit:
    """The fitted grid (work scale, boxes inside the frame: :func:`_clip_to`) at full
    resolution, with the foreign ``window`` over it (work scale) if any."""
    f = ev.f
    H, W = gray_full.shape
    # inwards: the work scale's rounding; outwards also a speaker frame (Zoom draws it
    # up to 6 px outside the tile at 1080p). A side never crosses a gap (see
    # _best_boundary), so this reach is safe where the gap is narrower.
    r_in = f + 2
    r_out = f + 2 + int(round(6 * min(W / 1920, H / 1080)))
    fitted = [(x * f, y * f, bw * f, bh * f) for x, y, bw, bh in grid.tolist()]
    edges = []  # (x0, y0, x1, y1) of each tile after its sides were placed again
    for box in fitted:
        b = _refine_borders(gray_full, ev.bg, ev.tol, box, r_in, r_out)
        edges.append([max(0, b[0]), max(0, b[1]), min(W, b[0] + b[2]), min(H, b[1] + b[3])])
    _keep_apart(edges, fitted)
    if ev.bg is not None:
        edges = [_off_margin(gray_full, ev, e) for e in edges]
    tiles = tuple(Tile(i, (x0, y0, x1 - x0, y1 - y0)) for i, (x0, y0, x1, y1) in enumerate(edges))
    colour = None
    if ev.bg is not None:
        sample = image_bgr[::8, ::8].reshape(-1, 3)
        near = np.abs(gray_full[::8, ::8].reshape(-1).astype(np.int16) - ev.bg) <= ev.tol
        if near.any():
            colour = tuple(int(v) for v in np.median(sample[near], axis=0))
    size = (int(round(combo[2] * f)), int(round(combo[3] * f)))
    covered: tuple[Box, ...] = ()
    if window is not None:
        x, y, ww, wh = window
        x0, y0 = max(0, x * f), max(0, y * f)
        covered = ((x0, y0, min(W, (x + ww) * f) - x0, min(H, (y + wh) * f) - y0),)
    return GridFit(tiles, colour, size, covered)
