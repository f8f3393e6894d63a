"""Avatar rows: camera-off participants drawn as initials discs in a strip.

Outside the video tiles, several apps show the participants whose camera is off (or who
do not fit the stage) as a row of **avatar discs**: a flat circle in a per-person colour
with the person's initials on it (Teams' 2020 meeting stage and share view, Meet's and
Jitsi's filmstrips). They are participants a teacher counts, camera off; the tile finder
sees no tile there and the face finder no face.

A disc is found where a circle (OpenCV's Hough gradient transform) has a flat fill (an
annulus between 0.62 and 0.9 of its radius, where no initials reach) and a flat
surrounding of another colour (an annulus between 1.15 and 1.4 radii). Round things
elsewhere on a screen are rarely both, but an app's round buttons, a list's avatars and
icons are, so a row of avatars needs what they lack together:

* ``MIN_ROW`` discs or more of one size (radius within ``SAME_RADIUS``), centres on one
  horizontal line (within ``ROW_TOLERANCE`` radii) and no wider apart than ``MAX_PITCH``
  radii: a strip (a toolbar has 3-7 round buttons; a participants list runs down);
  further discs of that size on that line, past the strip's video thumbnails, join it;
* at least ``MIN_COLOURS`` different fill colours: each person gets a colour, while a
  toolbar's buttons share one (and a red one to hang up).

An overflow badge at the row's end ("+16": more participants than the strip shows) looks
like an avatar; its first glyph is a plus sign, which :func:`_is_plus` recognises, and it
is not a participant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np

from ..geometry import BBox

__all__ = ["Avatar", "find_avatars", "avatar_box", "avatar_rows"]

MIN_ROW = 4
"""Discs in a row for it to be an avatar strip (a toolbar: 3-7 round buttons of one
colour; see ``MIN_COLOURS``)."""
MIN_COLOURS = 3
"""Different fill colours (Lab distance above ``COLOUR_STEP``) a row must show: Teams'
pastel avatars in the shared screenshots show 5-9 in a row of 10-14."""
COLOUR_STEP = 5.0
SAME_RADIUS = 0.12
"""Radii in one row differ by at most this fraction (measured: 42-45 px in one strip)."""
ROW_TOLERANCE = 0.25
"""Centres of one row lie within this many radii of its line."""
MAX_PITCH = 9.0
"""Largest distance between neighbouring centres of a row, in radii (Teams: 3.9 between
small avatars, 7.8 between named slots)."""
FLAT = 0.85
"""Share of an annulus within 10 Lab levels of its median: a flat fill (measured on the
shared real screenshots: avatars 0.89-1.0, their surroundings 0.98-1.0)."""
MIN_CONTRAST = 20.0
"""Least Lab difference (largest channel) between a disc's fill and its surroundings."""
SEARCH_SIDE = 1000
"""Circles are searched on the frame shrunk to at most this many pixels on the long side
(Teams' discs, radius 45 px in a 3356 px frame, stay 13 px: at 800 px a fifth of them
were lost)."""
LOOK_RADIUS = 48
"""Each circle found is then measured (fill, surroundings, plus sign) on its patch of the
frame, shrunk so that the disc is at most this many pixels in radius (a plus sign stays
~17 px)."""
RADIUS_RANGE = (1 / 160, 1 / 25)
"""Radii searched, as fractions of the frame's long side."""
BOX_SCALE = 1.3
"""An avatar's tile is the square around the disc, this many radii to each side."""


@dataclass(frozen=True)
class Avatar:
    """One avatar disc, in frame pixels."""

    center: tuple[float, float]
    radius: float
    fill_lab: tuple[int, int, int]
    """Median Lab colour (OpenCV 8-bit scale) of the disc's fill."""
    overflow: bool
    """A "+N" overflow badge, not a participant."""


def avatar_box(avatar: Avatar, frame_size: tuple[int, int]) -> BBox:
    """The tile (x, y, w, h) for an avatar: the square ``BOX_SCALE`` radii around the
    disc, clipped to the frame ``(width, height)``."""
    (x, y), r = avatar.center, avatar.radius * BOX_SCALE
    W, H = frame_size
    x0, y0 = max(0, int(round(x - r))), max(0, int(round(y - r)))
    x1, y1 = min(W, int(round(x + r))), min(H, int(round(y + r)))
    return (x0, y0, max(1, x1 - x0), max(1, y1 - y0))


def find_avatars(image_bgr: np.ndarray, exclude: Sequence[BBox] = ()) -> list[Avatar]:
    """Every avatar disc standing in a row of avatars (see the module's rules).

    Args:
        image_bgr: the frame, uint8 (H, W, 3) BGR.
        exclude: boxes (x, y, w, h) already explained (tiles): not searched (blanked
            first, which also makes the search several times faster: 37 -> 10 ms on a
            1080p 5x5 gallery), and discs centred in them are not looked at (an initials
            card inside a tile is the tile's state).

    Returns:
        The row's discs, left to right in each row, rows top to bottom: the participants'
        avatars and any overflow badge (``overflow``: not a participant). Empty when there
        is no row.
    """
    H, W = image_bgr.shape[:2]
    if not _anything_outside(image_bgr, exclude):
        return []
    search_k = min(1.0, SEARCH_SIDE / max(H, W))
    gray = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY)
    if search_k < 1:
        gray = cv2.resize(gray, None, fx=search_k, fy=search_k, interpolation=cv2.INTER_AREA)
    searched = np.ones(gray.shape, bool)
    for bx, by, bw, bh in exclude:
        x0, y0 = int(bx * search_k), int(by * search_k)
        x1, y1 = int(np.ceil((bx + bw) * search_k)), int(np.ceil((by + bh) * search_k))
        gray[y0:y1, x0:x1] = 0
        searched[y0:y1, x0:x1] = False
    L = max(gray.shape)
    rmin, rmax = max(4, int(L * RADIUS_RANGE[0])), max(6, int(L * RADIUS_RANGE[1]))
    # a row of discs differs from the background it lies on over MIN_ROW discs' area at
    # least; flat margins around a gallery do not (the search would cost ~14 ms at 1080p)
    rest = gray[searched]
    if rest.size == 0:
        return []
    marked = searched & (np.abs(gray.astype(np.int16) - int(np.median(rest))) > 12)
    if int(marked.sum()) < MIN_ROW * np.pi * rmin * rmin * 0.5:
        return []
    # rows of discs lie in horizontal bands of marked rows: search those alone (a gallery's
    # margins hold a toolbar or a title at most)
    found = []
    for r0, r1 in _bands(marked.sum(axis=1) >= 2 * rmin, 2 * rmax, rmax):
        band = np.ascontiguousarray(gray[r0:r1])
        if r1 - r0 < 2 * rmin:
            continue
        c = cv2.HoughCircles(cv2.medianBlur(band, 3), cv2.HOUGH_GRADIENT_ALT, dp=1.5,
                             minDist=2 * rmin, param1=150, param2=0.85, minRadius=rmin, maxRadius=rmax)
        if c is not None:
            found += [(x, y + r0, r) for x, y, r in c[0]]
    circles = np.array([found], np.float32) if found else None
    discs = []
    for sx, sy, sr in ([] if circles is None else circles[0]):
        x, y, r = sx / search_k, sy / search_k, sr / search_k  # frame pixels
        if any(bx <= x < bx + bw and by <= y < by + bh for bx, by, bw, bh in exclude):
            continue
        x, y, r = _refine_disc(image_bgr, x, y, r)
        lab = _lab_patch(image_bgr, x, y, 1.45 * r)
        if lab is None:
            continue
        patch, px, py, k, seen = lab
        pr = r * k
        fill = _annulus(patch, px, py, 0.62 * pr, 0.9 * pr, seen)
        around = _annulus(patch, px, py, 1.15 * pr, 1.4 * pr, seen)
        if fill is None or around is None or fill[1] < FLAT or around[1] < FLAT:
            continue
        if float(np.abs(fill[0] - around[0]).max()) < MIN_CONTRAST:
            continue
        discs.append((x, y, r, fill[0], _is_plus(patch, px, py, pr, fill[0])))
    return [Avatar((x, y), r, tuple(int(v) for v in fill), plus)
            for row in _rows(discs) for x, y, r, fill, plus in row]


def _anything_outside(image_bgr: np.ndarray, exclude: Sequence[BBox]) -> bool:
    """A quick look (every s-th pixel, ~480 px on the long side) at what the tiles leave:
    whether enough of it differs from its own median to hold a row of ``MIN_ROW`` discs
    of the smallest radius (the full search's first test, at a sixteenth of the cost:
    a full gallery's margins hold nothing, 5 -> ~1 ms at 1080p)."""
    H, W = image_bgr.shape[:2]
    s = max(1, int(max(H, W) // 480))
    thumb = cv2.cvtColor(np.ascontiguousarray(image_bgr[::s, ::s]), cv2.COLOR_BGR2GRAY)
    searched = np.ones(thumb.shape, bool)
    for bx, by, bw, bh in exclude:
        searched[int(by // s):int(np.ceil((by + bh) / s)), int(bx // s):int(np.ceil((bx + bw) / s))] = False
    rest = thumb[searched]
    if rest.size == 0:
        return False
    marked = int((np.abs(rest.astype(np.int16) - int(np.median(rest))) > 12).sum()) * s * s
    rmin = max(4.0, max(H, W) * RADIUS_RANGE[0])  # frame pixels
    return marked >= MIN_ROW * np.pi * rmin * rmin * 0.5


def _bands(rows: np.ndarray, join: int, pad: int) -> list[tuple[int, int]]:
    """Runs of True in ``rows`` (one flag per image row), runs closer than ``join`` rows
    merged, each grown by ``pad`` rows on both sides (clipped); as (first, end) rows."""
    idx = np.flatnonzero(rows)
    if len(idx) == 0:
        return []
    out, start, last = [], int(idx[0]), int(idx[0])
    for i in idx[1:]:
        if i - last > join:
            out.append((start, last + 1))
            start = int(i)
        last = int(i)
    out.append((start, last + 1))
    n = len(rows)
    merged: list[tuple[int, int]] = []
    for a, b in ((max(0, a - pad), min(n, b + pad)) for a, b in out):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _lab_patch(image: np.ndarray, x: float, y: float, half: float):
    """The Lab square of half-side ``half`` frame pixels around (x, y), shrunk (area
    average) to at most ``LOOK_RADIUS`` * 2.9 pixels across; with (x, y) in it, the scale,
    and which of its pixels show the frame (a square may leave it: a region picked tight
    around a row of avatars ends 1.3 radii or less from each disc's centre; the image's
    edge pixels are repeated there and measured by no one). None when the frame's edge
    is nearer (x, y) than ``half`` / 1.45 (a disc of radius ``half`` / 1.45 cut by it)."""
    H, W = image.shape[:2]
    R = int(np.ceil(half)) + 1
    xa, ya = int(x) - R, int(y) - R
    if min(x, y, W - x, H - y) < half / 1.45:
        return None
    patch = np.ascontiguousarray(image[max(0, ya):ya + 2 * R + 1, max(0, xa):xa + 2 * R + 1])
    seen = np.full(patch.shape[:2], 255, np.uint8)
    pad = (max(0, -ya), max(0, ya + 2 * R + 1 - H), max(0, -xa), max(0, xa + 2 * R + 1 - W))
    if any(pad):
        patch = cv2.copyMakeBorder(patch, *pad, cv2.BORDER_REPLICATE)
        seen = cv2.copyMakeBorder(seen, *pad, cv2.BORDER_CONSTANT, value=0)
    k = min(1.0, LOOK_RADIUS * 1.45 / half)
    if k < 1:
        patch = cv2.resize(patch, None, fx=k, fy=k, interpolation=cv2.INTER_AREA)
        seen = cv2.resize(seen, None, fx=k, fy=k, interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(patch, cv2.COLOR_BGR2LAB), (x - xa) * k, (y - ya) * k, k, seen == 255


def _refine_disc(image: np.ndarray, x: float, y: float, r: float) -> tuple[float, float, float]:
    """The disc (x, y, r) found on the shrunk search image, measured again on the frame:
    the pixels within 12 Lab levels of its fill (the median of its 0.5-0.8 radii annulus,
    inside the disc for a first guess up to 0.2 radii off), their connected part over
    the centre, whose bounding box is the disc when it is about square and about 2r
    across (initials are holes in it); the first guess otherwise. At the search's scale a
    disc is ~14 px in radius and its centre can be 1.5 px off, 5 px in the frame, which
    moves the annuli measured next by a tenth of a radius, and whether a disc near the
    frame's edge can be measured at all (Teams' row of 14 discs at 3340 px, in regions
    picked 3 px inside the gallery: 14 or 15 found, and none when the crop moved by
    2 px, before; 15 each time after)."""
    got = _lab_patch(image, x, y, 1.3 * r)
    if got is None:
        return x, y, r
    patch, px, py, k, seen = got
    pr = r * k
    fill = _annulus(patch, px, py, 0.5 * pr, 0.8 * pr, seen)
    if fill is None:
        return x, y, r
    mask = ((np.abs(patch.astype(np.int16) - fill[0].astype(np.int16)).max(axis=2) <= 12) & seen).astype(np.uint8)
    n, lab, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    yy, xx = np.mgrid[: mask.shape[0], : mask.shape[1]]
    ring = (np.abs(np.hypot(xx - px, yy - py) - 0.65 * pr) <= 0.15 * pr) & (lab > 0)
    if n < 2 or not ring.any():
        return x, y, r
    c = int(np.bincount(lab[ring]).argmax())
    bx, by, bw, bh = (int(v) for v in stats[c, :4])
    if not (1.6 * pr <= bw <= 2.4 * pr and 1.6 * pr <= bh <= 2.4 * pr and abs(bw - bh) <= 0.1 * max(bw, bh)):
        return x, y, r
    cx, cy = bx + bw / 2.0, by + bh / 2.0
    return x + (cx - px) / k, y + (cy - py) / k, (bw + bh) / 4.0 / k


def avatar_rows(avatars: Sequence[Avatar]) -> list[tuple[float, float]]:
    """(centre y, radius) in frame pixels of each row of ``avatars`` (discs whose centres lie
    within a radius of one line), top to bottom."""
    rows: list[list] = []
    for d in sorted(avatars, key=lambda d: d.center[1]):
        if rows and abs(d.center[1] - rows[-1][-1].center[1]) <= d.radius:
            rows[-1].append(d)
        else:
            rows.append([d])
    return [(float(np.median([d.center[1] for d in row])), float(np.median([d.radius for d in row])))
            for row in rows]


def _annulus(lab: np.ndarray, x: float, y: float, r0: float, r1: float, seen: np.ndarray | None = None):
    """Median Lab colour of the annulus ``r0..r1`` around (x, y) and the share of it within
    10 levels of that median; None where it leaves the patch. ``seen``: the patch's
    pixels that show the frame; only they are measured, and half the annulus at least
    must be (None otherwise)."""
    H, W = lab.shape[:2]
    R = int(np.ceil(r1)) + 1
    xa, xb, ya, yb = int(x) - R, int(x) + R + 1, int(y) - R, int(y) + R + 1
    if xa < 0 or ya < 0 or xb > W or yb > H:
        return None
    yy, xx = np.mgrid[ya:yb, xa:xb]
    d = np.hypot(xx - x, yy - y)
    ring = (d >= r0) & (d <= r1)
    if seen is not None:
        shown = ring & seen[ya:yb, xa:xb]
        if shown.sum() < 0.5 * ring.sum():
            return None
        ring = shown
    px = lab[ya:yb, xa:xb][ring].astype(np.float32)
    if len(px) < 8:
        return None
    med = np.median(px, axis=0)
    return med, float((np.abs(px - med).max(axis=1) <= 10).mean())


def _rows(discs: list) -> list[list]:
    """Group discs into rows by the rules of the module docstring, each left to right."""
    rows = []
    left = sorted(discs, key=lambda d: d[0])
    used = [False] * len(left)
    for i, seed in enumerate(left):
        if used[i]:
            continue
        row, last = [seed], seed
        used[i] = True
        for j in range(i + 1, len(left)):
            x, y, r = left[j][:3]
            if used[j] or abs(r - seed[2]) > SAME_RADIUS * seed[2]:
                continue
            if abs(y - seed[1]) > ROW_TOLERANCE * seed[2]:
                continue
            if x - last[0] > MAX_PITCH * seed[2]:
                break
            row.append(left[j])
            used[j] = True
            last = left[j]
        if len(row) >= MIN_ROW and _colours(row) >= MIN_COLOURS:
            # the row goes on past what interrupts it (the strip's video thumbnails):
            # discs of its size further along its line belong to it
            for j in range(len(left)):
                x, y, r = left[j][:3]
                if not used[j] and x > last[0] and abs(r - seed[2]) <= SAME_RADIUS * seed[2] \
                        and abs(y - seed[1]) <= ROW_TOLERANCE * seed[2]:
                    row.append(left[j])
                    used[j] = True
            rows.append(row)
    return sorted(rows, key=lambda row: row[0][1])


def _colours(row: list) -> int:
    """How many different fill colours the row shows (greedy clusters ``COLOUR_STEP``
    apart in Lab)."""
    centres: list[np.ndarray] = []
    for fill in (d[3] for d in row):
        if all(np.abs(fill - c).max() > COLOUR_STEP for c in centres):
            centres.append(fill)
    return len(centres)


def _is_plus(lab: np.ndarray, x: float, y: float, r: float, fill: np.ndarray) -> bool:
    """The disc's first glyph (leftmost mark on the fill) is a plus sign: its box about
    square, its middle row and middle column drawn through, its corners empty."""
    R = int(0.8 * r)
    xa, ya = int(x) - R, int(y) - R
    patch = lab[max(0, ya):ya + 2 * R + 1, max(0, xa):xa + 2 * R + 1].astype(np.float32)
    yy, xx = np.mgrid[max(0, ya):max(0, ya) + patch.shape[0], max(0, xa):max(0, xa) + patch.shape[1]]
    inside = np.hypot(xx - x, yy - y) <= 0.8 * r
    ink = ((np.abs(patch - fill).max(axis=2) > 30) & inside).astype(np.uint8)
    n, lab_img, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    marks = [i for i in range(1, n) if stats[i, cv2.CC_STAT_AREA] >= max(6, 0.002 * ink.size)
             and stats[i, cv2.CC_STAT_HEIGHT] >= 0.2 * R]
    if not marks:
        return False
    i = min(marks, key=lambda k: stats[k, cv2.CC_STAT_LEFT])
    x0, y0, w, h = (int(v) for v in stats[i, :4])
    if not (0.7 <= w / max(1, h) <= 1.4) or min(w, h) < 5:
        return False
    g = lab_img[y0:y0 + h, x0:x0 + w] == i
    mid_row = g[h // 2 - 1:h // 2 + 2].any(axis=0).mean()
    mid_col = g[:, w // 2 - 1:w // 2 + 2].any(axis=1).mean()
    q = max(1, min(w, h) // 4)
    corners = np.concatenate([g[:q, :q].ravel(), g[:q, -q:].ravel(), g[-q:, :q].ravel(), g[-q:, -q:].ravel()])
    return bool(mid_row >= 0.8 and mid_col >= 0.8 and corners.mean() <= 0.1)
