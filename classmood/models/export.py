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

from . import metrics
from .card import CARD, update_card
from .emotion import ASSETS, EmotionClassifier, softmax
from ..labels import FER_CLASSES
from .preprocess import INPUT_SIZE, PIXEL_MEAN, PIXEL_STD


def load_checkpoint(path: Path):
    """A ServedModel (eval mode) from a training checkpoint (best.pt / last.pt)."""
    import torch

    from .train import ServedModel, build_from

    state = torch.load(path, map_location="cpu", weights_only=False)
    cfg = state["config"]
    net = build_from(cfg)
    net.load_state_dict(state["model"])
    return ServedModel(net).eval(), cfg, state.get("best", {})


def load_npz(path: Path, arch_cfg: dict):
    """A ServedModel rebuilt from exported weights (``emotion.npz``); ``arch_cfg`` is the
    shape its ``.json`` records (``training``: arch, width, first_stride, blocks)."""
    import torch

    from .train import ServedModel, build_from

    model = ServedModel(build_from(arch_cfg)).eval()
    with np.load(path) as d:
        model.load_state_dict({k: torch.from_numpy(d[k]) for k in d.files})
    return model


def _teacher_meta(path: Path) -> tuple[dict, Path]:
    """A teacher's name, size and PublicTest accuracy (flip-averaged), and its log's path:
    from its export (``.json`` beside a ``.tflite``) or its run (``run.json`` beside a
    checkpoint: the run's own record, so the weights need not be here; its accuracy is the
    log's best, filled in by :func:`teachers_of`, which reads the log)."""
    if path.suffix == ".pt":
        run, log = path.parent / "run.json", path.parent / "train_log.jsonl"
        if not run.exists() or not log.exists():
            raise SystemExit(f"export: error: {path.parent}: the teacher's run.json or train_log.jsonl is missing; "
                             "give the run folder that classmood train wrote")
        info = json.loads(run.read_text())
        c = info["config"]
        return {"name": f"fer-{c['arch']}{c['width']}-seed{c['seed']}",
                "parameters": info["parameters"], "device": info.get("device_name") or info.get("device"),
                "accuracy": None}, log
    meta_path, log = path.with_suffix(".json"), path.with_suffix(".train_log.jsonl")
    if not meta_path.exists():
        raise SystemExit(f"export: error: {meta_path}: the teacher's metadata is missing; export the teacher "
                         "with python -m classmood.models.export --out ... first")
    tm = json.loads(meta_path.read_text())
    return {"name": tm["name"], "parameters": tm["parameters"],
            "accuracy": tm["metrics"]["publictest_flip_average"]["accuracy"]}, log


def teachers_of(spec: str, dest: Path) -> list[dict]:
    """What the model was distilled from: each teacher's metadata and training log, the
    log copied to ``dest/teachers/`` so the card can point at it."""
    from .train import teacher_paths

    out = []
    for path in teacher_paths(spec):
        entry, log_path = _teacher_meta(path)
        entry.update(epochs=0, minutes=0.0, log=None)
        if log_path.exists():
            rows = [json.loads(x) for x in log_path.read_text().splitlines() if x.strip()]
            if entry["accuracy"] is None:  # a checkpoint teacher: its run's best epoch
                entry["accuracy"] = max(r["publictest_acc"] for r in rows)
            (dest / "teachers").mkdir(parents=True, exist_ok=True)
            shutil.copyfile(log_path, dest / "teachers" / f"{entry['name']}.train_log.jsonl")
            entry.update(epochs=len(rows), minutes=sum(r.get("seconds", 0) for r in rows) / 60,
                         log=f"assets/teachers/{entry['name']}.train_log.jsonl")
        out.append(entry)
    return out


def teacher_ensemble_logits(spec: str, x: np.ndarray) -> np.ndarray:
    """The teachers' averaged, flip-averaged PublicTest logits: served teachers run by
    LiteRT; checkpoint teachers from the logits their run saved with its best epoch."""
    from .train import teacher_paths

    logits = []
    for p in teacher_paths(spec):
        if p.suffix == ".pt":
            saved = p.parent / "best_publictest_logits.npy"
            if not saved.exists():
                raise SystemExit(f"export: error: {saved}: missing; the teacher's run saves it with best.pt")
            logits.append(np.load(saved))
        else:
            logits.append(EmotionClassifier(p, flip_average=True, threads=2).logits(x))
    return np.mean(logits, axis=0)


def to_tflite(model, out: Path) -> None:
    import litert_torch
    import torch

    batch = torch.export.Dim("batch", min=1, max=4096)
    sample = (torch.rand(2, 1, INPUT_SIZE, INPUT_SIZE) * 255,)
    edge = litert_torch.convert(model, sample, dynamic_shapes=({0: batch},))
    edge.export(str(out))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m classmood.models.export", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint", type=Path, help="training checkpoint (best.pt)")
    ap.add_argument("--out", type=Path, default=ASSETS / "emotion", help="output stem (default: the bundled model)")
    ap.add_argument("--log", type=Path, help="the run's train_log.jsonl, copied beside the model")
    ap.add_argument("--data", help="folder with fer2013_publictest.npz (default: as for training)")
    ap.add_argument("--name", default=None, help="model name for the metadata")
    args = ap.parse_args(argv)
    try:
        import torch  # noqa: F401
        import litert_torch  # noqa: F401
    except ImportError as exc:
        print(f"export: error: {exc.name} is not installed; see classmood/models/MODEL_CARD.md (Reproduce)",
              file=sys.stderr)
        return 2
    import torch

    from .train import find_data, load_split

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
    served = {}
    for flip in (False, True):
        clf = EmotionClassifier(tfl, flip_average=flip, threads=2)
        logits = clf.logits(x)
        t = metrics.fit_temperature(logits, y)
        before, after = metrics.summary(y, softmax(logits)), metrics.summary(y, softmax(logits, t))
        served[flip] = {"temperature": t, "accuracy": before["accuracy"], "macro_f1": before["macro_f1"],
                        "ece_before": before["ece"], "ece_after": after["ece"],
                        "nll_before": metrics.nll(logits, y, 1.0), "nll_after": metrics.nll(logits, y, t),
                        "per_class": before["per_class"], "confusion": before["confusion"]}
        print(f"PublicTest{' (flip-averaged)' if flip else ''}: accuracy {before['accuracy']:.4f}, "
              f"macro-F1 {before['macro_f1']:.4f}; T={t:.3f}: ECE {before['ece']:.4f} -> {after['ece']:.4f}")
    with torch.no_grad():
        ref = model(torch.from_numpy(x[:100].astype(np.float32)[:, None])).numpy()
    parity = float(np.abs(softmax(ref) - softmax(EmotionClassifier(tfl).logits(x[:100]))).max())
    print(f"LiteRT vs PyTorch on 100 PublicTest faces: max |dp| = {parity:.2e}")
    params = sum(p.numel() for n, p in model.named_parameters() if not n.startswith("norm."))
    from .train import count_macs

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
                    "best_epoch": best.get("epoch"), "litert_vs_pytorch_max_abs_prob": parity},
        "training": cfg,
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


if __name__ == "__main__":
    raise SystemExit(main())
