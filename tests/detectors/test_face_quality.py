"""The face-quality gate (issue 19): faces that cannot be read are called so, before any
model, on real faces made too dark, blurred, turned or small; sharp faces in good and in
dim light are read."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from classmood.detectors.face_quality import (BLURRED, DIM_CONTRAST, MAX_YAW, MIN_FACE_PX, TOO_DARK,
                                              TOO_SMALL, TURNED_AWAY, assess)
from classmood.types import Face
from tests.conftest import data_path


def _face(width: float = 80.0, nose_offset: float = 0.0) -> Face:
    """A frontal face box with BlazeFace's six keypoints; the nose moved along the eye
    line by ``nose_offset`` eye distances."""
    x, y, w = 100.0, 100.0, width
    eye_l, eye_r = (x + 0.3 * w, y + 0.35 * w), (x + 0.7 * w, y + 0.35 * w)
    d = eye_r[0] - eye_l[0]
    kps = np.array([eye_l, eye_r, (x + 0.5 * w + nose_offset * d, y + 0.55 * w), (x + 0.5 * w, y + 0.75 * w),
                    (x, y + 0.4 * w), (x + w, y + 0.4 * w)], np.float32)
    return Face(bbox=(x, y, w, w), score=0.9, keypoints=kps)


@pytest.fixture(scope="module")
def faces():
    """200 FER2013 PublicTest faces (aligned 48x48, as the aligner makes them)."""
    d = np.load(data_path("fer2013", "fer2013_publictest.npz"))
    return d["images"][:200]


def test_sharp_faces_in_good_light_are_readable(faces):
    q = [assess(f, _face()) for f in faces]
    assert sum(x.readable for x in q) >= 0.97 * len(q)
    assert sum(x.dim for x in q) <= 0.02 * len(q)


def test_dim_faces_are_read_and_marked_dim_very_dark_ones_are_not_read(faces):
    dim = [assess((f * 0.2).astype(np.uint8), _face()) for f in faces]  # contrast ~15
    assert sum(x.readable and x.dim for x in dim) >= 0.95 * len(dim)
    dark = [assess((f * 0.04).astype(np.uint8), _face()) for f in faces]  # contrast ~3
    assert sum(x.reason == TOO_DARK for x in dark) >= 0.95 * len(dark)
    assert np.median([x.contrast for x in dim]) < DIM_CONTRAST


def test_blurred_faces_are_not_read(faces):
    """Accuracy at Gaussian sigma 2 px (48 px scale) is 0.288 of seven classes."""
    q = [assess(cv2.GaussianBlur(f, (0, 0), 2.0), _face()) for f in faces]
    assert sum(x.reason == BLURRED for x in q) >= 0.95 * len(q)
    soft = [assess(cv2.GaussianBlur(f, (0, 0), 0.7), _face()) for f in faces]  # still read (0.673)
    assert sum(x.readable for x in soft) >= 0.95 * len(soft)


def test_turned_and_small_faces_are_not_read(faces):
    f = faces[0]
    assert assess(f, _face(nose_offset=MAX_YAW + 0.2)).reason == TURNED_AWAY
    assert assess(f, _face(nose_offset=-(MAX_YAW + 0.2))).reason == TURNED_AWAY
    assert assess(f, _face(nose_offset=0.2)).readable
    q = assess(None, _face(width=MIN_FACE_PX - 1))
    assert q.reason == TOO_SMALL and math.isnan(q.contrast)
    assert assess(f, _face(width=MIN_FACE_PX - 1)).reason == TOO_SMALL
    assert abs(assess(f, _face(nose_offset=0.3)).yaw - 0.3) < 1e-3


def test_bad_input_says_what():
    with pytest.raises(ValueError, match="2-D"):
        assess(np.zeros((48, 48, 3), np.uint8), _face())


def test_a_mask_over_the_mouth_is_covered(faces):
    """A surgical mask drawn where FER2013's registration puts the face: the mouth band
    loses its texture (real masked students in the shared screenshots: 0.08-0.29)."""
    from classmood.cli.evaluate import _condition_aligned
    from classmood.detectors.face_quality import COVERED

    masked = [assess(f, _face()) for f in _condition_aligned(faces, "mask")]
    assert sum(x.reason == COVERED for x in masked) >= 0.5 * len(masked)
    plain = [assess(f, _face()) for f in faces]
    assert sum(x.reason == COVERED for x in plain) <= 0.02 * len(plain)


def test_sunglasses_cover_the_eyes_dim_faces_do_not(faces):
    """Issue 19: sunglasses drawn from the registration's eyes are covered (the eyes dark
    and flat; PublicTest 89.8% of 3,589), the same faces as they are or at 20% brightness
    never by the eyes' rule."""
    from classmood.cli.evaluate import _condition_aligned
    from classmood.detectors.face_quality import COVERED, MAX_EYE_FLATNESS, MIN_EYE_DARK_SHARE

    glasses = [assess(f, _face()) for f in _condition_aligned(faces, "sunglasses")]
    assert sum(x.reason == COVERED for x in glasses) >= 0.85 * len(glasses)
    assert np.median([x.eye_dark_share for x in glasses]) == pytest.approx(1.0)
    for condition in (None, "dim20"):
        plain = [assess(f, _face()) for f in (faces if condition is None else _condition_aligned(faces, condition))]
        eyes = [x for x in plain if x.eye_dark_share >= MIN_EYE_DARK_SHARE and x.eye_flatness < MAX_EYE_FLATNESS]
        assert eyes == [], condition
        assert np.percentile([x.eye_flatness for x in plain], 1) > 0.25


def test_sunglasses_on_real_photos_and_no_real_screenshot_face_has_covered_eyes():
    """The NimStim photos through the product's face finder and aligner: drawn sunglasses
    covered on 95% or more (measured 110 of 110; 70.9% before the lens test), none of the
    photos as they are, at 40% or 20% brightness or masked; the faces found in the shared
    real screenshots (galleries/, galleries2/): none by the eyes' rules (the closest, a
    blurred student with shadowed eyes, 0.86 / 0.21; the highest lens share 0.09)."""
    from classmood.cli.evaluate import _cropper
    from classmood.detectors.align import FaceAligner
    from classmood.detectors.face_quality import (COVERED, MAX_EYE_FLATNESS, MIN_EYE_DARK_SHARE, MIN_EYE_LENS_SHARE,
                                                  assess_many)
    from classmood.detectors.gallery import GalleryPerception
    from classmood.models.evaluate import load

    def eyes(q):
        return ((q.eye_dark_share >= MIN_EYE_DARK_SHARE and q.eye_flatness < MAX_EYE_FLATNESS)
                or q.eye_lens_share >= MIN_EYE_LENS_SHARE)

    root = data_path("faces", "nimstim")
    for condition, least, most in (("sunglasses", 0.95, 1.0), (None, 0.0, 0.0), ("dim20", 0.0, 0.0),
                                   ("dim40", 0.0, 0.0), ("mask", 0.0, 0.0)):
        with _cropper(condition) as crop:
            got = load(root, crop_face=crop)
        share = np.mean([eyes(q) for q in got.quality])
        assert least <= share <= most, (condition, share)
        if condition == "sunglasses":
            assert np.mean([q.reason == COVERED for q in got.quality]) >= least
    perception, aligner = GalleryPerception(), FaceAligner(48)
    files = [p for d in ("galleries", "galleries2") for p in sorted(data_path(d).iterdir())
             if p.suffix.lower() in (".png", ".jpg")]
    seen, covered = 0, []
    for path in files:
        image = cv2.imread(str(path))
        found = [f for t in perception.analyze(image).tiles for f in t.faces if f.bbox[2] >= MIN_FACE_PX]
        if found:
            quality = assess_many(aligner.align_many(image, found), found)
            seen += len(found)
            covered += [path.name for q in quality if eyes(q)]
    assert seen >= 200 and covered == []


def _small_lenses(photo, face):
    """Small black oval lenses (0.6 x 0.4 eye distances; the usual drawn ones are 0.9 x 0.6)
    and a thin bridge, as a newcomer drew them (read "neutral" 0.92 and 0.69 before)."""
    from classmood.synth.conditions import _geometry

    out = photo.copy()
    eye_r, eye_l, *_ = _geometry(face)
    d = float(np.linalg.norm(eye_l - eye_r))
    for eye in (eye_r, eye_l):
        cv2.ellipse(out, tuple(np.round(eye).astype(int)), (max(1, round(0.3 * d)), max(1, round(0.2 * d))),
                    0, 0, 360, (12, 12, 12), -1, cv2.LINE_AA)
    cv2.line(out, tuple(np.round(eye_r).astype(int)), tuple(np.round(eye_l).astype(int)), (12, 12, 12),
             max(1, int(round(d / 20))))
    return out


def _dark_band(photo, face):
    """A dark band over both eyes (1.9 x 0.5 eye distances, its centre a little above the
    eye line), as a newcomer drew it (read "neutral" 0.84 and 0.89 before)."""
    from classmood.synth.conditions import _geometry

    out = photo.copy()
    eye_r, eye_l, *_ = _geometry(face)
    d = float(np.linalg.norm(eye_l - eye_r))
    cx, cy = (eye_r + eye_l) / 2
    cv2.rectangle(out, (int(cx - 0.95 * d), int(cy - 0.33 * d)), (int(cx + 0.95 * d), int(cy + 0.17 * d)),
                  (25, 25, 25), -1)
    return out


def test_small_lenses_and_a_dark_band_cover_the_eyes():
    """The eyes' second test (dark and locally flat pixels in each eye's box,
    MIN_EYE_LENS_SHARE): small black lenses and a dark band over the eyes of NimStim's
    photos, through the product's face finder and aligner, are covered (measured: all 110
    of each; the smallest lens share 0.51 for the lenses); the same photos as they are
    never by the eyes (the highest 0.00)."""
    from classmood.detectors.face_quality import COVERED, MIN_EYE_LENS_SHARE
    from classmood.models.evaluate import load, product_face_cropper

    root = data_path("faces", "nimstim")
    for draw in (_small_lenses, _dark_band):
        with product_face_cropper(lambda img, finder, draw=draw: _drawn(img, finder, draw)) as crop:
            got = load(root, crop_face=crop)
        assert len(got.quality) >= 100
        covered = [q.reason == COVERED for q in got.quality]
        assert np.mean(covered) >= 0.95, (draw.__name__, np.mean(covered))
    with product_face_cropper(None) as crop:
        plain = load(root, crop_face=crop)
    assert max(q.eye_lens_share for q in plain.quality) < MIN_EYE_LENS_SHARE / 5


def _drawn(img, finder, draw):
    faces = finder.find(img)
    return None if not faces else draw(img, max(faces, key=lambda f: f.bbox[2] * f.bbox[3]))


def test_real_masked_students_are_covered_and_unmasked_ones_read():
    """galleries/real_test3.png: a masked student (uncertain: covered) beside unmasked
    ones (read)."""
    from classmood.agent.pipeline import Pipeline

    image = cv2.imread(str(data_path("galleries", "real_test3.png")))
    with Pipeline() as pipe:
        r = pipe.process(image, 0.0)
    faces = [p for p in r.participants if p.face_bbox is not None]
    assert any(p.unreadable == "covered" for p in faces)
    assert sum(p.unreadable is None and p.label not in (None, "uncertain") for p in faces) >= 1


def test_evaluate_conditions_are_the_synth_ones():
    from classmood.cli.evaluate import CONDITIONS as CLI
    from classmood.synth.conditions import CONDITIONS

    assert CLI == CONDITIONS
