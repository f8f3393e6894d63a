"""Perception benchmark: accuracy on synthetic galleries with exact ground truth, and
milliseconds per stage for 9, 25 and 49 tiles at 1080p on one core.

    python benchmarks/perception.py                 # portraits from ../shared/data/faces
    python benchmarks/perception.py --galleries 200 --faces /path/to/portraits

Prints figures; asserts nothing (targets live here, not in timed tests).
Target: the whole perception stage under 100 ms for 49 tiles at 1080p on one core.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from classmood._memory import keep_freed_memory  # noqa: E402
from classmood.detectors.faces import FaceFinder, default_model_path  # noqa: E402
from classmood.detectors.gallery import GalleryPerception  # noqa: E402
from classmood.geometry import iou  # noqa: E402
from classmood.synth import load_portraits, make_gallery, random_gallery, sample_portrait  # noqa: E402
from classmood.types import TileState  # noqa: E402


def match(pred: list, truth: list, thr: float) -> list[tuple[int, int]]:
    """Greedy one-to-one matching by IoU (best pairs first)."""
    pairs = sorted(
        ((iou(p, t), i, j) for i, p in enumerate(pred) for j, t in enumerate(truth)), reverse=True
    )
    used_p, used_t, out = set(), set(), []
    for v, i, j in pairs:
        if v < thr:
            break
        if i in used_p or j in used_t:
            continue
        used_p.add(i)
        used_t.add(j)
        out.append((i, j))
    return out


def pct(a: int, b: int) -> str:
    return f"{100.0 * a / b:6.2f}%" if b else "   n/a"


def touching_gallery(portraits, rng: np.random.Generator):
    """A gallery whose tiles touch (gap 0, as phone apps and some recordings draw them),
    cropped to the grid alone (flush with the frame: a region picked around it) or with a
    24 px margin; 2-30 tiles, any app and theme, mostly live faces."""
    from classmood.synth import crop_gallery

    n = int(rng.integers(3, 31))
    kinds = (TileState.FACE, TileState.NO_FACE, TileState.CAMERA_OFF, TileState.PHOTO)
    states = [kinds[int(k)] for k in rng.choice(4, size=n, p=[0.7, 0.1, 0.12, 0.08])]
    g = make_gallery(portraits, n, (1920, 1080), style=str(rng.choice(["zoom", "meet", "teams"])),
                     theme=str(rng.choice(["dark", "light"])), states=states, gap=0, seed=int(rng.integers(2**31)))
    return crop_gallery(g, int(rng.choice([0, 24])))


def picked_gallery(portraits, rng: np.random.Generator):
    """A gallery as a region picked by hand shows it: cropped flush with its grid or cut
    1-8 px inside it (the outer tiles clipped by the frame); 2-30 tiles, any app and
    theme, gaps as the app draws them, mostly live faces."""
    from classmood.synth import crop_gallery

    n = int(rng.integers(2, 31))
    kinds = (TileState.FACE, TileState.NO_FACE, TileState.CAMERA_OFF, TileState.PHOTO)
    states = [kinds[int(k)] for k in rng.choice(4, size=n, p=[0.7, 0.1, 0.12, 0.08])]
    g = make_gallery(portraits, n, (1920, 1080), style=str(rng.choice(["zoom", "meet", "teams"])),
                     theme=str(rng.choice(["dark", "light"])), states=states, seed=int(rng.integers(2**31)))
    return crop_gallery(g, -int(rng.integers(0, 9)))


def accuracy(perception: GalleryPerception, portraits, n: int, seed: int, draw=random_gallery,
             title: str = "random synthetic galleries") -> None:
    rng = np.random.default_rng(seed)
    tp_t = n_pred_t = n_true_t = 0
    tp_f = n_pred_f = n_true_f = 0
    state_ok = state_n = 0
    confusion: dict[tuple[str, str], int] = {}
    failures: list[str] = []
    for g_i in range(n):
        g = draw(portraits, rng)
        res = perception.analyze(g.image)
        pred_boxes = [t.tile.bbox for t in res.tiles]
        true_boxes = [t.bbox for t in g.tiles]
        m = match(pred_boxes, true_boxes, 0.8)
        tp_t += len(m)
        n_pred_t += len(pred_boxes)
        n_true_t += len(true_boxes)
        if len(m) != len(true_boxes) or len(pred_boxes) != len(true_boxes):
            failures.append(
                f"gallery {g_i}: {g.style}/{g.theme} {g.image.shape[1]}x{g.image.shape[0]} "
                f"grid {g.grid}: {len(pred_boxes)} found, {len(true_boxes)} true, {len(m)} matched"
            )
        for i, j in m:
            pt, tt = res.tiles[i], g.tiles[j]
            state_n += 1
            state_ok += pt.state is tt.state
            key = (tt.state.value, pt.state.value)
            confusion[key] = confusion.get(key, 0) + 1
            if tt.state is TileState.FACE:
                fm = match([f.bbox for f in pt.faces], list(tt.face_boxes), 0.3)
                tp_f += len(fm)
                n_pred_f += len(pt.faces)
                n_true_f += len(tt.face_boxes)
    print(f"\n## Accuracy on {n} {title} (seed {seed})")
    print(f"tiles  (IoU>=0.8): recall {pct(tp_t, n_true_t)}  precision {pct(tp_t, n_pred_t)}"
          f"  ({tp_t}/{n_true_t} true, {n_pred_t} found)")
    print(f"faces  (IoU>=0.3, live tiles): recall {pct(tp_f, n_true_f)}  precision {pct(tp_f, n_pred_f)}"
          f"  ({tp_f}/{n_true_f} true, {n_pred_f} found)")
    print(f"states (matched tiles): accuracy {pct(state_ok, state_n)}  ({state_ok}/{state_n})")
    states = [s.value for s in TileState]
    print("state confusion (rows true, columns predicted):")
    print("            " + " ".join(f"{s:>10}" for s in states))
    for t in states:
        print(f"{t:>11} " + " ".join(f"{confusion.get((t, p), 0):>10}" for p in states))
    for f in failures[:10]:
        print("  tile miss:", f)


def speed(perception: GalleryPerception, portraits, repeats: int) -> None:
    print(f"\n## Milliseconds per frame at 1920x1080 (median of {repeats}, one core)")
    header = f"{'tiles':>5} {'tiles ms':>9} {'faces ms':>9} {'states ms':>9} {'total ms':>9} {'ms/tile (faces)':>16}"
    print(header)
    for n in (9, 25, 49):
        g = make_gallery(portraits, n, (1920, 1080), seed=n)
        perception.analyze(g.image)  # warm-up
        runs = [perception.analyze(g.image).timings_ms for _ in range(repeats)]
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        print(f"{n:>5} {med['tiles']:>9.1f} {med['faces']:>9.1f} {med['states']:>9.1f} "
              f"{med['total']:>9.1f} {med['faces'] / n:>16.2f}")
    # what limits it: the cost of one detector call (BlazeFace run by LiteRT), and of a whole
    # search of a region with nobody in it (first look and every second look)
    from classmood.detectors.blazeface import BlazeFace

    img = np.zeros((128, 128, 3), np.uint8)
    model = BlazeFace(default_model_path())
    model.detect([img])
    t0 = time.perf_counter()
    for _ in range(200):
        model.detect([img])
    per_call = (time.perf_counter() - t0) / 200 * 1000
    with FaceFinder() as ff:
        ff.find(img)
        t0 = time.perf_counter()
        for _ in range(50):
            ff.find(img)
        empty = (time.perf_counter() - t0) / 50 * 1000
    print(f"floor: one BlazeFace call (LiteRT, 128x128) costs {per_call:.2f} ms; the whole search of an "
          f"empty 128x128 region (first look and second looks) {empty:.2f} ms")


def main() -> None:
    keep_freed_memory()  # as the agent's process (classmood/_memory.py)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--faces", type=Path, default=ROOT.parent / "shared" / "data" / "faces" / "nimstim")
    ap.add_argument("--galleries", type=int, default=60)
    ap.add_argument("--repeats", type=int, default=9)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--all-cores", action="store_true", help="do not pin to one core")
    args = ap.parse_args()
    if not args.all_cores and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"# ClassMood perception benchmark\nmachine: {platform.processor() or platform.machine()}, "
          f"python {platform.python_version()}, cores used: {cores}")
    if args.faces.exists():
        portraits = load_portraits(args.faces, limit=60, seed=args.seed)
        print(f"portraits: {len(portraits)} from {args.faces}")
    else:
        portraits = [sample_portrait()]
        print(f"portraits: {args.faces} not found; using matplotlib's grace_hopper.jpg")
    with GalleryPerception() as perception:
        speed(perception, portraits, args.repeats)
        accuracy(perception, portraits, args.galleries, args.seed)
        accuracy(perception, portraits, max(1, args.galleries // 3), args.seed, draw=touching_gallery,
                 title="galleries of touching tiles (gap 0), flush with the frame or a 24 px margin")
        accuracy(perception, portraits, max(1, args.galleries // 3), args.seed, draw=picked_gallery,
                 title="galleries in a region picked flush with the grid or 1-8 px inside it")


if __name__ == "__main__":
    main()
