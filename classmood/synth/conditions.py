"""Harder copies of a face photo, for measuring the expression model and the face-quality
gate off FER2013 (issue 19): a dim room, a surgical mask, sunglasses, a face far from the
camera. Each condition maps a photo (BGR uint8) to a new photo, or None when the photo's
face cannot be found to place the mask or the glasses; masks and glasses are drawn from
BlazeFace's keypoints (eyes, nose tip, mouth, ear tragions), so they sit where a real one
would on a frontal face.

    from classmood.synth.conditions import CONDITIONS, apply_condition
    dim = apply_condition(photo, "dim20", finder)
"""

from __future__ import annotations

from typing import Callable

import cv2
import numpy as np

from ..detectors.faces import FaceFinder
from ..types import Face

__all__ = ["CONDITIONS", "apply_condition", "darken", "draw_mask", "draw_sunglasses", "shrink_face"]

CONDITIONS = ("dim40", "dim20", "mask", "sunglasses", "px24")
"""The conditions :func:`apply_condition` knows: the photo at 40% / 20% brightness, a
surgical mask drawn on, sunglasses drawn on, the face shrunk to 24 px wide."""


def darken(photo: np.ndarray, level: float) -> np.ndarray:
    """The photo at ``level`` (0..1) of its brightness: every pixel scaled, as a dim room
    and a webcam's fixed exposure give it. BGR uint8 in and out."""
    return np.clip(photo.astype(np.float32) * float(level), 0, 255).astype(np.uint8)


def _geometry(face: Face) -> tuple[np.ndarray, ...]:
    kp = np.asarray(face.keypoints, np.float32)
    eye_r, eye_l, nose, mouth, ear_r, ear_l = kp[:6]
    eyes = (eye_r + eye_l) / 2
    return eye_r, eye_l, eyes, nose, mouth, ear_r, ear_l


def draw_mask(photo: np.ndarray, face: Face, colour: tuple[int, int, int] = (228, 208, 186)) -> np.ndarray:
    """A pale blue surgical mask over the nose, mouth and chin of ``face`` (a BlazeFace
    face of ``photo``): from just below the eyes to under the chin, ear to ear, with three
    pleats, a soft shade and ear loops. BGR uint8 in and out."""
    out = photo.copy()
    eye_r, eye_l, eyes, nose, mouth, ear_r, ear_l = _geometry(face)
    down = mouth - eyes  # the face's vertical, eyes to mouth
    top = eyes + 0.42 * (nose - eyes)
    chin = mouth + 0.75 * down
    side_r = ear_r + 0.15 * (eyes - ear_r) + 0.35 * down
    side_l = ear_l + 0.15 * (eyes - ear_l) + 0.35 * down
    low_r = side_r + 0.25 * (chin - side_r) + 0.45 * down
    low_l = side_l + 0.25 * (chin - side_l) + 0.45 * down
    poly = np.array([side_r, top + 0.25 * (side_r - top), top, top + 0.25 * (side_l - top), side_l,
                     low_l, chin, low_r], np.float32)
    mask = np.zeros(photo.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(poly).astype(np.int32)], 255, lineType=cv2.LINE_AA)
    # a soft shade: darker towards the lower edge, as a fabric curving under the chin
    h = photo.shape[0]
    ys = np.arange(h, dtype=np.float32)[:, None]
    t = np.clip((ys - top[1]) / max(1.0, chin[1] - top[1]), 0, 1)
    shade = (1.0 - 0.18 * t)[..., None] * np.array(colour, np.float32)[None, None, :]
    fabric = np.broadcast_to(shade, photo.shape).astype(np.float32).copy()
    width = float(np.linalg.norm(side_l - side_r))
    for k in (0.3, 0.5, 0.7):  # pleats
        a = side_r + k * (low_r - side_r) * 0.9 + (top - side_r) * 0.1
        b = side_l + k * (low_l - side_l) * 0.9 + (top - side_l) * 0.1
        cv2.line(fabric, tuple(np.round(a).astype(int)), tuple(np.round(b).astype(int)),
                 tuple(float(c) * 0.82 for c in colour), max(1, int(round(width / 60))), cv2.LINE_AA)
    alpha = (mask.astype(np.float32) / 255.0)[..., None]
    out = (out.astype(np.float32) * (1 - alpha) + fabric * alpha).astype(np.uint8)
    for side, ear in ((side_r, ear_r), (side_l, ear_l)):  # ear loops
        cv2.line(out, tuple(np.round(side).astype(int)), tuple(np.round(ear).astype(int)), (240, 240, 240),
                 max(1, int(round(width / 90))), cv2.LINE_AA)
    return out


def draw_sunglasses(photo: np.ndarray, face: Face) -> np.ndarray:
    """Dark sunglasses over both eyes of ``face``: two lenses (ellipses 0.9 x 0.6 eye
    distances) and a bridge. BGR uint8 in and out."""
    out = photo.copy()
    eye_r, eye_l, *_ = _geometry(face)
    d = float(np.linalg.norm(eye_l - eye_r))
    angle = float(np.degrees(np.arctan2(*(eye_l - eye_r)[::-1])))
    axes = (max(1, int(round(0.45 * d))), max(1, int(round(0.3 * d))))
    for eye in (eye_r, eye_l):
        cv2.ellipse(out, tuple(np.round(eye).astype(int)), axes, angle, 0, 360, (28, 26, 24), -1, cv2.LINE_AA)
    cv2.line(out, tuple(np.round(eye_r).astype(int)), tuple(np.round(eye_l).astype(int)), (28, 26, 24),
             max(1, int(round(d / 12))), cv2.LINE_AA)
    return out


def shrink_face(photo: np.ndarray, face: Face, width_px: float) -> np.ndarray:
    """The photo scaled (area interpolation) so that ``face``'s detector box is
    ``width_px`` wide, as a student far from the camera or a small tile shows it; never
    enlarged. BGR uint8 in and out."""
    f = min(1.0, float(width_px) / max(1.0, float(face.bbox[2])))
    h, w = photo.shape[:2]
    return cv2.resize(photo, (max(1, int(round(w * f))), max(1, int(round(h * f)))), interpolation=cv2.INTER_AREA)


def apply_condition(photo: np.ndarray, condition: str, finder: FaceFinder) -> np.ndarray | None:
    """``photo`` (BGR uint8) under ``condition`` (one of :data:`CONDITIONS`); None when the
    condition needs the face (all but the dim ones) and ``finder`` finds none.

    Raises:
        ValueError: an unknown condition.
    """
    if condition not in CONDITIONS:
        raise ValueError(f"unknown condition {condition!r}; one of {', '.join(CONDITIONS)}")
    if condition.startswith("dim"):
        return darken(photo, int(condition[3:]) / 100.0)
    faces = finder.find(photo)
    if not faces:
        return None
    face = max(faces, key=lambda f: f.bbox[2] * f.bbox[3])
    draw: dict[str, Callable[[np.ndarray, Face], np.ndarray]] = {
        "mask": draw_mask, "sunglasses": draw_sunglasses,
        "px24": lambda p, f: shrink_face(p, f, 24.0)}
    return draw[condition](photo, face)
