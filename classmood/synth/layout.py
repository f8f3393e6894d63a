"""Gallery layout as the apps do it: near-square grids of equal 16:9 tiles that
maximise tile size, constant gaps, the grid centred and a short last row centred."""

from __future__ import annotations

import math

from ..geometry import BBox

MAX_SIDE = 7
MAX_TILES = MAX_SIDE * MAX_SIDE  # Zoom, Meet and Teams all stop at 7 x 7 per page


def tile_size(rows: int, cols: int, area_w: int, area_h: int, aspect: float, gap: int) -> tuple[int, int]:
    """Largest integer tile size ``(w, h)`` in pixels of ``aspect`` (w/h) tiles such
    that a ``rows`` x ``cols`` grid with ``gap`` pixels between tiles fits an
    ``area_w`` x ``area_h`` pixel area; (0, 0) or less clamps to 0."""
    w_lim = (area_w - (cols - 1) * gap) / cols
    h_lim = (area_h - (rows - 1) * gap) / rows
    w = math.floor(min(w_lim, h_lim * aspect))
    h = min(math.floor(h_lim), round(w / aspect))
    return max(0, w), max(0, h)


def grid_shape(
    n_tiles: int, area_w: int, area_h: int, aspect: float = 16 / 9, *, gap: int = 0,
    max_side: int = MAX_SIDE,
) -> tuple[int, int]:
    """(rows, cols) the apps choose for ``n_tiles`` tiles of ``aspect`` in the area.

    Like Zoom/Meet/Teams, try every column count and keep the grid whose tiles are
    largest; ties go to the grid with fewer empty slots, then fewer rows (wider).

    Args:
        n_tiles: participants shown, 1..``max_side`` squared.
        area_w, area_h: the meeting area in pixels.
        aspect: tile width / height.
        gap: pixels between neighbouring tiles.
        max_side: most rows and most columns per page.

    Returns:
        ``(rows, cols)``.

    Raises:
        ValueError: ``n_tiles`` out of range or an empty area.
    """
    if not 1 <= n_tiles <= max_side * max_side:
        raise ValueError(f"n_tiles must be in 1..{max_side * max_side}, got {n_tiles}")
    if area_w <= 0 or area_h <= 0:
        raise ValueError(f"area must be positive, got {area_w}x{area_h}")
    best: tuple[tuple[float, int, int], tuple[int, int]] | None = None
    for cols in range(1, min(n_tiles, max_side) + 1):
        rows = math.ceil(n_tiles / cols)
        if rows > max_side:
            continue
        w_lim = (area_w - (cols - 1) * gap) / cols
        h_lim = (area_h - (rows - 1) * gap) / rows
        tile_w = min(w_lim, h_lim * aspect)
        key = (round(tile_w, 6), -(rows * cols - n_tiles), -rows)
        if best is None or key > best[0]:
            best = (key, (rows, cols))
    assert best is not None
    return best[1]


def grid_layout(
    n_tiles: int, area: BBox, gap: int, aspect: float = 16 / 9, max_side: int = MAX_SIDE
) -> tuple[tuple[int, int], list[BBox]]:
    """Lay ``n_tiles`` tiles out in ``area`` as the apps do.

    Args:
        n_tiles: participants shown, 1..``max_side`` squared.
        area: the meeting area ``(x, y, w, h)`` in image pixels.
        gap: pixels between neighbouring tiles.
        aspect: tile width / height.
        max_side: most rows and most columns per page.

    Returns:
        ``((rows, cols), boxes)``: the tile rectangles in reading order, the grid
        centred in ``area`` and an incomplete last row centred horizontally.

    Raises:
        ValueError: ``n_tiles`` out of range, or tiles under 8 pixels in the area.
    """
    ax, ay, aw, ah = area
    rows, cols = grid_shape(n_tiles, aw, ah, aspect, gap=gap, max_side=max_side)
    tw, th = tile_size(rows, cols, aw, ah, aspect, gap)
    if tw < 8 or th < 8:
        raise ValueError(f"{n_tiles} tiles do not fit in a {aw}x{ah} area")
    grid_w = cols * tw + (cols - 1) * gap
    grid_h = rows * th + (rows - 1) * gap
    x0, y0 = ax + (aw - grid_w) // 2, ay + (ah - grid_h) // 2
    boxes: list[BBox] = []
    for r in range(rows):
        in_row = min(cols, n_tiles - r * cols)
        rx = x0 + ((cols - in_row) * (tw + gap)) // 2
        for c in range(in_row):
            boxes.append((rx + c * (tw + gap), y0 + r * (th + gap), tw, th))
    return (rows, cols), boxes
