"""The frames of a recorded video file, one per so many seconds of recording (default
:data:`DEFAULT_EVERY_S`), timed by the container's presentation times; damaged frames
are skipped and counted (:class:`ReadReport`), never mistaken for the end of the file."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from ...errors import InputError
from ...io import as_bgr, check_file, quiet_decoders
from ...types import Frame
from .base import Source

_VIDEO_HINT = "a video file (MP4, AVI, MKV, MOV, WebM, ...)"

DEFAULT_EVERY_S = 0.5
"""Seconds of recording between analysed frames of a video by default (``every``)."""

GAP_WARNING_S = 2.0
"""An unreadable stretch of a recording at least this many seconds long gets a warning
(:meth:`ReadReport.warnings`); shorter ones are only counted."""

MIN_RETRY_GRABS = 16
"""After a frame that cannot be decoded, at least this many more reads are tried before
the file is taken to have ended (more when the container says more frames follow)."""

UNKNOWN_LENGTH_RETRY_GRABS = 600
"""The reads tried past an undecodable frame when the container gives no frame count."""

_ASSUMED_FPS = 25.0  # the frame step when neither the container's times nor its rate are known


def check_every(every) -> float:
    """A video's sampling step: ``every`` as a float of seconds, 0 meaning every frame.

    Args:
        every: seconds of recording between analysed frames (a number or its text);
            None: :data:`DEFAULT_EVERY_S`.

    Returns:
        A finite float >= 0.

    Raises:
        InputError: not a number, not finite, or below 0 (``option="every"``).
    """
    if every is None:
        return DEFAULT_EVERY_S
    try:
        number = float(every)
    except (TypeError, ValueError):
        raise InputError(f"every {every!r}: not a number; give a number of seconds between frames, e.g. "
                         f"{DEFAULT_EVERY_S:g} (0: every frame)", option="every") from None
    if not math.isfinite(number) or number < 0:
        raise InputError(f"every {every!r}: must be a number of seconds between frames, 0 or above, e.g. "
                         f"{DEFAULT_EVERY_S:g} (0: every frame)", option="every")
    return number


def mp4_without_index(path: Path) -> bool:
    """Whether ``path`` is an MP4/MOV file (its first box is ``ftyp``) whose top-level boxes
    hold no ``moov``: the index a recorder writes when it stops, without which no frame can
    be found (a recording cut off by a crash, or a copy cut short). Reads box headers only."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            pos, first = 0, True
            while pos + 8 <= size:
                f.seek(pos)
                head = f.read(16)
                box, kind = int.from_bytes(head[:4], "big"), head[4:8]
                if first and kind != b"ftyp":
                    return False
                first = False
                if kind == b"moov":
                    return False
                if box == 1 and len(head) >= 16:
                    box = int.from_bytes(head[8:16], "big")
                elif box == 0:
                    box = size - pos
                if box < 8:
                    return True
                pos += box
            return not first
    except OSError:
        return False


@dataclass
class ReadReport:
    """How much of a video one pass read: what a teacher must be told when a recording is
    partly unreadable. Filled in while the frames are read; final once the iteration
    has ended.

    Attributes:
        path: the file.
        duration_s: the container's length in seconds (frame count / frame rate), or
            None when unknown.
        frame_count: the container's number of frames, or None when unknown.
        frames: frames yielded (analysed).
        decoded: frames decoded, those that sampling passed over included.
        unreadable: frames that could not be decoded (or converted) and were skipped,
            before the end of what could be read.
        gaps: the unreadable stretches ``(start_s, end_s)`` in seconds of recording, in
            order: from where the first skipped frame would have started to the next
            frame that could be read.
        start_s: the first frame's time in seconds, None before it is read.
        end_s: where reading ended in seconds: the end of the last frame read (the
            container's length when the whole file was read), None before a frame.
        estimated_times: frames whose time was estimated from the frame rate, because
            the container gave none or one that was not after the previous frame's.
        finished: True once the iteration reached the end of what could be read (False
            while reading, or when the consumer stopped early).
        cut_short: True when it ended before the container's last frame: the rest of
            the file (truncated or damaged) cannot be read.
    """

    path: Path
    duration_s: float | None = None
    frame_count: int | None = None
    frames: int = 0
    decoded: int = 0
    unreadable: int = 0
    gaps: list[tuple[float, float]] = field(default_factory=list)
    start_s: float | None = None
    end_s: float | None = None
    estimated_times: int = 0
    finished: bool = False
    cut_short: bool = False

    @property
    def read_s(self) -> float:
        """Seconds of recording read: from the first frame to :attr:`end_s`, less the
        unreadable stretches (0 before a frame was read)."""
        if self.start_s is None or self.end_s is None:
            return 0.0
        return max(0.0, self.end_s - self.start_s - sum(b - a for a, b in self.gaps))

    @property
    def length_s(self) -> float | None:
        """The recording's length: the container's when reading was cut short before it
        (a recording of 40 s read to 24 s is not a recording of 24 s), else where reading
        ended (None before a frame)."""
        if self.cut_short and self.end_s is not None and self.duration_s and self.duration_s > self.end_s:
            return self.duration_s
        return self.end_s

    @property
    def unread(self) -> list[tuple[float, float | None]]:
        """Every stretch that could not be read, ``(start_s, end_s)``: the gaps, then the
        rest of a recording cut short (to :attr:`length_s`, or None when its end is not
        known)."""
        out = list(self.gaps)
        if self.cut_short and self.end_s is not None:
            length = self.length_s
            out.append((self.end_s, length if length and length > self.end_s else None))
        return out

    def warnings(self) -> list[str]:
        """One line per problem a teacher must hear of (no ``warning:`` prefix): each
        unreadable stretch of :data:`GAP_WARNING_S` or more, and a recording that ends
        before the container says it does."""
        out = [f"could not read {a:.1f}-{b:.1f} s of {self.path}; analysed the rest"
               for a, b in self.gaps if b - a >= GAP_WARNING_S - 1e-9]
        if self.cut_short and self.end_s is not None:
            of = f" of {self.duration_s:.1f} s" if self.duration_s else ""
            out.append(f"could not read {self.path} after {self.end_s:.1f} s{of} (the file is truncated or "
                       f"damaged); analysed up to there")
        return out

    def summary(self) -> str:
        """What was analysed, in one line: ``"analysed 59.5 of 60.0 s (119 frames; 1
        unreadable skipped)"``."""
        of = f" of {self.duration_s:.1f}" if self.duration_s else ""
        frames = f"{self.frames} frame{'' if self.frames == 1 else 's'}"
        skipped = f"; {self.unreadable} unreadable skipped" if self.unreadable else ""
        cut = "; the rest of the file cannot be read" if self.cut_short else ""
        return f"analysed {self.read_s:.1f}{of} s ({frames}{skipped}{cut})"


class VideoSource(Source):
    """The frames of a video file (any container OpenCV's FFmpeg reads).

    Frames are BGR uint8 arrays of shape (H, W, 3). Timestamps are the frame's time in
    the recording in seconds: the container's presentation time of the frame (so a
    variable frame rate is timed right); where the container gives none, or one that
    is not after the previous frame's, the time is estimated from the frame rate (the
    previous frame's time plus the frames between them / fps). ``Frame.index`` is the
    frame's number in the file (damaged frames counted).

    A frame that cannot be decoded is skipped and the file is read on; only when no
    further frame can be read (the container's frame count reached, or many reads in a
    row failed) has the file ended. :attr:`report` says how much was read, which
    stretches could not be, and whether the file ended before its container says it
    should (a truncated file ends without an error; its report says where). The video
    can be iterated again (it is reopened from the top; the report starts again).

    Args:
        path: the video file.
        every: seconds of recording between analysed frames: the first frame at or
            after 0, every, 2*every, ... is kept; the others are only decoded, never
            converted. 0: every frame. None: :data:`DEFAULT_EVERY_S`.

    Attributes:
        every: the sampling step in seconds (0: every frame).
        fps: the video's average frame rate (None when unknown or implausible).
        frame_count: its number of frames (None when unknown).
        duration_s: its length in seconds (frame count / fps), None when unknown.
        size: ``(width, height)`` in pixels.
        report: the current or last pass's :class:`ReadReport`.

    Raises:
        InputError: a missing, empty or unreadable file, one whose first frame cannot be
            decoded, or ``every`` not a number of seconds >= 0 (``option="every"``).
    """

    live = False

    def __init__(self, path: str | os.PathLike, every: float | None = None) -> None:
        p = Path(path)
        every = check_every(every)
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
        self.report = self._new_report()

    def _new_report(self) -> ReadReport:
        return ReadReport(path=self.path, duration_s=self.duration_s, frame_count=self.frame_count)

    def _open(self) -> None:
        """Open the file and decode its first frame (which proves it is a video)."""
        p = self.path
        with quiet_decoders():
            # one decoding thread: each picture then comes with the read of its own packet
            # (FFmpeg's frame threads give it n - 1 reads later, n = the machine's cores),
            # so a keyframe after a damaged stretch is known whole at once on any machine
            # (with 2 threads a test lost that keyframe once on a busy machine; with 8, six
            # stale pictures would have been analysed). As fast on the shared recordings
            # (3,380 frames of 1280x720 H.264: 1.55 s, 1.71 s with 2 threads)
            cap = cv2.VideoCapture(str(p), cv2.CAP_FFMPEG, [cv2.CAP_PROP_N_THREADS, 1])
            if not cap.isOpened():
                cap.release()
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
            if mp4_without_index(p):
                raise InputError(
                    f"{p}: an MP4 recording that was never finished: its index (the 'moov' box, written "
                    "when recording stops) is missing, so no player can find its frames (the recording app "
                    "stopped or crashed, or the copy was cut); recover it with the app's own recovery or a "
                    "tool such as untrunc (with a good recording from the same app), then analyse that file"
                )
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

    def _retries(self, seen: int) -> int:
        """How many failed reads in a row, after ``seen`` frames, mean the file has ended."""
        if self.frame_count is None:
            return UNKNOWN_LENGTH_RETRY_GRABS
        return max(MIN_RETRY_GRABS, self.frame_count - seen + 1)

    def __iter__(self) -> Iterator[Frame]:
        if self._cap is None:  # a second pass, or closed: start again from the top
            self._open()
        cap, first = self._cap, self._first
        self._first = None
        report = self.report = self._new_report()
        every = self.every
        eps = 1e-6
        step_fps = 1.0 / (self.fps or _ASSUMED_FPS)
        next_keep = 0.0       # the next sampling time (seconds of recording)
        prev_t: float | None = None  # the last decoded frame's time
        prev_seen = 0         # ... and its number in the file
        step = step_fps       # the last step between decoded frames (the last frame's length)
        seen = 0              # frames of the file passed so far (decoded or not)
        failed_grabs = 0      # reads that failed in a row (not yet in seen)
        failed = 0            # undecodable frames since the last decoded one
        gap_start: float | None = None  # where the current unreadable stretch began
        keys_seen = False     # keyframes reported in this file (the decoder says where they are)
        stale = False         # after a long unreadable stretch, until the next keyframe
        gap_checked = False   # the open unreadable stretch was looked at for staleness

        def time_of(msec: float) -> float:
            """This frame's time: the container's when it is one, else estimated."""
            t = round(msec / 1000.0, 6) if math.isfinite(msec) else math.nan  # no float noise
            if prev_t is None:
                if t >= 0:
                    return t
                report.estimated_times += 1
                return 0.0
            if t > prev_t + eps:
                return t
            report.estimated_times += 1
            return round(prev_t + (seen - prev_seen) * step_fps, 6)

        def open_gap_start() -> float:
            """Where the open unreadable stretch began: its first damaged frame's time, or
            where the first undecodable frame would have started."""
            if gap_start is not None:
                return gap_start
            return round(prev_t + step, 6) if prev_t is not None else 0.0

        def decoded(t: float) -> None:
            """Book a decoded frame at ``t`` (closing the unreadable stretch before it)."""
            nonlocal prev_t, prev_seen, step, failed, gap_start, gap_checked
            gap_checked = False
            if failed:
                start = open_gap_start()
                if t > start + eps:
                    report.gaps.append((start, t))
                report.unreadable += failed
                failed, gap_start = 0, None
            elif prev_t is not None and t > prev_t:
                step = t - prev_t
            if report.start_s is None:
                report.start_s = t
            prev_t, prev_seen = t, seen
            report.decoded += 1
            report.end_s = round(t + step, 6)

        def keep(t: float) -> bool:
            return not every or t >= next_keep - eps

        def kept(t: float) -> None:
            nonlocal next_keep
            report.frames += 1
            if every:
                next_keep = (math.floor(t / every + eps) + 1) * every

        try:
            # the first frame was decoded when the file was opened (to check it)
            if first is not None:
                seen = 1
                ts = time_of(self._first_msec)
                decoded(ts)
                kept(ts)
                yield Frame(image=first, timestamp=ts, index=0)
            while self._cap is cap:
                with quiet_decoders():
                    ok = cap.grab()
                if not ok:
                    failed_grabs += 1
                    if failed_grabs >= self._retries(seen):  # nothing more can be read: the end
                        break
                    failed += 1
                    continue  # a damaged frame (or the end): try to read on
                seen += failed_grabs + 1  # the frames that failed were frames of the file too
                failed_grabs = 0
                index = seen - 1
                ts = time_of(cap.get(cv2.CAP_PROP_POS_MSEC))
                # the packet just read is a keyframe: with one decoding thread (_open) this
                # picture is whole again
                key_now = cap.get(cv2.CAP_PROP_LRF_HAS_KEY_FRAME) > 0
                if failed and not gap_checked and keys_seen:
                    stale = ts - open_gap_start() >= GAP_WARNING_S - eps
                    gap_checked = True
                if stale and not key_now:
                    # after a long unreadable stretch the decoder builds each picture on the
                    # last one it had, from before the damage: a class seconds old (a
                    # student back at her desk shown still away) until the next keyframe
                    failed += 1
                    continue
                stale = False
                keys_seen = keys_seen or key_now
                if not keep(ts):
                    decoded(ts)
                    continue  # skipped: decoded, never converted
                with quiet_decoders():
                    ok, image = cap.retrieve()
                if not ok or image is None or image.size == 0:
                    if not failed:
                        gap_start = ts
                    failed += 1  # one damaged frame: the next one takes its slot
                    continue
                decoded(ts)
                kept(ts)
                yield Frame(image=as_bgr(image, where=f"{self.path} frame {index}"), timestamp=ts, index=index)
            else:
                return  # closed while reading: not finished
            self._finish(report, seen, step)
        finally:
            if self._cap is cap:  # the next iteration reopens the file
                self._cap = None
                with quiet_decoders():  # a threaded decoder may still report a damaged frame
                    cap.release()

    def _finish(self, report: ReadReport, seen: int, step: float) -> None:
        """The file has ended after ``seen`` frames: was that the container's end?"""
        report.finished = True
        if report.end_s is None:
            return
        missing_frames = (self.frame_count - seen) if self.frame_count else 0
        missing_s = (self.duration_s - report.end_s) if self.duration_s else 0.0
        if missing_frames > 1 and missing_s > 1.5 * step:
            report.cut_short = True
        elif self.duration_s and missing_frames <= 1:
            report.end_s = self.duration_s  # the whole file: the last frame lasts to its end

    def close(self) -> None:
        """Release the file (safe to call more than once; a later iteration reopens it)."""
        cap, self._cap = self._cap, None
        self._first = None
        if cap is not None:
            cap.release()
