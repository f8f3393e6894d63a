"""The report's figures, from the session store, and its files.

:func:`build_report` reads one session with a few bulk SQL queries on a read-only
connection to the store's file (numbers only: presence, label and valence per
observation; never boxes or pixels), turns them into numpy arrays and computes
everything with vectorised arithmetic, so a 50-participant, 2-hour session (about
720,000 observation rows) takes a few seconds.

**Time accounting.** Each observation of a participant counts for the time until that
participant's next observation in the session, at most twice the session's median
frame step (so a participant who left the meeting is not counted while gone); the
participant's last observation counts for one median step. Class-mood rows (the class
valence) are counted the same way. Times are then split exactly at interval
boundaries and clipped to the ``start_s``/``end_s`` window.

The CSV columns are documented in :mod:`classmood.report` and, with the JSON schema,
in ``classmood/report/SCHEMA.md``.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__
from ..agent.mood import UNCERTAIN, MoodConfig
from ..agent.store import SessionInfo, SessionStore
from ..errors import InputError
from ..labels import FER_CLASSES

SCHEMA_VERSION = 1
"""Version of the JSON report's schema (``"schema_version"``)."""

LABELS = (*FER_CLASSES, UNCERTAIN)
"""Expression labels in the report, in order: the 7 FER2013 classes, then ``uncertain``."""
PRESENCES = ("present", "away", "camera_off")
NEGATIVE_AT = MoodConfig().negative_below
"""A participant is *negative* while their valence is at or below this (-0.3)."""

CSV_COLUMNS = ("session_id", "participant", "name", "interval_start_s", "interval_end_s", "present_s", "away_s",
               "camera_off_s", "dominant_expression", *(f"share_{c}" for c in LABELS), "mean_valence")

DEFAULT_STEP_S = 0.5
"""The frame step assumed when a session has a single frame and no rate in its settings."""
MAX_INTERVALS = 10_000
MOMENT_DROP = 0.15
"""A valence-drop moment: class valence at least this far below the mean of the (up to)
three intervals before."""
MOMENT_AWAY_SHARE = 0.2
"""An away moment: on average at least this share of the class (and at least one
participant) away during the interval."""
MOMENTS_PER_KIND = 3
PDF_TIMEOUT_S = 120.0

TIMINGS: dict[str, float] = {}
"""Seconds spent in each step of the last :func:`build_report` (for the benchmark)."""


@dataclass(frozen=True)
class ReportPaths:
    """Where a report's files were written. ``pdf`` is None unless it was asked for."""

    folder: Path
    html: Path
    csv: Path
    json: Path
    pdf: Path | None = None


# --------------------------------------------------------------------------- formatting
def clock(s: float) -> str:
    """Seconds from the session start as a recording position: ``mm:ss`` (``h:mm:ss``
    from one hour on)."""
    s = max(0, int(math.floor(s + 1e-6)))
    h, m, sec = s // 3600, s % 3600 // 60, s % 60
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m:02d}:{sec:02d}"


def wall_clock(started_at: float, s: float) -> str:
    """The local wall-clock time (HH:MM:SS) ``s`` seconds after ``started_at``."""
    return dt.datetime.fromtimestamp(started_at + s).astimezone().strftime("%H:%M:%S")


def duration_text(s: float) -> str:
    s = int(round(s))
    if s >= 3600:
        return f"{s // 3600} h {s % 3600 // 60:02d} min"
    if s >= 60:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s} s"


def _r(x: float | None, nd: int = 3) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), nd)


# --------------------------------------------------------------------------- reading
@dataclass
class _Raw:
    """One session as arrays; observations sorted by participant, then time."""

    app_version: str
    ids: list[str]
    names: list[str | None]
    obs_p: np.ndarray      # int32 participant index
    obs_t: np.ndarray      # float64 seconds
    obs_pres: np.ndarray   # int8: 0 present, 1 away, 2 camera off, 3 other
    obs_lab: np.ndarray    # int8: index in LABELS, -1 none
    obs_val: np.ndarray    # float64, NaN when none
    mood_t: np.ndarray
    mood_val: np.ndarray
    alerts: list[tuple[int, list[dict]]]  # (mood row index, alerts) for rows that have any


def _case(column: str, values: tuple[str, ...], other: int) -> str:
    whens = " ".join(f"WHEN '{v}' THEN {i}" for i, v in enumerate(values))
    return f"CASE {column} {whens} ELSE {other} END"


def _connect(path: Path) -> sqlite3.Connection:
    try:
        return sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, timeout=10.0)
    except sqlite3.Error as e:
        raise InputError(f"{path}: cannot read the session database ({e}); pass another --db") from None


def _read_moods(conn: sqlite3.Connection, sid: int) -> tuple[np.ndarray, np.ndarray, list]:
    rows = conn.execute("SELECT t, valence FROM moods WHERE session_id = ? ORDER BY t, rowid", (sid,)).fetchall()
    if rows:
        t, v = zip(*rows)
        mood_t, mood_val = np.array(t, np.float64), np.array(v, np.float64)  # None -> NaN
    else:
        mood_t, mood_val = np.zeros(0), np.zeros(0)
    alerts = []
    for t, a in conn.execute("SELECT t, alerts FROM moods WHERE session_id = ? AND alerts != '[]' "
                             "ORDER BY t, rowid", (sid,)):
        k = int(np.searchsorted(mood_t, t, side="left"))
        alerts.append((k, json.loads(a)))
    return mood_t, mood_val, alerts


def _read_observations(conn: sqlite3.Connection, sid: int, t_from: float, t_to: float, ids: list[str]):
    sql = (f"SELECT pid, t, {_case('presence', PRESENCES, 3)}, {_case('label', LABELS, -1)}, valence "
           "FROM observations WHERE session_id = ? AND t >= ? AND t < ?")
    rows = conn.execute(sql, (sid, t_from, t_to)).fetchall()
    if not rows:
        z = np.zeros(0)
        return z.astype(np.int32), z, z.astype(np.int8), z.astype(np.int8), z
    pid, t, pres, lab, val = zip(*rows)
    del rows
    index = {p: i for i, p in enumerate(ids)}
    for p in set(pid) - index.keys():  # rows without a participants row (should not happen)
        index[p] = len(ids)
        ids.append(p)
    obs_p = np.fromiter((index[p] for p in pid), np.int32, len(pid))
    obs_t = np.array(t, np.float64)
    order = np.lexsort((obs_t, obs_p))  # stable: equal times keep the store's order
    return (obs_p[order], obs_t[order], np.array(pres, np.int8)[order], np.array(lab, np.int8)[order],
            np.array(val, np.float64)[order])


# --------------------------------------------------------------------------- arithmetic
def _spans(group: np.ndarray, t: np.ndarray, step: float) -> np.ndarray:
    """How long each row counts (rows sorted by group, then time): until the group's
    next row, at most 2 steps; a group's last row counts for one step."""
    d = np.full(len(t), step)
    if len(t) > 1:
        nxt = np.minimum(t[1:] - t[:-1], 2.0 * step)
        d[:-1] = np.where(group[1:] == group[:-1], np.maximum(nxt, 0.0), step)
    return d


def _pieces(a: np.ndarray, b: np.ndarray, edges: np.ndarray):
    """Split spans ``[a, b)`` at the interval ``edges``: (row, interval, seconds) per piece."""
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


def _runs(flag: np.ndarray, group: np.ndarray, t: np.ndarray, w: np.ndarray, start: np.ndarray,
          step: float, n_groups: int):
    """Longest run of consecutive flagged rows per group (a gap of more than 2 steps
    breaks a run): (seconds [n_groups], start time [n_groups], NaN where none)."""
    best = np.zeros(n_groups)
    best_t = np.full(n_groups, np.nan)
    if not flag.any():
        return best, best_t
    cont = np.zeros(len(flag), bool)
    cont[1:] = flag[:-1] & (group[1:] == group[:-1]) & (t[1:] - t[:-1] <= 2.0 * step + 1e-9)
    first = flag & ~cont
    run = np.cumsum(first) - 1
    dur = np.bincount(run[flag], weights=w[flag])
    run_g, run_t = group[first], start[first]
    order = np.lexsort((-run_t, dur, run_g))  # per group the longest (then the earliest) last
    last = np.r_[run_g[order][1:] != run_g[order][:-1], True]
    sel = order[last]
    best[run_g[sel]], best_t[run_g[sel]] = dur[sel], run_t[sel]
    best_t[best <= 0] = np.nan
    return best, best_t


def _step(mood_t: np.ndarray, settings: dict) -> float:
    d = np.diff(np.unique(mood_t))
    if len(d):
        return float(np.median(d))
    for key, inv in (("every", False), ("fps", True)):
        v = settings.get(key)
        if isinstance(v, (int, float)) and math.isfinite(v) and v > 0:
            return 1.0 / v if inv else float(v)
    return DEFAULT_STEP_S


# --------------------------------------------------------------------------- the figures
@dataclass
class ReportData:
    """Everything the report shows; :meth:`to_json` is the JSON file."""

    info: SessionInfo
    app_version: str
    names_shown: bool
    start_s: float
    end_s: float
    duration_s: float          # of the whole session (last frame + one step)
    step_s: float
    interval_s: float
    edges: np.ndarray          # interval edges [n_int + 1]
    ids: list[str]             # participants in the window, first appearance order
    names: list[str]           # "" unless names are shown
    present: np.ndarray        # seconds [n_p, n_int, 3]: present, away, camera off
    labels: np.ndarray         # seconds [n_p, n_int, len(LABELS)] while present
    valence: np.ndarray        # mean valence [n_p, n_int], NaN without a face
    class_valence: np.ndarray  # [n_int] from the class-mood rows
    people: list[dict]         # per participant summary, attention first
    intervals: list[dict]
    moments: list[dict]
    alerts: list[dict]
    model: dict
    caveats: list[str]
    frames_in_window: int
    observations_in_window: int
    generated_at: float = field(default_factory=time.time)

    @property
    def presence_only(self) -> bool:
        return self.info.presence_only

    @property
    def cut_short(self) -> bool:
        return self.info.ended_at is None

    def to_json(self) -> dict[str, Any]:
        info = self.info

        def iso(ts: float | None) -> str | None:
            return None if ts is None else dt.datetime.fromtimestamp(ts).astimezone().isoformat(timespec="seconds")

        return {
            "schema_version": SCHEMA_VERSION,
            "generated_at": iso(self.generated_at),
            "generator": f"classmood {__version__}",
            "session": {
                "id": info.id,
                "source": info.source,
                "started_at": info.started_at,
                "started_at_local": iso(info.started_at),
                "ended_at": info.ended_at,
                "ended_at_local": iso(info.ended_at),
                "cut_short": self.cut_short,
                "duration_s": _r(self.duration_s),
                "frames": info.frames,
                "participants": info.participants,
                "presence_only": info.presence_only,
                "names_stored": info.names,
                "names_shown": self.names_shown,
                "app_version": self.app_version,
            },
            "settings": {
                "session": info.settings,
                "report": {"interval_s": self.interval_s, "start_s": _r(self.start_s), "end_s": _r(self.end_s),
                           "frame_step_s": _r(self.step_s, 4), "negative_at_or_below": NEGATIVE_AT,
                           "moment_valence_drop": MOMENT_DROP, "moment_away_share": MOMENT_AWAY_SHARE},
            },
            "model": self.model,
            "participants": self.people,
            "intervals": self.intervals,
            "moments": self.moments,
            "alerts": self.alerts,
            "caveats": self.caveats,
        }


def _shares(secs: np.ndarray) -> dict[str, float] | None:
    tot = float(secs.sum())
    if tot <= 0:
        return None
    return {c: round(float(s) / tot, 4) for c, s in zip(LABELS, secs) if s > 0}


def _dominant(secs: np.ndarray) -> np.ndarray:
    """Index of the largest label per row of ``[..., len(LABELS)]``, -1 where all are 0."""
    return np.where(secs.sum(-1) > 0, secs.argmax(-1), -1)


def model_info(presence_only: bool) -> dict:
    """What the report says about the expression model: name and its measured accuracy
    (the split it was measured on, and whether that split also chose the model)."""
    from ..models.expression import DEFAULT_MODEL, ModelInfo

    out: dict[str, Any] = {"used": not presence_only, "file": DEFAULT_MODEL.name, "name": None, "test": None}
    try:
        mi = ModelInfo.load(DEFAULT_MODEL)
    except Exception as e:  # noqa: BLE001 - a report without the figure is still a report
        out["error"] = str(e)
        return out
    out["name"] = mi.name
    for key, split, chose in (("privatetest", "FER2013 PrivateTest", False),
                              ("publictest", "FER2013 PublicTest", True)):
        m = mi.metrics.get(key)
        if isinstance(m, dict) and "accuracy" in m:
            per = m.get("per_class") or {}
            faces = m.get("n") or (int(np.sum(m["confusion"])) if "confusion" in m else
                                   int(sum(v.get("support", 0) for v in per.values())) or None)
            out["test"] = {
                "split": split,
                "faces": faces,
                "accuracy": _r(m["accuracy"], 4),
                "macro_f1": _r(m.get("macro_f1"), 4),
                "chance": round(1 / len(FER_CLASSES), 4),
                "recall": {c: _r(v.get("recall"), 4) for c, v in per.items()} or None,
                "split_also_chose_the_model": chose,
            }
            break
    return out


def caveats(model: dict, presence_only: bool) -> list[str]:
    """The caveats, in plain words."""
    out = []
    if presence_only:
        out.append("This session was recorded in presence-only mode: no expression recognition ran, so this "
                   "report has no expression sections and shows presence only.")
    else:
        out += [
            "Expressions are not feelings. The model reads the configuration of a face in a video frame (a smile, "
            "a frown, raised brows); it cannot tell whether a student is confused, bored, tired or thinking hard. "
            "A 'sad' or 'angry' face is often concentration, a poor camera angle or bad light.",
            "The model learned from FER2013: small grayscale photos found by web search, many of them posed, "
            "labelled by annotators who agree with each other only about two times in three. Webcam faces seen "
            "from the side or from below, in dim light or against a window, with glasses, masks or hands on the "
            "face look different, and it is less accurate on them.",
        ]
        test = model.get("test")
        if test:
            rec = {c: r for c, r in (test.get("recall") or {}).items() if r is not None}
            best = sorted(rec, key=lambda c: -rec[c])[:2]
            worst = sorted(rec, key=lambda c: rec[c])[:2]
            s = (f"Accuracy: on the {test['split']} split ({test['faces']:,} labelled faces) the model "
                 f"({model.get('name')}) names the right one of the 7 expressions for "
                 f"{test['accuracy']:.0%} of the faces (chance is {test['chance']:.0%}"
                 + (f"; macro-F1 {test['macro_f1']:.2f}" if test.get("macro_f1") is not None else "") + ").")
            if best and worst:
                s += (" It finds " + " and ".join(f"{c} {rec[c]:.0%}" for c in best) + " of the time, but only "
                      + " and ".join(f"{c} {rec[c]:.0%}" for c in worst) + ".")
            if test.get("split_also_chose_the_model"):
                s += " That split was also used to choose the model, so the figure is if anything optimistic."
            s += " On classroom video expect it to be lower."
            out.append(s)
        else:
            out.append("Accuracy: no measured accuracy was found for the expression model "
                       f"({model.get('file')}); treat every expression figure with care.")
        out.append("Use these figures for the class as a whole and over minutes, as a hint about when to look "
                   "again at the recording, never to judge, grade or discipline one student.")
    out += [
        "Presence: 'away' means the camera was on with nobody in view; a student can be listening off camera. "
        "'Camera off' means a name card or a still photo was shown.",
        "Law: in the EU, the AI Act (Regulation (EU) 2024/1689) Article 5(1)(f) prohibits AI systems that infer "
        "the emotions of people in education institutions (and workplaces), except for medical or safety reasons. "
        "ClassMood offers a presence-only mode (--presence-only) that records presence, cameras and away time "
        "with no expression recognition at all: use it where that rule or a similar one applies, and tell "
        "students what is recorded.",
    ]
    return out


def _episodes(raw: _Raw, ids_all: list[str], show: dict[str, str], hide: dict[str, str], start: float,
              end: float) -> list[dict]:
    """Alerts as episodes: the same (kind, participant) in consecutive class-mood rows is one."""
    open_: dict[tuple, dict] = {}
    done: list[dict] = []
    for k, alerts in raw.alerts:
        t = float(raw.mood_t[k])
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
    out = []
    for ep in sorted(done, key=lambda e: (e["start_s"], str(e["participant"]))):
        if ep["end_s"] < start or ep["start_s"] >= end:
            continue
        msg = ep["message"]
        for name, pid in hide.items():  # names off in this report: a stored name becomes the id
            msg = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", pid, msg)
        pid = ep["participant"]
        out.append({"kind": ep["kind"], "participant": pid, "name": show.get(pid, "") if pid else "",
                    "start_s": _r(ep["start_s"]), "first_alert_s": _r(ep["first_alert_s"]),
                    "end_s": _r(ep["end_s"]), "longest_s": _r(ep["longest_s"]), "message": msg})
    return out


def _moments(edges: np.ndarray, cls_val: np.ndarray, away: np.ndarray, inclass: np.ndarray,
             presence_only: bool, started_at: float) -> list[dict]:
    n = len(edges) - 1
    cands: list[dict] = []

    def groups(score: np.ndarray, ok: np.ndarray):
        k = 0
        while k < n:
            if not ok[k]:
                k += 1
                continue
            j = k
            while j + 1 < n and ok[j + 1]:
                j += 1
            peak = k + int(np.argmax(score[k:j + 1]))
            yield k, j, peak
            k = j + 1

    if not presence_only and n > 1:
        drop = np.full(n, np.nan)
        valid = np.nonzero(np.isfinite(cls_val))[0]
        for pos, k in enumerate(valid):
            before = valid[max(0, pos - 3):pos]
            if len(before):
                drop[k] = float(np.mean(cls_val[before])) - cls_val[k]
        ok = np.nan_to_num(drop, nan=-1.0) >= MOMENT_DROP
        found = sorted(groups(np.nan_to_num(drop, nan=-1.0), ok), key=lambda g: -drop[g[2]])[:MOMENTS_PER_KIND]
        for k, j, peak in found:
            cands.append({"kind": "valence_drop", "k": k, "j": j, "value": float(drop[peak]),
                          "text": f"class valence fell by {drop[peak]:.2f} to {cls_val[peak]:+.2f}"})
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(inclass > 0, away / inclass, 0.0)
    ok = (share >= MOMENT_AWAY_SHARE) & (away >= 1.0 - 1e-6)
    found = sorted(groups(share, ok), key=lambda g: -share[g[2]])[:MOMENTS_PER_KIND]
    for k, j, peak in found:
        cands.append({"kind": "away", "k": k, "j": j, "value": float(share[peak]),
                      "text": f"{away[peak]:.1f} of {inclass[peak]:.1f} participants away on average "
                              f"({share[peak]:.0%})"})
    out = []
    for c in sorted(cands, key=lambda c: (edges[c["k"]], c["kind"])):
        s, e = float(edges[c["k"]]), float(edges[c["j"] + 1])
        out.append({"kind": c["kind"], "start_s": _r(s), "end_s": _r(e), "clock": clock(s),
                    "wall_clock": wall_clock(started_at, s), "value": _r(c["value"], 4), "description": c["text"]})
    return out


def _sequence(x: np.ndarray) -> list:
    return [None if not math.isfinite(v) else round(float(v), 4) for v in x]


def collect(store: SessionStore, ref: int | str = "latest", *, interval_s: float = 60.0, names: bool = True,
            start_s: float | None = None, end_s: float | None = None) -> ReportData:
    """The report's figures for one session (no files written)."""
    for what, v in (("interval", interval_s), ("start", start_s), ("end", end_s)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v)):
            raise InputError(f"report {what} {v!r}: must be a number of seconds")
    if not interval_s > 0:
        raise InputError(f"report interval {interval_s:g} s: must be a number of seconds above 0, e.g. 60")
    if start_s is not None and start_s < 0:
        raise InputError(f"report start {start_s:g} s: must be 0 or more seconds from the session start")
    if start_s is not None and end_s is not None and start_s >= end_s:
        raise InputError(f"report window {start_s:g}..{end_s:g} s: the start must come before the end; "
                         "swap --from and --to")
    if end_s is not None and end_s <= 0:
        raise InputError(f"report end {end_s:g} s: must be above 0 seconds from the session start")
    tick = time.perf_counter()
    TIMINGS.clear()
    if not store.readonly:
        store.flush()  # rows still buffered by a writer become visible
    info = store.session(ref)
    sid = info.id
    conn = _connect(store.path)
    try:
        app_version = (conn.execute("SELECT app_version FROM sessions WHERE id = ?", (sid,)).fetchone() or ("",))[0]
        prow = conn.execute("SELECT pid, name, last_seen FROM participants WHERE session_id = ? "
                            "ORDER BY first_seen, pid", (sid,)).fetchall()
        ids_all = [r[0] for r in prow]
        stored_names = {r[0]: r[1] for r in prow if r[1]}
        mood_t, mood_val, alerts = _read_moods(conn, sid)
        step = _step(mood_t, info.settings)
        duration = float(mood_t[-1]) + step if len(mood_t) else 0.0
        start = 0.0 if start_s is None else float(start_s)
        end = duration if end_s is None else min(float(end_s), duration)
        if start > 0 and start >= duration:
            raise InputError(f"report start {start:g} s: session {sid} lasts only {duration:.1f} s "
                             f"({clock(duration)}); pass a smaller --from")
        n_int = int(math.ceil((end - start) / interval_s - 1e-9)) if end > start else 0
        if n_int > MAX_INTERVALS:
            raise InputError(f"report interval {interval_s:g} s: makes {n_int} intervals of a {end - start:.0f} s "
                             f"window; pass --interval {math.ceil((end - start) / MAX_INTERVALS)} or more")
        # from 2 steps before the window (their time reaches into it) to 2 steps after (the next
        # observation of each participant within the cap is known)
        obs_p, obs_t, obs_pres, obs_lab, obs_val = _read_observations(conn, sid, start - 2.0 * step,
                                                                      end + 2.0 * step + 1e-6, ids_all)
        last_seen = np.array([r[2] for r in prow] + [-math.inf] * (len(ids_all) - len(prow)), np.float64)
    finally:
        conn.close()
    raw = _Raw(app_version, ids_all, [stored_names.get(p) for p in ids_all], obs_p, obs_t, obs_pres, obs_lab,
               obs_val, mood_t, mood_val, alerts)
    TIMINGS["read"] = time.perf_counter() - tick
    tick = time.perf_counter()

    edges = start + np.arange(n_int + 1, dtype=np.float64) * interval_s
    if n_int:
        edges[-1] = end
    n_all = len(ids_all)
    # --- observations -> per participant and interval
    span = _spans(obs_p, obs_t, step)
    if len(obs_t):  # a participant's last row read is not their last: the next one is past the cap
        tail = np.r_[obs_p[1:] != obs_p[:-1], True]
        tail &= last_seen[obs_p] > obs_t + 1e-9
        span[tail] = 2.0 * step
    a, b = np.maximum(obs_t, start), np.minimum(obs_t + span, end)
    w_obs = np.maximum(b - a, 0.0)
    rows, k, w = _pieces(a, b, edges)
    cell = obs_p[rows].astype(np.int64) * max(n_int, 1) + k
    size = n_all * max(n_int, 1)
    pres = obs_pres[rows]
    presence = np.zeros((size, 3))
    for j in range(3):
        m = pres == j
        presence[:, j] = np.bincount(cell[m], weights=w[m], minlength=size)
    lab = obs_lab[rows]
    labels = np.zeros((size, len(LABELS)))
    m = (pres == 0) & (lab >= 0)
    if m.any():
        labels = np.bincount(cell[m] * len(LABELS) + lab[m], weights=w[m],
                             minlength=size * len(LABELS)).reshape(size, len(LABELS))
    val = obs_val[rows]
    m = (pres == 0) & np.isfinite(val)
    vsum = np.bincount(cell[m], weights=w[m] * val[m], minlength=size)
    vt = np.bincount(cell[m], weights=w[m], minlength=size)
    presence = presence.reshape(n_all, max(n_int, 1), 3)[:, :n_int]
    labels = labels.reshape(n_all, max(n_int, 1), len(LABELS))[:, :n_int]
    vsum, vt = vsum.reshape(n_all, max(n_int, 1))[:, :n_int], vt.reshape(n_all, max(n_int, 1))[:, :n_int]
    # stretches (longest negative, longest away) and whole-window valence
    keep = w_obs > 0
    neg_s, neg_t = _runs(keep & (obs_pres == 0) & (obs_val <= NEGATIVE_AT), obs_p, obs_t, w_obs, a, step, n_all)
    away_s, away_t = _runs(keep & (obs_pres == 1), obs_p, obs_t, w_obs, a, step, n_all)
    m = keep & (obs_pres == 0) & (obs_val <= NEGATIVE_AT)
    neg_total = np.bincount(obs_p[m], weights=w_obs[m], minlength=n_all)
    seen = np.bincount(obs_p[keep], minlength=n_all) > 0
    first = np.full(n_all, np.nan)
    last = np.full(n_all, np.nan)
    if keep.any():
        kp = obs_p[keep]
        np.fmin.at(first, kp, a[keep])
        np.fmax.at(last, kp, obs_t[keep])
    # --- class-mood rows -> class valence per interval
    mspan = _spans(np.zeros(len(mood_t), np.int8), mood_t, step)
    ma, mb = np.maximum(mood_t, start), np.minimum(mood_t + mspan, end)
    fin = np.isfinite(mood_val)
    mrows, mk, mw = _pieces(np.where(fin, ma, 0.0), np.where(fin, mb, 0.0), edges)
    cv_sum = np.bincount(mk, weights=mw * mood_val[mrows], minlength=n_int)[:n_int]
    cv_t = np.bincount(mk, weights=mw, minlength=n_int)[:n_int]
    with np.errstate(invalid="ignore", divide="ignore"):
        class_valence = np.where(cv_t > 0, cv_sum / np.where(cv_t > 0, cv_t, 1.0), np.nan)
        valence = np.where(vt > 0, vsum / np.where(vt > 0, vt, 1.0), np.nan)

    # --- participants in the window
    sel = np.nonzero(seen & (presence.sum((1, 2)) > 0) if n_int else seen)[0]
    names_shown = bool(names and info.names)
    show = {ids_all[i]: (stored_names.get(ids_all[i]) or "") if names_shown else "" for i in range(n_all)}
    hide = {} if names_shown else {n: p for p, n in stored_names.items()}
    lengths = np.diff(edges)
    people = []
    po = info.presence_only
    for i in sel:
        secs = presence[i].sum(0)
        inclass = float(secs.sum())
        lab_tot = labels[i].sum(0)
        vt_i = float(vt[i].sum())
        mean_v = float(vsum[i].sum() / vt_i) if vt_i > 0 else None
        dom = int(_dominant(lab_tot))
        trend = (presence[i, :, 0] / np.where(lengths > 0, lengths, 1.0)) if po else valence[i]
        people.append({
            "id": ids_all[i],
            "name": show[ids_all[i]],
            "first_seen_s": _r(first[i]),
            "last_seen_s": _r(last[i]),
            "in_class_s": _r(inclass),
            "present_s": _r(secs[0]),
            "away_s": _r(secs[1]),
            "camera_off_s": _r(secs[2]),
            "present_share": _r(secs[0] / inclass, 4) if inclass > 0 else None,
            "expressions": None if po else _shares(lab_tot),
            "dominant_expression": None if po or dom < 0 else LABELS[dom],
            "mean_valence": None if po else _r(mean_v, 4),
            "negative_s": None if po else _r(neg_total[i]),
            "longest_negative": None if po or not neg_s[i] > 0 else
            {"start_s": _r(neg_t[i]), "duration_s": _r(neg_s[i]), "clock": clock(neg_t[i])},
            "longest_away": None if not away_s[i] > 0 else
            {"start_s": _r(away_t[i]), "duration_s": _r(away_s[i]), "clock": clock(away_t[i])},
            "attention_s": _r(max(0.0 if po else neg_s[i], away_s[i])),
            "trend": _sequence(trend),
        })
    people.sort(key=lambda p: (-(p["attention_s"] or 0.0),
                               p["mean_valence"] if p["mean_valence"] is not None else 0.0,
                               p["present_share"] if p["present_share"] is not None else 1.0, p["id"]))
    ids = [p["id"] for p in people]
    order = [ids_all.index(p) for p in ids]
    presence, labels, valence = presence[order], labels[order], valence[order]

    # --- the class per interval
    cls_secs = presence.sum(0)  # [n_int, 3]
    with np.errstate(invalid="ignore", divide="ignore"):
        counts = cls_secs / np.where(lengths > 0, lengths, 1.0)[:, None]
    cls_labels = labels.sum(0)
    dom = _dominant(cls_labels)
    intervals = []
    for kk in range(n_int):
        intervals.append({
            "index": kk, "start_s": _r(edges[kk]), "end_s": _r(edges[kk + 1]), "clock": clock(edges[kk]),
            "participants": _r(counts[kk].sum(), 3), "present": _r(counts[kk, 0], 3),
            "away": _r(counts[kk, 1], 3), "camera_off": _r(counts[kk, 2], 3),
            "valence": None if po else _r(class_valence[kk], 4),
            "expressions": None if po else _shares(cls_labels[kk]),
            "dominant_expression": None if po or dom[kk] < 0 else LABELS[dom[kk]],
        })
    moments = _moments(edges, class_valence, counts[:, 1] if n_int else np.zeros(0),
                       counts.sum(1) if n_int else np.zeros(0), po, info.started_at)
    model = model_info(po)
    data = ReportData(
        info=info, app_version=app_version, names_shown=names_shown, start_s=start, end_s=end,
        duration_s=duration, step_s=step, interval_s=float(interval_s), edges=edges, ids=ids,
        names=[show[p] for p in ids], present=presence, labels=labels, valence=valence,
        class_valence=class_valence, people=people, intervals=intervals, moments=moments,
        alerts=_episodes(raw, ids_all, show, hide, start, end), model=model, caveats=caveats(model, po),
        frames_in_window=int(((mood_t >= start) & (mood_t < end)).sum()),
        observations_in_window=int(((obs_t >= start) & (obs_t < end)).sum()),
    )
    TIMINGS["figures"] = time.perf_counter() - tick
    return data


# --------------------------------------------------------------------------- the files
def _csv_rows(d: ReportData):
    sid = d.info.id
    n_int = len(d.edges) - 1
    starts = [f"{x:.3f}" for x in d.edges[:-1]]
    ends = [f"{x:.3f}" for x in d.edges[1:]]
    po = d.presence_only
    for i, pid in enumerate(d.ids):
        name = d.names[i]
        pres = d.present[i]
        labs = d.labels[i]
        tot = labs.sum(1)
        dom = _dominant(labs)
        for k in range(n_int):
            if po or tot[k] <= 0:
                shares = [""] * len(LABELS)
            else:
                shares = [f"{x / tot[k]:.4f}" for x in labs[k]]
            v = d.valence[i, k]
            yield (sid, pid, name, starts[k], ends[k], f"{pres[k, 0]:.3f}", f"{pres[k, 1]:.3f}",
                   f"{pres[k, 2]:.3f}", "" if po or dom[k] < 0 else LABELS[dom[k]], *shares,
                   "" if po or not math.isfinite(v) else f"{v:.4f}")


def _writer(folder: Path):
    """Write a file atomically (a temporary file renamed into place), readable by its owner
    only (mkstemp's mode 0600): a report is about students, and may hold their names."""

    def write(name: str, fill) -> Path:
        path = folder / name
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8-sig" if name.endswith(".csv") else "utf-8",
                           newline="" if name.endswith(".csv") else None) as f:
                fill(f)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        return path

    return write


def _prepare_folder(out: Path) -> Path:
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-test-", dir=out)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise InputError(f"{out}: cannot write the report there ({e.strerror or e}); "
                         "pass another folder with --out") from None
    return out


def find_chromium() -> str | None:
    """A headless-capable Chromium on PATH, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        p = shutil.which(name)
        if p:
            return p
    return None


def chromium_command(browser: str, *args: str) -> list[str]:
    """A headless Chromium command line for a local file we wrote (no network needed)."""
    return [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-extensions",
            "--no-first-run", "--hide-scrollbars", *args]


def print_pdf(html: Path, pdf: Path) -> Path:
    """Print ``html`` to ``pdf`` with headless Chromium."""
    browser = find_chromium()
    if browser is None:
        raise InputError("PDF needs Chromium: apt-get install chromium")
    with tempfile.TemporaryDirectory(prefix="classmood-chromium-") as profile:
        cmd = chromium_command(browser, f"--user-data-dir={profile}", "--no-pdf-header-footer",
                               f"--print-to-pdf={pdf}", html.resolve().as_uri())
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=PDF_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise InputError(f"{pdf}: Chromium did not print the PDF within {PDF_TIMEOUT_S:.0f} s; "
                             "open the HTML report and print it from a browser") from None
    if proc.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        why = (proc.stderr or "").strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
        raise InputError(f"{pdf}: Chromium could not print the PDF ({why[0]}); "
                         "open the HTML report and print it from a browser")
    try:
        os.chmod(pdf, 0o600)  # like the other report files: for the teacher only (it may hold names)
    except OSError:
        pass
    return pdf


def build_report(store: SessionStore, ref: int | str = "latest", out_dir: Path | None = None, *,
                 interval_s: float = 60.0, names: bool = True, start_s: float | None = None,
                 end_s: float | None = None, pdf: bool = False) -> ReportPaths:
    """Write the post-class report of session ``ref`` (an id or ``"latest"``) of ``store``:
    ``report.html`` (self-contained), ``report.csv``, ``report.json`` and, with ``pdf``,
    ``report.pdf``, into ``out_dir`` (default ``<db folder>/reports/session-<id>/``).

    ``interval_s``: the length of the report's time intervals; ``names``: show the
    participants' names if the session stored them (False: anonymous ids only);
    ``start_s``/``end_s``: only this window of the session (seconds from its start).
    Raises :class:`~classmood.errors.InputError` (one line) for an unknown session, an
    empty database, a bad interval or window, an unwritable folder or no Chromium.
    """
    t_all = time.perf_counter()
    if pdf and find_chromium() is None:  # before any work
        raise InputError("PDF needs Chromium: apt-get install chromium")
    data = collect(store, ref, interval_s=interval_s, names=names, start_s=start_s, end_s=end_s)
    timings = dict(TIMINGS)
    folder = Path(out_dir).expanduser() if out_dir is not None else \
        store.path.parent / "reports" / f"session-{data.info.id}"
    _prepare_folder(folder)
    tick = time.perf_counter()
    from . import html as html_mod
    from . import plots

    figures = plots.render_all(data)
    timings["plots"] = time.perf_counter() - tick
    tick = time.perf_counter()
    write = _writer(folder)

    def fill_csv(f) -> None:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(CSV_COLUMNS)
        w.writerows(_csv_rows(data))

    csv_path = write("report.csv", fill_csv)
    json_path = write("report.json", lambda f: json.dump(data.to_json(), f, ensure_ascii=False, indent=1))
    html_path = write("report.html", lambda f: f.write(html_mod.render(data, figures)))
    timings["write"] = time.perf_counter() - tick
    pdf_path = None
    if pdf:
        tick = time.perf_counter()
        pdf_path = print_pdf(html_path, folder / "report.pdf")
        timings["pdf"] = time.perf_counter() - tick
    timings["total"] = time.perf_counter() - t_all
    TIMINGS.clear()
    TIMINGS.update(timings)
    return ReportPaths(folder=folder, html=html_path, csv=csv_path, json=json_path, pdf=pdf_path)
