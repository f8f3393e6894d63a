"""Boxes in frame pixels: the box type, overlap, containment, and the part of a tile worth looking at.

A leaf module (numpy-free, imports nothing of ClassMood).
"""

from __future__ import annotations

BBox = tuple[int, int, int, int]
"""An axis-aligned box ``(x, y, w, h)`` in integer pixels of the full frame."""


def overlap(a: tuple, b: tuple) -> float:
    """Area two ``(x, y, w, h)`` boxes share (0 when apart), in their pixels squared."""
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    return ix * iy


def iou(a: tuple, b: tuple) -> float:
    """Intersection over union of two ``(x, y, w, h)`` boxes (0.0 for empty boxes)."""
    inter = overlap(a, b)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def contains(box: tuple, point: tuple) -> bool:
    """Whether ``point`` (x, y) lies in the ``(x, y, w, h)`` box (left and top edges in,
    right and bottom out)."""
    return box[0] <= point[0] < box[0] + box[2] and box[1] <= point[1] < box[1] + box[3]


def inner_region(h: int, w: int) -> tuple[int, int, int, int, int, int]:
    """The part of a ``h`` x ``w`` tile worth looking at, as ``(y0, y1, x0, x1, ly, lx)``.

    ``y0:y1, x0:x1`` skips a thin outer margin (the active-speaker border, 2-4 px,
    and rounded corners). Pixels with ``y >= ly`` and ``x < lx`` are the name-label
    corner (bottom left), which is text on a dark box on every kind of tile and must
    not count as content. All values are pixel offsets inside the tile.
    """
    m = max(2, int(round(0.02 * min(h, w))) + 2)
    y0, y1, x0, x1 = m, max(m + 1, h - m), m, max(m + 1, w - m)
    ly = h - max(int(round(0.16 * h)), min(28, h // 3))
    lx = int(round(0.72 * w))
    return y0, y1, x0, x1, ly, lx
