"""BlazeFace run directly by LiteRT: MediaPipe's face detector without its graph.

MediaPipe's ``FaceDetector`` task wraps a ~1.1 ms BlazeFace inference in a calculator
graph that adds ~0.6 ms a call (image packet, a dispatch thread, tensor conversion,
projections): ~1.7-1.8 ms a call in all on this project's host. :class:`BlazeFace` runs
the same vendored ``.tflite`` with the LiteRT interpreter the expression model already
uses (~1.2-1.4 ms a call; batching canvases into one invocation was measured and is no
faster per canvas, see ``max_batch``: the face finder packs several tiles into one
canvas instead) and decodes the output as MediaPipe's graph does:

- input: a canvas letterboxed into the model's square (bilinear, corners mapped onto
  corners as ``ImageToTensorCalculator``'s OpenCV path does), RGB scaled to [-1, 1]
  (the models' metadata: mean 127.5, std 127.5);
- anchors: ``SsdAnchorsCalculator`` with the options of MediaPipe's face detection graphs
  (short-range: 128 px, strides 8/16/16/16, two anchors per cell, 896 in all;
  full-range: 192 px, stride 4, one anchor per cell, 2304 in all), fixed anchor size;
- decoding: ``TensorsToDetectionsCalculator`` (box centre and size over the input side,
  times the anchor; six keypoints; score = sigmoid of the logit clipped to +-100);
- suppression: ``NonMaxSuppressionCalculator``'s WEIGHTED algorithm (score-weighted mean
  of every box and keypoint overlapping the best one by more than ``nms_iou`` IoU).

``tests/detectors/test_blazeface.py`` checks it against MediaPipe's own task on the
shared real screenshots' tiles (same faces, boxes and keypoints within a pixel or two).
Sources: mediapipe/tasks/cc/vision/face_detector/face_detector_graph.cc,
mediapipe/modules/face_detection/face_detection.pbtxt (full range: face_detection_full_range.pbtxt),
mediapipe/calculators/tflite/ssd_anchors_calculator.cc,
mediapipe/calculators/tensor/tensors_to_detections_calculator.cc,
mediapipe/calculators/util/non_max_suppression_calculator.cc (Apache-2.0).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

from .._litert import open_interpreter
from ..errors import ModelError

NUM_KEYPOINTS = 6
SCORE_CLIP = 100.0
"""TensorsToDetectionsCalculator's score_clipping_thresh in MediaPipe's face graphs."""


@dataclass(frozen=True)
class AnchorSpec:
    """The SSD anchor layout of one BlazeFace model (``SsdAnchorsCalculatorOptions``).

    Attributes:
        input_side: the model's square input, pixels.
        strides: one stride per layer (pixels of the input per feature-map cell).
        anchors_per_layer: anchors per cell contributed by each layer (an aspect ratio of
            1 plus the interpolated scale gives 2; without the interpolated scale, 1).
    """

    input_side: int
    strides: tuple[int, ...]
    anchors_per_layer: int

    def anchor_centres(self) -> np.ndarray:
        """Anchor centres float32 ``[A, 2]`` (x, y) in units of the input side, in the
        order of the model's outputs: layers of one stride merged, then row, column, anchor."""
        out = []
        i = 0
        while i < len(self.strides):
            stride = self.strides[i]
            n = 0
            while i < len(self.strides) and self.strides[i] == stride:
                n += self.anchors_per_layer
                i += 1
            side = int(np.ceil(self.input_side / stride))
            ys, xs = np.meshgrid((np.arange(side) + 0.5) / side, (np.arange(side) + 0.5) / side, indexing="ij")
            centres = np.stack([xs.ravel(), ys.ravel()], axis=1)
            out.append(np.repeat(centres, n, axis=0))
        return np.concatenate(out).astype(np.float32)


SHORT_RANGE = AnchorSpec(input_side=128, strides=(8, 16, 16, 16), anchors_per_layer=2)
"""face_detection_short_range.tflite: 896 anchors."""
FULL_RANGE = AnchorSpec(input_side=192, strides=(4,), anchors_per_layer=1)
"""face_detection_full_range(_sparse).tflite: 2304 anchors."""


class BlazeFace:
    """One BlazeFace model (short- or full-range) run by LiteRT on square canvases.

    Args:
        model_path: the ``.tflite`` file (one of MediaPipe's BlazeFace face detectors).
        min_score: keep detections scoring at least this, in (0, 1).
        nms_iou: detections overlapping the best one by more than this IoU are merged
            into it (weighted by score).
        threads: LiteRT CPU threads.
        max_batch: most canvases in one invocation. 1 (one invocation per canvas) is
            the fastest measured on this project's host: 1.11 ms a canvas alone, 1.21 at
            batch 8, 1.37 at 16 (short-range, one thread), and a batch of another size
            re-allocates the interpreter's tensors (~0.1 ms).

    Raises:
        ModelError: the file is missing, not a model, or its outputs are not BlazeFace's
            (``[1, A, 16]`` boxes and ``[1, A, 1]`` scores for a known anchor layout).
    """

    def __init__(self, model_path: str | os.PathLike, min_score: float = 0.5, nms_iou: float = 0.3,
                 threads: int = 1, max_batch: int = 1) -> None:
        self.model_path = Path(model_path)
        self.min_score = float(min_score)
        self.nms_iou = float(nms_iou)
        self.max_batch = max(1, int(max_batch))
        self._lock = threading.Lock()
        self._interp = _open(self.model_path, threads)
        inp = self._interp.get_input_details()[0]
        self._inp = inp["index"]
        side = int(inp["shape"][1])
        spec = {s.input_side: s for s in (SHORT_RANGE, FULL_RANGE)}.get(side)
        outs = sorted(self._interp.get_output_details(), key=lambda d: -int(d["shape"][-1]))
        if spec is None or len(outs) != 2:
            raise ModelError(f"{self.model_path}: not a BlazeFace face detector (input side {side})")
        self.spec = spec
        self._anchors = spec.anchor_centres()
        if int(outs[0]["shape"][1]) != len(self._anchors) or int(outs[0]["shape"][2]) != 4 + 2 * NUM_KEYPOINTS:
            raise ModelError(f"{self.model_path}: outputs {list(outs[0]['shape'])} do not match BlazeFace's "
                             f"{len(self._anchors)} anchors")
        self._boxes, self._scores = outs[0]["index"], outs[1]["index"]
        self._batch = 1
        # minimum raw logit that can pass min_score (saves decoding 896 rows a canvas)
        self._min_logit = float(np.log(self.min_score / (1.0 - self.min_score)))

    @property
    def input_side(self) -> int:
        """The model's square input side, pixels (128 short-range, 192 full-range)."""
        return self.spec.input_side

    def detect(self, canvases: Sequence[np.ndarray]) -> list[list[tuple[tuple[float, float, float, float], np.ndarray, float]]]:
        """Faces on each square canvas.

        Args:
            canvases: BGR uint8 ``(h, w, 3)`` images, best square (any size: letterboxed
                into the model's input as MediaPipe does, resized bilinearly, or by area
                averaging when more than twice the input side).

        Returns:
            Per canvas, ``(box, keypoints, score)`` for each face: box ``(x, y, w, h)``
            and keypoints float32 ``[6, 2]`` (right eye, left eye, nose tip, mouth,
            right ear, left ear, as MediaPipe orders them) in that canvas's pixels,
            score in [0, 1]; best score first.

        Raises:
            ValueError: a canvas is not a BGR uint8 image.
            RuntimeError: the model is closed.
        """
        if not canvases:
            return []
        side = self.input_side
        x = np.zeros((len(canvases), side, side, 3), np.float32)
        places = []  # per canvas: (offset x, offset y, input px per canvas px), as letterboxed
        for i, c in enumerate(canvases):
            if c.ndim != 3 or c.shape[2] != 3 or c.dtype != np.uint8 or min(c.shape[:2]) < 1:
                raise ValueError(f"canvas {i} must be a BGR uint8 image, got {c.shape} {c.dtype}")
            h, w = c.shape[:2]
            f = side / max(h, w)
            if (h, w) != (side, side):
                rw, rh = max(1, min(side, int(round(w * f)))), max(1, min(side, int(round(h * f))))
                if f < 0.5:  # much larger: area-average (as the finder's MediaPipe path did above 256 px)
                    c = cv2.resize(c, (rw, rh), interpolation=cv2.INTER_AREA)
                else:  # MediaPipe's ImageToTensor: warpPerspective, corners onto corners, bilinear
                    c = cv2.warpAffine(c, np.array([[f, 0, 0], [0, f, 0]], np.float32), (rw, rh),
                                       flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            else:
                rw, rh = w, h
            ox, oy = (side - rw) // 2, (side - rh) // 2
            x[i, oy : oy + rh, ox : ox + rw] = c[:, :, ::-1]
            places.append((ox, oy, f))
        # letterbox borders are zero in MediaPipe's tensor (BORDER_ZERO), i.e. -1 after scaling
        x *= np.float32(1 / 127.5)
        x -= np.float32(1.0)
        boxes = np.empty((len(canvases), len(self._anchors), 4 + 2 * NUM_KEYPOINTS), np.float32)
        scores = np.empty((len(canvases), len(self._anchors)), np.float32)
        with self._lock:
            if self._interp is None:
                raise RuntimeError("BlazeFace is closed")
            for i in range(0, len(x), self.max_batch):
                chunk = x[i : i + self.max_batch]
                if len(chunk) != self._batch:
                    self._interp.resize_tensor_input(self._inp, [len(chunk), side, side, 3])
                    self._interp.allocate_tensors()
                    self._batch = len(chunk)
                self._interp.set_tensor(self._inp, chunk)
                # no stderr redirect here: invoking prints nothing (300 mixed calls with the
                # native log let through: not a line), and a redirect of the process-wide
                # fd 2 around every call swallowed other threads' messages
                self._interp.invoke()
                n = len(chunk)
                boxes[i : i + n] = self._interp.get_tensor(self._boxes).reshape(n, len(self._anchors), -1)
                scores[i : i + n] = self._interp.get_tensor(self._scores).reshape(n, len(self._anchors))
        return [self._decode(boxes[i], scores[i], places[i]) for i in range(len(canvases))]

    def _decode(self, raw: np.ndarray, logits: np.ndarray, place: tuple[int, int, float]):
        """One canvas's raw outputs -> weighted-NMS detections in that canvas's pixels
        (``place``: where the canvas lies in the input, and its scale)."""
        keep = np.flatnonzero(logits >= self._min_logit - 1e-4)
        if len(keep) == 0:
            return []
        side = float(self.input_side)
        score = 1.0 / (1.0 + np.exp(-np.clip(logits[keep], -SCORE_CLIP, SCORE_CLIP)))
        ok = score >= self.min_score
        keep, score = keep[ok], score[ok]
        if len(keep) == 0:
            return []
        r = raw[keep] / side  # units of the input side
        anchors = self._anchors[keep]
        cx, cy = r[:, 0] + anchors[:, 0], r[:, 1] + anchors[:, 1]
        w, h = r[:, 2], r[:, 3]
        rects = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)  # x0 y0 x1 y1
        kps = r[:, 4:].reshape(-1, NUM_KEYPOINTS, 2) + anchors[:, None, :]
        valid = (rects[:, 2] > rects[:, 0]) & (rects[:, 3] > rects[:, 1])
        rects, kps, score = rects[valid], kps[valid], score[valid]
        ox, oy, f = place
        dets = []
        for rect, kp, s in _weighted_nms(rects, kps, score, self.nms_iou):
            x0, x1 = ((float(v) * side - ox) / f for v in rect[0::2])
            y0, y1 = ((float(v) * side - oy) / f for v in rect[1::2])
            kp = (kp * side - np.array([ox, oy], np.float32)) / f
            dets.append(((x0, y0, x1 - x0, y1 - y0), kp.astype(np.float32), float(s)))
        return dets

    def close(self) -> None:
        """Free the interpreter (idempotent); :meth:`detect` raises afterwards."""
        self._interp = None


def _weighted_nms(rects: np.ndarray, kps: np.ndarray, scores: np.ndarray, max_iou: float):
    """MediaPipe's WEIGHTED non-maximum suppression: the best remaining detection takes
    every detection overlapping it by more than ``max_iou`` (itself included) and becomes
    their score-weighted mean box and keypoints, keeping its own score.

    Args:
        rects: float ``[N, 4]`` (x0, y0, x1, y1); kps: ``[N, K, 2]``; scores: ``[N]``.

    Yields:
        (rect ``[4]``, keypoints ``[K, 2]``, score) per kept detection, best first.
    """
    order = np.argsort(-scores, kind="stable")
    rects, kps, scores = rects[order], kps[order], scores[order]
    areas = (rects[:, 2] - rects[:, 0]) * (rects[:, 3] - rects[:, 1])
    remaining = np.arange(len(scores))
    while len(remaining):
        top = remaining[0]
        r = rects[remaining]
        ix = np.clip(np.minimum(r[:, 2], rects[top, 2]) - np.maximum(r[:, 0], rects[top, 0]), 0, None)
        iy = np.clip(np.minimum(r[:, 3], rects[top, 3]) - np.maximum(r[:, 1], rects[top, 1]), 0, None)
        inter = ix * iy
        union = areas[remaining] + areas[top] - inter
        sim = np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)
        group = remaining[sim > max_iou]
        if len(group) == 0:  # a degenerate top box: keep it alone
            group = np.array([top])
        wts = scores[group][:, None]
        total = float(wts.sum())
        yield ((rects[group] * wts).sum(0) / total, (kps[group] * wts[:, :, None]).sum(0) / total,
               float(scores[top]))
        rest = remaining[sim <= max_iou]
        if len(rest) == len(remaining):
            rest = rest[1:]
        remaining = rest


def _open(path: Path, threads: int):
    """A LiteRT interpreter of ``path``; ModelError when the file is missing or not a model."""
    if not path.is_file():
        raise ModelError(f"{path}: face model file not found; reinstall classmood")
    return open_interpreter(path, threads, "BlazeFace model")
