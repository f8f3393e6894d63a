"""Window chrome around the meeting: a title bar, each app's in-meeting bars and
toolbar, and sometimes an operating-system taskbar."""

from __future__ import annotations

from typing import Callable

import cv2
import numpy as np

from .draw import put_text, rounded_rect, text_width
from .looks import AVATAR_COLORS, Look
from .truth import Color

def _icon(img: np.ndarray, kind: str, cx: int, cy: int, s: int, color: Color) -> None:
    """Draw a small monochrome toolbar glyph (mic, camera, people, chat, share,
    record, grid or a generic one) of size ``s`` pixels centred at (``cx``, ``cy``),
    in place."""
    t = max(1, s // 8)
    if kind == "mic":
        rounded_rect(img, cx - s // 4, cy - s // 2, s // 2, int(s * 0.7), s // 4, color)
        cv2.ellipse(img, (cx, cy), (s // 2, s // 2), 0, 0, 180, color, t, cv2.LINE_AA)
    elif kind == "camera":
        cv2.rectangle(img, (cx - s // 2, cy - s // 3), (cx + s // 6, cy + s // 3), color, -1)
        pts = np.array([[cx + s // 6, cy], [cx + s // 2, cy - s // 3], [cx + s // 2, cy + s // 3]], np.int32)
        cv2.fillPoly(img, [pts], color, cv2.LINE_AA)
    elif kind == "people":
        cv2.circle(img, (cx - s // 5, cy - s // 4), max(1, s // 5), color, -1, cv2.LINE_AA)
        cv2.ellipse(img, (cx - s // 5, cy + s // 3), (s // 3, s // 4), 0, 180, 360, color, -1, cv2.LINE_AA)
        cv2.rectangle(img, (cx + s // 5, cy - s // 3), (cx + s // 2, cy + s // 3), color, t)
    elif kind == "chat":
        rounded_rect(img, cx - s // 2, cy - s // 3, s, int(s * 0.6), s // 6, color)
        pts = np.array([[cx - s // 4, cy + s // 4], [cx - s // 3, cy + s // 2], [cx, cy + s // 4]], np.int32)
        cv2.fillPoly(img, [pts], color)
    elif kind == "share":
        rounded_rect(img, cx - s // 2, cy - s // 2, s, s, s // 5, (60, 180, 50))
        cv2.arrowedLine(img, (cx, cy + s // 3), (cx, cy - s // 3), (255, 255, 255), t, cv2.LINE_AA, 0, 0.4)
    elif kind == "record":
        cv2.circle(img, (cx, cy), s // 2, color, t, cv2.LINE_AA)
        cv2.circle(img, (cx, cy), max(1, s // 4), color, -1, cv2.LINE_AA)
    elif kind == "grid":
        q = max(1, s // 4)
        for dx in (-q - 1, 1):
            for dy in (-q - 1, 1):
                cv2.rectangle(img, (cx + dx, cy + dy), (cx + dx + q - 1, cy + dy + q - 1), color, -1)
    else:  # generic: a square outline with a dot
        cv2.rectangle(img, (cx - s // 2, cy - s // 2), (cx + s // 2, cy + s // 2), color, t)
        cv2.circle(img, (cx, cy), max(1, s // 6), color, -1)


def _title_bar(img: np.ndarray, y: int, h: int, title: str, bg: Color, fg: Color, u: float) -> None:
    """A window title bar ``h`` pixels tall from row ``y``: app icon, ``title`` and
    the minimise / maximise / close glyphs (in place)."""
    W = img.shape[1]
    img[y : y + h] = bg
    px = max(6.0, h * 0.38)
    cv2.rectangle(img, (round(8 * u), y + h // 4), (round(8 * u) + h // 2, y + h // 4 + h // 2), (230, 140, 30), -1)
    put_text(img, title, round(8 * u) + h, y + h // 2 + round(px / 2), px, fg)
    for k, glyph in enumerate(("close", "max", "min")):
        cx = W - round((22 + 46 * k) * u)
        r = max(3, round(5 * u))
        if glyph == "close":
            cv2.line(img, (cx - r, y + h // 2 - r), (cx + r, y + h // 2 + r), fg, 1, cv2.LINE_AA)
            cv2.line(img, (cx - r, y + h // 2 + r), (cx + r, y + h // 2 - r), fg, 1, cv2.LINE_AA)
        elif glyph == "max":
            cv2.rectangle(img, (cx - r, y + h // 2 - r), (cx + r, y + h // 2 + r), fg, 1)
        else:
            cv2.line(img, (cx - r, y + h // 2), (cx + r, y + h // 2), fg, 1)


def _taskbar(img: np.ndarray, h: int, rng: np.random.Generator, u: float) -> None:
    """An operating-system taskbar along the bottom ``h`` rows: start button, app
    icons and a clock (in place)."""
    H, W = img.shape[:2]
    y = H - h
    bg = [(32, 32, 32), (235, 222, 211), (60, 40, 20)][int(rng.integers(3))]
    fg = (240, 240, 240) if sum(bg) < 384 else (20, 20, 20)
    img[y:] = bg
    s = max(6, round(h * 0.45))
    cy = y + h // 2
    x = round(14 * u)
    q = s // 2 - 1
    for dx in (0, q + 2):  # start button
        for dy in (0, q + 2):
            cv2.rectangle(img, (x + dx, cy - s // 2 + dy), (x + dx + q, cy - s // 2 + dy + q), (215, 120, 0), -1)
    x += round(46 * u)
    for _ in range(int(rng.integers(6, 16))):
        color = AVATAR_COLORS[int(rng.integers(len(AVATAR_COLORS)))]
        rounded_rect(img, x, cy - s // 2, s, s, max(1, s // 5), color)
        x += round(40 * u)
        if x > W * 0.6:
            break
    px = max(6.0, h * 0.25)
    clock = f"{int(rng.integers(8, 13))}:{int(rng.integers(0, 60)):02d} AM"
    put_text(img, clock, W - round(20 * u) - text_width(clock, px), cy + round(px / 2), px, fg)


def _zoom_chrome(img: np.ndarray, look: Look, u: float, rng: np.random.Generator, top: int, bottom: int) -> tuple[int, int]:
    """Zoom's in-meeting top strip and bottom toolbar between rows ``top`` and
    ``bottom`` (in place); returns the meeting area's new (top, bottom) rows."""
    W = img.shape[1]
    # in-meeting top strip: security shield at left, "View" at right
    h = round(40 * u)
    img[top : top + h] = look.bg
    s = round(14 * u)
    cv2.circle(img, (round(20 * u), top + h // 2), s // 2 + 1, (80, 190, 40), -1, cv2.LINE_AA)
    px = 11 * u
    _icon(img, "grid", W - round(70 * u), top + h // 2, s, look.chrome_text)
    put_text(img, "View", W - round(58 * u), top + h // 2 + round(px / 2), px, look.chrome_text)
    top += h
    # bottom toolbar
    h = round(72 * u)
    y = bottom - h
    img[y:bottom] = look.chrome
    buttons = [("mic", "Mute"), ("camera", "Stop Video"), ("people", "Participants"), ("chat", "Chat"),
               ("share", "Share Screen"), ("record", "Record"), ("generic", "Reactions"), ("generic", "Apps")]
    s = round(22 * u)
    px = 10.5 * u
    xs = [round(35 * u), round(110 * u)] + [round(W / 2 + (k - 2.5) * 95 * u) for k in range(6)]
    for (kind, label), cx in zip(buttons, xs):
        _icon(img, kind, cx, y + round(28 * u), s, look.chrome_text)
        tw_ = text_width(label, px)
        put_text(img, label, cx - tw_ // 2, y + round(58 * u), px, look.chrome_text)
    bw, bh = round(62 * u), round(28 * u)
    rounded_rect(img, W - bw - round(14 * u), y + (h - bh) // 2, bw, bh, round(6 * u), (40, 40, 200))
    put_text(img, "Leave", W - bw - round(14 * u) + round(12 * u), y + h // 2 + round(px / 2), px, (255, 255, 255))
    return top, y


def _meet_chrome(img: np.ndarray, look: Look, u: float, rng: np.random.Generator, top: int, bottom: int) -> tuple[int, int]:
    """Chrome's address bar and Meet's bottom bar between rows ``top`` and ``bottom``
    (in place); returns the meeting area's new (top, bottom) rows."""
    W = img.shape[1]
    code = "".join(chr(97 + int(rng.integers(26))) for _ in range(10))
    code = f"{code[:3]}-{code[3:7]}-{code[7:]}"
    # address bar
    h = round(38 * u)
    bar = (60, 56, 53) if look.bg[0] < 128 else (240, 240, 240)
    img[top : top + h] = bar
    rounded_rect(img, round(110 * u), top + round(5 * u), W - round(220 * u), h - round(10 * u), (h - round(10 * u)) // 2,
                  (36, 33, 32) if look.bg[0] < 128 else (255, 255, 255))
    put_text(img, f"meet.google.com/{code}", round(135 * u), top + h // 2 + round(5 * u), 11 * u, look.chrome_text)
    top += h
    # bottom bar: time | code, round buttons, red hang-up pill
    h = round(80 * u)
    y = bottom - h
    img[y:bottom] = look.bg
    px = 12 * u
    put_text(img, f"10:{int(rng.integers(0, 60)):02d} AM | {code}", round(24 * u), y + h // 2 + round(px / 2), px,
              look.chrome_text)
    r = round(20 * u)
    btn = (67, 64, 60) if look.bg[0] < 128 else (218, 220, 224)
    for k, kind in enumerate(("mic", "camera", "generic", "chat", "share")):
        cx = round(W / 2 + (k - 2.5) * 56 * u)
        cv2.circle(img, (cx, y + h // 2), r, btn, -1, cv2.LINE_AA)
        _icon(img, kind, cx, y + h // 2, round(r * 0.9), look.chrome_text)
    rounded_rect(img, round(W / 2 + 3 * 56 * u - r * 1.3), y + h // 2 - r, round(2.6 * r), 2 * r, r, (53, 67, 234))
    for k, kind in enumerate(("people", "chat", "generic")):
        _icon(img, kind, W - round((40 + 48 * k) * u), y + h // 2, round(20 * u), look.chrome_text)
    return top, y


def _teams_chrome(img: np.ndarray, look: Look, u: float, rng: np.random.Generator, top: int, bottom: int) -> tuple[int, int]:
    """Teams' top toolbar below row ``top`` (in place); returns the meeting area's
    new (top, bottom) rows."""
    W = img.shape[1]
    h = round(52 * u)
    img[top : top + h] = look.chrome
    px = 12 * u
    timer = f"{int(rng.integers(0, 2)):02d}:{int(rng.integers(0, 60)):02d}:{int(rng.integers(0, 60)):02d}"
    put_text(img, timer, round(18 * u), top + h // 2 + round(px / 2), px, look.chrome_text)
    labels = ("Chat", "People", "Raise", "React", "View", "More", "Camera", "Mic", "Share")
    kinds = ("chat", "people", "generic", "generic", "grid", "generic", "camera", "mic", "share")
    x = W - round(140 * u) - len(labels) * round(58 * u)
    for kind, label in zip(kinds, labels):
        _icon(img, kind, x, top + round(20 * u), round(16 * u), look.chrome_text)
        pl = 9 * u
        put_text(img, label, x - text_width(label, pl) // 2, top + round(44 * u), pl, look.chrome_text)
        x += round(58 * u)
    bw, bh = round(90 * u), round(32 * u)
    rounded_rect(img, W - bw - round(20 * u), top + (h - bh) // 2, bw, bh, round(4 * u), (60, 52, 196))
    put_text(img, "Leave", W - bw + round(4 * u), top + h // 2 + round(px / 2), px, (255, 255, 255))
    cv2.line(img, (0, top + h - 1), (W - 1, top + h - 1), tuple(int(v * 0.8) for v in look.chrome), 1)
    return top + h, bottom


_TITLES = {"zoom": "Zoom Meeting", "meet": "Meet - Google Chrome", "teams": "Meeting | Microsoft Teams"}


def draw_chrome(img: np.ndarray, style: str, look: Look, u: float, rng: np.random.Generator) -> tuple[int, int]:
    """Draw window chrome around the meeting area of a gallery image (BGR uint8, in
    place): a title bar, the app's bars and, for some ``rng`` draws, a taskbar.

    Args:
        img: the gallery image, already filled with the meeting background.
        style: one of the app styles (``"zoom"``, ``"meet"``, ``"teams"``).
        look: that app's look in the gallery's theme.
        u: scale of 1080p lengths to this image.
        rng: draws the taskbar, title colours, meeting code and clocks.

    Returns:
        ``(top, bottom)``: the image rows between which the meeting area lies.
    """
    H = img.shape[0]
    top, bottom = 0, H
    if rng.random() < 0.6:
        th_ = max(14, round(32 * u))
        _taskbar(img, max(16, round(40 * u)), rng, u)
        bottom = H - max(16, round(40 * u))
    else:
        th_ = max(14, round(30 * u))
    dark_title = look.bg[0] < 128 and rng.random() < 0.5
    title_bg = (32, 32, 32) if dark_title else (255, 255, 255)
    title_fg = (230, 230, 230) if dark_title else (20, 20, 20)
    _title_bar(img, 0, th_, _TITLES[style], title_bg, title_fg, u)
    top = th_
    draw: Callable[..., tuple[int, int]] = {"zoom": _zoom_chrome, "meet": _meet_chrome, "teams": _teams_chrome}[style]
    return draw(img, look, u, rng, top, bottom)
