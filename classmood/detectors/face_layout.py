"""Layout from faces: a participant region around every face, when no layout fits.

The tile finder (:mod:`classmood.detectors.tiles`) fits galleries: regular grids of equal
tiles. A speaker view, a filmstrip beside shared content, a phone's stacked tiles, a
picture-in-picture or an app never seen do not fit, and the frame came back as no tile or
one, whatever it showed. Faces are the evidence that is left: a frame with faces is never
"0" or "1 participant". The frame is searched for faces anywhere
(:meth:`classmood.detectors.faces.FaceFinder.find_everywhere`), and each face gets a
region here, as its tile:

* each side of the region is the **nearest straight line** beside the face (a tile's
  border: the contrast of one sign along the line, from the tile finder's
  :class:`~classmood.detectors.grid_fit.Evidence`, counted per quarter of the line so
  that a border between two touching videos, brighter on one part and darker on
  another, counts too) that is strong over the face's band (``SNAP_LEVEL``) and, once
  the region is known, along the region's whole side (``SIDE_LEVEL``);
* where there is no such line within ``REACH`` face sizes, the side is placed at a
  typical tile's distance from the face (``DEFAULT_EXTENT``: a head-and-shoulders
  picture);
* faces whose regions are the same box are one tile holding several people (a room);
  other regions that overlap are cut apart halfway between their faces, so that every
  region holds its own people;
* **strips** (:func:`fit_strips`): faces of about one size on one line (a filmstrip, a
  speaker view's strip, a row of a gallery the grid fit missed) are fitted as a strip of
  equal tiles: its two long sides are the strongest lines beside the faces over the whole
  line, its tiles the equal intervals between straight lines across it. The tiles are
  exact where a face's own region is not (a name label's edge, a shelf), and the strip's
  tiles without a face (a camera-off card, a face too small for the frame-wide search)
  are tiles too;
* **lattices** (:func:`fit_lattice`): regions of one size on two rows and two columns or
  more are tiles of a gallery: a region of the lattice cut short (an app's dialog over
  it) is its whole cell, and a place of the lattice with no face (hidden, turned away)
  and straight sides is a tile too.

The regions are what a teacher would point at: boxes around each visible person, exact
where the app draws a tile border, approximate where it does not. Their kind of layout
is named by :func:`layout_kind` (``gallery``, ``speaker``, ``filmstrip``, ``mixed``).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..geometry import BBox, iou, overlap
from ..types import Face, Tile
from .grid_fit import Evidence, holds_a_tile
from .tiles import lattice_lines, reading_order

SNAP_LEVEL = 0.85
"""Straight-line evidence over the face's band (one face size above and below its centre,
or left and right) that makes a line a candidate side. Measured on the shared real
screenshots: tile borders 0.96-1.0 over a face's band (a 2 px dark gap beside video);
the strongest lines inside videos (bookshelves, window frames, headphones) 0.4-0.8."""
SIDE_LEVEL = 0.6
"""Evidence a snapped side must keep along the region's whole side (its quarters
counted apart); below it the side goes back to ``DEFAULT_EXTENT``. A tile border scores
0.74-1.0 (0.74: dark clothes against a dark gap); a line inside a video ends within the
tile and scores less over the tile's length."""
REACH = 6.0
"""How far a side may lie from the face's centre, in face sizes (a speaker view's face
is a fifth of its tile's width, ~2.5 face sizes to each side; a far face in a room
more)."""
DEFAULT_EXTENT = (1.6, 1.6, 1.1, 2.0)
"""Left, right, top and bottom extent of a region side that found no line, in face widths
(left, right) and heights (top, bottom) from the face's centre: a 16:9-ish head and
shoulders picture, as in a filmstrip tile."""
SAME_TILE_IOU = 0.6
"""Two faces' regions overlapping this much (intersection over union) are one tile."""
STRIP_LINE = 0.6
"""Straight-line evidence (each quarter of the line counted apart) of a border across a
strip, between two of its tiles; as ``SIDE_LEVEL``."""
STRIP_ALIGN = 1.5
"""Faces whose centres lie within this many face sizes of a line's mean are on it: a
face sits anywhere across a 16:9 tile of a column (4-5 face sizes wide), and a row's
neighbouring tiles are 4 face sizes or more apart."""
STRIP_SIDE_REACH = (3.0, 4.5)
"""How far a strip's long sides may lie from its faces, in face sizes: before the faces
(above a row, left of a column) and after them. Measured on the shared real strips: a
tile's top 0.4-1.4 face sizes above the face, its bottom 1.4-2.6 below; 16:9 tiles of a
column 1.5-3 face sizes to each side."""
STRIP_SAME = 0.04
"""Tiles of one strip are equal: two lines this share of the strip's tile length (at
least 3 px at work scale) off its length apart are a tile of it (their places are a
pixel or two off after JPEG and scaling); the gap between two tiles is at most
``STRIP_GAP`` of it (Zoom's 4-6 px on 250 px strip tiles at 1080p, Meet's ~4%)."""
STRIP_GAP = 0.12
INNER_SAME = 0.85
"""A line within 5% of a tile's length inside its border line is the border's too (a gap's
far edge, a drawn frame) when its evidence is at least this share of the border's: both
edges of a gap score 0.95-1.0 in the shared real strips, lines inside touching videos
next to their border 0.6-0.8."""
STRIP_CENTRE_FREE = 0.1
"""How far (a share of the tile's width) a face in a row strip may lie off its tile's middle
at no cost. Measured on the 162 faces alone in gallery tiles of the shared real
screenshots: the face centre at 0.38-0.60 of its tile's width (2nd-98th percentile; median
0.50; the height is no guide: 0.26-0.78)."""
STRIP_CENTRE_COST = 4.0
"""Cost of each further share of the tile's width off its middle, in units of a line's
evidence (a face at 0.25 of a wrongly fitted tile's width costs 0.6). On a strip of four
touching videos with busy rooms (teams_evo_share_strip_4video.png at 0.67x), a length
whose tiles began at a doorframe and a poster's edge (faces at 0.16 and 0.67 of them)
outscored the true one by 0.04 and is now 1.2 behind."""
LATTICE_SAME = 0.04
"""Regions of one lattice are equal: width and height within this share (and 3 px), as a
strip's tiles (``STRIP_SAME``)."""
STRIP_ASPECT = (0.5, 2.1)
"""w/h of a strip's tiles: a phone's portrait video (0.56) to 16:9 with a speaker frame, as
the grid fit's tiles (``TileFinder.grid_aspect``); a strip "tile" of 2.3 was half a 16:9
tile and a name label's edge."""


def face_regions(evidence: Evidence, faces: Sequence[Face], frame_size: tuple[int, int]
                 ) -> list[tuple[BBox, list[int]]]:
    """A region (tile) around each face, merged where faces share one.

    Args:
        evidence: the frame's straight-edge evidence (``Evidence(gray)``; work scale
            ``evidence.f``).
        faces: faces in frame pixels (:meth:`FaceFinder.find_everywhere`).
        frame_size: (width, height) of the frame in pixels.

    Returns:
        ``(box, face_indices)`` per region, box ``(x, y, w, h)`` int frame pixels,
        in reading order (:func:`~classmood.detectors.tiles.reading_order`; regions
        that round to one box are one); ``face_indices`` index ``faces``.
    """
    W, H = frame_size
    boxes = [_region(evidence, f) for f in faces]
    groups: list[tuple[list[float], list[int]]] = []
    for i in sorted(range(len(faces)), key=lambda i: -faces[i].score):
        b = boxes[i]
        for g in groups:
            if iou(tuple(g[0]), b) >= SAME_TILE_IOU:
                g[1].append(i)
                break
        else:
            groups.append((list(b), [i]))
    # strips first, on the regions as found: a region beside a strip (the speaker's) is
    # then cut back to the strip's tiles, not halfway to the strip's faces
    tiles, rest = fit_strips(evidence, faces, [(tuple(g[0]), g[1]) for g in groups])
    cut = [list(b) for b, _ in rest]
    _cut_apart(cut, [_centre_of(faces, idx) for _, idx in rest])
    pairs = tiles + [(tuple(b), idx) for b, (_, idx) in zip(cut, rest)]
    snapped, holes = fit_lattice(evidence, [b for b, _ in pairs])
    pairs = [(b, idx) for b, (_, idx) in zip(snapped, pairs)] + [(b, []) for b in holes]
    out: dict[tuple[int, int, int, int], list[int]] = {}
    for (box, idx) in pairs:
        x0, y0, x1, y1 = (int(round(v)) for v in (box[0], box[1], box[0] + box[2], box[1] + box[3]))
        x0, y0, x1, y1 = max(0, x0), max(0, y0), min(W, x1), min(H, y1)
        if x1 - x0 >= 8 and y1 - y0 >= 8:
            out.setdefault((x0, y0, x1 - x0, y1 - y0), []).extend(idx)
    return [(box, sorted(out[box])) for box in reading_order(list(out))]


def fit_strips(evidence: Evidence, faces: Sequence[Face], regions: Sequence[tuple[BBox, list[int]]]
               ) -> tuple[list[tuple[BBox, list[int]]], list[tuple[BBox, list[int]]]]:
    """Regions of faces on one line replaced by a fitted strip of equal tiles.

    Faces of about one size (within 2x) whose centres lie on one horizontal line (within
    ``STRIP_ALIGN`` face sizes; a row of tiles) or one vertical line (a column) are a
    strip when: its two long sides are the strongest straight lines beside the faces over
    the whole line (within ``STRIP_SIDE_REACH``; the frame's edge where the capture cuts
    the strip and shows no line), and around two faces or more there are
    two straight lines across the strip (``STRIP_LINE``) one tile length apart, the same
    length for all (within ``STRIP_SAME``; tile w/h within ``STRIP_ASPECT``), no two
    overlapping, all at one pitch (the tile and a gap of at most ``STRIP_GAP`` of it),
    and no strong line across a tile's middle (two tiles taken for one). Of the lengths
    that do, the one giving the most tiles wins, then the best score: the lines at the
    ends of the faces' tiles and of the places between them, less the lines across their
    middles, less how far a row's faces lie off their tiles' middles
    (``STRIP_CENTRE_FREE``, ``STRIP_CENTRE_COST``). The strip's tiles are those, and the
    tiles of that length joined to them over gaps, each with four clear sides (a
    camera-off card, a face the frame-wide search missed; shared content beside the strip
    has no such sides), the last one at the frame's edge cut by it (half a tile or more).
    A smaller face inside a strip tile with a region of its own (a self-view
    picture-in-picture) keeps its region.

    Args:
        evidence: the frame's :class:`Evidence` (work scale ``evidence.f``).
        faces: the faces, frame pixels.
        regions: ``(box, face_indices)`` per region, box (x, y, w, h) frame pixels.

    Returns:
        ``(tiles, rest)``: the strips' tiles, each with the faces in it (a tile with no
        face has an empty index list), and the other regions, each cut back to clear the
        strips' tiles (:func:`clear_of`; unchanged when there is no strip).
    """
    ev, f = evidence, evidence.f
    regions = [(tuple(float(v) for v in b), list(idx)) for b, idx in regions]
    tiles: list[tuple[BBox, list[int]]] = []
    taken: set[int] = set()  # faces in a strip
    group = {i: k for k, (_, idx) in enumerate(regions) for i in idx}
    for axis in (0, 1):
        for line in _face_lines(faces, axis, taken):
            strip = _strip(ev, faces, line, axis)
            if strip is None:
                continue
            for box, idx in strip:
                box = tuple(v * f for v in box)
                if len(idx) > 1:
                    # a smaller face with a region of its own inside the tile (a self-view
                    # picture-in-picture) keeps it; people sharing the camera share a region
                    main = max(idx, key=lambda i: faces[i].bbox[2])
                    idx = [i for i in idx if group.get(i) == group.get(main)
                           or _area(regions[group[i]][0]) >= 0.5 * _area(box)]
                tiles.append((box, idx))
                taken.update(idx)
    if not tiles:
        return [], regions
    boxes = [b for b, _ in tiles]
    rest = []
    for box, idx in regions:
        idx = [i for i in idx if i not in taken]
        if idx:
            rest.append((clear_of(box, boxes, [faces[i] for i in idx]), idx))
    return tiles, rest


def fit_lattice(evidence: Evidence, boxes: Sequence[BBox]) -> tuple[list[BBox], list[BBox]]:
    """Regions on a lattice of equal tiles, completed: cut-short ones and empty places.

    Two regions or more of one size (within ``LATTICE_SAME``) are tiles of a lattice, as a
    gallery's are: its columns are their left sides, its rows their tops (within a tenth
    of a tile). A region of the lattice's width on one of its rows (or of its height on
    one of its columns) but shorter is a tile cut short by what lies over it (an app's
    dialog, a self-view picture): it becomes the lattice's cell when that overlaps no
    other region (5% of a tile) and its four sides are straight lines
    (:func:`_clear_sides`), and its side gives the lattice a column (row). With three
    tiles or more on two rows and two columns, each other place of the lattice that
    overlaps no region and is a picture with straight sides (:func:`~classmood.detectors.grid_fit.holds_a_tile`: one
    may be hidden) is a tile whose face is not visible
    (covered by a dialog, turned away, out of the picture): the 2x2 block of a Teams
    gallery with a dialog over one face. Regions of several sizes make several lattices.

    Args:
        evidence: the frame's :class:`Evidence` (work scale ``evidence.f``).
        boxes: the regions found, ``(x, y, w, h)`` frame pixels.

    Returns:
        ``(boxes, holes)``: ``boxes`` in the same order, cut-short ones replaced by their
        cell, and the empty places; ``(x, y, w, h)`` float frame pixels, in the frame.
    """
    ev, f = evidence, evidence.f
    W, H = ev.w * f, ev.h * f
    boxes = [tuple(float(v) for v in b) for b in boxes]
    holes: list[BBox] = []
    done: set[int] = set()

    def same(a: float, b: float) -> bool:
        return abs(a - b) <= LATTICE_SAME * b + 3

    def free(cell: BBox, skip: int = -1) -> bool:
        inside = cell[0] >= -2 and cell[1] >= -2 and cell[0] + cell[2] <= W + 2 and cell[1] + cell[3] <= H + 2
        return inside and not any(overlap(cell, o) > 0.05 * cell[2] * cell[3]
                                  for j, o in enumerate(boxes + holes) if j != skip)

    for i, b in enumerate(boxes):
        if i in done:
            continue
        group = [j for j, o in enumerate(boxes) if j not in done and same(o[2], b[2]) and same(o[3], b[3])]
        if len(group) < 2:
            continue
        done.update(group)
        w = float(np.median([boxes[j][2] for j in group]))
        h = float(np.median([boxes[j][3] for j in group]))
        on = lambda v, starts, size: any(abs(v - t) <= 0.1 * size for t in starts)  # noqa: E731
        for j, o in enumerate(boxes):
            if j in done:
                continue
            xs, ys = [boxes[k][0] for k in group], [boxes[k][1] for k in group]
            if same(o[2], w) and on(o[1], ys, h) and o[3] < h:
                cell = (o[0], o[1], o[2], h)
            elif same(o[3], h) and on(o[0], xs, w) and o[2] < w:
                cell = (o[0], o[1], w, o[3])
            else:
                continue
            if free(cell, skip=j) and _clear_sides(ev, tuple(v / f for v in cell)):
                boxes[j] = cell
                group.append(j)
                done.add(j)
        cols = lattice_lines([boxes[j][0] for j in group], 0.1 * w)
        rows = lattice_lines([boxes[j][1] for j in group], 0.1 * h)
        if len(group) < 3 or len(cols) < 2 or len(rows) < 2:
            continue
        for y in rows:
            for x in cols:
                # the place's width is its column's and its height its row's, where known:
                # a lattice's columns may differ by a few pixels (a Teams gallery at 0.67x:
                # 388 and 383 px; the place in the second column, 388 wide, had its right
                # side 5 px off the border and was lost)
                cw = [boxes[k][2] for k in group if abs(boxes[k][0] - x) <= 0.1 * w]
                rh = [boxes[k][3] for k in group if abs(boxes[k][1] - y) <= 0.1 * h]
                cell = (x, y, float(np.median(cw)) if cw else w, float(np.median(rh)) if rh else h)
                if free(cell) and holds_a_tile(ev, tuple(v / f for v in cell)):
                    holes.append(cell)
    return boxes, holes


def clear_of(box: BBox, others: Sequence[BBox], faces: Sequence[Face]) -> BBox:
    """``box`` (x, y, w, h) cut back, one side per box of ``others`` it overlaps, so that it
    overlaps none of them: of the four cuts the one keeping the most area with every
    face's centre still inside (unchanged where no cut keeps them)."""
    x0, y0, x1, y1 = box[0], box[1], box[0] + box[2], box[1] + box[3]
    centres = [f.center for f in faces]
    for ox, oy, ow, oh in others:
        if ox >= x1 or ox + ow <= x0 or oy >= y1 or oy + oh <= y0:
            continue
        cuts = [(x0, y0, x1, min(y1, oy)), (x0, max(y0, oy + oh), x1, y1),
                (x0, y0, min(x1, ox), y1), (max(x0, ox + ow), y0, x1, y1)]
        cuts = [c for c in cuts if c[2] > c[0] and c[3] > c[1]
                and all(c[0] <= cx <= c[2] and c[1] <= cy <= c[3] for cx, cy in centres)]
        if cuts:
            x0, y0, x1, y1 = max(cuts, key=lambda c: (c[2] - c[0]) * (c[3] - c[1]))
    return (x0, y0, x1 - x0, y1 - y0)


def layout_kind(tiles: Sequence[Tile], frame_size: tuple[int, int]) -> str:
    """Name the kind of layout a set of tiles makes.

    Returns:
        ``"none"`` (no tile), ``"single"`` (one), ``"speaker"`` (one tile at least 4x
        the median area of the others: the active speaker or a pinned video beside a
        strip), ``"filmstrip"`` (tiles of about one size in one row or column covering
        under 35% of the frame: the strip beside shared content), ``"gallery"`` (tiles
        of about one size, a grid) or ``"mixed"`` (sizes that fit none of these:
        pinned and spotlit tiles, a picture-in-picture).
    """
    if not tiles:
        return "none"
    if len(tiles) == 1:
        return "single"
    W, H = frame_size
    areas = np.array([t.bbox[2] * t.bbox[3] for t in tiles], np.float64)
    order = np.argsort(-areas)
    rest = np.median(areas[order[1:]])
    if areas[order[0]] >= 4.0 * rest:
        return "speaker"
    if areas.max() > 2.0 * areas.min():
        return "mixed"
    cover = float(areas.sum()) / float(max(1, W * H))
    xs = np.array([t.bbox[0] + t.bbox[2] / 2 for t in tiles])
    ys = np.array([t.bbox[1] + t.bbox[3] / 2 for t in tiles])
    tw = float(np.median([t.bbox[2] for t in tiles]))
    th = float(np.median([t.bbox[3] for t in tiles]))
    one_line = np.ptp(ys) <= 0.5 * th or np.ptp(xs) <= 0.5 * tw
    if one_line and cover < 0.35:
        return "filmstrip"
    return "gallery"


# ------------------------------------------------------------------------------ sides
def _nearest(profile: np.ndarray, start: float, stop: float) -> int | None:
    """The position nearest ``start`` in the direction of ``stop`` where ``profile`` is at
    least ``SNAP_LEVEL`` (the first of a run), or None."""
    n = len(profile)
    a, b = int(np.clip(round(start), 0, n - 1)), int(np.clip(round(stop), 0, n - 1))
    if a == b:
        return None
    idx = np.arange(a, b + (1 if b > a else -1), 1 if b > a else -1)
    hit = idx[profile[idx] >= SNAP_LEVEL]
    return int(hit[0]) if len(hit) else None


def _region(ev: Evidence, face: Face) -> tuple[float, float, float, float]:
    """The region around one face, frame pixels (x, y, w, h)."""
    f = ev.f
    fx, fy, fw, fh = (v / f for v in face.bbox)
    cx, cy, s = fx + fw / 2, fy + fh / 2, max(fw, fh)
    dl, dr, dt, db = DEFAULT_EXTENT  # the sides where no line is found
    # candidate lines beside the face, from the profiles over its band
    b0, b1 = int(max(0, cy - s)), int(min(ev.h, cy + s))
    a0, a1 = int(max(0, cx - s)), int(min(ev.w, cx + s))
    snapped = [None, None, None, None]
    if b1 - b0 >= 4 and a1 - a0 >= 4:
        col = ev.col_profile(b0, b1, segments=2)
        row = ev.row_profile(a0, a1, segments=2)
        snapped = [
            _nearest(col, cx - 0.5 * fw, cx - REACH * s),
            _nearest(col, cx + 0.5 * fw, cx + REACH * s),
            _nearest(row, cy - 0.4 * fh, cy - REACH * s),
            _nearest(row, cy + 0.4 * fh, cy + REACH * s),
        ]
    default = [cx - dl * fw, cx + dr * fw, cy - dt * fh, cy + db * fh]
    limits = (float(ev.w), float(ev.h))
    clip = lambda k, v: float(np.clip(v, 0.0, limits[k // 2]))  # the frame bounds a region too
    sides = [clip(k, default[k] if snapped[k] is None else snapped[k]) for k in range(4)]
    # a snapped side must hold along the region's whole side, or it goes back to the default
    l, r, t, b = (int(round(v)) for v in sides)
    if r - l >= 4 and b - t >= 4 and any(v is not None for v in snapped):
        cols, rows = ev.col_profile(t, b, segments=4), ev.row_profile(l, r, segments=4)
        held = (cols[l], cols[r], rows[t], rows[b])
        for k in range(4):
            if snapped[k] is not None and float(held[k]) < SIDE_LEVEL:
                sides[k] = clip(k, default[k])
    l, r, t, b = sides
    return (l * f, t * f, max(1.0, r - l) * f, max(1.0, b - t) * f)


def _centre_of(faces: Sequence[Face], idx: list[int]) -> tuple[float, float]:
    xs = [faces[i].bbox[0] + faces[i].bbox[2] / 2 for i in idx]
    ys = [faces[i].bbox[1] + faces[i].bbox[3] / 2 for i in idx]
    return float(np.mean(xs)), float(np.mean(ys))


def _cut_apart(regions: list[list[float]], centres: list[tuple[float, float]]) -> None:
    """Cut overlapping regions apart (in place), halfway between their faces' centres,
    along the axis on which the faces lie further apart."""
    n = len(regions)
    for i in range(n):
        for j in range(i + 1, n):
            a, b = regions[i], regions[j]
            ix = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
            iy = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
            if ix <= 0 or iy <= 0:
                continue
            (ax, ay), (bx, by) = centres[i], centres[j]
            k = 0 if abs(ax - bx) >= abs(ay - by) else 1  # cut across x (k=0) or y (k=1)
            ca, cb = centres[i][k], centres[j][k]
            mid = (ca + cb) / 2
            lo, hi = (a, b) if ca < cb else (b, a)
            lo[k + 2] = max(1.0, min(lo[k] + lo[k + 2], mid) - lo[k])
            start = max(hi[k], mid)
            hi[k + 2], hi[k] = max(1.0, hi[k] + hi[k + 2] - start), start


# ----------------------------------------------------------------------------- strips
def _face_lines(faces: Sequence[Face], axis: int, taken: set[int]) -> list[list[int]]:
    """Groups (face indices) of two or more faces of about one size on one line: a row
    (``axis`` 0: centres' y within ``STRIP_ALIGN`` face sizes) or a column (1: their x)."""
    idx = [i for i in range(len(faces)) if i not in taken]
    key = lambda i: faces[i].bbox[1 - axis] + faces[i].bbox[3 - axis] / 2  # noqa: E731
    size = lambda i: max(faces[i].bbox[2], faces[i].bbox[3])  # noqa: E731
    lines: list[list[int]] = []
    for i in sorted(idx, key=key):
        for g in lines:
            s = float(np.median([size(j) for j in g]))
            if abs(key(i) - np.mean([key(j) for j in g])) <= STRIP_ALIGN * s and 0.5 * s <= size(i) <= 2.0 * s:
                g.append(i)
                break
        else:
            lines.append([i])
    return [g for g in lines if len(g) >= 2]


def _strip(ev: Evidence, faces: Sequence[Face], line: list[int], axis: int
           ) -> list[tuple[tuple[float, float, float, float], list[int]]] | None:
    """The strip of equal tiles through one line of faces (work scale boxes, each with
    the faces in it), or None when the evidence does not make one (:func:`fit_strips`)."""
    f = ev.f
    fb = np.array([faces[i].bbox for i in line], np.float64) / f  # x, y, w, h
    s = float(np.median(np.maximum(fb[:, 2], fb[:, 3])))
    n_along = ev.w if axis == 0 else ev.h
    lo = int(max(0, fb[:, axis].min() - s))  # the faces' extent along the strip
    hi = int(min(n_along, (fb[:, axis] + fb[:, axis + 2]).max() + s))
    first = float(fb[:, 1 - axis].min())  # and across it
    last = float((fb[:, 1 - axis] + fb[:, 3 - axis]).max())
    # the strip's long sides: the strongest lines over the whole line, before and after
    prof = ev.row_profile(lo, hi, segments=8) if axis == 0 else ev.col_profile(lo, hi, segments=8)
    before, after = STRIP_SIDE_REACH
    a = _strongest(prof, first - 1, first - before * s)
    b = _strongest(prof, last + 1, last + after * s)
    # a strip the frame cuts (a capture that ends across its tiles) is bounded by the
    # frame's edge, where no line shows: a strip at the bottom of a screenshot had a
    # dark last row as its side, gone when the screenshot was scaled by 0.67
    n_across = len(prof) - 1
    if a is None and first - before * s <= 0:
        a = 0
    if b is None and last + after * s >= n_across:
        b = n_across
    if a is None or b is None or b - a < 8:
        return None
    # the innermost line of the border (a tile's edge before the gap's or a frame line's)
    ends = _maxima(prof, STRIP_LINE)
    d = max(3.0, 0.05 * (b - a))
    a = int(ends[(ends >= a) & (ends <= a + d)].max(initial=a))
    b = int(ends[(ends <= b) & (ends >= b - d)].min(initial=b))
    across = b - a
    along = ev.col_profile(a, b, segments=4) if axis == 0 else ev.row_profile(a, b, segments=4)
    lines = _maxima(along, STRIP_LINE)
    lo_asp, hi_asp = STRIP_ASPECT
    t_lo, t_hi = (lo_asp * across, hi_asp * across) if axis == 0 else (across / hi_asp, across / lo_asp)
    centre = fb[:, axis] + fb[:, axis + 2] / 2
    # every face's candidate tiles: two lines around it at a tile's length apart
    pairs = []
    for c in centre:
        us, vs = lines[lines < c - 0.3 * s], lines[lines > c + 0.3 * s]
        pairs.append([(int(u), int(v), _pair_score(along, int(u), int(v))) for u in us for v in vs
                      if t_lo <= v - u <= t_hi])
    best = None
    for L in sorted({v - u for p in pairs for u, v, _ in p}):
        tol = max(3.0, STRIP_SAME * L)
        # each face's best tile of that length (of equal ones, the nearest to it)
        pick = [max((q for q in p if abs(q[1] - q[0] - L) <= tol),
                    key=lambda q: q[2] - 0.05 * abs(q[1] - q[0] - L) / tol, default=None)
                for p in pairs]
        got = [q for q in pick if q is not None]
        spans = sorted({q[:2] for q in got})
        if axis == 1 and any(q1 is not None and q1[:2] == q2[:2] and abs(c1 - c2) > s
                             for q1, c1 in zip(pick, centre) for q2, c2 in zip(pick, centre) if q2 is not None):
            continue  # one tile of a column holding faces one above the other: two tiles
        P = None if any(_overlaps(p, q) for p, q in zip(spans[:-1], spans[1:])) else _pitch(spans, L)
        if P is None:
            continue  # tiles that overlap, or not at one pitch: not a strip of equal tiles
        # the strip's places between the faces' tiles are tiles too, scored as theirs: lines
        # at both ends (touching videos' borders at one pitch), and a strong line across the
        # middle of one (the border of two real tiles) says the length is wrong. Scored by
        # the middle line alone, a strip of four touching videos with busy rooms (a poster,
        # a doorframe) took a wrong length whose places fell between those lines
        between = [_place_score(along, v + k * P - L, v + k * P)
                   for (_, v), (u2, _) in zip(spans[:-1], spans[1:])
                   for k in range(1, int(round((u2 - v) / P)) + 1) if v + k * P <= u2 + 2]
        # a row's faces sit near their tiles' middles (people face their camera); a length
        # that puts them near the tiles' ends took lines inside the videos for borders
        off = (sum(STRIP_CENTRE_COST * max(0.0, abs((c - (q[0] + q[1]) / 2) / (q[1] - q[0])) - STRIP_CENTRE_FREE)
                   for q, c in zip(pick, centre) if q is not None) if axis == 0 else 0.0)
        key = (len(spans), len(got), sum(q[2] for q in got) + sum(between) - off)
        if len(spans) >= 2 and (best is None or key > best[0]):
            best = (key, L, pick)
    if best is None:
        return None
    _, L, pick = best
    # a tile's side is the innermost of the lines that make its border (a drawn frame
    # line, the gap's far edge, a neighbour's last pixels), each about as strong as the
    # border's line (a line inside a touching video, a shelf or a headset, is not one):
    # the picture starts there. Applied once, to the tiles as found (applied again, it
    # walked on into the video: a tile 10 px short)
    d = max(3.0, 0.05 * L)

    def inner(u: int, v: int) -> tuple[int, int]:
        lu = lines[(lines >= u) & (lines <= u + d) & (along[lines] >= INNER_SAME * along[u])]
        lv = lines[(lines <= v) & (lines >= v - d) & (along[lines] >= INNER_SAME * along[v])]
        return int(lu.max(initial=u)), int(lv.min(initial=v))

    held: dict[tuple[int, int], list[int]] = {}
    for j, q in zip(line, pick):
        if q is not None:
            held.setdefault((q[0], q[1]), []).append(j)
    spans = sorted(held)
    L = float(np.median([v - u for u, v in spans]))
    box = lambda u, v: ((u, a, v - u, across) if axis == 0 else (a, u, across, v - u))  # noqa: E731
    # tiles with no face: the strip's tiles of that length beyond and between the faces',
    # each after a gap of at most STRIP_GAP of it
    tol = max(3.0, STRIP_SAME * L)
    out = dict(held)
    for u, v in spans:
        for step in (-1, 1):
            cu, cv = u, v
            while True:
                if step > 0:
                    nxt = [(int(p), int(q)) for p in lines[(lines >= cv) & (lines <= cv + STRIP_GAP * L)]
                           for q in lines[np.abs(lines - p - L) <= tol]]
                else:
                    nxt = [(int(p), int(q)) for q in lines[(lines <= cu) & (lines >= cu - STRIP_GAP * L)]
                           for p in lines[np.abs(q - lines - L) <= tol]]
                cut = not nxt
                if cut:  # the last tile, cut by the frame's edge (at least half of it shows)
                    n = len(along) - 1
                    nxt = ([(int(p), n) for p in lines[(lines >= cv) & (lines <= cv + STRIP_GAP * L)]
                            if 0.5 * L <= n - p <= L + tol] if step > 0 else
                           [(0, int(q)) for q in lines[(lines <= cu) & (lines >= cu - STRIP_GAP * L)]
                            if 0.5 * L <= q <= L + tol])
                nxt = [t for t in nxt if t not in out and not any(_overlaps(t, o) for o in out)
                       and _clear_sides(ev, box(*t), cut=cut)]
                if not nxt:
                    break
                t = max(nxt, key=lambda t: along[t[0]] + along[t[1]] - 0.05 * abs(t[1] - t[0] - L) / tol)
                out[t] = []
                cu, cv = t
    return [(box(*inner(u, v)), idx) for (u, v), idx in sorted(out.items())]


def _pair_score(along: np.ndarray, u: int, v: int) -> float:
    """How well lines ``u`` and ``v`` bound one tile of a strip: their evidence, less twice
    the strongest line across its middle (:func:`_middle_line`): two tiles taken for one
    have the border between them there."""
    return float(along[u] + along[v]) - 2.0 * _middle_line(along, u, v)


def _place_score(along: np.ndarray, u: float, v: float) -> float:
    """:func:`_pair_score` of a strip's place at ``u``-``v`` predicted from its pitch (not
    found on lines): each end's evidence is the best within a pixel of it."""
    n = len(along)
    end = lambda p: float(along[max(0, int(round(p)) - 1):min(n, int(round(p)) + 2)].max(initial=0.0))  # noqa: E731
    return end(u) + end(v) - 2.0 * _middle_line(along, int(round(u)), int(round(v)))


def _middle_line(along: np.ndarray, u: int, v: int) -> float:
    """The strongest line across the middle (20-80%) of the tile from ``u`` to ``v``."""
    m0, m1 = u + int(0.2 * (v - u)), v - int(0.2 * (v - u))
    return float(along[m0:m1].max()) if m1 > m0 else 0.0


def _pitch(spans: list[tuple[int, int]], L: float) -> float | None:
    """The pitch at which tiles (start, end) of length ``L`` start (``L`` plus a gap of at
    most ``STRIP_GAP`` of it: each distance between neighbours' starts a whole number of
    pitches, within 3% of the pitch, at least 3 px), or None when there is none."""
    d = np.diff([u for u, _ in spans]).astype(np.float64)
    if len(d) == 0:
        return float(L)
    for m in range(1, 8):  # the pitch, from the shortest distance (m tiles apart)
        P0 = float(d.min()) / m
        if P0 < L - max(3.0, 0.03 * L):
            break
        if P0 > L * (1 + STRIP_GAP) + 3:
            continue
        # each distance in whole pitches, then the pitch that fits them all (not the
        # shortest distance itself: tiles found on either edge of 2-3 px gaps start 98,
        # 99, 100 and 102 px apart at a 99.75 px pitch)
        k = np.maximum(1, np.round(d / P0))
        P = float(np.sum(d) / np.sum(k))
        if np.all(np.abs(d - k * P) <= np.maximum(3.0, 0.03 * P) * k):
            return P
    return None


def _area(box) -> float:
    return float(box[2]) * float(box[3])


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return min(a[1], b[1]) - max(a[0], b[0]) > 1


def _maxima(profile: np.ndarray, level: float) -> np.ndarray:
    """Positions where ``profile`` is at least ``level`` and no lower than either
    neighbour (local maxima; a plateau gives each of its positions)."""
    p = profile
    left = np.concatenate([[-1.0], p[:-1]])
    right = np.concatenate([p[1:], [-1.0]])
    return np.flatnonzero((p >= level) & (p >= left) & (p >= right))


def _strongest(profile: np.ndarray, start: float, stop: float) -> int | None:
    """Between ``start`` and ``stop``, the line nearest ``start`` of those at least 0.85 of
    the strongest there (and at least ``SIDE_LEVEL``), or None."""
    n = len(profile)
    a, b = int(np.clip(round(start), 0, n - 1)), int(np.clip(round(stop), 0, n - 1))
    if a == b:
        return None
    idx = np.arange(a, b + (1 if b > a else -1), 1 if b > a else -1)
    top = float(profile[idx].max())
    if top < SIDE_LEVEL:
        return None
    k = int(np.flatnonzero(profile[idx] >= 0.85 * top)[0])
    run = k  # the strongest position of that run of strong lines
    while run + 1 < len(idx) and profile[idx[run + 1]] >= 0.85 * top:
        run += 1
    return int(idx[k + int(np.argmax(profile[idx[k:run + 1]]))])


def _clear_sides(ev: Evidence, box: tuple[float, float, float, float], cut: bool = False) -> bool:
    """Whether the four sides of a box (work scale) are straight lines: all but one at
    least ``SIDE_LEVEL``, that one at least half of it (a card's side on a dark gap).
    ``cut``: a tile the frame's edge cuts, whose sides on that edge show no line, judged
    by its other sides: three as above, two or one all at least ``SIDE_LEVEL``."""
    boxes = np.array([box], np.int64)
    side = ev.borders(boxes)[0][0]
    if cut:
        side = side[~ev.frame_sides(boxes)[0]]
        if len(side) < 3:
            return bool(len(side) and np.all(side >= SIDE_LEVEL))
    srt = np.sort(side)
    return bool(srt[1] >= SIDE_LEVEL and srt[0] >= 0.5 * SIDE_LEVEL)
