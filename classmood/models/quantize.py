"""Full int8 of the exported expression model: what is served. Needs ai-edge-quantizer
(export time only; see MODEL_CARD.md, Reproduce)::

    python -m classmood.models.quantize          # assets/emotion.tflite -> assets/emotion_int8.{tflite,json}

Recipe: ``ai_edge_quantizer``'s ``static_wi8_ai8``: int8 weights (per channel) and int8
activations whose scales are calibrated once, here on 512 FER2013 Training faces
(``numpy.random.default_rng(0)``), so a face's result never depends on the rest of its
batch. The int8 file is measured against the float one on PublicTest and written only
when it passes issue 18's rule: the same top class on at least :data:`MIN_AGREEMENT` of
the faces and accuracy as served within :data:`MAX_ACCURACY_DROP` of the float file's.
Its calibration temperature is fitted again on its own logits (expected calibration error
before and after goes into its JSON and the model card).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

from ..errors import ClassMoodError
from .expression import ASSETS, FLOAT_MODEL, ExpressionClassifier, softmax

MIN_AGREEMENT = 0.98
"""Share of PublicTest faces on which int8 and float must give the same top class."""
MAX_ACCURACY_DROP = 0.003
"""The most the int8 file's PublicTest accuracy (as served) may lie under the float one's."""
CALIBRATION_FACES = 512
"""FER2013 Training faces the activation scales are calibrated on."""


def full_int8(src: Path, dst: Path, calibration: np.ndarray) -> None:
    """Quantise ``src`` (a float32 ``.tflite``) to full int8 at ``dst``.

    Args:
        src: the float model.
        dst: where to write the int8 model.
        calibration: float32 pixels ``[N, 1, 48, 48]`` in 0..255 for the activation scales.
    """
    from ai_edge_litert.interpreter import Interpreter
    from ai_edge_quantizer import quantizer, recipe

    q = quantizer.Quantizer(str(src))
    q.load_quantization_recipe(recipe.static_wi8_ai8())
    name = next(iter(Interpreter(model_path=str(src)).get_signature_runner().get_input_details()))
    batches = [{name: calibration[i : i + 32]} for i in range(0, len(calibration), 32)]
    q.quantize(q.calibrate({"serving_default": batches})).export_model(str(dst), overwrite=True)


def compare(float_model: Path, int8_model: Path, x: np.ndarray, y: np.ndarray) -> dict:
    """The int8 file against the float one on faces ``x`` uint8 ``[N, 48, 48]`` with
    labels ``y``: both uncalibrated (temperature 1).

    Returns:
        ``top_class_agreement``, ``accuracy_float``, ``accuracy_int8``, ``accuracy_delta``
        (int8 - float), ``max_abs_prob`` (the largest probability difference).
    """
    lf = ExpressionClassifier(float_model).logits(x)
    lq = ExpressionClassifier(int8_model).logits(x)
    af, aq = float((lf.argmax(1) == y).mean()), float((lq.argmax(1) == y).mean())
    return {"top_class_agreement": float((lf.argmax(1) == lq.argmax(1)).mean()),
            "accuracy_float": af, "accuracy_int8": aq, "accuracy_delta": aq - af,
            "max_abs_prob": float(np.abs(softmax(lf) - softmax(lq)).max())}


def main(argv: list[str] | None = None) -> int:
    """``python -m classmood.models.quantize``: quantise, measure, and write the served file.

    Returns:
        0 when written; 1 when the int8 file fails the rule (nothing written) or for a
        library error (one line); 2 without ai-edge-quantizer.
    """
    ap = argparse.ArgumentParser(prog="python -m classmood.models.quantize", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--float", dest="float_model", type=Path, default=FLOAT_MODEL, help="the float32 .tflite")
    ap.add_argument("--out", type=Path, default=ASSETS / "emotion_int8", help="output stem (default: the served model)")
    ap.add_argument("--data", help="folder with fer2013_train.npz and fer2013_publictest.npz (default: as for training)")
    args = ap.parse_args(argv)
    try:
        import ai_edge_quantizer  # noqa: F401
    except ImportError:
        print("quantize: error: ai-edge-quantizer is not installed; see classmood/models/MODEL_CARD.md (Reproduce)",
              file=sys.stderr)
        return 2
    try:
        return _quantize(args)
    except ClassMoodError as exc:
        print(f"quantize: error: {exc}", file=sys.stderr)
        return 1


def _quantize(args: argparse.Namespace) -> int:
    from importlib.metadata import version

    from .export import SERVING, calibrate
    from .train.data import find_data, load_split

    folder = find_data(args.data)
    train, _ = load_split(folder, "train")
    x, y = load_split(folder, "publictest")
    pick = np.random.default_rng(0).choice(len(train), CALIBRATION_FACES, replace=False)
    calibration = train[pick].astype(np.float32)[:, None]
    float_meta = json.loads(args.float_model.with_suffix(".json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        tfl = Path(tmp) / "int8.tflite"
        full_int8(args.float_model, tfl, calibration)
        c = compare(args.float_model, tfl, x, y)
        print(f"int8 vs float on PublicTest ({len(y)} faces): same top class {c['top_class_agreement']:.4f}, "
              f"accuracy {c['accuracy_int8']:.4f} vs {c['accuracy_float']:.4f} ({100 * c['accuracy_delta']:+.2f} "
              f"points), max |dp| {c['max_abs_prob']:.3f}")
        if c["top_class_agreement"] < MIN_AGREEMENT or c["accuracy_delta"] < -MAX_ACCURACY_DROP:
            print(f"quantize: not written: the rule is >= {MIN_AGREEMENT:.0%} same top class and accuracy within "
                  f"{100 * MAX_ACCURACY_DROP:.1f} points", file=sys.stderr)
            return 1
        served = calibrate(tfl, x, y)  # its own temperature (no .json beside it in tmp)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        out = args.out.with_suffix(".tflite")
        shutil.copyfile(tfl, out)
    info = {
        "name": f"{float_meta.get('name', 'model')}-int8",
        "classes": float_meta["classes"],
        "input": {"shape": [-1, 1, 48, 48], "dtype": "int8", "range": [0, 255],
                  "quantization": "pixel - 128 (scale 1, zero point -128)",
                  "normalisation_in_graph": float_meta["input"].get("normalisation_in_graph")},
        "output": {"dtype": "int8", "dequantised_by": "ExpressionClassifier (the file's scale and zero point)"},
        "temperature": served[False]["temperature"],
        "temperature_flip_average": served[True]["temperature"],
        "serving": SERVING,
        "metrics": {"publictest": served[False], "publictest_flip_average": served[True], "int8_vs_float": c},
        "quantization": {"tool": f"ai-edge-quantizer {version('ai-edge-quantizer')}", "recipe": "static_wi8_ai8",
                         "calibration": f"{CALIBRATION_FACES} FER2013 Training faces, numpy default_rng(0)",
                         "rule": {"min_top_class_agreement": MIN_AGREEMENT,
                                  "max_accuracy_drop": MAX_ACCURACY_DROP}},
        "float_model": {"file": args.float_model.name,
                        "sha256": hashlib.sha256(args.float_model.read_bytes()).hexdigest()},
        "sha256": hashlib.sha256(out.read_bytes()).hexdigest(),
    }
    meta = args.out.with_suffix(".json")
    meta.write_text(json.dumps(info, indent=1) + "\n")
    print(f"wrote {out} ({out.stat().st_size / 1e3:.0f} kB) and {meta}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
