"""The report's default interval: one rule for every command that writes a report
(``build_report(..., interval_s=None)`` uses it)."""

from __future__ import annotations


def default_interval(duration_s: float) -> float:
    """The report's interval for a session ``duration_s`` seconds long.

    Args:
        duration_s: the session's length in seconds (``SessionInfo.duration_s``).

    Returns:
        Seconds: a minute from 30 minutes on, else finer (about 30 intervals, whole
        seconds, at least 1 s).
    """
    return 60.0 if duration_s >= 30 * 60 else float(max(1, round(duration_s / 30)))
