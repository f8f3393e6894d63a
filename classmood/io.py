"""Reading images and videos from disk: the file endings, the checks every input file
gets, decoding with one clear error line for every way it can fail, and keeping the
decoders' own messages off the terminal while they work."""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from ._native import native_logs_wanted, quiet_native_stderr
from .errors import InputError

IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"})
"""File name endings (lower case) read as still images."""
VIDEO_EXTENSIONS = frozenset(
    {".mp4", ".avi", ".mkv", ".mov", ".webm", ".m4v", ".wmv", ".flv", ".mpg", ".mpeg", ".ts"}
)
"""File name endings (lower case) read as videos."""


if not native_logs_wanted():
    # FFmpeg's own log (a damaged frame's "[mpeg4 @ 0x..] marker does not match f_code",
    # thousands of lines for a damaged recording) comes partly from its decoding threads
    # after a read has returned, so no redirect around the read can hold it back: silence
    # it at its source. OpenCV reads this when its FFmpeg backend starts (the first video
    # opened); a value the user set is kept.
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET


class _OpenCVLog:
    """OpenCV's log level (process-wide), held at silent while at least one
    :func:`quiet_decoders` block runs in any thread, and put back as it was when the
    last one ends."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._saved: int | None = None

    def enter(self) -> None:
        """One more block needs silence (the first one saves the level and silences)."""
        with self._lock:
            if self._depth == 0:
                self._saved = self._set(cv2.utils.logging.LOG_LEVEL_SILENT)
            self._depth += 1

    def leave(self) -> None:
        """One block ended (the last one puts the saved level back)."""
        with self._lock:
            self._depth -= 1
            if self._depth == 0 and self._saved is not None:
                self._set(self._saved)
                self._saved = None

    @staticmethod
    def _set(level: int) -> int:
        previous = int(cv2.utils.logging.getLogLevel())
        cv2.utils.logging.setLogLevel(level)
        return previous


_OPENCV_LOG = _OpenCVLog()


@contextlib.contextmanager
def quiet_decoders(native: bool = True) -> Iterator[None]:
    """Keep the decoders' own WARN/ERROR lines (OpenCV's log, FFmpeg, libpng, libjpeg,
    camera drivers) off the terminal for the duration of the block: a damaged file or an
    absent camera is reported by our one clear line instead.

    Blocks may nest and run in several threads at once (the webcam's reader thread
    wraps every ``cap.read()``); both process-wide settings they change are counted:

    - OpenCV's log level is silenced when the first open block enters and put back as
      it was when the last one leaves.
    - File descriptor 2 is redirected by :func:`~classmood._native.quiet_native_stderr`
      (one shared capture file, no file per block, cheap enough per frame): what is
      written to it while any block is open, from any thread, is held back, and written
      out after all for a block that raises (see that function for the details).
      Because fd 2 is process-wide, this also holds back the other threads' stderr
      while the block runs: a block that runs nearly all the time in a background
      thread (a camera's reader) passes ``native=False`` and silences OpenCV's log
      only, so the main thread's status lines still reach the terminal.

    Args:
        native: also hold back what native code writes to fd 2 (default).
    """
    _OPENCV_LOG.enter()
    try:
        if native:
            with quiet_native_stderr():
                yield
        else:
            yield
    finally:
        _OPENCV_LOG.leave()


def check_file(p: Path, kind: str = "an image", hint: str = "an image file (PNG, JPEG, ...)",
               empty_hint: str | None = None) -> None:
    """The checks every input file gets before it is read: it exists, is a file, can be
    read and is not empty.

    Args:
        p: the file.
        kind: what the file should be, for the message (``"an image"``, ``"a video"``).
        hint: what to give instead, for the message.
        empty_hint: what to give instead of an empty file (default ``hint``).

    Raises:
        InputError: one line naming the file, what is wrong and what to do.
    """
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
    """Read an image file (PNG, JPEG, BMP, WebP, TIFF; gray, colour, alpha or 16-bit).

    Args:
        path: the image file.

    Returns:
        The picture as a contiguous BGR uint8 array of shape (H, W, 3), turned upright as
        its EXIF orientation tag says (a phone JPEG stored sideways reads as every viewer
        shows it; OpenCV applies the tag when decoding with ``IMREAD_ANYCOLOR``).

    Raises:
        InputError: one line (what, where, what to do) for a missing path, a folder, an
            empty, unreadable or corrupt file. The decoders' own messages never reach
            the terminal.
    """
    p = Path(path)
    check_file(p, empty_hint="a real screenshot or photo")
    try:
        data = np.fromfile(p, dtype=np.uint8)
    except OSError as exc:
        raise InputError(f"{p}: cannot be read ({exc.strerror}); check its permissions") from None
    with quiet_decoders():
        # ANYCOLOR | ANYDEPTH: gray, colour and 16-bit as stored, alpha dropped (as_bgr drops
        # it anyway) and, unlike IMREAD_UNCHANGED, the EXIF orientation applied
        image = cv2.imdecode(data, cv2.IMREAD_ANYCOLOR | cv2.IMREAD_ANYDEPTH)
    if image is None:
        raise InputError(
            f"{p}: not a readable image (corrupt or unsupported format); "
            "give a PNG, JPEG, BMP or WebP file"
        )
    return as_bgr(image, where=str(p))


def as_bgr(image: np.ndarray, where: str = "frame") -> np.ndarray:
    """Normalise a decoded image to what every stage takes.

    Args:
        image: uint8 or uint16 pixels of shape (H, W) (gray), (H, W, 1), (H, W, 3) (BGR)
            or (H, W, 4) (BGRA); 16-bit values are scaled down to 8 bits.
        where: names the image in error messages (a path, ``"frame"``).

    Returns:
        A contiguous BGR uint8 array of shape (H, W, 3) (``image`` itself when it already
        is one).

    Raises:
        InputError: not an image array, an unsupported pixel type or channel count.
    """
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
