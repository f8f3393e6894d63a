"""The frames of a recorded video file, optionally one per so many seconds of video."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from ...errors import InputError
from ...io import as_bgr, check_file, quiet_decoders
from ...types import Frame
from .base import Source, positive

_VIDEO_HINT = "a video file (MP4, AVI, MKV, MOV, WebM, ...)"


class VideoSource(Source):
    """The frames of a video file (any container OpenCV's FFmpeg reads).

    Frames are BGR uint8 arrays of shape (H, W, 3). Timestamps are the frame's position
    in the video in seconds (frame index / fps; the container's timestamps when the
    frame rate is unknown); ``Frame.index`` is the frame's number in the file. A
    truncated video ends early, without an error. The video can be iterated again (it
    is reopened from the top).

    Args:
        path: the video file.
        every: keep one frame per ``every`` seconds of video (the first frame at or
            after 0, every, 2*every, ...); skipped frames are only grabbed, never
            converted. None: every frame.

    Attributes:
        fps: the video's frame rate (None when unknown or implausible).
        frame_count: its number of frames (None when unknown).
        size: ``(width, height)`` in pixels.

    Raises:
        InputError: a missing, empty or unreadable file, one whose first frame cannot be
            decoded, or ``every`` not a number above 0 (``option="every"``).
    """

    live = False

    def __init__(self, path: str | os.PathLike, every: float | None = None) -> None:
        p = Path(path)
        if every is not None:
            every = positive(every, "every", "a number of seconds between frames", "1")
        check_file(p, "a video", _VIDEO_HINT)
        self.path = p
        self.every = every
        self._cap: cv2.VideoCapture | None = None
        self._first: np.ndarray | None = None
        self._first_msec = 0.0
        self._open()
        cap = self._cap
        fps = cap.get(cv2.CAP_PROP_FPS)
        self.fps: float | None = float(fps) if math.isfinite(fps) and 0.1 <= fps <= 500 else None
        count = cap.get(cv2.CAP_PROP_FRAME_COUNT)
        self.frame_count: int | None = int(count) if math.isfinite(count) and count >= 1 else None
        self.duration_s = (self.frame_count / self.fps) if self.fps and self.frame_count else None
        h, w = self._first.shape[:2]
        if self.fps and self.duration_s is not None:
            timing = f"{self.fps:.1f} fps, {self.duration_s:.1f} s"
        elif self.fps:
            timing = f"{self.fps:.1f} fps"
        else:
            timing = "frame rate unknown"
        self.description = f"video {p.name} ({timing})"
        self.size = (w, h)

    def _open(self) -> None:
        """Open the file and decode its first frame (which proves it is a video)."""
        p = self.path
        with quiet_decoders():
            cap = cv2.VideoCapture(str(p), cv2.CAP_FFMPEG)
            if not cap.isOpened():
                cap.release()
                cap = cv2.VideoCapture(str(p))
            ok = cap.isOpened()
            first = None
            if ok:
                ok, first = cap.read()
                ok = bool(ok) and first is not None and getattr(first, "size", 0) > 0
        if not cap.isOpened():
            cap.release()
            raise InputError(
                f"{p}: not a readable video (corrupt, or a format OpenCV cannot read); give {_VIDEO_HINT}"
            )
        if not ok:
            cap.release()
            raise InputError(
                f"{p}: not a readable video (its first frame cannot be decoded; damaged or "
                f"incomplete file); give {_VIDEO_HINT}"
            )
        self._cap = cap
        self._first = as_bgr(first, where=str(p))
        self._first_msec = cap.get(cv2.CAP_PROP_POS_MSEC)

    def _timestamp(self, index: int, msec: float) -> float:
        """Frame ``index``'s time in seconds (from the frame rate, else the container's ``msec``)."""
        if self.fps:
            return index / self.fps
        return max(0.0, msec / 1000.0) if math.isfinite(msec) else 0.0

    def __iter__(self) -> Iterator[Frame]:
        if self._cap is None:  # a second pass, or closed: start again from the top
            self._open()
        cap, first = self._cap, self._first
        self._first = None
        every = self.every
        next_keep = 0.0  # the next sampling time (seconds of video)
        eps = 1e-6
        index = 0
        try:
            # the first frame was decoded when the file was opened (to check it)
            if first is not None:
                ts = self._timestamp(0, 0.0 if self.fps else self._first_msec)
                yield Frame(image=first, timestamp=ts, index=0)
                if every is not None:
                    next_keep = (math.floor(ts / every + eps) + 1) * every
            while self._cap is cap:
                index += 1
                with quiet_decoders():
                    ok = cap.grab()
                if not ok:  # the end, or a truncated file: stop quietly
                    return
                ts = self._timestamp(index, 0.0 if self.fps else cap.get(cv2.CAP_PROP_POS_MSEC))
                if every is not None and ts < next_keep - eps:
                    continue  # skipped: grabbed, never converted
                with quiet_decoders():
                    ok, image = cap.retrieve()
                if not ok or image is None or image.size == 0:
                    continue  # one damaged frame: the next one takes its slot
                if every is not None:
                    next_keep = (math.floor(ts / every + eps) + 1) * every
                yield Frame(image=as_bgr(image, where=f"{self.path} frame {index}"), timestamp=ts, index=index)
        finally:
            if self._cap is cap:  # the next iteration reopens the file
                self._cap = None
                cap.release()

    def close(self) -> None:
        """Release the file (safe to call more than once; a later iteration reopens it)."""
        cap, self._cap = self._cap, None
        self._first = None
        if cap is not None:
            cap.release()
