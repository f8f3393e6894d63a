"""Score the network on PublicTest after each epoch: flip-averaged and as served."""

from __future__ import annotations

import torch

from ...labels import FER_CLASSES
from .inference import flip_pair_logits


def evaluate(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, device: torch.device, bf16: bool,
             batch: int = 512, fmt: torch.memory_format | None = None) -> dict:
    """Accuracy with horizontal-flip averaging, and as served (one pass, no mirror image);
    also the flip-averaged logits (for calibration). Leaves ``model`` in eval mode.

    Args:
        model: the network being trained.
        x: normalised PublicTest faces float32 ``[N, 1, 48, 48]``.
        y: their labels int64 ``[N]``, on the CPU.
        device: where ``model`` is.
        bf16: run under bf16 autocast.
        batch: faces per forward pass.
        fmt: the memory format ``model`` runs in (default channels-last).

    Returns:
        ``accuracy`` and ``accuracy_served`` (0..1), ``macro_f1`` (mean over the 7
        classes), ``logits`` float32 ``[N, 7]`` (flip-averaged, CPU) and ``confusion``
        (7x7 counts, rows true, columns predicted).
    """
    model.eval()
    pairs = [flip_pair_logits([model], x[i : i + batch].to(device).contiguous(memory_format=fmt or torch.channels_last),
                              bf16) for i in range(0, len(x), batch)]
    plain = torch.cat([p.cpu() for p, _ in pairs])
    logits = (plain + torch.cat([m.cpu() for _, m in pairs])) / 2
    pred = logits.argmax(1)
    acc = (pred == y).float().mean().item()
    acc_served = (plain.argmax(1) == y).float().mean().item()
    k = len(FER_CLASSES)
    conf = torch.zeros(k, k, dtype=torch.long)
    conf.index_put_((y, pred), torch.ones_like(y), accumulate=True)
    recall = conf.diag().float() / conf.sum(1).clamp(min=1)
    precision = conf.diag().float() / conf.sum(0).clamp(min=1)
    f1 = 2 * precision * recall / (precision + recall).clamp(min=1e-9)
    return {"accuracy": acc, "accuracy_served": acc_served, "macro_f1": f1.mean().item(), "logits": logits,
            "confusion": conf.tolist()}
