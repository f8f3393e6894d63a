"""Input preprocessing shared by training (PyTorch) and serving (LiteRT).

Both sides call :func:`normalize` on the same uint8 48x48 grayscale faces, so the
model sees identical numbers in training and in the product. Numpy only.
"""

from __future__ import annotations

import numpy as np

from ..labels import FER_CLASSES  # noqa: F401  (re-exported for older imports)

INPUT_SIZE = 48
# Mean and standard deviation of FER2013 Training pixels (0..255), measured on all
# 28,709 images (see classmood.models.train.dataset_stats).
PIXEL_MEAN = 130.96
PIXEL_STD = 78.22


def normalize(faces: np.ndarray) -> np.ndarray:
    """uint8 [N, 48, 48] -> float32 [N, 1, 48, 48], zero mean and unit variance on FER2013."""
    faces = np.asarray(faces)
    if faces.ndim == 2:
        faces = faces[None]
    if faces.ndim != 3 or faces.shape[1:] != (INPUT_SIZE, INPUT_SIZE):
        raise ValueError(f"faces must be uint8 [N, {INPUT_SIZE}, {INPUT_SIZE}], got {faces.shape}")
    x = (faces.astype(np.float32) - PIXEL_MEAN) / PIXEL_STD
    return x[:, None, :, :]
