"""Face quality: whether an expression can be read from a face at all, before any model.

A face too small, too dark, covered (a mask, a hand, sunglasses), blurred or turned away gives
the expression model an input unlike its training faces, and it answers with a confident
label all the same (a dim
room's faces read angry; a blurred face at 48 px is right 0.42 of the time, seven
classes). Such a face is *present* but *uncertain*: no label, no valence, no baseline
reading. A dim face that can still be read is marked ``dim``: its label is shown only
when the model is sure (:data:`DIM_CONFIDENCE`).

Every threshold below was measured with the bundled model as served (its per-face
photometric normalisation on) on faces it never trained on; the numbers are in each
constant's note. The measures need only the aligned 48x48 face
(:class:`~classmood.detectors.align.FaceAligner`) and the detector's keypoints, so they
cost microseconds per face.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np

from ..types import Face

__all__ = ["FaceQuality", "assess", "assess_many", "MIN_FACE_PX", "MIN_CONTRAST", "DIM_CONTRAST", "DIM_CONFIDENCE",
           "MIN_SHARPNESS", "MAX_YAW", "MIN_MOUTH_TEXTURE", "MIN_SMOOTH_MOUTH_TEXTURE", "MIN_EYE_DARK_SHARE",
           "MAX_EYE_FLATNESS", "TOO_SMALL", "TOO_DARK",
           "BLURRED", "TURNED_AWAY", "COVERED"]

TOO_SMALL, TOO_DARK, BLURRED, TURNED_AWAY, COVERED = "too small", "too dark", "blurred", "turned away", "covered"
"""Why a face cannot be read (:attr:`FaceQuality.reason`)."""

MIN_FACE_PX = 22.0
"""A face narrower than this (detector box, frame pixels) is too small to read. Measured on
FER2013 PublicTest (3,589 faces) with the bundled model, each face shrunk to the resolution a
face box of that width gives (BlazeFace's box on FER2013's own faces is 39.7 px:
REGISTRATION.md) and back: accuracy 0.671 at 40 px and more, 0.662 at 28, 0.636 at 24, 0.577
at 20, 0.462 at 16."""

MIN_CONTRAST = 6.0
"""An aligned face whose grey levels vary less than this (standard deviation, 0..255) is too
dark (or too flat) to read. Measured: the 110 NimStim photos darkened to 100%...5% of their
brightness with camera noise (sigma 2 grey levels) added, found and aligned as served:
accuracy 0.55 below 6 (271 faces), 0.76-0.78 at 6-12, 0.81-0.86 from 16 up; in full light
the aligned faces' contrast is 63 (median)."""

DIM_CONTRAST = 20.0
"""Below this contrast a face is ``dim``: readable, but the model is right less often
(0.74-0.86 at 6-20 against 0.85 in full light, same measurement as :data:`MIN_CONTRAST`)."""

DIM_CONFIDENCE = 0.6
"""A dim face's label is shown only at this smoothed confidence or more (else
``uncertain``): in the dim bins the labels given at 0.6 or more were right 0.83-0.91 of the
time, as often as all labels in full light (0.85)."""

MIN_SHARPNESS = 0.13
"""An aligned face whose mean absolute Laplacian, over its contrast, is under this is
blurred. Measured on PublicTest blurred with a Gaussian at the 48 px scale: sigma 0 (sharp)
median sharpness 0.635, accuracy 0.669; sigma 1.0: 0.195, 0.612; sigma 1.5: 0.120, 0.422;
sigma 2.0: 0.084, 0.288."""

MAX_YAW = 0.6
"""A face whose nose tip lies more than this many eye distances beside the midpoint of the
eyes (along the eye line) is turned away, or its nose is covered (a mask moves the nose
keypoint off the face: 1.49 on a masked student in galleries/real_test3.png). Measured on
PublicTest (BlazeFace on each face upscaled to 192 px; keypoints on 3,289): accuracy 0.713
under 0.065 (half the faces), 0.65-0.68 from 0.065 to 0.41, 0.525 at 0.41-0.59 (99 faces),
0.424 at 0.59-0.78 (33). Not lower: BlazeFace's nose keypoint wanders on real webcam faces
(a frontal, smiling student with her head tilted: 0.53)."""


MIN_MOUTH_TEXTURE = 0.3
"""A face whose mouth and chin show less than this share of the texture its eyes show
(mean absolute Laplacian, mouth band over eye band of the aligned face) is covered: a
mask or a hand over the mouth. Measured on the 224 faces of 22 px or more found in the
shared real screenshots (galleries/, galleries2/): the six masked students (galleries/
real_test*.png) 0.08-0.29; the other 218 median 0.86, three under 0.3 (a student seen
from below, 0.23; a blurred video, 0.29; a face cut by its tile's bottom edge, 0.03);
FER2013 PublicTest 0.5% under 0.3 (median 1.0); a drawn surgical mask on PublicTest
(``classmood evaluate --condition mask``) 67% under 0.3, whose labels were right 0.34 of
the time."""
MIN_SMOOTH_MOUTH_TEXTURE = 0.25
"""The same, on the face smoothed by a Gaussian of 1 px first (camera noise is texture
too: a flat mask seen through a webcam's noise read 0.38 median): under this is covered
as well. Measured: drawn masks on the 37 NimStim neutral faces as webcam tiles of a
1280x720 gallery, 6 covered without it, 21 with it; the same faces unmasked 0 with or
without; on the real screenshots and on PublicTest it adds none (0.5% either way)."""
MIN_EYE_DARK_SHARE = 0.9
"""Eyes covered (sunglasses): at least this share of the pixels around both eyes darker than
the darkest tenth of the cheeks, ...
Measured with :data:`MAX_EYE_FLATNESS` (both must hold) on faces as the product aligns them:
sunglasses drawn from the keypoints (``classmood evaluate --condition sunglasses``) are found
on 89.8% of FER2013 PublicTest's 3,589 faces and 70.9% of the 110 NimStim photos; none of
PublicTest's or NimStim's faces as they are, at 40% or 20% brightness or with a drawn mask,
and none of the 289 faces of 22 px or more found in the shared real screenshots (galleries/,
galleries2/, cases/: the closest, a blurred student with shadowed eyes seen from below,
0.86 and 0.21; three others at 0.91-1.0 have 0.32-0.46). Regular glasses are not covered."""
MAX_EYE_FLATNESS = 0.2
"""... and the grey levels around the eyes varying less than this share of the face's
contrast (a lens is flat: drawn ones 0.03 median on PublicTest, 0.15 on NimStim; faces 0.69
and 0.53, 1% under 0.32; real screenshots' faces 0.52 median, 1% under 0.19)."""
MIN_EYE_LENS_SHARE = 0.5
"""Eyes covered (sunglasses), the second test: in each eye's box at least this share of
*lens* pixels: darker than the darkest tenth of the cheeks, and locally flat (their 3x3
neighbourhood's standard deviation under :data:`LENS_FLATNESS` of the face's contrast: a
lens, not a pupil, lashes or a brow) or beside such a pixel (the lens's anti-aliased rim).
Either test makes the eyes covered. It catches small lenses and bands that leave skin in the
eye box (too much spread for :data:`MAX_EYE_FLATNESS`): a newcomer's small black ovals and
dark band over both eyes, read "neutral" 0.69-0.92 before (/tmp/newcomer24/occl.png and
occl_small.png: all 16 drawn glasses covered; the masks and the hand 0.0-0.19). Measured
with the product's finder and aligner: NimStim's 110 photos with drawn sunglasses 110
(70.9% before), with black lenses of 0.6 x 0.4 eye distances 110 (0.5 x 0.36: 18%); as
they are, at 40% and 20% brightness and with a drawn mask 0 (the highest 0.19, masked);
the 441 faces of 22 px or more in the shared real screenshots (galleries/, galleries2/,
cases/) 0 (the highest 0.29); FER2013 PublicTest's 3,589 faces as they are 4 (0.1%: one
wearing sunglasses, two pictures that are no face, one with dark eye make-up; two more
with sunglasses at 0.45-0.47), at 40% and 20% brightness 2 and 3; with drawn sunglasses
89.8%."""
LENS_FLATNESS = 0.06
"""The local spread (3x3 standard deviation over the face's contrast) under which a dark
pixel counts as lens for :data:`MIN_EYE_LENS_SHARE`."""
_EYE_BOXES = ((slice(0.33, 0.48), slice(0.22, 0.45)), (slice(0.33, 0.48), slice(0.55, 0.78)))
_CHEEK_BAND = (slice(0.55, 0.72), slice(0.22, 0.78))
"""Rows and columns (fractions of the side) around each eye, and of the cheeks and nose, in an
aligned face."""
_EYE_BAND = (slice(0.29, 0.52), slice(0.21, 0.79))
_MOUTH_BAND = (slice(0.71, 0.96), slice(0.29, 0.71))
"""Rows and columns (fractions of the side) of the eyes and of the mouth and chin in an
aligned face (FER2013's registration: eyes at 0.40, mouth at 0.85 of the height)."""


@dataclass(frozen=True)
class FaceQuality:
    """What one face offers an expression model.

    ``contrast`` and ``brightness``: standard deviation and mean of the aligned face's grey
    levels (0..255); ``sharpness``: mean absolute Laplacian over the contrast (unitless;
    sharp FER2013 faces 0.64 median); ``yaw``: the nose tip's offset from the eyes'
    midpoint along the eye line, in eye distances (signed; NaN without keypoints);
    ``width_px``: the detector box's width in frame pixels; ``mouth_texture``: the
    mouth band's texture over the eye band's (real faces 0.86 median). ``reason`` is why
    the face cannot be read (:data:`TOO_SMALL`, :data:`TOO_DARK`, :data:`COVERED`,
    :data:`TURNED_AWAY`, :data:`BLURRED`, checked in that order) or None; ``dim``:
    readable but dim (labels need :data:`DIM_CONFIDENCE`).
    """

    contrast: float
    brightness: float
    sharpness: float
    yaw: float
    width_px: float
    reason: str | None
    dim: bool
    mouth_texture: float = math.nan
    eye_dark_share: float = math.nan
    """The share of the pixels around both eyes darker than the darkest tenth of the cheeks
    (sunglasses: near 1; :data:`MIN_EYE_DARK_SHARE`)."""
    eye_flatness: float = math.nan
    """The grey levels' spread around the eyes over the face's contrast (a lens is flat:
    :data:`MAX_EYE_FLATNESS`)."""
    eye_lens_share: float = math.nan
    """The smaller of the two eyes' shares of dark, locally flat pixels (lens:
    :data:`MIN_EYE_LENS_SHARE`)."""

    @property
    def readable(self) -> bool:
        """Whether an expression may be read from the face."""
        return self.reason is None


def assess(aligned: np.ndarray | None, face: Face) -> FaceQuality:
    """The quality of one face (:func:`assess_many` of one).

    Args:
        aligned: the face aligned into the model's registration, uint8 grayscale
            ``[48, 48]`` (:meth:`~classmood.detectors.align.FaceAligner.align`); None for a
            face too small to have been aligned.
        face: the detected face (its box width and keypoints in frame pixels).

    Returns:
        The measures and the verdict; a face too small is judged on its size alone.

    Raises:
        ValueError: ``aligned`` is not a 2-D array.
    """
    if aligned is None:
        return FaceQuality(math.nan, math.nan, math.nan, float(_yaws([face])[0]), float(face.bbox[2]), TOO_SMALL, False)
    a = np.asarray(aligned)
    if a.ndim != 2:
        raise ValueError(f"aligned must be a 2-D grayscale face, got shape {a.shape}")
    return assess_many(a[None], [face])[0]


def assess_many(aligned: np.ndarray, faces: Sequence[Face]) -> list[FaceQuality]:
    """The quality of many faces at once (numpy over the batch: about 10 us a face).

    Args:
        aligned: the faces aligned into the model's registration, uint8 grayscale
            ``[N, S, S]`` (S >= 24), as :meth:`~classmood.detectors.align.FaceAligner.align_many`
            makes them.
        faces: the N detected faces (box widths and keypoints in frame pixels).

    Returns:
        One :class:`FaceQuality` per face, in order.

    Raises:
        ValueError: ``aligned`` is not ``[N, S, S]`` with N faces.
    """
    a = np.asarray(aligned)
    if a.ndim != 3 or len(a) != len(faces) or a.shape[1] < 24 or a.shape[2] < 24:
        raise ValueError(f"aligned must be [N, S, S] faces (S >= 24) for {len(faces)} faces, got shape {a.shape}")
    if len(a) == 0:
        return []
    x = a.astype(np.float32)
    contrast, brightness = x.std(axis=(1, 2)), x.mean(axis=(1, 2))
    lap = _laplacian(x)  # [N, S, S], 0 on the border
    n = a.shape[1]
    m = max(1, n // 12)  # the border rows and columns hold the crop's edge, not the face
    sharpness = lap[:, m:-m, m:-m].mean(axis=(1, 2)) / np.maximum(contrast, 4.0)
    mouth = _mouth_texture(lap, a.shape[1:])
    smooth = _mouth_texture(_laplacian(_gaussian(x)), a.shape[1:])
    eye_dark, eye_flat, eye_lens = _eyes_covered(x, contrast)
    out = []
    yaws = _yaws(faces)
    for k, face in enumerate(faces):
        width, yaw = float(face.bbox[2]), float(yaws[k])
        c = float(contrast[k])
        if width < MIN_FACE_PX:
            reason = TOO_SMALL
        elif c < MIN_CONTRAST:
            reason = TOO_DARK
        elif mouth[k] < MIN_MOUTH_TEXTURE or smooth[k] < MIN_SMOOTH_MOUTH_TEXTURE:
            reason = COVERED
        elif ((eye_dark[k] >= MIN_EYE_DARK_SHARE and eye_flat[k] < MAX_EYE_FLATNESS)
              or eye_lens[k] >= MIN_EYE_LENS_SHARE):
            reason = COVERED  # the eyes: sunglasses
        elif abs(yaw) > MAX_YAW:
            reason = TURNED_AWAY
        elif sharpness[k] < MIN_SHARPNESS:
            reason = BLURRED
        else:
            reason = None
        out.append(FaceQuality(c, float(brightness[k]), float(sharpness[k]), yaw, width, reason,
                               reason is None and c < DIM_CONTRAST, float(mouth[k]), float(eye_dark[k]),
                               float(eye_flat[k]), float(eye_lens[k])))
    return out


def _laplacian(x: np.ndarray) -> np.ndarray:
    """|4-neighbour Laplacian| of each image of ``x`` [N, H, W] (OpenCV's ``ksize=1``
    kernel inside the image; 0 on its one-pixel border, which no measure reads)."""
    n, h, w = x.shape
    out = np.abs(cv2.filter2D(np.ascontiguousarray(x).reshape(n * h, w), cv2.CV_32F, _LAPLACE)).reshape(n, h, w)
    out[:, 0], out[:, -1], out[:, :, 0], out[:, :, -1] = 0, 0, 0, 0  # (the rows beside the next face's)
    return out


_LAPLACE = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], np.float32)


_GAUSS = cv2.getGaussianKernel(9, 1.0).ravel().astype(np.float32)
"""OpenCV's Gaussian of sigma 1 for float images (9 taps)."""


def _gaussian(x: np.ndarray) -> np.ndarray:
    """Each image of ``x`` [N, H, W] smoothed by a Gaussian of sigma 1 px, its border
    reflected as OpenCV's ``GaussianBlur`` does (BORDER_REFLECT_101)."""
    r = len(_GAUSS) // 2
    n, h, w = x.shape
    p = np.pad(x, ((0, 0), (r, r), (r, r)), mode="reflect")  # each face's own border
    tall = cv2.sepFilter2D(p.reshape(n * (h + 2 * r), w + 2 * r), cv2.CV_32F, _GAUSS, _GAUSS)
    return tall.reshape(n, h + 2 * r, w + 2 * r)[:, r:r + h, r:r + w]


def _mouth_texture(lap: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Per face of ``lap`` [N, H, W]: the mouth band's mean absolute Laplacian over the
    eye band's."""
    eyes, mouth = (lap[:, _band(rows, shape[0]), _band(cols, shape[1])].mean(axis=(1, 2))
                   for rows, cols in (_EYE_BAND, _MOUTH_BAND))
    return mouth / np.maximum(eyes, 1e-3)


def _eyes_covered(x: np.ndarray, contrast: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per face of ``x`` [N, S, S] (float grey levels): the share of the pixels around both
    eyes darker than the cheeks' 10th percentile, their spread (the two eyes' mean
    standard deviation) over the face's contrast (floored at 4 grey levels), and the smaller
    of the two eyes' shares of lens pixels: that dark, and locally flat or beside a dark,
    locally flat one (:data:`MIN_EYE_LENS_SHARE`); float [N] each."""
    n = x.shape[1]
    c = np.maximum(contrast, 4.0)
    cheeks = x[:, _band(_CHEEK_BAND[0], n), _band(_CHEEK_BAND[1], n)].reshape(len(x), -1)
    low = np.percentile(cheeks, 10, axis=1)[:, None]
    dark_px = x < low[:, :, None]
    # a lens: dark pixels with a dark, locally flat one beside them (its anti-aliased rim too)
    lens_px = dark_px & _dilate(dark_px & (_local_std(x) < LENS_FLATNESS * c[:, None, None]))
    boxes = [(_band(r, n), _band(cc, n)) for r, cc in _EYE_BOXES]
    eyes = [x[:, r, cc].reshape(len(x), -1) for r, cc in boxes]
    dark = sum((e < low).mean(axis=1) for e in eyes) / len(eyes)
    flat = sum(e.std(axis=1) for e in eyes) / len(eyes) / c
    lens = np.minimum.reduce([lens_px[:, r, cc].reshape(len(x), -1).mean(axis=1) for r, cc in boxes])
    return dark, flat, lens


def _dilate(m: np.ndarray) -> np.ndarray:
    """Each mask of ``m`` [N, H, W] (bool) grown by one pixel (3x3); bool [N, H, W]."""
    p = np.pad(m, ((0, 0), (1, 1), (1, 1)))
    h, w = m.shape[1:]
    out = np.zeros(m.shape, bool)
    for dy in range(3):
        for dx in range(3):
            out |= p[:, dy:dy + h, dx:dx + w]
    return out


def _local_std(x: np.ndarray) -> np.ndarray:
    """The standard deviation of each pixel's 3x3 neighbourhood (edges replicated), of
    each image of ``x`` [N, H, W] (float); float32 [N, H, W]."""
    p = np.pad(x.astype(np.float32), ((0, 0), (1, 1), (1, 1)), mode="edge")
    h, w = x.shape[1:]
    s = np.zeros(x.shape, np.float32)
    s2 = np.zeros(x.shape, np.float32)
    for dy in range(3):
        for dx in range(3):
            v = p[:, dy:dy + h, dx:dx + w]
            s += v
            s2 += v * v
    m = s / 9.0
    return np.sqrt(np.maximum(s2 / 9.0 - m * m, 0.0))


def _band(s: slice, n: int) -> slice:
    """A band given in fractions of ``n`` as pixel indices."""
    return slice(int(round(s.start * n)), int(round(s.stop * n)))


def _yaws(faces: Sequence[Face]) -> np.ndarray:
    """Per face, float64 [N]: the nose tip's offset from the eyes' midpoint along the eye
    line, in eye distances (BlazeFace keypoints 0, 1: the eyes; 2: the nose tip); NaN when
    the eyes coincide or a keypoint is missing."""
    kp = np.array([np.asarray(f.keypoints, np.float64)[:3] if len(f.keypoints) >= 3 else np.full((3, 2), np.nan)
                   for f in faces]).reshape(len(faces), 3, 2)
    a, b, nose = kp[:, 0], kp[:, 1], kp[:, 2]
    d = np.hypot(*(b - a).T)
    with np.errstate(invalid="ignore", divide="ignore"):
        yaw = ((nose - (a + b) / 2) * (b - a)).sum(axis=1) / (d * d)
    return np.where(d < 1e-6, np.nan, yaw)


