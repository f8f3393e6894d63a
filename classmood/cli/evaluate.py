"""``classmood evaluate``: the expression model measured on labelled faces (accuracy,
macro-F1, per-class recall, confusion matrix), as text or one JSON object."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path

from ..errors import InputError
from .errors import EXIT_OK

CONDITIONS = ("dim40", "dim20", "mask", "sunglasses", "px24")
"""``--condition``'s choices (:data:`classmood.synth.conditions.CONDITIONS`, named here so
that the parser loads no OpenCV; a test keeps the two equal)."""


def register(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``evaluate`` command to ``sub`` (the ``classmood`` subcommands)."""
    e = sub.add_parser(
        "evaluate",
        help="measure the expression model on labelled faces",
        description="Accuracy, macro-F1, per-class recall and the confusion matrix of the expression "
        "model on DATA: an .npz of aligned 48x48 faces ('images', 'labels' as the FER2013 files) or a "
        "folder of labelled photos DIR/<label>/* (angry, disgust, fear, happy, sad, surprise, neutral; "
        "other folders are skipped and counted). Photos go through the face finder and aligner first.",
    )
    e.add_argument("data", metavar="DATA", type=Path, help=".npz of aligned faces, or a folder DIR/<label>/*")
    e.add_argument("--json", action="store_true", help="print one JSON object")
    e.add_argument("--aligned", action="store_true",
                   help="photos are already face crops: skip face finding, just resize to 48x48 grayscale")
    e.add_argument("--model", type=Path, metavar="MODEL.tflite", help="another exported model (default: bundled)")
    e.add_argument("--flip-average", action="store_true", help="also run mirrored faces and average (2x work)")
    e.add_argument("--condition", choices=CONDITIONS, default=None,
                   help="measure on harder copies: dim40/dim20 (40%%/20%% brightness), mask (a surgical mask "
                        "drawn on), sunglasses, px24 (the face 24 px wide)")
    e.set_defaults(func=handle)
    return e


def handle(args: argparse.Namespace) -> int:
    """Run ``classmood evaluate``; returns the exit status (errors are raised)."""
    from ..models.evaluate import evaluate, format_report
    from ..models.expression import ExpressionClassifier

    clf = ExpressionClassifier(args.model, flip_average=args.flip_average)

    def progress(i: int, n: int) -> None:
        if not args.json and sys.stderr.isatty() and (i % 25 == 0 or i == n - 1):
            print(f"\r  finding faces: {i + 1}/{n}", end="", file=sys.stderr, flush=True)

    from ..agent.mood import MoodConfig
    from ..models.evaluate import load

    with contextlib.ExitStack() as stack:  # a face finder only where photos need one
        crop = stack.enter_context(_cropper(args.condition)) if args.data.is_dir() and not args.aligned else None
        faces = load(args.data, args.aligned, progress, crop)
    if args.condition is not None and not args.data.is_dir():
        faces.images = _condition_aligned(faces.images, args.condition)
    result = evaluate(args.data, clf, faces=faces, uncertain_below=MoodConfig().uncertain_below)
    result["condition"] = args.condition
    if not args.json and sys.stderr.isatty():
        print(file=sys.stderr)
    if result["n"] == 0:
        raise InputError(f"{args.data}: no face found in any photo ({result['no_face']} photos); "
                         "if they are already face crops, add --aligned")
    print(json.dumps(result) if args.json else format_report(str(args.data), result))
    return EXIT_OK


def _cropper(condition: str | None):
    """The product's face cropper (:func:`classmood.models.evaluate.product_face_cropper`),
    each photo under ``condition`` first when given
    (:func:`classmood.synth.conditions.apply_condition`); a context manager."""
    from ..models.evaluate import product_face_cropper
    from ..synth.conditions import apply_condition

    def prepare(img, finder):
        return apply_condition(img, condition, finder)

    return product_face_cropper(None if condition is None else prepare)


def _condition_aligned(images, condition: str):
    """Aligned faces uint8 [N, 48, 48] under ``condition``, drawn where FER2013's
    registration puts the face (:data:`classmood.models.evaluate.NOMINAL_FACE`)."""
    import cv2
    import numpy as np

    from ..models.evaluate import NOMINAL_FACE
    from ..synth.conditions import darken, draw_mask, draw_sunglasses

    out = []
    for img in images:
        bgr = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
        if condition.startswith("dim"):
            bgr = darken(bgr, int(condition[3:]) / 100.0)
        elif condition == "mask":
            bgr = draw_mask(bgr, NOMINAL_FACE)
        elif condition == "sunglasses":
            bgr = draw_sunglasses(bgr, NOMINAL_FACE)
        elif condition == "px24":  # the face box 24 px wide, enlarged back to the model's side
            side = max(1, int(round(img.shape[0] * 24.0 / NOMINAL_FACE.bbox[2])))
            small = cv2.resize(bgr, (side, side), interpolation=cv2.INTER_AREA)
            bgr = cv2.resize(small, img.shape[::-1], interpolation=cv2.INTER_LINEAR)
        out.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY))
    return np.stack(out) if out else images
