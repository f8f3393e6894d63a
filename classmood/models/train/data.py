"""Find and read the FER2013 splits training uses (numpy only).

The splits are ``.npz`` files as ``tools/pack_fer2013.py`` writes them:
``fer2013_<split>.npz`` with ``images`` uint8 ``[N, 48, 48]`` and ``labels`` 0..6 in
:data:`classmood.labels.FER_CLASSES` order. Training reads ``train`` and selects on
``publictest``; nothing here ever reads PrivateTest.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ...errors import InputError

DATA_ENV = "CLASSMOOD_FER2013"
"""The environment variable naming the FER2013 folder when none is given."""

_SHARED = Path(__file__).resolve().parents[4] / "shared" / "data" / "fer2013"
"""Where a checkout beside the shared data finds it (``../shared/data/fer2013``)."""


def find_data(path: str | None) -> Path:
    """The folder holding ``fer2013_train.npz`` (and ``fer2013_publictest.npz``).

    Args:
        path: the folder the user gave, or None to look in ``$CLASSMOOD_FER2013`` and
            then ``../shared/data/fer2013``. A given folder must be the right one: there
            is no silent fallback.

    Returns:
        The folder.

    Raises:
        InputError: the given folder has no ``fer2013_train.npz``, or none was given and
            none was found (``option="data"``).
    """
    if path:  # an explicit folder must be the right one: never fall back silently
        if not (Path(path) / "fer2013_train.npz").is_file():
            raise InputError(f"{path}: no fer2013_train.npz there; give as data the folder holding "
                             "fer2013_train.npz and fer2013_publictest.npz", option="data")
        return Path(path)
    for c in (os.environ.get(DATA_ENV), str(_SHARED)):
        if c and (Path(c) / "fer2013_train.npz").is_file():
            return Path(c)
    raise InputError(
        f"FER2013 not found (no data folder given; looked in ${DATA_ENV} and ../shared/data/fer2013); "
        "give as data the folder holding fer2013_train.npz and fer2013_publictest.npz", option="data"
    )


def load_split(folder: Path, name: str) -> tuple[np.ndarray, np.ndarray]:
    """One split's faces uint8 ``[N, 48, 48]`` and labels int64 ``[N]`` (0..6).

    Args:
        folder: the folder :func:`find_data` returned.
        name: ``"train"`` or ``"publictest"``.
    """
    d = np.load(folder / f"fer2013_{name}.npz")
    return d["images"].astype(np.uint8), d["labels"].astype(np.int64)


def load_names(folder: Path, name: str) -> np.ndarray | None:
    """One split's image names str ``[N]`` (``Training_...``; what the FERPlus votes are
    matched by), or None when its ``.npz`` has none."""
    d = np.load(folder / f"fer2013_{name}.npz")
    return d["names"].astype(str) if "names" in d.files else None
