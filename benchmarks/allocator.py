"""The layout search with glibc's malloc thresholds as they are and as the agent fixes them
(classmood/_memory.py), side by side: fresh interpreters in turn, default then fixed,
``--runs`` times, each timing ``TileFinder.find_layout`` (thread time, the least of 7
calls after a warm one) on synthetic 1080p galleries of 9, 25 and 49 tiles (exact and JPEG
q90) and, where the shared data is, real screenshots; the median over runs is printed.

    python benchmarks/allocator.py                 # 3 runs each
    python benchmarks/allocator.py --runs 5 --data ../shared/data

Prints figures; asserts nothing (tests/test_memory.py holds the behaviour: freed frame
buffers reused, no fresh pages).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, os, sys, time
import cv2
sys.path.insert(0, sys.argv[2])
cv2.setNumThreads(1)
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
from classmood._memory import keep_freed_memory
if sys.argv[1] == "fixed":
    keep_freed_memory()
from benchmarks.tile_finder_speed import degraded
from classmood.detectors.tiles import TileFinder
from classmood.synth import make_gallery, sample_portrait

frames = {}
for n in (9, 25, 49):
    g = make_gallery([sample_portrait()], n, (1920, 1080), letterbox=0.3, active_speaker=0, seed=n)
    d = degraded(g.image)
    frames[f"synthetic {n} tiles png"] = d["png"]
    frames[f"synthetic {n} tiles jpeg q90"] = d["jpeg q90"]
data = sys.argv[3]
for p in ("galleries/real_test.png", "galleries2/zoom_evo_gallery23.png", "cases/compression/real_test_q50.jpg"):
    image = cv2.imread(os.path.join(data, p))
    if image is not None:
        frames[p] = image
finder, out = TileFinder(), {}
for name, image in frames.items():
    finder.find_layout(image)
    ms = []
    for _ in range(7):
        t0 = time.thread_time()
        finder.find_layout(image)
        ms.append((time.thread_time() - t0) * 1000.0)
    out[name] = min(ms)
print(json.dumps(out))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="interpreters per setting (default 3)")
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = ap.parse_args()
    res: dict[str, list[dict[str, float]]] = {"default": [], "fixed": []}
    for _ in range(args.runs):
        for mode in res:
            r = subprocess.run([sys.executable, "-c", CHILD, mode, str(ROOT), str(args.data)],
                               capture_output=True, text=True, check=True)
            res[mode].append(json.loads(r.stdout.strip().splitlines()[-1]))
    print(f"## find_layout ms (thread time, least of 7 calls; median of {args.runs} interpreters each, "
          "taken in turn), one core")
    print(f"{'frame':44s} {'glibc default':>14s} {'fixed':>8s}")
    for name in res["default"][0]:
        d = statistics.median(r[name] for r in res["default"])
        t = statistics.median(r[name] for r in res["fixed"])
        print(f"{name:44s} {d:14.1f} {t:8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
