"""Start a run from existing weights (``Config.init``) instead of a random initialisation."""

from __future__ import annotations

from pathlib import Path

import torch.nn as nn

from ...errors import InputError
from ..weights import state_dict_of


def init_from(model: nn.Module, path: Path) -> tuple[int, int]:
    """Copy every same-named, same-shaped tensor of ``path``'s weights (a ``.pt``
    checkpoint or an exported ``.npz``) into ``model``; the rest keep their values.

    Args:
        model: the network to start from those weights.
        path: ``Config.init``, the weights file.

    Returns:
        The tensors copied and the tensors ``model`` has.

    Raises:
        InputError: ``path`` is not a file (``option="init"``).
    """
    if not path.is_file():
        raise InputError(f"{path}: no such weights file to start from; give as init a .pt checkpoint or an "
                         "exported .npz", option="init")
    src, own = state_dict_of(path), model.state_dict()
    take = {k: v for k, v in src.items() if k in own and own[k].shape == v.shape}
    model.load_state_dict(take, strict=False)
    return len(take), len(own)
