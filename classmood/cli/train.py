"""``classmood train``: the training command line (one option per setting of
:class:`classmood.models.train.Config`, plus the run's data, folder and pieces) over
:func:`classmood.models.train.train`. Listed in ``classmood --help``; :func:`run` parses
its options itself (argparse's REMAINDER would swallow its ``--help``)."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Sequence

from ..errors import ClassMoodError
from .errors import EXIT_OK, EXIT_USER_ERROR, error_line

DESCRIPTION = """\
Train ClassMood's expression model on FER2013 (PyTorch; ``pip install -e .[train]``).

Trains on the Training split only and selects checkpoints on PublicTest only (we never
see PrivateTest). Seeded, resumable, one JSON line per epoch, a progress bar, bf16
autocast on CPU (AMX) and CUDA when present::

    classmood train --data ../shared/data/fer2013 --out runs/resnet \\
        --arch resnet --width 32 --epochs 60
    classmood train --out runs/resnet --resume     # continue after a stop
    classmood train --out runs/t --epochs 300 --time-budget 600  # fit 10 min

Recipe (the published tricks): random affine (rotation, scale, shift), horizontal flip,
random erasing, brightness/contrast jitter, label smoothing, mixup/cutmix, SGD with
Nesterov momentum and a one-cycle schedule, flip test-time averaging; faces standardised
per face as the product serves them (``--standardize``), optionally degraded first as a
webcam would (``--degrade``), and FERPlus's annotator votes mixed into the targets
(``--ferplus``, ``--drop-nonface``). Distillation
(``--teacher``, ``--kd``): from served .tflite models (soft labels computed once) or from
.pt checkpoints (run on every augmented batch: best on a GPU). Each run writes
``run.json`` (settings, size, device), ``train_log.jsonl``, ``best.pt`` with its PublicTest
logits, and ``last.pt`` to resume from.
"""
"""``classmood train --help``'s text above the options."""

EXIT_TRAIN_ERROR = 1
"""The status of a training error (bad settings, missing data, teacher or checkpoint): 1,
as the trainer has always exited on one (tools/gpu_train.sh and scripts see the same);
argparse's own errors and a missing PyTorch exit with :data:`EXIT_USER_ERROR` (2)."""


def register(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``train`` command to ``sub`` (listed only: :func:`run` parses its options)."""
    return sub.add_parser(
        "train", add_help=False,
        help="train the expression model (needs: pip install -e '.[train]')",
        description="Train on FER2013 Training, select on PublicTest; see classmood train --help.",
    )


def _yes(s: str) -> bool:
    """A yes/no option's value: 1, true, yes or on (any case) is yes."""
    return s.lower() in ("1", "true", "yes", "on")


_HELP = {
    "ferplus": "weight W of the FERPlus annotators' vote distribution in each Training face's target: "
               "(1-W) x the label-smoothed FER2013 label + W x the votes (contempt, unknown and not-a-face "
               "votes left out); faces FERPlus has no votes for keep their label. Needs "
               "DATA/ferplus/ferplus_votes.csv",
    "drop_nonface": "leave out the Training faces whose FERPlus 'not a face' + 'unknown' votes are a majority",
    "degrade": "chance per Training face of one webcam degradation before the per-face normalisation: "
               "dark (15-60%%) with sensor noise, blur (sigma 0.5-1.5 px), JPEG (quality 30-80) or a "
               "mask-like patch over the lower face",
    "standardize": "train and validate on faces per-face standardised as the product serves them "
                   "(classmood.models.preprocess.standardize); no: raw pixels, as runs before 2026-12",
}
"""Help for the settings whose option says more than its name."""


def build_parser() -> argparse.ArgumentParser:
    """The ``classmood train`` parser: ``--data``, ``--out``, ``--resume``, ``--stop-after``
    and one option per :class:`~classmood.models.train.Config` field (``--first-stride``
    sets ``first_stride``), with the field's default."""
    from ..models.train.config import Config
    from ..models.train.data import DATA_ENV

    ap = argparse.ArgumentParser(prog="classmood train", description=DESCRIPTION,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", help=f"folder with fer2013_train.npz and fer2013_publictest.npz (or ${DATA_ENV})")
    ap.add_argument("--out", type=Path, default=Path("runs/fer"), help="checkpoints and log (default runs/fer)")
    ap.add_argument("--resume", action="store_true",
                    help="continue from OUT/last.pt (its settings win, except --threads, --epochs, "
                    "--full-epochs and --time-budget when given: a new --epochs re-plans the schedule "
                    "from where the run is)")
    ap.add_argument("--stop-after", type=int, metavar="EPOCH",
                    help="end this piece after EPOCH (a long schedule in pieces; then --resume)")
    for k, v in asdict(Config()).items():
        if k == "bf16":
            ap.add_argument("--bf16", type=_yes, default=None,
                            help="bf16 autocast (default: auto, on where the hardware does it fast)")
        elif k == "kd_online":
            ap.add_argument("--kd-online", type=_yes, default=None,
                            help=".pt teachers run on every augmented batch (default: on a GPU; else their "
                            "labels of the un-augmented faces, computed once)")
        elif k in _HELP and isinstance(v, bool):
            ap.add_argument(f"--{k.replace('_', '-')}", type=_yes, nargs="?", const=True, default=v,
                            metavar="yes|no", help=_HELP[k] + f" (default: {'yes' if v else 'no'})")
        elif k in _HELP:
            ap.add_argument(f"--{k.replace('_', '-')}", type=type(v), default=v, help=_HELP[k] + f" (default: {v})")
        else:
            ap.add_argument(f"--{k.replace('_', '-')}", type=type(v), default=v)
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    """``classmood train``: parse the options, train and print the best PublicTest accuracy.

    Args:
        argv: the options, what follows ``train`` (default: the process's own).

    Returns:
        0 when the run (or this piece of it) ended; 1 for a training error (bad settings,
        missing data, teacher or checkpoint: one line on stderr naming the flag, see
        :func:`~classmood.cli.errors.error_line`); 2 without PyTorch.

    Raises:
        SystemExit: argparse's own exit for ``--help``, unknown options and bad values.
    """
    if importlib.util.find_spec("torch") is None:  # pragma: no cover - only without the train extra
        print("classmood train: error: PyTorch is not installed; run: pip install -e '.[train]'", file=sys.stderr)
        return EXIT_USER_ERROR
    from ..models.train import RESUME_OVERRIDES, Config, train

    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    cfg = Config(**{k: getattr(args, k) for k in asdict(Config())})
    given = {k: getattr(args, k) for k in RESUME_OVERRIDES
             if any(a == f"--{k.replace('_', '-')}" or a.startswith(f"--{k.replace('_', '-')}=") for a in argv)}
    try:
        best = train(cfg, data=args.data, out=args.out, resume=args.resume, stop_after=args.stop_after,
                     overrides=given)
    except ClassMoodError as exc:
        print(error_line(exc), file=sys.stderr)
        return EXIT_TRAIN_ERROR
    served = f", {best['accuracy_served']:.4f} as served" if "accuracy_served" in best else ""
    print(f"best PublicTest accuracy {best['accuracy']:.4f} flip-averaged{served} at epoch {best.get('epoch')} "
          f"(kept by {best.get('select', 'flip')}); checkpoints in {args.out}")
    return EXIT_OK


def run(argv: Sequence[str]) -> int:
    """Run ``classmood train`` on ``argv`` (what follows ``train``); returns its exit status."""
    return main(list(argv))
