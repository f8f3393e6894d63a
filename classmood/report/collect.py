"""The report's figures for one stored session: :func:`collect` reads it through the
:class:`~classmood.agent.store.SessionStore`'s typed read methods (numbers only:
presence, label and valence per observation; never boxes or pixels) and computes
everything with vectorised arithmetic, so a 50-participant, 2-hour session (about
720,000 observation rows) takes a few seconds.

**Valence.** Each participant's valence is read both as stored (absolute) and as the
stored change from their own baseline; the class's likewise. The change is the headline
(plots, moments, the participants' order); a participant is *negative* by the live
agent's rule (:func:`~classmood.report.data.negative`). A session stored before
baselines has no changes: its headline is then the absolute valence.

**Time accounting.** Each observation counts for the seconds of its frame, by the same
rule as the agent's end-of-session summary (:mod:`classmood.agent.summary`): until the
next analysed frame, one median frame step before a pause (a gap of more than two
steps) and for the last frame. Class-mood rows (the class valence and its change) count
the same way.
Times are then split exactly at interval boundaries and clipped to the ``start_s`` /
``end_s`` window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..agent.store import MoodSeries, ObservationArrays, ParticipantRow, SessionInfo, SessionStore, UnreadRow
from ..agent.summary import PAUSE_STEPS, backfill_usual, frame_seconds, frame_step, observation_seconds, shown_codes
from ..errors import InputError
from ..labels import LABELS, SHOWN_LABELS, UNCERTAIN, UNCERTAIN_REASONS
from ..timefmt import clock
from .accounting import dominant, label_shares, longest_runs, reason_shares, shares, split_at_edges
from .caveats import caveats, model_info
from .data import Interval, Participant, ReportData, json_number, negative, negative_as_usual, usual_valence
from .events import alert_episodes, moments
from .interval import default_interval

DEFAULT_STEP_S = 0.5
"""The frame step assumed for a session with a single frame whose settings give no step."""
MAX_INTERVALS = 10_000
"""The most intervals a report may have."""


@dataclass(frozen=True)
class SessionRows:
    """One session as read for the report, with its window and intervals decided.

    Attributes:
        info: the session.
        participants: its participants, in order of first appearance.
        moods: its class-mood rows (one per analysed frame).
        frame_s: float64 [K], the seconds each class-mood row's frame counts for.
        observations: its observations from ``PAUSE_STEPS`` steps before the window
            (their seconds can reach into it) to the window's end.
        step: the session's median frame step, seconds.
        duration: the session's length: last frame + one step (0 without frames).
        start, end: the window, seconds from the session start.
        interval_s: the intervals' length, seconds.
        edges: float64 [n_int + 1], interval edges (the last one is ``end``).
        unread: the stretches of the recording that could not be read, by start.
    """

    info: SessionInfo
    participants: list[ParticipantRow]
    moods: MoodSeries
    frame_s: np.ndarray
    observations: ObservationArrays
    step: float
    duration: float
    start: float
    end: float
    interval_s: float
    edges: np.ndarray
    unread: tuple[UnreadRow, ...] = ()


def check_request(interval_s: float | None, start_s: float | None, end_s: float | None) -> None:
    """Check a report's interval and window before reading anything.

    Raises:
        InputError: a value that is not a finite number, an interval not above 0, a
            negative start, an end not above 0, or a start not before the end (with
            ``option`` naming the parameter: ``interval``, ``start`` or ``end``).
    """
    for what, v in (("interval", interval_s), ("start", start_s), ("end", end_s)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v)):
            raise InputError(f"report {what} {v!r}: must be a number of seconds", option=what)
    if interval_s is not None and not interval_s > 0:
        raise InputError(f"report interval {interval_s:g} s: must be a number of seconds above 0, e.g. 60",
                         option="interval")
    if start_s is not None and start_s < 0:
        raise InputError(f"report start {start_s:g} s: must be 0 or more seconds from the session start",
                         option="start")
    if start_s is not None and end_s is not None and start_s >= end_s:
        raise InputError(f"report window {start_s:g}..{end_s:g} s: the start must come before the end; "
                         "swap the start and the end", option="start")
    if end_s is not None and end_s <= 0:
        raise InputError(f"report end {end_s:g} s: must be above 0 seconds from the session start", option="end")


def read_session(store: SessionStore, ref: int | str = "latest", *, interval_s: float | None = None,
                 start_s: float | None = None, end_s: float | None = None) -> SessionRows:
    """Read session ``ref`` (an id or ``"latest"``) for a report of the window
    ``start_s``..``end_s`` (seconds; default the whole session) in intervals of
    ``interval_s`` seconds (default :func:`~classmood.report.interval.default_interval`
    of the session's length).

    Raises:
        InputError: an unknown session or empty database (from the store), a start at or
            past the session's end (``option="start"``), or an interval that makes more
            than ``MAX_INTERVALS`` intervals (``option="interval"``).
    """
    info = store.session(ref)
    sid = info.id
    participants = store.participants(sid)
    moods = store.mood_series(sid)
    step = frame_step(moods.t, default=info.settings.frame_step_s or DEFAULT_STEP_S)
    unread = tuple(store.unread(sid))
    frame_s = frame_seconds(moods.t, step, end=info.recording_end_s,
                            unread=[(u.start_s, u.end_s) for u in unread])
    if info.recording_end_s is not None:  # a recording lasts as long as it was read
        duration = max(float(info.recording_end_s), float(moods.t[-1]) if len(moods.t) else 0.0)
    else:  # a live session lasts to its last frame, or to the end of a stretch it saw nothing
        duration = float(moods.t[-1]) + step if len(moods.t) else 0.0
        duration = max([duration] + [float(u.end_s) for u in unread if u.end_s is not None])
    interval = default_interval(info.duration_s) if interval_s is None else float(interval_s)
    start = 0.0 if start_s is None else float(start_s)
    end = duration if end_s is None else min(float(end_s), duration)
    if start > 0 and start >= duration:
        raise InputError(f"report start {start:g} s: session {sid} lasts only {duration:.1f} s "
                         f"({clock(duration)}); choose an earlier start", option="start")
    n_int = int(math.ceil((end - start) / interval - 1e-9)) if end > start else 0
    if n_int > MAX_INTERVALS:
        raise InputError(f"report interval {interval:g} s: makes {n_int} intervals of a {end - start:.0f} s "
                         f"window; choose an interval of {math.ceil((end - start) / MAX_INTERVALS)} s or more",
                         option="interval")
    observations = store.observation_arrays(sid, start - PAUSE_STEPS * step, end)
    edges = start + np.arange(n_int + 1, dtype=np.float64) * interval
    if n_int:
        edges[-1] = end
    return SessionRows(info=info, participants=participants, moods=moods, frame_s=frame_s,
                       observations=observations, step=step, duration=duration, start=start, end=end,
                       interval_s=interval, edges=edges, unread=unread)


@dataclass(frozen=True)
class _Cells:
    """Every participant (of ``observations.ids``) per interval."""

    presence: np.ndarray  # seconds [n_all, n_int, 3]: present, away, camera off
    labels: np.ndarray    # seconds [n_all, n_int, len(LABELS)] while present
    vsum: np.ndarray      # valence x seconds [n_all, n_int] while present with a valence
    vt: np.ndarray        # those seconds [n_all, n_int]
    csum: np.ndarray      # valence change x seconds [n_all, n_int] while present with a change
    ct: np.ndarray        # those seconds [n_all, n_int]
    shown: np.ndarray     # seconds [n_all, n_int, len(SHOWN_LABELS)] while present, against the usual label
    reasons: np.ndarray   # seconds [n_all, n_int, len(UNCERTAIN_REASONS) + 1] uncertain, by reason
                          # (the last: not stored, a session stored before schema 4)
    usual: np.ndarray     # seconds [n_all, len(LABELS)] present with each usual label known


def _while_present(cell: np.ndarray, w: np.ndarray, pres: np.ndarray, x: np.ndarray,
                   size: int) -> tuple[np.ndarray, np.ndarray]:
    """Per cell (of ``size``), the sum of ``w`` x ``x`` over the spans present with ``x``
    known (finite), and the sum of their ``w`` (seconds); float64 [size] each."""
    m = (pres == 0) & np.isfinite(x)
    return (np.bincount(cell[m], weights=w[m] * x[m], minlength=size),
            np.bincount(cell[m], weights=w[m], minlength=size))


def _mean(total: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """``total / seconds`` where ``seconds`` > 0, else NaN."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(seconds > 0, total / np.where(seconds > 0, seconds, 1.0), np.nan)


def _cells(obs: ObservationArrays, a: np.ndarray, b: np.ndarray, edges: np.ndarray) -> _Cells:
    """Sum the observations' spans ``[a, b)`` per participant and interval."""
    n_all, n_int = len(obs.ids), len(edges) - 1
    cols = max(n_int, 1)
    rows, k, w = split_at_edges(a, b, edges)
    cell = obs.participant[rows].astype(np.int64) * cols + k
    size = n_all * cols
    pres = obs.presence[rows]
    presence = np.zeros((size, 3))
    for j in range(3):
        m = pres == j
        presence[:, j] = np.bincount(cell[m], weights=w[m], minlength=size)
    lab = obs.label[rows]
    labels = np.zeros((size, len(LABELS)))
    m = (pres == 0) & (lab >= 0)
    if m.any():
        labels = np.bincount(cell[m] * len(LABELS) + lab[m], weights=w[m],
                             minlength=size * len(LABELS)).reshape(size, len(LABELS))
    vsum, vt = _while_present(cell, w, pres, obs.valence[rows], size)
    csum, ct = _while_present(cell, w, pres, obs.valence_change[rows], size)

    def per_code(code: np.ndarray, n: int) -> np.ndarray:
        m = (pres == 0) & (code >= 0)
        out = np.bincount(cell[m] * n + code[m], weights=w[m], minlength=size * n) if m.any() else np.zeros(size * n)
        return out.reshape(n_all, cols, n)[:, :n_int]

    usual = obs.usual.astype(np.int64)[rows]
    shown = per_code(shown_codes(lab, backfill_usual(obs.usual, obs.participant)[rows]), len(SHOWN_LABELS))
    reason = obs.reason[rows].astype(np.int64)
    reason = np.where(lab == LABELS.index(UNCERTAIN), np.where(reason < 0, len(UNCERTAIN_REASONS), reason), -1)
    reasons = per_code(reason, len(UNCERTAIN_REASONS) + 1)
    m = (pres == 0) & (usual >= 0)
    usual_s = np.zeros((n_all, len(LABELS)))
    np.add.at(usual_s, (obs.participant[rows][m], usual[m]), w[m])

    def grid(x: np.ndarray) -> np.ndarray:
        return x.reshape(n_all, cols)[:, :n_int]

    return _Cells(presence=presence.reshape(n_all, cols, 3)[:, :n_int],
                  labels=labels.reshape(n_all, cols, len(LABELS))[:, :n_int],
                  vsum=grid(vsum), vt=grid(vt), csum=grid(csum), ct=grid(ct), shown=shown, reasons=reasons,
                  usual=usual_s)


def _class_series(rows: SessionRows, v: np.ndarray) -> np.ndarray:
    """A class figure per interval [n_int]: the class-mood rows' ``v`` [K] (the class
    valence, or its change from the baselines) weighted by their seconds in the
    interval; NaN where unknown."""
    t, n_int = rows.moods.t, len(rows.edges) - 1
    a, b = np.maximum(t, rows.start), np.minimum(t + rows.frame_s, rows.end)
    fin = np.isfinite(v)
    mrows, k, w = split_at_edges(np.where(fin, a, 0.0), np.where(fin, b, 0.0), rows.edges)
    total = np.bincount(k, weights=w * v[mrows], minlength=n_int)[:n_int]
    seconds = np.bincount(k, weights=w, minlength=n_int)[:n_int]
    return _mean(total, seconds)


@dataclass(frozen=True)
class _Seen:
    """Per participant (of ``observations.ids``), float64 [n_all] each (NaN: none)."""

    neg_s: np.ndarray      # the longest negative stretch, seconds (0 when none)
    neg_t: np.ndarray      # its start
    away_s: np.ndarray     # the longest away stretch, seconds (0 when none)
    away_t: np.ndarray     # its start
    neg_total: np.ndarray  # all negative seconds
    usual_neg_total: np.ndarray  # all seconds strongly negative as usual (their usual look)
    seen: np.ndarray       # bool: observed in the window
    first: np.ndarray      # first and last time seen in the window
    last: np.ndarray


def _trend(x: np.ndarray) -> list[float | None]:
    return [json_number(v, 4) for v in x]


def _participant(i: int, pid: str, name: str, cells: _Cells, valence: np.ndarray, change: np.ndarray,
                 lengths: np.ndarray, seen: _Seen, presence_only: bool) -> Participant:
    """One participant's entry (index ``i`` of the session's ids); ``valence`` and
    ``change`` [n_all, n_int] are the participants' mean valence and valence change per
    interval."""
    po = presence_only
    secs = cells.presence[i].sum(0)
    in_class = float(secs.sum())
    lab_tot = cells.labels[i].sum(0)
    mean_v = float(_mean(cells.vsum[i].sum(), cells.vt[i].sum()))
    mean_c = float(_mean(cells.csum[i].sum(), cells.ct[i].sum()))
    dom = int(dominant(lab_tot))
    shown_tot = cells.shown[i].sum(0)
    reasons = cells.reasons[i].sum(0)
    unc_s = float(reasons.sum())
    labelled_s = float(lab_tot.sum())
    usual = int(cells.usual[i].argmax()) if cells.usual[i].sum() > 0 else -1
    trend = (cells.presence[i, :, 0] / np.where(lengths > 0, lengths, 1.0)) if po else valence[i]
    neg_s, neg_t, away_s, away_t = seen.neg_s[i], seen.neg_t[i], seen.away_s[i], seen.away_t[i]
    return {
        "id": pid,
        "name": name,
        "first_seen_s": json_number(seen.first[i]),
        "last_seen_s": json_number(seen.last[i]),
        "in_class_s": json_number(in_class),
        "present_s": json_number(secs[0]),
        "away_s": json_number(secs[1]),
        "camera_off_s": json_number(secs[2]),
        "present_share": json_number(secs[0] / in_class, 4) if in_class > 0 else None,
        "expressions": None if po else label_shares(lab_tot),
        "dominant_expression": None if po or dom < 0 else LABELS[dom],
        "usual_expression": None if po or usual < 0 else LABELS[usual],
        "expressions_vs_usual": None if po or usual < 0 else shares(shown_tot, SHOWN_LABELS),
        "uncertain_s": None if po else json_number(unc_s),
        "uncertain_share": None if po or not labelled_s > 0 else json_number(unc_s / labelled_s, 4),
        "uncertain_reasons": None if po or not unc_s > 0 else reason_shares(reasons),
        "mean_valence": None if po else json_number(mean_v, 4),
        "mean_valence_change": None if po else json_number(mean_c, 4),
        "negative_s": None if po else json_number(seen.neg_total[i]),
        "negative_as_usual_s": None if po else json_number(seen.usual_neg_total[i]),
        "longest_negative": None if po or not neg_s > 0 else
        {"start_s": json_number(neg_t), "duration_s": json_number(neg_s), "clock": clock(neg_t)},
        "longest_away": None if not away_s > 0 else
        {"start_s": json_number(away_t), "duration_s": json_number(away_s), "clock": clock(away_t)},
        "attention_s": json_number(max(0.0 if po else neg_s, away_s)),
        "trend": _trend(trend),
        "valence_change_trend": None if po else _trend(change[i]),
    }


def _seen(obs: ObservationArrays, a: np.ndarray, w: np.ndarray, step: float) -> _Seen:
    """Each participant's stretches and times seen, from the observations' spans
    starting at ``a`` and counting ``w`` seconds in the window; negative by the agent's
    rule (:func:`~classmood.report.data.negative`)."""
    n_all = len(obs.ids)
    keep = w > 0
    present = keep & (obs.presence == 0)
    usual = usual_valence(obs.valence, obs.valence_change, obs.participant, obs.t)
    args = (obs.valence, obs.valence_change, obs.label, obs.negative_change, obs.negative_line, usual)
    neg = present & negative(*args)
    as_usual = present & negative_as_usual(*args)
    neg_s, neg_t = longest_runs(neg, obs.participant, obs.t, a, step, n_all)
    away_s, away_t = longest_runs(keep & (obs.presence == 1), obs.participant, obs.t, a, step, n_all)
    first = np.full(n_all, np.nan)
    last = np.full(n_all, np.nan)
    if keep.any():
        kp = obs.participant[keep]
        np.fmin.at(first, kp, a[keep])
        np.fmax.at(last, kp, obs.t[keep])
    return _Seen(neg_s=neg_s, neg_t=neg_t, away_s=away_s, away_t=away_t,
                 neg_total=np.bincount(obs.participant[neg], weights=w[neg], minlength=n_all),
                 usual_neg_total=np.bincount(obs.participant[as_usual], weights=w[as_usual], minlength=n_all),
                 seen=np.bincount(obs.participant[keep], minlength=n_all) > 0, first=first, last=last)


def _intervals(edges: np.ndarray, counts: np.ndarray, labels: np.ndarray, class_valence: np.ndarray,
               class_change: np.ndarray, presence_only: bool, read: np.ndarray, shown: np.ndarray,
               usual_known: bool) -> list[Interval]:
    """The class per interval, from the mean numbers per state ``counts`` [n_int, 3] and
    the label seconds of all participants ``labels`` [n_int, len(LABELS)] and against their
    usual labels ``shown`` [n_int, len(SHOWN_LABELS)] (``usual_known``: any usual label was
    stored); ``read`` [n_int]: the seconds of each that were read."""
    po = presence_only
    dom = dominant(labels)
    return [{
        "index": k, "start_s": json_number(edges[k]), "end_s": json_number(edges[k + 1]), "clock": clock(edges[k]),
        "read_s": json_number(read[k]),
        "participants": json_number(counts[k].sum(), 3), "present": json_number(counts[k, 0], 3),
        "away": json_number(counts[k, 1], 3), "camera_off": json_number(counts[k, 2], 3),
        "valence": None if po else json_number(class_valence[k], 4),
        "valence_change": None if po else json_number(class_change[k], 4),
        "expressions": None if po else label_shares(labels[k]),
        "dominant_expression": None if po or dom[k] < 0 else LABELS[dom[k]],
        "expressions_vs_usual": None if po or not usual_known else shares(shown[k], SHOWN_LABELS),
    } for k in range(len(edges) - 1)]


def figures(rows: SessionRows, *, names: bool = True) -> ReportData:
    """The report's figures from a session read by :func:`read_session`; ``names``: show
    the participants' names if the session stored them."""
    info, obs, edges = rows.info, rows.observations, rows.edges
    n_int = len(edges) - 1
    po = info.presence_only
    span = observation_seconds(obs.t, rows.moods.t, rows.frame_s)
    a, b = np.maximum(obs.t, rows.start), np.minimum(obs.t + span, rows.end)
    cells = _cells(obs, a, b, edges)
    seen = _seen(obs, a, np.maximum(b - a, 0.0), rows.step)
    moods = rows.moods
    class_valence, class_change = _class_series(rows, moods.valence), _class_series(rows, moods.valence_change)
    valence, change = _mean(cells.vsum, cells.vt), _mean(cells.csum, cells.ct)
    # the headline is the change from the baselines, unless the session was stored before them
    baselines = bool(np.isfinite(moods.valence_change).any() or not np.isfinite(moods.valence).any())
    key = "mean_valence_change" if baselines else "mean_valence"

    # participants in the window, most in need of attention first
    stored = {p.id: p.name for p in rows.participants if p.name}
    names_shown = bool(names and info.names)
    shown = {pid: (stored.get(pid) or "") if names_shown else "" for pid in obs.ids}
    hidden = {} if names_shown else {n: p for p, n in stored.items()}
    # seconds of each interval that were read: a recording's unreadable stretches count for
    # no one, so the class per interval is averaged over the time that was read
    lengths = np.diff(edges)
    for u in rows.unread:
        b = rows.end if u.end_s is None else u.end_s
        lengths = lengths - np.clip(np.minimum(edges[1:], b) - np.maximum(edges[:-1], u.start_s), 0.0, None)
    sel = np.nonzero(seen.seen & (cells.presence.sum((1, 2)) > 0) if n_int else seen.seen)[0]
    people = [_participant(i, obs.ids[i], shown[obs.ids[i]], cells, valence, change, lengths, seen, po)
              for i in sel]
    people.sort(key=lambda p: (-(p["attention_s"] or 0.0), p[key] if p[key] is not None else 0.0,
                               p["present_share"] if p["present_share"] is not None else 1.0, p["id"]))
    ids = [p["id"] for p in people]
    order = [obs.ids.index(p) for p in ids]
    presence, labels, valence, change = cells.presence[order], cells.labels[order], valence[order], change[order]
    mix, reasons = cells.shown[order], cells.reasons[order]
    usual_known = bool(cells.usual.sum() > 0)

    # the class per interval
    with np.errstate(invalid="ignore", divide="ignore"):
        counts = presence.sum(0) / np.where(lengths > 0, lengths, 1.0)[:, None]  # [n_int, 3]
    model = model_info(po)
    return ReportData(
        info=info, names_shown=names_shown, start_s=rows.start, end_s=rows.end, duration_s=rows.duration,
        step_s=rows.step, interval_s=rows.interval_s, edges=edges, ids=ids, names=[shown[p] for p in ids],
        present=presence, labels=labels, valence=valence, valence_change=change, class_valence=class_valence,
        class_valence_change=class_change, people=people, baselines=baselines,
        intervals=_intervals(edges, counts, labels.sum(0), class_valence, class_change, po, lengths, mix.sum(0),
                             usual_known),
        shown=mix, reasons=reasons, usual_known=usual_known and not po,
        moments=moments(edges, class_change if baselines else class_valence, counts[:, 1] if n_int else np.zeros(0),
                        counts.sum(1) if n_int else np.zeros(0), po, None if info.recording else info.started_at,
                        baselines=baselines),
        alerts=alert_episodes(rows.moods, shown, hidden, rows.start, rows.end,
                              {p.id: p.first_seen_s for p in rows.participants}), model=model,
        caveats=caveats(model, po, baselines),
        read_s=lengths,
        unread=[{"start_s": json_number(u.start_s), "end_s": None if u.end_s is None else json_number(u.end_s),
                 "clock": clock(u.start_s), "to_end": u.end_s is None or (
                     info.recording_end_s is not None and u.end_s >= info.recording_end_s - 1e-6)}
                for u in rows.unread],
        frames_in_window=int(((rows.moods.t >= rows.start) & (rows.moods.t < rows.end)).sum()),
        observations_in_window=int(((obs.t >= rows.start) & (obs.t < rows.end)).sum()),
    )


def collect(store: SessionStore, ref: int | str = "latest", *, interval_s: float | None = None, names: bool = True,
            start_s: float | None = None, end_s: float | None = None) -> ReportData:
    """The report's figures for session ``ref`` of ``store`` (no files written).

    Args:
        store: the session store (read-only or not).
        ref: a session id, or ``"latest"``.
        interval_s: the intervals' length in seconds (default: by the session's length,
            :func:`~classmood.report.interval.default_interval`).
        names: show the participants' names if the session stored them.
        start_s, end_s: only this window of the session (seconds from its start).

    Raises:
        InputError: see :func:`check_request` and :func:`read_session`.
    """
    check_request(interval_s, start_s, end_s)
    return figures(read_session(store, ref, interval_s=interval_s, start_s=start_s, end_s=end_s), names=names)
