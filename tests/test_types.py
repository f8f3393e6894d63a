"""The typed data between stages validates itself and serialises to the documented JSON."""

import json

import numpy as np
import pytest

from classmood.labels import FER_CLASSES
from classmood.types import (KEYPOINT_NAMES, Face, Frame, GalleryResult, ParticipantResult, Presence, Tile,
                             TileResult, TileState)


def make_face(score=0.9):
    kp = np.arange(12, dtype=np.float64).reshape(6, 2)
    return Face(bbox=(10.0, 20.0, 30.0, 40.0), score=score, keypoints=kp)


def test_tile_validates_box_and_index():
    Tile(0, (0, 0, 10, 10))
    with pytest.raises(ValueError):
        Tile(0, (0, 0, 0, 10))
    with pytest.raises(ValueError):
        Tile(-1, (0, 0, 10, 10))
    with pytest.raises(ValueError):
        Tile(0, (0, 0, 10))


def test_tile_crop_is_clipped_view():
    img = np.arange(100 * 80 * 3, dtype=np.uint8).reshape(100, 80, 3)
    crop = Tile(0, (70, 90, 30, 30)).crop(img)
    assert crop.shape == (10, 10, 3)
    assert np.shares_memory(crop, img)


def test_face_keypoints_are_frozen_float32():
    f = make_face()
    assert f.keypoints.dtype == np.float32 and f.keypoints.shape == (6, 2)
    with pytest.raises(ValueError):
        f.keypoints[0, 0] = 5
    with pytest.raises(ValueError):
        Face(bbox=(0, 0, 1, 1), score=0.5, keypoints=np.zeros((5, 2)))
    with pytest.raises(ValueError):
        make_face(score=1.5)
    assert np.allclose(f.right_eye, [0, 1]) and np.allclose(f.left_eye, [2, 3])


def test_face_tile_needs_a_face():
    with pytest.raises(ValueError):
        TileResult(Tile(0, (0, 0, 10, 10)), TileState.FACE, faces=())


def test_json_round_trip_has_documented_fields():
    r = GalleryResult(
        width=640, height=400,
        tiles=(TileResult(Tile(0, (1, 2, 300, 200)), TileState.FACE, (make_face(),), "Ana"),
               TileResult(Tile(1, (320, 2, 300, 200)), TileState.CAMERA_OFF)),
        timings_ms={"tiles": 1.234, "total": 5.0},
    )
    d = json.loads(json.dumps(r.to_dict()))
    assert d["frame"] == {"width": 640, "height": 400}
    assert [t["state"] for t in d["tiles"]] == ["face", "camera_off"]
    assert d["tiles"][0]["name"] == "Ana" and d["tiles"][1]["name"] is None
    face = d["tiles"][0]["faces"][0]
    assert list(face["keypoints"]) == list(KEYPOINT_NAMES)
    assert face["bbox"] == [10.0, 20.0, 30.0, 40.0]
    assert d["timings_ms"]["tiles"] == 1.23
    assert len(r.faces) == 1
    assert str(TileState.PHOTO) == "photo"


def test_frame_takes_only_bgr_uint8_and_a_real_time():
    img = np.zeros((4, 6, 3), np.uint8)
    f = Frame(img, 1.5)
    assert (f.index, f.origin) == (0, (0, 0))
    for bad in (np.zeros((4, 6), np.uint8), np.zeros((4, 6, 4), np.uint8), np.zeros((4, 6, 3), np.float32)):
        with pytest.raises(ValueError, match="BGR uint8"):
            Frame(bad, 0.0)
    for t in (-0.1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="timestamp"):
            Frame(img, t)
    assert f.covered == () and Frame(img, 0.0, covered=((1, 0, 5, 4),)).covered == ((1, 0, 5, 4),)
    for bad in ((0, 0, 7, 4), (-1, 0, 2, 2), (0, 0, 0, 2), (2, 3, 2, 2)):  # outside the 6x4 image, or empty
        with pytest.raises(ValueError, match="covered"):
            Frame(img, 0.0, covered=(bad,))


def test_participant_json_names_the_classes_and_rounds():
    probs = np.array([0.1, 0.0, 0.0, 0.7, 0.1, 0.0, 0.1], np.float32)
    p = ParticipantResult(id="P01", tile_index=2, bbox=(1, 2, 30, 40), tile_state=TileState.FACE,
                          presence=Presence.PRESENT, face_bbox=(5.123, 6.0, 7.0, 8.0), probs=probs,
                          smoothed=probs, label="happy", confidence=0.712345, valence=0.65432, away_s=1.234)
    d = json.loads(json.dumps(p.to_dict()))
    assert list(d["probs"]) == list(FER_CLASSES) and d["probs"]["happy"] == pytest.approx(0.7)
    assert (d["state"], d["presence"], d["tile"], d["bbox"]) == ("face", "present", 2, [1, 2, 30, 40])
    assert d["face_bbox"] == [5.1, 6.0, 7.0, 8.0] and d["confidence"] == 0.7123 and d["valence"] == 0.6543
    assert d["away_s"] == 1.23 and d["negative_s"] == 0.0
    left = ParticipantResult(id="P02", tile_index=None, bbox=None, tile_state=None, presence=Presence.LEFT)
    assert left.to_dict()["probs"] is None and left.to_dict()["state"] is None and str(Presence.LEFT) == "left"
