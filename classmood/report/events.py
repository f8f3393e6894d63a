"""What happened when: the moments to look at again (intervals where the class valence
change from its baselines dropped, or many were away) and the live alerts merged into
episodes."""

from __future__ import annotations

import re
from typing import Iterator

import numpy as np

from ..agent.store import MoodSeries
from ..labels import VALENCE_CHANGE_WORDS, negative_usual_words, signed
from ..timefmt import clock, duration, wall_clock
from .data import MOMENT_AWAY_SHARE, MOMENT_DROP, AlertEpisode, Moment, json_number

MOMENTS_PER_KIND = 3
"""At most this many moments of each kind, the strongest."""


def _consecutive(score: np.ndarray, ok: np.ndarray) -> Iterator[tuple[int, int, int]]:
    """Runs of consecutive ``ok`` intervals: (first, last, the one with the top score)."""
    n = len(ok)
    k = 0
    while k < n:
        if not ok[k]:
            k += 1
            continue
        j = k
        while j + 1 < n and ok[j + 1]:
            j += 1
        yield k, j, k + int(np.argmax(score[k:j + 1]))
        k = j + 1


def moments(edges: np.ndarray, class_valence: np.ndarray, away: np.ndarray, in_class: np.ndarray,
            presence_only: bool, started_at: float | None, *, baselines: bool = True) -> list[Moment]:
    """The moments to look at again, by start time: at most :data:`MOMENTS_PER_KIND`
    valence drops (the class valence change from its baselines at least ``MOMENT_DROP``
    below its mean over the up to three intervals before; none in presence-only
    sessions) and as many away spells (at least ``MOMENT_AWAY_SHARE`` of the class, and
    one participant, away on average); consecutive qualifying intervals make one moment.

    Args:
        edges: float64 [n_int + 1], interval edges in seconds from the session start.
        class_valence: float64 [n_int], the class valence change from its baselines
            (with ``baselines`` False, of a session stored before them: the absolute
            class valence); NaN where unknown.
        away: float64 [n_int], mean number of participants away.
        in_class: float64 [n_int], mean number of participants in the meeting.
        presence_only: the session recognised no expressions.
        started_at: the session's start, Unix seconds (for the wall-clock times); None
            for a recording, whose class time of day is not known (``wall_clock`` None).
        baselines: ``class_valence`` is the change from the baselines (how the
            descriptions name it).
    """
    what = f"class {VALENCE_CHANGE_WORDS}" if baselines else "class valence"
    n = len(edges) - 1
    cands: list[dict] = []
    if not presence_only and n > 1:
        drop = np.full(n, np.nan)
        valid = np.nonzero(np.isfinite(class_valence))[0]
        for pos, k in enumerate(valid):
            before = valid[max(0, pos - 3):pos]
            if len(before):
                drop[k] = float(np.mean(class_valence[before])) - class_valence[k]
        ok = np.nan_to_num(drop, nan=-1.0) >= MOMENT_DROP
        found = sorted(_consecutive(np.nan_to_num(drop, nan=-1.0), ok), key=lambda g: -drop[g[2]])[:MOMENTS_PER_KIND]
        for k, j, peak in found:
            cands.append({"kind": "valence_drop", "k": k, "j": j, "value": float(drop[peak]),
                          "text": f"{what} fell by {drop[peak]:.2f} to {signed(class_valence[peak])}"})
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(in_class > 0, away / in_class, 0.0)
    ok = (share >= MOMENT_AWAY_SHARE) & (away >= 1.0 - 1e-6)
    found = sorted(_consecutive(share, ok), key=lambda g: -share[g[2]])[:MOMENTS_PER_KIND]
    for k, j, peak in found:
        cands.append({"kind": "away", "k": k, "j": j, "value": float(share[peak]),
                      "text": f"{_people(away[peak])} of {_people(in_class[peak])} participants away on average "
                              f"({share[peak]:.0%})"})
    out: list[Moment] = []
    for c in sorted(cands, key=lambda c: (edges[c["k"]], c["kind"])):
        s, e = float(edges[c["k"]]), float(edges[c["j"] + 1])
        out.append({"kind": c["kind"], "start_s": json_number(s), "end_s": json_number(e), "clock": clock(s),
                    "wall_clock": None if started_at is None else wall_clock(started_at, s), "value": json_number(c["value"], 4),
                    "description": c["text"]})
    return out


_OLD_NOTE = " has looked strongly negative all class (their usual look)"
"""The words of a ``negative_usual`` note as sessions stored before said it, whatever was
true (after who)."""


def alert_episodes(moods: MoodSeries, shown: dict[str, str], hidden: dict[str, str], start: float,
                   end: float, joined: dict[str, float] | None = None) -> list[AlertEpisode]:
    """The live alerts as episodes: the same (kind, participant) in consecutive
    class-mood rows is one; those overlapping ``[start, end)`` seconds, by start.

    A note (``negative_usual``) of a session stored before said "all class" whatever was
    true: it is reworded from its episode as the agent words it now
    (:func:`classmood.labels.negative_usual_words`: "since they joined" when it began when
    the participant was first seen, ``joined``, else its length).

    Args:
        moods: the session's class-mood rows with their alerts.
        shown: participant id -> the name the report shows ("" when none).
        hidden: stored name -> participant id, for names this report does not show
            (each is replaced by the id in the alerts' messages).
        start, end: the report's window, seconds from the session start.
        joined: participant id -> when they were first seen (seconds from the session
            start); None: not known (a note then gives its length).
    """
    open_: dict[tuple, dict] = {}
    done: list[dict] = []
    for k, alerts in moods.alerts:
        t = float(moods.t[k])
        seen = set()
        for a in alerts:
            key = (a.get("kind"), a.get("participant"))
            seen.add(key)
            since = float(a.get("since_s") or 0.0)
            ep = open_.get(key)
            if ep is None or ep["_k"] != k - 1:
                if ep is not None:
                    done.append(ep)
                ep = open_[key] = {"kind": key[0], "participant": key[1], "start_s": max(0.0, t - since),
                                   "first_alert_s": t, "end_s": t, "longest_s": since, "_k": k}
            ep["_k"], ep["end_s"] = k, t
            ep["longest_s"] = max(ep["longest_s"], since)
            ep["message"] = a.get("message", "")
        for key in list(open_):
            if key not in seen:
                done.append(open_.pop(key))
    done += open_.values()
    out: list[AlertEpisode] = []
    for ep in sorted(done, key=lambda e: (e["start_s"], str(e["participant"]))):
        if ep["end_s"] < start or ep["start_s"] >= end:
            continue
        msg = ep["message"]
        pid = ep["participant"]
        if ep["kind"] == "negative_usual" and msg.endswith(_OLD_NOTE):
            first = None if joined is None or pid is None else joined.get(pid)
            # (the stored since_s is rounded to 0.1 s)
            since_joined = first is not None and ep["start_s"] <= first + 0.051
            msg = msg[:-len(_OLD_NOTE)] + " " + negative_usual_words(since_joined, duration(ep["longest_s"]))
        for name, hid in hidden.items():
            msg = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", hid, msg)
        out.append({"kind": ep["kind"], "participant": pid, "name": shown.get(pid, "") if pid else "",
                    "start_s": json_number(ep["start_s"]), "first_alert_s": json_number(ep["first_alert_s"]),
                    "end_s": json_number(ep["end_s"]), "longest_s": json_number(ep["longest_s"]), "message": msg})
    return out


def _people(x: float) -> str:
    """A mean number of people for the text: whole when it is (12, not 12.0), else one
    decimal (5.3)."""
    return f"{x:.0f}" if abs(x - round(x)) < 0.05 else f"{x:.1f}"

