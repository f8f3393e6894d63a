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

from ..labels import COLOURS, PRESENCE_WORDS, UNCERTAIN
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

    With expressions: the expression word and its confidence (``happy 82%``), or
    ``uncertain``; away and camera-off tiles say so. ``presence_only``: presence only,
    never an expression, whatever the result holds."""
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
        return BadgeContent("uncertain", UNCERTAIN, PRESENCE_WORDS[UNCERTAIN], COLOURS[UNCERTAIN])
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


def _overlaps(a: Sequence[float], b: Sequence[float]) -> bool:
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
            if padded is None or not _overlaps(corners[i], padded):
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
        if not any(_overlaps(r, a) for a in avoid):
            return r
    return None
