"""Portrait images to draw participants from: a folder of them, or a sample every
install has."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import InputError
from ..io import IMAGE_EXTENSIONS, load_image


def load_portraits(folder: str | Path, limit: int | None = None, seed: int = 0) -> list[np.ndarray]:
    """Read the portrait images under a folder.

    Args:
        folder: searched recursively for image files (see
            :data:`classmood.io.IMAGE_EXTENSIONS`).
        limit: how many to read, a seeded random choice; None: all of them.
        seed: fixes the choice and the order.

    Returns:
        BGR uint8 arrays of shape (H, W, 3), in a deterministic order for a seed.
        Unreadable files are skipped.

    Raises:
        InputError: ``folder`` is not a folder, or holds no readable image.
    """
    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"{root}: not a folder of portrait images; check the path")
    paths = sorted(
        (p for p in root.rglob("*") if p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file()),
        key=lambda p: p.relative_to(root).as_posix(),
    )
    order = np.random.default_rng(seed).permutation(len(paths))
    out: list[np.ndarray] = []
    for i in order:
        if limit is not None and len(out) >= limit:
            break
        try:
            out.append(load_image(paths[i]))
        except InputError:
            continue
    if not out:
        raise InputError(f"{root}: no readable portrait images (.jpg, .png, ...) found")
    return out


def sample_portrait() -> np.ndarray:
    """Grace Hopper's portrait from matplotlib's bundled sample data: a real face
    photo that every install has, for galleries built without any data set.

    Returns:
        BGR uint8, shape (600, 512, 3).
    """
    from matplotlib import cbook  # matplotlib is only needed for this sample

    return load_image(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))
