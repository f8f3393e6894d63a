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
FACE_MEAN = 130.96
FACE_STD = 77.46
"""Every FER2013 Training face has nearly one brightness and contrast: per face, the mean
of the 28,709 faces' means is 130.96 and of their standard deviations 77.46 (1st
percentile 72.8, median 74.7): the set's faces were normalised. :func:`standardize` moves
every face towards them before the model sees it."""
CONTRAST_POWER = 0.5
"""How far :func:`standardize` moves a face's contrast towards FER2013's: the scale is
``(FACE_STD / std) ** CONTRAST_POWER`` (0: brightness only, 1: all the way); the
halfway point, not a fitted value (see the measurements in :func:`standardize`)."""
MIN_FACE_STD = 4.0
"""A face with less contrast than this (grey levels) is scaled as if it had this much:
no noise is blown up into a face."""


def standardize(faces: np.ndarray) -> np.ndarray:
    """Per-face photometric normalisation: each face's brightness moved to FER2013's
    (:data:`FACE_MEAN`) and its contrast half-way there, geometrically (scaled by
    ``sqrt(FACE_STD / std)``, :data:`CONTRAST_POWER`).

    A dim room's face then reaches the model much as FER2013's faces did. Measured with
    the bundled int8 model (``python benchmarks/photometric.py``), accuracy with none /
    this / full standardisation (contrast all the way) / CLAHE (clip 2, 4x4):

    ======================================  ======  ======  ======  ======
    set                                      none    this    full    CLAHE
    ======================================  ======  ======  ======  ======
    FER2013 PublicTest (3,589)               0.670   0.669   0.671   0.663
    PublicTest at 30% brightness             0.609   0.666   0.669   0.669
    NimStim photos (110)                     0.855   0.864   0.836   0.827
    NimStim at 40% brightness                0.682   0.818   0.827   0.791
    NimStim at 20% brightness                0.400   0.800   0.845   0.718
    muxspace photos (1,696)                  0.527   0.524   0.508   0.498
    ======================================  ======  ======  ======  ======

    Full standardisation lifts low-contrast faces too far (muxspace's median contrast is
    46 grey levels, FER2013's 75: its neutral faces then read sad; neutral recall 0.457
    none, 0.390 full, 0.427 this).

    Args:
        faces: grayscale faces ``[N, 48, 48]`` (or one ``[48, 48]``), any real dtype,
            0..255.

    Returns:
        float32 ``[N, 48, 48]`` in 0..255 (clipped).

    Raises:
        ValueError: for any other shape.
    """
    x = np.asarray(faces, np.float32)
    if x.ndim == 2:
        x = x[None]
    if x.ndim != 3 or x.shape[1:] != (INPUT_SIZE, INPUT_SIZE):
        raise ValueError(f"faces must be [N, {INPUT_SIZE}, {INPUT_SIZE}], got {x.shape}")
    m = x.mean(axis=(1, 2), keepdims=True)
    s = np.maximum(x.std(axis=(1, 2), keepdims=True), MIN_FACE_STD)
    return np.clip((x - m) * (FACE_STD / s) ** CONTRAST_POWER + FACE_MEAN, 0.0, 255.0)


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
