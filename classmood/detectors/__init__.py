"""Gallery perception: tiles, faces, tile states, name labels, face alignment.

Each stage is a small class with typed results (see :mod:`classmood.types`)::

    TileFinder().find(frame) -> list[Tile]
    FaceFinder().find(frame, roi=tile.bbox) -> list[Face]
    TileStateClassifier().classify(frame, tile, faces) -> TileState
    NameReader().read(frame, tile) -> str | None          (off by default: privacy)
    FaceAligner().align_many(frame, faces) -> uint8 [N, 48, 48]
    GalleryPerception().analyze(frame) -> GalleryResult   (all of the above)
"""

from .align import FER2013_REGISTRATION, FaceAligner, Registration
from .faces import FaceFinder
from .gallery import GalleryPerception
from .names import NameReader
from .tile_state import StillnessMonitor, TileStateClassifier
from .tiles import Layout, TileFinder

__all__ = [
    "FER2013_REGISTRATION",
    "FaceAligner",
    "FaceFinder",
    "GalleryPerception",
    "Layout",
    "NameReader",
    "Registration",
    "StillnessMonitor",
    "TileFinder",
    "TileStateClassifier",
]
