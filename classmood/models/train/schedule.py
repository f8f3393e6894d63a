"""The learning-rate schedule (one cycle) and fitting it into a time budget."""

from __future__ import annotations

import warnings

import torch

from ..preprocess import INPUT_SIZE
from .config import Config


def one_cycle(opt: torch.optim.Optimizer, cfg: Config, steps: int,
              done: int = 0) -> torch.optim.lr_scheduler.OneCycleLR:
    """The one-cycle schedule over ``cfg.epochs`` (peak ``cfg.lr`` after 15%, from a tenth
    of it, annealed to a ten-thousandth), advanced by ``done`` steps (a re-plan: the same
    shape over a new length, from where the run is).

    Args:
        opt: the optimizer whose learning rate it sets.
        cfg: the run's settings (``lr``, ``epochs``).
        steps: optimizer steps per epoch.
        done: steps already taken.
    """
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, epochs=cfg.epochs, steps_per_epoch=steps,
                                                pct_start=0.15, div_factor=10, final_div_factor=1000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(done):
            sched.step()
    return sched


def full_size_cost(cfg: Config) -> float:
    """What a full 48x48 epoch costs in crop-size epochs (the pixels per face)."""
    return (INPUT_SIZE / cfg.crop) ** 2


def epochs_that_fit(cfg: Config, done: int, seconds_left: float, per_epoch: float) -> int:
    """How many epochs the schedule can have in all when ``done`` are done, an epoch at
    the crop size takes ``per_epoch`` s and ``seconds_left`` remain (full-size epochs cost
    (48/crop)^2 as much; 3% kept spare). Never more than planned, never fewer than done+1."""
    ratio = full_size_cost(cfg)
    for total in range(cfg.epochs, done, -1):
        n = total - done
        full = min(cfg.full_epochs, n)
        if per_epoch * ((n - full) + full * ratio) <= 0.97 * seconds_left:
            return total
    return done + 1
