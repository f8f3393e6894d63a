"""Train ClassMood's expression model on FER2013 (PyTorch; ``pip install -e .[train]``).

Trains on the Training split only and selects checkpoints on PublicTest only (we never
see PrivateTest). Seeded, resumable, one JSON line per epoch, a progress bar, bf16
autocast on CPU (AMX) and CUDA when present::

    python -m classmood.models.train --data ../shared/data/fer2013 --out runs/resnet \\
        --arch resnet --width 32 --epochs 60
    python -m classmood.models.train --out runs/resnet --resume     # continue after a stop
    python -m classmood.models.train --out runs/t --epochs 300 --time-budget 600  # fit 10 min

Recipe (the published tricks): random affine (rotation, scale, shift), horizontal flip,
random erasing, brightness/contrast jitter, label smoothing, mixup/cutmix, SGD with
Nesterov momentum and a one-cycle schedule, flip test-time averaging. Distillation
(``--teacher``, ``--kd``): from served .tflite models (soft labels computed once) or from
.pt checkpoints (run on every augmented batch: best on a GPU). Each run writes
``run.json`` (settings, size, device), ``train_log.jsonl``, ``best.pt`` with its PublicTest
logits, and ``last.pt`` to resume from.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from pathlib import Path

from .config import RESUME_OVERRIDES, SELECT, Config
from .data import DATA_ENV, find_data


def _yes(s: str) -> bool:
    """A yes/no option's value: 1, true, yes or on (any case) is yes."""
    return s.lower() in ("1", "true", "yes", "on")


def main(argv: list[str] | None = None) -> int:
    """``classmood train`` / ``python -m classmood.models.train``: parse the options, check
    them, train and print the best PublicTest accuracy.

    Args:
        argv: the options (default: the process's own).

    Returns:
        0 when the run (or this piece of it) ended; 2 without PyTorch.

    Raises:
        SystemExit: with one error line for a bad option, missing data, teacher or
            checkpoint (argparse's own exit for unknown options and ``--help``).
    """
    try:
        import torch  # noqa: F401
    except ImportError:  # pragma: no cover - exercised only without the train extra
        print("classmood train: error: PyTorch is not installed; run: pip install -e '.[train]'", file=sys.stderr)
        return 2
    from .distill import teacher_kind  # (these need PyTorch)
    from .loop import train

    ap = argparse.ArgumentParser(prog="classmood train", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", help=f"folder with fer2013_train.npz and fer2013_publictest.npz (or ${DATA_ENV})")
    ap.add_argument("--out", type=Path, default=Path("runs/fer"), help="checkpoints and log (default runs/fer)")
    ap.add_argument("--resume", action="store_true",
                    help="continue from OUT/last.pt (its settings win, except --threads, --epochs, "
                    "--full-epochs and --time-budget when given: a new --epochs re-plans the schedule "
                    "from where the run is)")
    ap.add_argument("--stop-after", type=int, metavar="EPOCH",
                    help="end this piece after EPOCH (a long schedule in pieces; then --resume)")
    defaults = Config()
    for k, v in asdict(defaults).items():
        if k == "bf16":
            ap.add_argument("--bf16", type=_yes, default=None,
                            help="bf16 autocast (default: auto, on where the hardware does it fast)")
        elif k == "kd_online":
            ap.add_argument("--kd-online", type=_yes, default=None,
                            help=".pt teachers run on every augmented batch (default: on a GPU; else their "
                            "labels of the un-augmented faces, computed once)")
        else:
            ap.add_argument(f"--{k.replace('_', '-')}", type=type(v), default=v)
    args = ap.parse_args(argv)
    cfg = Config(**{k: getattr(args, k) for k in asdict(defaults)})
    if not 0 <= cfg.kd <= 1 or (cfg.kd > 0) != bool(cfg.teacher.strip()):
        raise SystemExit(f"classmood train: error: --kd {cfg.kd} with --teacher {cfg.teacher or '(none)'}: "
                         "distillation needs both, --kd between 0 and 1 and --teacher MODEL.tflite[,...] "
                         "or --teacher best.pt[,...]")
    if cfg.teacher.strip():
        teacher_kind(cfg.teacher)
    if cfg.select not in SELECT:
        raise SystemExit(f"classmood train: error: --select {cfg.select}: choose {' or '.join(SELECT)}")
    if cfg.time_budget < 0:
        raise SystemExit(f"classmood train: error: --time-budget {cfg.time_budget}: give seconds (> 0), or 0 for none")
    argv = list(sys.argv[1:] if argv is None else argv)
    given = {k: getattr(args, k) for k in RESUME_OVERRIDES
             if any(a == f"--{k.replace('_', '-')}" or a.startswith(f"--{k.replace('_', '-')}=") for a in argv)}
    best = train(cfg, find_data(args.data), args.out, args.resume, args.stop_after, overrides=given)
    served = f", {best['accuracy_served']:.4f} as served" if "accuracy_served" in best else ""
    print(f"best PublicTest accuracy {best['accuracy']:.4f} flip-averaged{served} at epoch {best.get('epoch')} "
          f"(kept by {best.get('select', 'flip')}); checkpoints in {args.out}")
    return 0

