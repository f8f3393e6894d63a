"""Knowledge distillation: the teachers a student learns from, and their soft labels.

A teacher is a served model (``.tflite``, run by LiteRT: labels of the un-augmented faces,
computed once and cached in the run's folder) or a training checkpoint (``.pt``, run by
PyTorch on every augmented batch, or once like the served ones); several of one kind,
joined by commas, are an ensemble whose logits are averaged.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ...errors import InputError, ModelError
from ...labels import FER_CLASSES
from ..expression import ExpressionClassifier
from ..weights import checkpoint_network
from .config import Config, teacher_kind, teacher_paths
from .hardware import fast_bf16
from .inference import ensemble_logits
from .tensors import to_tensor


def load_teachers(spec: str, device: torch.device, fmt: torch.memory_format | None = None) -> list[torch.nn.Module]:
    """Checkpoint teachers (.pt), frozen in eval mode on ``device`` in memory format ``fmt``.

    Args:
        spec: the teachers, comma-separated ``.pt`` paths.
        device: where they run.
        fmt: their memory format (default: contiguous).

    Returns:
        One network a teacher.

    Raises:
        ModelError: a teacher checkpoint that is missing (``option="teacher"``).
    """
    nets = []
    for p in teacher_paths(spec):
        if not p.is_file():
            raise ModelError(f"{p}: no such teacher checkpoint; give the best.pt of a finished run as teacher",
                             option="teacher")
        net, _ = checkpoint_network(p)
        nets.append(net.to(device).to(memory_format=fmt or torch.contiguous_format).eval().requires_grad_(False))
    return nets


def teacher_targets(spec: str, images: np.ndarray, out: Path, temp: float) -> torch.Tensor:
    """The teacher's softened, flip-averaged probabilities for every training face.

    The teacher is a served model (.tflite, run by LiteRT: fast, and exactly what
    shipped), a checkpoint (.pt, run by PyTorch) or an ensemble of either (their logits
    averaged); its labels are computed once per run and cached in ``out``. Targets come
    from the un-augmented face: the augmentations are small enough to keep the label.
    Another run with the same teachers can reuse the cache (copy both files: the teachers'
    folder and file names are recorded beside it and checked).

    Args:
        spec: the teachers, comma-separated paths of one kind.
        images: the training faces uint8 ``[N, 48, 48]``.
        out: the run's folder (``teacher_logits.npy`` and ``teacher_logits.json`` there).
        temp: the softening temperature.

    Returns:
        Probabilities float32 ``[N, 7]`` on the CPU (softmax of logits / ``temp``).

    Raises:
        ModelError: a teacher file that is missing (``option="teacher"``).
        InputError: teachers of mixed or other kinds, a cache in ``out`` of other
            teachers (both ``option="teacher"``), or a cache of another number of faces.
    """
    cache, note = out / "teacher_logits.npy", out / "teacher_logits.json"
    paths = teacher_paths(spec)
    names = [f"{p.parent.name}/{p.name}" for p in paths]  # a checkpoint is best.pt: its run names it
    if cache.exists():  # computed by an earlier piece of this run, or copied from a run with the same teachers
        logits = np.load(cache)
        said = json.loads(note.read_text()).get("teachers") if note.exists() else None
        if said is not None and said != names:
            raise InputError(f"{cache} holds the labels of {', '.join(said)}, not of teacher {spec}; "
                             f"delete it (and {note.name}) to compute them", option="teacher")
        if logits.shape != (len(images), len(FER_CLASSES)):
            raise InputError(f"{cache}: labels for {logits.shape[0]} faces, the training split has "
                             f"{len(images)}; delete it to compute them")
    else:
        for p in paths:
            if not p.is_file():
                raise ModelError(f"{p}: no such teacher model; give as teacher .tflite files exported by "
                                 "classmood.models.export or .pt checkpoints", option="teacher")
        t0 = time.time()
        if teacher_kind(spec) == ".pt":
            dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
            nets, x = load_teachers(spec, dev), to_tensor(images)
            logits = torch.cat([ensemble_logits(nets, x[i : i + 512].to(dev), fast_bf16(dev)).cpu()
                                for i in range(0, len(x), 512)]).numpy()
        else:
            threads = max(1, torch.get_num_threads())
            logits = np.mean([ExpressionClassifier(p, threads=threads, flip_average=True).logits(images)
                              for p in paths], axis=0)
        np.save(cache, logits)
        note.write_text(json.dumps({"teachers": names, "faces": len(images)}) + "\n")
        print(f"teacher {', '.join(names)}: soft labels for {len(images)} faces "
              f"in {time.time() - t0:.0f} s", flush=True)
    return torch.softmax(torch.from_numpy(logits).float() / temp, 1)


def distilled_loss(loss: torch.Tensor, logits: torch.Tensor, target: torch.Tensor, cfg: Config) -> torch.Tensor:
    """The label loss blended with distillation: ``(1 - kd) * loss + kd * T^2 * KL``, the
    KL divergence from the teachers' probabilities ``target`` float32 ``[B, 7]`` (already
    softened by T = ``cfg.kd_temp``) to the student's softened ``logits`` float32 ``[B, 7]``."""
    kl = F.kl_div(F.log_softmax(logits / cfg.kd_temp, 1), target, reduction="batchmean")
    return (1 - cfg.kd) * loss + cfg.kd * kl * cfg.kd_temp ** 2
