"""A training run's settings (one command-line option each), which of them a resumed run
may change, and how the teacher setting names its models. Pure Python: the command line
reads it without PyTorch."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class Config:
    """Every setting of a run; ``run.json`` and each checkpoint record them, and
    ``python -m classmood.models.train`` has one option per field (``--first-stride`` for
    ``first_stride``). Sizes are pixels, angles degrees, times seconds."""

    arch: str = "resnet"
    width: int = 32
    first_stride: int = 1       # 2: every stage at half the size (a quarter of the work)
    blocks: int = 2             # basic blocks per stage
    epochs: int = 60
    batch: int = 128
    lr: float = 0.1
    weight_decay: float = 5e-4
    label_smoothing: float = 0.1
    mixup: float = 0.2          # alpha; 0 turns mixup/cutmix off
    mix_prob: float = 0.5
    rotate: float = 15.0        # degrees
    scale: float = 0.12
    shift: float = 0.12         # fraction of half-size (affine grid units)
    brightness: float = 0.25
    contrast: float = 0.25
    erase: float = 0.4
    crop: int = 40              # train on random crops of this size (cheaper; served at 48)
    full_epochs: int = 8        # ...except the last epochs, at the full 48x48
    seed: int = 0
    bf16: bool | None = None    # None: on when the hardware does bf16 fast (CUDA, AMX or AVX512-BF16)
    threads: int = 0            # 0: torch default
    init: str = ""              # start from these weights (.pt checkpoint or exported .npz; same-shaped tensors)
    teacher: str = ""           # distil from served models (.tflite, comma-separated): flip-averaged soft labels
    kd: float = 0.0             # weight of the distillation loss (0: off)
    kd_temp: float = 2.0        # softening temperature for distillation
    kd_online: bool | None = None  # .pt teachers run on every augmented batch (None: on a GPU only)
    time_budget: float = 0.0    # seconds for this run (or piece): the schedule shrinks to fit; 0: none
    select: str = "flip"        # keep the epoch best on PublicTest flip-averaged ("flip") or as served ("served")


SELECT = {"flip": "accuracy", "served": "accuracy_served"}
"""``Config.select``: which PublicTest accuracy picks best.pt (flip-averaged, or one pass as
the product serves it); the log has both."""

RESUME_OVERRIDES = ("threads", "epochs", "full_epochs", "time_budget")
"""Settings that may change when a run is resumed: the threads (the machine's load
changed) and the schedule's length or time (the time left changed). Everything else is
the checkpoint's."""


def teacher_paths(spec: str) -> list[Path]:
    """``Config.teacher`` names one model or an ensemble: paths joined by commas."""
    return [Path(p) for p in spec.split(",") if p.strip()]
