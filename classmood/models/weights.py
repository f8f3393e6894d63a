"""Read the network's weights: training checkpoints (``best.pt``, ``last.pt``) and the
exported weights beside a shipped model (``emotion.npz``). Needs the train extra.

A checkpoint is a ``torch.save`` dict with ``model`` (the :class:`FerResNet` state),
``config`` (the run's settings, shape included) and, for ``best.pt``, ``best`` (its
PublicTest figures). The ``.npz`` holds a :class:`ServedModel`'s state: the network's
tensors under ``net.``, the in-graph normalisation under ``norm.``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

from .network import ServedModel, build_from


def read_checkpoint(path: Path) -> dict:
    """A training checkpoint's dict (``model``, ``config``, ...), its tensors on the CPU."""
    return torch.load(path, map_location="cpu", weights_only=False)


def checkpoint_network(path: Path) -> tuple[nn.Module, dict]:
    """The network a checkpoint holds (built from its config, its weights loaded; in
    training mode) and the checkpoint's dict."""
    state = read_checkpoint(path)
    net = build_from(state["config"])
    net.load_state_dict(state["model"])
    return net, state


def load_checkpoint(path: Path) -> tuple[ServedModel, dict, dict]:
    """A :class:`ServedModel` (eval mode) from a training checkpoint (best.pt / last.pt),
    with the run's config and its best PublicTest figures (empty for a ``last.pt`` of
    an older version)."""
    net, state = checkpoint_network(path)
    return ServedModel(net).eval(), state["config"], state.get("best", {})


def load_npz(path: Path, arch_cfg: dict) -> ServedModel:
    """A :class:`ServedModel` (eval mode) rebuilt from exported weights (``emotion.npz``);
    ``arch_cfg`` is the shape its ``.json`` records (``training``: arch, width,
    first_stride, blocks)."""
    model = ServedModel(build_from(arch_cfg)).eval()
    with np.load(path) as d:
        model.load_state_dict({k: torch.from_numpy(d[k]) for k in d.files})
    return model


def state_dict_of(path: Path) -> dict[str, torch.Tensor]:
    """The network's tensors (a :class:`FerResNet` state dict) from a training checkpoint
    (``.pt``) or exported weights (``.npz``)."""
    if path.suffix == ".npz":
        with np.load(path) as d:  # a ServedModel's state: the network under "net."
            return {k[4:]: torch.from_numpy(d[k]) for k in d.files if k.startswith("net.")}
    return read_checkpoint(path)["model"]
