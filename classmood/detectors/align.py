"""Face alignment: rotate, scale and crop each detected face into FER2013's registration.

An expression model only works on faces framed the way its training faces were framed.
FER2013's 48x48 faces are centred, upright-ish and cropped forehead to chin; a webcam
face cropped from the detector's box is framed differently (looser, shifted, tilted) and
the model's accuracy collapses. This module maps every face into the training framing.

The framing is a similarity transform (rotation, one scale, shift) computed from
BlazeFace's keypoints and a handful of constants, :class:`Registration`. The default,
:data:`FER2013_REGISTRATION`, was *measured*: ``benchmarks/measure_registration.py`` runs
the face finder on upscaled FER2013 faces, maps the keypoints back into FER's 48x48
pixels and fits the constants so that re-cropping a FER face with this aligner
reproduces it. ``classmood/detectors/REGISTRATION.md`` has the method and the numbers.

Coordinates: :class:`~classmood.types.Face` keypoints are continuous pixel coordinates
(pixel ``i`` spans ``[i, i+1)``), as BlazeFace reports them. :meth:`FaceAligner.transform`
returns the 2x3 matrix in OpenCV's convention (pixel centres at integer coordinates) so
that it can be passed straight to ``cv2.warpAffine``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np

from ..types import Face

__all__ = ["Registration", "FER2013_REGISTRATION", "FaceAligner", "warp_gray"]


@dataclass(frozen=True)
class Registration:
    """Where a face lands in the aligned output, as fractions of the output side.

    The keypoint path: the midpoint between the eyes goes to ``eye_center`` and the face
    is turned so that the eye line is horizontal. The scale is a geometric blend of two
    estimates, one from the inter-ocular distance (``eye_distance``) and one from the
    eye-midpoint-to-mouth distance measured perpendicular to the eye line
    (``mouth_distance``), weighted by ``mouth_weight`` (0 = eyes only). A head turned
    sideways (yaw) shortens the eye distance but not the eye-mouth one, a nod (pitch) the
    reverse, so the blend is steadier than either alone. ``roll`` is how much of the
    measured eye-line tilt is undone (1 = fully upright).

    The box path, used when the keypoints are implausible (eyes nearly coincident, a
    mouth above the eyes...): the detector box's centre goes to ``box_center`` and its
    width becomes ``box_width`` of the output; no rotation.
    """

    eye_center: tuple[float, float] = (0.5, 0.4)
    """Output position of the midpoint between the eyes, (x, y) as a fraction of the side."""
    eye_distance: float = 0.4
    """Inter-ocular distance in the output, as a fraction of the side."""
    mouth_distance: float = 0.4
    """Eye-midpoint-to-mouth distance (perpendicular to the eye line) in the output, as a
    fraction of the side."""
    mouth_weight: float = 0.5
    """Weight of the eye-mouth scale estimate in the (log-domain) blend, in [0, 1]."""
    box_weight: float = 0.0
    """Weight of the detector-box scale estimate (``box_width``) in the same blend;
    ``mouth_weight + box_weight <= 1``, the eyes get the rest."""
    roll: float = 1.0
    """Fraction of the eye-line tilt that is undone, in [0, 1]."""
    box_center: tuple[float, float] = (0.5, 0.5)
    """Fallback: output position of the detector box's centre, as a fraction of the side."""
    box_width: float = 1.0
    """Fallback: width of the detector box in the output, as a fraction of the side."""

    def __post_init__(self) -> None:
        if not (self.eye_distance > 0 and self.mouth_distance > 0 and self.box_width > 0):
            raise ValueError(f"Registration: distances must be positive, got {self!r}")
        if not 0.0 <= self.mouth_weight <= 1.0:
            raise ValueError(f"Registration: mouth_weight must be in [0, 1], got {self.mouth_weight}")
        if not (0.0 <= self.box_weight <= 1.0 and self.mouth_weight + self.box_weight <= 1.0 + 1e-9):
            raise ValueError(
                f"Registration: box_weight must be in [0, 1 - mouth_weight], got {self.box_weight}"
            )
        if not 0.0 <= self.roll <= 1.0:
            raise ValueError(f"Registration: roll must be in [0, 1], got {self.roll}")


# Measured on FER2013 Training by benchmarks/measure_registration.py (2,916 detected faces;
# fitted on 400, minimising the re-crop MAE with roll fixed at 1); the fit, its evidence
# and how to re-run it are in classmood/detectors/REGISTRATION.md. The fit put no weight
# on the eye-mouth distance and 0.69 on the detector box width: FER's framing follows
# the overall face size (it was cut by a face detector) more than the eye spacing.
FER2013_REGISTRATION = Registration(
    eye_center=(0.504, 0.403),
    eye_distance=0.426,
    mouth_distance=0.447,
    mouth_weight=0.0,
    box_weight=0.807,
    roll=1.0,
    box_center=(0.498, 0.597),
    box_width=0.845,
)

# Keypoint sanity bounds, relative to the detector box width. BlazeFace on FER2013 gives
# eye distance / box width 0.36-0.48 and eye-mouth / box width 0.43-0.48 (5th-95th
# percentiles, REGISTRATION.md); far outside these the keypoints are noise and the box
# is safer.
_EYE_RATIO_RANGE = (0.12, 0.9)
_MOUTH_RATIO_RANGE = (0.08, 0.9)

# Downscaling by more than this factor is done first with INTER_AREA (a box filter that
# averages every source pixel) to _INTERMEDIATE_OVERSAMPLE times the output scale; the
# rotation and the last 2x are then bilinear. Bilinear alone aliases on big faces (MAE
# 6.0 vs a supersampled reference on 360 px studio faces); shrinking straight to the
# output scale and then rotating blurs twice (MAE 7.8 on FER's own pixels); 2x keeps
# both small (see REGISTRATION.md, "warp choices").
_PRESHRINK_ABOVE = 2.0
_INTERMEDIATE_OVERSAMPLE = 2.0


class FaceAligner:
    """Crop faces into a fixed registration (default: FER2013's, 48x48 grayscale).

    ``transform`` gives the frame-to-output affine matrix; ``align`` applies it. The
    output is luma (ITU-R BT.601, as FER2013 and ``cv2.COLOR_BGR2GRAY``), uint8; parts of
    the output that fall outside the frame repeat the frame's edge pixels, which is
    closer to FER2013's crops than a flat fill (see REGISTRATION.md).
    """

    def __init__(self, size: int = 48, registration: Registration = FER2013_REGISTRATION) -> None:
        if int(size) < 8:
            raise ValueError(f"FaceAligner: size must be >= 8, got {size}")
        self.size = int(size)
        self.registration = registration

    # -- geometry ---------------------------------------------------------------------
    def transform(self, face: Face) -> np.ndarray:
        """The 2x3 float64 affine matrix from frame pixels to output pixels (OpenCV
        convention: pixel centres at integer coordinates, ready for ``cv2.warpAffine``)."""
        A, center_frame, center_out = self._similarity(face)
        # continuous coords: out = A (p - center_frame) + center_out; OpenCV coords are the
        # continuous ones minus 0.5 on both sides.
        t = center_out - 0.5 - A @ (center_frame - 0.5)
        return np.hstack([A, t[:, None]])

    def uses_keypoints(self, face: Face) -> bool:
        """Whether the keypoints are plausible enough to align on (else the box is used)."""
        return self._eye_frame(face) is not None

    def _eye_frame(self, face: Face) -> tuple[np.ndarray, np.ndarray, float, float] | None:
        """(eye midpoint, unit eye-line direction, eye distance, eye-mouth distance), or
        None when the keypoints cannot be trusted. The eye-mouth distance is 0 when the
        mouth alone is implausible."""
        kp = face.keypoints
        # plain floats: this runs for every face of every frame
        (ax, ay), (bx, by), (mx, my) = ((float(kp[i][0]), float(kp[i][1])) for i in (0, 1, 3))
        if not all(math.isfinite(v) for v in (ax, ay, bx, by, mx, my, float(kp[2][0]), float(kp[2][1]))):
            return None
        box_w = float(face.bbox[2])
        vx, vy = bx - ax, by - ay
        d_eye = math.hypot(vx, vy)
        if not _EYE_RATIO_RANGE[0] * box_w <= d_eye <= _EYE_RATIO_RANGE[1] * box_w:
            return None
        ux, uy = vx / d_eye, vy / d_eye
        cx, cy = (ax + bx) / 2.0, (ay + by) / 2.0
        # the eye line turned +90 deg ("down" in image coords): (-uy, ux)
        d_mouth = (mx - cx) * -uy + (my - cy) * ux
        if d_mouth < 0:
            # Mouth on the other side of the eye line: the eye labels are swapped (a face
            # upside down or a mirrored labelling). Flip the direction, keep the geometry.
            ux, uy, d_mouth = -ux, -uy, -d_mouth
        if not _MOUTH_RATIO_RANGE[0] * box_w <= d_mouth <= _MOUTH_RATIO_RANGE[1] * box_w:
            d_mouth = 0.0
        return np.array([cx, cy]), np.array([ux, uy]), d_eye, d_mouth

    def _similarity(self, face: Face) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(2x2 rotation-scale, frame anchor, output anchor) in continuous coordinates."""
        reg, n = self.registration, float(self.size)
        frame = self._eye_frame(face)
        if frame is None:
            x, y, w, h = (float(v) for v in face.bbox)
            s = reg.box_width * n / w
            return (
                np.array([[s, 0.0], [0.0, s]]),
                np.array([x + w / 2.0, y + h / 2.0]),
                np.array(reg.box_center) * n,
            )
        mid, u, d_eye, d_mouth = frame
        # Log-domain blend of independent scale estimates (frame px -> output px).
        estimates = [(math.log(reg.eye_distance * n / d_eye), 1.0)]
        if d_mouth > 0:
            estimates.append((math.log(reg.mouth_distance * n / d_mouth), reg.mouth_weight))
        # BlazeFace's box shrinks as the head rolls (width ~ cos(roll): 0.96 at 15 deg,
        # 0.86 at 30 deg on studio portraits, REGISTRATION.md); undo that so the scale
        # stays rotation-invariant.
        box_w = float(face.bbox[2]) / max(abs(float(u[0])), 0.5)
        estimates.append((math.log(reg.box_width * n / box_w), reg.box_weight))
        rest = 1.0 - sum(w for _, w in estimates[1:])
        estimates[0] = (estimates[0][0], max(rest, 0.0))
        total = sum(w for _, w in estimates)
        s = math.exp(sum(v * w for v, w in estimates) / total)
        theta = -reg.roll * math.atan2(u[1], u[0])
        c, si = math.cos(theta), math.sin(theta)
        A = s * np.array([[c, -si], [si, c]])
        return A, mid, np.array(reg.eye_center) * n

    # -- pixels -----------------------------------------------------------------------
    def align(self, image_bgr: np.ndarray, face: Face) -> np.ndarray:
        """The face in the registration: uint8 grayscale of shape (size, size)."""
        return warp_gray(image_bgr, self.transform(face), self.size)

    def align_many(self, image_bgr: np.ndarray, faces: Sequence[Face]) -> np.ndarray:
        """All faces, stacked: uint8 of shape (N, size, size); (0, size, size) when empty."""
        out = np.empty((len(faces), self.size, self.size), np.uint8)
        for i, f in enumerate(faces):
            out[i] = self.align(image_bgr, f)
        return out


def _to_gray(region: np.ndarray) -> np.ndarray:
    if region.ndim == 2:
        return region
    if region.shape[2] == 4:
        return cv2.cvtColor(region, cv2.COLOR_BGRA2GRAY)
    if region.shape[2] == 1:
        return region[:, :, 0]
    return cv2.cvtColor(region, cv2.COLOR_BGR2GRAY)


def _source_window(M: np.ndarray, size: int, shape: tuple[int, int], margin: float) -> tuple[int, int, int, int]:
    """Integer window (x0, y0, x1, y1) of the frame that the output square reads from,
    widened by ``margin`` source pixels and clipped to the frame (never empty)."""
    # the inverse of the affine map, in plain floats (this runs once per face per frame)
    a, b, c = (float(v) for v in M[0])
    d, e, f = (float(v) for v in M[1])
    det = a * e - b * d
    ia, ib, id_, ie = e / det, -b / det, -d / det, a / det
    ic, if_ = -(ia * c + ib * f), -(id_ * c + ie * f)
    lo, hi = -0.5, size - 0.5
    xs = [ia * u + ib * v + ic for u in (lo, hi) for v in (lo, hi)]
    ys = [id_ * u + ie * v + if_ for u in (lo, hi) for v in (lo, hi)]
    h, w = shape
    x0 = int(math.floor(min(xs) - margin))
    y0 = int(math.floor(min(ys) - margin))
    x1 = int(math.ceil(max(xs) + margin)) + 1
    y1 = int(math.ceil(max(ys) + margin)) + 1
    # Clip, keeping at least one pixel so a face entirely off-frame replicates the edge.
    x0, x1 = min(max(x0, 0), w - 1), max(min(x1, w), 1)
    y0, y1 = min(max(y0, 0), h - 1), max(min(y1, h), 1)
    return x0, y0, max(x1, x0 + 1), max(y1, y0 + 1)


def warp_gray(
    image: np.ndarray,
    M: np.ndarray,
    size: int,
    preshrink_above: float = _PRESHRINK_ABOVE,
    oversample: float = _INTERMEDIATE_OVERSAMPLE,
    fill: str | float = "replicate",
) -> np.ndarray:
    """Warp ``image`` (BGR, BGRA or gray) with the frame-to-output matrix ``M`` into a
    uint8 grayscale square of side ``size``.

    Only the window the output reads from is converted to gray and resampled, so the
    cost does not grow with the frame. When the face is shrunk by more than
    ``preshrink_above`` the window is first reduced with INTER_AREA to the output's
    scale, so that every source pixel contributes (bilinear warping alone would skip
    most of them and alias); ``oversample`` > 1 keeps that intermediate a little larger.
    ``fill`` is what lies outside the frame: ``"replicate"`` (edge pixels), ``"mean"``
    (the window's mean grey) or a grey level.
    """
    M = np.asarray(M, dtype=np.float64)
    scale = math.sqrt(abs(M[0, 0] * M[1, 1] - M[0, 1] * M[1, 0]))  # sqrt |det| of the 2x2 part
    margin = 2.0 / max(scale, 1e-6)
    x0, y0, x1, y1 = _source_window(M, size, image.shape[:2], margin)
    region = _to_gray(image[y0:y1, x0:x1])
    M = M.copy()
    M[:, 2] += M[:, :2] @ np.array([x0, y0], dtype=np.float64)
    if fill == "replicate":
        border, value = cv2.BORDER_REPLICATE, 0.0
    elif fill == "mean":
        border, value = cv2.BORDER_CONSTANT, float(region.mean())
    else:
        border, value = cv2.BORDER_CONSTANT, float(fill)
    r = 1.0
    if scale > 0 and 1.0 / scale > preshrink_above:
        r = scale * oversample
    if r < 1.0:
        h, w = region.shape
        nw, nh = max(1, int(round(w * r))), max(1, int(round(h * r)))
        rx, ry = nw / w, nh / h
        region = cv2.resize(region, (nw, nh), interpolation=cv2.INTER_AREA)
        # resized coords p' relate to p by p = (p' + 0.5) / r - 0.5 (per axis)
        D = np.diag([1.0 / rx, 1.0 / ry])
        M[:, 2] += M[:, :2] @ np.array([0.5 / rx - 0.5, 0.5 / ry - 0.5])
        M[:, :2] = M[:, :2] @ D
    return cv2.warpAffine(
        region,
        M,
        (size, size),
        flags=cv2.INTER_LINEAR,
        borderMode=border,
        borderValue=value,
    )
