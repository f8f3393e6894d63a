"""Face finder: MediaPipe's BlazeFace models (run by LiteRT, :mod:`.blazeface`), per tile.

BlazeFace short-range looks at a 128x128 picture of its input. On a whole 1080p gallery
a face is a few pixels of that picture and is missed, so we run it on each tile (and on
any region of interest), padded to a square so that the face keeps its proportions.

That first look misses faces a teacher still counts as present, so a tile where it
finds nobody (and that is not a flat camera-off card) gets a second look, in this order:

1. far faces (under ~10% of the tile's long side, e.g. 28 px in a 620x349 tile):
   BlazeFace full-range (192x192 input, trained for faces down to a few percent of
   the picture) proposes faces, on the tile or on 400 px windows of a larger one, and
   each proposal is kept only when short-range confirms it in a window zoomed on it
   (the two models must agree; box and keypoints come from short-range at a useful
   resolution);
2. small faces in a wide tile: short-range on overlapping square windows, each at
   full resolution;
3. faces cut by the tile edge (up to ~60% of the face outside): the tile is padded
   with its own mirror image, which gives the detector back the context it was trained
   with (a face cut near its midline becomes a whole, symmetric face), seen whole and
   in square windows; boxes are clipped to the tile, keypoints may lie outside it. It
   comes last because the mirror image of a face that touches the edge from inside can
   pass for a larger face.

In looks 2 and 3 a face short-range is not sure of (``SURE_SCORE``) must also be found
by full-range: that is what keeps empty rooms face-free.

The first look that finds someone ends the search. A large region (``far_always_px``:
a room, a speaker view, where people sit at several distances) also gets the far-face
look when the first look found someone. Detections are merged by non-maximum
suppression in frame pixels.
"""

from __future__ import annotations

import math
import os
import threading
import weakref
from importlib import resources
from pathlib import Path
from typing import Iterable, Sequence

import cv2
import numpy as np

from .._native import quiet_native_stderr
from ..errors import ModelError
from ..geometry import BBox, iou
from ..types import Face, Tile
from .blazeface import BlazeFace

MODEL_FILE = "face_detection_short_range.tflite"
FULL_RANGE_MODEL_FILE = "face_detection_full_range_sparse.tflite"


def default_model_path() -> Path:
    """The vendored BlazeFace short-range model (Apache-2.0, from mediapipe 0.10.21)."""
    return Path(str(resources.files("classmood.detectors").joinpath("assets").joinpath(MODEL_FILE)))


def default_full_range_model_path() -> Path:
    """The vendored BlazeFace full-range (sparse) model (Apache-2.0, from mediapipe 0.10.21)."""
    return Path(str(resources.files("classmood.detectors").joinpath("assets").joinpath(FULL_RANGE_MODEL_FILE)))


class FaceFinder:
    """Find faces (box, score, six keypoints) in a frame, a tile or a region.

    Use as a context manager, or call :meth:`close`, to free the native detectors::

        with FaceFinder() as finder:
            faces = finder.find(frame, roi=tile.bbox)

    Args:
        model_path: the BlazeFace short-range ``.tflite``; None: the vendored one.
        min_score: BlazeFace's detection threshold, in (0, 1), for every look.
        nms_iou: boxes overlapping more than this (intersection over union) are one face.
        pad_to_square: letterbox regions to a square before detection, which is how
            BlazeFace was trained and what keeps faces in wide tiles detectable.
        zoom_retry: give a region where the first look finds nobody a second look
            (far faces, square windows, mirror-padded edges; see the module
            docstring). False: one look only.
        pack_pairs: stack two wide regions of one size in one detector call.
        edge_retry: in the second look, search the region padded with its own mirror
            image (faces cut by the region's edge).
        far_retry: in the second look, search for far faces with BlazeFace full-range,
            confirmed by short-range (loads the full-range model).
        far_model_path: the BlazeFace full-range ``.tflite``; None: the vendored one.
        far_always_px: a region whose long side is at least this many pixels (a
            speaker view, a room) gets the far-face look, seen whole (one full-range
            call, ~5-7 ms), even when the first look found someone: at 128 px input a
            person at the back of such a room is a few pixels. None: never.
        backend: ``"litert"``: the models run by the LiteRT interpreter and decoded as
            MediaPipe does (:mod:`classmood.detectors.blazeface`; ~1.4 ms a detector call
            where MediaPipe's task takes ~1.7-1.8); ``"mediapipe"``: MediaPipe's own
            ``FaceDetector`` task, the reference the tests compare with.

    Raises:
        ValueError: ``min_score`` outside (0, 1), or an unknown ``backend``.
        ModelError: a model file is missing or is not a usable BlazeFace model.
    """

    def __init__(
        self,
        model_path: str | os.PathLike | None = None,
        min_score: float = 0.5,
        nms_iou: float = 0.3,
        pad_to_square: bool = True,
        zoom_retry: bool = True,
        pack_pairs: bool = True,
        edge_retry: bool = True,
        far_retry: bool = True,
        far_model_path: str | os.PathLike | None = None,
        far_always_px: int | None = 900,
        backend: str = "litert",
    ) -> None:
        if not 0.0 < min_score < 1.0:
            raise ValueError(f"min_score must be in (0, 1), got {min_score}")
        if backend not in ("litert", "mediapipe"):
            raise ValueError(f"backend must be 'litert' or 'mediapipe', got {backend!r}")
        self.backend = backend
        self.model_path = Path(model_path) if model_path is not None else default_model_path()
        self.far_model_path = (Path(far_model_path) if far_model_path is not None
                               else default_full_range_model_path())
        self.min_score = float(min_score)
        self.nms_iou = float(nms_iou)
        self.pad_to_square = pad_to_square
        self.zoom_retry = zoom_retry
        self.pack_pairs = pack_pairs
        self.edge_retry = edge_retry
        self.far_retry = far_retry
        self.far_always_px = far_always_px
        self._lock = threading.Lock()
        # The MediaPipe tasks live in ``_tasks`` (held by the finalizer, which must not hold
        # self) and are closed by close(), when the finder is collected or at interpreter
        # exit, whichever comes first. The finalizer is made before MediaPipe is imported
        # (in _load): atexit runs last-in first-out, so at exit it runs after MediaPipe's
        # own exit hook, when closing is a quiet no-op, not a call into a stopped thread.
        # _tasks[0]: short-range; _tasks[1]: full-range (only with far_retry).
        self._tasks: list = []
        self._finalizer = weakref.finalize(self, _close_tasks, self._tasks)
        self._tasks.append(self._load(self.model_path, INPUT_SIDE))
        if zoom_retry and far_retry:  # with zoom_retry off no second look ever runs
            self._tasks.append(self._load(self.far_model_path, FAR_INPUT_SIDE))

    def _load(self, p: Path, side: int):
        if not p.is_file():
            raise ModelError(f"{p}: face model file not found; reinstall classmood")
        if self.backend == "litert":
            detector = BlazeFace(p, min_score=self.min_score, nms_iou=self.nms_iou)
            if detector.input_side != side:
                detector.close()
                raise ModelError(f"{p}: not the expected BlazeFace model ({detector.input_side} px input, "
                                 f"{side} px expected)")
            return detector
        os.environ.setdefault("GLOG_minloglevel", "2")
        from mediapipe.tasks.python import BaseOptions, vision

        options = vision.FaceDetectorOptions(
            base_options=BaseOptions(model_asset_buffer=p.read_bytes()),
            running_mode=vision.RunningMode.IMAGE,
            min_detection_confidence=self.min_score,
            min_suppression_threshold=self.nms_iou,
        )
        try:
            with quiet_native_stderr():
                detector = vision.FaceDetector.create_from_options(options)
                # the first call builds the XNNPACK delegate (and logs about it)
                import mediapipe as mp

                blank = np.zeros((side, side, 3), np.uint8)
                detector.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=blank))
            return detector
        except Exception as exc:  # mediapipe raises RuntimeError/ValueError with C++ text
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelError(f"{p}: not a usable BlazeFace model ({first})") from None

    # -- lifetime ---------------------------------------------------------------------
    @property
    def _detector(self):
        """The short-range MediaPipe FaceDetector task (None once closed)."""
        return self._tasks[0] if self._tasks else None

    @property
    def _far_detector(self):
        """The full-range MediaPipe FaceDetector task (None once closed, or without far_retry or zoom_retry)."""
        return self._tasks[1] if len(self._tasks) > 1 else None

    def close(self) -> None:
        """Free the native detectors now (idempotent); :meth:`find` raises afterwards."""
        self._finalizer()

    def __enter__(self) -> "FaceFinder":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- detection --------------------------------------------------------------------
    def find(self, image_bgr: np.ndarray, roi: BBox | None = None) -> list[Face]:
        """Faces in ``image_bgr`` (BGR uint8, shape (H, W, 3)), or only inside ``roi``
        (``(x, y, w, h)`` frame pixels), with boxes (clipped to the region) and
        keypoints (which may lie outside it, for a face cut by its edge) in float frame
        pixels, sorted by score (best first).

        When the first look (the region letterboxed into BlazeFace's 128 px square)
        finds nobody, the region gets the second look of the module docstring
        (``zoom_retry``); a large region (``far_always_px``) gets the far-face pass
        whatever the first look found.

        Raises:
            RuntimeError: the finder is closed.
        """
        H, W = image_bgr.shape[:2]
        region = roi if roi is not None else (0, 0, W, H)
        return self._more_looks(image_bgr, region, self._find_once(image_bgr, roi))

    def _find_once(self, image_bgr: np.ndarray, roi: BBox | None) -> list[Face]:
        """One detector call on a region, letterboxed to a square."""
        H, W = image_bgr.shape[:2]
        clip = _clip(roi if roi is not None else (0, 0, W, H), W, H)
        x0, y0, x1, y1 = clip
        if x1 - x0 < 8 or y1 - y0 < 8:
            return []
        crop = image_bgr[y0:y1, x0:x1]
        ch, cw = crop.shape[:2]
        if self.pad_to_square:
            # Letterbox to a square: the face keeps its aspect ratio in BlazeFace's input.
            side = max(ch, cw)
            oy, ox = (side - ch) // 2, (side - cw) // 2
            canvas, scale = _compose(side, [(crop, ox, oy)])
        else:
            canvas, ox, oy, scale = np.ascontiguousarray(crop), 0, 0, 1.0
        faces = []
        for box, kps, score in self._detect_square(canvas):
            box = tuple(v / scale for v in box)
            f = _to_frame(box, kps / scale, score, x0 - ox, y0 - oy, clip)
            if f is not None:
                faces.append(f)
        faces.sort(key=lambda f: -f.score)
        return faces

    def find_everywhere(self, image_bgr: np.ndarray, roi: BBox | None = None) -> list[Face]:
        """Every face in the frame (or ``roi``), when no tile is known: what a frame
        whose layout could not be fitted (a speaker view, a filmstrip beside shared
        content, an app never seen) still shows.

        The first look (the region letterboxed into short-range's 128 px) finds the
        large faces, scoring ``SURE_SCORE`` or more (below ``EVERYWHERE_SURE``,
        confirmed by full-range); BlazeFace full-range then proposes
        smaller ones on a grid of overlapping square windows whose side is
        ``EVERYWHERE_WINDOW`` times the smallest face looked for (the region's long side
        / ``EVERYWHERE_MIN_FACE_DIV``, at least ``EVERYWHERE_MIN_FACE_PX``), each kept
        only when short-range confirms it zoomed in (as in the far-face look; see the
        module docstring). Without the full-range model (``far_retry`` off) only the
        first look runs.

        Args:
            image_bgr: the frame, BGR uint8 of shape (H, W, 3).
            roi: ``(x, y, w, h)`` frame pixels to search; None: the whole frame.

        Returns:
            Faces in frame pixels, best score first. Measured on the 30 shared
            ``galleries2`` screenshots (462x227 to 3840x2160): 100-350 ms each on one
            core; no face on the four screens without one; 125 of 133 faces of the
            annotated minimum found (the misses: faces under ~20 px in a 1280x720
            gallery, people at the back of a room).

        Raises:
            RuntimeError: the finder is closed.
        """
        H, W = image_bgr.shape[:2]
        x0, y0, x1, y1 = _clip(roi if roi is not None else (0, 0, W, H), W, H)
        region = (x0, y0, x1 - x0, y1 - y0)
        if self._far_detector is None or min(x1 - x0, y1 - y0) < 8:
            return [f for f in self._find_once(image_bgr, region) if f.score >= SURE_SCORE]
        # a large face of the first look is kept when it is sure (EVERYWHERE_SURE) or
        # the full-range model confirms it: a whiteboard of sticky notes seen whole
        # gave a 0.73 "face" half the frame high
        first = [f for f in self._find_once(image_bgr, region) if f.score >= SURE_SCORE and (
            f.score >= EVERYWHERE_SURE or self._far_confirms(
                image_bgr, (f.bbox[0] + f.bbox[2] / 2, f.bbox[1] + f.bbox[3] / 2), max(f.bbox[2], f.bbox[3])))]
        min_face = max(EVERYWHERE_MIN_FACE_PX, max(x1 - x0, y1 - y0) / EVERYWHERE_MIN_FACE_DIV)
        side = int(round(EVERYWHERE_WINDOW * min_face))
        more = self._find_far(image_bgr, region, known=first,
                              views=_grid_windows(*region, side=side, max_windows=None),
                              max_proposals=EVERYWHERE_MAX_PROPOSALS)
        return _suppress(first + more, self.nms_iou)

    def find_in_tiles(self, image_bgr: np.ndarray, tiles: Iterable[Tile]) -> list[list[Face]]:
        """Faces per tile of ``image_bgr`` (BGR uint8, (H, W, 3)), in the order of ``tiles``."""
        return self.find_in_rois(image_bgr, [t.bbox for t in tiles])

    def find_in_rois(self, image_bgr: np.ndarray, rois: Sequence[BBox]) -> list[list[Face]]:
        """Faces per region (``(x, y, w, h)`` frame pixels), in the order of ``rois``;
        boxes and keypoints as for :meth:`find`.

        Each detector call costs ~1.8 ms whatever its input, and a 16:9 tile fills
        only 56% of BlazeFace's square. So neighbouring wide regions of one size (a
        gallery row) are stacked two to a square (``pack_pairs``): half the calls, each
        tile still ~110 px wide in the detector's 128. A region where that finds nobody
        is seen alone, then gets the second look of :meth:`find`, unless it is a flat
        card, and a large one
        (``far_always_px``) the far-face look. Measured on 2 shared CPU cores: a live
        face tile ~1 ms as before; a camera-off card ~2 ms as before; a tile with a far
        or cut face (620x349) 9-14 ms; an empty room 16-18 ms at 370x208 and 21-27 ms
        at 620x349 (6-7 ms before); a 944x531 tile with a face 8 ms (1 ms before);
        a 1920x1080 region with no face ~68 ms (15-20 ms before).

        A region with several faces (people sharing a camera, or a false face beside the
        student) keeps each one only when a second look at it alone confirms it
        (:meth:`confirm`, ``SECOND_LOOK``); the best face stays in any case.

        Raises:
            RuntimeError: the finder is closed.
        """
        results: list[list[Face] | None] = [None] * len(rois)
        paired: set[int] = set()
        i = 0
        while i < len(rois):
            if self.pack_pairs and i + 1 < len(rois) and _pairable(rois[i], rois[i + 1]):
                results[i], results[i + 1] = self._find_pair(image_bgr, rois[i], rois[i + 1])
                paired.update((i, i + 1))
                i += 2
            else:
                results[i] = self._find_once(image_bgr, rois[i])
                i += 1
        for i in paired:
            # a pair halves each region's resolution: where it found nobody, the region is
            # seen alone before any second look (a 25 px face in a 7x7 gallery's tile was
            # missed in 8 of 20 frames of a recording paired, in none alone)
            if not results[i] and not _flat_card(image_bgr, rois[i]):
                results[i] = self._find_once(image_bgr, rois[i])
        return [self._sure(image_bgr, self._more_looks(image_bgr, roi, faces or [], skip_flat=True))
                for roi, faces in zip(rois, results)]

    def find_again(self, image_bgr: np.ndarray, rois: Sequence[BBox],
                   known: Sequence[Face]) -> list[Face | None]:
        """Each region's one known face, looked for again where it was: a square window
        ``TRACK_WINDOW`` times the face's size around its last place, four windows to a
        detector call (a 2x2 mosaic of the 128 px input, the face ~25 px there: larger
        than a 16:9 tile's face in a paired first look). What a gallery's moving tiles
        need between full searches (:meth:`find_in_rois`): the same student, moved.

        Args:
            image_bgr: the frame, BGR uint8 of shape (H, W, 3).
            rois: the regions (``(x, y, w, h)`` frame pixels).
            known: per region, the face found there last (frame pixels).

        Returns:
            Per region, the face found again (box clipped to the region, keypoints in
            frame pixels), or None when the window shows no face scoring ``min_score``
            centred within ``TRACK_SHIFT`` of a face size of the last place, with a size
            within ``TRACK_SIZE`` of the last one: the caller searches the whole region.

        Raises:
            RuntimeError: the finder is closed.
        """
        if self._detector is None:
            raise RuntimeError("FaceFinder is closed")
        H, W = image_bgr.shape[:2]
        cell = INPUT_SIDE // 2
        jobs = []  # per window: where it lies in its canvas and in the frame
        canvases: list[np.ndarray] = []
        out: list[Face | None] = [None] * len(rois)
        for i, (roi, face) in enumerate(zip(rois, known)):
            clip = _clip(roi, W, H)
            (cx, cy), size = face.center, max(face.bbox[2], face.bbox[3])
            side = max(16, int(round(TRACK_WINDOW * size)))
            wx0, wy0 = int(round(cx - side / 2)), int(round(cy - side / 2))
            # the part of the window inside the region, placed where it lies in the window
            ax0, ay0 = max(wx0, clip[0]), max(wy0, clip[1])
            ax1, ay1 = min(wx0 + side, clip[2]), min(wy0 + side, clip[3])
            if ax1 - ax0 < 8 or ay1 - ay0 < 8:
                continue
            k = len(jobs) % 4
            if k == 0:
                canvases.append(np.zeros((INPUT_SIDE, INPUT_SIDE, 3), np.uint8))
            f = min(1.0, cell / side)
            ox, oy = (k % 2) * cell, (k // 2) * cell
            tx, ty = ox + int(round((ax0 - wx0) * f)), oy + int(round((ay0 - wy0) * f))
            tw = max(1, min(ox + cell - tx, int(round((ax1 - ax0) * f))))
            th = max(1, min(oy + cell - ty, int(round((ay1 - ay0) * f))))
            crop = image_bgr[ay0:ay1, ax0:ax1]
            canvases[-1][ty : ty + th, tx : tx + tw] = (
                cv2.resize(crop, (tw, th), interpolation=cv2.INTER_LINEAR) if (tw, th) != crop.shape[1::-1] else crop)
            # canvas px -> frame px: (p - (tx, ty)) * (crop / placed) + (ax0, ay0)
            jobs.append((i, clip, face, tx, ty, (ax1 - ax0) / tw, (ay1 - ay0) / th, ax0, ay0, ox, oy))
        if not jobs:
            return out
        found = [self._detect_square(c) for c in canvases]
        for n, (i, clip, face, tx, ty, sx, sy, ax0, ay0, ox, oy) in enumerate(jobs):
            (cx, cy), size = face.center, max(face.bbox[2], face.bbox[3])
            for (bx, by, bw, bh), kps, score in found[n // 4]:
                mx, my = bx + bw / 2, by + bh / 2
                if not (ox <= mx < ox + cell and oy <= my < oy + cell):
                    continue  # another window's face
                box = ((bx - tx) * sx + ax0, (by - ty) * sy + ay0, bw * sx, bh * sy)
                pts = (kps - np.array([tx, ty], np.float32)) * np.array([sx, sy], np.float32) + np.array(
                    [ax0, ay0], np.float32)
                g = _to_frame(box, pts, score, 0.0, 0.0, clip)
                if g is None:
                    continue
                gsize = max(box[2], box[3])
                moved = math.hypot(box[0] + box[2] / 2 - cx, box[1] + box[3] / 2 - cy)
                if moved <= TRACK_SHIFT * size and 1 / TRACK_SIZE <= gsize / max(size, 1.0) <= TRACK_SIZE:
                    out[i] = g
                    break  # best score first
        return out

    def confirm(self, image_bgr: np.ndarray, face: Face) -> float:
        """A second look at one face: BlazeFace short-range on a square ``FAR_WINDOW`` times
        the face's size around it (the face at ~30% of the detector's input, where it is
        reliable), wherever it was found.

        Returns:
            The best score of a face found centred within half the face's size of its
            centre; 0.0 when none.

        Raises:
            RuntimeError: the finder is closed.
        """
        if self._detector is None:
            raise RuntimeError("FaceFinder is closed")
        (cx, cy), size = face.center, max(face.bbox[2], face.bbox[3])
        half = FAR_WINDOW * size / 2
        x0, y0 = int(round(cx - half)), int(round(cy - half))
        window = (x0, y0, int(round(cx + half)) - x0, int(round(cy + half)) - y0)
        return max((f.score for f in self._find_once(image_bgr, window)
                    if abs(f.center[0] - cx) <= size / 2 and abs(f.center[1] - cy) <= size / 2),
                   default=0.0)

    def find_confirmed(self, image_bgr: np.ndarray, windows: Sequence[BBox]) -> list[Face]:
        """Faces over overlapping ``windows`` (frame pixels), one per face (the
        best-scoring of its sightings), each kept only when :meth:`confirm` scores it at
        least ``SECOND_LOOK``: a search where a false face costs a participant.

        Raises:
            RuntimeError: the finder is closed.
        """
        seen = _suppress([f for faces in self.find_in_rois(image_bgr, windows) for f in faces], self.nms_iou)
        return [f for f in seen if self.confirm(image_bgr, f) >= SECOND_LOOK]

    def _sure(self, image_bgr: np.ndarray, faces: list[Face]) -> list[Face]:
        """Of several faces in one region, the best and those a second look confirms."""
        if len(faces) < 2:
            return faces
        best = max(faces, key=lambda f: f.score)
        return [f for f in faces if f is best or self.confirm(image_bgr, f) >= SECOND_LOOK]

    def _more_looks(self, image_bgr: np.ndarray, roi: BBox, faces: list[Face],
                    skip_flat: bool = False) -> list[Face]:
        """The first look's ``faces`` in ``roi``, completed by the second look where it
        found nobody, or by the far-face look where the region is large."""
        if not self.zoom_retry:
            return faces
        large = self.far_always_px is not None and max(roi[2], roi[3]) >= self.far_always_px
        if faces and not (large and self.far_retry):
            return faces
        if skip_flat and _flat_card(image_bgr, roi):
            return faces
        if faces:  # a large region (a room, a speaker view): people further back, in one call
            return _suppress(faces + self._find_far(image_bgr, roi, known=faces, windows=False), self.nms_iou)
        return self._second_look(image_bgr, roi)

    def _second_look(self, image_bgr: np.ndarray, roi: BBox) -> list[Face]:
        """Looks of rising cost at a region where the first found nobody (see the
        module docstring); the first look that finds someone ends the search."""
        looks = []
        if self.far_retry:
            looks.append(self._find_far)
        looks.append(self._zoomed)
        if self.edge_retry:
            looks.append(self._find_padded)
        for look in looks:
            found = look(image_bgr, roi)
            if found:
                return found
        return []

    def _zoomed(self, image_bgr: np.ndarray, roi: BBox) -> list[Face]:
        """Short-range on overlapping square windows of a wide region. A face scoring
        below ``SURE_SCORE`` is kept only when the full-range model confirms it (when
        that model is loaded)."""
        windows = _square_windows(*roi)
        found = [f for win in windows for f in self._find_once(image_bgr, win)]
        if self._far_detector is not None:
            # confirmed on the frame, not the region cut out: a face near the region's edge
            # keeps the context around it (a masked student's face 19 px below her tile's
            # top, at JPEG q70: the square cut by the tile, no confirmation; on the frame, 0.70)
            found = [f for f in found if f.score >= SURE_SCORE or self._far_confirms(
                image_bgr, (f.bbox[0] + f.bbox[2] / 2, f.bbox[1] + f.bbox[3] / 2), max(f.bbox[2], f.bbox[3]))]
        return _suppress(found, self.nms_iou)

    def _find_padded(self, image_bgr: np.ndarray, roi: BBox) -> list[Face]:
        """Short-range on the region padded on every side with its own mirror image
        (``EDGE_PAD`` of its short side), letterboxed, then (if that finds nobody) on
        the padded region's overlapping square windows, each at a higher resolution: a
        face cut by the region's edge gets back the context the detector needs. Only
        faces centred inside the region (or just outside, by ``EDGE_KEEP`` of their
        width) are kept, so the mirror image of a face inside the region is never a
        second face; boxes are clipped to the region."""
        H, W = image_bgr.shape[:2]
        clip = _clip(roi, W, H)
        x0, y0, x1, y1 = clip
        w, h = x1 - x0, y1 - y0
        if w < 8 or h < 8:
            return []
        k = max(1, min(int(round(EDGE_PAD * min(w, h))), w - 1, h - 1))
        padded = cv2.copyMakeBorder(image_bgr[y0:y1, x0:x1], k, k, k, k, cv2.BORDER_REFLECT_101)
        ph, pw = padded.shape[:2]
        views = [(0, 0, pw, ph)] + _square_windows(0, 0, pw, ph)
        for vx, vy, vw, vh in views:
            side = max(vw, vh)
            oy, ox = (side - vh) // 2, (side - vw) // 2
            canvas, f = _compose(side, [(padded[vy : vy + vh, vx : vx + vw], ox, oy)])
            dx, dy = x0 - k + vx - ox, y0 - k + vy - oy  # canvas px / f + (dx, dy) = frame px
            faces = []
            for (bx, by, bw, bh), kps, score in self._detect_square(canvas):
                box = (bx / f + dx, by / f + dy, bw / f, bh / f)
                cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
                m = EDGE_KEEP * box[2]
                if not (x0 - m <= cx <= x1 + m and y0 - m <= cy <= y1 + m):
                    continue
                if score < SURE_SCORE and not self._far_confirms(
                        padded, (cx - x0 + k, cy - y0 + k), max(bw, bh) / f):
                    continue
                face = _to_frame(box, kps / f + np.array([dx, dy], np.float32), score, 0.0, 0.0, clip)
                if face is not None:
                    faces.append(face)
            if faces:
                return _suppress(faces, self.nms_iou)
        return []

    def _far_confirms(self, image: np.ndarray, center: tuple[float, float], size: float) -> bool:
        """Whether BlazeFace full-range finds a face centred within ``size`` / 2 of
        ``center`` (pixels of ``image``) in a square of ``CONFIRM_WINDOW`` times
        ``size`` around it; False without the full-range model."""
        far = self._far_detector
        if far is None:
            return False
        H, W = image.shape[:2]
        half = CONFIRM_WINDOW * size / 2
        ax0, ay0 = max(0, int(round(center[0] - half))), max(0, int(round(center[1] - half)))
        ax1, ay1 = min(W, int(round(center[0] + half))), min(H, int(round(center[1] + half)))
        if ax1 - ax0 < 8 or ay1 - ay0 < 8:
            return False
        crop = image[ay0:ay1, ax0:ax1]
        ch, cw = crop.shape[:2]
        side = max(ch, cw)
        oy, ox = (side - ch) // 2, (side - cw) // 2
        canvas, scale = _compose(side, [(crop, ox, oy)], FAR_INPUT_SIDE)
        for (bx, by, bw, bh), _kps, _score in self._detect_square(canvas, far):
            fx = (bx + bw / 2) / scale - ox + ax0
            fy = (by + bh / 2) / scale - oy + ay0
            if abs(fx - center[0]) <= size / 2 and abs(fy - center[1]) <= size / 2:
                return True
        return False

    def _find_far(self, image_bgr: np.ndarray, roi: BBox, known: Sequence[Face] = (),
                  windows: bool = True, views: Sequence[BBox] | None = None,
                  max_proposals: int | None = None) -> list[Face]:
        """Far faces: BlazeFace full-range proposes faces, on the region letterboxed
        into its 192 px input or, with ``windows`` and in a region longer than
        ``FAR_WINDOW_PX``, on a grid of overlapping square windows of the region
        instead (at most ``FAR_MAX_WINDOWS``), so that a face a few percent of the
        region's width is still ~13 px of the detector's input; ``views``, when given,
        are the windows instead, and ``max_proposals`` replaces ``FAR_MAX_PROPOSALS``. Each proposal not
        already among ``known`` is kept when
        short-range finds a face centred in it, scoring at least ``FAR_CONFIRM``, in a
        window ``FAR_WINDOW`` times the proposal's size (so short-range sees it at ~30%
        of its input, where it is reliable), and is not a small picture drawn on a flat
        UI panel (:func:`_on_flat_ui`: an avatar in a participants list, seen when the
        region is a whole screen). The confirmed short-range faces are returned (their
        keypoints are the better of the two)."""
        far = self._far_detector
        if far is None:
            if self._detector is None:
                raise RuntimeError("FaceFinder is closed")
            return []
        H, W = image_bgr.shape[:2]
        clip = _clip(roi, W, H)
        x0, y0, x1, y1 = clip
        if x1 - x0 < 8 or y1 - y0 < 8:
            return []
        proposals: list[Face] = []
        if views is None:
            views = _grid_windows(x0, y0, x1 - x0, y1 - y0) if windows else []
        views = list(views) or [(x0, y0, x1 - x0, y1 - y0)]
        for vx0, vy0, vw, vh in views:
            crop = image_bgr[vy0 : vy0 + vh, vx0 : vx0 + vw]
            side = max(vw, vh)
            oy, ox = (side - vh) // 2, (side - vw) // 2
            canvas, scale = _compose(side, [(crop, ox, oy)], FAR_INPUT_SIDE)
            for box, kps, score in self._detect_square(canvas, far):
                bx, by, bw, bh = (v / scale for v in box)
                proposals.append(Face(bbox=(bx + vx0 - ox, by + vy0 - oy, bw, bh), score=score,
                                      keypoints=np.zeros((6, 2), np.float32)))
        proposals = _suppress(proposals, self.nms_iou)[:max_proposals or FAR_MAX_PROPOSALS]
        found: list[Face] = []
        confirm = max(self.min_score, FAR_CONFIRM)
        for prop in proposals:
            px, py, pw, ph = prop.bbox
            cx, cy = px + pw / 2, py + ph / 2
            if not (x0 <= cx <= x1 and y0 <= cy <= y1):
                continue
            if any(_same_face(prop.bbox, k.bbox, self.nms_iou) for k in list(known) + found):
                continue
            s = max(FAR_MIN_WINDOW, FAR_WINDOW * max(pw, ph))
            wx0, wy0 = max(int(round(cx - s / 2)), x0), max(int(round(cy - s / 2)), y0)
            wx1, wy1 = min(int(round(cx + s / 2)), x1), min(int(round(cy + s / 2)), y1)
            for f in self._find_once(image_bgr, (wx0, wy0, wx1 - wx0, wy1 - wy0)):
                fx, fy = f.bbox[0] + f.bbox[2] / 2, f.bbox[1] + f.bbox[3] / 2
                if (px <= fx <= px + pw and py <= fy <= py + ph and f.score >= confirm
                        and not _on_flat_ui(image_bgr, f.bbox, clip)):
                    found.append(f)
        return _suppress(found, self.nms_iou)

    def _find_pair(self, image_bgr: np.ndarray, a: BBox, b: BBox) -> tuple[list[Face], list[Face]]:
        """Two regions stacked one above the other in one detector call."""
        H, W = image_bgr.shape[:2]
        ca, cb = _clip(a, W, H), _clip(b, W, H)
        (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = ca, cb
        wa, ha, wb, hb = ax1 - ax0, ay1 - ay0, bx1 - bx0, by1 - by0
        if min(wa, ha, wb, hb) < 8:
            return self._find_once(image_bgr, a), self._find_once(image_bgr, b)
        sep = max(4, max(ha, hb) // 16)  # a black band keeps the two scenes apart
        cw, ch = max(wa, wb), ha + sep + hb
        side = max(cw, ch)
        oy = (side - ch) // 2
        oxa, oxb = (side - wa) // 2, (side - wb) // 2
        obt = oy + ha + sep
        canvas, f = _compose(side, [(image_bgr[ay0:ay1, ax0:ax1], oxa, oy), (image_bgr[by0:by1, bx0:bx1], oxb, obt)])
        faces = [(tuple(v / f for v in box), kps / f, sc) for box, kps, sc in self._detect_square(canvas)]
        fa: list[Face] = []
        fb: list[Face] = []
        for box, kps, score in faces:
            cy = box[1] + box[3] / 2
            if cy < oy + ha + sep / 2:
                f = _to_frame(box, kps, score, ax0 - oxa, ay0 - oy, ca)
                if f is not None:
                    fa.append(f)
            else:
                f = _to_frame(box, kps, score, bx0 - oxb, by0 - obt, cb)
                if f is not None:
                    fb.append(f)
        fa.sort(key=lambda f: -f.score)
        fb.sort(key=lambda f: -f.score)
        return fa, fb

    def _detect_square(self, canvas: np.ndarray,
                       detector=None) -> list[tuple[tuple[float, float, float, float], np.ndarray, float]]:
        """BlazeFace (short-range, or ``detector``) on a square BGR canvas: (box,
        keypoints, score) in canvas pixels, best score first."""
        if self._detector is None:
            raise RuntimeError("FaceFinder is closed")
        detector = detector if detector is not None else self._detector
        if isinstance(detector, BlazeFace):
            return detector.detect([canvas])[0]
        return _detect_mediapipe(detector, canvas, self._lock)


def _detect_mediapipe(detector, canvas: np.ndarray,
                      lock: threading.Lock) -> list[tuple[tuple[float, float, float, float], np.ndarray, float]]:
    """MediaPipe's FaceDetector task on a square BGR canvas (the reference backend)."""
    scale = 1.0
    if canvas.shape[0] > 256:
        scale = canvas.shape[0] / 256.0
        canvas = cv2.resize(canvas, (256, 256), interpolation=cv2.INTER_AREA)
    rgb = cv2.cvtColor(canvas, cv2.COLOR_BGR2RGB)
    import mediapipe as mp

    # MediaPipe's LiteRT runner warns now and then that the input tensor is not aligned
    # (and absl that it logs before InitGoogle): held back, 13 us a call
    with lock, quiet_native_stderr():
        result = detector.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb))
    cs = canvas.shape[0] * scale
    out = []
    for d in result.detections:
        b = d.bounding_box
        box = (b.origin_x * scale, b.origin_y * scale, b.width * scale, b.height * scale)
        kps = np.array([[k.x * cs, k.y * cs] for k in d.keypoints], dtype=np.float32)
        if kps.shape == (6, 2):
            out.append((box, kps, float(min(1.0, max(0.0, d.categories[0].score)))))
    out.sort(key=lambda t: -t[2])
    return out


INPUT_SIDE = 128  # BlazeFace short-range's input
FAR_INPUT_SIDE = 192  # BlazeFace full-range's input
TRACK_WINDOW = 2.5
"""Side of :meth:`FaceFinder.find_again`'s window, in face sizes (the face ~25 px of a 64 px
quarter of the input)."""
TRACK_SHIFT = 0.6
"""How far, in face sizes, a face found again may lie from its last place (a window of
2.5 face sizes holds a face moved by up to ~0.75 of its size)."""
TRACK_SIZE = 1.5
"""Largest size ratio between a face found again and its last sighting."""
EDGE_PAD = 0.3
"""Mirror padding of the edge look, as a fraction of the region's short side. Swept on the
cut-face case (9 faces cut 0-60%, one padded view, score >= 0.5): mirror 0.15 found 7,
0.3 and 0.5 all 9; a constant border (black or the tile's mean colour) 6-8, a
replicated one 5-7. On 540 NimStim faces cut 0-60% in 370-950 px tiles, one view: 0.3
found 504, 0.5 466; with the padded region's square windows as well, 0.3 found 540."""
SURE_SCORE = 0.65
"""A face of the window or edge look scoring below this must be confirmed by the
full-range model (on a square of ``CONFIRM_WINDOW`` face sizes around it; for the edge
look, of the mirror-padded region). Measured: in a sweep of 540 faces cut 0-60% at the
left, right and top edges of 370-950 px tiles (NimStim portraits, faces 35% and 60% of
the tile height) the edge look scored 0.50-0.99 and every face below 0.65 was
confirmed; its five false faces (empty synthetic rooms, a Jitsi dialog) scored
0.52-0.58 and none was confirmed. The window look's real finds on the shared
screenshots scored 0.71-0.76; its false faces in 409 empty synthetic rooms 0.51-0.64,
five of six unconfirmed."""
CONFIRM_WINDOW = 3.0
"""Side of the full-range confirmation square, in face sizes."""
EDGE_KEEP = 0.25
"""A face of the edge look is kept when its centre is inside the region or outside by at
most this fraction of its width (a face cut at its midline is centred on the edge; the
mirror image of a face inside the region is centred outside by at least half its width)."""
FAR_WINDOW = 3.5
"""Side of the short-range confirmation window, in proposal box sizes."""
SUPPRESS_COVER = 0.6
"""Two boxes are one face when this share of the smaller lies inside the larger."""
FAR_CONFIRM = 0.75
"""Short-range score that confirms a full-range proposal (or ``min_score``, if higher).
Measured: the 18 far faces of the 28/36 px cases confirm at 0.93-0.98, faces in the shared
real screenshots mostly above 0.8; the two false proposals seen (a poster's lettering in a
4K Teams screenshot, an initials card) at 0.64 and 0.60."""
FAR_WINDOW_PX = 400
"""Side of the far-face look's windows over a larger region (a region this size or
smaller is seen whole): a 28 px face is then ~13 px or more of the full-range model's
192 px input. Measured on the 28 px case (620x349 tiles): the best full-range proposal
per tile scored 0.63-0.84 with the tile seen whole, 0.82-0.93 in 400 px windows; on
NimStim faces of 20-48 px in 370x208 to 1280x720 tiles of a plain room, 400 px windows
found 120 of 120 (640 px windows 113: 20 and 28 px faces lost in 950x535 tiles)."""
FAR_MAX_WINDOWS = 8
"""Most windows of the far-face look over one region (each ~4.5 ms); a larger region
gets larger windows."""
UI_RING_SHARE = 0.35
"""A far face whose surroundings are this much one exact colour is a picture on a UI
panel. Measured: the 18 far faces of the 28/36 px cases 0.10-0.24, far faces in the
shared real screenshots 0.00-0.22; a 20 px avatar in a Teams participants panel 0.48."""
FAR_MIN_WINDOW = 48
"""Smallest confirmation window, pixels."""
FAR_MAX_PROPOSALS = 16
"""Most full-range proposals confirmed per region (each costs one short-range call)."""
EVERYWHERE_MIN_FACE_DIV = 64.0
""":meth:`FaceFinder.find_everywhere` looks for faces down to the frame's long side / this
(30 px at 1920, 20 px at 1280, 60 px at 4K): the smallest faces in the shared real
screenshots' filmstrips and speaker-view strips are 1/40 to 1/70 of the frame (a
1200 px Zoom web page's strip: 17-34 px). Smaller faces are found per tile once a
layout is known (the far-face look)."""
EVERYWHERE_MIN_FACE_PX = 14
"""...and never below this (a smaller face has no expression to read)."""
EVERYWHERE_WINDOW = 16.0
"""Side of the frame-wide search's windows, in smallest faces: such a face is then 12 px of
full-range's 192 px input, the size the 28 px far-face case is found at (FAR_WINDOW_PX)."""
EVERYWHERE_SURE = 0.9
"""A face of the frame-wide first look scoring this or more needs no full-range
confirmation. Measured on the shared real screenshots: large live faces seen whole
0.93-0.97 (a 4K speaker 0.56, confirmed); the one false face (a whiteboard) 0.73,
unconfirmed."""
SECOND_LOOK = 0.75
"""Score a second look (:meth:`FaceFinder.confirm`) must reach to keep a face beside a
region's best one. Measured: people sharing a camera (cases/presence/multi_face_tiles.png)
0.92-0.95, synthetic pairs 0.84-0.96; a false 0.52 'face' beside the student in a real
one-person video (videos/fer_test.mp4, two frames) not found again (0.0)."""
EVERYWHERE_MAX_PROPOSALS = 64
"""Most full-range proposals confirmed in a frame-wide search (a 7x7 gallery has 49 faces)."""


def _compose(side: int, parts: list[tuple[np.ndarray, int, int]],
             input_side: int = INPUT_SIDE) -> tuple[np.ndarray, float]:
    """A black square canvas of ``side`` px holding each crop at its (x, y), built
    directly at the detector's input size (``input_side``, never enlarged): each crop
    is resampled into place, bilinear as MediaPipe's own preprocessing does (area
    resampling cost 10x more, 0.19 vs 0.02 ms a tile, for no measured gain in recall).
    Returns the canvas and its scale (canvas px per original px)."""
    f = min(1.0, input_side / side)
    n = max(1, int(round(side * f)))
    canvas = np.zeros((n, n, 3), np.uint8)
    for crop, x, y in parts:
        h, w = crop.shape[:2]
        tx, ty = int(round(x * f)), int(round(y * f))
        tw, th = min(n - tx, max(1, int(round(w * f)))), min(n - ty, max(1, int(round(h * f))))
        if tw <= 0 or th <= 0:
            continue
        if f < 1.0:
            canvas[ty : ty + th, tx : tx + tw] = cv2.resize(crop, (tw, th), interpolation=cv2.INTER_LINEAR)
        else:
            canvas[ty : ty + th, tx : tx + tw] = crop[:th, :tw]
    return canvas, f


def _clip(roi: BBox, W: int, H: int) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of a region clipped to the frame."""
    x, y, w, h = roi
    return max(0, int(x)), max(0, int(y)), min(W, int(x + w)), min(H, int(y + h))


def _to_frame(box, kps: np.ndarray, score: float, dx: float, dy: float, clip) -> Face | None:
    """A detection in canvas pixels moved to frame pixels (canvas + (dx, dy)), its box
    clipped to the searched region; None when almost nothing of it is inside."""
    x0, y0, x1, y1 = clip
    bx, by, bw, bh = box[0] + dx, box[1] + dy, box[2], box[3]
    cx0, cy0 = max(bx, x0), max(by, y0)
    cx1, cy1 = min(bx + bw, x1), min(by + bh, y1)
    if cx1 - cx0 < 2 or cy1 - cy0 < 2:
        return None
    return Face(bbox=(cx0, cy0, cx1 - cx0, cy1 - cy0), score=score, keypoints=kps + np.array([dx, dy], np.float32))


def _on_flat_ui(image: np.ndarray, box, clip) -> bool:
    """Whether the ring around ``box`` (one box size on each side, inside ``clip``
    (x0, y0, x1, y1)) is ``UI_RING_SHARE`` or more one exact colour: a picture drawn
    on an app's flat panel (an avatar), not a person in a camera's view (camera pixels
    always vary: noise, light, compression)."""
    x, y, w, h = box
    X0, Y0, X1, Y1 = clip
    ax0, ay0 = int(max(X0, x - w)), int(max(Y0, y - h))
    ax1, ay1 = int(min(X1, x + 2 * w)), int(min(Y1, y + 2 * h))
    if ax1 - ax0 < 2 or ay1 - ay0 < 2:
        return False
    ring = np.ones((ay1 - ay0, ax1 - ax0), bool)  # pixel (xx, yy) is in the box when x <= xx < x + w
    bx0, bx1 = (min(max(math.ceil(v) - ax0, 0), ax1 - ax0) for v in (x, x + w))
    by0, by1 = (min(max(math.ceil(v) - ay0, 0), ay1 - ay0) for v in (y, y + h))
    ring[by0:by1, bx0:bx1] = False
    px = image[ay0:ay1, ax0:ax1][ring]
    return len(px) > 0 and _top_colour_share(px) >= UI_RING_SHARE


def _pairable(a: BBox, b: BBox) -> bool:
    """Two wide regions of (nearly) one size: they stack into one square input."""
    return (
        a[2] >= 1.3 * a[3]
        and b[2] >= 1.3 * b[3]
        and abs(a[2] - b[2]) <= 0.1 * a[2]
        and abs(a[3] - b[3]) <= 0.1 * a[3]
    )


def _flat_card(image: np.ndarray, roi: BBox) -> bool:
    """Mostly one exact colour (a camera-off card): no face to zoom in on."""
    H, W = image.shape[:2]
    x0, y0, x1, y1 = _clip(roi, W, H)
    sub = image[y0:y1:4, x0:x1:4].reshape(-1, 3)
    return len(sub) == 0 or _top_colour_share(sub) >= 0.6


def _top_colour_share(pixels: np.ndarray) -> float:
    """The share of the most common exact colour among ``pixels`` (uint8 [N, 3], N > 0)."""
    px = pixels.astype(np.int32)
    keys = (px[:, 0] << 16) | (px[:, 1] << 8) | px[:, 2]
    return np.unique(keys, return_counts=True)[1].max() / len(keys)


def _square_windows(x: int, y: int, w: int, h: int, overlap: float = 0.35) -> list[BBox]:
    """Overlapping squares of side min(w, h) covering a region along its long side;
    empty when the region is already nearly square (a second look would see the same)."""
    side = min(w, h)
    long_side = max(w, h)
    if side < 16 or long_side < side * 1.25:
        return []
    n = int(np.ceil((long_side - side) / (side * (1 - overlap)))) + 1
    starts = np.linspace(0, long_side - side, n).round().astype(int)
    if w >= h:
        return [(x + int(s), y, side, side) for s in starts]
    return [(x, y + int(s), side, side) for s in starts]


def _grid_windows(x: int, y: int, w: int, h: int, overlap: float = 0.3, side: int = FAR_WINDOW_PX,
                  max_windows: int | None = FAR_MAX_WINDOWS) -> list[BBox]:
    """Overlapping square windows of ``side`` pixels (clipped to the region where it is
    thinner) in a grid over a region longer than ``side``, for the far-face look; empty
    for a smaller region. The side grows where it would take more than ``max_windows``
    windows (None: no limit)."""
    if max(w, h) <= side:
        return []
    side = max(16, int(side))
    while True:
        nx = 1 if w <= side else int(np.ceil((w - side) / (side * (1 - overlap)))) + 1
        ny = 1 if h <= side else int(np.ceil((h - side) / (side * (1 - overlap)))) + 1
        if max_windows is None or nx * ny <= max_windows:
            break
        side = int(side * 1.25)
    sw, sh = min(side, w), min(side, h)
    xs = np.linspace(0, w - sw, nx).round().astype(int)
    ys = np.linspace(0, h - sh, ny).round().astype(int)
    return [(x + int(i), y + int(j), sw, sh) for j in ys for i in xs]


def _suppress(faces: list[Face], max_iou: float, max_cover: float = SUPPRESS_COVER) -> list[Face]:
    """Non-maximum suppression across overlapping windows and looks: the best-scoring
    box wins over any box that is the same face (:func:`_same_face`)."""
    kept: list[Face] = []
    for f in sorted(faces, key=lambda f: -f.score):
        if not any(_same_face(f.bbox, k.bbox, max_iou, max_cover) for k in kept):
            kept.append(f)
    return kept


def _same_face(a: tuple, b: tuple, max_iou: float, max_cover: float = SUPPRESS_COVER) -> bool:
    """Two ``(x, y, w, h)`` boxes are one face: they overlap by more than ``max_iou``
    (intersection over union), or more than ``max_cover`` of the smaller lies inside the
    larger (one face seen whole and as a part, or with its mirror image at a tile edge;
    two people's faces never nest)."""
    return iou(a, b) >= max_iou or _cover(a, b) >= max_cover


def _cover(a: tuple, b: tuple) -> float:
    """Intersection of two ``(x, y, w, h)`` boxes over the area of the smaller one."""
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    small = min(a[2] * a[3], b[2] * b[3])
    return ix * iy / small if small > 0 else 0.0


def _close_tasks(tasks: list) -> None:
    """Close (and drop) the MediaPipe tasks in ``tasks``, keeping their chatter off the terminal."""
    while tasks:
        task = tasks.pop()
        with quiet_native_stderr():
            try:
                task.close()
            except RuntimeError:  # MediaPipe's dispatcher already shut down at exit
                pass
