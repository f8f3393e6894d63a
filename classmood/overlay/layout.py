"""Where the overlay draws, and what: badge rectangles, colours and texts (pure, no GUI).

A badge sits in a corner of its participant's tile, the corner farthest from the face,
and never overlaps the face box. All rectangles are ``(x, y, w, h)`` integer pixels;
:func:`badge_rect` returns SCREEN coordinates (frame pixels plus the frame's origin),
so that the same rectangles place the badges on the overlay window and are blanked out
of the next frame before analysis (``run_session(mask=...)``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from ..labels import COLOURS, PRESENCE_WORDS, UNCERTAIN, change_words
from ..timefmt import duration
from ..types import ParticipantResult, Presence

Rect = tuple[int, int, int, int]
"""``(x, y, w, h)`` in integer pixels."""

BADGE_MARGIN = 4
"""Pixels between a badge and its tile's edges."""
FACE_PAD = 3
"""Extra pixels around the face box that a badge must also keep clear of."""
TIE = 0.1
"""A face centre within this share of the tile's width (height) from the middle is
"in the middle" on that axis (see :func:`tile_badge_rect`)."""
SMALL_TILE = (150, 90)
"""Tiles narrower or lower than this get the small badge (16 px high, 10 px font)."""
INDICATOR_SIZE = (168, 20)
"""The overlay's "ClassMood analysing" pill, in pixels."""


@dataclass(frozen=True)
class BadgeContent:
    """What one badge says: ``kind`` is ``expression``, ``uncertain``, ``present``,
    ``away`` or ``camera_off``; ``label`` the expression (or the state) it shows."""

    kind: str
    label: str
    text: str
    colour: str


def badge_content(p: ParticipantResult, presence_only: bool = False) -> BadgeContent | None:
    """The badge for participant ``p``, or None when there is nothing to show (left).

    With expressions, once the student's usual label is known: ``as usual`` for it (a
    resting face the model reads as sad is their usual, not "sad"; ``more negative than usual``
    when it is but they read negative against their usual), else the change from it
    (``happy, above usual``, ``sad, below usual``: :func:`classmood.labels.change_words`);
    before, the expression word and its confidence (``happy 82%``); or
    ``uncertain``, with why when the face could not be read (``uncertain: too dark``: what
    the teacher can ask the student to change); away and camera-off tiles say so.
    ``presence_only``: presence only, never an expression, whatever the result holds."""
    if p.presence is Presence.LEFT or p.bbox is None:
        return None
    if p.presence is Presence.AWAY:
        word = PRESENCE_WORDS["away"]
        text = word if p.away_s < 10 else f"{word} {duration(p.away_s, compact=True)}"
        return BadgeContent("away", "away", text, COLOURS["away"])
    if p.presence is Presence.CAMERA_OFF:
        return BadgeContent("camera_off", "camera_off", PRESENCE_WORDS["camera_off"], COLOURS["camera_off"])
    # present
    if presence_only or p.label is None:
        return BadgeContent("present", "present", PRESENCE_WORDS["present"], COLOURS["present"])
    if p.label == UNCERTAIN:
        text = PRESENCE_WORDS[UNCERTAIN] + (f": {p.unreadable}" if p.unreadable else "")
        return BadgeContent("uncertain", UNCERTAIN, text, COLOURS[UNCERTAIN])
    words = change_words(p.label, p.usual_label, p.below_usual())
    if words is not None:  # read against the student's own usual label
        shown = p.shown_label
        return BadgeContent("expression", shown, words, COLOURS.get(shown, COLOURS[UNCERTAIN]))
    pct = int(round(100 * float(p.confidence)))
    return BadgeContent("expression", p.label, f"{p.label} {pct}%", COLOURS.get(p.label, COLOURS[UNCERTAIN]))


def badge_font(tile: Rect | None) -> int:
    """Font size (px) of the badges in a tile: 12, or 10 on small tiles."""
    if tile is None:
        return 12
    return 10 if tile[2] < SMALL_TILE[0] or tile[3] < SMALL_TILE[1] else 12


def badge_box_size(text: str, tile: Rect | None = None) -> tuple[int, int]:
    """The badge's (width, height) for ``text`` in ``tile`` (a generous estimate of the
    rendered text width: the page clips with an ellipsis, never past this box)."""
    font = badge_font(tile)
    h = font + 8
    dot = font * 0.6 + 4  # the coloured dot and its gap
    # 0.76 em a character: above the widest of our words in bold DejaVu Sans (the
    # widest of the usual UI fonts; "away" measures 0.72 em in Chromium), + padding
    w = int(math.ceil(len(text) * font * 0.76 + dot + 14))
    return w, h


def overlaps(a: Sequence[float], b: Sequence[float]) -> bool:
    """Whether two ``(x, y, w, h)`` rectangles share any area."""
    return (min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]) > 0
            and min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]) > 0)


def _corners(tile: Rect, w: int, h: int, m: int) -> list[Rect]:
    """The four corner positions of a ``w`` x ``h`` box in ``tile``, in order of
    preference: top-right, top-left, bottom-right, bottom-left (meeting apps put the
    name label bottom-left)."""
    x, y, tw, th = tile
    right, bottom = x + tw - m - w, y + th - m - h
    return [(right, y + m, w, h), (x + m, y + m, w, h), (right, bottom, w, h), (x + m, bottom, w, h)]


def tile_badge_rect(tile: Rect, face: Sequence[float] | None, size: tuple[int, int],
                    margin: int = BADGE_MARGIN, face_pad: int = FACE_PAD) -> Rect | None:
    """Where a badge of ``size`` goes in ``tile`` (frame pixels), clear of ``face``.

    The corner farthest from the face: on each axis the side of the tile away from the
    face centre; where the face is near the middle on an axis (within ``TIE`` of the
    tile's width or height) the right and the top side are taken, so a centred face
    does not send the badge onto the meeting app's name label (bottom-left). If that
    corner would touch the face (padded by ``face_pad``), the other corners are tried
    farthest first. Without a face: top-right. When no corner is free at full width
    the badge is narrowed (3/4, 1/2, then a square dot); None if even a dot cannot
    avoid the face, or the tile is too small for one."""
    bw, bh = int(size[0]), int(size[1])
    tx, ty, tw, th = (int(v) for v in tile)
    m = margin
    if tw - 2 * m < bh or th - 2 * m < bh:
        m = max(0, min(tw, th) - bh) // 2
        if tw - 2 * m < bh or th - 2 * m < bh:
            return None
    max_w = tw - 2 * m
    widths = []
    for w in (bw, int(bw * 0.75), int(bw * 0.5), bh):
        w = max(bh, min(w, max_w))
        if w not in widths:
            widths.append(w)
    padded = None
    order = [0, 1, 2, 3]  # top-right, top-left, bottom-right, bottom-left
    if face is not None:
        fx, fy, fw, fh = (float(v) for v in face)
        padded = (fx - face_pad, fy - face_pad, fw + 2 * face_pad, fh + 2 * face_pad)
        fcx, fcy = fx + fw / 2, fy + fh / 2
        dx, dy = fcx - (tx + tw / 2), fcy - (ty + th / 2)
        left = dx > TIE * tw           # the face is clearly on the right
        bottom = dy < -TIE * th        # the face is clearly in the upper part
        first = (2 if bottom else 0) + (1 if left else 0)
        corners = _corners((tx, ty, tw, th), bw, bh, m)
        dist = [math.hypot(r[0] + r[2] / 2 - fcx, r[1] + r[3] / 2 - fcy) for r in corners]
        order = [first] + sorted((i for i in range(4) if i != first), key=lambda i: -dist[i])
    for w in widths:
        corners = _corners((tx, ty, tw, th), w, bh, m)
        for i in order:
            if padded is None or not overlaps(corners[i], padded):
                return corners[i]
    return None


def badge_rect(participant: ParticipantResult, frame_origin: tuple[int, int] = (0, 0),
               badge_size: tuple[int, int] | None = None) -> Rect | None:
    """The SCREEN rectangle of ``participant``'s badge: in a corner of its tile
    (``participant.bbox``), the one farthest from ``face_bbox``, never over it.

    ``frame_origin`` is the screen position of the analysed frame's top-left pixel
    (:attr:`~classmood.types.Frame.origin`); ``badge_size`` (w, h) defaults to the size
    of the participant's badge text. None without a tile, or when no place is free."""
    if participant.bbox is None:
        return None
    if badge_size is None:
        content = badge_content(participant)
        badge_size = badge_box_size(content.text if content else PRESENCE_WORDS["present"], participant.bbox)
    r = tile_badge_rect(participant.bbox, participant.face_bbox, badge_size)
    if r is None:
        return None
    ox, oy = int(frame_origin[0]), int(frame_origin[1])
    return (r[0] + ox, r[1] + oy, r[2], r[3])


@dataclass(frozen=True)
class Badge:
    """One badge to draw: participant ``id``, SCREEN ``rect``, what it says and its
    colour; ``compact`` when narrowed to a dot (the text is then only a tooltip)."""

    id: str
    rect: Rect
    kind: str
    label: str
    text: str
    colour: str
    font: int
    compact: bool

    def to_dict(self, origin: tuple[int, int] = (0, 0)) -> dict:
        """For the overlay page: the rectangle relative to ``origin`` (the window's
        top-left on the screen)."""
        x, y, w, h = self.rect
        return {"id": self.id, "x": x - origin[0], "y": y - origin[1], "w": w, "h": h, "kind": self.kind,
                "label": self.label, "text": self.text, "color": self.colour, "font": self.font,
                "compact": self.compact}


def place_badges(participants: Iterable[ParticipantResult], frame_origin: tuple[int, int] = (0, 0),
                 presence_only: bool = False) -> list[Badge]:
    """Every participant's badge (SCREEN rectangles), skipping those with no tile or no
    free corner."""
    out = []
    for p in participants:
        content = badge_content(p, presence_only)
        if content is None:
            continue
        size = badge_box_size(content.text, p.bbox)
        r = tile_badge_rect(p.bbox, p.face_bbox, size)
        if r is None:
            continue
        rect = (r[0] + int(frame_origin[0]), r[1] + int(frame_origin[1]), r[2], r[3])
        out.append(Badge(p.id, rect, content.kind, content.label, content.text, content.colour,
                         badge_font(p.bbox), compact=r[2] <= r[3]))
    return out


def indicator_rect(frame_size: tuple[int, int], avoid: Iterable[Sequence[float]] = (),
                   size: tuple[int, int] = INDICATOR_SIZE, margin: int = 2) -> Rect | None:
    """Where the overlay's "analysing" pill goes in a frame of ``frame_size`` (w, h),
    in frame pixels: top centre, else bottom centre, else a corner; clear of every
    rectangle in ``avoid`` (faces and badges). None if nowhere is free (the panel
    still shows that the agent is analysing)."""
    fw, fh = int(frame_size[0]), int(frame_size[1])
    w, h = min(int(size[0]), fw - 2 * margin), int(size[1])
    if w < 40 or h > fh - 2 * margin:
        return None
    cx = (fw - w) // 2
    top, bottom = margin, fh - margin - h
    avoid = [tuple(float(v) for v in a) for a in avoid]
    for x, y in ((cx, top), (cx, bottom), (margin, top), (fw - margin - w, top),
                 (margin, bottom), (fw - margin - w, bottom)):
        r = (x, y, w, h)
        if not any(overlaps(r, a) for a in avoid):
            return r
    return None


PANEL_FULL = (380, 660)
"""The class-mood panel's full size (w, h) in window units (screen pixels at scale 1;
times the display's scale factor on a HiDPI screen): every section."""
PANEL_COMPACT = (330, 40)
"""The panel as a strip (w, h), window units: the status and the four counts on one line
(panel.css shows only these when the window is this low); the teacher enlarges it to see
the rest."""
PANEL_TAB = (44, 112)
"""The panel as a tab (w, h), window units: the status dot over the four counts, one
above the other (panel.css, a window this narrow). Its place where tiles fill the screen
edge to edge and even the strip would cover a face: beside the faces, whose tiles hold
them near their middles (0.38-0.60 of a tile's width on the shared real screenshots),
a column free of faces runs down the gallery."""
_PANEL_GRID = 4
"""The placement search's step, pixels."""
FACE_CLEARANCE = 0.35
"""Where the panel must cover part of a tile (tiles edge to edge over the whole screen), it
keeps this share of a face's size clear of it on every side (hair and forehead above a
face box, the chin below it)."""


def place_panel(region: Rect | None, tiles: Sequence[Sequence[float]], monitors: Sequence[Rect],
                full: tuple[int, int] = PANEL_FULL, compact: tuple[int, int] = PANEL_COMPACT,
                gap: int = 4, faces: Sequence[Sequence[float]] = (),
                tab: tuple[int, int] = PANEL_TAB, avoid: Sequence[Sequence[float]] = ()) -> Rect:
    """Where the class-mood panel goes so that it hides no student: a rectangle on the
    gallery's monitor that overlaps no tile, as near as can be to the right of the
    gallery, at full size where one fits (on another monitor if the gallery's has no
    room), else as a compact strip (over the app's own margins or toolbar, or beside the
    gallery). Only where even the strip fits nowhere (tiles edge to edge over the whole
    screen: a full-screen gallery whose app hides its toolbar), it has to cover part of
    a tile, never a face (each kept ``FACE_CLEARANCE`` of its size clear) and, where it
    can, nothing of ``avoid`` (the students' badges): the strip where it covers neither,
    else the tab (``tab``: the status and the counts in a column beside the faces), then
    the strip and the tab covering no face, each where it covers the least of any tile,
    nearest the gallery's bottom right; with every place on a face, the tab where it
    covers the least of the faces, then of ``avoid``.

    Args:
        region: the captured gallery, SCREEN ``(x, y, w, h)`` (None: no gallery, e.g. a
            webcam: the monitor's top-right corner).
        tiles: the tiles now, SCREEN ``(x, y, w, h)``; none yet (before the first
            frame): the whole region counts as tiles.
        monitors: the monitors' SCREEN rectangles (empty: the region is the screen).
        full, compact, tab: the panel's three sizes ``(w, h)``.
        gap: pixels kept from the tiles.
        faces: the faces now, SCREEN ``(x, y, w, h)``: what the strip must never cover
            where it has to cover tiles.
        avoid: SCREEN rectangles it should not cover either there (the badges).

    Returns:
        The panel's SCREEN ``(x, y, w, h)``; its size is ``full`` (height cut to the
        monitor), ``compact`` or ``tab``.
    """
    mons = [tuple(int(v) for v in m) for m in monitors] or ([tuple(region)] if region else [(0, 0, 1280, 720)])
    if region is None:
        mx, my, mw, mh = mons[0]
        fw, fh = full[0], min(full[1], mh - 80)
        return (mx + mw - fw - 16, my + 40, fw, fh)
    rx, ry, rw, rh = (int(v) for v in region)
    cx, cy = rx + rw / 2, ry + rh / 2
    mon = next((m for m in mons if m[0] <= cx < m[0] + m[2] and m[1] <= cy < m[1] + m[3]), None)
    mon = mon or next((m for m in mons if overlaps(m, region)), mons[0])
    boxes = [tuple(float(v) for v in t) for t in tiles] or [(rx, ry, rw, rh)]
    anchor = (rx + rw + gap, ry + 20)  # beside the gallery, near its top
    # full size on the gallery's monitor, then on another one; then the strip on the
    # gallery's monitor; then the strip where it covers the least
    for m, size in ([(mon, full)] + [(m, full) for m in mons if m != mon] + [(mon, compact)]):
        found = _free_spot(m, boxes, size, compact, anchor, gap, least=False)
        if found is not None:
            return found
    corner = (rx + rw, ry + rh)
    for size, free in ((compact, 2), (tab, 2), (compact, 1), (tab, 1), (tab, 0)):
        found = _free_spot(mon, boxes, size, size, corner, gap, least=True, faces=faces, free=free, avoid=avoid)
        if found is not None:
            return found
    mx, my, mw, mh = mon
    return (mx + mw - tab[0], my, tab[0], tab[1])


def face_clearance(face: Sequence[float]) -> tuple[float, float, float, float]:
    """A face's box ``(x, y, w, h)`` grown by ``FACE_CLEARANCE`` of its size on every side."""
    x, y, w, h = (float(v) for v in face)
    c = FACE_CLEARANCE * max(w, h)
    return (x - c, y - c, w + 2 * c, h + 2 * c)


def covers_a_face(rect: Sequence[float], faces: Iterable[Sequence[float]]) -> bool:
    """Whether ``rect`` covers any of ``faces`` or its clearance (:func:`face_clearance`)."""
    return any(overlaps(rect, face_clearance(f)) for f in faces)


def _free_spot(mon: Rect, boxes: list[tuple[float, ...]], size: tuple[int, int], compact: tuple[int, int],
               anchor: tuple[float, float], gap: int, least: bool,
               faces: Sequence[Sequence[float]] = (), free: int = 0,
               avoid: Sequence[Sequence[float]] = ()) -> Rect | None:
    """The panel's place on monitor ``mon`` nearest ``anchor`` that overlaps none of
    ``boxes`` (kept ``gap`` pixels away from them), at ``size`` (its height cut to the
    monitor, never under ``compact``'s); with ``least``, where it covers the least of
    ``faces`` (with :func:`face_clearance`), then of ``avoid``, then of ``boxes``; with
    ``free`` 1, only where it covers no face, 2 no face and nothing of ``avoid`` (None
    when there is no such place). None if there is none."""
    mx, my, mw, mh = (int(v) for v in mon)
    g = _PANEL_GRID
    gw, gh = max(1, mw // g), max(1, mh // g)
    pw, ph = int(size[0]), int(max(min(size[1], mh - 40), compact[1]))
    cw, ch = -(-pw // g), -(-ph // g)
    if gw < cw or gh < ch:
        return None
    ys, xs = np.arange(gh - ch + 1), np.arange(gw - cw + 1)

    def covering(rects: Iterable[tuple[float, float, float, float]]) -> np.ndarray:
        """Per place of the panel, how many grid cells of ``rects`` it covers."""
        blocked = np.zeros((gh, gw), np.float64)
        for x, y, w, h in rects:
            x0, y0 = int((x - mx) // g), int((y - my) // g)
            x1, y1 = int(math.ceil((x + w - mx) / g)), int(math.ceil((y + h - my) / g))
            blocked[max(0, y0):max(0, min(gh, y1)), max(0, x0):max(0, min(gw, x1))] = 1.0
        integral = np.zeros((gh + 1, gw + 1))
        integral[1:, 1:] = blocked.cumsum(0).cumsum(1)
        return (integral[ys[:, None] + ch, xs[None, :] + cw] - integral[ys[:, None], xs[None, :] + cw]
                - integral[ys[:, None] + ch, xs[None, :]] + integral[ys[:, None], xs[None, :]])

    # each tile and a gap around it
    covered = covering((x - gap, y - gap, w + 2 * gap, h + 2 * gap) for x, y, w, h in boxes)
    px, py = mx + xs[None, :] * g, my + ys[:, None] * g
    dist = np.abs(px - anchor[0]) + np.abs(py - anchor[1])
    if least:
        on_faces = covering(face_clearance(f) for f in faces)
        on_avoid = covering(tuple(float(v) for v in a) for a in avoid)
        ok = (on_faces <= 0) & ((on_avoid <= 0) if free >= 2 else True)
        if free and not ok.any():
            return None
        score = np.where(ok, 0.0, np.inf) if free else 0.0
        score = score + on_faces * 1e12 + on_avoid * 1e9 + covered * 1e6 + dist
    elif (covered <= 0).any():
        score = np.where(covered <= 0, dist, np.inf)
    else:
        return None
    k = np.unravel_index(np.argmin(score), score.shape)
    return (int(px[0, k[1]]), int(py[k[0], 0]), pw, ph)
