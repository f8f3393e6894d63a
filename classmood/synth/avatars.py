"""Avatar rows: camera-off participants drawn as initials discs in a strip, as Teams
(2020) draws them under its video stage and beside a shared screen: a flat disc in a
pastel colour per person with the initials in a darker shade, an overflow badge ("+N",
a darker disc) first."""

from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np

from ..geometry import BBox
from .draw import FONT, put_text, text_width
from .names import DEFAULT_NAMES

# Teams' avatar pastels (BGR), measured on the shared real screenshots' strips.
_PASTELS: tuple[tuple[int, int, int], ...] = (
    (214, 233, 246), (200, 225, 240), (235, 222, 205), (212, 234, 214), (236, 214, 230),
    (200, 214, 244), (238, 230, 209), (205, 236, 238), (226, 208, 218),
)
_BADGE = (117, 71, 70)


def _initials(name: str) -> str:
    parts = [p for p in name.replace("-", " ").split() if p[:1].isalpha()]
    return "".join(p[0].upper() for p in parts[:2]) or "?"


def draw_avatar_row(
    image: np.ndarray,
    n: int,
    center_y: int,
    x0: int,
    radius: int,
    pitch: int,
    *,
    overflow: int | None = None,
    names: Sequence[str] = DEFAULT_NAMES,
    seed: int = 0,
) -> list[BBox]:
    """Draw a row of ``n`` avatar discs into ``image`` (BGR uint8, in place).

    Args:
        image: the page to draw on.
        n: avatars (participants) in the row.
        center_y: the row's centre line, pixels.
        x0: centre of the first disc (the overflow badge's, when there is one), pixels.
        radius: disc radius, pixels.
        pitch: distance between neighbouring centres, pixels.
        overflow: draw a "+N" badge first, N = ``overflow`` (not a participant).
        names: the people whose initials are drawn, in order (cycled).
        seed: fixes the colours chosen.

    Returns:
        The participants' discs as boxes (x, y, w, h), left to right (the badge left out).

    Raises:
        ValueError: a disc would leave the image.
    """
    H, W = image.shape[:2]
    count = n + (overflow is not None)
    right = x0 + (count - 1) * pitch
    if x0 - radius < 0 or right + radius > W or center_y - radius < 0 or center_y + radius > H:
        raise ValueError(f"a row of {count} discs of radius {radius} does not fit a {W}x{H} image")
    rng = np.random.default_rng(seed)
    boxes: list[BBox] = []
    px = 0.55 * radius  # capitals' height
    for k in range(count):
        cx = x0 + k * pitch
        if overflow is not None and k == 0:
            fill, ink, text = _BADGE, (255, 255, 255), f"+{overflow}"
        else:
            fill = _PASTELS[int(rng.integers(len(_PASTELS)))]
            ink = tuple(int(0.45 * c) for c in fill)
            text = _initials(names[len(boxes) % len(names)])
        cv2.circle(image, (cx, center_y), radius, fill, -1, cv2.LINE_AA)
        tw = text_width(text, px, FONT, 2)
        put_text(image, text, cx - tw // 2, int(center_y + px / 2), px, ink, FONT, 2)
        if overflow is None or k > 0:
            boxes.append((cx - radius, center_y - radius, 2 * radius, 2 * radius))
    return boxes
