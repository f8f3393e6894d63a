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
from .state import StillnessMonitor, TileStateClassifier
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
        self.stillness = StillnessMonitor()
        self._seen: set[tuple[int, ...]] = set()
        self._name_reader = name_reader

    @property
    def name_reader(self):
        if self._name_reader is None:
            from .names import NameReader

            self._name_reader = NameReader()
        return self._name_reader

    def _stillness(self, image, tiles, faces, timestamp) -> list[float | None]:
        """Seconds each face tile's pixels have been unchanged (None without timestamps)."""
        if timestamp is None:
            return [None] * len(tiles)
        keys = [tuple(v // 8 for v in t.bbox) for t in tiles]  # position, a few px slack
        for gone in set(self._seen) - set(keys):
            self.stillness.forget(gone)
        self._seen = set(keys)
        return [
            self.stillness.update(k, t.crop(image), timestamp) if f else None
            for k, t, f in zip(keys, tiles, faces)
        ]

    def close(self) -> None:
        self.face_finder.close()

    def __enter__(self) -> "GalleryPerception":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def analyze(self, image: np.ndarray, timestamp: float | None = None) -> GalleryResult:
        """Perceive one frame (BGR, gray or BGRA uint8).

        Give ``timestamp`` (seconds) for consecutive frames of one class: a tile whose
        face has not changed at all for a few seconds is a still profile photo, which
        one frame alone cannot tell from live video. Tiles are followed by position
        here; the agent's tracker follows participants through reorders.
        """
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

        still = clock.run("states", lambda: self._stillness(image, tiles, faces, timestamp))
        states = clock.run(
            "states",
            lambda: [
                self.state_classifier.classify(image, t, f, still_seconds=s)
                for t, f, s in zip(tiles, faces, still)
            ],
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
