"""What a distilled model learnt from: its teachers' names, sizes, PublicTest accuracies
and training logs, as the export records them in the model's ``.json`` and the model card
shows them.

A teacher is a served model (its ``.json`` and ``.train_log.jsonl`` beside the ``.tflite``)
or a training checkpoint (its run's ``run.json``, ``train_log.jsonl`` and
``best_publictest_logits.npy`` beside ``best.pt``: the weights themselves need not be here).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from ..errors import ModelError
from .expression import ExpressionClassifier
from .train.config import teacher_paths


def _teacher_meta(path: Path) -> tuple[dict, Path]:
    """A teacher's name, size and PublicTest accuracy (flip-averaged), and its log's path:
    from its export (``.json`` beside a ``.tflite``) or its run (``run.json`` beside a
    checkpoint: the run's own record, so the weights need not be here; its accuracy is the
    log's best, filled in by :func:`teachers_of`, which reads the log).

    Raises:
        ModelError: the teacher's record (run.json and log, or its export's .json) is missing.
    """
    if path.suffix == ".pt":
        run, log = path.parent / "run.json", path.parent / "train_log.jsonl"
        if not run.exists() or not log.exists():
            raise ModelError(f"{path.parent}: the teacher's run.json or train_log.jsonl is missing; "
                             "give the run folder that classmood train wrote")
        info = json.loads(run.read_text())
        c = info["config"]
        return {"name": f"fer-{c['arch']}{c['width']}-seed{c['seed']}",
                "parameters": info["parameters"], "device": info.get("device_name") or info.get("device"),
                "accuracy": None}, log
    meta_path, log = path.with_suffix(".json"), path.with_suffix(".train_log.jsonl")
    if not meta_path.exists():
        raise ModelError(f"{meta_path}: the teacher's metadata is missing; export the teacher to "
                         f"{path.with_suffix('')} (classmood.models.export) first")
    tm = json.loads(meta_path.read_text())
    return {"name": tm["name"], "parameters": tm["parameters"],
            "accuracy": tm["metrics"]["publictest_flip_average"]["accuracy"]}, log


def teachers_of(spec: str, dest: Path) -> list[dict]:
    """What the model was distilled from: each teacher's metadata and training log, the
    log copied to ``dest/teachers/`` so the card can point at it.

    Args:
        spec: the run's teachers (``Config.teacher``: comma-separated paths).
        dest: the folder the model is exported to.

    Returns:
        One dict a teacher: ``name``, ``parameters``, ``accuracy`` (PublicTest,
        flip-averaged, 0..1), ``epochs``, ``minutes``, ``log`` (its copy, relative to the
        package's models folder, or None) and, for a checkpoint, ``device``.

    Raises:
        ModelError: a teacher's record is missing (its run's run.json or log, or its export's .json).
    """
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
    """The teachers' averaged, flip-averaged PublicTest logits float32 ``[N, 7]``: served
    teachers run by LiteRT on ``x`` (PublicTest faces uint8 ``[N, 48, 48]``); checkpoint
    teachers from the logits their run saved with its best epoch.

    Raises:
        ModelError: a checkpoint teacher's run has no saved PublicTest logits.
    """
    logits = []
    for p in teacher_paths(spec):
        if p.suffix == ".pt":
            saved = p.parent / "best_publictest_logits.npy"
            if not saved.exists():
                raise ModelError(f"{saved}: missing; the teacher's run saves it with best.pt")
            logits.append(np.load(saved))
        else:
            logits.append(ExpressionClassifier(p, flip_average=True, threads=2).logits(x))
    return np.mean(logits, axis=0)
