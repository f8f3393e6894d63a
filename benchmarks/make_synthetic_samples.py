"""Write a handful of synthetic gallery screenshots for people to look at.

    python benchmarks/make_synthetic_samples.py OUT_DIR [--portraits FOLDER] [--count N] [--seed S]

For each gallery it writes ``NAME.png`` (the screenshot), ``NAME_gt.png`` (the same
with tile boxes, video boxes and ground-truth face boxes drawn) and ``NAME.json`` (the
ground truth). Portraits come from ``--portraits`` (any folder of face photos, e.g.
../shared/data/faces/nimstim) or, by default, matplotlib's bundled grace_hopper.jpg.
The output is for inspection only: never commit it (research portraits may not be
redistributed).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from classmood import synth
from classmood.types import TileState

STATE_COLORS = {
    TileState.FACE: (0, 200, 0),
    TileState.NO_FACE: (0, 200, 255),
    TileState.CAMERA_OFF: (200, 120, 0),
    TileState.PHOTO: (255, 0, 200),
}

# A few fixed showcases (like the real screenshots we have), then random ones.
SHOWCASES = (
    dict(name="zoom_4_letterbox_speaker", n_tiles=4, size=(1920, 1080), style="zoom", chrome=True,
         letterbox=0.5, active_speaker=0, states=["face"] * 4),
    dict(name="zoom_5_chrome_namecard", n_tiles=5, size=(1920, 1080), style="zoom", chrome=True,
         states=["face", "face", "face", "face", "camera_off"], letterbox=0.4, active_speaker=3),
    dict(name="zoom_7_mixed", n_tiles=7, size=(1244, 705), style="zoom",
         states=["face", "camera_off", "face", "no_face", "photo", "face", "face"], two_people=0.3),
    dict(name="meet_12", n_tiles=12, size=(1600, 900), style="meet", chrome=True,
         states=["face"] * 9 + ["camera_off", "photo", "no_face"]),
    dict(name="teams_light_9", n_tiles=9, size=(1440, 900), style="teams", theme="light", chrome=True,
         states=["face"] * 6 + ["camera_off", "photo", "face"], active_speaker=4),
    dict(name="zoom_49_1080p", n_tiles=49, size=(1920, 1080), style="zoom",
         states=(["face"] * 5 + ["camera_off", "no_face"]) * 7, letterbox=0.2),
)


def load(folder: str | None) -> list[np.ndarray]:
    if folder:
        return synth.load_portraits(folder, limit=120, seed=0)
    return [synth.sample_portrait()]


def overlay(g: synth.SynthGallery) -> np.ndarray:
    img = g.image.copy()
    for t in g.tiles:
        x, y, w, h = t.bbox
        cv2.rectangle(img, (x, y), (x + w - 1, y + h - 1), STATE_COLORS[t.state], 2)
        cv2.putText(img, f"{t.index} {t.state.value}", (x + 6, y + 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6,
                    STATE_COLORS[t.state], 1, cv2.LINE_AA)
        if t.video_bbox is not None and t.video_bbox != t.bbox:
            vx, vy, vw, vh = t.video_bbox
            cv2.rectangle(img, (vx, vy), (vx + vw - 1, vy + vh - 1), (255, 255, 0), 1)
        for fx, fy, fw, fh in t.face_boxes:
            cv2.rectangle(img, (fx, fy), (fx + fw - 1, fy + fh - 1), (0, 0, 255), 2)
    return img


def ground_truth(g: synth.SynthGallery) -> dict:
    return {
        "style": g.style, "theme": g.theme, "grid": list(g.grid), "area": list(g.area), "gap": g.gap,
        "size": list(g.size),
        "tiles": [
            {"index": t.index, "bbox": list(t.bbox), "state": t.state.value, "name": t.name,
             "video_bbox": None if t.video_bbox is None else list(t.video_bbox),
             "face_boxes": [list(b) for b in t.face_boxes]}
            for t in g.tiles
        ],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="folder to write the samples to (created)")
    ap.add_argument("--portraits", help="folder of portrait photos (default: matplotlib's grace_hopper.jpg)")
    ap.add_argument("--count", type=int, default=4, help="random galleries on top of the fixed showcases")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    portraits = load(args.portraits)
    args.out.mkdir(parents=True, exist_ok=True)
    jobs = [(spec.pop("name"), spec) for spec in (dict(s) for s in SHOWCASES)]
    rng = np.random.default_rng(args.seed)
    for k in range(args.count):
        jobs.append((f"random_{k:02d}", None))
    for name, spec in jobs:
        t0 = time.perf_counter()
        g = synth.make_gallery(portraits, seed=args.seed, **spec) if spec else synth.random_gallery(portraits, rng)
        ms = (time.perf_counter() - t0) * 1000
        cv2.imwrite(str(args.out / f"{name}.png"), g.image)
        cv2.imwrite(str(args.out / f"{name}_gt.png"), overlay(g))
        (args.out / f"{name}.json").write_text(json.dumps(ground_truth(g), indent=1))
        faces = sum(len(t.face_boxes) for t in g.tiles)
        print(f"{name:28s} {g.style:5s} {g.theme:5s} {g.size[0]}x{g.size[1]} tiles={len(g.tiles):2d} "
              f"grid={g.grid[0]}x{g.grid[1]} faces={faces:2d} {ms:6.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
