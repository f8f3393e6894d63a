"""Drawing one tile of the gallery as its app would: live webcam video (maybe
letterboxed), a camera-off card, a small profile photo; then the name label, the
active-speaker border and rounded corners."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..geometry import BBox
from ..types import TileState
from .draw import FONT, FONT_BOLD, blend_rect, fit_text, put_text, round_corners, text_width
from .looks import AVATAR_COLORS, TEAMS_PASTELS, Look
from .names import initials
from .person import Placed
from .truth import Color, FBox, SynthTile
from .webcam import webcam_frame


@dataclass
class TilePlan:
    """What one tile shows, decided before anything is drawn."""

    index: int
    """Reading order of the tile."""
    bbox: BBox
    """The tile rectangle in image pixels."""
    state: TileState
    name: str | None
    """The label to draw (None: no label)."""
    people: list[Placed]
    """Who appears (face and photo tiles: one or two; else none)."""
    video_aspect: float | None  # None: the video fills the tile
    speaker: bool
    """Draw the active-speaker border."""


def _video_rect(tw: int, th: int, aspect: float | None) -> BBox:
    """The video rectangle in a ``tw`` x ``th`` tile: the whole tile, or a centred
    full-height ``aspect`` (w/h) rectangle between bars when it is narrower."""
    if aspect is None or aspect >= tw / th:
        return (0, 0, tw, th)
    vw = max(8, round(th * aspect))
    return ((tw - vw) // 2, 0, vw, th)


def _to_bbox(box: FBox, clip: BBox) -> BBox | None:
    """Round a float box to integer pixels, clipped to ``clip``."""
    x, y, w, h = box
    cx, cy, cw, ch = clip
    x0, y0 = max(round(x), cx), max(round(y), cy)
    x1, y1 = min(round(x + w), cx + cw), min(round(y + h), cy + ch)
    if x1 - x0 < 1 or y1 - y0 < 1:
        return None
    return (int(x0), int(y0), int(x1 - x0), int(y1 - y0))


def _render_live(tile: np.ndarray, plan: TilePlan, rng: np.random.Generator) -> tuple[BBox, list[FBox]]:
    """Draw live webcam video into the tile (in place); returns the video rectangle
    and the face boxes, both in tile pixels."""
    th, tw = tile.shape[:2]
    vx, vy, vw, vh = _video_rect(tw, th, plan.video_aspect)
    frame, boxes = webcam_frame(vw, vh, plan.people, rng)
    tile[vy : vy + vh, vx : vx + vw] = frame
    return (vx, vy, vw, vh), [(x + vx, y + vy, w, h) for x, y, w, h in boxes]


def render_card(tile: np.ndarray, plan: TilePlan, look: Look, u: float, rng: np.random.Generator) -> None:
    """Draw a camera-off card into ``tile`` (BGR uint8, in place, already filled with
    the card colour): Zoom shows the name in big text or an initials square; Meet
    one letter in a circle; Teams two initials in a pastel circle. ``u`` scales
    1080p lengths to the image; ``rng`` picks the avatar and its colour."""
    th, tw = tile.shape[:2]
    cx, cy = tw // 2, th // 2
    if look.avatar == "square_or_name" and rng.random() < 0.55 and plan.name:
        px = min(th * 0.085, 30 * u * 1.4)
        text = fit_text(plan.name, int(tw * 0.86), px, FONT_BOLD, 2)
        if text:
            tx = cx - text_width(text, px, FONT_BOLD, 2) // 2
            put_text(tile, text, tx, int(cy + px / 2), px, look.card_text, FONT_BOLD, max(1, round(px / 14)))
        return
    color = tuple(int(v) for v in AVATAR_COLORS[int(rng.integers(len(AVATAR_COLORS)))])
    if look.avatar == "square_or_name":
        side = int(th * rng.uniform(0.26, 0.32))
        cv2.rectangle(tile, (cx - side // 2, cy - side // 2), (cx - side // 2 + side, cy - side // 2 + side), color, -1)
        letters, text_color, px = initials(plan.name), (255, 255, 255), side * 0.3
    elif look.avatar == "circle":
        side = int(th * rng.uniform(0.3, 0.38))
        cv2.circle(tile, (cx, cy), side // 2, color, -1, cv2.LINE_AA)
        letters, text_color, px = initials(plan.name, 1), (255, 255, 255), side * 0.42
    else:
        circle, text_color = TEAMS_PASTELS[int(rng.integers(len(TEAMS_PASTELS)))]
        side = int(th * rng.uniform(0.3, 0.36))
        cv2.circle(tile, (cx, cy), side // 2, circle, -1, cv2.LINE_AA)
        letters, px = initials(plan.name), side * 0.3
    tx = cx - text_width(letters, px, FONT) // 2
    put_text(tile, letters, tx, int(cy + px / 2), px, text_color, FONT, max(1, round(px / 12)))


def _render_photo(tile: np.ndarray, plan: TilePlan, look: Look, rng: np.random.Generator) -> list[FBox]:
    """Camera off with a still profile photo shown small in the middle of the card
    (in place); returns the photo's face box in tile pixels."""
    th, tw = tile.shape[:2]
    person = plan.people[0]
    img, (fx, fy, fw, fh) = person.portrait.image, person.portrait.face
    ph, pw = img.shape[:2]
    c = min(max(fw, fh) * rng.uniform(1.8, 2.4), pw, ph)
    cx0 = min(max(fx + fw / 2 - c / 2, 0.0), pw - c)
    cy0 = min(max(fy + fh / 2 - c / 2, 0.0), ph - c)
    x0, y0, ci = int(round(cx0)), int(round(cy0)), int(c)
    crop = img[y0 : y0 + ci, x0 : x0 + ci]
    if person.flip:
        crop = crop[:, ::-1]
    side = max(8, int(th * rng.uniform(0.25, 0.33)))
    small = cv2.resize(crop, (side, side), interpolation=cv2.INTER_AREA)
    px0, py0 = (tw - side) // 2, (th - side) // 2
    roi = tile[py0 : py0 + side, px0 : px0 + side]
    if look.photo_shape == "circle":
        m = np.zeros((side, side), np.uint8)
        cv2.circle(m, (side // 2, side // 2), side // 2, 255, -1, cv2.LINE_AA)
        a = (m.astype(np.float32) / 255.0)[..., None]
        roi[:] = (small * a + roi * (1 - a) + 0.5).astype(np.uint8)
    else:
        roi[:] = small
    k = side / ci
    bx = (fx - x0) if not person.flip else (x0 + ci - (fx + fw))
    return [(px0 + bx * k, py0 + (fy - y0) * k, fw * k, fh * k)]


_MIC_RED: Color = (60, 60, 230)
# Zoom/Teams label box: 60% of a dark grey, so it reads ~(44,44,44) on a camera-off
# card (as measured on Zoom) and darkens bright video behind the name
_LABEL_BOX: Color = (50, 50, 50)


def _draw_label(tile: np.ndarray, name: str, look: Look, u: float, muted: bool) -> str | None:
    """Name label at the bottom left (in place), after a muted-microphone icon when
    ``muted``; returns the exact text drawn (None if none fits)."""
    th, tw = tile.shape[:2]
    px = float(np.clip(11.5 * u, 6.0, th * 0.09))
    pad = max(2, round(px * 0.45))
    icon = round(px * 1.2) if muted else 0
    box_h = round(px + 2 * pad + px * 0.35)
    text = fit_text(name, int(tw * 0.8) - icon - 2 * pad, px)
    if not text or box_h > th // 2:
        return None
    text_w = text_width(text, px)
    if look.label_box:
        x0, y0 = (0, th - box_h) if look.radius == 0 else (round(4 * u), th - box_h - round(4 * u))
        blend_rect(tile, x0, y0, text_w + icon + 2 * pad, box_h, _LABEL_BOX, 0.6)
        tx, base = x0 + pad + icon, y0 + pad + round(px)
        if muted:
            _mic_off(tile, x0 + pad + icon // 2 - 1, y0 + box_h // 2, px)
        put_text(tile, text, tx, base, px, (255, 255, 255))
    else:  # Meet: white text with a soft shadow directly on the video
        x0, base = round(10 * u), th - round(10 * u)
        if muted:
            _mic_off(tile, x0 + icon // 2, base - round(px / 2), px)
        put_text(tile, text, x0 + icon + 1, base + 1, px, (20, 20, 20))
        put_text(tile, text, x0 + icon, base, px, (255, 255, 255))
    return text


def _mic_off(img: np.ndarray, cx: int, cy: int, px: float) -> None:
    """A red struck-through microphone centred at (``cx``, ``cy``), sized for text
    ``px`` pixels tall (in place)."""
    r = max(2, round(px * 0.35))
    cv2.rectangle(img, (cx - r // 2, cy - r), (cx + r // 2, cy + r // 3), _MIC_RED, -1)
    cv2.line(img, (cx - r, cy - r), (cx + r, cy + r), _MIC_RED, max(1, round(px / 8)), cv2.LINE_AA)


def _draw_speaker(tile: np.ndarray, look: Look, u: float) -> None:
    """The active-speaker border along the tile's edge (in place)."""
    t = max(2, round(look.speaker_px * u))
    th, tw = tile.shape[:2]
    for k in range(t):  # cv2 centres thick lines on the edge; draw t nested 1 px frames
        cv2.rectangle(tile, (k, k), (tw - 1 - k, th - 1 - k), look.speaker, 1)


def finish_tile(image: np.ndarray, tile: np.ndarray, bbox: BBox, name: str | None, look: Look, u: float,
                muted: bool, speaker: bool) -> str | None:
    """Draw the name label (and muted icon), the active-speaker border and the
    rounded corners onto a drawn ``tile`` (in place), then paste it into ``image``
    at ``bbox``. Returns the exact label text drawn (None: no label)."""
    x, y, w, h = bbox
    text = _draw_label(tile, name, look, u, muted) if name else None
    if speaker:
        _draw_speaker(tile, look, u)
    if look.radius > 0:
        round_corners(tile, max(2, round(look.radius * u)), look.bg)
    image[y : y + h, x : x + w] = tile
    return text


def render_tile(image: np.ndarray, plan: TilePlan, look: Look, u: float, rng: np.random.Generator) -> SynthTile:
    """Draw one planned tile into the gallery ``image`` (BGR uint8, in place).

    Args:
        image: the gallery screenshot being drawn.
        plan: what the tile shows and where.
        look: the app's look.
        u: scale of 1080p lengths to this image.
        rng: draws the webcam scenes, avatars, photo crops and the muted icon.

    Returns:
        The tile's ground truth, boxes in image pixels.
    """
    x, y, w, h = plan.bbox
    tile = np.empty((h, w, 3), np.uint8)
    tile[:] = look.card
    video: BBox | None = None
    faces: list[FBox] = []
    if plan.state in (TileState.FACE, TileState.NO_FACE):
        video, faces = _render_live(tile, plan, rng)
    elif plan.state is TileState.PHOTO:
        faces = _render_photo(tile, plan, look, rng)
    else:
        render_card(tile, plan, look, u, rng)
    muted = bool(rng.random() < 0.4)
    text = finish_tile(image, tile, plan.bbox, plan.name, look, u, muted, plan.speaker)
    clip = video if video is not None else (0, 0, w, h)
    gt = [b for b in (_to_bbox(f, clip) for f in faces) if b is not None]
    return SynthTile(
        index=plan.index,
        bbox=plan.bbox,
        state=plan.state,
        name=text,
        face_boxes=tuple((bx + x, by + y, bw, bh) for bx, by, bw, bh in gt),
        video_bbox=None if video is None else (video[0] + x, video[1] + y, video[2], video[3]),
    )
