"""The expression model as the product shows it, off FER2013's usual faces: for each set
(FER2013 PublicTest, the shared NimStim and muxspace photos) as is, at 40% and 20%
brightness, with a drawn surgical mask, with drawn sunglasses and with the face 24 px
wide, the share of faces called ``uncertain`` (the face-quality gate, or a top
probability under 0.40, 0.60 for a dim face) and the accuracy on the rest, beside the
accuracy and the expected calibration error (ECE, 15 bins) on all: the calibration, fitted
on PublicTest, checked off it. The same figures as ``classmood evaluate DATA --condition C``.

    python benchmarks/conditions.py [--data ../shared/data] [--sets publictest,nimstim,muxspace] [--model M.tflite]

Prints a Markdown table for the model card; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from classmood.agent.mood import MoodConfig  # noqa: E402
from classmood.cli.evaluate import _condition_aligned, _cropper  # noqa: E402
from classmood.models.evaluate import evaluate, load  # noqa: E402
from classmood.models.expression import ExpressionClassifier  # noqa: E402
from classmood.synth.conditions import CONDITIONS  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--sets", default="publictest,nimstim,muxspace")
    ap.add_argument("--conditions", help="comma-separated, 'none' for as is (default: as is and all of "
                    + ", ".join(CONDITIONS) + ")")
    ap.add_argument("--model", type=Path, help="another exported .tflite (with its .json; default: the served one)")
    args = ap.parse_args()
    paths = {"publictest": args.data / "fer2013" / "fer2013_publictest.npz",
             "nimstim": args.data / "faces" / "nimstim", "muxspace": args.data / "faces" / "muxspace"}
    clf = ExpressionClassifier(args.model)
    print("| set | condition | faces (no face found) | accuracy, all | ECE, all | uncertain | accuracy on the rest "
          "| why uncertain |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    conditions = (None, *CONDITIONS) if args.conditions is None else \
        tuple(None if c == "none" else c for c in args.conditions.split(","))
    for name in args.sets.split(","):
        data = paths[name]
        for condition in conditions:
            with _cropper(condition) as crop:
                faces = load(data, crop_face=crop)
            if condition is not None and not data.is_dir():
                faces.images = _condition_aligned(faces.images, condition)
            r = evaluate(data, clf, faces=faces, uncertain_below=MoodConfig().uncertain_below)
            why = ", ".join(f"{k} {v}" for k, v in sorted(r["uncertain_by_reason"].items(), key=lambda kv: -kv[1]))
            rest = "-" if r["accuracy_on_rest"] is None else f"{r['accuracy_on_rest']:.3f}"
            print(f"| {name} | {condition or 'as is'} | {r['n']} ({r['no_face']}) | {r['accuracy']:.3f} | "
                  f"{r['ece']:.3f} | {r['uncertain']:.1%} | {rest} | {why} |", flush=True)


if __name__ == "__main__":
    main()
