"""``classmood evaluate``: the expression model measured on labelled faces (accuracy,
macro-F1, per-class recall, confusion matrix), as text or one JSON object."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..errors import InputError
from .errors import EXIT_OK


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

    result = evaluate(args.data, clf, aligned=args.aligned, progress=progress)
    if not args.json and sys.stderr.isatty():
        print(file=sys.stderr)
    if result["n"] == 0:
        raise InputError(f"{args.data}: no face found in any photo ({result['no_face']} photos); "
                         "if they are already face crops, add --aligned")
    print(json.dumps(result) if args.json else format_report(str(args.data), result))
    return EXIT_OK
