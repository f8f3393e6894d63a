"""Ground-truth records of a synthetic gallery: what was drawn, and exactly where."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..geometry import BBox
from ..types import TileState

Color = tuple[int, int, int]
"""A BGR colour, 0..255 per channel."""
FBox = tuple[float, float, float, float]
"""A box ``(x, y, w, h)`` in float pixels (before rounding to a :data:`BBox`)."""


@dataclass(frozen=True)
class SynthTile:
    """Ground truth for one rendered tile (all boxes in full-image pixels)."""

    index: int
    """Reading order: rows top to bottom, left to right within a row."""
    bbox: BBox
    """The exact tile rectangle."""
    state: TileState
    name: str | None
    """The exact text drawn in the name label (possibly shortened with '...'), or
    None when the tile has no label."""
    face_boxes: tuple[BBox, ...]
    """Visible faces (empty unless the state is face or photo); see
    :mod:`classmood.synth` for how they are obtained."""
    video_bbox: BBox | None
    """The live-video rectangle (differs from ``bbox`` when letterboxed); None for
    camera-off and photo tiles."""


@dataclass(frozen=True, eq=False)
class SynthGallery:
    """A rendered gallery screenshot and its ground truth."""

    image: np.ndarray
    """BGR uint8, shape (H, W, 3)."""
    tiles: tuple[SynthTile, ...]
    style: str
    theme: str
    grid: tuple[int, int]
    """(rows, cols) of the layout."""
    area: BBox = (0, 0, 1, 1)
    """The meeting area the grid was centred in (the image minus chrome)."""
    gap: int = 0
    """Pixels between neighbouring tiles (and the outer margin)."""
    bg: Color = (0, 0, 0)
    """The flat background colour of the meeting area (gaps and margins)."""

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the image."""
        return int(self.image.shape[1]), int(self.image.shape[0])
