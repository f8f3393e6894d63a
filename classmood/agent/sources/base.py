"""What every frame source is (:class:`Source`), the wall-clock pacing of live sources,
and the check of their number settings (rates and intervals above 0)."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import Callable, Iterator

from ...errors import InputError
from ...types import Frame


class Source(ABC):
    """An iterable of frames that holds a device or a file open until :meth:`close`.

    Attributes:
        description: what is read, for the user (``"screen 1 (1920x1080 at 0,0)"``).
        live: True for the screen and the webcam (paced by the wall clock), False for
            files (read as fast as they are consumed).
        duration_s: a video's or an image list's length in seconds when known (progress
            bars), else None.
    """

    description: str = ""
    live: bool = False
    duration_s: float | None = None

    @abstractmethod
    def __iter__(self) -> Iterator[Frame]:
        """Frames in order; timestamps are seconds since the source started."""

    @property
    def stored_as(self) -> str:
        """What the session database keeps as this session's source: the description,
        less anything that may be private (a followed window's title: a mail's subject, a
        document's name, a meeting's name)."""
        return self.description

    def unseen_stretches(self) -> list[tuple[float, float]]:
        """Stretches ``(start_s, end_s)`` of a live session in which nothing could be
        captured (a followed window minimised or closed); none for other sources."""
        return []

    _interrupted: bool = False

    def interrupt(self) -> None:
        """End a live source's iteration at its next frame slot (at most one frame period
        later), even while it yields nothing (a followed window minimised or closed). Safe
        from any thread: a signal handler, a timer."""
        self._interrupted = True

    def close(self) -> None:
        """Release the device or file (safe to call more than once)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.description}>"


def positive(value, name: str, unit: str, example: str) -> float:
    """A number setting that must be above 0 (a rate, an interval).

    Args:
        value: what was given (a number or its text).
        name: the parameter's name, for the message and ``InputError.option``.
        unit: what the number is, for the message (``"a number of frames per second"``).
        example: a good value, for the message (``"2"``).

    Returns:
        ``value`` as a finite float above 0.

    Raises:
        InputError: not a number, not finite, or not above 0 (``option`` = ``name``).
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} {value!r}: not a number; give {unit}, e.g. {example}", option=name) from None
    if not math.isfinite(number) or number <= 0:
        raise InputError(f"{name} {value!r}: must be {unit} above 0, e.g. {example}", option=name)
    return number


def check_fps(fps) -> float:
    """A live source's rate: ``fps`` as a float above 0 (frames per second).

    Raises:
        InputError: not a number above 0 (``option="fps"``).
    """
    return positive(fps, "fps", "a number of frames per second", "2")


def paced(fps: float, clock: Callable[[], float], sleep: Callable[[float], None],
          grab: Callable[[float, int], Frame | None], stopped: Callable[[], bool]) -> Iterator[Frame]:
    """Call ``grab`` on a grid of ``1/fps`` seconds and yield its frames.

    The first frame is taken at once. Between frames it sleeps until the next slot is
    due; when the consumer kept it past one or more slots, those slots are dropped and
    the frame is taken right away (skip, never queue).

    Args:
        fps: frames per second, above 0.
        clock: the time now in seconds (``time.monotonic``; tests pass a fake clock).
        sleep: waits the given number of seconds (``time.sleep``).
        grab: ``grab(timestamp, index)`` takes the frame for seconds since the first
            slot and the number of frames yielded so far; it may return None (nothing
            to capture now, e.g. the window is minimised): that slot yields nothing.
        stopped: True once the source is closed or exhausted; checked before each slot.

    Yields:
        The frames ``grab`` returned, in order.
    """
    period = 1.0 / fps
    t0 = clock()
    due = t0
    index = 0
    while not stopped():
        now = clock()
        if now < due:
            sleep(due - now)
            now = max(clock(), due)
        elif now - due >= period:  # slow consumer: drop the slots we missed
            due += math.floor((now - due) / period) * period
        if stopped():
            return
        frame = grab(max(0.0, now - t0), index)
        due += period
        if frame is not None:
            index += 1
            yield frame
