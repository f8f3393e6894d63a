"""The ``classmood`` command: a thin shell over the same objects the Python API uses.

Every error a user can cause is one line on stderr (what, where, what to do) and a
non-zero exit; no tracebacks unless ``--debug``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence

from . import __version__
from .errors import ClassMoodError, InputError

EXIT_OK = 0
EXIT_USER_ERROR = 2
EXIT_INTERNAL = 1
EXIT_INTERRUPTED = 130

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="classmood",
        description="Read a video-class gallery (Zoom, Meet, Teams): tiles, faces, camera states, expressions.",
    )
    p.add_argument("--version", action="version", version=f"classmood {__version__}")
    p.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    a = sub.add_parser(
        "analyze",
        help="analyse gallery screenshots",
        description="Find every participant tile, its state (face, no_face, camera_off, photo) "
        "and its faces in one or more gallery screenshots.",
    )
    a.add_argument("images", nargs="+", metavar="IMAGE", help="gallery screenshot(s): PNG, JPEG, ...")
    a.add_argument("--json", action="store_true",
                   help="print one JSON object per image (frame, tiles, timings_ms)")
    a.add_argument("--save-annotated", metavar="OUT.png", type=Path,
                   help="write the image with what was found drawn on it "
                   "(with several images, OUT-<n>.png)")
    a.add_argument("--names", action="store_true",
                   help="read participants' name labels (off by default: names are personal data)")
    a.add_argument("--min-face-score", type=float, default=0.5, metavar="S",
                   help="face detection threshold in (0, 1) (default 0.5)")
    a.set_defaults(func=_cmd_analyze)

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
    e.set_defaults(func=_cmd_evaluate)

    t = sub.add_parser(
        "train", add_help=False,
        help="train the expression model (needs: pip install -e '.[train]')",
        description="Train on FER2013 Training, select on PublicTest; see classmood train --help.",
    )
    return p


def _annotated_path(base: Path, i: int, n: int) -> Path:
    return base if n == 1 else base.with_name(f"{base.stem}-{i + 1}{base.suffix or '.png'}")


def _check_output_path(path: Path) -> None:
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise InputError(f"{path}: --save-annotated needs an image file name (.png or .jpg)")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"{path}: folder {parent} does not exist; create it first")


def _table(path: str, result) -> str:
    lines = [f"{path}: {result.width}x{result.height}, {len(result.tiles)} tiles"]
    if result.tiles:
        lines.append(f"  {'id':>3}  {'state':<10} {'faces':>5} {'score':>5}  {'box (x,y w x h)':<22} name")
        for t in result.tiles:
            x, y, w, h = t.tile.bbox
            score = f"{t.faces[0].score:.2f}" if t.faces else "-"
            lines.append(
                f"  {t.tile.index:>3}  {t.state.value:<10} {len(t.faces):>5} {score:>5}  "
                f"{f'{x},{y} {w}x{h}':<22} {t.name or '-'}"
            )
    else:
        lines.append("  no participant tiles found (is a gallery view on screen?)")
    timing = ", ".join(f"{k} {v:.1f}" for k, v in result.timings_ms.items())
    lines.append(f"  timings (ms): {timing}")
    return "\n".join(lines)


def _cmd_analyze(args: argparse.Namespace) -> int:
    import cv2

    from .annotate import GalleryAnnotator
    from .detectors.gallery import GalleryPerception
    from .io import load_image

    if not 0.0 < args.min_face_score < 1.0:
        raise InputError(f"--min-face-score {args.min_face_score}: must be between 0 and 1 (e.g. 0.5)")
    if args.save_annotated is not None:
        _check_output_path(args.save_annotated)
    # Load every input first: a bad file is reported before any work is done.
    images = [(p, load_image(p)) for p in args.images]
    with GalleryPerception(names=args.names, min_face_score=args.min_face_score) as perception:
        for i, (path, image) in enumerate(images):
            result = perception.analyze(image)
            if args.json:
                print(json.dumps(result.to_dict(), ensure_ascii=False), flush=True)
            else:
                print(_table(path, result), flush=True)
            if args.save_annotated is not None:
                out = _annotated_path(args.save_annotated, i, len(images))
                drawn = GalleryAnnotator().annotate(image, result)
                if not cv2.imwrite(str(out), drawn):
                    raise InputError(f"{out}: could not write the annotated image; check the folder")
                print(f"annotated image: {out}", file=sys.stderr)
    return EXIT_OK


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from .models.emotion import EmotionClassifier
    from .models.evaluate import evaluate, format_report

    clf = EmotionClassifier(args.model, flip_average=args.flip_average)

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


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["train"]:  # its own options (argparse's REMAINDER would swallow --help)
        from .models.train import main as train_main

        return train_main(argv[1:])
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USER_ERROR
    try:
        return args.func(args)
    except ClassMoodError as exc:
        print(f"classmood: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("classmood: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug of ours: one line, and how to see more
        if args.debug:
            raise
        print(f"classmood: internal error: {type(exc).__name__}: {exc} "
              "(run with --debug for details and please report it)", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
