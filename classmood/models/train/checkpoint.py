"""A run's folder: ``run.json`` (settings, size, device), ``train_log.jsonl`` (one JSON line
per epoch), ``best.pt`` with its PublicTest logits, and ``last.pt`` to resume from."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from ...errors import InputError
from ..weights import read_checkpoint
from .config import LEGACY, RESUME_OVERRIDES, Config

LAST, LOG, BEST, BEST_LOGITS, RUN = "last.pt", "train_log.jsonl", "best.pt", "best_publictest_logits.npy", "run.json"


def resume_from(out: Path, overrides: dict | None) -> tuple[dict, Config, Config]:
    """The state of ``out/last.pt`` and the settings to continue with.

    Args:
        out: the run's folder.
        overrides: new values for :data:`RESUME_OVERRIDES` (other keys are ignored).

    Returns:
        The checkpoint's dict, the settings it was saved with and the settings to go on
        with (the saved ones with the overrides).

    Raises:
        InputError: there is no checkpoint (``option="resume"``), or the new ``epochs``
            are not more than the run already did (``option="epochs"``).
    """
    path = out / LAST
    if not path.exists():
        raise InputError(f"{path}: no checkpoint to resume from; give the folder of a stopped run as out, "
                         "or start a new run", option="resume")
    state = read_checkpoint(path)
    saved = Config(**{**LEGACY, **state["config"]})  # a setting added since: as the run ran
    cfg = Config(**{**asdict(saved), **{k: v for k, v in (overrides or {}).items() if k in RESUME_OVERRIDES}})
    if cfg.epochs <= state["epoch"] + 1:
        raise InputError(f"epochs {cfg.epochs}: the run already did {state['epoch'] + 1} epochs; give more",
                         option="epochs")
    return state, saved, cfg


def write_run_record(out: Path, cfg: Config, parameters: int, macs: int, device: torch.device, bf16: bool) -> None:
    """``run.json``: the settings, the network's size, where it trained and with what."""
    (out / RUN).write_text(json.dumps(
        {"config": asdict(cfg), "parameters": parameters, "macs": macs, "device": str(device),
         "device_name": torch.cuda.get_device_name() if device.type == "cuda" else None,
         "bf16": bf16, "torch": torch.__version__}, indent=1) + "\n")


def append_log(out: Path, record: dict) -> None:
    """One epoch's line in ``train_log.jsonl``."""
    with open(out / LOG, "a") as f:
        f.write(json.dumps(record) + "\n")


def save_best(out: Path, model: torch.nn.Module, cfg: Config, best: dict, logits: torch.Tensor) -> None:
    """``best.pt`` (weights, settings, PublicTest figures) and the epoch's flip-averaged
    PublicTest logits float32 ``[N, 7]`` beside it."""
    torch.save({"model": model.state_dict(), "config": asdict(cfg), "best": best}, out / BEST)
    np.save(out / BEST_LOGITS, logits.numpy())


def save_last(out: Path, state: dict) -> None:
    """``last.pt``, written atomically: a kill never leaves a torn checkpoint."""
    torch.save(state, out / "last.tmp")
    os.replace(out / "last.tmp", out / LAST)
