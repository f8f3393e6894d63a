"""Gallery perception: one frame in, every tile with its state, faces and name out.

This is the detectors stage as one object. It owns the tile finder, the face finder,
the tile-state classifier and (only when names are turned on) the name reader, and
returns a :class:`~classmood.types.GalleryResult` with per-stage timings.

Windows over the gallery (a dialog, a poll, another app): the layout search finds one from
a frame's straight edges where it lies across the tiles' gaps and the grid holds around it
(:func:`~classmood.detectors.grid_fit.foreign_window`). Between consecutive frames
(:meth:`GalleryPerception.update`) a window is also seen opening: one rectangle of the
picture changed at once, with straight edges, not a tile's own picture, unchanged on the
next frame and showing no face (:func:`_window_opened`); it covers the tiles under it
until its pixels change (it closed), as does a window the layout search found. Measured
(2026-12-02) on the real grid galleries with a dialog over 6-16% of the frame, dark or
light, centred, for three frames of an H.264 clip (138 clips, /tmp/s17/seqsweep.py in the
session note): tile-frames read "away" under the dialog 72 -> 28 (most of the 28 its first
frame, before it is seen unchanged), clean frames covered 4 -> 3 (a window the layout
search found is dropped once its pixels change; those 3 are teams_gallery7_dialog's own
dialog). A newcomer's clips with a dialog over 40% of the frame in mid-class (the 16-student
Zoom gallery): 23 ids -> 16.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Callable, Sequence, TypeVar

import cv2
import numpy as np

from ..geometry import BBox, contains, iou, overlap
from ..io import as_bgr
from ..types import Face, GalleryResult, Tile, TileResult, TileState
from .avatars import BOX_SCALE, RADIUS_RANGE, avatar_box, avatar_rows, find_avatars
from .face_layout import clear_of, face_regions, layout_kind
from .faces import FaceFinder
from .grid_fit import Evidence
from .tile_state import StillnessMonitor, TileStateClassifier
from .tiles import Layout, TileFinder, reading_order

T = TypeVar("T")

_THUMB_W = 192  # change detection works on a gray thumbnail this wide
_SPEAKER_SCORE = 0.75
"""A larger box of the gap cut becomes a tile (a speaker's video) only with a face this
sure: the shared screen beside a Zoom side-by-side gallery gave a 0.58 "face" 480 px
wide; speakers' faces in the synthetic speaker views and real screenshots score 0.9+."""


_STRIP_BAND = 5.2
"""Height of an avatar row's strip, in disc radii (twice an avatar's box: Teams' thumbnails
beside 45 px discs are 180 px high)."""
_DISC_TILE = 4.0
"""A disc inside a tile more than this many times its box's area is the tile's content
(a camera-off card's initials), not an avatar of its own; also the largest tile (in disc
boxes) searched for a disc of its own (:func:`_disc_sized`)."""
_CARD_DISC = 2.5
"""A disc inside a tile more than this many times its box's area is the tile's content
(a camera-off card's initials), not an avatar of its own: the gap cut's box around a disc
on a flat page is about the box itself; a 16:9 card whose disc is 2/3 of its height is
3-4 times it (Teams' strip card at 0.67x: 3.96, taken for an avatar beside an empty tile
at 4)."""


@dataclass
class _TileMemo:
    """What was last found in one tile, and on which pixels."""

    thumb: np.ndarray
    faces: list
    state: TileState | None
    name: str | None
    faces_t: float
    name_t: float
    name_thumb: np.ndarray | None = None
    full_t: float = -1e9
    """When the whole tile was last searched (faces_t: when its faces were last looked
    for, perhaps only where they were)."""


@dataclass
class _Cache:
    layout: Layout
    layout_t: float
    probe: tuple | None
    scale: float
    frame_shape: tuple = ()
    gap_level: float | None = None
    tiles: dict[tuple[int, int, int, int], _TileMemo] = field(default_factory=dict)
    blind: int = 0
    """Searches in a row whose answer does not explain the frame (see ``_unexplained``)."""
    seeded: dict[tuple[int, int, int, int], list] = field(default_factory=dict)
    """Faces already found per tile by the frame-wide search that made a ``"faces"``
    layout: that frame's tiles need no search of their own."""


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
    to turn it on. ``still_photos``: a face tile whose pixels stay the same for
    seconds while other tiles move is a profile photo (live screen capture, where live
    video always changes); False for a recording, whose codec repeats a still student's
    tile exactly (a profile photo is then told by its layout alone: a picture on the
    card). Use as a context manager (or call :meth:`close`) to free the native face
    detector.
    """

    def __init__(
        self,
        names: bool = False,
        min_face_score: float = 0.5,
        tile_finder: TileFinder | None = None,
        face_finder: FaceFinder | None = None,
        state_classifier: TileStateClassifier | None = None,
        name_reader=None,
        still_photos: bool = True,
    ) -> None:
        self.tile_finder = tile_finder or TileFinder()
        self.face_finder = face_finder or FaceFinder(min_score=min_face_score)
        self.state_classifier = state_classifier or TileStateClassifier()
        self.names = bool(names or name_reader is not None)
        self.stillness = StillnessMonitor()
        self.still_photos = bool(still_photos)
        self._name_reader = name_reader
        self._cache: _Cache | None = None
        self._last_thumb: np.ndarray | None = None  # the last frame's grey thumbnail (update)
        # a window seen to open: its box, its thumbnail, whether seen unchanged on a second frame
        self._window: tuple[BBox, np.ndarray, bool] | None = None
        self._changes: list[tuple[BBox, np.ndarray]] = []  # recent changes: box, what was there before
        self._found_windows: list[tuple[BBox, np.ndarray]] = []  # the layout's windows, as found

    @property
    def name_reader(self):
        """The name-label reader, created (OCR models loaded) on first use."""
        if self._name_reader is None:
            from .names import NameReader

            self._name_reader = NameReader()
        return self._name_reader

    def _stillness(self, image, tiles, faces, timestamp, ignore: Sequence[BBox] = ()) -> list[float | None]:
        """Seconds each face tile's pixels have been unchanged while another tile moved
        (:class:`~classmood.detectors.tile_state.StillnessMonitor`; every tile is fed,
        faceless ones are evidence that the picture is live); None without timestamps."""
        if timestamp is None or not self.still_photos:
            return [None] * len(tiles)
        keys = [tuple(v // 8 for v in t.bbox) for t in tiles]  # position, a few px slack
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if tiles else image  # once, not per tile
        skip = None
        if ignore and tiles:  # what the overlay drew there (blanked): not the picture
            skip = np.zeros(gray.shape[:2], bool)
            for x, y, w, h in ignore:
                skip[max(0, int(y)):max(0, int(y + h)), max(0, int(x)):max(0, int(x + w))] = True
        still = self.stillness.update({k: t.crop(gray) for k, t in zip(keys, tiles)}, timestamp,
                                      None if skip is None else {k: t.crop(skip) for k, t in zip(keys, tiles)})
        return [still[k] if f else None for k, f in zip(keys, faces)]

    def reset(self) -> None:
        """Forget everything learnt from earlier frames (a new class, another screen)."""
        self._cache = None
        self._last_thumb = self._window = None
        self._changes, self._found_windows = [], []
        self.stillness.reset()

    def close(self) -> None:
        """Free the native face detector; no frame can be analysed afterwards."""
        self.face_finder.close()

    def __enter__(self) -> "GalleryPerception":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def analyze(self, image: np.ndarray, timestamp: float | None = None) -> GalleryResult:
        """Perceive one frame.

        Args:
            image: uint8 (H, W, 3) BGR; gray and BGRA frames are accepted.
            timestamp: seconds, for consecutive frames of one class: a tile whose face
                has not changed at all for a few seconds is a still profile photo, which
                one frame alone cannot tell from live video. Tiles are followed by
                position here; the agent's tracker follows participants through reorders.

        Returns:
            Every tile with its state, faces and name (None unless names are on), and
            the milliseconds each stage took (``timings_ms``).

        Raises:
            InputError: ``image`` is not an image array.
        """
        image = as_bgr(image)
        h, w = image.shape[:2]
        clock = _Clock()
        t_start = time.perf_counter()

        layout, found = self._find_layout(image, clock)
        tiles: list[Tile] = list(layout.tiles)
        faces = [_outside_windows(found[t.bbox], layout.covered) for t in tiles]

        # A frame with no gallery structure comes back as one whole-frame tile (a
        # single-participant view, a webcam). Without a face in it, it is not a gallery
        # at all (a desktop, a document): report no tiles, not one empty "participant".
        if layout.fallback and not any(faces):
            tiles, faces = [], []

        still = clock.run("states", lambda: self._stillness(image, tiles, faces, timestamp))
        states = clock.run(
            "states",
            lambda: [
                self._classify(image, layout, t, f, s) for t, f, s in zip(tiles, faces, still)
            ],
        )
        names: list[str | None] = [None] * len(tiles)
        if self.names and tiles:
            names = clock.run("names", lambda: [self.name_reader.read(image, t) for t in tiles])

        results = _tile_results(tiles, faces, states, names, covered=_covered_tiles(tiles, layout.covered))
        clock.ms["total"] = (time.perf_counter() - t_start) * 1000.0
        return _result(w, h, results, clock, layout)

    def _find_layout(self, image: np.ndarray, clock: _Clock, known: dict | None = None
                     ) -> tuple[Layout, dict]:
        """The tile finder's layout, completed: its larger boxes that hold a face become
        tiles (:meth:`_keep_candidates_with_faces`), and where it does not explain the
        frame (no grid, one tile, or no face in any tile) regions around the faces found
        anywhere replace it (:meth:`_layout_from_faces`).

        Args:
            known: faces per tile box already known (the last frame's, for tiles that did
                not move): those tiles are not searched again.

        Returns:
            The layout and the faces found on this frame per tile box (every tile not
            in ``known``).
        """
        known = known or {}
        layout = clock.run("tiles", lambda: self.tile_finder.find_layout(image))
        layout, found = self._keep_candidates_with_faces(image, layout, clock)
        todo = [t for t in layout.tiles if t.bbox not in found and t.bbox not in known]
        found.update(zip((t.bbox for t in todo),
                         clock.run("faces", lambda: self.face_finder.find_in_tiles(image, todo))))
        has_faces = any(found.get(t.bbox) or known.get(t.bbox) for t in layout.tiles)
        beside = False
        if not _unexplained(layout) and has_faces:
            width = float(np.median([f.bbox[2] for t in layout.tiles
                                     for f in (found.get(t.bbox) or known.get(t.bbox) or ())]))
            layout, found = self._fill_holes(image, layout, found, width, clock)
            beside = self._faces_beside(image, layout, width, clock)
        if _unexplained(layout) or not has_faces or beside:
            by_faces = self._layout_from_faces(image, layout, has_faces, clock, beside=beside)
            if by_faces is not None and beside:
                # the fitted tiles stand; the face regions beside them are added
                layout, found = _with_regions_beside(layout, found, *by_faces)
            elif by_faces is not None:
                layout, found = by_faces
                has_faces = True
                # regions around the faces found frame-wide, in a lattice: a place among
                # them may hold a face that search missed (small, a hand over it)
                widths = [f.bbox[2] for fs in found.values() for f in fs]
                if widths and len(layout.tiles) >= 3:
                    layout, found = self._fill_holes(image, layout, found, float(np.median(widths)), clock)
        return _one_tile_per_face(*self._add_avatars(image, layout, found, has_faces, clock))

    def _add_avatars(self, image: np.ndarray, layout: Layout, found: dict, has_faces: bool,
                     clock: _Clock) -> tuple[Layout, dict]:
        """Participants shown as a row of avatar discs (camera off; Teams' strip under the
        stage or beside a share: :mod:`classmood.detectors.avatars`) become tiles, each the
        square around its disc.

        A disc inside a tile several times its size is that tile's content (a camera-off
        card's initials): left to the tile. A tile about the disc's size is the gap cut's
        box around the disc (discs on a flat page): the avatar replaces it, and an overflow
        badge's box ("+N") is dropped. Regions around faces (a ``"faces"`` layout) are
        approximate: one that reaches over an avatar is cut back to clear it, and a "face"
        found on a disc is its initials (dropped; a region left with none is a card). A
        whole-frame fallback with a face in it (one camera filling the frame) is left alone.

        Returns:
            The layout with the avatar tiles (reading order) and ``found`` with no face for
            each of them.
        """
        if layout.fallback and has_faces:
            return layout, found
        H, W = image.shape[:2]
        regions = layout.method == "faces"
        base = [] if layout.fallback else [t.bbox for t in layout.tiles]
        # only tiles that could be the gap cut's box around one disc (square, small) are
        # searched: a video tile's discs are its own (a card's initials), and a textured
        # video costs the circle search most of its time (84 -> 4 ms on a 1000x625 4x4
        # Zoom gallery with its tiles left out)
        largest = (2 * BOX_SCALE * RADIUS_RANGE[1] * max(H, W)) ** 2
        exclude = [] if regions else [b for b in base if not _disc_sized(b, largest)]
        discs = clock.run("tiles", lambda: find_avatars(image, exclude))
        if not discs:
            return layout, found
        if regions:  # a "face" on an avatar disc is the disc's initials (BlazeFace
            # scored Teams' pink "MG" disc 0.69, and 0.75 on a second look)
            found = {b: [f for f in fs if not any(_on_disc(f, d) for d in discs)]
                     for b, fs in found.items()}
        extra, dropped, cards = [], set(), []
        for disc in discs:
            box = avatar_box(disc, (W, H))
            cx, cy = disc.center
            inside = [b for b in base if b[0] <= cx < b[0] + b[2] and b[1] <= cy < b[1] + b[3]]
            card = [b for b in inside if b[2] * b[3] > _CARD_DISC * box[2] * box[3]
                    and not (regions and found.get(b))]
            if card:  # a card's initials (a region holding faces is no card)
                if regions:  # a region's box is approximate: its disc says camera off
                    cards.extend(card)
                continue
            if not regions:
                dropped.update(inside)
            if not disc.overflow:
                extra.append(box)
        base = [b for b in base if b not in dropped]
        if not extra:
            return replace(layout, avatars=tuple(cards)) if cards else layout, found
        if regions:
            cleared = {b: clear_of(b, extra, found.get(b, [])) for b in base}
            found = {cleared.get(b, b): f for b, f in found.items()}
            base = list(cleared.values())
            cards = [cleared.get(b, b) for b in cards]
        found = {**found, **{b: [] for b in extra}}
        strip = clock.run("faces", lambda: self._strip_faces(image, discs, extra + base))
        if strip:
            regs = clock.run("tiles", lambda: face_regions(
                Evidence(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)), strip, (W, H)))
            for box, idx in regs:
                if not idx:  # a strip's tile with no face there: the row's own discs say who is off
                    continue
                box = clear_of(box, extra + base, [strip[j] for j in idx])
                if not any(overlap(box, b) > 0.2 * box[2] * box[3] for b in extra + base):
                    base.append(box)
                    found[box] = [strip[j] for j in idx]
        boxes = reading_order(extra + base)
        tiles = tuple(Tile(i, b) for i, b in enumerate(boxes))
        method = layout.method if base else "avatars"
        return replace(layout, tiles=tiles, fallback=False, method=method,
                       avatars=tuple(extra + [b for b in cards if b in base])), found

    def _strip_faces(self, image: np.ndarray, discs, taken: list) -> list[Face]:
        """Faces in the strip of an avatar row that no tile holds: the row's small video
        thumbnails (Teams shows up to four beside the initials; their faces, ~60 px in a
        3339 px frame, are too small and too turned for the frame-wide search). The band
        along the row, ``_STRIP_BAND`` disc radii high, is searched where no tile or avatar
        lies, in overlapping windows of the band's height; a face is kept when a second
        look confirms it (a poster in a thumbnail's room scored 0.76 and confirmed 0.64)."""
        H, W = image.shape[:2]
        out: list[Face] = []
        for cy, r in avatar_rows(discs):
            y0, y1 = max(0, int(cy - _STRIP_BAND * r / 2)), min(H, int(cy + _STRIP_BAND * r / 2))
            side = int(1.3 * (y1 - y0))
            if y1 - y0 < 16:
                continue
            busy = sorted((b[0], b[0] + b[2]) for b in taken if b[1] < y1 and b[1] + b[3] > y0)
            windows, x = [], 0
            for a, b in busy + [(W, W)]:
                for wx in range(x, max(x, a - side // 2), side // 2):  # the free stretch x..a
                    windows.append((wx, y0, min(side, W - wx), y1 - y0))
                x = max(x, b)
            if not windows:
                continue
            for f in self.face_finder.find_confirmed(image, windows):
                cx, cy_f = f.center
                if not any(bx <= cx < bx + bw and by <= cy_f < by + bh for bx, by, bw, bh in taken):
                    out.append(f)
        return out

    def _classify(self, image: np.ndarray, layout: Layout, tile: Tile, faces, still: float | None
                  ) -> TileState:
        """The tile's state: an avatar disc is a camera-off participant by what it is; any
        other tile is the state classifier's."""
        if tile.bbox in layout.avatars:
            return TileState.CAMERA_OFF
        return self.state_classifier.classify(image, tile, faces, still_seconds=still)

    def _keep_candidates_with_faces(self, image: np.ndarray, layout: Layout, clock: _Clock
                                    ) -> tuple[Layout, dict]:
        """The gap cut's larger boxes (``Layout.candidates``: an active speaker's or a
        pinned video beside the gallery's tiles, or shared content) in which a face is
        found become tiles too: speaker view and spotlight mix tile sizes, and a slide
        is no participant.

        Returns:
            The layout (tiles in reading order, no candidates left) and the faces found
            in each kept box.
        """
        if not layout.candidates:
            return layout, {}
        found = clock.run("faces", lambda: self.face_finder.find_in_rois(image, list(layout.candidates)))
        keep = {box: faces for box, faces in zip(layout.candidates, found)
                if any(f.score >= _SPEAKER_SCORE for f in faces)}
        if not keep:
            return replace(layout, candidates=()), {}
        return _with_tiles(layout, keep), keep

    def _fill_holes(self, image: np.ndarray, layout: Layout, found: dict, face_width: float,
                    clock: _Clock) -> tuple[Layout, dict]:
        """The ``layout`` (fitted, or regions around faces in a lattice) with each empty
        place among its tiles (:func:`_holes`) that is not flat and holds a face added as
        a tile, in reading order; ``found`` with its faces. The place is searched as a
        tile is (:meth:`FaceFinder.find_in_rois`: a place among tiles is a tile's), and its
        face must be at least ``_BESIDE_FACE`` of ``face_width``, the tiles' median face
        width in pixels. A frame with a face never loses it to a tile the fit could not
        see, nor to a frame-wide search that missed it (a face 0.71 sure, a hand over it,
        in a pillarboxed Zoom gallery at 720p, CRF 36)."""
        holes = [h for h in _holes(np.array([t.bbox for t in layout.tiles], np.int64))
                 if _textured(image, h)]
        if not holes:
            return layout, found
        faces = clock.run("faces", lambda: self.face_finder.find_in_rois(image, holes))
        extra = {h: fs for h, fs in zip(holes, faces)
                 if any(f.bbox[2] >= _BESIDE_FACE * face_width for f in fs)}
        if not extra:
            return layout, found
        return _with_tiles(layout, extra), {**found, **extra}

    def _faces_beside(self, image: np.ndarray, layout: Layout, face_width: float, clock: _Clock) -> bool:
        """Whether a band of the frame beside the fitted tiles holds a face as large as
        theirs: the grid is only part of the layout (a Teams stage of 2 x 2 beside a
        column of smaller tiles, with no margin to tell them apart: a region picked
        flush with them). A band counts when it is at least ``_BESIDE_SHARE`` of a tile
        across and not flat; a face counts when it is sure (``_SPEAKER_SCORE``) and at
        least ``_BESIDE_FACE`` of ``face_width``, the tiles' median face width in pixels (a
        participants panel's small avatars are not tiles)."""
        H, W = image.shape[:2]
        boxes = np.array([t.bbox for t in layout.tiles], np.int64)
        x0, y0 = int(boxes[:, 0].min()), int(boxes[:, 1].min())
        x1, y1 = int((boxes[:, 0] + boxes[:, 2]).max()), int((boxes[:, 1] + boxes[:, 3]).max())
        tw, th = float(np.median(boxes[:, 2])), float(np.median(boxes[:, 3]))
        bands = [b for b, size in (((0, 0, x0, H), tw), ((x1, 0, W - x1, H), tw),
                                   ((0, 0, W, y0), th), ((0, y1, W, H - y1), th))
                 if min(b[2], b[3]) >= _BESIDE_SHARE * size]
        gray = cv2.cvtColor(image[::4, ::4], cv2.COLOR_BGR2GRAY)
        bands = [b for b in bands if float(gray[b[1] // 4:(b[1] + b[3]) // 4, b[0] // 4:(b[0] + b[2]) // 4].std())
                 >= _BESIDE_TEXTURE]
        if not bands:
            return False
        found = clock.run("faces", lambda: self.face_finder.find_in_rois(image, bands))
        return any(f.score >= _SPEAKER_SCORE and f.bbox[2] >= _BESIDE_FACE * face_width
                   for faces in found for f in faces)

    def _layout_from_faces(self, image: np.ndarray, layout: Layout, tiles_have_faces: bool,
                           clock: _Clock, beside: bool = False) -> tuple[Layout, dict] | None:
        """When the tile finder's answer does not explain the frame (no grid, one tile),
        a region around every face found anywhere in it
        (:mod:`classmood.detectors.face_layout`): a speaker view, a filmstrip beside
        shared content, an app no grid fits. Used when it finds two regions or more, or
        one where the tile finder's tiles hold no face; otherwise None (the tile
        finder's answer stands: one camera filling the frame stays one tile).

        Returns:
            The ``"faces"`` layout and the faces found per tile box, or None.
        """
        found = clock.run("faces", lambda: self.face_finder.find_everywhere(image))
        if not found or (len(found) == 1 and tiles_have_faces):
            return None
        if not beside and not _unexplained(layout) \
                and 2 * sum(_inside_any(f, layout.tiles) for f in found) >= len(found):
            # tiles that hold no face, with the faces inside them: a gallery of cameras off
            # whose one face the tile's own search missed; the tiles stand
            return None
        H, W = image.shape[:2]

        def regions():
            ev = Evidence(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))
            return face_regions(ev, found, (W, H))

        regs = clock.run("tiles", regions)
        if len(regs) < 2 and (tiles_have_faces or not regs):
            return None
        tiles = tuple(Tile(i, box) for i, (box, _) in enumerate(regs))
        seeded = {box: [found[j] for j in idx] for box, idx in regs}
        # a strip's tiles without a face (face_layout.fit_strips): a camera-off card, or a
        # face too small or too compressed for the frame-wide search, looked for in the
        # tile itself, as a grid's tiles are (an initials disc taken for a face there is
        # dropped with the avatars: _add_avatars)
        empty = [box for box, idx in regs if not idx]
        if empty:
            seeded.update(zip(empty, clock.run("faces", lambda: self.face_finder.find_in_rois(image, empty))))
        return Layout(tiles, None, None, False, method="faces"), seeded

    # -- change-driven analysis -------------------------------------------------------
    def _relayout(self, image: np.ndarray, t: float, cache: _Cache | None, clock: _Clock) -> _Cache:
        """Find the tiles again; what was known of each tile is kept if the grid is the same."""
        # tiles that did not move keep what was found in them (and are not searched again);
        # the faces found now seed this frame's new tiles
        known = {} if cache is None else {b: m.faces for b, m in cache.tiles.items()}
        layout, seeded = self._find_layout(image, clock, known)
        same = cache is not None and cache.layout.tiles == layout.tiles
        blind = 0
        if _unexplained(layout):
            blind = cache.blind + 1 if cache is not None and same else 1
        elif cache is not None and not same and len(layout.tiles) < len(cache.layout.tiles):
            # a grid that lost tiles is looked at again at the next frame: someone left, or
            # one frame hid a tile from the fit (a compressed 5x5 class lost its last tile
            # for the 8 s until the next search: a student gone from the figures)
            blind = 1
        self._cache = _Cache(
            layout=layout, layout_t=t, probe=_gap_probe(layout, image), scale=_THUMB_W / image.shape[1],
            frame_shape=image.shape, tiles=cache.tiles if same else {},
            gap_level=None if layout.background_bgr is None else float(
                np.dot(layout.background_bgr, (0.114, 0.587, 0.299))), blind=blind,
            seeded=seeded)
        return self._cache

    def update(self, image: np.ndarray, timestamp: float, *, layout_every_s: float = 10.0,
               faces_every_s: float = 3.0, names_every_s: float = 30.0,
               change_level: float = 3.0, ignore: Sequence[BBox] = ()) -> GalleryResult:
        """Like :meth:`analyze` for consecutive frames of one class, but does work only
        where something changed (the same answers, a fraction of the time).

        Tile finding re-runs when the gallery's layout changed (the gaps between tiles
        no longer look the same), or every ``layout_every_s``; never blind: when the
        answer does not explain the frame (no grid, or one tile) or has lost tiles, again
        at the next frame,
        then after 0.5, 1 and every 2 s while the answer stays the same (a one-camera view
        is not searched every frame);
        face finding re-runs in a tile when its pixels changed (mean absolute change of
        a gray thumbnail over ``change_level`` levels) or every ``faces_every_s`` (a tile
        whose faces all score ``SURE_FACE`` or more: every ``SURE_EVERY`` times that),
        in a moving tile with one face only where the face was, between whole searches
        at the same pace; name
        labels are read again when a tile's picture changed hands (reordered tiles), when
        nothing was read, or every ``names_every_s``. Tile states are decided again for
        changed tiles (except a live tile whose one face was found again where it was),
        and for a tile looked at again after ``faces_every_s`` when its face count
        changed; others keep theirs, except that the still-photo check is
        fed every frame (a face tile still for long enough becomes a photo).
        ``timings_ms`` also counts the work done: ``n_layout`` (0 or 1), ``n_face_tiles``.
        ``ignore``: rectangles ``(x, y, w, h)`` of frame pixels that are not the picture
        (the overlay's badges, blanked by the caller): the still-photo check does not take
        them, this frame's or the last one's, for a change.
        """
        image = as_bgr(image)
        h, w = image.shape[:2]
        clock = _Clock()
        t_start = time.perf_counter()
        t = float(timestamp)
        thumb = clock.run("change", lambda: _thumb(image))
        cache = self._cache
        if cache is not None and (cache.frame_shape != image.shape or t < cache.layout_t):
            cache = None  # another screen size, or time went back: a new class
        last, self._last_thumb = self._last_thumb, thumb
        if cache is None or last is None or last.shape != thumb.shape:
            self._window, self._changes = None, []
        elif self._window is not None and not _window_stays(self._window[:2], thumb, cache.scale):
            self._window = None  # it closed or moved (or was a picture that changes: a screen)
        elif self._window is not None:
            self._window = (*self._window[:2], True)  # unchanged on a second frame: a window
        else:
            opened = clock.run("change", lambda: _window_opened(
                last, thumb, image, cache.layout, cache.scale, self._changes))
            if opened is not None:
                self._window = (opened, _patch(thumb, opened, cache.scale), False)
        due = (cache is None or t - cache.layout_t >= layout_every_s
               or cache.blind > 0 and t - cache.layout_t >= _retry_s(cache.blind, layout_every_s)
               or clock.run("change", lambda: _gaps_changed(cache, image)))
        if due:
            cache = self._relayout(image, t, cache, clock)
        tiles = list(cache.layout.tiles)
        tthumbs = [_tile_thumb(thumb, t_.bbox, cache.scale) for t_ in tiles]
        changes = _changes(cache, tiles, tthumbs)
        if not due and (
                # a tile turned into bare background: someone left and the grid shrank
                cache.gap_level is not None
                and any(float((np.abs(tt - cache.gap_level) <= 4).mean()) > 0.97 for tt in tthumbs)
                # several tiles changed wholesale at once: a window came over them or went
                # (or the tiles were reordered)
                or len(tiles) >= 4 and sum(c is not None and c > 4 * change_level for c in changes) >= _WINDOW_TILES
                # an answer that does not explain the frame, whose picture changed wholesale:
                # the window over the gallery went (a 25-tile gallery read as one tile under
                # a dialog kept that answer, with the 16 faces it then showed as people
                # sharing one camera, until the next search)
                or cache.blind > 0 and any(c is not None and c > 4 * change_level for c in changes)
                # a window the layout search found is gone: its pixels changed (a dialog over
                # the corners of four tiles changes none of them wholesale when it closes:
                # its tiles stayed covered until the next search)
                or any(not _window_stays(wd, thumb, cache.scale) for wd in self._found_windows)):
            due = True
            cache = self._relayout(image, t, cache, clock)
            tiles = list(cache.layout.tiles)
            tthumbs = [_tile_thumb(thumb, t_.bbox, cache.scale) for t_ in tiles]
            changes = _changes(cache, tiles, tthumbs)

        if due:  # what the layout search's windows show now: they stay while it does
            self._found_windows = [(c, _patch(thumb, c, cache.scale)) for c in cache.layout.covered]
        # which tiles need their faces found again
        todo, stale = [], []
        small = set()  # changed tiles whose picture changed only a little (not a switch)
        for i, (tile, change) in enumerate(zip(tiles, changes)):
            m = cache.tiles.get(tile.bbox)
            if change is None or change > change_level:
                todo.append(i)
                if change is not None and change <= 4 * change_level:
                    small.add(i)
            elif t - m.faces_t >= _recheck_s(m, faces_every_s):
                stale.append((m.faces_t, i))
        # unchanged tiles are looked at again every faces_every_s (sure faces: every
        # SURE_EVERY times that), a few per frame (oldest first), so that the work is
        # spread evenly instead of all at once
        moved = set(todo)  # the tiles whose picture changed
        spread = max(1, -(-len(tiles) // 6))
        rechecked = {i for _, i in sorted(stale)[:spread]}
        todo = sorted(set(todo) | rechecked)
        seeded = cache.seeded
        cache.seeded = {}  # the frame-wide search's faces hold for its own frame only
        search = [i for i in todo if tiles[i].bbox not in seeded]
        # one face, the whole tile searched lately: look for it where it was (four tiles a
        # detector call); where it is not there, and at the pace above, the whole tile
        # (the whole-tile searches that fall due are spread too: a few per frame, oldest first)
        # per tile with one face: how long since its whole search, against its pace
        since = {i: (t - m.full_t, _recheck_s(m, faces_every_s)) for i in search
                 if (m := cache.tiles.get(tiles[i].bbox)) is not None and len(m.faces) == 1}
        one = [i for i, (age, pace) in since.items() if age < 2 * pace]
        due_whole = sorted((-since[i][0], i) for i in one if since[i][0] >= since[i][1])  # oldest first
        near = sorted(set(one) - {i for _, i in due_whole[:spread]})

        def find() -> tuple[dict[int, list], set[int]]:
            again = self.face_finder.find_again(image, [tiles[i].bbox for i in near],
                                                [cache.tiles[tiles[i].bbox].faces[0] for i in near]) if near else []
            out = {i: [g] for i, g in zip(near, again) if g is not None}
            whole = [i for i in search if i not in out]
            out.update(zip(whole, self.face_finder.find_in_tiles(image, [tiles[i] for i in whole])))
            return out, set(whole)

        found_in, whole = clock.run("faces", find)
        if self._window is not None and any(
                overlap(self._window[0], f.bbox) >= 0.9 * f.bbox[2] * f.bbox[3] for i, tile in enumerate(tiles)
                for f in (found_in.get(i, ()) if i in todo else cache.tiles[tile.bbox].faces)):
            # a face shows in it (not cut by its edge): a picture in a room (a photo
            # swapped), no window
            self._window = None
        # the windows over the gallery: those the layout search found, and one seen to open
        # (once seen unchanged on a second frame: a screen in a room changes on)
        covered = cache.layout.covered + ((self._window[0],) if self._window is not None and self._window[2] else ())
        faces: list[list] = []
        found_in.update({i: seeded[tiles[i].bbox] for i in todo if tiles[i].bbox in seeded})
        changed = set(todo)
        redecide = set()  # tiles whose state is decided again
        for i, tile in enumerate(tiles):
            if i in changed:
                f = found_in[i]
                old = cache.tiles.get(tile.bbox)
                # a tile looked at again only because time passed keeps its state when its
                # pixels are unchanged and it shows as many faces as before; a live tile
                # whose one face was found again where it was is the same student, moved:
                # still live video (a camera switched to a card changes the whole tile:
                # more than 4 x change_level, as for name labels)
                keep = old is not None and old.state is not None and (
                    (i in rechecked and len(f) == len(old.faces))
                    or (i in near and i not in whole and i in small and old.state is TileState.FACE))
                if not keep:
                    redecide.add(i)
                full_t = t if i in whole or i not in search else (old.full_t if old else -1e9)
                cache.tiles[tile.bbox] = _TileMemo(thumb=tthumbs[i], faces=f, full_t=full_t,
                                                   state=old.state if keep else None,
                                                   name=old.name if old else None, faces_t=t,
                                                   name_t=old.name_t if old else -1e9,
                                                   name_thumb=old.name_thumb if old else None)
            faces.append(_outside_windows(cache.tiles[tile.bbox].faces, covered))
        if cache.layout.fallback and not any(faces):
            tiles, faces = [], []

        # a window over a tile is not the tile's picture: the still-photo check leaves it out
        still = clock.run("states", lambda: self._stillness(image, tiles, faces, timestamp, tuple(ignore) + covered))
        def decide(i: int, tl, f, s) -> TileState:
            m = cache.tiles[tl.bbox]
            if i in redecide or m.state is None:
                m.state = self._classify(image, cache.layout, tl, f, s)
                return m.state
            # unchanged tile: same answer, except that a face tile still for long enough
            # is a profile photo (and a "photo" that moves again is live)
            photo_s = self.state_classifier.photo_still_s
            if m.state is TileState.FACE and s is not None and s >= photo_s:
                return TileState.PHOTO
            if m.state is TileState.PHOTO and f and s is not None and s < photo_s and \
                    self.state_classifier.classify(image, tl, f, still_seconds=s) is TileState.FACE:
                return TileState.FACE
            return m.state

        states = clock.run("states", lambda: [decide(i, tl, f, s) for i, (tl, f, s) in
                                              enumerate(zip(tiles, faces, still))])
        names: list[str | None] = [None] * len(tiles)
        if self.names and tiles:
            def read_names() -> list[str | None]:
                out = []
                for i, tl in enumerate(tiles):
                    m = cache.tiles[tl.bbox]
                    # read again when someone else may be in the tile (it changed a lot:
                    # tiles were reordered), when nothing was read, or now and then
                    other = (m.name_thumb is None or m.name_thumb.shape != tthumbs[i].shape
                             or float(np.abs(m.name_thumb - tthumbs[i]).mean()) > 4 * change_level)
                    if i in changed and (other or m.name is None or t - m.name_t >= names_every_s or due):
                        m.name, m.name_t, m.name_thumb = self.name_reader.read(image, tl), t, tthumbs[i]
                    out.append(m.name)
                return out
            names = clock.run("names", read_names)
        for gone in set(cache.tiles) - {tl.bbox for tl in cache.layout.tiles}:
            del cache.tiles[gone]

        results = _tile_results(tiles, faces, states, names, changed=moved,
                                covered=_covered_tiles(tiles, covered))
        clock.ms["total"] = (time.perf_counter() - t_start) * 1000.0
        clock.ms["n_layout"] = float(due)
        clock.ms["n_face_tiles"] = float(len(todo))
        return _result(w, h, results, clock, cache.layout, covered)


def _result(w: int, h: int, results: tuple[TileResult, ...], clock: _Clock, layout: Layout,
            covered: tuple | None = None) -> GalleryResult:
    """The frame's answer, with its layout named; ``covered``: the windows over the
    gallery (default: the layout's)."""
    method = "frame" if layout.fallback else layout.method
    if not results:
        method = None
    # the layout is named by its video tiles: a row of small avatar discs beside a 2x2
    # stage is no speaker view (it is named by the discs alone when there is nothing else)
    video = [r.tile for r in results if r.tile.bbox not in layout.avatars]
    kind = layout_kind(video or [r.tile for r in results], (w, h))
    return GalleryResult(width=w, height=h, tiles=results, timings_ms=dict(clock.ms), layout=kind,
                         layout_method=method, covered=(layout.covered if covered is None else covered)
                         if results else ())


def _disc_sized(box: tuple, largest: float) -> bool:
    """Whether a tile could be the gap cut's box around one avatar disc: about square and
    at most ``_DISC_TILE`` times the largest avatar box (``largest``, pixels)."""
    return 0.75 <= box[2] / max(1, box[3]) <= 1.33 and box[2] * box[3] <= _DISC_TILE * largest


def _on_disc(face: Face, disc) -> bool:
    """Whether the face's centre lies on the avatar disc."""
    cx, cy = face.center
    return (cx - disc.center[0]) ** 2 + (cy - disc.center[1]) ** 2 <= disc.radius ** 2


def _inside_any(face: Face, tiles) -> bool:
    """Whether the face's centre lies in one of the tiles."""
    cx, cy = face.center
    return any(x <= cx <= x + w and y <= cy <= y + h for x, y, w, h in (t.bbox for t in tiles))


def _one_tile_per_face(layout: Layout, found: dict) -> tuple[Layout, dict]:
    """One person, one tile: two tiles that overlap and hold the same face (face boxes
    with IoU >= 0.3; a strip fitted at a slightly wrong pitch put two tiles on one
    filmstrip student, one seeing the face whole and one cut by its side) are one; the
    tile seeing the smaller part of the face goes, when it holds no other face."""
    boxes = [t.bbox for t in layout.tiles]
    drop: set[BBox] = set()
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if a in drop or b in drop or not overlap(a, b):
                continue
            fa, fb = found.get(a) or [], found.get(b) or []
            for f in fa:
                for g in fb:
                    if iou(f.bbox, g.bbox) >= 0.3:
                        small, its_faces = (a, fa) if f.bbox[2] * f.bbox[3] < g.bbox[2] * g.bbox[3] else (b, fb)
                        if len(its_faces) == 1:
                            drop.add(small)
    if not drop:
        return layout, found
    keep = [b for b in boxes if b not in drop]
    tiles = tuple(Tile(i, b) for i, b in enumerate(keep))
    return replace(layout, tiles=tiles), {b: f for b, f in found.items() if b not in drop}


def _with_regions_beside(layout: Layout, found: dict, regions: Layout, region_faces: dict
                         ) -> tuple[Layout, dict]:
    """The fitted ``layout`` with the face ``regions`` that lie beside its tiles (a
    region sharing under a quarter of its area with every tile) added as tiles, in
    reading order; ``found`` with their faces."""
    tiles = [t.bbox for t in layout.tiles]
    extra = [r.bbox for r in regions.tiles
             if all(overlap(r.bbox, b) < 0.25 * r.bbox[2] * r.bbox[3] for b in tiles)]
    if not extra:
        return layout, found
    found = dict(found)
    found.update({b: region_faces.get(b, []) for b in extra})
    return _with_tiles(layout, extra), found


def _with_tiles(layout: Layout, extra) -> Layout:
    """``layout`` with the boxes ``extra`` (x, y, w, h each) added as tiles, every tile in
    reading order and numbered again; its candidates dropped (looked at already)."""
    boxes = reading_order([t.bbox for t in layout.tiles] + list(extra))
    return replace(layout, tiles=tuple(Tile(i, b) for i, b in enumerate(boxes)), candidates=())


_BESIDE_SHARE = 0.4
"""A band of the frame beside the fitted tiles is searched for faces when it is at least
this share of a tile across (a column of Teams' smaller tiles beside its 2 x 2 stage:
0.7 of a stage tile; a Zoom gallery's margins in a window: under 0.2, and flat)..."""
_BESIDE_TEXTURE = 12.0
"""...and its grey levels spread at least this much (standard deviation; a flat
background margin or an empty page spreads under 5, video 30-60)..."""
_BESIDE_FACE = 0.4
"""...and a face there is a participant's tile beside the grid when it is at least this
share of the tiles' median face width (Teams' column beside its stage: 0.7; a
participants panel's avatars 0.2-0.3 of a gallery's faces)."""


def _holes(boxes: np.ndarray) -> list[tuple[int, int, int, int]]:
    """The empty places among a grid's tiles (``boxes``: (n, 4) int (x, y, w, h)): each
    place at a column's left side and a row's top (the tiles' own, distinct by more than a
    quarter of a tile) of the tiles' median size, inside their bounding box, that shares
    under a quarter of its area with every tile. A gallery's centred last row leaves
    none (a centred tile shares half of each place beside it); a row that stops short on
    the left leaves its empty places. Such a place with a face in it is a tile the fit
    lost (:meth:`GalleryPerception._fill_holes`: a 4:3 camera pillarboxed in a 16:9 tile
    beside a dark gap, its sides lost in a codec's blur: real_test.png at 720p, H.264 CRF
    36 read as 3 tiles of 4)."""
    if len(boxes) < 3:
        return []
    tw, th = int(np.median(boxes[:, 2])), int(np.median(boxes[:, 3]))
    x1, y1 = int((boxes[:, 0] + boxes[:, 2]).max()), int((boxes[:, 1] + boxes[:, 3]).max())

    def starts(values: np.ndarray, size: int) -> list[int]:
        out: list[int] = []
        for v in sorted(int(v) for v in values):
            if not out or v - out[-1] > size // 4:
                out.append(v)
        return out

    out = []
    for y in starts(boxes[:, 1], th):
        for x in starts(boxes[:, 0], tw):
            place = (x, y, min(tw, x1 - x), min(th, y1 - y))
            if place[2] >= tw // 2 and place[3] >= th // 2 and all(
                    overlap(place, tuple(int(v) for v in b)) < 0.25 * place[2] * place[3] for b in boxes):
                out.append(place)
    return out


def _textured(image: np.ndarray, box: tuple[int, int, int, int]) -> bool:
    """Whether a box of the frame is not flat: its grey levels (every 4th pixel) spread
    at least ``_BESIDE_TEXTURE``."""
    x, y, w, h = box
    gray = cv2.cvtColor(np.ascontiguousarray(image[y:y + h:4, x:x + w:4]), cv2.COLOR_BGR2GRAY)
    return gray.size > 0 and float(gray.std()) >= _BESIDE_TEXTURE


def _unexplained(layout: Layout) -> bool:
    """An answer that does not explain the frame: no grid (the whole-frame fallback), no
    tiles, a single tile, or regions around faces (``"faces"``: no layout fitted). On a
    re-compressed recording's first frame that may be a grid the finder missed, and a
    speaker view or a filmstrip changes as people come and go, so it is not kept for
    ``layout_every_s``."""
    return layout.fallback or len(layout.tiles) <= 1 or layout.method == "faces"


_RETRY_MAX_S = 2.0
"""Longest wait between searches while the answer does not explain the frame: a gallery
that appears after a one-camera view or a blank screen is found within 2 s (it was 1 s
for no grid and 10 s for one tile); a search costs ~10-30 ms at 1080p, ~1% of the time."""


_WINDOW_TILES = 2
"""A layout is read again when this many tiles or more changed wholesale in one frame
(their thumbnail's mean change over 4 x the change level, as a camera switched to a card):
a window came over part of the gallery or went, which the gaps alone may not show (a
23-tile Zoom gallery whose tiles touch: 2% of the probe's gap pixels changed under a
dialog over four tiles, as much as H.264 noise)."""


def _changes(cache: _Cache, tiles, tthumbs) -> list[float | None]:
    """Per tile, the mean absolute change (grey levels) of its thumbnail since it was last
    looked at; None where it was not (a new tile, another size)."""
    out: list[float | None] = []
    for tile, tt in zip(tiles, tthumbs):
        m = cache.tiles.get(tile.bbox)
        out.append(None if m is None or m.thumb.shape != tt.shape else float(np.abs(m.thumb - tt).mean()))
    return out


def _retry_s(blind: int, layout_every_s: float) -> float:
    """Seconds before searching again after ``blind`` (>= 1) unexplained answers in a
    row: 0 after the first (the next frame), then 0.5, 1, 2, 2 ... s (_RETRY_MAX_S), at
    most ``layout_every_s``; the doubling keeps a one-camera view from costing a search
    per frame."""
    return 0.0 if blind <= 1 else min(float(layout_every_s), _RETRY_MAX_S, 0.5 * 2.0 ** (blind - 2))


WINDOW_CHANGE = 16
"""A window opening over the gallery changes the grey thumbnail (:data:`_THUMB_W` wide)
by more than this many levels over most of its rectangle at once; camera noise and H.264
change it by 1-3, a student moving changes a blob, not a rectangle."""
WINDOW_FILL = 0.85
"""The changed pixels fill at least this share of their bounding rectangle, holes filled
(a dialog whose panel matches the picture it covers in places still changes along its
whole outline): real grid galleries at 720p with a dark or light dialog over 6-12% of the
frame, H.264 CRF 23: 0.85-0.96; a moving student's blob far less."""
WINDOW_MIN_TILE = 0.15
"""...and cover at least this share of the median tile (a name label redrawn, a raised
hand's icon, the speaking frame are smaller)."""
WINDOW_MAX = 0.65
"""...and at most this share of the tiles' bounding box (a larger change is the app's:
a view switched, the grid reflowed; a larger window is left to the layout search and the
tracker's holds)."""
WINDOW_MEMORY = 6
"""Recent changes remembered (box, what their place showed before) to tell a change undone."""
WINDOW_STAYS = 6.0
"""A window seen to open stays while its rectangle's thumbnail changes by at most this
many grey levels on average from the frame it opened on (it is drawn by an app: only the
codec's noise changes it)."""


def _window_opened(last: np.ndarray, thumb: np.ndarray, image: np.ndarray, layout: Layout, scale: float,
                   before: list[tuple[BBox, np.ndarray]]) -> BBox | None:
    """A window that opened over the gallery between two consecutive frames (their grey
    thumbnails, ``scale`` thumbnail pixels per frame pixel), as a box in frame pixels, or
    None. The layout search finds a window from one frame's edges (a dialog over a gap, the
    grid holding around it); one wholly inside a tile, or over a gallery read another way,
    it cannot tell from a poster in a room. Seen opening it is plain: one rectangle of
    pixels changed at once (:data:`WINDOW_CHANGE`, :data:`WINDOW_FILL`,
    :data:`WINDOW_MIN_TILE`), not a tile's own picture (a camera switched on or off, tiles
    reordered: :func:`_same_place`), lying over a tile, with straight edges on three sides
    or four in the new frame (``image``, BGR uint8: :func:`_window_sides`, which places
    the box's sides on them; a picture seen again where a window closed has none). A
    rectangle whose picture is again what it was before an earlier change there is that
    change undone (a window that closed, not found when it opened: its place may lie along
    a tile's straight sides); ``before`` holds the recent changes' boxes and what their
    place showed before them (the last :data:`WINDOW_MEMORY`; this call adds its own)."""
    tiles = [t.bbox for t in layout.tiles]
    if not tiles or layout.fallback:
        return None
    tb = np.array(tiles)
    gallery = float((tb[:, 0] + tb[:, 2]).max() - tb[:, 0].min()) * float((tb[:, 1] + tb[:, 3]).max() - tb[:, 1].min())
    xs = np.unique(np.concatenate([tb[:, 0], tb[:, 0] + tb[:, 2]]))
    ys = np.unique(np.concatenate([tb[:, 1], tb[:, 1] + tb[:, 3]]))
    changed = (np.abs(thumb - last) > WINDOW_CHANGE).astype(np.uint8)
    if changed.sum() < 12:
        return None
    # a pixel's gap joins its neighbours (a dialog's panel as grey as the picture it covers
    # in a stretch split it in two)
    joined = cv2.dilate(changed, np.ones((3, 3), np.uint8))
    n, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    tile_area = float(np.median([b[2] * b[3] for b in tiles]))
    th, tw = thumb.shape
    slack = 1.5 / scale  # a thumbnail pixel and a half, in frame pixels
    gray = None  # the frame in grey, made for the first rectangle that gets as far as its edges
    for j in 1 + np.argsort(-stats[1:, cv2.CC_STAT_AREA])[:3]:
        x, y, w, h, _ = (int(v) for v in stats[j])
        x0, y0 = x + (x > 0), y + (y > 0)  # the dilation's pixel off each side
        x1, y1 = x + w - (x + w < tw), y + h - (y + h < th)
        w, h = x1 - x0, y1 - y0
        box = (int(x0 / scale), int(y0 / scale), int(np.ceil(w / scale)), int(np.ceil(h / scale)))
        if box[2] * box[3] < WINDOW_MIN_TILE * tile_area or w < 3 or h < 3:
            break  # the largest left are smaller
        undone = any(iou(box, b) >= 0.6 and _window_stays((b, was), thumb, scale) for b, was in before)
        before.append((box, _patch(last, box, scale)))
        del before[:-WINDOW_MEMORY]
        if undone:
            continue
        part = joined[y0:y1, x0:x1]
        outline, _ = cv2.findContours(part, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        filled = np.zeros_like(part)
        cv2.drawContours(filled, outline, -1, 1, thickness=-1)
        if filled.sum() < WINDOW_FILL * w * h:
            continue
        if any(_same_place(box, b, slack) for b in tiles):
            continue  # a tile's own picture changed (or a tile-sized block of tiles)
        if not any(overlap(box, b) >= 0.05 * b[2] * b[3] for b in tiles) or box[2] * box[3] > WINDOW_MAX * gallery:
            continue
        # the app's own change (a row of tiles reflowed) lies on the tiles' lines; a window
        # anywhere: at most two of its sides on them
        on = int(np.abs(xs - box[0]).min() <= slack) + int(np.abs(xs - box[0] - box[2]).min() <= slack) \
            + int(np.abs(ys - box[1]).min() <= slack) + int(np.abs(ys - box[1] - box[3]).min() <= slack)
        if on > 2:
            continue
        if gray is None:
            gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        sides = _window_sides(gray, box, int(np.ceil(slack)))
        if sides is None:
            continue  # no straight edges around it: a picture changed back (a window closed)
        return sides
    return None


WINDOW_EDGE = 0.6
"""A side of a window is a straight edge: the step across it (the two pixels on either
side, clipped to 12 grey levels), of one sign along each eighth of the side, this strong
on average (:func:`_window_sides`; texture's steps cancel); a picture seen again where a
window was has no such line."""


def _window_sides(gray: np.ndarray, box: BBox, reach: int) -> BBox | None:
    """``box`` (frame pixels, from a thumbnail: ``reach`` pixels off) with its sides moved
    onto the straightest edges within ``reach``, or None when fewer than three of its sides
    have one (:data:`WINDOW_EDGE`; a side on the frame's edge counts). ``gray``: the frame,
    uint8 (H, W)."""
    H, W = gray.shape
    x, y, w, h = box
    x0, x1, y0, y1 = max(0, x), min(W, x + w), max(0, y), min(H, y + h)
    if x1 - x0 < 8 or y1 - y0 < 8:
        return None
    framed = 0  # sides on the frame's edge

    def best(profile_of, lo: int, hi: int, at: int, edge: int) -> tuple[int, bool]:
        nonlocal framed
        cands = range(max(2, at - reach), min(edge - 2, at + reach) + 1)
        s, c = max(((profile_of(c, lo, hi), c) for c in cands), default=(0.0, at))
        if s < WINDOW_EDGE and (at <= 2 or at >= edge - 2):
            framed += 1  # on the frame's edge (a window's shadow may reach it: its edge is inside)
            return min(max(at, 0), edge), True
        return c, s >= WINDOW_EDGE

    def straight(d: np.ndarray) -> float:
        # one sign along each eighth of the side (a window's edge over brighter and darker
        # parts of the picture changes sign between them); texture's steps cancel
        return float(np.mean([abs(float(q.mean())) for q in np.array_split(np.clip(d, -12, 12), 8)])) / 12.0

    def col(c: int, lo: int, hi: int) -> float:  # step between columns c-1 and c, rows [lo, hi)
        g = gray[lo:hi, c - 2:c + 2].astype(np.int16)
        return straight(g[:, 2] + g[:, 3] - g[:, 0] - g[:, 1])

    def row(r: int, lo: int, hi: int) -> float:
        g = gray[r - 2:r + 2, lo:hi].astype(np.int16)
        return straight(g[2] + g[3] - g[0] - g[1])

    my, mx = (y1 - y0) // 8, (x1 - x0) // 8  # the middle of each side: corners are rounded
    left, a = best(col, y0 + my, y1 - my, x0, W)
    right, b = best(col, y0 + my, y1 - my, x1, W)
    top, c = best(row, x0 + mx, x1 - mx, y0, H)
    bottom, d = best(row, x0 + mx, x1 - mx, y1, H)
    if a + b + c + d < 3 or framed > 1 or right - left < 8 or bottom - top < 8:
        return None  # (a change reaching two edges of the frame is the view changing)
    return left, top, right - left, bottom - top


def _same_place(box: BBox, tile: BBox, slack: float) -> bool:
    """Whether a changed rectangle is ``tile``'s own picture changing (a camera switched on
    or off, tiles reordered): IoU 0.85 or more, or three of its sides or four on the tile's,
    within 3% of the tile or ``slack`` frame pixels (a thumbnail pixel and a half); a window
    lies anywhere (a dialog over 71% of a tile, its top on the tile's: IoU 0.77, 1 side)."""
    if iou(box, tile) >= 0.85:
        return True
    tx, ty = max(0.03 * tile[2], slack), max(0.03 * tile[3], slack)
    on = (abs(box[0] - tile[0]) <= tx) + (abs(box[0] + box[2] - tile[0] - tile[2]) <= tx) \
        + (abs(box[1] - tile[1]) <= ty) + (abs(box[1] + box[3] - tile[1] - tile[3]) <= ty)
    return on >= 3 and overlap(box, tile) >= 0.5 * box[2] * box[3]


def _patch(thumb: np.ndarray, box: BBox, scale: float) -> np.ndarray:
    """The part of a grey thumbnail under ``box`` (frame pixels)."""
    x0, y0 = int(box[0] * scale), int(box[1] * scale)
    x1, y1 = max(x0 + 1, int((box[0] + box[2]) * scale)), max(y0 + 1, int((box[1] + box[3]) * scale))
    return thumb[y0:y1, x0:x1].copy()


def _window_stays(window: tuple[BBox, np.ndarray], thumb: np.ndarray, scale: float) -> bool:
    """Whether a window seen to open is still there: its rectangle's thumbnail within
    :data:`WINDOW_STAYS` grey levels of what it showed when it opened."""
    box, was = window
    now = _patch(thumb, box, scale)
    return now.shape == was.shape and float(np.abs(now - was).mean()) <= WINDOW_STAYS


COVERED_SHARE = 0.1
"""A tile is covered (:attr:`TileResult.covered`) when a foreign window found over the
gallery (``Layout.covered``) lies over this share of it or more: a window's edge a few
pixels over a tile's border hides nothing of the student."""


def _outside_windows(faces, covered) -> list:
    """``faces`` without those whose centre lies in a foreign window found over the gallery
    (``covered``: (x, y, w, h) each): what the window shows (a photo viewer's group photo,
    the teacher's own self-view, an app's avatar) is not the student whose tile it lies
    over (a newcomer's photo viewer over a 5 x 5 gallery: the tiles under it read present
    from the photo's faces)."""
    if not covered:
        return list(faces)
    return [f for f in faces if not any(contains(c, f.center) for c in covered)]


def _covered_tiles(tiles, covered) -> set[int]:
    """Indices of the tiles a foreign window (``covered``: (x, y, w, h) each) lies over by
    :data:`COVERED_SHARE` of their area or more."""
    return {i for i, t in enumerate(tiles)
            if any(overlap(t.bbox, c) >= COVERED_SHARE * t.bbox[2] * t.bbox[3] for c in covered)}


def _tile_results(tiles, faces, states, names, changed=None, covered: set[int] = frozenset()
                  ) -> tuple[TileResult, ...]:
    """One TileResult per tile, keeping the invariant: only face and photo tiles carry
    faces, and a face tile without a face is an empty (no_face) one. ``changed``: the
    indices of tiles whose picture changed (None: every tile, not known); ``covered``: the
    indices of tiles a foreign window lies over."""
    results = []
    for i, (tile, tile_faces, state, name) in enumerate(zip(tiles, faces, states, names)):
        if state is not TileState.FACE and state is not TileState.PHOTO:
            tile_faces = []  # no_face / camera_off tiles carry no faces by definition
        elif state is TileState.FACE and not tile_faces:
            state = TileState.NO_FACE
        results.append(TileResult(tile=tile, state=state, faces=tuple(tile_faces), name=name,
                                  changed=changed is None or i in changed, covered=i in covered))
    return tuple(results)


SURE_FACE = 0.8
"""A tile whose every face scores this or more is searched whole (and, unchanged, looked at
again) every ``SURE_EVERY`` times ``faces_every_s`` instead of every ``faces_every_s``: the
checks are for what a first search may have got wrong (a borderline false face in an empty
room scores 0.5-0.64; live faces in the shared real screenshots mostly above 0.8)."""
SURE_EVERY = 3.0


def _recheck_s(memo: _TileMemo, faces_every_s: float) -> float:
    """Seconds between whole searches of a tile (see ``SURE_FACE``)."""
    if memo.faces and all(f.score >= SURE_FACE for f in memo.faces):
        return SURE_EVERY * faces_every_s
    return faces_every_s


def _thumb(image: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    th = max(1, int(round(h * _THUMB_W / w)))
    step = max(1, w // (_THUMB_W * 2))  # subsample first: INTER_AREA on 1080p is costly
    small = cv2.resize(image[::step, ::step], (_THUMB_W, th), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(small, cv2.COLOR_BGR2GRAY).astype(np.int16)


def _tile_thumb(thumb: np.ndarray, bbox: tuple, scale: float) -> np.ndarray:
    x, y, w, h = bbox
    x0, y0 = int(x * scale), int(y * scale)
    x1, y1 = max(x0 + 1, int(round((x + w) * scale))), max(y0 + 1, int(round((y + h) * scale)))
    return thumb[y0:y1, x0:x1]


def _gap_probe(layout: Layout, image: np.ndarray, n: int = 4000) -> tuple[np.ndarray, np.ndarray] | None:
    """Up to ``n`` full-resolution pixels between and around the tiles, and their grey
    values now: where a layout change shows first (tiles moving into a gap, a new row
    growing into the margin). The probe covers the grid's box grown by one tile."""
    if layout.fallback or not layout.tiles or layout.method == "faces":  # no gaps to watch
        return None
    h, w = image.shape[:2]
    x0 = min(t.bbox[0] for t in layout.tiles)
    y0 = min(t.bbox[1] for t in layout.tiles)
    x1 = max(t.bbox[0] + t.bbox[2] for t in layout.tiles)
    y1 = max(t.bbox[1] + t.bbox[3] for t in layout.tiles)
    tw, th = layout.tile_size or (x1 - x0, y1 - y0)
    gx0, gy0, gx1, gy1 = max(0, x0 - tw), max(0, y0 - th), min(w, x1 + tw), min(h, y1 + th)
    mask = np.zeros((h, w), bool)
    mask[gy0:gy1, gx0:gx1] = True
    for t in layout.tiles:
        x, y, bw, bh = t.bbox
        mask[max(0, y - 1) : y + bh + 1, max(0, x - 1) : x + bw + 1] = False
    ys, xs = np.nonzero(mask)
    if len(ys) < 16:
        return None
    keep = np.linspace(0, len(ys) - 1, min(n, len(ys))).astype(np.int64)
    ys, xs = ys[keep], xs[keep]
    # the gaps between the tiles on their own too: a window lying over a few tiles
    # covers a part of them, and almost none of the margin around the grid
    inner = np.zeros((h, w), bool)
    inner[y0:y1, x0:x1] = mask[y0:y1, x0:x1]
    iy, ix = np.nonzero(inner)
    if len(iy) >= 16:
        pick = np.linspace(0, len(iy) - 1, min(n // 2, len(iy))).astype(np.int64)
        ys, xs = np.concatenate([ys, iy[pick]]), np.concatenate([xs, ix[pick]])
        part = np.concatenate([np.zeros(len(keep), bool), np.ones(len(pick), bool)])
    else:
        part = np.zeros(len(ys), bool)
    return (ys, xs, part), image[ys, xs].astype(np.int16)


_INNER_GAPS_CHANGED = 0.03
"""A layout is searched again when this share of the pixels of the gaps between its
tiles changed (a window over a 5 x 5 gallery's middle four tiles: ~8% of them; capture
noise and JPEG ringing a few grey levels), as well as when 1% of all the probe's pixels
(margin included) did."""


def _gaps_changed(cache: _Cache, image: np.ndarray, level: int = 10, frac: float = 0.01) -> bool:
    """True when the pixels between the tiles changed (tiles moved, resized, came or went;
    a window came over some of them or went)."""
    if cache.probe is None:
        return False
    (ys, xs, part), before = cache.probe
    diff = np.abs(image[ys, xs].astype(np.int16) - before).max(axis=1) > level
    if float(diff[~part].mean()) > frac:
        return True
    return bool(part.any()) and float(diff[part].mean()) > _INNER_GAPS_CHANGED
