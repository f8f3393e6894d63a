"""Participants counted over a recording from its first frame (issue 16: "every participant,
no phantom, from the first frame"): every annotated real grid gallery (galleries/ and the
``gallery`` screens of galleries2/ with one tile count) as an H.264 clip (libx264 through
imageio-ffmpeg, a keyframe every 10 frames, camera noise of 2 grey levels on every frame),
at each CRF, without and with a dark dialog over the grid on frame 0 only (a window the
teacher closes as the recording starts). Each clip goes through the Pipeline
(presence-only) at 2 frames a second; the distinct participant ids it reports are compared
with the gallery's tiles.

    python benchmarks/first_frame_ids.py                      # 10 frames, CRF 23,30,36
    python benchmarks/first_frame_ids.py --frames 20 --crf 30 --only zoom2,real_test3

Prints one line per clip (ids vs true) and the share exact per dialog and CRF; asserts
nothing (tests/agent/test_dialog_over_recording.py holds right values as tests). Several
minutes on one core.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.perception_real import annotated  # noqa: E402
from classmood import Pipeline  # noqa: E402
from classmood._memory import keep_freed_memory  # noqa: E402
from classmood.io import load_image  # noqa: E402
from tests.detectors.test_real_right_values import _window_box  # noqa: E402
from tests.variants import foreign_window, h264  # noqa: E402


def main() -> int:
    keep_freed_memory()  # as the agent's process (classmood/_memory.py)
    default = Path(os.environ.get("CLASSMOOD_DATA", ROOT.parent / "shared" / "data"))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=default)
    ap.add_argument("--frames", type=int, default=10, help="frames per clip, 0.5 s apart (default 10)")
    ap.add_argument("--crf", default="23,30,36", help="libx264 CRFs, comma-separated")
    ap.add_argument("--only", default="", help="comma-separated parts of file names to keep")
    ap.add_argument("--dialog-frames", type=int, default=1,
                    help="frames the dialog stays on from frame 0 (default 1; 3 = the first 1.5 s)")
    ap.add_argument("--height", type=int, default=0,
                    help="resize each gallery to this height first (INTER_AREA; default: as it is)")
    args = ap.parse_args()
    ann_path = args.data / "galleries2" / "annotations.json"
    if not ann_path.is_file():
        print(f"no annotations at {ann_path}: nothing to measure (--data)")
        return 0
    ann = {a["file"]: a for a in json.loads(ann_path.read_text())["images"]}
    crfs = [int(c) for c in args.crf.split(",")]
    only = [o for o in args.only.split(",") if o]
    files = []
    for name, path, truth in annotated(args.data):
        if name.startswith("galleries2/"):
            a = ann[path.name]
            if a.get("layout") != "gallery" or not isinstance(a["tiles"], int):
                continue
        if only and not any(o in name for o in only):
            continue
        files.append((name, path, truth.tiles[0]))
    totals: dict[tuple[bool, int], list[int]] = {}
    with Pipeline(presence_only=True) as pipe:
        for name, path, n in files:
            image = load_image(path)
            if args.height and image.shape[0] != args.height:
                s = args.height / image.shape[0]
                image = cv2.resize(image, (round(image.shape[1] * s), args.height), interpolation=cv2.INTER_AREA)
            tiles = [t.tile.bbox for t in pipe.perception.analyze(image).tiles]
            # the dialog over the grid's middle, as the tests draw it (only where the PNG's tiles are right)
            box = _window_box(tiles, (image.shape[1], image.shape[0]), "4big") if len(tiles) == n else None
            for dialog in (False, True):
                if dialog and box is None:
                    continue
                for crf in crfs:
                    rng = np.random.default_rng(crf)
                    raw = []
                    for k in range(args.frames):
                        f = foreign_window(image, box, dark=True) if dialog and k < args.dialog_frames else image
                        raw.append(np.clip(f.astype(np.float32) + rng.normal(0, 2.0, f.shape), 0, 255).astype(np.uint8))
                    pipe.reset()
                    ids: set[str] = set()
                    last = None
                    for k, frame in enumerate(h264(raw, crf)):
                        last = pipe.process(frame, k * 0.5)
                        ids |= {p.id for p in last.participants}
                    shown = len({p.id for p in last.participants if p.bbox is not None}) if last else 0
                    ok = len(ids) == n
                    t = totals.setdefault((dialog, crf), [0, 0])
                    t[0] += ok
                    t[1] += 1
                    print(f"{name:45s} dialog={int(dialog)} crf={crf} true={n:3d} ids={len(ids):3d} "
                          f"last frame={shown:3d} {'ok' if ok else 'XX'}", flush=True)
    for (dialog, crf), (good, total) in sorted(totals.items()):
        print(f"dialog={int(dialog)} crf={crf}: {good}/{total} clips with as many ids as students")
    return 0


if __name__ == "__main__":
    sys.exit(main())
