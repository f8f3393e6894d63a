"""Report benchmark: seconds to build the post-class report (HTML, CSV, JSON) of a
50-participant, 2-hour session analysed at 2 frames per second (about 720,000
observation rows), and how the time splits into reading, figures, plots and writing.

    python benchmarks/report.py                      # 50 participants, 2 hours, 2 fps
    python benchmarks/report.py --participants 100 --hours 3 --interval 30

The session is synthetic (:func:`write_synthetic_session`, also used by the tests):
rows are inserted straight into a fresh store's file with SQL (fast; the only SQL outside
the store, and it only writes test data), following a script with exact
ground truth (late joiners, early leavers, personal and class-wide away spells,
cameras switched off, a stretch of negative expression, a class-wide valence drop).
Prints figures; asserts nothing. Target (issue): under 10 s.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from classmood.agent.store import SessionSettings  # noqa: E402
from classmood.labels import FER_CLASSES  # noqa: E402

# The script (seconds from the session start). Every boundary lies on the frame grid of
# any frame rate that divides 1 s, so the accounted times equal the scripted ones exactly.
LATE_JOIN_S = 300.0          # participants i % 7 == 3 join late
LEAVE_EARLY_BY_S = 600.0     # participants i % 11 == 5 leave this long before the end
PERSONAL_AWAY = (600.0, 37.0, 90.0)   # participant i away [600 + 37 i, +90)
CLASS_AWAY = (3000.0, 3120.0)         # the first 40% of the class away
CLASS_AWAY_SHARE = 0.4
NEGATIVE_ONE = (1, 1200.0, 1800.0)    # participant 1 looks angry (valence -0.6: 0.6 below their usual 0.0)
CLASS_DROP = (5000.0, 5120.0)         # everyone present looks sad (valence -0.7)
CAMERA_OFF_FROM = 0.5                 # participants i % 10 == 9: camera off from half-time
BASE = (("happy", 0.6), ("neutral", 0.0), ("uncertain", 0.05))  # by i % 3; the valence is also their baseline
AWAY_ALERT_S = 60.0


def script(n: int, duration_s: float, fps: float):
    """The scripted class: frame times ``t`` [K] and per frame and participant the
    presence code (-1 not in the meeting, 0 present, 1 away, 2 camera off), the label
    (None unless present) and the valence (NaN unless present). Each participant's
    baseline is their usual valence (``BASE``), so their valence change is the valence
    minus it (:func:`baselines`)."""
    step = 1.0 / fps
    t = np.arange(int(round(duration_s * fps)), dtype=np.float64) * step
    i = np.arange(n)
    tt, ii = t[:, None], i[None, :]
    join = np.where(i % 7 == 3, LATE_JOIN_S, 0.0)
    leave = np.where(i % 11 == 5, duration_s - LEAVE_EARLY_BY_S, math.inf)
    inside = (tt >= join) & (tt < leave)
    a0, di, length = PERSONAL_AWAY
    away = (tt >= a0 + di * ii) & (tt < a0 + di * ii + length)
    away |= (tt >= CLASS_AWAY[0]) & (tt < CLASS_AWAY[1]) & (ii < math.ceil(CLASS_AWAY_SHARE * n))
    off = (ii % 10 == 9) & (tt >= CAMERA_OFF_FROM * duration_s)
    pres = np.where(~inside, -1, np.where(off, 2, np.where(away, 1, 0))).astype(np.int8)
    lab = np.empty(pres.shape, dtype=object)
    val = np.full(pres.shape, np.nan)
    for k, (name, v) in enumerate(BASE):
        cols = i % 3 == k
        lab[:, cols] = name
        val[:, cols] = v
    p, s, e = NEGATIVE_ONE
    if p < n:
        win = (t >= s) & (t < e)
        lab[win, p], val[win, p] = "angry", -0.6
    win = (t >= CLASS_DROP[0]) & (t < CLASS_DROP[1])
    lab[win, :], val[win, :] = "sad", -0.7
    lab[pres != 0] = None
    val[pres != 0] = np.nan
    return t, pres, lab, val


def baselines(n: int) -> np.ndarray:
    """Each of ``n`` participants' baseline, float64 [n]: the valence of their usual
    expression (``BASE``, by i % 3), as the agent learns it over their first minutes."""
    return np.array([BASE[i % 3][1] for i in range(n)], np.float64)


def write_synthetic_session(store, *, participants: int = 50, duration_s: float = 7200.0, fps: float = 2.0,
                            names: list[str] | None = None, presence_only: bool = False,
                            started_at: float = 1_767_600_000.0, ended: bool = True) -> dict:
    """Insert a scripted session into ``store`` (a writable SessionStore) with plain SQL
    and return its truth: ``{"session_id", "step", "t", "presence", "labels", "valence",
    "baseline", "valence_change", "ids", "names"}`` (arrays as :func:`script` makes them;
    ``baseline`` [n] by :func:`baselines`, ``valence_change`` [K, n] the valence minus it).
    Observations hold the valence, the baseline and the change, class-mood rows the mean
    valence and the mean change of the faces in view, as the agent stores them."""
    n = participants
    sid = store.start_session(source="synthetic:benchmark", names=names is not None,
                              presence_only=presence_only, started_at=started_at,
                              settings=SessionSettings(command="synthetic", fps=fps))
    t, pres, lab, val = script(n, duration_s, fps)
    if presence_only:
        lab[:] = None
        val[:] = np.nan
    base = baselines(n)
    change = val - base[None, :]  # NaN where no valence
    ids = [f"P{i + 1:02d}" for i in range(n)]
    K = len(t)
    kk, ii = np.nonzero(pres >= 0)  # time-major, as the store writes them
    presence_names = np.array(["present", "away", "camera_off"], dtype=object)
    states = np.array(["face", "no_face", "camera_off"], dtype=object)
    p = pres[kk, ii]

    def column(x: np.ndarray) -> list:
        return [None if math.isnan(y) else y for y in x.tolist()]

    v = val[kk, ii]
    rows = zip(
        [sid] * len(kk), t[kk].tolist(), np.array(ids, dtype=object)[ii].tolist(), presence_names[p].tolist(),
        states[p].tolist(), ii.tolist(), lab[kk, ii].tolist(),
        np.where(p == 0, 0.7, 0.0).tolist(), column(v), column(np.where(np.isnan(v), np.nan, base[ii])),
        column(change[kk, ii]),
    )
    conn = sqlite3.connect(store.path, timeout=30.0)
    try:
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO observations (session_id, t, pid, presence, tile_state, tile_index, label, confidence, "
            "valence, baseline_valence, valence_change) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        # one class-mood row per frame
        inside = pres >= 0
        present, away, off = (pres == 0).sum(1), (pres == 1).sum(1), (pres == 2).sum(1)
        faces = np.where(pres == 0, val, np.nan)
        nf = np.isfinite(faces).sum(1)
        vmean = np.where(nf > 0, np.nansum(faces, axis=1) / np.maximum(nf, 1), np.nan)
        cmean = np.where(nf > 0, np.nansum(np.where(pres == 0, change, np.nan), axis=1) / np.maximum(nf, 1), np.nan)
        # away alerts: a participant away for AWAY_ALERT_S without a break
        since = np.zeros((K, n))
        for k in range(1, K):
            since[k] = np.where(pres[k] == 1, np.where(pres[k - 1] == 1, since[k - 1] + 1.0 / fps, 0.0), 0.0)
        moods = []
        for k in range(K):
            dist = {}
            if not presence_only:
                labs = [x for x in lab[k] if x is not None]
                for c in (*FER_CLASSES, "uncertain"):
                    m = labs.count(c)
                    if m:
                        dist[c] = m / len(labs)
            alerts = []
            for i in np.nonzero(since[k] >= AWAY_ALERT_S)[0]:
                who = names[i] if names is not None else ids[i]
                s = float(since[k, i])
                alerts.append({"kind": "away", "participant": ids[i], "since_s": round(s, 1),
                               "message": f"{who} away for {int(s) // 60} min {int(s) % 60:02d} s"})
            moods.append((sid, float(t[k]), int(inside[k].sum()), int(present[k]), int(away[k]), int(off[k]),
                          None if math.isnan(vmean[k]) else float(vmean[k]),
                          None if math.isnan(cmean[k]) else float(cmean[k]), json.dumps(dist), json.dumps(alerts)))
        conn.executemany("INSERT INTO moods (session_id, t, participants, present, away, camera_off, valence, "
                         "valence_change, distribution, alerts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", moods)
        parts = []
        for i in range(n):
            seen = np.nonzero(inside[:, i])[0]
            if len(seen):
                parts.append((sid, ids[i], None if names is None else names[i], float(t[seen[0]]),
                              float(t[seen[-1]]), int(len(seen))))
        conn.executemany("INSERT INTO participants (session_id, pid, name, first_seen, last_seen, frames) "
                         "VALUES (?, ?, ?, ?, ?, ?)", parts)
        conn.execute("COMMIT")
    finally:
        conn.close()
    if ended:
        store.end_session(ended_at=started_at + duration_s)
    else:
        store.session_id = None  # cut short: never ended
    return {"session_id": sid, "step": 1.0 / fps, "t": t, "presence": pres, "labels": lab, "valence": val,
            "baseline": base, "valence_change": change, "ids": ids, "names": names}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--participants", type=int, default=50)
    ap.add_argument("--hours", type=float, default=2.0)
    ap.add_argument("--fps", type=float, default=2.0)
    ap.add_argument("--interval", type=float, default=60.0)
    ap.add_argument("--pdf", action="store_true", help="also print to PDF (needs Chromium)")
    args = ap.parse_args()

    from classmood.agent.store import SessionStore
    from classmood.report import build_report

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        t0 = time.perf_counter()
        with SessionStore(db) as store:
            truth = write_synthetic_session(store, participants=args.participants, duration_s=args.hours * 3600,
                                            fps=args.fps)
        t_write = time.perf_counter() - t0
        with SessionStore(db, readonly=True) as store:
            n_rows = int((truth["presence"] >= 0).sum())
            print(f"# ClassMood report benchmark: {platform.processor() or platform.machine()}, "
                  f"python {platform.python_version()}")
            print(f"session: {args.participants} participants, {args.hours:g} h at {args.fps:g} fps: "
                  f"{len(truth['t'])} frames, {n_rows} observation rows (written in {t_write:.1f} s)")
            for run in range(2):
                t0 = time.perf_counter()
                paths = build_report(store, "latest", Path(tmp) / "out", interval_s=args.interval, pdf=args.pdf)
                total = time.perf_counter() - t0
                parts = ", ".join(f"{k} {v:.2f}" for k, v in paths.timings_s.items())
                print(f"{'cold' if run == 0 else 'warm'}: build_report {total:.2f} s  ({parts})")
            sizes = ", ".join(f"{p.name} {p.stat().st_size / 1024:.0f} KiB"
                              for p in (paths.html, paths.csv, paths.json, paths.pdf) if p is not None)
            print(f"files: {sizes}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
