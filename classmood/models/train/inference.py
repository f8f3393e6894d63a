"""Logits of a network or an ensemble during training, with horizontal-flip averaging
(PublicTest scoring and the teachers' labels)."""

from __future__ import annotations

import torch


def flip_pair_logits(nets: list, x: torch.Tensor, bf16: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """An ensemble's logits (the mean over models) of the faces and of their mirror images.

    Args:
        nets: networks in eval mode, on ``x``'s device.
        x: normalised faces float32 ``[N, 1, H, W]``.
        bf16: run under bf16 autocast.

    Returns:
        Two float32 ``[N, 7]``: the faces' logits and their mirror images'.
    """
    with torch.no_grad(), torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=bf16):
        both = torch.cat([x, torch.flip(x, dims=[3])])
        out = sum(net(both).float() for net in nets) / len(nets)
    return out[: len(x)], out[len(x):]


def ensemble_logits(nets: list, x: torch.Tensor, bf16: bool) -> torch.Tensor:
    """Flip-averaged logits float32 ``[N, 7]`` of an ensemble (the mean over models and
    both flips); arguments as :func:`flip_pair_logits`."""
    plain, mirrored = flip_pair_logits(nets, x, bf16)
    return (plain + mirrored) / 2
