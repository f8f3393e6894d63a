"""Putting a person into a webcam frame: a portrait scaled, mirrored and shifted so
that its face lands where wanted, over a drawn neck and torso."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .library import Portrait
from .rooms import jitter
from .truth import Color, FBox


@dataclass(frozen=True)
class Placed:
    """One person to draw: an analysed portrait, mirrored or not."""

    portrait: Portrait
    flip: bool


def _affine(src_w: int, src_h: int, pw: int, ph: int, s: float, tx: float, ty: float, flip: bool) -> np.ndarray:
    """Map an array of (src_w, src_h) pixels that represents the whole (pw, ph)
    portrait to the frame: x' = tx + s*x (mirrored: x' = tx + s*(pw - x))."""
    sx, sy = s * pw / src_w, s * ph / src_h
    if flip:
        return np.array([[-sx, 0.0, tx + s * pw], [0.0, sy, ty]], np.float32)
    return np.array([[sx, 0.0, tx], [0.0, sy, ty]], np.float32)


_CLOTHES: tuple[Color, ...] = (
    (40, 40, 40), (90, 60, 30), (150, 150, 150), (60, 90, 50), (30, 30, 110), (200, 200, 200),
    (120, 80, 60), (70, 50, 90), (170, 130, 90), (60, 60, 60),
)


def _draw_torso(frame: np.ndarray, face: FBox, person: Portrait, rng: np.random.Generator) -> None:
    """Neck, shoulders and chest under a face box (frame pixels), shaded, in place;
    the portrait's own neck and collar fade into it. Clothes continue the
    portrait's when it shows them, else come from a palette."""
    fx, fy, fw, fh = face
    H, W = frame.shape[:2]
    # work in the region below the face only (full-frame masks cost ~1 ms per tile)
    x0 = int(max(0, fx + fw / 2 - fw * 1.8))
    y0 = int(max(0, fy + fh * 0.6))
    x1 = int(min(W, fx + fw / 2 + fw * 1.8 + 2))
    if x1 - x0 < 2 or y0 >= H:
        return
    frame = frame[y0:, x0:x1]
    fx, fy = fx - x0, fy - y0
    h, w = frame.shape[:2]
    cx = fx + fw / 2
    top = fy + fh * rng.uniform(1.3, 1.45)  # shoulder line
    ax, ay = fw * rng.uniform(1.4, 1.65), fh * rng.uniform(0.55, 0.75)
    own = rng.random() < 0.7
    cloth = jitter(person.cloth if own else _CLOTHES[int(rng.integers(len(_CLOTHES)))], rng, 6)
    skin = cloth if own else person.skin  # the portrait's collar continues as a high neck
    neck = np.zeros((h, w), np.uint8)
    cv2.rectangle(neck, (round(cx - fw * 0.24), round(fy + fh * 0.75)), (round(cx + fw * 0.24), round(top + ay * 0.5)), 255, -1)
    body = np.zeros((h, w), np.uint8)
    # neck base, sloping trapezius, a rounded shoulder (quarter ellipse), straight down
    half = ax / fw
    rel = [(-0.3, 0.0), (-0.9, 0.22)]
    for t in np.linspace(0.0, np.pi / 2, 6):
        rel.append((-(0.9 + (half - 0.9) * np.sin(t)), 0.22 + 0.9 * (1 - np.cos(t))))
    rel.append((-half, 99.0))
    pts = [(cx + dx * fw, top + dy * ay) for dx, dy in rel]
    pts += [(2 * cx - x, y) for x, y in reversed(pts)]
    cv2.fillPoly(body, [np.array([[round(x), round(min(y, h + 1))] for x, y in pts], np.int32)], 255, cv2.LINE_AA)
    sig = max(0.8, fw * 0.03)
    xs = np.abs(np.arange(w, dtype=np.float32) - cx) / max(ax, 1.0)
    shade = np.clip(1.0 - 0.3 * xs * xs, 0.55, 1.0)[None, :, None]
    for mask, color in ((neck, skin), (body, cloth)):
        a = (cv2.GaussianBlur(mask, (0, 0), sig).astype(np.float32) / 255.0)[..., None]
        frame *= 1.0 - a
        frame += a * (shade * np.array(color, np.float32)[None, None, :])


def composite_person(frame: np.ndarray, person: Placed, face_h: float, center: tuple[float, float],
                     window: np.ndarray | None, rng: np.random.Generator) -> FBox:
    """Draw a person (portrait over a drawn torso) into a webcam frame.

    Args:
        frame: float32 BGR (H, W, 3) in 0..255, drawn into in place.
        person: the portrait and whether it is mirrored.
        face_h: the height in frame pixels the portrait's face box gets.
        center: ``(x, y)`` in frame pixels where the face box's centre goes.
        window: float32 (W,) weight per column (1 = this person's side of a shared
            frame), or None to draw over the whole frame.
        rng: draws the torso's shoulders and clothes.

    Returns:
        The face box ``(x, y, w, h)`` in frame pixels (floats).
    """
    P = person.portrait
    ph, pw = P.image.shape[:2]
    fx, fy, fw, fh = P.face
    if person.flip:
        fx = pw - fx - fw
    s = face_h / fh
    tx = center[0] - s * (fx + fw / 2)
    ty = center[1] - s * (fy + fh / 2)
    box = (tx + s * fx, ty + s * fy, s * fw, s * fh)
    H, W = frame.shape[:2]
    if window is None:
        _draw_torso(frame, box, P, rng)
    else:  # the torso must stay on this person's side of the frame
        part = frame.copy()
        _draw_torso(part, box, P, rng)
        wv = window[None, :, None]
        frame *= 1.0 - wv
        frame += part * wv
    level = P.level_for(s)
    lh, lw = level.shape[:2]
    warped = cv2.warpAffine(level, _affine(lw, lh, pw, ph, s, tx, ty, person.flip), (W, H),
                            flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    mh, mw = P.matte.shape[:2]
    alpha = cv2.warpAffine(P.matte, _affine(mw, mh, pw, ph, s, tx, ty, person.flip), (W, H),
                           flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    if window is not None:
        alpha *= window[None, :]
    a = alpha[..., None]
    frame *= 1.0 - a
    frame += warped.astype(np.float32) * a
    return box


def face_h_for_width(person: Placed, max_w: float) -> float:
    """The face height (pixels) at which the person's face box is ``max_w`` wide."""
    _, _, fw, fh = person.portrait.face
    return max_w * fh / fw


def face_center(person: Placed, face_h: float, sw: int, sh: int, fx_rel: float, fy_rel: float) -> tuple[float, float]:
    """Where the face centre goes in an ``sw`` x ``sh`` frame: ``(fx_rel * sw, fy_rel * sh)``
    (pixels), clamped so that a face ``face_h`` pixels tall stays in the frame."""
    _, _, fw, fh = person.portrait.face
    hw, hh = face_h * fw / fh / 2 + 2, face_h / 2 + 2
    cx = min(max(fx_rel * sw, hw), sw - hw)
    cy = min(max(fy_rel * sh, hh), sh - hh)
    return cx, cy
