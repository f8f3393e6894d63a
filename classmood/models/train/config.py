"""A training run's settings (one command-line option each), which of them a resumed run
may change, how the teacher setting names its models, and the checks a run's settings
must pass. Pure Python: the command line reads it without PyTorch."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ...errors import InputError


@dataclass
class Config:
    """Every setting of a run; ``run.json`` and each checkpoint record them, and
    ``classmood train`` has one option per field (the field ``first_stride`` is set by
    ``--first-stride``). Sizes are pixels, angles degrees, times seconds."""

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
    ferplus: float = 0.0        # weight of the FERPlus vote distribution in each face's target (0: the label alone)
    drop_nonface: bool = False  # leave out Training faces most FERPlus annotators called "not a face" or "unknown"
    degrade: float = 0.0        # chance per face of a webcam degradation: dark+noise, blur, JPEG or a mask (.degrade)
    standardize: bool = True    # train and validate on faces per-face standardised as served (preprocess.standardize)


SELECT = {"flip": "accuracy", "served": "accuracy_served"}
"""``Config.select``: which PublicTest accuracy picks best.pt (flip-averaged, or one pass as
the product serves it); the log has both."""

LEGACY = {"standardize": False}
"""The value of a setting added later that reproduces how a checkpoint saved before it
ran (its settings lack the key): faces were not standardised before 2026-12."""

RESUME_OVERRIDES = ("threads", "epochs", "full_epochs", "time_budget")
"""Settings that may change when a run is resumed: the threads (the machine's load
changed) and the schedule's length or time (the time left changed). Everything else is
the checkpoint's."""


def teacher_paths(spec: str) -> list[Path]:
    """``Config.teacher`` names one model or an ensemble: paths joined by commas."""
    return [Path(p) for p in spec.split(",") if p.strip()]


TEACHER_KINDS = (".tflite", ".pt")
"""Served models (run by LiteRT: labels of the un-augmented faces, computed once) or training
checkpoints (run by PyTorch on every augmented batch, or once like the served ones)."""


def teacher_kind(spec: str) -> str:
    """``.tflite`` or ``.pt``: every teacher of an ensemble must be the same kind.

    Args:
        spec: ``Config.teacher``, comma-separated paths.

    Returns:
        The teachers' kind, ``".tflite"`` or ``".pt"``.

    Raises:
        InputError: mixed kinds or another kind (``option="teacher"``).
    """
    kinds = {p.suffix for p in teacher_paths(spec)}
    if len(kinds) != 1 or not kinds <= set(TEACHER_KINDS):
        raise InputError(f"teacher {spec}: give .tflite files (exported by classmood.models.export) or .pt "
                         "checkpoints (classmood train's best.pt), one kind", option="teacher")
    return kinds.pop()


def check(cfg: Config) -> None:
    """Check the settings that no training step would catch in time: distillation needs
    both a teacher and a weight, the teachers are of one kind, ``select`` is known and the
    time budget is not negative.

    Args:
        cfg: the run's settings.

    Raises:
        InputError: naming the setting at fault: ``kd`` not in 0..1, or a ``teacher``
            with ``kd`` 0 (``option="kd"``); ``kd`` above 0 with no ``teacher``, or teachers
            of mixed or other kinds (``option="teacher"``); an unknown ``select``
            (``option="select"``); a negative ``time_budget`` (``option="time_budget"``);
            ``ferplus`` or ``degrade`` not in 0..1 (``option`` names it).
    """
    has_teacher = bool(cfg.teacher.strip())
    if not 0 <= cfg.kd <= 1 or (cfg.kd > 0) != has_teacher:
        raise InputError(f"kd {cfg.kd} with teacher {cfg.teacher or '(none)'}: distillation needs both, kd "
                         "between 0 and 1 and teacher MODEL.tflite[,...] or teacher best.pt[,...]",
                         option="kd" if has_teacher or not 0 <= cfg.kd <= 1 else "teacher")
    if has_teacher:
        teacher_kind(cfg.teacher)
    if cfg.select not in SELECT:
        raise InputError(f"select {cfg.select}: choose {' or '.join(SELECT)}", option="select")
    if cfg.time_budget < 0:
        raise InputError(f"time_budget {cfg.time_budget}: give seconds (> 0), or 0 for none", option="time_budget")
    for name in ("ferplus", "degrade"):
        if not 0 <= getattr(cfg, name) <= 1:
            raise InputError(f"{name} {getattr(cfg, name)}: give a weight between 0 and 1", option=name)
