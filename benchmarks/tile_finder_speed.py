"""Tile-finder speed: milliseconds per layout search at 1080p (and 1440p, 4K) on one core,
for exact screenshots (the gap cut) and re-compressed, rescaled or soft frames (the cut
plus the fitted grid, issue 16); then the gallery perception's whole layout search (the
``tiles`` stage of GalleryPerception.analyze: the tile finder, larger boxes kept for their
faces, the avatar-row search, and where no layout explains the frame the frame-wide face
search and its regions) on the real screenshots.

    python benchmarks/tile_finder_speed.py              # synthetic galleries only
    python benchmarks/tile_finder_speed.py --data ../shared/data   # also the real cases

Prints figures; asserts nothing (targets live here, not in timed tests).
Target: a layout search under ~20 ms at 1080p on one core. It runs only when the layout
may have changed (GalleryPerception.update: the gaps changed, an answer that does not
explain the frame, or every 10 s).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from classmood._memory import keep_freed_memory  # noqa: E402
from classmood.detectors.tiles import TileFinder  # noqa: E402
from classmood.synth import make_gallery, sample_portrait  # noqa: E402


def timed(finder: TileFinder, image: np.ndarray, repeats: int) -> tuple[float, float, str, int]:
    """(min, median) milliseconds of find_layout, its method and tile count."""
    finder.find_layout(image)  # warm
    ms = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        layout = finder.find_layout(image)
        ms.append((time.perf_counter() - t0) * 1000.0)
    return min(ms), statistics.median(ms), layout.method, len(layout.tiles)


def degraded(image: np.ndarray) -> dict[str, np.ndarray]:
    ok, q50 = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 50])
    ok, q90 = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    return {"png": image, "jpeg q90": cv2.imdecode(q90, cv2.IMREAD_COLOR),
            "jpeg q50": cv2.imdecode(q50, cv2.IMREAD_COLOR), "blur 3x3": cv2.blur(image, (3, 3))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data",
                    help="the shared data folder (real cases; skipped when absent)")
    ap.add_argument("--default-allocator", action="store_true",
                    help="leave glibc's malloc thresholds as they are (the agent's process fixes them: "
                         "classmood/_memory.py); for a side-by-side comparison")
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--all-cores", action="store_true", help="do not pin to one core")
    args = ap.parse_args()
    tuned = not args.default_allocator and keep_freed_memory()  # as the agent's process
    if not args.all_cores and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    cv2.setNumThreads(1)
    finder = TileFinder()
    grace = sample_portrait()

    print(f"## find_layout milliseconds (min / median of {args.repeats}), one core; malloc thresholds "
          f"{'fixed (classmood._memory)' if tuned else 'as glibc leaves them'}")
    print(f"{'frame':44s} {'min':>6s} {'median':>7s}  method tiles")
    for n, size in ((9, (1920, 1080)), (25, (1920, 1080)), (49, (1920, 1080)), (9, (2560, 1440)),
                    (9, (3840, 2160))):
        g = make_gallery([grace], n, size, letterbox=0.3, active_speaker=0, seed=n)
        for name, image in degraded(g.image).items():
            lo, med, method, k = timed(finder, image, args.repeats)
            label = f"synthetic {n} tiles {size[0]}x{size[1]} {name}"
            print(f"{label:44s} {lo:6.1f} {med:7.1f}  {method:6s} {k}")

    cases = args.data / "cases"
    if cases.is_dir():
        paths = [args.data / "galleries" / "real_test.png", args.data / "galleries" / "real_test2.png"]
        paths += sorted((cases / "compression").glob("real_test*_q*.jpg"))
        paths += sorted((cases / "rescale").glob("*.png"))
        for path in paths:
            image = cv2.imread(str(path))
            if image is None:
                continue
            lo, med, method, k = timed(finder, image, args.repeats)
            label = f"{path.name} {image.shape[1]}x{image.shape[0]}"
            print(f"{label:44s} {lo:6.1f} {med:7.1f}  {method:6s} {k}")

    shots = sorted((args.data / "galleries").glob("*.png")) + sorted((args.data / "galleries2").glob("*.png"))
    if shots:
        from classmood.detectors.gallery import GalleryPerception

        print(f"\n## gallery layout search: GalleryPerception.analyze 'tiles' stage, milliseconds "
              f"(median of {max(3, args.repeats // 5)}), one core")
        print(f"{'frame':44s} {'layout':>7s} {'total':>7s}  method  tiles")
        per = []
        with GalleryPerception() as perception:
            for path in shots:
                image = cv2.imread(str(path))
                if image is None:
                    continue
                perception.analyze(image)  # warm
                runs = [perception.analyze(image) for _ in range(max(3, args.repeats // 5))]
                lay = statistics.median(r.timings_ms.get("tiles", 0.0) for r in runs)
                tot = statistics.median(r.timings_ms["total"] for r in runs)
                per.append(lay)
                label = f"{path.parent.name}/{path.name}"[:44]
                print(f"{label:44s} {lay:7.1f} {tot:7.1f}  {str(runs[0].layout_method):6s}  {len(runs[0].tiles)}")
        print(f"{'median over the real screenshots':44s} {statistics.median(per):7.1f}")


if __name__ == "__main__":
    main()
