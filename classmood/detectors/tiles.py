"""Tile finder: the grid of participant tiles in a gallery screenshot or window capture.

How it works (measured on the real Zoom screenshots and the synthetic set):

1. **Gap colour.** Video-call galleries draw tiles on a flat background (Zoom dark
   (26,26,26), Meet (32,33,36), Teams light (245,245,245), marketing images black). The
   gap colour is one of the most frequent colours of the frame; the few most frequent
   are tried, best grid wins.
2. **Recursive XY-cut.** A region is split on full-span rows or columns whose pixels
   (>= ``line_fraction`` of them) match the gap colour within ``tolerance``. The
   tolerance is tight on purpose: Zoom's letterbox bars and camera-off cards are
   (34,34,34) next to (26,26,26) gaps, and must stay inside their tile.
3. **Grid regularisation.** Galleries use one tile size. The most common leaf size is
   the tile size; leaves of that size are tiles; a leaf that is k tiles wide or tall
   (an active-speaker border can bridge a 2 px gap) is cut into k; toolbars, title
   bars, taskbars and icons (wrong size or shape) are dropped.
4. **Reading order.** Rows top to bottom (centred last rows included), left to right.

A frame with no grid at all (one webcam frame, one huge face) comes back as one
whole-frame tile with ``Layout.fallback`` set; a flat frame (black, white) gives none.

Second path: a regular grid fitted to straight edges (``Layout.method == "grid"``,
:mod:`classmood.detectors.grid_fit`), for re-compressed (JPEG), rescaled or softened frames
with no exact, flat gap pixels. The grid replaces the cut only where it explains more
(:func:`~classmood.detectors.grid_fit.explains_more`): the cut found no grid or one tile,
or its tiles are the grid's with bits merged, sliced, missed or misplaced and the grid's
sides show more straight edges. An exact screenshot's cut (its tiles are the grid's) is kept
as it is; a cut that is a whole regular grid with no supported tile left out skips the fit
altogether (:func:`~classmood.detectors.grid_fit.cut_is_whole`). Before a grid replaces a cut,
the cut is looked at once more with each box's sides placed on the strongest straight edge
within a gap's reach (:func:`_snap_to_edges`): a recording's codec (H.264) blurs a thin,
low-contrast gap, the cut's lines then land beside it or tiles merged across it are split
evenly, and the boxes run a gap wide; placed on their edges they may make a whole cut,
which is kept unless the grid explains more than it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np

from ..geometry import BBox, overlap
from ..io import as_bgr
from ..types import Tile
from .grid_fit import Evidence, boundary_edges, cut_is_whole, explains_more, fit_grid, foreign_window, span_cut

Colour = tuple[int, int, int]


@dataclass(frozen=True)
class Layout:
    """The tile finder's full answer for one frame."""

    tiles: tuple[Tile, ...]
    background_bgr: Colour | None
    """The gap colour the grid was cut on (None when no grid was found)."""
    tile_size: tuple[int, int] | None
    """The gallery's typical tile (width, height)."""
    fallback: bool
    """True when no grid was found and the whole frame is returned as one tile."""
    method: str = "gap"
    """How the tiles were found: ``"gap"`` (cut on exact gap-colour lines), ``"grid"``
    (a regular grid fitted to straight edges, for re-compressed, rescaled or soft
    frames) or ``"faces"`` (a region around every face in the frame, when no grid fits:
    :mod:`classmood.detectors.face_layout`, chosen by the gallery perception)."""
    candidates: tuple[tuple[int, int, int, int], ...] = ()
    """Boxes (x, y, w, h) cut out on the gap colour that are larger than the gallery's
    tile and are not blocks of it: an active speaker's or a pinned video, or shared
    content (a slide). Geometry cannot tell them apart; the gallery perception keeps
    those in which it finds a face as tiles."""
    avatars: tuple[tuple[int, int, int, int], ...] = ()
    """Tiles (x, y, w, h) that are avatar discs in a row outside the video tiles, or
    regions of a ``"faces"`` layout whose content is an initials disc: participants with
    the camera off (:mod:`classmood.detectors.avatars`, added by the gallery
    perception)."""
    covered: tuple[tuple[int, int, int, int], ...] = ()
    """Foreign windows (x, y, w, h) found lying over some of the tiles (a dialog, a poll,
    another app's window, a self-view picture-in-picture: a fitted grid that holds
    everywhere else, :func:`~classmood.detectors.grid_fit.foreign_window`). The tiles
    under them are kept; what they show there is not the class."""


@dataclass(frozen=True)
class _Box:
    x: int
    y: int
    w: int
    h: int

    @property
    def area(self) -> int:
        """Pixels in the box."""
        return self.w * self.h


class TileFinder:
    """Find participant tiles in reading order.

    ``tolerance``: max luma difference from the gap colour for a gap pixel;
    ``chroma_tolerance``: max per-channel difference (JPEG colour bleed).
    ``line_fraction``: share of a row/column that must be gap-coloured to separate tiles
    (0.9, not 1: floating buttons, a name badge, a desktop strip beside the window or a
    JPEG speck must not hide a gap). ``trim_fraction``: edge lines of a tile at least
    this gap-coloured are trimmed off it.
    ``min_tile``: smallest tile (w, h) in pixels; ``aspect``: allowed w/h of a tile.
    ``size_tolerance``: how far (relative) a tile may differ from the gallery's tile size.
    ``grid_aspect``: allowed w/h of a tile in the fitted-grid path (1.15..2.1: 4:3 = 1.33
    and 16:9 = 1.78 video tiles with room for rounding and a speaker frame; the real
    Zoom tiles measure 1.75-1.78).
    """

    def __init__(
        self,
        tolerance: int = 4,
        chroma_tolerance: int = 6,
        line_fraction: float = 0.9,
        trim_fraction: float = 0.75,
        min_tile: tuple[int, int] = (48, 27),
        min_tile_frac: float = 0.003,
        aspect: tuple[float, float] = (0.4, 3.0),
        size_tolerance: float = 0.12,
        max_colours: int = 3,
        grid_aspect: tuple[float, float] = (1.15, 2.1),
    ) -> None:
        self.tolerance = int(tolerance)
        self.chroma_tolerance = int(chroma_tolerance)
        self.line_fraction = float(line_fraction)
        self.trim_fraction = float(trim_fraction)
        self.min_tile = min_tile
        self.min_tile_frac = float(min_tile_frac)
        self.aspect = aspect
        self.size_tolerance = float(size_tolerance)
        self.max_colours = int(max_colours)
        self.grid_aspect = (float(grid_aspect[0]), float(grid_aspect[1]))

    # ------------------------------------------------------------------ public API
    def find(self, image_bgr: np.ndarray) -> list[Tile]:
        """Tiles in reading order, pixel boxes in ``image_bgr`` (see :meth:`find_layout`)."""
        return list(self.find_layout(image_bgr).tiles)

    def find_layout(self, image_bgr: np.ndarray) -> Layout:
        """Tiles plus how they were found (gap colour, tile size, fallback).

        Args:
            image_bgr: the frame, uint8 of shape (H, W, 3) BGR; gray (H, W) and BGRA
                frames are accepted.

        Returns:
            The tiles in reading order (boxes in frame pixels). A frame too small to hold
            two tiles, or flat (one colour), gives none; a frame with no grid gives one
            whole-frame tile with ``fallback`` set. ``method`` says whether the tiles were
            cut on exact gap lines (``"gap"``) or fitted as a regular grid to straight
            edges (``"grid"``: re-compressed, rescaled or soft frames; see the module
            docstring).

        Raises:
            InputError: ``image_bgr`` is not an 8- or 16-bit image array.
        """
        image_bgr = as_bgr(image_bgr)
        H, W = image_bgr.shape[:2]
        empty = Layout((), None, None, False)
        if H < 2 * self.min_tile[1] or W < self.min_tile[0]:
            return empty
        sample = image_bgr[:: max(1, H // 135), :: max(1, W // 240)].reshape(-1, 3)
        if int(np.ptp(sample, axis=0).max()) <= 2 * self.tolerance:
            return empty  # flat frame (black, white, any one colour): nothing on screen

        # Above ~2.5K, every other pixel still shows the gaps (Zoom's are 12 px at 4K)
        # and the cut costs a quarter as much.
        step = 2 if min(W / 1920, H / 1080) >= 1.3 else 1
        work = image_bgr
        if step > 1:  # nearest: no blending of gap and tile pixels; contiguous for OpenCV
            work = cv2.resize(image_bgr, (W // step, H // step), interpolation=cv2.INTER_NEAREST)
        gray = cv2.cvtColor(work, cv2.COLOR_BGR2GRAY)
        h, w = work.shape[:2]
        gray_full = gray if step == 1 else cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY)  # step 1: work is the frame
        ev = Evidence(gray_full)  # straight edges: the cut checks merged blocks on them, the grid fit uses them
        best: tuple[list[_Box], Colour, tuple[int, int], list[_Box]] | None = None
        best_cover = 0.0
        for colour in self._candidate_colours(sample, _border_colour(image_bgr)):
            boxes, size, larger = self._grid_for(work, gray, colour, ev, step)
            cover = sum(b.area for b in boxes) / float(h * w)
            if boxes and cover > best_cover:
                best, best_cover = (boxes, colour, size, larger), cover
            if best_cover >= 0.35:
                break  # tiles cover most of the frame: this is the gallery's gap colour
        if best is not None and len(best[0]) == 1 and best_cover < 0.15:
            # One small "tile" alone is not a gallery (a gallery's tiles fill the meeting
            # area): a flat patch in a single-camera video, a watermark, a dialog.
            best = None
        # On a re-compressed, rescaled or soft frame the gaps are not exact and the cut
        # stops early: no grid, one tile, or some of the tiles. A regular grid fitted to
        # straight edges replaces it when it explains more (see grid_fit.explains_more).
        cut = [] if best is None else [(b.x, b.y, b.w, b.h) for b in best[0]]
        full: list[tuple[int, int, int, int]] | None = None  # the cut's boxes, when snapped
        if not cut_is_whole(ev, cut, step, self.grid_aspect):
            grid = fit_grid(image_bgr, gray_full, ev, self.min_tile, self.grid_aspect)
            if grid is not None and explains_more(grid.tiles, cut, step, ev, self.grid_aspect, grid.covered):
                if len(cut) == 1:
                    # the cut stopped at the gallery's outer edge (a recording's smeared
                    # gaps): a lattice that fills it may explain more than the grid inside
                    grid = span_cut(image_bgr, gray_full, ev, grid, _scale_box(best[0][0], step, W, H),
                                    self.grid_aspect) or grid
                # A codec (H.264) blurs a thin, low-contrast gap: the cut's lines land
                # beside it, or tiles merged across it are split evenly, and its boxes run
                # a gap wide; weak sides then let a grid of fewer tiles replace it. Their
                # sides placed on the tiles' straight edges may make a whole cut, which
                # the grid must explain more than, as any cut.
                snapped = _snap_to_edges(cut, gray_full, ev, step) if len(cut) >= 2 else cut
                if snapped == cut or not cut_is_whole(ev, snapped, 1, self.grid_aspect) \
                        or explains_more(grid.tiles, snapped, 1, ev, self.grid_aspect, grid.covered):
                    return Layout(grid.tiles, grid.gap_colour, grid.tile_size, False, method="grid",
                                  covered=grid.covered or _window_over(ev, grid.tiles))
                full = snapped  # full-frame pixels
        if best is None:
            return Layout((Tile(0, (0, 0, W, H)),), None, None, True)
        boxes, colour, size, larger = best
        if full is None:
            full = [_scale_box(b, step, W, H) for b in boxes]
        tiles = tuple(Tile(i, b) for i, b in enumerate(reading_order(full)))
        return Layout(tiles, colour, (size[0] * step, size[1] * step), False,
                      candidates=tuple(_scale_box(b, step, W, H) for b in larger),
                      covered=_window_over(ev, tiles))

    # ------------------------------------------------------------------ steps
    def _candidate_colours(self, sample: np.ndarray, border: Colour | None = None) -> list[Colour]:
        """Gap-colour candidates: the frame border's colour (a window capture's margin),
        then the most frequent colours (8-level bins), each refined to its median."""
        q = (sample >> 3).astype(np.int32)
        keys = (q[:, 0] << 10) | (q[:, 1] << 5) | q[:, 2]
        counts = np.bincount(keys, minlength=1 << 15)
        order = np.argsort(-counts)
        out: list[Colour] = [border] if border is not None else []
        for k in order[: self.max_colours]:
            if counts[k] < 0.02 * len(keys):
                break
            members = sample[keys == k]
            c = tuple(int(v) for v in np.median(members, axis=0))
            if all(max(abs(a - b) for a, b in zip(c, o)) > self.tolerance for o in out):
                out.append(c)
        return out

    def _gap_mask(self, image: np.ndarray, gray: np.ndarray, colour: Colour) -> np.ndarray:
        """255 where a pixel has the gap colour: luma within ``tolerance`` (tight: a
        letterbox bar is 8 grey levels off the gap) and every channel within
        ``chroma_tolerance`` (loose: JPEG chroma bleeds a few levels of colour from an
        active-speaker border or a desktop icon into the grey gap next to it)."""
        c = np.array(colour, np.float32)
        luma = float(c @ np.array([0.114, 0.587, 0.299], np.float32))
        near_luma = cv2.inRange(gray, max(0.0, luma - self.tolerance), min(255.0, luma + self.tolerance))
        lo = np.clip(c - self.chroma_tolerance, 0, 255).astype(np.uint8)
        hi = np.clip(c + self.chroma_tolerance, 0, 255).astype(np.uint8)
        return cv2.bitwise_and(near_luma, cv2.inRange(image, lo, hi))

    def _grid_for(
        self, image: np.ndarray, gray: np.ndarray, colour: Colour, ev: Evidence | None = None, step: int = 1
    ) -> tuple[list[_Box], tuple[int, int], list[_Box]]:
        gap = self._gap_mask(image, gray, colour)
        H, W = gap.shape
        x, y, w, h = _largest_region(gap)
        # one integral image makes every row/column gap count O(length), not O(area)
        integral = cv2.integral(gap, sdepth=cv2.CV_32S)  # counts x 255
        leaves: list[_Box] = []
        self._xycut(integral, x, y, x + w, y + h, leaves, depth=0)
        leaves = [self._tighten(integral, b) for b in leaves]
        leaves = [b for b in leaves if b.w > 0 and b.h > 0 and self._filled_edges(integral, b)]
        return self._regularise(leaves, W, H, integral, ev, step)

    def _tighten(self, S: np.ndarray, b: _Box) -> _Box:
        """Trim a leaf's edge rows/columns that are mostly gap. Full-span gap lines need
        ``line_fraction``; a floating button or a name badge lying over the gap next to a
        tile keeps those lines from being full gap lines, and they would pad the tile."""
        x0, y0, x1, y1 = b.x, b.y, b.x + b.w, b.y + b.h
        for _ in range(2):
            if x1 - x0 < 2 or y1 - y0 < 2:
                break
            r = _span(self._separators(S, x0, y0, x1, y1, axis=1, frac=self.trim_fraction))
            c = _span(self._separators(S, x0, y0, x1, y1, axis=0, frac=self.trim_fraction))
            if r is None or c is None:
                return _Box(x0, y0, 0, 0)
            y0, y1 = y0 + r[0], y0 + r[1]
            x0, x1 = x0 + c[0], x0 + c[1]
        return _Box(x0, y0, x1 - x0, y1 - y0)

    def _xycut(self, S: np.ndarray, x0: int, y0: int, x1: int, y1: int, out: list[_Box], depth: int) -> None:
        # trim gap-coloured margins (twice: fractions change once margins are gone)
        for _ in range(2):
            if x1 <= x0 or y1 <= y0:
                return
            r = _span(self._separators(S, x0, y0, x1, y1, axis=1))
            c = _span(self._separators(S, x0, y0, x1, y1, axis=0))
            if r is None or c is None:
                return
            y0, y1 = y0 + r[0], y0 + r[1]
            x0, x1 = x0 + c[0], x0 + c[1]
        if x1 - x0 < self.min_tile[0] // 2 or y1 - y0 < self.min_tile[1] // 2 or depth > 12:
            if depth <= 12:
                out.append(_Box(x0, y0, x1 - x0, y1 - y0))
            return
        for axis in (1, 0):  # rows first (horizontal cuts), then columns
            seps = self._separators(S, x0, y0, x1, y1, axis=axis)
            segments = _runs(~seps)
            if len(segments) >= 2:
                for a, b in segments:
                    if axis == 1:
                        self._xycut(S, x0, y0 + a, x1, y0 + b, out, depth + 1)
                    else:
                        self._xycut(S, x0 + a, y0, x0 + b, y1, out, depth + 1)
                return
        out.append(_Box(x0, y0, x1 - x0, y1 - y0))

    def _separators(
        self, S: np.ndarray, x0: int, y0: int, x1: int, y1: int, axis: int, frac: float | None = None
    ) -> np.ndarray:
        """Which rows (axis=1) or columns (axis=0) of the region are gap lines, from the
        integral image ``S`` of the gap mask."""
        # (slices subtracted, not np.diff: this runs some 500 times a layout search)
        if axis == 1:  # per row: gap pixels in [x0, x1)
            col = S[y0 : y1 + 1, x1] - S[y0 : y1 + 1, x0]
            counts, n = col[1:] - col[:-1], x1 - x0
        else:  # per column: gap pixels in [y0, y1)
            row = S[y1, x0 : x1 + 1] - S[y0, x0 : x1 + 1]
            counts, n = row[1:] - row[:-1], y1 - y0
        frac = self.line_fraction if frac is None else frac
        return counts >= frac * n * 255  # the mask is 0/255

    def _filled_edges(self, S: np.ndarray, b: _Box, min_fill: float = 0.5) -> bool:
        """A tile is a filled rectangle: video, bars or card reach all four of its edges
        (looked at just inside each edge, at two depths, since a label or a border
        speck can stretch a box by a few pixels). The box around a silhouette (a person
        on a plain wall) or an icon is not."""
        if b.w < 12 or b.h < 12:
            return True  # too small to tell; the size filters decide
        x0, y0, x1, y1 = b.x, b.y, b.x + b.w, b.y + b.h

        def fill(ax0: int, ay0: int, ax1: int, ay1: int) -> float:
            n = (ax1 - ax0) * (ay1 - ay0)
            gap = int(S[ay1, ax1] - S[ay0, ax1] - S[ay1, ax0] + S[ay0, ax0]) // 255
            return 1.0 - gap / n if n else 1.0

        insets_y = sorted({2, max(4, b.h // 30)})
        insets_x = sorted({2, max(4, b.w // 30)})
        edges = [
            max(fill(x0, y0 + d, x1, y0 + d + 1) for d in insets_y),  # top
            max(fill(x0, y1 - d - 1, x1, y1 - d) for d in insets_y),  # bottom
            max(fill(x0 + d, y0, x0 + d + 1, y1) for d in insets_x),  # left
            max(fill(x1 - d - 1, y0, x1 - d, y1) for d in insets_x),  # right
        ]
        return min(edges) >= min_fill

    def _plausible(self, b: _Box, W: int, H: int) -> bool:
        if b.w < self.min_tile[0] or b.h < self.min_tile[1]:
            return False
        if b.area < self.min_tile_frac * W * H:
            return False
        return self.aspect[0] <= b.w / b.h <= self.aspect[1]

    def _similar(self, b: _Box, w: float, h: float) -> bool:
        t = self.size_tolerance
        slack = 8  # an active-speaker border adds a few pixels around a tile
        return abs(b.w - w) <= t * w + slack and abs(b.h - h) <= t * h + slack

    def _regularise(self, leaves: list[_Box], W: int, H: int, S: np.ndarray | None = None,
                    ev: Evidence | None = None, step: int = 1) -> tuple[list[_Box], tuple[int, int], list[_Box]]:
        """The gallery's tiles among the cut's leaves, its tile size, and the plausible
        leaves larger than that tile that are no block of it (``Layout.candidates``)."""
        if ev is not None:
            leaves = [c for b in leaves for c in (self._split_cards(b, ev, step) or [b])]
        cands = [b for b in leaves if self._plausible(b, W, H)]
        if not cands:
            return [], (0, 0), []
        # The gallery's tile size: the candidate size that explains the most tiles, a
        # leaf counting as k tiles when it is a kx x ky block of that size (ties: larger).
        def explained(size: _Box) -> int:
            return sum(
                1 if self._similar(o, size.w, size.h) else len(self._split_merged(o, size.w, size.h, S, ev, step))
                for o in leaves
            )

        # Many candidates share one size: score each distinct (w, h) once (the first
        # largest box of that size represents it, as the per-box max would pick).
        by_size: dict[tuple[int, int], _Box] = {}
        for b in sorted(cands, key=lambda b: -b.area):
            by_size.setdefault((b.w, b.h), b)
        ref = max(by_size.values(), key=lambda b: (explained(b), b.area))
        group = [o for o in cands if self._similar(o, ref.w, ref.h)]
        tw = float(np.median([o.w for o in group]))
        th = float(np.median([o.h for o in group]))
        tiles: list[_Box] = []
        larger: list[_Box] = []
        for b in leaves:
            if self._similar(b, tw, th):
                tiles.append(b)
                continue
            split = self._split_merged(b, tw, th, S, ev, step)
            tiles.extend(split)
            if not split and b in cands and b.area > 2.0 * tw * th:
                larger.append(b)
        # a real gallery tile holds content over most of its area; drop the rest
        tiles = [b for b in tiles if b.w >= self.min_tile[0] and b.h >= self.min_tile[1]]
        tiles = _dedupe(tiles)
        if S is not None:
            tiles += _lattice_holes(tiles, S, tw, th)
        return tiles, (int(round(tw)), int(round(th))), larger

    def _split_cards(self, b: _Box, ev: Evidence, step: int) -> list[_Box]:
        """A leaf too wide (or tall) for one tile that is k camera-off cards touching, in
        one row (column): each part of a tile's aspect (``grid_aspect``), the card's one
        grey across every seam (no line to cut on: Zoom draws touching cards of one grey,
        two profile photos side by side in a real recording), and something on every
        card (a name, initials, a photo) around the middle of its part. [] otherwise."""
        g = ev.gray_full
        x0, y0, x1, y1 = b.x * step, b.y * step, (b.x + b.w) * step, (b.y + b.h) * step
        if x1 - x0 < 8 or y1 - y0 < 8:
            return []
        aspect = b.w / b.h
        if self.aspect[0] <= aspect <= self.aspect[1]:
            return []
        crop = g[y0:y1, x0:x1]
        card = int(np.bincount(np.concatenate([crop[0], crop[-1], crop[:, 0], crop[:, -1]])).argmax())
        along = 1 if aspect > 1 else 0  # the axis the cards run along (1: x)
        n_along = crop.shape[along]
        lo, hi = self.grid_aspect
        flat = None  # the card's grey, measured once a part count fits
        for k in range(2, 8):
            cell = n_along / k
            cell_aspect = cell / crop.shape[0] if along == 1 else crop.shape[1] / cell
            if not lo <= cell_aspect <= hi:
                continue
            if flat is None:
                flat = np.abs(crop.astype(np.int16) - card) <= self.tolerance
            ok = True
            for i in range(k):
                if i:  # the seam: one grey, 3% of a card to each side
                    c, r = int(round(i * cell)), max(2, int(0.03 * cell))
                    band = flat[:, c - r:c + r] if along == 1 else flat[c - r:c + r]
                    if band.mean() < 0.95:
                        ok = False
                        break
                a, z = int(round((i + 0.3) * cell)), int(round((i + 0.7) * cell))
                middle = flat[:, a:z] if along == 1 else flat[a:z]
                if middle.mean() > 0.97:  # nothing on this card
                    ok = False
                    break
            if ok:
                sx = b.w / k if along == 1 else b.w
                sy = b.h / k if along == 0 else b.h
                return [_Box(int(round(b.x + i * sx)) if along == 1 else b.x,
                             int(round(b.y + i * sy)) if along == 0 else b.y,
                             int(round(sx)), int(round(sy))) for i in range(k)]
        return []

    def _split_merged(self, b: _Box, tw: float, th: float, S: np.ndarray | None = None,
                      ev: Evidence | None = None, step: int = 1) -> list[_Box]:
        """A leaf that is kx tiles wide and ky tall, because an active-speaker border
        bridged the thin gaps around its tile: cut it into the kx x ky grid. With the
        gap mask's integral ``S`` and the frame's straight-edge evidence ``ev`` (the cut
        works at 1 / ``step`` of the frame), every cut must lie on a gap line
        (a quarter of its pixels or more gap-coloured, within a few pixels of the cut)
        or on a straight edge (tiles touching, as in a Zoom filmstrip): a bridged gap is
        still there beside the border (48% of the line in the shared screenshot_j.png), while a speaker's video or a slide that happens to measure
        k tiles has no gap inside (found on synthetic speaker views: a 6 x 6 "block")."""
        t = self.size_tolerance
        for ky in range(1, 8):
            if abs(b.h - ky * th) > t * th + 8 * ky:
                continue
            for kx in range(1, 8):
                if kx * ky == 1 or abs(b.w - kx * tw) > t * tw + 8 * kx:
                    continue
                sx, sy = b.w / kx, b.h / ky
                if S is not None and ev is not None and not self._cuts_on_lines(S, ev, step, b, kx, ky):
                    return []
                parts = [
                    _Box(int(round(b.x + i * sx)), int(round(b.y + j * sy)), int(round(sx)), int(round(sy)))
                    for j in range(ky)
                    for i in range(kx)
                ]
                # a part that is mostly gap colour is an empty place the leaf took in (a
                # centred last row's flank, its gap blurred by a bicubic resize), as
                # _lattice_holes has it: zoom_evo_gallery23 at 1180 x 674 read 24 tiles
                return [c for c in parts if S is None or _gap_share(S, c) < LATTICE_HOLE_GAP]
        return []

    def _cuts_on_lines(self, S: np.ndarray, ev: Evidence, step: int, b: _Box, kx: int, ky: int,
                       share: float = 0.25, edge: float = 0.6) -> bool:
        """Whether every inner cut of ``b`` into kx x ky lies, within max(4, 6%) of the
        cell size, on a gap line (``share`` of it gap-coloured, from the gap mask's
        integral ``S``) or on a straight edge (``edge`` of :class:`Evidence` along the
        box's span, its quarters' signs counted apart: 1 for one clean edge, ~0.3
        inside video)."""
        x0, y0, x1, y1 = b.x, b.y, b.x + b.w, b.y + b.h
        to_ev = step / ev.f  # cut pixels -> evidence pixels
        for axis, k, lo, hi in ((1, kx, x0, x1), (0, ky, y0, y1)):
            cell = (hi - lo) / k
            r = max(4, int(0.06 * cell))
            if axis == 1:
                prof = ev.col_profile(int(y0 * to_ev), max(int(y0 * to_ev) + 1, int(y1 * to_ev)), segments=4)
            else:
                prof = ev.row_profile(int(x0 * to_ev), max(int(x0 * to_ev) + 1, int(x1 * to_ev)), segments=4)
            for i in range(1, k):
                c = int(round(lo + i * cell))
                a, z = max(lo + 2, c - r), min(hi - 2, c + r + 1)
                if a >= z:
                    return False
                lines = np.arange(a, z)
                if axis == 1:
                    gap = (S[y1, lines + 1] - S[y1, lines] - S[y0, lines + 1] + S[y0, lines]) / 255.0 / b.h
                else:
                    gap = (S[lines + 1, x1] - S[lines, x1] - S[lines + 1, x0] + S[lines, x0]) / 255.0 / b.w
                if gap.max() >= share:
                    continue
                near = prof[int(a * to_ev): max(int(a * to_ev) + 1, int(np.ceil(z * to_ev)))]
                if near.size == 0 or near.max() < edge:
                    return False
        return True


def _window_over(ev: Evidence, tiles: tuple[Tile, ...]) -> tuple[tuple[int, int, int, int], ...]:
    """A foreign window lying over tiles found whole (the gap cut's, or a grid that holds):
    frame pixels, empty when none. A dialog over a gallery whose gaps it leaves mostly
    seen is cut through, its tiles all found, and those under it hide their student.
    Looked for where a tile fails (:func:`~classmood.detectors.grid_fit.foreign_window`: a
    side hidden or the tile taking in background), or else where a gap between two
    neighbours is unseen from both sides, then only a window across a gap (over two
    tiles or more); the tiles must hold their lattice where they are seen. Costs under
    2 ms at 1080p on synthetic galleries of 9-49 tiles (min of 15 runs of the tile finder,
    one core: 16.1/16.3/16.3 ms before, 18.0/17.4/14.0 after: within the machine's
    noise)."""
    if len(tiles) < 4:
        return ()
    f = ev.f
    b = np.array([[int(round(v / f)) for v in t.bbox] for t in tiles], np.int64)
    b[:, 2:] = np.maximum(b[:, 2:], 1)
    window = foreign_window(ev, b, failing_only=True) or foreign_window(ev, b, across=True)
    if window is None:
        return ()
    x, y, w, h = window
    H, W = ev.gray_full.shape
    x0, y0 = max(0, x * f), max(0, y * f)
    return ((x0, y0, min(W, (x + w) * f) - x0, min(H, (y + h) * f) - y0),)


SNAP_REACH = 0.025
"""How far a gap-cut box's side may move onto a straight edge, as a share of the cut's
median tile width (the same reach across and down): 10 px at 384 px tiles. Measured on
screenshot.png as one H.264 intra frame (CRF 28): the cut took in up to 8 px beyond a
tile's side (a 2 x 2 block merged across a 2 px gap beside a speaker frame, split evenly;
the 3 px top margin)."""

SNAP_GAP_LINE = 0.6
"""A line along a side is gap-like when this share of its middle 80% or more lies within
max(4, tolerance) grey levels of the background (:class:`Evidence`). The codec leaves a
thin gap only partly within the frame's own tolerance (screenshot.png at CRF 28: the
6 px gap between two rows 42-94% within 4 levels, 19-85% within 2; the tile's lines
beside it 1-3%)."""

def _snap_side(gray: np.ndarray, bg: int | None, t: int, p: int, r: int, a0: int, a1: int,
               vertical: bool, inside: int) -> int:
    """The boundary (between pixels q-1 and q) within ``r`` of ``p`` with the strongest
    straight edge along [a0, a1) (:func:`~classmood.detectors.grid_fit.boundary_edges`), never one whose tile would begin with 2 or more
    gap-like lines out of its first 3 (:data:`SNAP_GAP_LINE`); ``inside`` +1: the tile
    lies after the boundary, -1: before it. A side with a gap-like line among the 3 just
    outside it scores 0.1 more (a speaker frame's outer edge, not its inner one: the
    shared screenshot_j.png's framed tile, 3 px in, both edges clear). Ties stay at
    ``p``."""
    n = gray.shape[1] if vertical else gray.shape[0]
    lo, hi = max(4, p - r), min(n - 4, p + r)
    if hi < lo or a1 - a0 < 4:
        return p
    c0, qs, s, e = boundary_edges(gray, lo, hi, a0, a1, vertical)
    k = qs - c0
    if bg is not None:
        gapish = (np.abs(s - bg) <= t).mean(axis=0) >= SNAP_GAP_LINE
        m = len(gapish) - 1
        first = [k + i if inside > 0 else k - 1 - i for i in range(3)]
        count = sum(gapish[np.clip(f, 0, m)].astype(np.int8) for f in first)
        # gap just outside: a speaker frame's outer edge, which belongs to its tile (as
        # the gap cut has it), rather than the frame's inner edge a few pixels in
        outside = [k - 1 - i if inside > 0 else k + i for i in range(3)]
        out_gap = np.any([gapish[np.clip(f, 0, m)] for f in outside], axis=0)
        e = e - (count >= 2) + 0.1 * out_gap
    e = e - 0.004 * np.abs(qs - p)  # ties: stay
    return int(qs[int(np.argmax(e))])


def _snap_to_edges(cut: list[tuple[int, int, int, int]], gray_full: np.ndarray, ev: Evidence,
                   step: int) -> list[tuple[int, int, int, int]]:
    """The gap cut's boxes (x, y, w, h at 1 / ``step`` of the frame) in full-frame pixels,
    each side placed on the strongest straight edge (signed contrast of 2-pixel sums, as
    :class:`Evidence`, along the side's middle 80%) within :data:`SNAP_REACH` of the
    tiles' width, inwards or outwards, where the tile does not begin with gap-like lines
    (:func:`_snap_side`)."""
    full = [(x * step, y * step, w * step, h * step) for x, y, w, h in cut]
    r = max(2, int(round(SNAP_REACH * float(np.median([b[2] for b in full])))))
    t = max(4, int(ev.tol))
    H, W = gray_full.shape
    out = []
    for x, y, w, h in full:
        x1, y1 = x + w, y + h
        my0, my1, mx0, mx1 = y + h // 10, y1 - h // 10, x + w // 10, x1 - w // 10
        left = _snap_side(gray_full, ev.bg, t, x, r, my0, my1, True, +1)
        right = _snap_side(gray_full, ev.bg, t, x1, r, my0, my1, True, -1)
        top = _snap_side(gray_full, ev.bg, t, y, r, mx0, mx1, False, +1)
        bottom = _snap_side(gray_full, ev.bg, t, y1, r, mx0, mx1, False, -1)
        left, top, right, bottom = max(0, left), max(0, top), min(W, right), min(H, bottom)
        if right - left < w // 2 or bottom - top < h // 2:
            left, top, right, bottom = x, y, x1, y1
        out.append((left, top, right - left, bottom - top))
    return out


def _scale_box(b: _Box, step: int, W: int, H: int) -> tuple[int, int, int, int]:
    """A box found on the ``step``-decimated copy, in full-frame pixels."""
    x, y = b.x * step, b.y * step
    return x, y, min(W - x, b.w * step), min(H - y, b.h * step)


def _border_colour(image: np.ndarray) -> Colour | None:
    """The colour of most of the frame's outer ring, if one colour dominates it."""
    ring = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]]).astype(np.int16)
    med = np.median(ring, axis=0)
    if np.mean(np.abs(ring - med).max(axis=1) <= 4) < 0.5:
        return None
    return tuple(int(v) for v in med)


def _largest_region(gap: np.ndarray) -> tuple[int, int, int, int]:
    """Bounding box of the largest connected gap-coloured area: the gallery's
    background. Cutting inside it ignores the desktop, wallpaper or side panels around a
    window, which would otherwise keep every row from being a full-width gap line."""
    H, W = gap.shape
    small = np.ascontiguousarray(gap[::4, ::4])  # quarter resolution finds the big region
    n, _, stats, _ = cv2.connectedComponentsWithStats(small, connectivity=4)
    if n <= 1:
        return 0, 0, W, H
    k = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    if stats[k, cv2.CC_STAT_AREA] < 0.01 * small.size:
        return 0, 0, W, H
    x, y, w, h = (int(v) * 4 for v in stats[k, :4])
    return x, y, min(W - x, w + 4), min(H - y, h + 4)


def _span(separators: np.ndarray) -> tuple[int, int] | None:
    """[first, last + 1) of the lines that are not gap lines in a 1-D boolean array of
    gap lines; None when all are."""
    if separators.all():
        return None
    first = int(np.argmin(separators))
    return first, len(separators) - int(np.argmin(separators[::-1]))


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) runs of True in a 1-D boolean array."""
    if not mask.any():
        return []
    m = np.zeros(len(mask) + 2, np.int8)
    m[1:-1] = mask
    d = m[1:] - m[:-1]
    starts = np.flatnonzero(d == 1)
    ends = np.flatnonzero(d == -1)
    return list(zip(starts.tolist(), ends.tolist()))


LATTICE_HOLE_GAP = 0.5
"""A hole in the gallery's lattice is a tile when less than this share of it is gap colour
(the tiles the cut missed in cases/presence/lowlight_dim25.png: 9-19%; an empty place at the
end of a left-aligned last row: ~100%)."""


def lattice_lines(values: Sequence[float], tol: float) -> list[float]:
    """A lattice's lines from its tiles' sides: ``values`` (the tiles' left sides, or their
    tops, pixels) sorted and grouped into runs each within ``tol`` of the previous; the
    median of each run, ascending."""
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [float(np.median(g)) for g in out]


def _lattice_holes(tiles: list[_Box], S: np.ndarray, tw: float, th: float) -> list[_Box]:
    """Tiles the cut missed inside the gallery's lattice.

    A gallery is a lattice of equal tiles: the columns are the found tiles' left edges,
    the rows their top edges (within a tenth of a tile), so every row and column of it
    holds a found tile. A place on it that overlaps no found tile and is mostly not gap
    colour (``LATTICE_HOLE_GAP``; ``S`` is the gap mask's integral) is a tile whose
    edges the cut could not see: a dim room's video as dark as the gap, a tile the gap
    colour bleeds into. A centred last row sits off the lattice and an empty place is
    gap-coloured: neither adds a tile. Needs 3 tiles or more on 2 rows and 2 columns.
    """
    if len(tiles) < 3:
        return []

    cols = [int(v) for v in lattice_lines([b.x for b in tiles], 0.1 * tw)]
    rows = [int(v) for v in lattice_lines([b.y for b in tiles], 0.1 * th)]
    if len(cols) < 2 or len(rows) < 2:
        return []
    H, W = S.shape[0] - 1, S.shape[1] - 1
    w, h = int(round(tw)), int(round(th))
    # every place's overlap with every found tile at once (a 49-tile gallery: 2,400 pairs)
    t = np.array([(b.x, b.y, b.x + b.w, b.y + b.h) for b in tiles], np.int64)
    px, py = np.meshgrid(np.array(cols, np.int64), np.array(rows, np.int64))
    px, py = px.ravel(), py.ravel()
    ix = np.clip(np.minimum(px[:, None] + w, t[None, :, 2]) - np.maximum(px[:, None], t[None, :, 0]), 0, None)
    iy = np.clip(np.minimum(py[:, None] + h, t[None, :, 3]) - np.maximum(py[:, None], t[None, :, 1]), 0, None)
    on_tile = ((ix * iy) > 0.05 * w * h).any(axis=1)
    holes: list[_Box] = []
    for x, y, taken in zip(px.tolist(), py.tolist(), on_tile.tolist()):
        if taken or x < 0 or y < 0 or x + w > W or y + h > H:
            continue
        cell = _Box(x, y, w, h)
        if any(overlap((x, y, w, h), (b.x, b.y, b.w, b.h)) > 0.05 * cell.area for b in holes):
            continue
        if _gap_share(S, cell) < LATTICE_HOLE_GAP:
            holes.append(cell)
    return holes


def _gap_share(S: np.ndarray, b: _Box) -> float:
    """Share of box ``b``'s pixels that are gap colour (``S``: the gap mask's integral)."""
    x0, y0 = max(0, b.x), max(0, b.y)
    x1, y1 = min(S.shape[1] - 1, b.x + b.w), min(S.shape[0] - 1, b.y + b.h)
    if x1 <= x0 or y1 <= y0:
        return 0.0
    gap = int(S[y1, x1] - S[y0, x1] - S[y1, x0] + S[y0, x0]) // 255
    return gap / float((x1 - x0) * (y1 - y0))


def _dedupe(boxes: list[_Box]) -> list[_Box]:
    """Largest first, drop a box that lies mostly (>= 50% of the smaller) on a kept one.
    XY-cut leaves are disjoint, so this is a safety net: vectorised, it costs nothing."""
    if len(boxes) < 2:
        return list(boxes)
    order = sorted(boxes, key=lambda b: -b.area)
    a = np.array([(b.x, b.y, b.x + b.w, b.y + b.h) for b in order], np.int64)
    ix = np.clip(np.minimum(a[:, None, 2], a[None, :, 2]) - np.maximum(a[:, None, 0], a[None, :, 0]), 0, None)
    iy = np.clip(np.minimum(a[:, None, 3], a[None, :, 3]) - np.maximum(a[:, None, 1], a[None, :, 1]), 0, None)
    area = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    frac = ix * iy / np.maximum(1, np.minimum(area[:, None], area[None, :]))
    kept: list[int] = []
    for i in range(len(order)):
        if not kept or frac[i, kept].max() < 0.5:
            kept.append(i)
    return [order[i] for i in kept]


def reading_order(boxes: list[BBox]) -> list[BBox]:
    """Boxes ``(x, y, w, h)`` in reading order: rows top to bottom (a box joins a row when
    its vertical centre lies within the row's first box, so tiles of mixed sizes, a
    speaker beside a strip, order as they are seen), then left to right."""
    rows: list[list[BBox]] = []
    for b in sorted(boxes, key=lambda b: b[1] + b[3] / 2):
        cy = b[1] + b[3] / 2
        if rows and rows[-1][0][1] <= cy <= rows[-1][0][1] + rows[-1][0][3]:
            rows[-1].append(b)
        else:
            rows.append([b])
    return [b for row in rows for b in sorted(row, key=lambda b: b[0])]
