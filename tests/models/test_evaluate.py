import json

import cv2
import numpy as np
import pytest

from classmood.cli import main
from classmood.errors import InputError
from classmood.models.evaluate import evaluate, load_npz


@pytest.fixture(scope="module")
def aligned_grace(grace):
    from classmood.detectors.align import FaceAligner
    from classmood.detectors.faces import FaceFinder

    with FaceFinder() as finder:
        return FaceAligner().align(grace, finder.find(grace)[0])


@pytest.fixture()
def photo_dir(tmp_path, grace):
    for label in ("happy", "sad", "contempt"):
        (tmp_path / label).mkdir()
    cv2.imwrite(str(tmp_path / "happy" / "grace.jpg"), grace)
    cv2.imwrite(str(tmp_path / "happy" / "grace_small.png"), cv2.resize(grace, None, fx=0.5, fy=0.5))
    cv2.imwrite(str(tmp_path / "sad" / "wall.png"), np.full((300, 300, 3), 180, np.uint8))  # nobody there
    (tmp_path / "sad" / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    cv2.imwrite(str(tmp_path / "contempt" / "grace.png"), grace)
    (tmp_path / "happy" / "notes.txt").write_text("not a photo")
    return tmp_path


def test_photo_folder_goes_through_the_face_finder_and_counts_what_it_could_not_use(photo_dir):
    r = evaluate(photo_dir)
    assert r["n"] == 2                        # the two grace photos
    assert r["no_face"] == 1 and r["no_face_by_class"] == {"sad": 1}
    assert r["unreadable"] == 1
    assert r["skipped_folders"] == {"contempt": 1}
    assert sum(map(sum, r["confusion"])) == 2
    assert sum(r["confusion"][3]) == 2        # both true "happy"
    assert r["accuracy_counting_no_face_as_wrong"] == pytest.approx(r["accuracy"] * 2 / 3)


def test_photos_go_through_the_callers_face_cropper(photo_dir, aligned_grace):
    """The models layer finds no faces itself: a caller's cropper decides, and its None
    is a photo with no face."""
    seen = []

    def crop(img):
        seen.append(img.shape)
        return None if img.std() == 0 else aligned_grace

    r = evaluate(photo_dir, crop_face=crop)
    assert len(seen) == 3                     # the readable photos in FER2013 label folders
    assert r["n"] == 2 and r["no_face"] == 1 and r["no_face_by_class"] == {"sad": 1}
    assert sum(r["confusion"][3]) == 2
    assert evaluate(photo_dir, aligned=True, crop_face=crop)["n"] == 3 and len(seen) == 3  # aligned: not asked


def test_aligned_photos_skip_face_finding(tmp_path, aligned_grace):
    (tmp_path / "happy").mkdir()
    cv2.imwrite(str(tmp_path / "happy" / "a.png"), aligned_grace)
    cv2.imwrite(str(tmp_path / "happy" / "b.png"), cv2.resize(aligned_grace, (96, 96)))
    r = evaluate(tmp_path, aligned=True)
    assert r["n"] == 2 and r["no_face"] == 0


def test_npz_of_aligned_faces(tmp_path, aligned_grace):
    path = tmp_path / "faces.npz"
    np.savez(path, images=np.stack([aligned_grace] * 3), labels=np.array([3, 3, 6]))
    r = evaluate(path)
    assert r["n"] == 3 and r["no_face"] == 0
    assert set(r["per_class"]) == {"happy", "neutral"}


@pytest.mark.parametrize("arrays, message", [
    ({"images": np.zeros((2, 48, 48), np.uint8)}, "has no labels"),
    ({"images": np.zeros((2, 64, 64), np.uint8), "labels": np.zeros(2)}, r"expected \[N, 48, 48\]"),
    ({"images": np.zeros((2, 48, 48), np.uint8), "labels": np.zeros(3)}, "3 labels for 2 images"),
    ({"images": np.zeros((2, 48, 48), np.uint8), "labels": np.array([0, 9])}, "labels must be 0..6"),
])
def test_bad_npz_files_get_one_clear_reason(tmp_path, arrays, message):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(InputError, match=message):
        load_npz(path)


def test_cli_json_has_the_documented_keys(photo_dir, capsys):
    assert main(["evaluate", str(photo_dir), "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    for key in ("accuracy", "macro_f1", "per_class", "confusion", "n", "no_face"):
        assert key in r
    assert len(r["confusion"]) == 7 and all(len(row) == 7 for row in r["confusion"])


def test_cli_text_report_and_errors(photo_dir, tmp_path, capsys):
    assert main(["evaluate", str(photo_dir)]) == 0
    out = capsys.readouterr().out
    assert "accuracy" in out and "no face found in 1 photos" in out and "contempt/" in out
    assert main(["evaluate", str(tmp_path / "missing.npz")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "missing.npz: no such file" in err
    (tmp_path / "empty").mkdir()
    assert main(["evaluate", str(tmp_path / "empty")]) == 2
    assert "no photos in label folders" in capsys.readouterr().err
    assert main(["evaluate", str(photo_dir), "--model", str(tmp_path / "x.tflite")]) == 2
    assert "x.tflite: emotion model not found" in capsys.readouterr().err


def test_uncertain_share_and_accuracy_on_the_rest(tmp_path, fer_dir):
    """As the product shows them: faces too dark to read are uncertain and left out of
    the accuracy on the rest; bright ones are read."""
    d = np.load(fer_dir / "fer2013_publictest.npz")
    x, y = d["images"][:40], d["labels"][:40]
    dark = (x[:20] * 0.03).astype(np.uint8)  # contrast about 2 grey levels
    path = tmp_path / "mixed.npz"
    np.savez(path, images=np.concatenate([dark, x[20:]]), labels=y)
    r = evaluate(path)
    assert r["uncertain_by_reason"].get("too dark", 0) >= 19
    assert r["n_rest"] <= 20 and r["uncertain"] >= 0.5
    probs_right = r["accuracy_on_rest"]
    assert probs_right is not None and 0 <= probs_right <= 1


def test_evaluate_condition_mask_on_aligned_faces(tmp_path, fer_dir, capsys):
    d = np.load(fer_dir / "fer2013_publictest.npz")
    path = tmp_path / "some.npz"
    np.savez(path, images=d["images"][:60], labels=d["labels"][:60])
    assert main(["evaluate", str(path), "--condition", "mask", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["condition"] == "mask" and r["uncertain_by_reason"].get("covered", 0) >= 30
    assert main(["evaluate", str(path)]) == 0
    assert "as the product shows them: uncertain" in capsys.readouterr().out
