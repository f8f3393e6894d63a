"""What a class came to: per participant the seconds present, away and with the camera
off, first and last seen and expression shares, and the class's mean valence change
from its baselines (the headline: 0 is the class as it usually looks) and mean valence,
over the whole session. Fed one FrameResult at a time; reads nothing else.

**The presence-seconds rule** (one rule: the report counts with the same functions, from
the store). Each analysed frame counts for the time until the next analysed frame; a
frame followed by a pause (the next frame more than :data:`PAUSE_STEPS` median frame
steps later: nothing was analysed in between, e.g. the teacher paused the agent) counts
for one median step, and so does the last frame. The seconds of a pause count for no
state. A recording has no pauses: each frame counts until the next however far (a
variable frame rate slows down on a still screen), the last one until the recording's
end as read, and no frame counts into a stretch that could not be read. Each participant
in a frame counts for that frame's seconds in the state they were in; a participant who
has left is in no state.
"""

from __future__ import annotations

import math
from array import array
from typing import Any, Sequence

import numpy as np

from ..labels import FER_CLASSES, LABELS, LEARNING, SHOWN_LABELS, UNCERTAIN, USUAL
from ..types import ClassSnapshot, FrameResult, Presence

PAUSE_STEPS = 2.0
"""A gap between two analysed frames longer than this many median frame steps is a pause."""

_PRESENCES = (Presence.PRESENT, Presence.AWAY, Presence.CAMERA_OFF)
_LABEL_CODE = {c: i for i, c in enumerate(LABELS)}


def stretch_seconds(start: float | np.ndarray, last: float | np.ndarray) -> float | np.ndarray:
    """How long a stretch in one state (away, negative, strongly negative as usual) has
    lasted: from its start (the frame it began) to the last frame that showed it, never below
    0. The one definition of a stretch's length: the agent's ``away_s``, ``negative_s`` and
    ``negative_usual_s`` (so its alerts' ``since_s`` and the durations in their words) and the
    report's longest stretches (``longest_negative``, ``longest_away``) both come from here,
    so an alert's text and the report's tables give the same length (the report's table once
    added its last frame's seconds: 129.5 s beside the alert's 129.0 s). Totals (``away_s``
    in the summary and report, ``negative_s``) count each frame's seconds instead
    (the module's rule), so a single stretch's total is one frame step longer.

    Args:
        start, last: seconds (floats, or float arrays of one shape).

    Returns:
        ``last - start`` in seconds (a float for floats, else float64 of their shape).
    """
    out = np.maximum(np.subtract(last, start, dtype=np.float64), 0.0)
    return float(out) if out.ndim == 0 else out


def frame_step(t: np.ndarray, default: float) -> float:
    """The session's frame step: the median gap between its distinct frame times.

    Args:
        t: float64 [K], the analysed frames' times in seconds, non-decreasing.
        default: seconds to use when there are fewer than two distinct times.

    Returns:
        The step in seconds.
    """
    d = np.diff(np.unique(t))
    return float(np.median(d)) if len(d) else float(default)


def frame_seconds(t: np.ndarray, step: float, *, end: float | None = None,
                  unread: Sequence[tuple[float, float | None]] = ()) -> np.ndarray:
    """How many seconds each analysed frame counts for (the module's rule).

    Args:
        t: float64 [K], the frames' times in seconds, non-decreasing. Of frames at the
            same time, all but the last count for 0 s.
        step: the session's frame step in seconds (:func:`frame_step`).
        end: for a recording, where reading it ended (seconds). A recording has no
            pauses: a frame counts until the next one however far (a variable frame
            rate slows down on a still screen), the last one until ``end``.
        unread: for a recording, the stretches ``(start, end)`` that could not be read
            (``end`` None: the rest of it); no frame counts into one.

    Returns:
        float64 [K]: live, until the next frame; ``step`` for a frame followed by a
        pause (a gap over ``PAUSE_STEPS * step``) and for the last frame. A recording:
        as ``end`` and ``unread`` say.
    """
    if end is None:
        s = np.full(len(t), float(step))
        if len(t) > 1:
            gap = t[1:] - t[:-1]
            s[:-1] = np.where(gap > PAUSE_STEPS * step, step, np.maximum(gap, 0.0))
        return s
    stop = np.append(t[1:], max(float(end), float(t[-1]) if len(t) else 0.0))
    for a, _ in unread:  # a frame before an unreadable stretch stands for no time inside it
        cut = (t <= a) & (stop > a)
        stop = np.where(cut, a, stop)
    return np.maximum(stop - t, 0.0)


def observation_seconds(obs_t: np.ndarray, frame_t: np.ndarray, frame_s: np.ndarray) -> np.ndarray:
    """How many seconds each observation of a participant counts for: the seconds of the
    frame it was seen in.

    Args:
        obs_t: float64 [N], the observations' times in seconds (any order).
        frame_t: float64 [K], the session's frame times, non-decreasing.
        frame_s: float64 [K], their seconds (:func:`frame_seconds`).

    Returns:
        float64 [N]: the seconds of the frame at each observation's time (of the last
        frame before it if no frame has that time; 0 before the first frame).
    """
    if not len(frame_t):
        return np.zeros(len(obs_t))
    k = np.searchsorted(frame_t, obs_t, side="right") - 1
    return np.where(k >= 0, frame_s[np.maximum(k, 0)], 0.0)


def shown_codes(label: np.ndarray, usual: np.ndarray) -> np.ndarray:
    """Each observation's label as the teacher was shown it against the participant's usual
    label (:func:`classmood.labels.relative_label`), as an index into
    :data:`classmood.labels.SHOWN_LABELS`.

    Args:
        label: int8 [N], index into :data:`classmood.labels.LABELS`, -1 for none.
        usual: int8 [N], the usual label likewise, -1 while not known.

    Returns:
        int64 [N]: ``usual``, a class (a change), ``uncertain``, ``learning`` (no usual
        known); -1 where there is no label.
    """
    label, usual = label.astype(np.int64), np.asarray(usual, np.int64)
    unc = LABELS.index(UNCERTAIN)
    out = np.where(label == usual, SHOWN_LABELS.index(USUAL), label + 1)  # classes follow USUAL in SHOWN_LABELS
    out = np.where(usual < 0, SHOWN_LABELS.index(LEARNING), out)
    out = np.where(label == unc, SHOWN_LABELS.index(UNCERTAIN), out)
    return np.where(label < 0, -1, out)


def backfill_usual(usual: np.ndarray, participant: np.ndarray) -> np.ndarray:
    """Each observation's usual label, where it was still being learnt the one the same
    participant had next: a summary or a report is made afterwards, when a student's usual
    learnt over their first 2 minutes also reads those minutes.

    Args:
        usual: int [N], the usual label per observation (index into
            :data:`classmood.labels.LABELS`), -1 while not known.
        participant: int [N], whose observation; rows sorted by participant, then time.

    Returns:
        int64 [N]: ``usual`` with each -1 replaced by the participant's next known usual
        label (-1 when they have none later).
    """
    usual = np.asarray(usual, np.int64)
    n = len(usual)
    if not n:
        return usual
    nxt = np.minimum.accumulate(np.where(usual >= 0, np.arange(n), n)[::-1])[::-1]  # next known row, any participant
    j = np.minimum(nxt, n - 1)
    ok = (nxt < n) & (np.asarray(participant)[j] == np.asarray(participant))
    return np.where(usual >= 0, usual, np.where(ok, usual[j], -1))


def _nan_for_none(x: float | None) -> float:
    return math.nan if x is None else float(x)


def _reason_shares(row: np.ndarray, names: list[str]) -> dict[str, float]:
    """{reason: share of the uncertain seconds}, largest first, from seconds per reason
    (``row[k]``: the seconds of reason ``names[k]``)."""
    total = float(row.sum())
    if total <= 0:
        return {}
    pairs = sorted(((float(v), r) for r, v in zip(names, row) if v > 0), reverse=True)
    return {r: round(v / total, 4) for v, r in pairs}


def _time_mean(values: np.ndarray, frame_s: np.ndarray) -> float | None:
    """The mean of ``values`` [K] (one per frame, NaN where unknown) weighted by the
    frames' seconds ``frame_s`` [K], rounded to 4 decimals; None without a known value
    that counts for any time."""
    known = np.isfinite(values)
    seconds = float(np.sum(frame_s[known]))
    return None if seconds <= 0 else round(float(np.sum(frame_s[known] * values[known])) / seconds, 4)


class SessionSummary:
    """Accumulates FrameResults; :meth:`to_dict` is the final summary (figures in
    seconds of class whatever the frame rate, counted by the module's rule).

    Keeps a few bytes per participant per frame (about 7 MB for 50 participants over
    2 hours at 2 frames a second) and does the arithmetic once, in :meth:`to_dict`.
    """

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._names: list[str | None] = []
        self._t = array("d")            # frame times [K]
        self._valence = array("d")      # class valence per frame, NaN when unknown [K]
        self._change = array("d")       # class valence change from the baselines, NaN when unknown [K]
        self._obs_frame = array("i")    # per observation (a participant in a frame, not left) [N]
        self._obs_who = array("i")      # index into _names
        self._obs_presence = array("b")  # index into _PRESENCES
        self._obs_label = array("b")    # index into LABELS, -1 for none
        self._obs_usual = array("b")    # the usual label, index into LABELS, -1 while not known
        self._obs_reason = array("b")   # why uncertain, index into _reasons, -1 when not uncertain
        self._reasons: list[str] = []   # the uncertain reasons seen, in order (a few strings)
        self._presence_only = False
        self._last_mood: ClassSnapshot | None = None
        self._open: dict[tuple[str, str | None], dict] = {}  # alert episodes still going
        self._episodes: list[dict] = []
        self.frames = 0

    def add(self, result: FrameResult) -> None:
        """Count one analysed frame (frames come in time order)."""
        k = len(self._t)
        self._t.append(float(result.timestamp))
        self._valence.append(_nan_for_none(result.mood.valence))
        self._change.append(_nan_for_none(result.mood.valence_change))
        self._last_mood = result.mood
        self._presence_only = result.presence_only
        self.frames += 1
        for p in result.participants:
            i = self._ids.get(p.id)
            if p.presence is Presence.LEFT:
                if i is not None and p.name:
                    self._names[i] = p.name
                continue
            if i is None:
                i = self._ids[p.id] = len(self._names)
                self._names.append(None)
            if p.name:
                self._names[i] = p.name
            self._obs_frame.append(k)
            self._obs_who.append(i)
            self._obs_presence.append(_PRESENCES.index(p.presence))
            self._obs_label.append(_LABEL_CODE.get(p.label, -1) if p.label is not None else -1)
            self._obs_usual.append(_LABEL_CODE.get(p.usual_label, -1) if p.usual_label is not None else -1)
            reason = p.uncertain_reason
            if reason is not None and reason not in self._reasons:
                self._reasons.append(reason)
            self._obs_reason.append(-1 if reason is None else self._reasons.index(reason))
        self._alerts(float(result.timestamp), result.mood.alerts)

    def _alerts(self, t: float, alerts) -> None:
        """One episode per (kind, participant) in consecutive frames (as the report's)."""
        seen = set()
        for a in alerts:
            key = (a.kind, a.participant)
            seen.add(key)
            ep = self._open.get(key)
            if ep is None:
                ep = self._open[key] = {"kind": a.kind, "participant": a.participant,
                                        "start_s": max(0.0, t - float(a.since_s)), "longest_s": 0.0}
            ep["end_s"], ep["message"] = t, a.message
            ep["longest_s"] = max(ep["longest_s"], float(a.since_s))
        for key in [k for k in self._open if k not in seen]:
            self._episodes.append(self._open.pop(key))

    def to_dict(self, *, end_s: float | None = None,
                unread: Sequence[tuple[float, float | None]] = ()) -> dict[str, Any]:
        """The summary so far.

        Args:
            end_s: for a recording, where reading it ended (seconds of the recording);
                frames then count by the recording's rule (:func:`frame_seconds`) and
                the duration is ``end_s``.
            unread: for a recording, its unreadable stretches ``(start, end or None)``.

        Returns:
            ``{"frames", "duration_s" (last frame + one step), "participants": [{"id",
            "name", "present_s", "away_s", "camera_off_s", "first_seen_s", "last_seen_s",
            "expressions": {label: share of labelled face time}, "expressions_vs_usual":
            {"usual" | label | "uncertain" | "learning": share of labelled face time} (against
            their usual label, the first minutes, while it was learnt, against the one learnt
            then: :func:`backfill_usual`; empty when it was never known)}] (by id), "mood":
            {"mean_valence_change" (time-weighted class valence change from the
            participants' baselines), "mean_valence" (time-weighted class valence), each
            None if never known, "last" (the last frame's class snapshot as a dict)},
            "presence_only": whether expressions were off, "alerts": [{"kind", "participant"
            (None: class-wide), "start_s" (when the
            condition began), "end_s" (its last frame), "longest_s", "message" (the last
            one)}] (one per run of the same alert in consecutive frames, by start)}``; each
            participant also has "uncertain_reasons": {reason: share of their uncertain face
            time} (largest first; empty when never uncertain or presence-only);
            seconds rounded to 2 decimals, shares and valences to 4.
        """
        t = np.array(self._t, np.float64)  # copies: the buffers keep growing
        step = frame_step(t, default=0.0)
        frame_s = frame_seconds(t, step, end=end_s, unread=unread)
        n = len(self._names)
        frame = np.array(self._obs_frame, np.int64)
        who = np.array(self._obs_who, np.int64)
        presence = np.array(self._obs_presence, np.int64)
        label = np.array(self._obs_label, np.int64)
        w = observation_seconds(t[frame], t, frame_s)
        seconds = np.bincount(who * 3 + presence, weights=w, minlength=3 * n).reshape(n, 3)
        m = (presence == 0) & (label >= 0)
        labels = np.bincount(who[m] * len(LABELS) + label[m], weights=w[m],
                             minlength=len(LABELS) * n).reshape(n, len(LABELS))
        usual = np.array(self._obs_usual, np.int64)
        by_who = np.lexsort((np.arange(len(who)), who))  # by participant, then time (frames come in order)
        filled = np.empty_like(usual)
        filled[by_who] = backfill_usual(usual[by_who], who[by_who])
        shown = shown_codes(label, filled)
        m = (presence == 0) & (shown >= 0)
        vs_usual = np.bincount(who[m] * len(SHOWN_LABELS) + shown[m], weights=w[m],
                               minlength=len(SHOWN_LABELS) * n).reshape(n, len(SHOWN_LABELS))
        reason = np.array(self._obs_reason, np.int64)
        m = (presence == 0) & (reason >= 0)
        k = max(1, len(self._reasons))
        reasons = np.bincount(who[m] * k + reason[m], weights=w[m], minlength=k * n).reshape(n, k)
        first = np.full(n, math.inf)
        last = np.full(n, -math.inf)
        np.minimum.at(first, who, t[frame])
        np.maximum.at(last, who, t[frame])
        people = []
        for pid, i in sorted(self._ids.items()):
            seen = float(labels[i].sum())
            shares = {} if self._presence_only or seen <= 0 else {
                c: round(float(labels[i, j]) / seen, 4) for j, c in enumerate(LABELS) if labels[i, j]}
            known = vs_usual[i, SHOWN_LABELS.index(USUAL)] > 0 or vs_usual[i, 1:len(FER_CLASSES) + 1].sum() > 0
            relative = {} if self._presence_only or seen <= 0 or not known else {
                c: round(float(vs_usual[i, j]) / seen, 4) for j, c in enumerate(SHOWN_LABELS) if vs_usual[i, j]}
            people.append({
                "id": pid,
                "name": self._names[i],
                "present_s": round(float(seconds[i, 0]), 2),
                "away_s": round(float(seconds[i, 1]), 2),
                "camera_off_s": round(float(seconds[i, 2]), 2),
                "first_seen_s": round(float(first[i]), 2),
                "last_seen_s": round(float(last[i]), 2),
                "expressions": shares,
                "expressions_vs_usual": relative,
                "uncertain_reasons": {} if self._presence_only else _reason_shares(reasons[i], self._reasons),
            })
        return {
            "frames": self.frames,
            "duration_s": (round(float(end_s), 2) if end_s is not None
                           else round(float(t[-1]) + step, 2) if len(t) else 0.0),
            "participants": people,
            "presence_only": self._presence_only,
            "alerts": [{k: (round(v, 2) if isinstance(v, float) else v) for k, v in ep.items()}
                       for ep in sorted([*self._episodes, *self._open.values()],
                                        key=lambda e: (e["start_s"], e["kind"] == "negative_usual",
                                                       str(e["participant"])))],
            "mood": {
                "mean_valence_change": _time_mean(np.array(self._change, np.float64), frame_s),
                "mean_valence": _time_mean(np.array(self._valence, np.float64), frame_s),
                "last": None if self._last_mood is None else self._last_mood.to_dict(),
            },
        }
