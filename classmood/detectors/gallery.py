"""Gallery perception: one frame in, every tile with its state, faces and name out.

This is the detectors stage as one object. It owns the tile finder, the face finder,
the tile-state classifier and (only when names are turned on) the name reader, and
returns a :class:`~classmood.types.GalleryResult` with per-stage timings.
"""

from __future__ import annotations

import time
from typing import Callable, TypeVar

import numpy as np

from ..io import as_bgr
from ..types import GalleryResult, Tile, TileResult, TileState
from .faces import FaceFinder
from .state import TileStateClassifier
from .tiles import TileFinder

T = TypeVar("T")


class _Clock:
    """Accumulates wall time per named stage, in milliseconds."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = {}

    def run(self, stage: str, fn: Callable[[], T]) -> T:
        t0 = time.perf_counter()
        try:
            return fn()
        finally:
            self.ms[stage] = self.ms.get(stage, 0.0) + (time.perf_counter() - t0) * 1000.0


class GalleryPerception:
    """Find every tile, its faces, its state and (optionally) its name label.

    ``names`` is off by default: reading names is personal data, and the teacher has
    to turn it on. Use as a context manager (or call :meth:`close`) to free the
    native face detector.
    """

    def __init__(
        self,
        names: bool = False,
        min_face_score: float = 0.5,
        tile_finder: TileFinder | None = None,
        face_finder: FaceFinder | None = None,
        state_classifier: TileStateClassifier | None = None,
        name_reader=None,
    ) -> None:
        self.tile_finder = tile_finder or TileFinder()
        self.face_finder = face_finder or FaceFinder(min_score=min_face_score)
        self.state_classifier = state_classifier or TileStateClassifier()
        self.names = bool(names or name_reader is not None)
        self._name_reader = name_reader

    @property
    def name_reader(self):
        if self._name_reader is None:
            from .names import NameReader

            self._name_reader = NameReader()
        return self._name_reader

    def close(self) -> None:
        self.face_finder.close()

    def __enter__(self) -> "GalleryPerception":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def analyze(self, image: np.ndarray) -> GalleryResult:
        """Perceive one frame (BGR, gray or BGRA uint8)."""
        image = as_bgr(image)
        h, w = image.shape[:2]
        clock = _Clock()
        t_start = time.perf_counter()

        layout = clock.run("tiles", lambda: self.tile_finder.find_layout(image))
        tiles: list[Tile] = list(layout.tiles)
        faces = clock.run("faces", lambda: self.face_finder.find_in_tiles(image, tiles))

        # A frame with no gallery structure comes back as one whole-frame tile (a
        # single-participant view, a webcam). Without a face in it, it is not a gallery
        # at all (a desktop, a document): report no tiles, not one empty "participant".
        if layout.fallback and not any(faces):
            tiles, faces = [], []

        states = clock.run(
            "states",
            lambda: [self.state_classifier.classify(image, t, f) for t, f in zip(tiles, faces)],
        )
        names: list[str | None] = [None] * len(tiles)
        if self.names and tiles:
            names = clock.run("names", lambda: [self.name_reader.read(image, t) for t in tiles])

        results = []
        for tile, tile_faces, state, name in zip(tiles, faces, states, names):
            if state is not TileState.FACE and state is not TileState.PHOTO:
                # no_face / camera_off tiles carry no faces by definition
                tile_faces = []
            elif state is TileState.FACE and not tile_faces:  # defensive: keep the invariant
                state = TileState.NO_FACE
            results.append(TileResult(tile=tile, state=state, faces=tuple(tile_faces), name=name))
        clock.ms["total"] = (time.perf_counter() - t_start) * 1000.0
        return GalleryResult(width=w, height=h, tiles=tuple(results), timings_ms=dict(clock.ms))
