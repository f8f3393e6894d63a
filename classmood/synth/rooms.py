"""Procedural rooms behind a webcam: walls, light, floors, doors, windows, shelves,
pictures, plants and chairs (no faces: only gradients, rectangles and a few blobs)."""

from __future__ import annotations

import cv2
import numpy as np

from .draw import rounded_rect
from .truth import Color

_WALLS: tuple[Color, ...] = (
    (196, 210, 222), (225, 228, 230), (170, 180, 186), (200, 214, 206), (214, 200, 190),
    (150, 170, 190), (226, 222, 212), (120, 130, 140), (180, 196, 214), (205, 205, 200),
)
_WOODS: tuple[Color, ...] = ((60, 95, 140), (45, 70, 105), (90, 130, 170), (40, 50, 60), (210, 212, 214))
_BOOKS: tuple[Color, ...] = (
    (40, 40, 160), (150, 70, 30), (40, 120, 40), (30, 160, 200), (110, 40, 110),
    (200, 200, 200), (30, 30, 30), (80, 110, 160),
)


def jitter(c: Color, rng: np.random.Generator, amount: int = 12) -> Color:
    """``c`` with each channel moved by a random integer in -amount..amount (clipped
    to 0..255)."""
    d = rng.integers(-amount, amount + 1, size=3)
    return tuple(int(np.clip(v + dv, 0, 255)) for v, dv in zip(c, d))  # type: ignore[return-value]


def room(w: int, h: int, rng: np.random.Generator, *, defocus: float = 0.0,
         empty_chair: bool = False) -> np.ndarray:
    """A plausible room behind a webcam, float32 (h, w, 3) BGR in 0..255.

    Drawn at a low resolution and upsampled, which gives the soft look of webcam
    optics for free; ``defocus`` (0..1) blurs it further as behind a person;
    ``empty_chair`` always draws a chair back (else one room in five has one)."""
    rw = int(min(w, 320))
    rh = max(8, round(rw * h / w))
    wall = np.array(jitter(rng.choice(np.array(_WALLS)).tolist(), rng, 10), np.float32)
    yy = np.linspace(0.0, 1.0, rh, dtype=np.float32)[:, None]
    xx = np.linspace(0.0, 1.0, rw, dtype=np.float32)[None, :]
    lx, ly = rng.uniform(0.1, 0.9), rng.uniform(-0.2, 0.3)
    light = 1.12 - 0.45 * np.sqrt((xx - lx) ** 2 + (yy - ly) ** 2) * rng.uniform(0.5, 1.0)
    img = np.clip(light[..., None] * wall[None, None, :], 0, 255).astype(np.uint8)

    floor_y = int(rh * rng.uniform(0.72, 0.92))
    if rng.random() < 0.7:  # floor or desk edge
        img[floor_y:] = jitter(tuple(rng.choice(np.array(_WOODS)).tolist()), rng, 15)
    if rng.random() < 0.35:  # ceiling with light panels (laptop looking up)
        cy = int(rh * rng.uniform(0.08, 0.22))
        img[:cy] = np.clip(img[:cy].astype(np.int16) + 18, 0, 255).astype(np.uint8)
        for _ in range(int(rng.integers(1, 4))):
            px, pw = int(rng.uniform(0, rw)), int(rw * rng.uniform(0.08, 0.2))
            cv2.rectangle(img, (px, 0), (px + pw, max(1, cy // 2)), (250, 250, 250), -1)
    items = rng.permutation(["door", "window", "shelf", "picture", "plant", "cabinet"])
    for item in items[: int(rng.integers(1, 4))]:
        _room_item(img, str(item), floor_y, rng)
    if empty_chair or rng.random() < 0.2:
        _chair(img, rng)
    if defocus > 0:
        k = max(1.0, defocus * rw / 60.0)
        img = cv2.GaussianBlur(img, (0, 0), k)
    out = cv2.resize(img, (w, h), interpolation=cv2.INTER_LINEAR)
    return out.astype(np.float32)


def _room_item(img: np.ndarray, item: str, floor_y: int, rng: np.random.Generator) -> None:
    """Draw one ``item`` (door, window, shelf, picture, plant or cabinet) into the
    low-resolution room ``img`` (uint8, in place) whose floor starts at ``floor_y``."""
    rh, rw = img.shape[:2]
    x = int(rng.uniform(-0.05, 0.85) * rw)
    if item == "door":
        dw, dh = int(rw * rng.uniform(0.14, 0.22)), int(floor_y * rng.uniform(0.7, 0.9))
        top = floor_y - dh
        color = jitter(tuple(rng.choice(np.array(_WOODS)).tolist()), rng)
        cv2.rectangle(img, (x - 2, top - 2), (x + dw + 2, floor_y), (235, 235, 235), -1)
        cv2.rectangle(img, (x, top), (x + dw, floor_y), color, -1)
        cv2.circle(img, (x + dw - max(2, dw // 8), top + dh // 2), max(1, dw // 20), (170, 170, 180), -1)
    elif item == "window":
        ww, wh = int(rw * rng.uniform(0.18, 0.35)), int(rh * rng.uniform(0.25, 0.45))
        top = int(rh * rng.uniform(0.08, 0.3))
        sky = jitter((245, 230, 205), rng, 10)
        cv2.rectangle(img, (x - 3, top - 3), (x + ww + 3, top + wh + 3), (240, 240, 240), -1)
        cv2.rectangle(img, (x, top), (x + ww, top + wh), sky, -1)
        cv2.line(img, (x + ww // 2, top), (x + ww // 2, top + wh), (230, 230, 230), 2)
        if rng.random() < 0.5:
            cv2.line(img, (x, top + wh // 2), (x + ww, top + wh // 2), (230, 230, 230), 2)
        if rng.random() < 0.5:  # a blind
            cv2.rectangle(img, (x, top), (x + ww, top + int(wh * rng.uniform(0.2, 0.6))), (200, 208, 214), -1)
    elif item == "shelf":  # a board with lying book stacks and boxes (rows of upright
        # spines make BlazeFace see faces, so they are left out)
        sw = int(rw * rng.uniform(0.18, 0.32))
        sy = int(rh * rng.uniform(0.3, 0.55))
        bx = x + int(rng.integers(0, 6))
        while bx < x + sw - 10:
            kind, top = rng.random(), sy
            if kind < 0.6:
                for _ in range(int(rng.integers(2, 5))):
                    bw_, bh_ = int(rng.integers(10, 18)), int(rng.integers(2, 4))
                    col = tuple(int(v) for v in rng.choice(np.array(_BOOKS)))
                    cv2.rectangle(img, (bx, top - bh_), (bx + bw_, top - 1), col, -1)
                    top -= bh_
            else:
                bw_ = int(rng.integers(10, 20))
                cv2.rectangle(img, (bx, sy - int(rng.integers(6, 14))), (bx + bw_, sy - 1),
                              jitter((170, 190, 200), rng, 40), -1)
            bx += bw_ + int(rng.integers(4, 16))
        cv2.rectangle(img, (x - 2, sy), (x + sw, sy + 3), jitter((70, 100, 140), rng), -1)
    elif item == "picture":
        pw, ph = int(rw * rng.uniform(0.1, 0.2)), int(rh * rng.uniform(0.12, 0.25))
        top = int(rh * rng.uniform(0.1, 0.35))
        cv2.rectangle(img, (x - 2, top - 2), (x + pw + 2, top + ph + 2), (30, 30, 30), -1)
        cv2.rectangle(img, (x, top), (x + pw, top + ph), jitter((150, 170, 120), rng, 60), -1)
        cv2.rectangle(img, (x, top + ph // 2), (x + pw, top + ph), jitter((90, 120, 100), rng, 40), -1)
    elif item == "plant":
        px, base = x + 10, floor_y
        cv2.rectangle(img, (px - 6, base - 14), (px + 6, base), jitter((60, 80, 150), rng), -1)
        for _ in range(6):
            cx, cy = px + int(rng.integers(-14, 15)), base - 14 - int(rng.integers(4, 30))
            axes = (int(rng.integers(4, 10)), int(rng.integers(2, 5)))
            cv2.ellipse(img, (cx, cy), axes, float(rng.uniform(0, 180)), 0, 360, jitter((50, 120, 50), rng, 20), -1)
    elif item == "cabinet":
        cw, ch = int(rw * rng.uniform(0.2, 0.35)), int(rh * rng.uniform(0.2, 0.35))
        cv2.rectangle(img, (x, floor_y - ch), (x + cw, floor_y), jitter((200, 200, 200), rng, 30), -1)
        cv2.line(img, (x + cw // 2, floor_y - ch), (x + cw // 2, floor_y), (120, 120, 120), 1)


def _chair(img: np.ndarray, rng: np.random.Generator) -> None:
    """An office chair back seen from the webcam (what an away student leaves)."""
    rh, rw = img.shape[:2]
    cw, ch = int(rw * rng.uniform(0.3, 0.45)), int(rh * rng.uniform(0.45, 0.65))
    cx = int(rw * rng.uniform(0.35, 0.65))
    color = jitter((35, 35, 38), rng, 15)
    x0, y0 = cx - cw // 2, rh - ch
    rounded_rect(img, x0, y0, cw, ch + 10, max(2, cw // 5), color)
