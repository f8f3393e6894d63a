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
  region holds its own people.

The regions are what a teacher would point at: boxes around each visible person, exact
where the app draws a tile border, approximate where it does not. Their kind of layout
is named by :func:`layout_kind` (``gallery``, ``speaker``, ``filmstrip``, ``mixed``).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..geometry import BBox, iou
from ..types import Face, Tile
from .grid_fit import Evidence
from .tiles import reading_order

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
    regions = [g[0] for g in groups]
    centres = [_centre_of(faces, g[1]) for g in groups]
    _cut_apart(regions, centres)
    out = {}
    for (box, idx) in zip(regions, (g[1] for g in groups)):
        x0, y0, x1, y1 = (int(round(v)) for v in (box[0], box[1], box[0] + box[2], box[1] + box[3]))
        x0, y0, x1, y1 = max(0, x0), max(0, y0), min(W, x1), min(H, y1)
        if x1 - x0 >= 8 and y1 - y0 >= 8:
            out.setdefault((x0, y0, x1 - x0, y1 - y0), []).extend(idx)
    return [(box, sorted(out[box])) for box in reading_order(list(out))]


def clear_of(box: BBox, others: Sequence[BBox], faces: Sequence[Face]) -> BBox:
    """``box`` (x, y, w, h) cut back, one side per box of ``others`` it overlaps, so that it
    overlaps none of them: of the four cuts the one keeping the most area with every
    face's centre still inside (unchanged where no cut keeps them)."""
    x0, y0, x1, y1 = box[0], box[1], box[0] + box[2], box[1] + box[3]
    centres = [(f.bbox[0] + f.bbox[2] / 2, f.bbox[1] + f.bbox[3] / 2) for f in faces]
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
