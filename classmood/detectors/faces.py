"""Face finder: MediaPipe's BlazeFace short-range model, run per tile.

BlazeFace looks at a 128x128 picture of its input. On a whole 1080p gallery a face is
a few pixels of that picture and is missed, so we run it on each tile (and on any
region of interest), padded to a square so that the face keeps its proportions.
"""

from __future__ import annotations

import atexit
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
from ..types import BBox, Face, Tile

MODEL_FILE = "face_detection_short_range.tflite"


def default_model_path() -> Path:
    """The vendored BlazeFace short-range model (Apache-2.0, from mediapipe 0.10.21)."""
    return Path(str(resources.files("classmood.detectors").joinpath("assets").joinpath(MODEL_FILE)))


class FaceFinder:
    """Find faces (box, score, six keypoints) in a frame, a tile or a region.

    Use as a context manager, or call :meth:`close`, to free the native detector::

        with FaceFinder() as finder:
            faces = finder.find(frame, roi=tile.bbox)

    ``min_score`` is BlazeFace's detection threshold. Regions are letterboxed to a
    square before detection (``pad_to_square``), which is how BlazeFace was trained
    and is what keeps faces in wide tiles detectable.
    """

    def __init__(
        self,
        model_path: str | os.PathLike | None = None,
        min_score: float = 0.5,
        nms_iou: float = 0.3,
        pad_to_square: bool = True,
        zoom_retry: bool = True,
    ) -> None:
        if not 0.0 < min_score < 1.0:
            raise ValueError(f"min_score must be in (0, 1), got {min_score}")
        self.model_path = Path(model_path) if model_path is not None else default_model_path()
        self.min_score = float(min_score)
        self.nms_iou = float(nms_iou)
        self.pad_to_square = pad_to_square
        self.zoom_retry = zoom_retry
        self._lock = threading.Lock()
        self._detector = self._load()
        _LIVE.add(self)

    def _load(self):
        p = self.model_path
        if not p.is_file():
            raise ModelError(f"{p}: face model file not found; reinstall classmood")
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

                blank = np.zeros((128, 128, 3), np.uint8)
                detector.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=blank))
            return detector
        except Exception as exc:  # mediapipe raises RuntimeError/ValueError with C++ text
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelError(f"{p}: not a usable BlazeFace model ({first})") from None

    # -- lifetime ---------------------------------------------------------------------
    def close(self) -> None:
        det, self._detector = self._detector, None
        if det is not None:
            with quiet_native_stderr():
                det.close()

    def __enter__(self) -> "FaceFinder":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:  # best effort; explicit close() is preferred
        try:
            self.close()
        except Exception:
            pass

    # -- detection --------------------------------------------------------------------
    def find(self, image_bgr: np.ndarray, roi: BBox | None = None) -> list[Face]:
        """Faces in ``image_bgr`` (or only inside ``roi``), in full-frame pixels,
        sorted by score (best first).

        A wide region is letterboxed into BlazeFace's square input, which wastes up to
        half of its 128 pixels. When that first look finds nobody (a small or masked
        face), the region is searched again in overlapping square windows, each seen at
        full resolution (``zoom_retry``).
        """
        faces = self._find_once(image_bgr, roi)
        if faces or not self.zoom_retry:
            return faces
        H, W = image_bgr.shape[:2]
        x, y, w, h = roi if roi is not None else (0, 0, W, H)
        windows = _square_windows(x, y, w, h)
        if not windows:
            return faces
        found = [f for win in windows for f in self._find_once(image_bgr, win)]
        return _suppress(found, self.nms_iou)

    def _find_once(self, image_bgr: np.ndarray, roi: BBox | None) -> list[Face]:
        if self._detector is None:
            raise RuntimeError("FaceFinder is closed")
        H, W = image_bgr.shape[:2]
        if roi is None:
            x0, y0, x1, y1 = 0, 0, W, H
        else:
            x, y, w, h = roi
            x0, y0 = max(0, int(x)), max(0, int(y))
            x1, y1 = min(W, int(x + w)), min(H, int(y + h))
        if x1 - x0 < 8 or y1 - y0 < 8:
            return []
        crop = image_bgr[y0:y1, x0:x1]
        ch, cw = crop.shape[:2]
        side = max(ch, cw) if self.pad_to_square else None
        if side is not None and (ch != cw):
            # Letterbox to a square: the face keeps its aspect ratio in BlazeFace's input.
            canvas = np.zeros((side, side, 3), np.uint8)
            oy, ox = (side - ch) // 2, (side - cw) // 2
            canvas[oy : oy + ch, ox : ox + cw] = crop
        else:
            canvas, ox, oy = crop, 0, 0
        # BlazeFace sees 128x128; shrinking large inputs ourselves (INTER_AREA) is both
        # faster than MediaPipe's resampler on big arrays and less aliased.
        scale = 1.0
        if canvas.shape[0] > 256:
            scale = canvas.shape[0] / 256.0
            canvas = cv2.resize(canvas, (256, 256), interpolation=cv2.INTER_AREA)
        rgb = cv2.cvtColor(canvas, cv2.COLOR_BGR2RGB)
        import mediapipe as mp

        with self._lock:
            result = self._detector.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb))
        cs = canvas.shape[0]
        faces: list[Face] = []
        for d in result.detections:
            b = d.bounding_box
            bx = b.origin_x * scale - ox + x0
            by = b.origin_y * scale - oy + y0
            bw, bh = b.width * scale, b.height * scale
            # clip to the searched region
            cx0, cy0 = max(bx, x0), max(by, y0)
            cx1, cy1 = min(bx + bw, x1), min(by + bh, y1)
            if cx1 - cx0 < 2 or cy1 - cy0 < 2:
                continue
            kps = np.array(
                [[k.x * cs * scale - ox + x0, k.y * cs * scale - oy + y0] for k in d.keypoints],
                dtype=np.float32,
            )
            if kps.shape != (6, 2):
                continue
            score = float(min(1.0, max(0.0, d.categories[0].score)))
            faces.append(Face(bbox=(cx0, cy0, cx1 - cx0, cy1 - cy0), score=score, keypoints=kps))
        faces.sort(key=lambda f: -f.score)
        return faces

    def find_in_tiles(self, image_bgr: np.ndarray, tiles: Iterable[Tile]) -> list[list[Face]]:
        """Faces per tile, in the order of ``tiles``."""
        return [self.find(image_bgr, roi=t.bbox) for t in tiles]

    def find_in_rois(self, image_bgr: np.ndarray, rois: Sequence[BBox]) -> list[list[Face]]:
        return [self.find(image_bgr, roi=r) for r in rois]


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


def _iou(a, b) -> float:
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def _suppress(faces: list[Face], iou: float) -> list[Face]:
    """Non-maximum suppression across overlapping windows: the best-scoring box wins."""
    kept: list[Face] = []
    for f in sorted(faces, key=lambda f: -f.score):
        if all(_iou(f.bbox, k.bbox) < iou for k in kept):
            kept.append(f)
    return kept


_LIVE: "weakref.WeakSet[FaceFinder]" = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    # mediapipe's own __del__ fails noisily at interpreter shutdown; close first.
    for finder in list(_LIVE):
        try:
            finder.close()
        except Exception:
            pass
