"""Per-face photometric normalisation against none, measured: accuracy of the bundled
expression model on FER2013 PublicTest (as is, and at 30% brightness) and on the shared
NimStim colour photos at 100%, 40% and 20% brightness and the muxspace photos (the photo darkened before the face
is found and aligned, as a dim room's camera gives it), with no normalisation, with
the product's per-face normalisation (:func:`classmood.models.preprocess.standardize`:
brightness to FER2013's, contrast half-way), with full standardisation (contrast all the
way) and with CLAHE.

    python benchmarks/photometric.py [--data ../shared/data] [--model M.tflite]

Prints figures; asserts nothing (issue 19: "measure CLAHE or per-face standardisation
against none").
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from classmood.detectors.align import FaceAligner  # noqa: E402
from classmood.detectors.faces import FaceFinder  # noqa: E402
from classmood.labels import FER_CLASSES  # noqa: E402
from classmood.models.expression import ExpressionClassifier  # noqa: E402
from classmood.models.preprocess import FACE_MEAN, FACE_STD, INPUT_SIZE, MIN_FACE_STD  # noqa: E402

_CLAHE = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(4, 4))
METHODS = {  # (standardize inside the classifier, a transform of the uint8 faces before it)
    "none": (False, lambda f: f),
    "standardize": (True, lambda f: f),  # as the product serves it
    "full": (False, lambda f: np.clip(((f - f.mean(axis=(1, 2), keepdims=True))
                                       * (FACE_STD / np.maximum(f.std(axis=(1, 2), keepdims=True), MIN_FACE_STD))
                                       + FACE_MEAN).round(), 0, 255).astype(np.uint8)),  # contrast all the way
    "clahe": (False, lambda f: np.stack([_CLAHE.apply(x) for x in f]) if len(f) else f),
}
_CLASSIFIERS: dict[bool, ExpressionClassifier] = {}
_MODEL: list[Path | None] = [None]  # --model: another exported .tflite (default: the served one)


def _accuracy(faces: np.ndarray, labels: np.ndarray, method: str) -> float:
    std, transform = METHODS[method]
    clf = _CLASSIFIERS.setdefault(std, ExpressionClassifier(_MODEL[0], standardize=std))
    probs = np.concatenate([clf.predict(transform(faces[i:i + 512])) for i in range(0, len(faces), 512)])
    return float((probs.argmax(1) == labels).mean())


def _photo_faces(folder: Path, level: float) -> tuple[np.ndarray, np.ndarray]:
    faces, labels = [], []
    with FaceFinder() as finder:
        aligner = FaceAligner(INPUT_SIZE)
        for path in sorted(folder.glob("*/*")):
            if path.parent.name not in FER_CLASSES:
                continue
            image = cv2.imread(str(path))
            if image is None:
                continue
            image = np.clip(image.astype(np.float32) * level, 0, 255).astype(np.uint8)
            found = finder.find(image)
            if found:
                faces.append(aligner.align(image, max(found, key=lambda f: f.bbox[2] * f.bbox[3])))
                labels.append(FER_CLASSES.index(path.parent.name))
    return np.stack(faces), np.array(labels)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--model", type=Path, help="another exported .tflite (with its .json; default: the served one)")
    args = ap.parse_args()
    _MODEL[0] = args.model
    print(f"{'set':34s} {'n':>5s} " + " ".join(f"{m:>12s}" for m in METHODS))
    test = np.load(args.data / "fer2013" / "fer2013_publictest.npz")
    x, y = test["images"], test["labels"]
    for name, faces in (("PublicTest", x), ("PublicTest at 30% brightness", (x * 0.3).astype(np.uint8))):
        print(f"{name:34s} {len(y):5d} " + " ".join(f"{_accuracy(faces, y, m):12.4f}" for m in METHODS))
    for level in (1.0, 0.4, 0.2):
        faces, labels = _photo_faces(args.data / "faces" / "nimstim", level)
        name = f"NimStim at {level:.0%} brightness"
        print(f"{name:34s} {len(labels):5d} " + " ".join(f"{_accuracy(faces, labels, m):12.4f}" for m in METHODS))
    faces, labels = _photo_faces(args.data / "faces" / "muxspace", 1.0)
    print(f"{'muxspace (7 classes)':34s} {len(labels):5d} " + " ".join(f"{_accuracy(faces, labels, m):12.4f}"
                                                                   for m in METHODS))
    for c in ("neutral", "happy", "angry", "sad"):
        pick = labels == FER_CLASSES.index(c)
        print(f"{'  muxspace ' + c + ' recall':34s} {int(pick.sum()):5d} "
              + " ".join(f"{_accuracy(faces[pick], labels[pick], m):12.4f}" for m in METHODS))


if __name__ == "__main__":
    main()
