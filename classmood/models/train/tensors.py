"""Faces as PyTorch tensors: normalised model input, and copies onto the training device
that do not wait for it."""

from __future__ import annotations

import numpy as np
import torch

from ..preprocess import normalize, standardize


def to_tensor(images: np.ndarray, standardized: bool = False) -> torch.Tensor:
    """uint8 faces ``[N, 48, 48]`` -> float32 ``[N, 1, 48, 48]`` on the CPU, normalised as
    the served model's graph normalises (:func:`classmood.models.preprocess.normalize`);
    ``standardized``: first brought to FER2013's brightness and contrast as the product
    does before the graph (:func:`classmood.models.preprocess.standardize`)."""
    return torch.from_numpy(normalize(standardize(images) if standardized else images))


def to_device(t: torch.Tensor, device) -> torch.Tensor:
    """A CPU tensor onto ``device`` without waiting for it: a plain copy to a GPU waits for
    all queued GPU work first, so a few small copies a step keep the CPU from running ahead
    (a short run is then bound by Python, not the GPU). From pinned memory the copy is queued."""
    device = torch.device(device)
    if t.device.type == device.type:
        return t
    if device.type == "cuda":
        t = t.pin_memory()
    return t.to(device, non_blocking=True)
