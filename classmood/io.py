"""Reading images from disk with one clear error line for every way it can fail."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from ._native import quiet_native_stderr
from .errors import InputError

IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"})
"""File name endings (lower case) read as still images."""
VIDEO_EXTENSIONS = frozenset(
    {".mp4", ".avi", ".mkv", ".mov", ".webm", ".m4v", ".wmv", ".flv", ".mpg", ".mpeg", ".ts"}
)
"""File name endings (lower case) read as videos."""

# OpenCV's decoders print their own WARN/ERROR lines for damaged files; we report
# one clear line instead (see load_image).
try:
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
except AttributeError:  # pragma: no cover - very old OpenCV
    pass


def check_file(p: Path, kind: str = "an image", hint: str = "an image file (PNG, JPEG, ...)",
               empty_hint: str | None = None) -> None:
    """The checks every input file gets before it is read: it exists, is a file, can be
    read and is not empty. Raises :class:`InputError` with one line naming the file."""
    if not p.exists():
        raise InputError(f"{p}: no such file; check the path")
    if p.is_dir():
        raise InputError(f"{p}: is a folder, not {kind}; give {hint}")
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise InputError(f"{p}: cannot be read ({exc.strerror}); check its permissions") from None
    if size == 0:
        raise InputError(f"{p}: the file is empty (0 bytes); give {empty_hint or hint}")
    if not os.access(p, os.R_OK):
        raise InputError(f"{p}: cannot be read (permission denied); check its permissions")


def load_image(path: str | os.PathLike) -> np.ndarray:
    """Read an image file as a BGR uint8 array of shape (H, W, 3).

    Raises :class:`InputError` (one line: what, where, what to do) for a missing path,
    a folder, an empty or corrupt file, or an image too small to hold a gallery.
    """
    p = Path(path)
    check_file(p, empty_hint="a real screenshot or photo")
    try:
        data = np.fromfile(p, dtype=np.uint8)
    except OSError as exc:
        raise InputError(f"{p}: cannot be read ({exc.strerror}); check its permissions") from None
    with quiet_native_stderr():  # libpng/libjpeg print their own errors to fd 2
        image = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    if image is None:
        raise InputError(
            f"{p}: not a readable image (corrupt or unsupported format); "
            "give a PNG, JPEG, BMP or WebP file"
        )
    return as_bgr(image, where=str(p))


def as_bgr(image: np.ndarray, where: str = "frame") -> np.ndarray:
    """Normalise a decoded image (gray, BGR, BGRA, 16-bit) to contiguous BGR uint8."""
    if not isinstance(image, np.ndarray) or image.ndim not in (2, 3) or image.size == 0:
        raise InputError(f"{where}: not an image array (expected H x W x 3 pixels)")
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    elif image.dtype != np.uint8:
        raise InputError(f"{where}: unsupported pixel type {image.dtype}; expected 8-bit images")
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    elif image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    elif image.shape[2] == 1:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    elif image.shape[2] != 3:
        raise InputError(f"{where}: {image.shape[2]} colour channels; expected 1, 3 or 4")
    return np.ascontiguousarray(image)
