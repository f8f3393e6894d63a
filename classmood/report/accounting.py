"""The report's vectorised time arithmetic: spans of time split at the interval edges,
the longest run of a state per participant, label shares and dominant labels.

How long each observation counts is the agent's rule
(:func:`classmood.agent.summary.frame_seconds`); this module only distributes those
seconds over the report's intervals.
"""

from __future__ import annotations

import numpy as np

from ..agent.summary import PAUSE_STEPS, stretch_seconds
from ..labels import LABELS, UNCERTAIN_REASONS


def split_at_edges(a: np.ndarray, b: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split the spans ``[a, b)`` at the interval ``edges``.

    Args:
        a, b: float64 [N], span starts and ends in seconds (empty spans are dropped).
        edges: float64 [n_int + 1], increasing interval edges.

    Returns:
        ``(row, interval, seconds)``, one entry per piece: int64 index into ``a``, int64
        interval index, float64 seconds of the span in that interval.
    """
    n_int = len(edges) - 1
    keep = b > a
    rows = np.nonzero(keep)[0]
    if n_int <= 0 or not len(rows):
        e = np.zeros(0, np.int64)
        return e, e, np.zeros(0)
    a, b = a[keep], b[keep]
    k0 = np.clip(np.searchsorted(edges, a, side="right") - 1, 0, n_int - 1)
    k1 = np.clip(np.searchsorted(edges, b, side="left") - 1, k0, n_int - 1)
    n = k1 - k0 + 1
    if (n == 1).all():
        return rows, k0, b - a
    rep = np.repeat(np.arange(len(a)), n)
    k = k0[rep] + (np.arange(rep.size) - np.repeat(np.cumsum(n) - n, n))
    w = np.minimum(b[rep], edges[k + 1]) - np.maximum(a[rep], edges[k])
    ok = w > 0
    return rows[rep][ok], k[ok], w[ok]


def longest_runs(flag: np.ndarray, group: np.ndarray, t: np.ndarray, start: np.ndarray,
                 step: float, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """The longest run of consecutive flagged rows per group; a gap of more than
    ``PAUSE_STEPS`` frame steps between two rows breaks a run. A run lasts from its first
    row's start to its last row's time (:func:`classmood.agent.summary.stretch_seconds`, the
    live agent's alerts' definition: a run seen on one frame only has no length).

    Args:
        flag: bool [N], the rows in the state; rows sorted by group, then time.
        group: int [N], the group (participant) of each row, in ``0..n_groups-1``.
        t: float64 [N], row times in seconds.
        start: float64 [N], when each row's time begins (its run's start if it is first).
        step: the session's frame step in seconds.
        n_groups: how many groups.

    Returns:
        ``(seconds, start)``, float64 [n_groups] each: the longest run's seconds (0 when
        none) and its start (NaN when none; the earliest of equally long runs).
    """
    best = np.zeros(n_groups)
    best_t = np.full(n_groups, np.nan)
    if not flag.any():
        return best, best_t
    cont = np.zeros(len(flag), bool)
    cont[1:] = flag[:-1] & (group[1:] == group[:-1]) & (t[1:] - t[:-1] <= PAUSE_STEPS * step + 1e-9)
    first = flag & ~cont
    run = np.cumsum(first) - 1
    last = np.full(int(first.sum()), -np.inf)
    np.maximum.at(last, run[flag], t[flag])
    run_g, run_t = group[first], start[first]
    dur = stretch_seconds(run_t, last)
    order = np.lexsort((-run_t, dur, run_g))  # per group the longest (then the earliest) last
    last_of_group = np.r_[run_g[order][1:] != run_g[order][:-1], True]
    sel = order[last_of_group]
    best[run_g[sel]], best_t[run_g[sel]] = dur[sel], run_t[sel]
    best_t[best <= 0] = np.nan
    return best, best_t


def label_shares(secs: np.ndarray) -> dict[str, float] | None:
    """The labels' shares of labelled time (4 decimals), for the labels seen.

    Args:
        secs: float64 [len(LABELS)], seconds per label.

    Returns:
        ``{label: share}`` for labels with time, or None when there is none.
    """
    tot = float(secs.sum())
    if tot <= 0:
        return None
    return {c: round(float(s) / tot, 4) for c, s in zip(LABELS, secs) if s > 0}


def shares(secs: np.ndarray, names: tuple[str, ...]) -> dict[str, float] | None:
    """Like :func:`label_shares`, for seconds per name of ``names`` (e.g.
    :data:`classmood.labels.SHOWN_LABELS`), float64 [len(names)]."""
    tot = float(secs.sum())
    if tot <= 0:
        return None
    return {c: round(float(s) / tot, 4) for c, s in zip(names, secs) if s > 0}


NOT_STORED = "not recorded"
"""The reason of an ``uncertain`` label in a session stored before reasons were (schema 3 or
older)."""


def reason_shares(secs: np.ndarray) -> dict[str, float] | None:
    """Why the labels were ``uncertain``: each reason's share of the uncertain time, largest
    first.

    Args:
        secs: float64 [len(UNCERTAIN_REASONS) + 1], seconds per reason of
            :data:`classmood.labels.UNCERTAIN_REASONS`, then the seconds whose reason was
            not stored (:data:`NOT_STORED`).

    Returns:
        ``{reason: share}`` (4 decimals) for the reasons with time, or None when none.
    """
    got = shares(secs, (*UNCERTAIN_REASONS, NOT_STORED))
    return None if got is None else dict(sorted(got.items(), key=lambda kv: -kv[1]))


def dominant(secs: np.ndarray) -> np.ndarray:
    """The label shown longest.

    Args:
        secs: float64 [..., len(LABELS)], seconds per label.

    Returns:
        int64 [...]: index into LABELS of the largest, -1 where all are 0.
    """
    return np.where(secs.sum(-1) > 0, secs.argmax(-1), -1)
