"""``classmood analyze`` on a long recorded class, as a teacher runs it after class: how
many seconds of class it analyses per second of work at the default sampling (one frame
every 0.5 s of recording time), start-up included, and where the time goes (reading the
file vs analysing the frames). Prints figures; asserts nothing.

    python benchmarks/recording.py                   # a 1-hour 30 fps 720p class (written first, ~7 min)
    python benchmarks/recording.py --minutes 10      # shorter
    python benchmarks/recording.py --video FILE      # a recording you have

The class is synthetic: 25 tiles at 1280x720 (three camera-off cards), built from the
shared portraits (``../shared/data/faces/nimstim``; the bundled sample portrait without
them), its picture changing twice a second, written by a real encoder (OpenCV's FFmpeg,
MPEG-4 part 2, which puts a keyframe every 12 frames whatever it is asked) into a temporary
file (about 1 GB for the hour). One core (the process is pinned to the first CPU it may use).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from classmood._memory import keep_freed_memory  # noqa: E402
from classmood.agent.sources import VideoSource  # noqa: E402
from classmood.synth import compose_gallery, load_portraits, sample_portrait, webcam_view  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
SIZE = (1280, 720)


def cpu_name() -> str:
    """The CPU's model name (Linux), else the platform's word for it."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "cpu"


def write_class(path: Path, minutes: float, fps: float, faces: Path) -> None:
    """A synthetic class recording of ``minutes`` at ``fps`` (see the module doc)."""
    portraits = load_portraits(faces, limit=25) if faces.is_dir() else []
    if not portraits:
        portraits = [sample_portrait()]
    views = [None if i % 8 == 7 else webcam_view(portraits[i % len(portraits)], (426, 240), seed=500 + i)
             for i in range(25)]
    pictures = [compose_gallery(views, SIZE, seed=k).image for k in range(30)]
    per_picture = max(1, round(fps / 2))  # the class's picture changes twice a second
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, SIZE)
    if not out.isOpened():
        raise SystemExit(f"cannot write {path} with OpenCV's FFmpeg (mp4v)")
    for i in range(int(round(minutes * 60 * fps))):
        out.write(pictures[i // per_picture % len(pictures)])
    out.release()


def main() -> int:
    keep_freed_memory()  # as the agent's process (classmood/_memory.py)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=60.0, help="length of the synthetic class (default 60)")
    ap.add_argument("--fps", type=float, default=30.0, help="its frame rate (default 30)")
    ap.add_argument("--video", type=Path, help="time this recording instead of writing one")
    ap.add_argument("--faces", type=Path, default=DATA / "faces" / "nimstim")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # children inherit it
    cv2.setNumThreads(1)
    print(f"machine: {platform.machine()}, {cpu_name()}, python {platform.python_version()}, one core")
    with tempfile.TemporaryDirectory() as tmp:
        path = args.video
        if path is None:
            path = Path(tmp) / "class.mp4"
            t0 = time.perf_counter()
            write_class(path, args.minutes, args.fps, args.faces)
            print(f"wrote a {args.minutes:g}-minute {args.fps:g} fps {SIZE[0]}x{SIZE[1]} class "
                  f"({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.0f} s")
        t0 = time.perf_counter()
        with VideoSource(path) as src:  # reading alone: every frame decoded, one every 0.5 s kept
            kept = sum(1 for _ in src)
            length = src.report.end_s or 0.0
        read_s = time.perf_counter() - t0
        print(f"recording: {length:.0f} s; reading it at the default sampling: {kept} frames kept in "
              f"{read_s:.1f} s ({length / read_s:.0f}x real time)")
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "classmood", "analyze", str(path), "--no-store", "--json"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              env=dict(os.environ, PYTHONPATH=str(ROOT)))
        total = time.perf_counter() - t0
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return 1
        print(f"classmood analyze (default: one frame every 0.5 s), start-up included: {total:.0f} s for "
              f"{length / 60:.1f} min of class = {length / total:.1f}x real time; "
              f"{1000 * (total - read_s) / max(kept, 1):.0f} ms of analysis per analysed frame")
        print(f"   its last line: {proc.stderr.strip().splitlines()[-1]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
