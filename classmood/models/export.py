"""Export a trained checkpoint to what ships: ``.tflite`` + ``.json`` (+ PyTorch weights
for the parity test), calibrated on PublicTest. Needs the train extra and litert-torch::

    python -m classmood.models.export runs/w16/best.pt --log runs/w16/train_log.jsonl

writes ``classmood/models/assets/emotion.{tflite,json,npz,train_log.jsonl}``. Conversion is
litert-torch (PyTorch -> TFLite, no TensorFlow), float32 with a dynamic batch dimension.
Calibration: one temperature minimising PublicTest NLL of the served (LiteRT) logits;
expected calibration error before and after goes into the JSON and the model card.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from ..errors import ClassMoodError
from ..labels import FER_CLASSES
from . import metrics
from .card import CARD, update_card
from .expression import ASSETS, ExpressionClassifier, softmax
from .preprocess import INPUT_SIZE, PIXEL_MEAN, PIXEL_STD
from .provenance import teacher_ensemble_logits, teachers_of


def to_tflite(model, out: Path) -> None:
    """Convert a :class:`~classmood.models.network.ServedModel` (eval mode) to a float32
    ``.tflite`` at ``out`` taking ``[N, 1, 48, 48]`` with a dynamic batch (N up to 4096)."""
    import litert_torch
    import torch

    batch = torch.export.Dim("batch", min=1, max=4096)
    sample = (torch.rand(2, 1, INPUT_SIZE, INPUT_SIZE) * 255,)
    edge = litert_torch.convert(model, sample, dynamic_shapes=({0: batch},))
    edge.export(str(out))


def calibrate(tfl: Path, x: np.ndarray, y: np.ndarray) -> dict[bool, dict]:
    """Fit the calibration temperature of the served model and measure it, one pass and
    flip-averaged, printing a line for each.

    Args:
        tfl: the exported ``.tflite`` (with no ``.json`` beside it yet: uncalibrated).
        x: PublicTest faces uint8 ``[N, 48, 48]``.
        y: their labels int64 ``[N]``.

    Returns:
        For ``flip_average`` False and True: ``temperature``, ``accuracy``, ``macro_f1``,
        ``ece_before``/``ece_after``, ``nll_before``/``nll_after`` (before and after the
        temperature), ``per_class`` and ``confusion`` (as :func:`metrics.summary`).
    """
    served = {}
    for flip in (False, True):
        clf = ExpressionClassifier(tfl, flip_average=flip, threads=2)
        logits = clf.logits(x)
        t = metrics.fit_temperature(logits, y)
        before, after = metrics.summary(y, softmax(logits)), metrics.summary(y, softmax(logits, t))
        served[flip] = {"temperature": t, "accuracy": before["accuracy"], "macro_f1": before["macro_f1"],
                        "ece_before": before["ece"], "ece_after": after["ece"],
                        "nll_before": metrics.nll(logits, y, 1.0), "nll_after": metrics.nll(logits, y, t),
                        "per_class": before["per_class"], "confusion": before["confusion"]}
        print(f"PublicTest{' (flip-averaged)' if flip else ''}: accuracy {before['accuracy']:.4f}, "
              f"macro-F1 {before['macro_f1']:.4f}; T={t:.3f}: ECE {before['ece']:.4f} -> {after['ece']:.4f}")
    return served


def parity(model, tfl: Path, x: np.ndarray) -> float:
    """The largest probability difference between PyTorch (``model``, a ServedModel) and
    LiteRT (``tfl``) on faces ``x`` uint8 ``[N, 48, 48]``, both uncalibrated."""
    import torch

    with torch.no_grad():
        ref = model(torch.from_numpy(x.astype(np.float32)[:, None])).numpy()
    # the graph against the graph: PyTorch is fed raw pixels, so LiteRT is too (no per-face normalisation)
    return float(np.abs(softmax(ref) - softmax(ExpressionClassifier(tfl, standardize=False).logits(x))).max())


def main(argv: list[str] | None = None) -> int:
    """``python -m classmood.models.export CHECKPOINT``: convert, calibrate, measure and
    record the model (and update the model card when it is the bundled one).

    Returns:
        0 when written; 1 for a library error (one line on stderr: no FER2013 folder,
        a teacher's record missing, ...); 2 without PyTorch or litert-torch.
    """
    ap = argparse.ArgumentParser(prog="python -m classmood.models.export", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint", type=Path, nargs="?", help="training checkpoint (best.pt)")
    ap.add_argument("--remeasure", action="store_true",
                    help="no checkpoint: measure the bundled float and int8 models again as served "
                         "(after a change of the serving preprocessing) and rewrite their .json's "
                         "temperatures and PublicTest figures and the model card")
    ap.add_argument("--out", type=Path, default=ASSETS / "emotion", help="output stem (default: the bundled model)")
    ap.add_argument("--log", type=Path, help="the run's train_log.jsonl, copied beside the model")
    ap.add_argument("--data", help="folder with fer2013_publictest.npz (default: as for training)")
    ap.add_argument("--name", default=None, help="model name for the metadata")
    args = ap.parse_args(argv)
    if args.remeasure:
        try:
            return remeasure(args.data)
        except ClassMoodError as exc:
            print(f"export: error: {exc}", file=sys.stderr)
            return 1
    if args.checkpoint is None:
        ap.error("a checkpoint is needed (or --remeasure)")
    try:
        import torch  # noqa: F401
        import litert_torch  # noqa: F401
    except ImportError as exc:
        print(f"export: error: {exc.name} is not installed; see classmood/models/MODEL_CARD.md (Reproduce)",
              file=sys.stderr)
        return 2
    try:
        return _export(args)
    except ClassMoodError as exc:  # one line, no traceback
        print(f"export: error: {exc}", file=sys.stderr)
        return 1


def _export(args: argparse.Namespace) -> int:
    """Convert, calibrate, measure and record the checkpoint ``args`` names (see :func:`main`).

    Raises:
        InputError: no FER2013 folder (``option="data"``).
        ModelError: a teacher's record is missing (see :mod:`.provenance`).
    """
    from .network import count_macs
    from .train.data import find_data, load_split
    from .weights import load_checkpoint

    model, cfg, best = load_checkpoint(args.checkpoint)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tfl, meta, npz = (args.out.with_suffix(s) for s in (".tflite", ".json", ".npz"))
    t0 = time.time()
    to_tflite(model, tfl)
    print(f"converted in {time.time() - t0:.1f} s: {tfl} ({tfl.stat().st_size / 1e6:.2f} MB)")
    np.savez(npz, **{k: v.numpy() for k, v in model.state_dict().items()})
    if meta.exists():
        meta.unlink()  # a stale temperature must not calibrate the new model

    x, y = load_split(find_data(args.data), "publictest")
    served = calibrate(tfl, x, y)
    diff = parity(model, tfl, x[:100])
    print(f"LiteRT vs PyTorch on 100 PublicTest faces: max |dp| = {diff:.2e}")
    params = sum(p.numel() for n, p in model.named_parameters() if not n.startswith("norm."))
    macs = count_macs(model.net)
    info = {
        "name": args.name or f"fer-{cfg['arch']}{cfg['width']}",
        "classes": list(FER_CLASSES),
        "input": {"shape": [-1, 1, INPUT_SIZE, INPUT_SIZE], "dtype": "float32", "range": [0, 255],
                  "normalisation_in_graph": {"mean": PIXEL_MEAN, "std": PIXEL_STD}},
        "arch": cfg["arch"], "width": cfg["width"], "first_stride": cfg.get("first_stride", 1),
        "blocks": cfg.get("blocks", 2), "parameters": params, "macs": macs,
        "temperature": served[False]["temperature"],
        "temperature_flip_average": served[True]["temperature"],
        "metrics": {"publictest": served[False], "publictest_flip_average": served[True],
                    "best_epoch": best.get("epoch"), "litert_vs_pytorch_max_abs_prob": diff},
        "training": cfg,
        "serving": SERVING,
        "sha256": hashlib.sha256(tfl.read_bytes()).hexdigest(),
    }
    if cfg.get("kd", 0) > 0 and cfg.get("teacher"):
        info["teachers"] = teachers_of(cfg["teacher"], args.out.parent)
        if len(info["teachers"]) > 1:  # what the ensemble itself scores (logits averaged, flip-averaged)
            avg = teacher_ensemble_logits(cfg["teacher"], x)
            info["teacher_ensemble_accuracy"] = float((avg.argmax(1) == y).mean())
            print(f"teacher ensemble on PublicTest: {info['teacher_ensemble_accuracy']:.4f}")
    meta.write_text(json.dumps(info, indent=1) + "\n")
    log = args.out.with_suffix(".train_log.jsonl")
    if args.log:
        shutil.copyfile(args.log, log)
    if args.out == ASSETS / "emotion":
        update_card(meta, log)
        print(f"updated {CARD}")
    print(f"wrote {tfl}, {meta}, {npz}")
    return 0


def remeasure(data: str | None = None) -> int:
    """Measure the bundled float and int8 models again as :class:`ExpressionClassifier`
    serves them (its preprocessing, e.g. the per-face standardisation, included) and
    rewrite in their ``.json`` the temperatures, the PublicTest figures and the int8-vs-float
    comparison, and ``serving``; then the model card's measured block. The model files
    are not touched (their sha256 stays).

    Returns:
        0 when written.

    Raises:
        InputError: no FER2013 folder (``option="data"``).
    """
    from .quantize import compare
    from .train.data import find_data, load_split

    x, y = load_split(find_data(data), "publictest")
    float_meta, int8_meta = ASSETS / "emotion.json", ASSETS / "emotion_int8.json"
    for tfl, meta in ((ASSETS / "emotion.tflite", float_meta), (ASSETS / "emotion_int8.tflite", int8_meta)):
        info = json.loads(meta.read_text())
        served = calibrate(tfl, x, y)
        info["temperature"] = served[False]["temperature"]
        info["temperature_flip_average"] = served[True]["temperature"]
        info["metrics"].update({"publictest": served[False], "publictest_flip_average": served[True]})
        info["serving"] = SERVING
        meta.write_text(json.dumps(info, indent=1) + "\n")
    info = json.loads(int8_meta.read_text())
    info["metrics"]["int8_vs_float"] = compare(ASSETS / "emotion.tflite", ASSETS / "emotion_int8.tflite", x, y)
    int8_meta.write_text(json.dumps(info, indent=1) + "\n")
    update_card(float_meta, ASSETS / "emotion.train_log.jsonl")
    print(f"rewrote {float_meta}, {int8_meta} and {CARD}")
    return 0


SERVING = ("per-face photometric normalisation before the graph "
           "(classmood.models.preprocess.standardize: each face to FER2013's face mean 130.96 and std 77.46)")
"""What :class:`ExpressionClassifier` does to faces before the model's graph, recorded in
the metadata by :func:`remeasure` and :func:`_export`."""


if __name__ == "__main__":
    raise SystemExit(main())
