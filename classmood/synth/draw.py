"""Drawing primitives for the synthetic UI: text at a pixel size, rounded and
semi-transparent rectangles, anti-aliased rounded tile corners (OpenCV, BGR uint8,
in place)."""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

from .truth import Color

FONT = cv2.FONT_HERSHEY_SIMPLEX
FONT_BOLD = cv2.FONT_HERSHEY_DUPLEX


@lru_cache(maxsize=8)
def _cap_height(font: int) -> float:
    """Height in pixels of a capital "H" in ``font`` at OpenCV font scale 1."""
    return float(cv2.getTextSize("H", font, 1.0, 1)[0][1])


def _font_scale(px: float, font: int = FONT) -> float:
    """The OpenCV font scale whose capitals are ``px`` pixels tall."""
    return max(0.05, px / _cap_height(font))


def text_width(text: str, px: float, font: int = FONT, thickness: int = 1) -> int:
    """Width in pixels of ``text`` drawn with capitals ``px`` pixels tall."""
    return int(cv2.getTextSize(text, font, _font_scale(px, font), thickness)[0][0])


def put_text(img: np.ndarray, text: str, x: int, baseline_y: int, px: float, color: Color,
             font: int = FONT, thickness: int = 1) -> None:
    """Draw anti-aliased ``text`` into ``img`` (BGR uint8, in place), starting at ``x``
    on the baseline row ``baseline_y``, with capitals ``px`` pixels tall."""
    cv2.putText(img, text, (int(x), int(baseline_y)), font, _font_scale(px, font), color,
                max(1, int(thickness)), cv2.LINE_AA)


def fit_text(text: str, max_w: int, px: float, font: int = FONT, thickness: int = 1) -> str:
    """``text`` shortened with '...' until it fits ``max_w`` pixels ('' if nothing
    fits), at capitals ``px`` pixels tall."""
    if text_width(text, px, font, thickness) <= max_w:
        return text
    for n in range(len(text) - 1, 0, -1):
        t = text[:n].rstrip() + "..."
        if text_width(t, px, font, thickness) <= max_w:
            return t
    return ""


def rounded_rect(img: np.ndarray, x: int, y: int, w: int, h: int, r: int, color: Color) -> None:
    """Fill the ``w`` x ``h`` rectangle at (``x``, ``y``) with ``color``, corners
    rounded to radius ``r`` pixels (anti-aliased), in place."""
    r = int(max(0, min(r, w // 2, h // 2)))
    if r == 0:
        cv2.rectangle(img, (x, y), (x + w - 1, y + h - 1), color, -1)
        return
    cv2.rectangle(img, (x + r, y), (x + w - 1 - r, y + h - 1), color, -1)
    cv2.rectangle(img, (x, y + r), (x + w - 1, y + h - 1 - r), color, -1)
    for cx, cy in ((x + r, y + r), (x + w - 1 - r, y + r), (x + r, y + h - 1 - r), (x + w - 1 - r, y + h - 1 - r)):
        cv2.circle(img, (cx, cy), r, color, -1, cv2.LINE_AA)


def blend_rect(img: np.ndarray, x: int, y: int, w: int, h: int, color: Color, alpha: float) -> None:
    """Blend ``color`` over the rectangle at (``x``, ``y``), ``w`` x ``h`` pixels, with
    opacity ``alpha`` (0..1), clipped to the image, in place."""
    H, W = img.shape[:2]
    x0, y0, x1, y1 = max(0, x), max(0, y), min(W, x + w), min(H, y + h)
    if x1 <= x0 or y1 <= y0:
        return
    roi = img[y0:y1, x0:x1]
    over = np.empty_like(roi)
    over[:] = color
    cv2.addWeighted(over, alpha, roi, 1.0 - alpha, 0.0, dst=roi)


@lru_cache(maxsize=64)
def _corner_alpha(r: int) -> np.ndarray:
    """Anti-aliased coverage (r x r, float32) of a top-left rounded corner of radius r."""
    m = np.zeros((2 * r + 2, 2 * r + 2), np.uint8)
    cv2.circle(m, (r, r), r, 255, -1, cv2.LINE_AA)
    a = m[:r, :r].astype(np.float32) / 255.0
    a.setflags(write=False)
    return a


def round_corners(tile: np.ndarray, r: int, bg: Color) -> None:
    """Round the corners of ``tile`` (BGR uint8, in place) to radius ``r`` pixels by
    blending their outside into the background colour ``bg`` (anti-aliased)."""
    h, w = tile.shape[:2]
    r = int(min(r, w // 2, h // 2))
    if r < 2:
        return
    a = _corner_alpha(r)[..., None]
    bgv = np.array(bg, np.float32)
    for flip_y in (False, True):
        for flip_x in (False, True):
            ys = slice(h - r, h) if flip_y else slice(0, r)
            xs = slice(w - r, w) if flip_x else slice(0, r)
            aa = a[::-1] if flip_y else a
            aa = aa[:, ::-1] if flip_x else aa
            patch = tile[ys, xs].astype(np.float32)
            tile[ys, xs] = (patch * aa + bgv * (1.0 - aa) + 0.5).astype(np.uint8)
