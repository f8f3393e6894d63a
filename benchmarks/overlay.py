"""Memory and CPU of the overlay: the two pywebview windows updated at 2 Hz with 49
participants (a 7 x 7 gallery), as ``classmood run`` drives them.

    python benchmarks/overlay.py                 # on your desktop (DISPLAY), 40 s
    python benchmarks/overlay.py --seconds 60 --rate 2 --participants 49
    python benchmarks/overlay.py --xvfb          # on its own Xvfb + xcompmgr screen (Linux)

It prints the backend, the resident memory (RSS) of this process and of the web
engine's helper processes (Qt WebEngine runs Chromium's renderer and GPU processes
beside it), their proportional share (PSS: shared pages counted once), and CPU use
over the measured window (after a warm-up), plus what one ``Overlay.update`` costs
the agent's thread. No analysis runs: the FrameResults are made up, so what is
measured is the overlay alone.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from classmood.synth import grid_layout  # noqa: E402
from classmood.types import (  # noqa: E402
    Alert,
    ClassSnapshot,
    Frame,
    FrameResult,
    GalleryResult,
    ParticipantResult,
    Presence,
    TileState,
)

LABELS = ("happy", "neutral", "sad", "surprise", "angry", "fear", "uncertain")
VALENCE = {"happy": 0.8, "neutral": 0.0, "sad": -0.6, "surprise": 0.2, "angry": -0.7, "fear": -0.5, "uncertain": 0.0}


def make_result(n: int, k: int, t: float, size=(1920, 1080)) -> FrameResult:
    """Frame ``k`` of a made-up class of ``n``: labels drift, a few are away or off."""
    rng = np.random.default_rng(k // 4)
    gap = 6
    _, boxes = grid_layout(n, (gap, gap, size[0] - 2 * gap, size[1] - 2 * gap), gap)
    ps = []
    alerts = []
    for i, (x, y, w, h) in enumerate(boxes):
        if i % 11 == 5:
            ps.append(ParticipantResult(f"P{i + 1:02d}", i, (x, y, w, h), TileState.CAMERA_OFF, Presence.CAMERA_OFF))
            continue
        if i % 13 == 7:
            away = 20.0 + t
            ps.append(ParticipantResult(f"P{i + 1:02d}", i, (x, y, w, h), TileState.NO_FACE, Presence.AWAY,
                                        away_s=away))
            if away >= 60:
                alerts.append(Alert("away", f"P{i + 1:02d}", away, f"P{i + 1:02d} away"))
            continue
        label = LABELS[int(rng.integers(len(LABELS)))]
        face = (x + w * 0.38, y + h * 0.18, w * 0.24, h * 0.46)
        neg = 30.0 + t if label == "sad" else 0.0
        ps.append(ParticipantResult(f"P{i + 1:02d}", i, (x, y, w, h), TileState.FACE, Presence.PRESENT,
                                    face_bbox=face, label=label, confidence=float(rng.uniform(0.4, 0.95)),
                                    valence=VALENCE[label], baseline_valence=0.0, valence_change=VALENCE[label], baseline_learnt=True,
                                    negative_s=neg))
    present = [p for p in ps if p.presence is Presence.PRESENT]
    dist: dict[str, float] = {}
    for p in present:
        dist[p.label] = dist.get(p.label, 0.0) + 1 / len(present)
    mood = ClassSnapshot(participants=n, present=len(present), away=sum(p.presence is Presence.AWAY for p in ps),
                     camera_off=sum(p.presence is Presence.CAMERA_OFF for p in ps), distribution=dist,
                     valence=float(np.mean([p.valence for p in present])), alerts=tuple(alerts),
                     valence_change=float(np.mean([p.valence_change for p in present])))
    return FrameResult(t, GalleryResult(size[0], size[1], ()), tuple(ps), mood)


# --------------------------------------------------------------------------- process stats
def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def process_tree(pid: int) -> list[int]:
    seen, todo = [], [pid]
    while todo:
        p = todo.pop()
        if p not in seen:
            seen.append(p)
            todo += _children(p)
    return seen


def _proc_kb(pid: int, name: str, key: str) -> int:
    """A ``key: N kB`` line of ``/proc/PID/NAME`` (0 when the process or the line is gone)."""
    try:
        for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


def snapshot(exclude=()) -> dict:
    pids = [p for p in process_tree(os.getpid()) if p not in exclude]
    return {p: {"name": _name(p), "rss_kb": _proc_kb(p, "status", "VmRSS"),
                "pss_kb": _proc_kb(p, "smaps_rollup", "Pss"), "cpu_s": _cpu_s(p)}
            for p in pids}


# --------------------------------------------------------------------------- Xvfb
def start_xvfb(size=(1920, 1080)):
    """A private Xvfb + xcompmgr; returns (display, [processes])."""
    for n in range(700, 800):
        if not os.path.exists(f"/tmp/.X11-unix/X{n}") and not os.path.exists(f"/tmp/.X{n}-lock"):
            break
    server = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", f"{size[0]}x{size[1]}x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        if os.path.exists(f"/tmp/.X11-unix/X{n}"):
            break
        time.sleep(0.05)
    comp = subprocess.Popen(["xcompmgr"], env=dict(os.environ, DISPLAY=f":{n}"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    return f":{n}", [comp, server]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=40.0, help="measured time after the warm-up (default 40)")
    ap.add_argument("--warmup", type=float, default=15.0, help="seconds before measuring (default 15)")
    ap.add_argument("--rate", type=float, default=2.0, help="updates per second (default 2)")
    ap.add_argument("--participants", type=int, default=49)
    ap.add_argument("--xvfb", action="store_true", help="run on a private Xvfb + xcompmgr screen")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    helpers = []
    if args.xvfb:
        if not (shutil.which("Xvfb") and shutil.which("xcompmgr")):
            print("--xvfb needs Xvfb and xcompmgr (apt-get install xvfb xcompmgr)", file=sys.stderr)
            return 2
        display, helpers = start_xvfb()
        os.environ["DISPLAY"] = display
        os.environ["XDG_SESSION_TYPE"] = "x11"
        os.environ.pop("WAYLAND_DISPLAY", None)
    try:
        from classmood.overlay.window import overlay_unavailable, run_with_overlay

        reason = overlay_unavailable()
        if reason is not None:
            print(f"no overlay here: {reason}", file=sys.stderr)
            return 2
        size = (1920, 1080)
        image = np.zeros((size[1], size[0], 3), np.uint8)
        results = [make_result(args.participants, k, k / args.rate, size) for k in range(64)]
        report: dict = {"before_gui_rss_mb": _proc_kb(os.getpid(), "status", "VmRSS") / 1024}
        skip = {p.pid for p in helpers}  # our private X server is not the overlay

        def work(ov):
            period = 1.0 / args.rate
            t0 = time.monotonic()
            k = 0
            update_s = []
            before = None
            t_measure = None
            while not ov.stop.is_set():
                now = time.monotonic() - t0
                if before is None and now >= args.warmup:
                    before, t_measure, update_s = snapshot(skip), time.monotonic(), []
                if before is not None and time.monotonic() - t_measure >= args.seconds:
                    break
                r = results[k % len(results)]
                r = FrameResult(now, r.gallery, r.participants, r.mood)
                a = time.perf_counter()
                ov.update(Frame(image, now, k, origin=(0, 0)), r)
                update_s.append(time.perf_counter() - a)
                k += 1
                time.sleep(max(0.0, t0 + k * period - time.monotonic()))
            after = snapshot(skip)
            wall = time.monotonic() - t_measure
            procs = []
            for pid, a in after.items():
                b = before.get(pid, {"cpu_s": 0.0})
                procs.append({"pid": pid, "name": a["name"], "rss_mb": a["rss_kb"] / 1024, "pss_mb": a["pss_kb"] / 1024,
                              "cpu_pct": 100.0 * (a["cpu_s"] - b["cpu_s"]) / wall})
            report.update(
                backend=ov.backend, participants=args.participants, rate_hz=args.rate, measured_s=round(wall, 1),
                updates=k, pushed=dict(ov.pushed), badges=len(ov.payloads["overlay"]["badges"]),
                update_ms_mean=1000 * float(np.mean(update_s)), update_ms_p95=1000 * float(np.percentile(update_s, 95)),
                main_rss_mb=procs[0]["rss_mb"], total_rss_mb=sum(p["rss_mb"] for p in procs),
                total_pss_mb=sum(p["pss_mb"] for p in procs), main_cpu_pct=procs[0]["cpu_pct"],
                total_cpu_pct=sum(p["cpu_pct"] for p in procs), processes=procs)
            return k

        run_with_overlay((0, 0, size[0], size[1]), work, panel_rect=(size[0] - 400, 40, 380, 660))
    finally:
        for p in helpers:
            p.terminate()
            p.wait()
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    import platform

    print(f"overlay benchmark: backend {report['backend']} (pywebview), {report['participants']} participants, "
          f"{report['rate_hz']:g} Hz, measured {report['measured_s']} s after a {args.warmup:g} s warm-up")
    print(f"  machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"  pages updated: overlay {report['pushed']['overlay']}, panel {report['pushed']['panel']} times; "
          f"{report['badges']} badges")
    print(f"  Overlay.update on the agent's thread: {report['update_ms_mean']:.2f} ms mean, "
          f"{report['update_ms_p95']:.2f} ms p95")
    print(f"  this process before the GUI started (Python, NumPy, OpenCV, classmood): "
          f"{report['before_gui_rss_mb']:.1f} MB RSS")
    print(f"  {'pid':>7}  {'process':<18} {'RSS MB':>8} {'PSS MB':>8} {'CPU %':>7}")
    for p in report["processes"]:
        print(f"  {p['pid']:>7}  {p['name']:<18} {p['rss_mb']:8.1f} {p['pss_mb']:8.1f} {p['cpu_pct']:7.1f}")
    print(f"  {'':>7}  {'all':<18} {report['total_rss_mb']:8.1f} {report['total_pss_mb']:8.1f} "
          f"{report['total_cpu_pct']:7.1f}")
    print("  (RSS counts shared pages in every process; PSS shares them out. CPU % of one core.)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
