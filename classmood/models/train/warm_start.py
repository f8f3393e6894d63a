"""Start a run from existing weights (``Config.init``) instead of a random initialisation."""

from __future__ import annotations

from pathlib import Path

import torch.nn as nn

from ..weights import state_dict_of


def init_from(model: nn.Module, path: Path) -> tuple[int, int]:
    """Copy every same-named, same-shaped tensor of ``path``'s weights (a ``.pt``
    checkpoint or an exported ``.npz``) into ``model``; the rest keep their values.

    Returns:
        The tensors copied and the tensors ``model`` has.

    Raises:
        SystemExit: with the training tool's one error line when ``path`` is not a file.
    """
    if not path.is_file():
        raise SystemExit(f"classmood train: error: {path}: no such weights file for --init")
    src, own = state_dict_of(path), model.state_dict()
    take = {k: v for k, v in src.items() if k in own and own[k].shape == v.shape}
    model.load_state_dict(take, strict=False)
    return len(take), len(own)
