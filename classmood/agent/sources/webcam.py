"""A webcam (single-user mode): the newest picture, paced by the wall clock."""

from __future__ import annotations

import threading
import time
from typing import Callable, Iterator

import cv2
import numpy as np

from ...errors import InputError
from ...io import as_bgr, quiet_decoders
from ...types import Frame
from .base import Source, check_fps, paced


class WebcamSource(Source):
    """A webcam read with ``cv2.VideoCapture(index)``.

    A reader thread keeps only the newest picture, so frames paced at ``fps`` are fresh,
    not buffered; the source ends when the camera stops delivering (unplugged). Frames
    are BGR uint8 arrays of shape (H, W, 3); timestamps are seconds since iteration
    started, when the picture arrived. Iterate it once.

    Args:
        index: the camera's number (0 = the first).
        fps: frames per second, above 0.
        clock: the time now in seconds (tests pass a fake clock).
        sleep: waits the given number of seconds.

    Raises:
        InputError: a camera number that is not a whole number >= 0, a camera that
            cannot be opened (``option="webcam"``), or ``fps`` not above 0
            (``option="fps"``).
    """

    live = True
    FAILURES_TO_END = 20
    """Consecutive failed reads (about a second) after which the camera counts as gone."""

    def __init__(self, index: int = 0, fps: float = 2.0, *,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        try:
            self.index = int(index)
        except (TypeError, ValueError):
            raise InputError(f"webcam {index!r}: give the camera's number, e.g. 0", option="webcam") from None
        if self.index < 0:
            raise InputError(f"webcam {index}: camera numbers start at 0; try webcam 0", option="webcam")
        self.fps = check_fps(fps)
        self._clock = clock
        self._sleep = sleep
        self._closed = False
        self._thread: threading.Thread | None = None
        self._cond = threading.Condition()
        self._latest: tuple[int, float, np.ndarray] | None = None
        self._ended = False
        with quiet_decoders():  # V4L2/DirectShow print their own lines for absent cameras
            cap = self._open_capture()
            opened = cap is not None and cap.isOpened()
            if opened:
                w = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH) or 0)
                h = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT) or 0)
            elif cap is not None:
                cap.release()
        if not opened:
            raise InputError(
                f"webcam {self.index} could not be opened (no camera, or it is in use by another "
                f"program); try webcam {self.index + 1}", option="webcam"
            )
        self._cap = cap
        self.description = f"webcam {self.index}" + (f" ({w}x{h})" if w > 0 and h > 0 else "")

    def _open_capture(self) -> cv2.VideoCapture:
        """The capture to read (a subclass may open another device)."""
        return cv2.VideoCapture(self.index)

    def _reader(self) -> None:
        """The reader thread: keep the newest picture until the camera stops or the source closes."""
        failures = 0
        seq = 0
        cap = self._cap
        while not self._closed:
            with quiet_decoders(native=False):  # runs almost all the time: never hold back stderr
                ok, image = cap.read()
            if not ok or image is None or image.size == 0:
                failures += 1
                if failures >= self.FAILURES_TO_END:
                    break
                time.sleep(0.05)
                continue
            failures = 0
            seq += 1
            with self._cond:
                self._latest = (seq, self._clock(), image)
                self._cond.notify_all()
        with self._cond:
            self._ended = True
            self._cond.notify_all()

    def __iter__(self) -> Iterator[Frame]:
        if self._closed:
            raise InputError(f"{self.description}: the source is closed; open a new one")
        if self._thread is not None:
            raise InputError(f"{self.description}: is already being read; iterate it once")
        t0 = self._clock()
        self._thread = threading.Thread(target=self._reader, name=f"webcam-{self.index}", daemon=True)
        self._thread.start()
        state = {"seen": 0}

        def grab(timestamp: float, index: int) -> Frame | None:
            with self._cond:
                # wait (a little) for a picture newer than the last one given out
                self._cond.wait_for(lambda: self._ended or self._closed
                                    or (self._latest is not None and self._latest[0] > state["seen"]),
                                    timeout=2.0)
                latest = self._latest
            if latest is None or latest[0] <= state["seen"]:
                return None
            seq, when, image = latest
            state["seen"] = seq
            return Frame(image=as_bgr(image, where=self.description), timestamp=max(0.0, when - t0), index=index)

        def stopped() -> bool:
            with self._cond:
                return self._closed or self._interrupted or (
                    self._ended and (self._latest is None or self._latest[0] <= state["seen"]))

        return paced(self.fps, self._clock, self._sleep, grab, stopped)

    def close(self) -> None:
        """Stop the reader thread and release the camera (safe to call more than once)."""
        if self._closed:
            return
        self._closed = True
        with self._cond:
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with quiet_decoders():
            self._cap.release()
