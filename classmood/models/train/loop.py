"""The training loop: seeded, resumable, one JSON line per epoch, the best PublicTest
epoch kept, bf16 autocast where the hardware does it fast, a progress bar on a terminal."""

from __future__ import annotations

import json
import math
import random
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

from ..network import build_from, count_macs
from ..preprocess import INPUT_SIZE
from . import checkpoint
from .augment import augment, mix
from .config import SELECT, Config, teacher_kind
from .data import load_names, load_split
from .degrade import camera_view
from .distill import distilled_loss, load_teachers, teacher_targets
from .ferplus import load_split_votes, nonface, soft_targets
from .hardware import fast_bf16, memory_format
from .inference import ensemble_logits
from .schedule import epochs_that_fit, full_size_cost, one_cycle
from .tensors import to_device, to_tensor
from .validation import evaluate
from .warm_start import init_from

try:
    from tqdm import tqdm
except ImportError:  # pragma: no cover - the train extra brings it
    tqdm = None


@dataclass
class _Run:
    """What every training step uses; ``cfg`` and ``sched`` change when a time budget
    re-plans the schedule."""

    cfg: Config
    model: nn.Module
    opt: torch.optim.Optimizer
    sched: torch.optim.lr_scheduler.OneCycleLR
    crit: nn.Module
    gen: torch.Generator
    xtr: torch.Tensor                    # normalised training faces [N, 1, 48, 48] on the device
    ytr: torch.Tensor                    # their labels int64 [N] on the device
    device: torch.device
    bf16: bool
    fmt: torch.memory_format
    teachers: list                       # checkpoint teachers run on every batch (or none)
    soft: torch.Tensor | None            # or the teachers' soft labels [N, 7] of every face
    steps: int                           # optimizer steps per epoch
    target: torch.Tensor | None = None   # each face's soft target [N, 7] (FERPlus votes mixed in), or the labels


def train(cfg: Config, data: Path, out: Path, resume: bool, stop_after: int | None = None,
          overrides: dict | None = None) -> dict:
    """Train (or continue) a run in ``out``; ``stop_after`` ends this piece after that
    epoch (the schedule still spans ``cfg.epochs``; resuming continues it).
    ``overrides`` (resume only): new values for :data:`RESUME_OVERRIDES`; a new
    ``epochs`` re-plans the one-cycle schedule from the current step. With a
    ``time_budget`` the schedule is re-planned shorter, from the measured epoch time,
    whenever the planned epochs would not fit.

    Args:
        cfg: the run's settings (a resumed run takes the checkpoint's instead).
        data: the FER2013 folder (``fer2013_train.npz``, ``fer2013_publictest.npz``).
        out: the run's folder (see :mod:`.checkpoint`).
        resume: continue from ``out/last.pt``.
        stop_after: end this piece after this epoch (1-based).
        overrides: see above.

    Returns:
        The best epoch's figures: ``accuracy`` (flip-averaged) and ``accuracy_served``
        (0..1), ``macro_f1``, ``epoch`` and ``select``.

    Raises:
        InputError: no checkpoint to resume from (``option="resume"``), ``epochs`` not
            more than the resumed run did (``option="epochs"``), a missing ``init`` file
            (``option="init"``), or a teacher cache of other teachers or faces.
        ModelError: a missing teacher file (``option="teacher"``).
    """
    t_run = time.time()
    out.mkdir(parents=True, exist_ok=True)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    if resume:
        state, saved, cfg = checkpoint.resume_from(out, overrides)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    random.seed(cfg.seed)
    np.random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)

    xtr_u8, ytr_np = load_split(data, "train")
    xva_u8, yva_np = load_split(data, "publictest")
    # the training faces as they are (each batch is degraded and standardised as served,
    # .degrade.camera_view); PublicTest as the product feeds the graph
    xtr, ytr = to_tensor(xtr_u8).to(device), torch.from_numpy(ytr_np).to(device)
    xva, yva = to_tensor(xva_u8, standardized=cfg.standardize).to(device), torch.from_numpy(yva_np)
    keep, target = _ferplus(cfg, data, ytr_np)

    fmt = memory_format(cfg.width)
    model = build_from(asdict(cfg))
    macs = count_macs(model)
    if cfg.init and not resume:
        n, total = init_from(model, Path(cfg.init))
        print(f"initialised {n} of {total} tensors from {cfg.init}")
    model = model.to(device).to(memory_format=fmt)
    bf16 = fast_bf16(device) if cfg.bf16 is None else cfg.bf16
    teachers, soft = _distillation(cfg, xtr_u8, out, device, fmt)
    if keep is not None:  # (the teachers' labels are of every face: their cache is shared between runs)
        k = to_device(torch.from_numpy(np.flatnonzero(keep)), device)
        xtr, ytr = xtr[k], ytr[k]
        soft = None if soft is None else soft[k]
        target = None if target is None else target[keep]
    target = None if target is None else torch.from_numpy(target).to(device)
    params = sum(p.numel() for p in model.parameters())
    opt = _optimizer(model, cfg)
    steps = math.ceil(len(xtr) / cfg.batch)
    run = _Run(cfg, model, opt, one_cycle(opt, cfg, steps), nn.CrossEntropyLoss(label_smoothing=cfg.label_smoothing),
               gen, xtr, ytr, device, bf16, fmt, teachers, soft, steps, target)
    start_epoch, best = _restore(run, state, saved) if resume else (0, {"accuracy": 0.0})
    checkpoint.write_run_record(out, cfg, params, macs, device, bf16)
    print(f"{cfg.arch} width {cfg.width}/{cfg.first_stride}/{cfg.blocks}: {params:,} parameters, "
          f"{macs / 1e6:.1f}M multiply-adds; {len(xtr)} train, {len(xva)} PublicTest; "
          f"device {device}, bf16 {bf16}", flush=True)
    crop_cost = []  # seconds per epoch, in crop-size epochs (for the time budget)
    epoch = start_epoch
    while epoch < run.cfg.epochs:
        t0 = time.time()
        size = INPUT_SIZE if epoch >= run.cfg.epochs - run.cfg.full_epochs else run.cfg.crop
        train_loss = _train_epoch(run, epoch, size)
        ev = evaluate(model, xva, yva, device, bf16, fmt=fmt)
        rec = {"epoch": epoch + 1, "train_loss": round(train_loss, 4),
               "publictest_acc": round(ev["accuracy"], 4), "publictest_acc_served": round(ev["accuracy_served"], 4),
               "publictest_macro_f1": round(ev["macro_f1"], 4),
               "lr": round(run.sched.get_last_lr()[0], 6), "size": size, "seconds": round(time.time() - t0, 1)}
        checkpoint.append_log(out, rec)
        print(json.dumps(rec), flush=True)
        key = SELECT[run.cfg.select]
        if ev[key] > best.get(key, 0.0):  # (a checkpoint of an older version lacks the served figure)
            best = {"accuracy": ev["accuracy"], "accuracy_served": ev["accuracy_served"],
                    "macro_f1": ev["macro_f1"], "epoch": epoch + 1, "select": run.cfg.select}
            checkpoint.save_best(out, model, run.cfg, best, ev["logits"])
        if run.cfg.time_budget > 0:
            crop_cost.append((time.time() - t0) / (full_size_cost(run.cfg) if size == INPUT_SIZE else 1))
        if len(crop_cost) > 1:  # the piece's first epoch warms up: timed from the second on
            _fit_time_budget(run, epoch + 1, run.cfg.time_budget - (time.time() - t_run), float(np.mean(crop_cost[1:])))
        checkpoint.save_last(out, {
            "model": model.state_dict(), "optimizer": opt.state_dict(), "scheduler": run.sched.state_dict(),
            "generator": gen.get_state(), "torch_rng": torch.get_rng_state(), "epoch": epoch,
            "best": best, "config": asdict(run.cfg)})
        epoch += 1
        if stop_after is not None and epoch >= stop_after and epoch < run.cfg.epochs:
            print(f"stopped after epoch {epoch} of {run.cfg.epochs}; continue with --resume")
            break
    return best


def _optimizer(model: nn.Module, cfg: Config) -> torch.optim.SGD:
    """SGD with Nesterov momentum at ``cfg.lr``; weight decay on the weights only (not
    on biases and batch-norm parameters)."""
    decay = [p for n, p in model.named_parameters() if p.ndim > 1]
    no_decay = [p for n, p in model.named_parameters() if p.ndim <= 1]
    return torch.optim.SGD([{"params": decay, "weight_decay": cfg.weight_decay},
                            {"params": no_decay, "weight_decay": 0.0}],
                           lr=cfg.lr, momentum=0.9, nesterov=True)


def _restore(run: _Run, state: dict, saved: Config) -> tuple[int, dict]:
    """Put a checkpoint's weights, optimizer, schedule and random state back into ``run``
    (a new ``epochs`` re-plans the schedule instead); returns the epoch to start at
    (0-based) and the best figures so far."""
    run.model.load_state_dict(state["model"])
    run.opt.load_state_dict(state["optimizer"])
    if run.cfg.epochs != saved.epochs:  # the same one-cycle shape over the new length, from where the run is
        run.sched = one_cycle(run.opt, run.cfg, run.steps, (state["epoch"] + 1) * run.steps)
        print(f"re-planned the schedule: {saved.epochs} -> {run.cfg.epochs} epochs "
              f"(learning rate now {run.opt.param_groups[0]['lr']:.4f})")
    else:
        run.sched.load_state_dict(state["scheduler"])
    run.gen.set_state(state["generator"])
    torch.set_rng_state(state["torch_rng"])
    start_epoch, best = state["epoch"] + 1, state["best"]
    print(f"resuming at epoch {start_epoch + 1}/{run.cfg.epochs} (best so far {best['accuracy']:.4f})")
    return start_epoch, best


def _distillation(cfg: Config, images: np.ndarray, out: Path, device: torch.device,
                  fmt: torch.memory_format) -> tuple[list, torch.Tensor | None]:
    """The teachers to run on every batch, or the soft labels float32 ``[N, 7]`` (on the
    device) of the training faces ``images``; neither without distillation. Checkpoint
    teachers on a GPU run on every batch (unless ``cfg.kd_online`` says otherwise);
    otherwise their labels are computed once."""
    if cfg.kd <= 0:
        return [], None
    teachers, soft = [], None
    online = device.type == "cuda" if cfg.kd_online is None else cfg.kd_online
    if teacher_kind(cfg.teacher) == ".pt" and online:
        teachers = load_teachers(cfg.teacher, device, fmt)
    else:
        soft = teacher_targets(cfg.teacher, images, out, cfg.kd_temp).to(device)
    print(f"distilling from {cfg.teacher}: " + ("on every augmented batch" if teachers else
          "soft labels of the un-augmented faces"), flush=True)
    return teachers, soft


def _ferplus(cfg: Config, data: Path, labels: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Which Training faces to keep (bool ``[N]``; None: all) and their soft targets
    float32 ``[N, 7]`` with the FERPlus votes mixed in (None: the labels, as ever), from
    ``cfg.drop_nonface`` and ``cfg.ferplus``."""
    if cfg.ferplus <= 0 and not cfg.drop_nonface:
        return None, None
    votes, matched = load_split_votes(data, load_names(data, "train"), labels)
    keep = ~(nonface(votes) & matched) if cfg.drop_nonface else None
    target = soft_targets(labels, votes, matched, cfg.ferplus, cfg.label_smoothing) if cfg.ferplus > 0 else None
    print(f"FERPlus: votes for {int(matched.sum())} of {len(labels)} Training faces"
          + (f"; {int((~keep).sum())} left out (mostly 'not a face' or 'unknown')" if keep is not None else "")
          + (f"; soft targets at weight {cfg.ferplus}" if target is not None else ""), flush=True)
    return keep, target


def _train_epoch(run: _Run, epoch: int, size: int) -> float:
    """One pass over the training faces in a fresh random order, on ``size`` x ``size``
    crops; returns the mean training loss."""
    run.model.train()
    perm = to_device(torch.randperm(len(run.xtr), generator=run.gen), run.device)
    it = range(run.steps)
    bar = it  # a bar on a terminal; a log file gets the JSON lines only
    if tqdm and sys.stderr.isatty():
        bar = tqdm(it, desc=f"epoch {epoch + 1}/{run.cfg.epochs}", leave=False, file=sys.stderr)
    tot_loss, seen = torch.zeros((), device=run.device), 0  # summed on the device: no wait a step
    for s in bar:
        idx = perm[s * run.cfg.batch : (s + 1) * run.cfg.batch]
        loss = _step(run, idx, size)
        tot_loss += loss.detach() * len(idx)
        seen += len(idx)
        if bar is not it and (s % 20 == 0 or s == run.steps - 1):
            bar.set_postfix(loss=f"{tot_loss.item() / seen:.3f}")
    return tot_loss.item() / seen


def _step(run: _Run, idx: torch.Tensor, size: int) -> torch.Tensor:
    """One optimizer step on the training faces ``idx`` (int64 ``[B]`` on the device),
    augmented and mixed; returns the batch's loss (a scalar tensor)."""
    cfg = run.cfg
    xb = camera_view(run.xtr[idx], run.gen, cfg.degrade, cfg.standardize)  # as the product feeds the graph
    xb, j, lam = mix(augment(xb, run.gen, cfg, size), run.gen, cfg)
    yb = run.ytr[idx]
    yb2 = yb if j is None else yb[j]
    xb = xb.contiguous(memory_format=run.fmt)
    with torch.autocast(run.device.type, dtype=torch.bfloat16, enabled=run.bf16):
        logits = run.model(xb)
    logits = logits.float()
    if run.target is None:
        loss = lam * run.crit(logits, yb) + (1 - lam) * run.crit(logits, yb2)
    else:  # soft targets (label smoothing already in them), mixed like the labels
        t = run.target[idx] if j is None else lam * run.target[idx] + (1 - lam) * run.target[idx[j]]
        loss = -(t * torch.log_softmax(logits, 1)).sum(1).mean()
    if run.teachers:  # distillation on the very (augmented, mixed) view the student sees
        target = torch.softmax(ensemble_logits(run.teachers, xb, run.bf16) / cfg.kd_temp, 1)
        loss = distilled_loss(loss, logits, target, cfg)
    elif run.soft is not None:  # distillation: the teacher's labels of the faces, mixed like the labels
        j_idx = idx if j is None else idx[j]
        target = lam * run.soft[idx] + (1 - lam) * run.soft[j_idx]
        loss = distilled_loss(loss, logits, target, cfg)
    run.opt.zero_grad(set_to_none=True)
    loss.backward()
    run.opt.step()
    run.sched.step()
    return loss


def _fit_time_budget(run: _Run, done: int, seconds_left: float, per_epoch: float) -> None:
    """Re-plan the schedule shorter when the planned epochs would not fit in
    ``seconds_left`` (``done`` epochs done, ``per_epoch`` s an epoch at the crop size)."""
    fit = epochs_that_fit(run.cfg, done, seconds_left, per_epoch)
    if fit < run.cfg.epochs:
        run.cfg = replace(run.cfg, epochs=fit, full_epochs=min(run.cfg.full_epochs, fit))
        run.sched = one_cycle(run.opt, run.cfg, run.steps, done * run.steps)
        print(f"time budget: the schedule now ends at epoch {fit} (an epoch takes ~{per_epoch:.1f} s)", flush=True)
