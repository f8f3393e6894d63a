"""Training-time augmentation of normalised face batches, all on the batch at once.

:func:`augment` warps each face (rotation, scale, shift, flip, random crop), jitters
brightness and contrast and erases a random box; :func:`mix` blends a batch with a
shuffled copy of itself (mixup or cutmix). Every random number comes from the run's CPU
generator, so a seed gives the same run on CPU and CUDA.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from ..preprocess import INPUT_SIZE
from .config import Config
from .tensors import to_device


def augment(x: torch.Tensor, gen: torch.Generator, cfg: Config, size: int = INPUT_SIZE) -> torch.Tensor:
    """Batched augmentation of normalised [B,1,48,48] tensors into [B,1,size,size] crops.

    One affine warp per image does rotation, scale, shift, flip and the random crop (a
    ``size`` window anywhere in the face: a smaller ``size`` trains on crops, cheaper and
    a regulariser; the network is fully convolutional so it is served at 48). The random
    numbers come from ``gen`` (a CPU generator, so a seed gives the same run on CPU and
    CUDA); the warp and the erasing run wherever ``x`` is.

    Args:
        x: normalised faces float32 ``[B, 1, 48, 48]`` on the training device.
        gen: the run's CPU random generator (advanced).
        cfg: the run's settings (``rotate`` degrees, ``scale``, ``shift``, ``brightness``,
            ``contrast``, ``erase`` probability).
        size: the crop's side in pixels.

    Returns:
        float32 ``[B, 1, size, size]`` on ``x``'s device.
    """
    b, dev = x.shape[0], x.device
    u = lambda *s: torch.rand(*s, generator=gen)  # noqa: E731
    ang = (u(b) * 2 - 1) * math.radians(cfg.rotate)
    scale = 1 + (u(b) * 2 - 1) * cfg.scale
    tx, ty = (u(b) * 2 - 1) * cfg.shift, (u(b) * 2 - 1) * cfg.shift
    flip = torch.where(u(b) < 0.5, -1.0, 1.0)
    frac = size / INPUT_SIZE
    room = 1 - frac  # how far the crop window may move, in grid units
    tx, ty = tx + (u(b) * 2 - 1) * room, ty + (u(b) * 2 - 1) * room
    cos, sin = torch.cos(ang) / scale * frac, torch.sin(ang) / scale * frac
    theta = torch.stack([torch.stack([cos * flip, -sin, tx], 1), torch.stack([sin * flip, cos, ty], 1)], 1)
    grid = F.affine_grid(to_device(theta, dev), (b, 1, size, size), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    # brightness / contrast jitter (in normalised units)
    x = (x * to_device(1 + (u(b, 1, 1, 1) * 2 - 1) * cfg.contrast, dev)
         + to_device((u(b, 1, 1, 1) * 2 - 1) * cfg.brightness, dev))
    # random erasing: a box of 2-22% of the area, aspect 1/3..3, filled with noise
    if cfg.erase > 0:
        on = u(b) < cfg.erase
        area = (0.02 + u(b) * 0.2) * size * size
        ar = torch.exp((u(b) * 2 - 1) * math.log(3))
        h = torch.sqrt(area * ar).round().clamp(max=size)
        w = torch.sqrt(area / ar).round().clamp(max=size)
        y0 = (u(b) * (size - h + 1)).floor()
        x0 = (u(b) * (size - w + 1)).floor()
        r = torch.arange(size, dtype=torch.float32)
        rows = (r[None] >= y0[:, None]) & (r[None] < (y0 + h)[:, None])
        cols = (r[None] >= x0[:, None]) & (r[None] < (x0 + w)[:, None])
        box = (rows[:, :, None] & cols[:, None, :] & on[:, None, None])[:, None]
        noise = torch.randn(b, 1, size, size, generator=gen)
        x = torch.where(to_device(box, dev), to_device(noise, dev), x)
    return x


def mix(x: torch.Tensor, gen: torch.Generator, cfg: Config) -> tuple[torch.Tensor, torch.Tensor | None, float]:
    """Mixup or cutmix (an even chance each) on a ``cfg.mix_prob`` share of batches.

    The mixing weight is drawn from Beta(``cfg.mixup``, ``cfg.mixup``); mixup blends whole
    faces, cutmix pastes a box of the partner's face (and the weight becomes the area
    kept). ``cfg.mixup`` 0 turns both off.

    Args:
        x: an augmented batch float32 ``[B, 1, S, S]`` (cutmix writes into it).
        gen: the run's CPU random generator (advanced).
        cfg: the run's settings.

    Returns:
        The batch (mixed or as it was), each face's partner as indices int64 ``[B]`` into
        the batch on ``x``'s device (None when this batch is not mixed), and the weight
        of each face's own label (1.0 when not mixed).
    """
    if not (cfg.mixup > 0 and torch.rand(1, generator=gen).item() < cfg.mix_prob):
        return x, None, 1.0
    size = x.shape[-1]
    lam = float(np.random.default_rng(int(torch.randint(0, 2**31, (1,), generator=gen))).beta(cfg.mixup, cfg.mixup))
    j = to_device(torch.randperm(len(x), generator=gen), x.device)
    if torch.rand(1, generator=gen).item() < 0.5:  # mixup
        return lam * x + (1 - lam) * x[j], j, lam
    cut = math.sqrt(1 - lam)  # cutmix
    ch, cw = int(size * cut), int(size * cut)
    cy, cx = int(torch.randint(0, size, (1,), generator=gen)), int(torch.randint(0, size, (1,), generator=gen))
    y0, y1 = max(cy - ch // 2, 0), min(cy + ch // 2, size)
    x0, x1 = max(cx - cw // 2, 0), min(cx + cw // 2, size)
    x[:, :, y0:y1, x0:x1] = x[j][:, :, y0:y1, x0:x1]
    return x, j, 1 - (y1 - y0) * (x1 - x0) / (size * size)
