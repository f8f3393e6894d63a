"""Face alignment into FER2013's registration (classmood/detectors/align.py).

Geometry is checked exactly on synthetic keypoints; the registration itself is checked
on real FER2013 faces (re-cropping reproduces them) and on a studio portrait (rotating,
scaling or moving the frame leaves the aligned face unchanged). Data-driven tests skip
when ../shared/data is absent.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from classmood.detectors.align import FER2013_REGISTRATION, FaceAligner, Registration, warp_gray
from classmood.types import Face

# -- helpers ------------------------------------------------------------------------------


def make_face(
    center=(100.0, 100.0), eye_dist=40.0, angle_deg=0.0, mouth_ratio=1.07, box_ratio=2.35
) -> Face:
    """A plausible face: eyes ``eye_dist`` apart, mouth below (in the face's frame), box
    sized as BlazeFace's is on FER2013 (eye distance / box width ~0.43)."""
    a = math.radians(angle_deg)
    u = np.array([math.cos(a), math.sin(a)])
    down = np.array([-u[1], u[0]])
    c = np.asarray(center, float)
    re, le = c - u * eye_dist / 2, c + u * eye_dist / 2
    mouth = c + down * eye_dist * mouth_ratio
    nose = c + down * eye_dist * 0.55
    kp = np.array([re, le, nose, mouth, c - u * eye_dist, c + u * eye_dist], np.float32)
    w = eye_dist * box_ratio
    return Face(bbox=(c[0] - w / 2, c[1] - w * 0.3, w, w), score=0.9, keypoints=kp)


def to_output(M: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Map continuous frame points through an OpenCV-convention matrix to continuous
    output points."""
    p = np.asarray(pts, float) - 0.5
    return p @ M[:, :2].T + M[:, 2] + 0.5


def corr(a: np.ndarray, b: np.ndarray) -> float:
    a = a.astype(float).ravel() - a.mean()
    b = b.astype(float).ravel() - b.mean()
    return float(a @ b / math.sqrt((a @ a) * (b @ b)))


@pytest.fixture(scope="module")
def finder():
    from classmood.detectors.faces import FaceFinder

    with FaceFinder() as f:
        yield f


# -- geometry, exact ---------------------------------------------------------------------


@pytest.mark.parametrize("angle", [-40.0, -15.0, 0.0, 15.0, 40.0])
def test_eyes_land_on_the_registration(angle: float) -> None:
    al = FaceAligner()
    f = make_face(angle_deg=angle)
    M = al.transform(f)
    out = to_output(M, f.keypoints[:2])
    mid = out.mean(axis=0)
    np.testing.assert_allclose(mid, np.array(FER2013_REGISTRATION.eye_center) * 48, atol=1e-6)
    # eye line horizontal, subject's right eye on the image's left
    assert abs(out[0, 1] - out[1, 1]) < 1e-6 and out[0, 0] < out[1, 0]


def test_transform_is_equivariant_to_rotation_scale_and_shift() -> None:
    """Moving the face by any similarity moves the transform with it: M' = M o S^-1."""
    al = FaceAligner()
    base = make_face(center=(120, 90), eye_dist=30)
    S = cv2.getRotationMatrix2D((80.0, 60.0), 23.0, 1.7)
    S[:, 2] += (15.0, -7.0)
    kp = to_output(S, base.keypoints)
    x, y, w, h = base.bbox
    c23 = math.cos(math.radians(23.0))  # BlazeFace's box narrows by cos(roll); modelled
    moved = Face(bbox=(x, y, w * 1.7 * c23, h * 1.7 * c23), score=0.9, keypoints=kp)
    M0, M1 = al.transform(base), al.transform(moved)
    S3 = np.vstack([S, [0, 0, 1]])
    np.testing.assert_allclose(np.vstack([M1, [0, 0, 1]]) @ S3, np.vstack([M0, [0, 0, 1]]), atol=1e-5)


def test_swapped_eye_labels_still_give_an_upright_face() -> None:
    al = FaceAligner()
    f = make_face(angle_deg=10)
    kp = f.keypoints.copy()
    kp[[0, 1]] = kp[[1, 0]]
    swapped = Face(bbox=f.bbox, score=f.score, keypoints=kp)
    np.testing.assert_allclose(al.transform(swapped), al.transform(f), atol=1e-9)


def test_degenerate_eyes_fall_back_to_the_box() -> None:
    al = FaceAligner()
    f = make_face()
    kp = f.keypoints.copy()
    kp[1] = kp[0] + 0.5  # eyes nearly coincident
    bad = Face(bbox=f.bbox, score=f.score, keypoints=kp)
    assert al.uses_keypoints(f) and not al.uses_keypoints(bad)
    M = al.transform(bad)
    x, y, w, h = bad.bbox
    np.testing.assert_allclose(M[0, 1], 0.0, atol=1e-12)  # no rotation guessed
    c = to_output(M, np.array([[x + w / 2, y + h / 2]]))[0]
    np.testing.assert_allclose(c, np.array(FER2013_REGISTRATION.box_center) * 48, atol=1e-6)
    assert M[0, 0] == pytest.approx(FER2013_REGISTRATION.box_width * 48 / w)
    nan_face = Face(bbox=f.bbox, score=f.score, keypoints=np.full((6, 2), np.nan, np.float32))
    assert not al.uses_keypoints(nan_face)
    assert al.align(np.full((200, 200, 3), 90, np.uint8), nan_face).shape == (48, 48)


def test_registration_validates_its_fields() -> None:
    with pytest.raises(ValueError):
        Registration(eye_distance=0.0)
    with pytest.raises(ValueError):
        Registration(mouth_weight=0.7, box_weight=0.5)
    with pytest.raises(ValueError):
        Registration(roll=1.5)
    with pytest.raises(ValueError):
        FaceAligner(size=4)


# -- pixels -------------------------------------------------------------------------------


def test_output_dtype_shape_and_luma() -> None:
    img = np.zeros((240, 320, 3), np.uint8)
    img[:] = (255, 0, 0)  # pure blue, BGR
    f = make_face(center=(160, 110))
    out = FaceAligner().align(img, f)
    assert out.dtype == np.uint8 and out.shape == (48, 48)
    assert int(out[24, 24]) == int(cv2.cvtColor(img[:1, :1], cv2.COLOR_BGR2GRAY)[0, 0])  # BT.601 luma
    assert FaceAligner(size=64).align(img, f).shape == (64, 64)
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    np.testing.assert_array_equal(FaceAligner().align(gray, f), out)


def test_align_many_and_empty() -> None:
    img = np.random.default_rng(0).integers(0, 255, (200, 300, 3), dtype=np.uint8)
    al = FaceAligner()
    empty = al.align_many(img, [])
    assert empty.shape == (0, 48, 48) and empty.dtype == np.uint8
    faces = [make_face(center=(80, 80)), make_face(center=(200, 90), angle_deg=20)]
    many = al.align_many(img, faces)
    assert many.shape == (2, 48, 48) and many.dtype == np.uint8
    np.testing.assert_array_equal(many[1], al.align(img, faces[1]))


def test_face_at_the_frame_edge_repeats_the_edge() -> None:
    img = np.full((200, 200, 3), 200, np.uint8)
    img[:, :100] = 50
    f = make_face(center=(5, 100), eye_dist=40)  # half the crop lies left of the frame
    out = FaceAligner().align(img, f)
    assert out.shape == (48, 48)
    assert np.all(out[:, :8] == 50)  # replicated edge, not a black or grey band
    far = make_face(center=(-500, -500), eye_dist=40)  # entirely outside: still defined
    assert FaceAligner().align(img, far).shape == (48, 48)


def test_tiny_face_is_upsampled_smoothly() -> None:
    rng = np.random.default_rng(1)
    img = cv2.resize(rng.integers(0, 255, (12, 12), dtype=np.uint8), (120, 120), interpolation=cv2.INTER_CUBIC)
    f = make_face(center=(60, 55), eye_dist=4.0)  # a ~10 px face
    out = FaceAligner().align(img, f)
    assert out.shape == (48, 48)
    # upsampled by ~4x with bilinear: neighbouring output pixels differ little
    assert np.abs(np.diff(out.astype(int), axis=1)).mean() < 10


def test_big_face_is_area_filtered_not_aliased() -> None:
    """A fine stripe pattern shrunk 10x must come out as flat grey (its average), as a
    camera would see it; bilinear sampling alone would alias it into bands."""
    stripes = np.zeros((1200, 1200), np.uint8)
    stripes[:, ::2] = 255
    f = make_face(center=(600, 560), eye_dist=180)
    M = FaceAligner().transform(f)
    good = warp_gray(stripes, M, 48)
    bad = warp_gray(stripes, M, 48, preshrink_above=math.inf)
    assert abs(float(good.mean()) - 127.5) < 3 and good.std() < 8
    assert bad.std() > 5 * good.std()


# -- the registration, on real faces -------------------------------------------------------

# Measured (benchmarks/measure_registration.py, REGISTRATION.md): on all of FER2013
# PublicTest the re-cropped faces correlate with the originals at 0.53 on average with
# the keypoint aligner vs 0.40 for the detector's box, whereas an unrelated FER face
# correlates at 0.09. FER's own framing varies (tilt std ~14 deg, scale std ~20%), which
# caps the per-image agreement. On this fixed 80-face sample (78 detected) the mean is
# 0.535 with a per-image std of 0.24, i.e. a standard error of ~0.03; the threshold sits
# ~3 standard errors below, and the box crop (0.36 here) is well under it.
FER_SAMPLE = 80
FER_MIN_MEAN_CORR = 0.45


def _fer_frame(g: np.ndarray) -> tuple[np.ndarray, int]:
    up = cv2.resize(g, (192, 192), interpolation=cv2.INTER_CUBIC)
    up = cv2.copyMakeBorder(up, 96, 96, 96, 96, cv2.BORDER_CONSTANT, value=128)
    return cv2.cvtColor(up, cv2.COLOR_GRAY2BGR), 96


def test_recropping_fer_faces_reproduces_them(fer_dir, finder) -> None:
    images = np.load(fer_dir / "fer2013_publictest.npz")["images"][:FER_SAMPLE]
    al = FaceAligner()
    naive = FaceAligner(registration=Registration(box_center=(0.5, 0.5), box_width=1.0))
    ours, base = [], []
    for g in images:
        frame, _ = _fer_frame(g)
        faces = finder.find(frame)
        if not faces:
            continue
        f = faces[0]
        assert al.uses_keypoints(f)
        ours.append(corr(al.align(frame, f), g))
        box_face = Face(bbox=f.bbox, score=f.score, keypoints=np.zeros((6, 2), np.float32))
        base.append(corr(naive.align(frame, box_face), g))
    assert len(ours) >= 0.9 * FER_SAMPLE
    assert np.mean(ours) > FER_MIN_MEAN_CORR
    assert np.mean(ours) > np.mean(base) + 0.05  # better than cropping the detector box


@pytest.fixture(scope="module")
def portrait(faces_dir) -> np.ndarray:
    img = cv2.imread(str(faces_dir / "nimstim" / "neutral" / "01F_NE_C.jpg"))
    assert img is not None
    return cv2.copyMakeBorder(img, 150, 150, 150, 150, cv2.BORDER_CONSTANT, value=(128, 128, 128))


@pytest.mark.parametrize(
    "angle,scale,shift",
    [(15.0, 1.0, (0, 0)), (-15.0, 1.0, (0, 0)), (0.0, 0.6, (40, -30)), (10.0, 0.8, (-60, 25))],
)
def test_aligned_face_is_invariant_to_frame_similarity(portrait, finder, angle, scale, shift) -> None:
    al = FaceAligner()
    ref_faces = finder.find(portrait)
    assert ref_faces
    ref = al.align(portrait, ref_faces[0])
    h, w = portrait.shape[:2]
    S = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
    S[:, 2] += shift
    moved = cv2.warpAffine(portrait, S, (w, h), flags=cv2.INTER_CUBIC, borderValue=(128, 128, 128))
    faces = finder.find(moved)
    assert faces
    out = al.align(moved, faces[0])
    # BlazeFace's keypoints jitter by 5-15% of the eye distance when the same face is
    # re-rendered rotated or rescaled; on six studio portraits this gave correlations
    # 0.75-0.99 (median ~0.93, 0.88-0.94 on this one) against the unmoved crop.
    assert corr(out, ref) > 0.85
    # a plain crop of the detector box is not invariant under rotation
    if angle:
        naive = FaceAligner(registration=Registration(box_center=(0.5, 0.5), box_width=1.0))
        box = Face(bbox=faces[0].bbox, score=0.9, keypoints=np.zeros((6, 2), np.float32))
        box0 = Face(bbox=ref_faces[0].bbox, score=0.9, keypoints=np.zeros((6, 2), np.float32))
        assert corr(naive.align(moved, box), naive.align(portrait, box0)) < corr(out, ref) - 0.1
