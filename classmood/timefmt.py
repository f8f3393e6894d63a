"""One way to write times for a teacher: clocks, durations and wall-clock times.

A leaf module (it imports nothing of ClassMood). Used by the agent's alert messages, the
overlay's badges and panel, the CLI's session list and the report.
"""

from __future__ import annotations

import datetime as dt
import math


def clock(seconds: float) -> str:
    """A position in a session or recording (floored to whole seconds, negatives as 0):
    ``"0:08"``, ``"4:05"`` (m:ss) under an hour, ``"1:02:03"`` (h:mm:ss) from an hour on."""
    s = max(0, int(math.floor(float(seconds) + 1e-6)))
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def duration(seconds: float, compact: bool = False) -> str:
    """A length of time, rounded to whole seconds (negatives as 0).

    Prose (alerts, the report): ``"12 s"``, ``"4 min 05 s"``, ``"1 h 02 min"``.
    ``compact=True`` (badges, tables): ``"12 s"`` under a minute, then m:ss / h:mm:ss.
    """
    s = max(0, int(round(float(seconds))))
    if s < 60:
        return f"{s} s"
    if compact:
        return clock(s)  # the one m:ss / h:mm:ss writing, of the rounded length
    if s >= 3600:
        return f"{s // 3600} h {s % 3600 // 60:02d} min"
    return f"{s // 60} min {s % 60:02d} s"


def wall_clock(started_at: float, seconds: float) -> str:
    """The local wall-clock time (``HH:MM:SS``) ``seconds`` after ``started_at`` (Unix time)."""
    return dt.datetime.fromtimestamp(started_at + seconds).astimezone().strftime("%H:%M:%S")
