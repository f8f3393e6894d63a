"""Measure the expression model on labelled data (``classmood evaluate``).

DATA is either an ``.npz`` of aligned 48x48 faces (``images`` uint8 [N, 48, 48] and
``labels`` 0..6, as the FER2013 files are stored) or a folder of labelled photos
``DIR/<label>/*`` with FER2013's label names. Photos go through a face cropper first (the
caller's: the product's face finder and aligner, the largest face per photo); photos with
no face are counted, never dropped silently. ``aligned=True`` treats photos as
already-cropped faces.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

import cv2
import numpy as np

from ..detectors.align import FER2013_REGISTRATION, Registration
from ..detectors.face_quality import DIM_CONFIDENCE, FaceQuality, assess, assess_many
from ..errors import InputError
from ..io import IMAGE_EXTENSIONS, quiet_decoders
from ..labels import FER_CLASSES
from . import metrics
from ..types import Face
from .expression import ExpressionClassifier
from .preprocess import INPUT_SIZE

if TYPE_CHECKING:
    from ..detectors.faces import FaceFinder

PHOTO_SUFFIXES = IMAGE_EXTENSIONS | {".pgm"}
"""File name endings (lower case) read as labelled photos: the still images, and PGM (as
some face sets store them)."""

FaceCropper = Callable[[np.ndarray], "np.ndarray | tuple[np.ndarray, FaceQuality] | None"]
"""A photo (BGR uint8 ``[H, W, 3]``) -> its largest face aligned as the model takes it
(grayscale uint8 ``[48, 48]``), with its quality when known
(:func:`classmood.detectors.face_quality.assess` on the detected face), or None when it
has no face."""

def _nominal_face(reg: Registration = FER2013_REGISTRATION, side: int = INPUT_SIZE) -> Face:
    """The face an aligned crop holds, where the registration put it (eyes and mouth;
    the nose two thirds of the way down to the mouth, the ears beside the eyes at the
    box's sides): frontal, ``reg.box_width`` of the side wide."""
    (ex, ey), d, m = (v * side for v in reg.eye_center), reg.eye_distance * side, reg.mouth_distance * side
    (bx, by), bw = (v * side for v in reg.box_center), reg.box_width * side
    kps = [[ex - d / 2, ey], [ex + d / 2, ey], [ex, ey + 0.6 * m], [ex, ey + m], [bx - bw / 2, ey], [bx + bw / 2, ey]]
    return Face(bbox=(bx - bw / 2, by - bw / 2, bw, bw), score=1.0, keypoints=np.array(kps, np.float32))


NOMINAL_FACE = _nominal_face()
"""A face as FER2013's registration places it in a 48x48 crop (REGISTRATION.md; its box
40.6 px wide): the face of an aligned crop whose detection is not known (an ``.npz``, a
caller's cropper). Its quality is judged on the crop alone (contrast, sharpness)."""


@dataclass
class LabelledFaces:
    """Faces ready for the classifier, and what could not become one."""

    images: np.ndarray                       # uint8 [N, 48, 48]
    labels: np.ndarray                       # int64 [N]
    no_face: int = 0                         # photos where no face was found
    no_face_by_class: dict = field(default_factory=dict)
    unreadable: list = field(default_factory=list)   # photo paths that could not be decoded
    skipped: dict = field(default_factory=dict)      # folder name -> files, for non-FER labels
    quality: list = field(default_factory=list)      # per face: FaceQuality, or None when not known


def load_npz(path: Path) -> LabelledFaces:
    """Aligned faces from an ``.npz`` with ``images`` (``[N, 48, 48]``, 0..255) and
    ``labels`` (``[N]``, 0..6).

    Raises:
        InputError: for an unreadable file, a missing array, wrong shapes or values.
    """
    try:
        with np.load(path) as d:
            missing = {"images", "labels"} - set(d.files)
            if missing:
                raise InputError(f"{path}: has no {' or '.join(sorted(missing))} array; expected 'images' "
                                 f"uint8 [N, {INPUT_SIZE}, {INPUT_SIZE}] and 'labels' 0..6 (as the FER2013 files)")
            images, labels = d["images"], d["labels"]
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable .npz file ({exc}); give an .npz with 'images' and 'labels'") from None
    if images.ndim != 3 or images.shape[1:] != (INPUT_SIZE, INPUT_SIZE):
        raise InputError(f"{path}: 'images' has shape {images.shape}; expected [N, {INPUT_SIZE}, {INPUT_SIZE}] "
                         "aligned grayscale faces (for photos, give a folder DIR/<label>/*)")
    if labels.shape != (len(images),):
        raise InputError(f"{path}: {len(labels)} labels for {len(images)} images; they must match one to one")
    if len(labels) and (labels.min() < 0 or labels.max() >= len(FER_CLASSES)):
        raise InputError(f"{path}: labels must be 0..{len(FER_CLASSES) - 1} ({', '.join(FER_CLASSES)})")
    if images.dtype != np.uint8:
        if images.min() < 0 or images.max() > 255:
            raise InputError(f"{path}: 'images' values run {images.min()}..{images.max()}; expected 0..255 grayscale")
        images = images.astype(np.uint8)
    return LabelledFaces(images, labels.astype(np.int64))


def load_folder(root: Path, aligned: bool = False,
                progress: Callable[[int, int], None] | None = None,
                crop_face: FaceCropper | None = None) -> LabelledFaces:
    """``root/<label>/*`` photos -> aligned faces.

    Args:
        root: a folder of label folders named as :data:`FER_CLASSES` (others are counted
            in ``skipped``).
        aligned: the photos are face crops already: resized to 48x48 grayscale as they are.
        progress: called with (photo index, photos) before each photo.
        crop_face: finds and aligns each photo's face (unused with ``aligned``); default:
            the product's face finder and aligner.

    Raises:
        InputError: when no label folder holds a photo.
    """
    files: list[tuple[Path, int]] = []
    skipped: dict[str, int] = {}
    for sub in sorted(p for p in root.iterdir() if p.is_dir()):
        photos = sorted(p for p in sub.rglob("*") if p.is_file() and p.suffix.lower() in PHOTO_SUFFIXES)
        label = sub.name.lower()
        if label in FER_CLASSES:
            files += [(p, FER_CLASSES.index(label)) for p in photos]
        else:
            skipped[sub.name] = len(photos)
    if not files:
        raise InputError(f"{root}: no photos in label folders ({', '.join(FER_CLASSES)}); "
                         "expected DIR/<label>/*.jpg")
    images, labels, unreadable, quality = [], [], [], []
    no_face_by_class: dict[str, int] = {}
    with contextlib.ExitStack() as stack:
        if not aligned and crop_face is None:
            crop_face = stack.enter_context(product_face_cropper())
        for i, (path, label) in enumerate(files):
            if progress:
                progress(i, len(files))
            with quiet_decoders():  # a damaged photo is counted, not logged by OpenCV
                img = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if img is None:
                unreadable.append(str(path))
                continue
            if aligned:
                gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
                images.append(cv2.resize(gray, (INPUT_SIZE, INPUT_SIZE), interpolation=cv2.INTER_AREA))
                quality.append(None)
            else:
                face = crop_face(img)
                if face is None:
                    name = FER_CLASSES[label]
                    no_face_by_class[name] = no_face_by_class.get(name, 0) + 1
                    continue
                face, q = face if isinstance(face, tuple) else (face, None)
                images.append(face)
                quality.append(q)
            labels.append(label)
    return LabelledFaces(
        np.stack(images) if images else np.zeros((0, INPUT_SIZE, INPUT_SIZE), np.uint8),
        np.asarray(labels, np.int64), sum(no_face_by_class.values()), no_face_by_class, unreadable, skipped,
        quality)


@contextlib.contextmanager
def product_face_cropper(prepare: Callable[[np.ndarray, "FaceFinder"], np.ndarray | None] | None = None
                         ) -> Iterator[FaceCropper]:
    """The product's face finder, aligner and face-quality gate on each photo (its largest
    face), the finder closed afterwards: the default ``crop_face`` of :func:`load_folder`.
    ``prepare``, when given, makes each photo into the one measured first, with this
    cropper's face finder (``classmood evaluate --condition``: a mask drawn on); None from
    it is a photo with no face. The one place the models layer runs the face finder (it
    is loaded here, on use)."""
    from ..detectors.align import FaceAligner
    from ..detectors.faces import FaceFinder

    finder, aligner = FaceFinder(), FaceAligner(INPUT_SIZE)

    def crop(img: np.ndarray) -> tuple[np.ndarray, FaceQuality] | None:
        if prepare is not None:
            img = prepare(img, finder)
            if img is None:
                return None
        faces = finder.find(img)
        if not faces:
            return None
        face = max(faces, key=lambda f: f.bbox[2] * f.bbox[3])
        aligned = aligner.align(img, face)
        return aligned, assess(aligned, face)

    try:
        yield crop
    finally:
        finder.close()


def load(data: Path, aligned: bool = False, progress: Callable[[int, int], None] | None = None,
         crop_face: FaceCropper | None = None) -> LabelledFaces:
    """Labelled faces from an ``.npz`` of aligned faces or a folder ``DIR/<label>/*`` of
    photos (arguments as :func:`load_folder`).

    Raises:
        InputError: for a path that is neither, or a file or folder that holds no usable faces.
    """
    data = Path(data)
    if not data.exists():
        raise InputError(f"{data}: no such file or folder; give an .npz of faces or a folder DIR/<label>/*")
    if data.is_dir():
        return load_folder(data, aligned, progress, crop_face)
    if data.suffix.lower() != ".npz":
        raise InputError(f"{data}: not an .npz file or a folder; give an .npz of aligned faces or DIR/<label>/*")
    return load_npz(data)


def evaluate(data: Path, classifier: ExpressionClassifier | None = None, aligned: bool = False,
             progress: Callable[[int, int], None] | None = None,
             crop_face: FaceCropper | None = None, faces: LabelledFaces | None = None,
             uncertain_below: float = 0.40) -> dict:
    """Accuracy, macro-F1, per-class recall, confusion matrix and faces not found; and, as
    the product would show them, the share of faces called ``uncertain`` and the accuracy
    on the rest.

    A face is uncertain when the face-quality gate cannot read it
    (:func:`classmood.detectors.face_quality.assess`: on the detected face for photos, on
    the crop alone for aligned faces), or when the model's top probability is under
    ``uncertain_below`` (:data:`~classmood.detectors.face_quality.DIM_CONFIDENCE` for a
    dim face). One photo is one frame: the product smooths over frames.

    Args:
        data: an ``.npz`` of aligned faces or a folder ``DIR/<label>/*`` of photos.
        classifier: the model to measure (default: the bundled one).
        aligned, progress, crop_face: as :func:`load_folder` takes them.
        faces: the faces already loaded (``data`` is then only their name).
        uncertain_below: the product's label threshold
            (:attr:`classmood.agent.mood.MoodConfig.uncertain_below`).

    Returns:
        ``accuracy``, ``macro_f1``, ``ece`` (0..1); ``per_class`` (recall of each class
        present) and ``per_class_detail``; ``confusion`` (7x7 counts, rows true, columns
        predicted, in ``classes`` order); ``n`` faces measured; ``no_face`` photos (and
        ``no_face_by_class``) and ``accuracy_counting_no_face_as_wrong``; ``unreadable``
        files; ``skipped_folders``; the ``model``'s name and ``flip_average``;
        ``uncertain`` (share of faces, 0..1), ``uncertain_by_reason`` (counts: the gate's
        reasons and ``low confidence``), ``accuracy_on_rest`` and ``n_rest`` (the faces
        given a label; accuracy None when there are none).

    Raises:
        InputError: for data that cannot be read (see :func:`load`).
    """
    faces = faces if faces is not None else load(data, aligned, progress, crop_face)
    clf = classifier or ExpressionClassifier()
    probs = clf.predict(faces.images) if len(faces.images) else np.zeros((0, len(FER_CLASSES)), np.float32)
    s = metrics.summary(faces.labels, probs)
    n_total = s["n"] + faces.no_face
    reasons: dict[str, int] = {}
    labelled = np.zeros(len(faces.images), bool)
    known = faces.quality if len(faces.quality) == len(faces.images) else [None] * len(faces.images)
    missing = [i for i, q in enumerate(known) if q is None]
    judged = dict(zip(missing, assess_many(faces.images[missing], [NOMINAL_FACE] * len(missing)))) if missing else {}
    for i, q in enumerate(known):
        q = q if q is not None else judged[i]
        need = max(uncertain_below, DIM_CONFIDENCE if q.dim else 0.0)
        why = q.reason or ("low confidence" if probs[i].max() < need else None)
        if why:
            reasons[why] = reasons.get(why, 0) + 1
        labelled[i] = why is None
    right = probs.argmax(1) == faces.labels if len(probs) else np.zeros(0, bool)
    return {
        "uncertain": round(float(1.0 - labelled.mean()), 6) if len(labelled) else 0.0,
        "uncertain_by_reason": reasons,
        "accuracy_on_rest": float(right[labelled].mean()) if labelled.any() else None,
        "n_rest": int(labelled.sum()),
        "accuracy": s["accuracy"],
        "macro_f1": s["macro_f1"],
        "per_class": {c: v["recall"] for c, v in s["per_class"].items() if v["support"] > 0},
        "per_class_detail": s["per_class"],
        "confusion": s["confusion"],
        "classes": list(FER_CLASSES),
        "n": s["n"],
        "no_face": faces.no_face,
        "no_face_by_class": faces.no_face_by_class,
        "accuracy_counting_no_face_as_wrong": (s["accuracy"] * s["n"] / n_total) if n_total else 0.0,
        "unreadable": len(faces.unreadable),
        "skipped_folders": faces.skipped,
        "ece": s["ece"],
        "model": clf.info.name,
        "flip_average": clf.flip_average,
    }


def format_report(data: Path, r: dict) -> str:
    """:func:`evaluate`'s result ``r`` for ``data`` as the lines ``classmood evaluate``
    prints: the summary, what could not be used, recall and the confusion matrix."""
    lines = [f"{data}: {r['n']} faces, model {r['model']}" + (" (flip-averaged)" if r["flip_average"] else "")]
    lines.append(f"  accuracy {r['accuracy']:.4f}   macro-F1 {r['macro_f1']:.4f}   ECE {r['ece']:.4f}")
    if "uncertain" in r:
        why = ", ".join(f"{k} {v}" for k, v in sorted(r["uncertain_by_reason"].items(), key=lambda kv: -kv[1]))
        rest = "-" if r["accuracy_on_rest"] is None else f"{r['accuracy_on_rest']:.4f}"
        lines.append(f"  as the product shows them: uncertain {r['uncertain']:.1%}" + (f" ({why})" if why else "")
                     + f"; accuracy on the other {r['n_rest']} faces {rest}")
    if r["no_face"]:
        lines.append(f"  no face found in {r['no_face']} photos "
                     f"({', '.join(f'{k} {v}' for k, v in r['no_face_by_class'].items())}); "
                     f"accuracy counting them as wrong {r['accuracy_counting_no_face_as_wrong']:.4f}")
    if r["unreadable"]:
        lines.append(f"  {r['unreadable']} files could not be read as images")
    if r["skipped_folders"]:
        lines.append("  skipped (not FER2013 labels): "
                     + ", ".join(f"{k}/ ({v} files)" for k, v in r["skipped_folders"].items()))
    present = [c for c in FER_CLASSES if c in r["per_class"]]
    lines.append("  recall    " + "  ".join(f"{c[:7]:>7}" for c in present))
    lines.append("            " + "  ".join(f"{r['per_class'][c]:>7.3f}" for c in present))
    lines.append("  confusion (rows: true, columns: predicted)")
    lines.append("            " + " ".join(f"{c[:7]:>7}" for c in FER_CLASSES))
    for c, row in zip(FER_CLASSES, r["confusion"]):
        if sum(row):
            lines.append(f"  {c:<9} " + " ".join(f"{v:>7}" for v in row))
    return "\n".join(lines)
