"""The model's input: 48x48 grayscale faces and the pixel normalisation (numpy only).

Training normalises faces with :func:`normalize`; the served model does the same inside
its graph with the same constants (see :class:`classmood.models.network.ServedModel`), so
the product feeds it raw pixels and the two cannot drift apart.
"""

from __future__ import annotations

import numpy as np

INPUT_SIZE = 48
"""The side of the square grayscale face the model takes, in pixels (FER2013's)."""
# Mean and standard deviation of FER2013 Training pixels (0..255), measured on all
# 28,709 images of fer2013_train.npz (numpy's mean and std: 130.959, 78.217).
PIXEL_MEAN = 130.96
PIXEL_STD = 78.22


def normalize(faces: np.ndarray) -> np.ndarray:
    """uint8 [N, 48, 48] -> float32 [N, 1, 48, 48], zero mean and unit variance on FER2013.

    Args:
        faces: grayscale faces uint8 ``[N, 48, 48]`` (one face ``[48, 48]`` is a batch of one).

    Raises:
        ValueError: for any other shape.
    """
    faces = np.asarray(faces)
    if faces.ndim == 2:
        faces = faces[None]
    if faces.ndim != 3 or faces.shape[1:] != (INPUT_SIZE, INPUT_SIZE):
        raise ValueError(f"faces must be uint8 [N, {INPUT_SIZE}, {INPUT_SIZE}], got {faces.shape}")
    x = (faces.astype(np.float32) - PIXEL_MEAN) / PIXEL_STD
    return x[:, None, :, :]
