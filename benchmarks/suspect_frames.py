"""Participants stored when perception misreads some frames of a steady gallery (issue 16/20):
the real Pipeline (presence only) and SessionStore over frames of
galleries2/zoom_evo_gallery23.png (23 tiles), each with fresh camera noise.

    python benchmarks/suspect_frames.py                 # 24 frames, seeds 16 17 18
    python benchmarks/suspect_frames.py --frames 40 --seeds 1 2

Sequences: the window at 800x460 and 800x450 (INTER_AREA: perception reads 21 or 23
tiles, frame by frame), and the gallery at 1280x720 with two misread frames in the
middle (frames N/2 and N/2+3: the gallery resized to 800x450 with INTER_LINEAR, read as
11 big boxes, or to 800x460 with INTER_AREA, read as 8 without noise). Prints, per
sequence and seed, the tiles read per frame and the participants stored: how many, how
many on every frame, how many on one frame only. Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from classmood import Pipeline  # noqa: E402
from classmood.agent.store import SessionStore  # noqa: E402

DATA = Path(os.environ.get("CLASSMOOD_DATA", ROOT.parent / "shared" / "data"))


def noisy(image: np.ndarray, rng: np.random.Generator, sigma: float = 2.0) -> np.ndarray:
    """``image`` with camera-like noise (``sigma`` grey levels a channel)."""
    return np.clip(image.astype(np.float32) + rng.normal(0.0, sigma, image.shape), 0, 255).astype(np.uint8)


def run(frames: list[np.ndarray], step: float = 0.5) -> tuple[list[int], list[int]]:
    """Tiles read per frame, and per stored participant the frames they were stored on."""
    with tempfile.TemporaryDirectory() as tmp:
        counts = []
        with Pipeline(presence_only=True) as pipe, SessionStore(Path(tmp) / "s.db") as store:
            sid = store.start_session(source="benchmark")
            for k, f in enumerate(frames):
                r = pipe.process(f, k * step)
                counts.append(len(r.gallery.tiles))
                store.record(r)
            store.end_session()
            stored = [p.frames for p in store.participants(sid)]
    return counts, stored


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=24)
    ap.add_argument("--seeds", type=int, nargs="+", default=[16, 17, 18])
    args = ap.parse_args()
    path = DATA / "galleries2" / "zoom_evo_gallery23.png"
    if not path.exists():
        sys.exit(f"not found: {path} (set CLASSMOOD_DATA)")
    img = cv2.imread(str(path))
    n = args.frames
    misreads = {"800x450 LINEAR": cv2.resize(img, (800, 450), interpolation=cv2.INTER_LINEAR),
                "800x460 AREA": cv2.resize(img, (800, 460), interpolation=cv2.INTER_AREA)}
    for seed in args.seeds:
        rng = np.random.default_rng(seed)
        seqs = {}
        for w, h in ((800, 460), (800, 450)):
            small = cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA)
            seqs[f"window {w}x{h} AREA"] = [noisy(small, rng) for _ in range(n)]
        for name, bad in misreads.items():
            frames = [noisy(img, rng) for _ in range(n)]
            frames[n // 2] = noisy(bad, rng) if "LINEAR" in name else bad
            frames[n // 2 + 3] = noisy(bad, rng) if "LINEAR" in name else bad
            seqs[f"1280x720, frames {n // 2},{n // 2 + 3} misread ({name})"] = frames
        for name, frames in seqs.items():
            counts, stored = run(frames)
            print(f"seed {seed} {name}: tiles/frame {' '.join(map(str, counts))}")
            print(f"    participants stored {len(stored)}, on every frame {sum(s == n for s in stored)}, "
                  f"on one frame only {sum(s == 1 for s in stored)}")


if __name__ == "__main__":
    main()
