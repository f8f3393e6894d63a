"""WiSE-FT: a checkpoint whose weights lie between a model and its fine-tune (weight-space
ensembling; Wortsman et al., 2022, "Robust fine-tuning of zero-shot models", CVPR)::

    python -m classmood.models.train.wise --base classmood/models/assets/emotion.npz \\
        --tuned runs/f19a/best.pt --alpha 0.3 --out runs/wise/a0.3.pt
    python -m classmood.models.export runs/wise/a0.3.pt --log runs/f19a/train_log.jsonl

theta = (1 - alpha) x base + alpha x tuned, for every floating-point tensor of the network
(BatchNorm's running statistics included: recomputing them on training faces scored
lower); integer tensors (BatchNorm's ``num_batches_tracked``) are the base's. No training:
the two networks must have the same tensors (names and shapes), e.g. a fine-tune started
with ``classmood train --init BASE``.

The checkpoint is what :func:`classmood.models.weights.load_checkpoint` reads and the
export takes: ``model`` (the mixed state), ``config`` (the network's shape and, under
``wise``, the lineage: the method and its source, alpha, the base file and its sha256
with what its ``.json`` and its int8 file's ``_int8.json`` recorded, the tuned checkpoint
with its sha256, its run's config and its best epoch) and an empty ``best`` (no epoch of
its own). Needs PyTorch (the train extra).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import torch

from ...errors import ClassMoodError, InputError
from ..network import ARCH_KEYS
from ..weights import read_checkpoint, state_dict_of

METHOD = "WiSE-FT"
SOURCE = "Wortsman et al., 2022, Robust fine-tuning of zero-shot models, CVPR, arXiv:2109.01903"
BASE_RECORD = ("name", "sha256", "metrics", "training", "teachers", "teacher_ensemble_accuracy", "serving")
"""What the tool keeps of the base's ``.json`` (an exported model's metadata), when it has one."""


def interpolate(base: dict[str, torch.Tensor], tuned: dict[str, torch.Tensor], alpha: float) -> dict[str, torch.Tensor]:
    """``(1 - alpha) * base + alpha * tuned`` for every floating-point tensor; the others
    (counters) are the base's.

    Args:
        base: a network's state dict (alpha 0 gives it back).
        tuned: a state dict with the same names and shapes (alpha 1 gives it back).
        alpha: how far towards ``tuned``, 0..1.

    Returns:
        A new state dict, in ``base``'s order and dtypes.

    Raises:
        InputError: ``alpha`` outside 0..1 (``option="alpha"``), or the two state dicts
            differ (``option="tuned"``): the message names the first tensor that is in one
            and not the other, or whose shapes differ.
    """
    if not 0.0 <= alpha <= 1.0:
        raise InputError(f"alpha {alpha}: give a weight between 0 (the base) and 1 (the fine-tune)", option="alpha")
    only_base, only_tuned = [k for k in base if k not in tuned], [k for k in tuned if k not in base]
    if only_base or only_tuned:
        key, where = (only_base[0], "the base's, not the fine-tune's") if only_base else \
            (only_tuned[0], "the fine-tune's, not the base's")
        raise InputError(f"tensor {key!r} is {where} ({len(only_base)} only in the base, {len(only_tuned)} only in "
                         "the fine-tune): not the same network; give a fine-tune of this base", option="tuned")
    out = {}
    for k, t in base.items():
        u = tuned[k]
        if t.shape != u.shape:
            raise InputError(f"tensor {k!r}: shape {tuple(t.shape)} in the base, {tuple(u.shape)} in the fine-tune: "
                             "not the same network; give a fine-tune of this base", option="tuned")
        out[k] = (1 - alpha) * t + alpha * u.to(t.dtype) if t.is_floating_point() else t.clone()
    return out


def sha256_of(path: Path) -> str:
    """A file's sha256, hex."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _base_record(path: Path) -> tuple[dict, dict | None]:
    """The base's lineage entry and its network config (None when unknown): an exported
    ``.npz`` is described by the ``.json`` beside it, a ``.pt`` by its own config."""
    entry: dict = {"file": str(path), "sha256": sha256_of(path)}
    if path.suffix == ".npz":
        meta_path = path.with_suffix(".json")
        if not meta_path.exists():
            return entry, None
        meta = json.loads(meta_path.read_text())
        entry["model"] = {k: meta[k] for k in BASE_RECORD if k in meta}
        served = path.with_name(f"{path.stem}_int8.json")  # the served int8 file of an export, when there
        if served.exists():
            m = json.loads(served.read_text())
            entry["served_int8"] = {"name": m.get("name"), "sha256": m.get("sha256"),
                                    "publictest": m.get("metrics", {}).get("publictest")}
        return entry, meta.get("training")
    state = read_checkpoint(path)
    entry.update(config=state.get("config"), best=state.get("best", {}))
    return entry, state.get("config")


def wise_checkpoint(base: Path, tuned: Path, alpha: float) -> dict:
    """The WiSE-FT checkpoint of ``base`` and its fine-tune ``tuned`` at ``alpha``.

    Args:
        base: the model before the fine-tune: an exported ``.npz`` (its ``.json`` beside
            it is recorded when there) or a training checkpoint ``.pt``.
        tuned: the fine-tune's checkpoint (``best.pt``).
        alpha: 0 gives the base's weights, 1 the fine-tune's.

    Returns:
        ``model``, ``config`` (the network's shape and ``wise``, the lineage) and ``best`` (empty).

    Raises:
        InputError: a file is missing (``option="base"`` / ``"tuned"``), alpha is outside
            0..1, or the two networks differ (see :func:`interpolate`).
    """
    for option, p in (("base", base), ("tuned", tuned)):
        if not Path(p).is_file():
            raise InputError(f"{p}: no such weights file; give as {option} a .pt checkpoint"
                             f"{' or an exported .npz' if option == 'base' else ''}", option=option)
    base, tuned = Path(base), Path(tuned)
    state = read_checkpoint(tuned)
    tuned_cfg = state["config"]
    base_entry, base_cfg = _base_record(base)
    if base_cfg is not None:
        diff = [k for k in ARCH_KEYS if k in base_cfg and k in tuned_cfg and base_cfg[k] != tuned_cfg[k]]
        if diff:
            raise InputError(f"{diff[0]}: {base_cfg[diff[0]]} in the base, {tuned_cfg[diff[0]]} in the fine-tune: "
                             "not the same network; give a fine-tune of this base", option="tuned")
    model = interpolate(state_dict_of(base), state["model"], alpha)
    config = {k: tuned_cfg[k] for k in ARCH_KEYS if k in tuned_cfg}
    config["wise"] = {
        "method": METHOD, "source": SOURCE, "alpha": alpha,
        "formula": "(1 - alpha) * base + alpha * tuned, every floating-point tensor (BatchNorm running statistics "
                   "included); integer tensors from the base",
        "base": base_entry,
        "tuned": {"file": str(tuned), "sha256": sha256_of(tuned), "config": tuned_cfg, "best": state.get("best", {})},
    }
    return {"model": model, "config": config, "best": {}}


def main(argv: list[str] | None = None) -> int:
    """``python -m classmood.models.train.wise``: write the interpolated checkpoint.

    Returns:
        0 when written; 1 for a library error (one line on stderr).
    """
    ap = argparse.ArgumentParser(prog="python -m classmood.models.train.wise", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", type=Path, required=True, help="the model before the fine-tune (.npz export or .pt)")
    ap.add_argument("--tuned", type=Path, required=True, help="the fine-tune's checkpoint (best.pt)")
    ap.add_argument("--alpha", type=float, required=True, help="0: the base, 1: the fine-tune")
    ap.add_argument("--out", type=Path, required=True, help="the checkpoint to write (.pt)")
    args = ap.parse_args(argv)
    try:
        ckpt = wise_checkpoint(args.base, args.tuned, args.alpha)
    except ClassMoodError as exc:
        flag = {"alpha": "--alpha", "base": "--base", "tuned": "--tuned"}.get(exc.option or "")
        print(f"wise: error: {exc}{f' ({flag})' if flag else ''}", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(ckpt, args.out)
    print(f"wrote {args.out}: {1 - args.alpha:g} x {args.base} + {args.alpha:g} x {args.tuned}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
