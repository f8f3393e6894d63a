"""Perception on real screens, against the hand annotations (issue 16).

Every annotated real screenshot: ``galleries/`` (tile states in
``tests/detectors/annotations.py``) and ``galleries2/`` (``annotations.json``, ranges where
ambiguous), as they are and after JPEG q90 / q50 and bicubic resizing by 0.67x, 1.5x and 2x
(made in memory with OpenCV; ``--variants`` also takes qN, xS and hN: a recording's
keyframe, H.264 at CRF N, with imageio-ffmpeg); and the first seconds of the two ``galleries2/videos/``
recordings. Per file: tiles, tile states, faces and participants found vs annotated; then
the share of files with each count right, per variant, and milliseconds per image.

    python benchmarks/perception_real.py                       # ../shared/data, every variant
    python benchmarks/perception_real.py --data DIR --variants orig,q50,x2

What is compared (``*`` marks a count outside the annotation):

* tiles: the tile count. states: tiles per state (face, no_face, camera_off, photo), order
  ignored. faces: faces in face and photo tiles (galleries/: one per face tile; the sliver
  behind the student in real_test3.png may count or not). participants: the Pipeline's
  class snapshot after one frame (present, camera off, away, how many): present from the
  tiles with a live face up to the people in view (a tile may hold several).
* ms: one GalleryPerception.analyze pass per image (the Pipeline pass is not timed).

Prints figures; asserts nothing (tests/detectors/test_real_right_values.py holds the right
values as tests).
"""

from __future__ import annotations

import argparse
import re
import json
import os
import platform
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from classmood._memory import keep_freed_memory  # noqa: E402
from classmood.agent.pipeline import Pipeline  # noqa: E402
from classmood.detectors.gallery import GalleryPerception  # noqa: E402
from classmood.io import load_image  # noqa: E402
from classmood.types import TileState  # noqa: E402
from tests.detectors.annotations import REAL_STATES  # noqa: E402
from tests.variants import variant  # noqa: E402

VARIANTS = ("orig", "q90", "q50", "x0.67", "x1.5", "x2")
FACE_EXTRA = {"real_test3.png": 1}
"""galleries/: faces beyond one per face tile that may be found (tests/detectors/test_gallery.py:
the person half hidden behind the student in real_test3.png is not required)."""
STATES = (TileState.FACE, TileState.NO_FACE, TileState.CAMERA_OFF, TileState.PHOTO)
SHORT = {TileState.FACE: "F", TileState.NO_FACE: "N", TileState.CAMERA_OFF: "C", TileState.PHOTO: "P"}

Range = tuple[int, int]


@dataclass
class Truth:
    """Annotated counts of one file, each a closed range."""

    tiles: Range
    states: dict[TileState, Range]
    faces: Range
    present: Range
    camera_off: Range
    away: Range
    participants: Range


@dataclass
class Row:
    file: str
    variant: str
    truth: Truth
    tiles: int = 0
    states: Counter = field(default_factory=Counter)
    faces: int = 0
    present: int = 0
    camera_off: int = 0
    away: int = 0
    participants: int = 0
    ms: float | None = None

    def ok(self, what: str) -> bool:
        t = self.truth
        if what == "tiles":
            return _in(self.tiles, t.tiles)
        if what == "states":
            return all(_in(self.states[s], t.states[s]) for s in STATES)
        if what == "faces":
            return _in(self.faces, t.faces)
        if what == "participants":
            return (_in(self.present, t.present) and _in(self.camera_off, t.camera_off)
                    and _in(self.away, t.away) and _in(self.participants, t.participants))
        raise ValueError(what)


def _r(v) -> Range:
    return (int(v), int(v)) if isinstance(v, (int, float)) else (int(v[0]), int(v[1]))


def _in(n: int, r: Range) -> bool:
    return r[0] <= n <= r[1]


def _fmt(r: Range) -> str:
    return str(r[0]) if r[0] == r[1] else f"{r[0]}-{r[1]}"


# --------------------------------------------------------------------------- truths
def truth_galleries(states: list[TileState], name: str) -> Truth:
    c = Counter(states)
    n, nf = len(states), c[TileState.FACE]
    off = c[TileState.CAMERA_OFF] + c[TileState.PHOTO]
    return Truth(
        tiles=(n, n),
        states={s: (c[s], c[s]) for s in STATES},
        faces=(nf, nf + FACE_EXTRA.get(name, 0)),
        present=(nf, nf),
        camera_off=(off, off),
        away=(c[TileState.NO_FACE],) * 2,
        participants=(n, n),
    )


def truth_galleries2(a: dict) -> Truth:
    """As tests/detectors/test_real_right_values.py reads annotations.json."""
    tiles, live, faces = _r(a["tiles"]), _r(a["live_faces"]), _r(a["faces_total"])
    photo, name, empty = _r(a["photo_tiles"]), _r(a["name_tiles"]), _r(a["empty_video"])
    people_hi = max(live[1], faces[1] - photo[0])
    return Truth(
        tiles=tiles,
        states={TileState.FACE: live, TileState.PHOTO: photo, TileState.CAMERA_OFF: name,
                TileState.NO_FACE: empty},
        faces=faces,
        present=(live[0], people_hi),
        camera_off=(photo[0] + name[0], photo[1] + name[1]),
        away=empty,
        participants=(tiles[0], tiles[1] + people_hi - live[0]),
    )


def truth_video(a: dict) -> Truth:
    """Videos are annotated with tiles and faces only: every face is a live participant."""
    tiles, faces = _r(a["tiles"]), _r(a["faces"])
    return Truth(
        tiles=tiles,
        states={s: (0, 10**6) for s in STATES},  # not annotated
        faces=faces,
        present=faces,
        camera_off=(0, tiles[1]),
        away=(0, tiles[1]),
        participants=tiles,
    )


def annotated(data: Path) -> list[tuple[str, Path, Truth]]:
    out = []
    g1 = data / "galleries"
    for name, states in sorted(REAL_STATES.items()):
        if (g1 / name).is_file():
            out.append((f"galleries/{name}", g1 / name, truth_galleries(states, name)))
    g2 = data / "galleries2"
    if (g2 / "annotations.json").is_file():
        for a in json.loads((g2 / "annotations.json").read_text())["images"]:
            if (g2 / a["file"]).is_file():
                out.append((f"galleries2/{a['file']}", g2 / a["file"], truth_galleries2(a)))
    return out


def annotated_videos(data: Path) -> list[tuple[str, Path, Truth]]:
    g2 = data / "galleries2"
    if not (g2 / "annotations.json").is_file():
        return []
    return [
        (f"galleries2/videos/{a['file']}", g2 / "videos" / a["file"], truth_video(a))
        for a in json.loads((g2 / "annotations.json").read_text()).get("videos", [])
        if (g2 / "videos" / a["file"]).is_file()
    ]


# ------------------------------------------------------------------------- measuring
def measure(row: Row, perception: GalleryPerception, pipe: Pipeline, image: np.ndarray) -> Row:
    t0 = time.perf_counter()
    g = perception.analyze(image)
    row.ms = (time.perf_counter() - t0) * 1000.0
    row.tiles = len(g.tiles)
    row.states = Counter(t.state for t in g.tiles)
    row.faces = len(g.faces)
    pipe.reset()
    _snapshot(row, pipe.process(image, 0.0))
    return row


def _snapshot(row: Row, fr) -> None:
    m = fr.mood
    row.present, row.camera_off, row.away, row.participants = m.present, m.camera_off, m.away, m.participants


def measure_video(row: Row, pipe: Pipeline, path: Path, seconds: float, every: float) -> Row:
    """The Pipeline over the first ``seconds`` (a frame every ``every`` s); the figures of
    the last frame analysed (a recording may start black and settle after a second or two)."""
    cap = cv2.VideoCapture(str(path))
    pipe.reset()
    fr, next_t, i = None, 0.0, 0
    fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
    try:
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            t = i / fps
            i += 1
            if t > seconds:
                break
            if t + 1e-6 < next_t:
                continue
            next_t += every
            fr = pipe.process(frame, t)
    finally:
        cap.release()
    if fr is not None:
        g = fr.gallery
        row.tiles, row.states, row.faces = len(g.tiles), Counter(t.state for t in g.tiles), len(g.faces)
        _snapshot(row, fr)
    return row


# --------------------------------------------------------------------------- printing
def _cell(n: int, r: Range, width: int = 7) -> str:
    s = f"{n}/{_fmt(r)}" + ("" if _in(n, r) else "*")
    return s.rjust(width)


def _states(c: Counter) -> str:
    return " ".join(f"{SHORT[s]}{c[s]}" for s in STATES if c[s]) or "-"


def _states_truth(t: Truth) -> str:
    return " ".join(f"{SHORT[s]}{_fmt(r)}" for s, r in t.states.items() if r != (0, 0) and r[1] < 10**6) or "-"


def _partic(r: Row) -> str:
    """Participants found/annotated, starred when any of present, camera off, away or the
    count is off."""
    s = f"{r.participants}/{_fmt(r.truth.participants)}" + ("" if r.ok("participants") else "*")
    return s.rjust(8)


def print_table(rows: list[Row]) -> None:
    w = max(len(r.file) for r in rows)
    print(f"{'file':<{w}}  {'variant':<7} {'tiles':>7} {'faces':>8} {'present':>8} {'partic':>8}  "
          f"{'states found':<16} {'annotated':<22} {'ms':>6}")
    for r in rows:
        t = r.truth
        st = _states(r.states) + ("" if r.ok("states") else " *")
        print(f"{r.file:<{w}}  {r.variant:<7} {_cell(r.tiles, t.tiles)} {_cell(r.faces, t.faces, 8)} "
              f"{_cell(r.present, t.present, 8)} {_partic(r)}  "
              f"{st:<16} {_states_truth(t):<22} {'' if r.ms is None else f'{r.ms:6.0f}'}")


def print_totals(rows: list[Row], variants: list[str]) -> None:
    print("\nexact-count rate: share of files whose count lies in the annotation (a range where ambiguous)")
    print(f"{'variant':<8} {'files':<12} {'n':>3} {'tiles':>7} {'states':>7} {'faces':>7} {'partic':>7} "
          f"{'all 4':>7} {'ms/img':>7} {'median':>7}")
    for v in variants:
        for group in ("all", "galleries/", "galleries2/"):
            rs = [r for r in rows if r.variant == v and r.ms is not None
                  and (group == "all" or r.file.startswith(group))]
            if not rs:
                continue
            n = len(rs)

            def rate(*what: str) -> str:
                k = sum(all(r.ok(x) for x in what) for r in rs)
                return f"{100.0 * k / n:6.1f}%"

            ms = [r.ms for r in rs]
            print(f"{v if group == 'all' else '':<8} {group:<12} {n:>3} {rate('tiles'):>7} {rate('states'):>7} "
                  f"{rate('faces'):>7} {rate('participants'):>7} "
                  f"{rate('tiles', 'states', 'faces', 'participants'):>7} "
                  f"{statistics.mean(ms):7.1f} {statistics.median(ms):7.1f}")


def main() -> None:
    keep_freed_memory()  # as the agent's process (classmood/_memory.py)
    default = Path(os.environ.get("CLASSMOOD_DATA", ROOT.parent / "shared" / "data"))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=default, help=f"the shared data folder (default {default})")
    ap.add_argument("--variants", default=",".join(VARIANTS),
                    help=f"comma-separated (default: {','.join(VARIANTS)}); any JPEG quality qN (q30) or "
                    "bicubic scale xS (x0.5, x3) may be added")
    ap.add_argument("--video-seconds", type=float, default=5.0,
                    help="seconds analysed at the start of each recording (default 5)")
    ap.add_argument("--all-cores", action="store_true", help="do not pin to one core")
    args = ap.parse_args()
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    bad = [v for v in variants if v not in VARIANTS and not re.fullmatch(r"q([1-9]\d?|100)|x(\d+(\.\d+)?)|h\d{1,2}", v)]
    if bad or any(v.startswith("x") and not 0.2 <= float(v[1:]) <= 4 for v in variants):
        ap.error(f"unknown variants {bad or variants}; use {','.join(VARIANTS)}, qN (JPEG quality 1-100), "
                 "xS (a scale 0.2-4) or hN (one H.264 intra frame at CRF N; needs imageio-ffmpeg)")
    if not args.all_cores and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    files = annotated(args.data)
    videos = annotated_videos(args.data)
    if not files and not videos:
        sys.exit(f"no annotated images under {args.data} (galleries/, galleries2/); give --data DIR")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"# ClassMood perception on real screens\nmachine: {platform.processor() or platform.machine()}, "
          f"python {platform.python_version()}, cores used: {cores}; data: {args.data}")
    print(f"{len(files)} annotated images x {len(variants)} variants ({', '.join(variants)}), "
          f"{len(videos)} recordings (first {args.video_seconds:g} s, a frame every 0.5 s)\n")

    rows: list[Row] = []
    with GalleryPerception() as perception:
        pipe = Pipeline(perception=perception, presence_only=True)
        for label, path, truth in files:
            image = load_image(path)
            for v in variants:
                rows.append(measure(Row(label, v, truth), perception, pipe, variant(image, v)))
        for label, path, truth in videos:
            rows.append(measure_video(Row(label, "video", truth), pipe, path, args.video_seconds, 0.5))
    rows.sort(key=lambda r: (r.variant == "video", r.file,
                             VARIANTS.index(r.variant) if r.variant in VARIANTS else 99))
    print_table(rows)
    print_totals(rows, variants)
    vids = [r for r in rows if r.variant == "video"]
    if vids:
        print("\nrecordings (last frame analysed): " + "; ".join(
            f"{Path(r.file).name}: tiles {r.tiles}/{_fmt(r.truth.tiles)}, "
            f"faces {r.faces}/{_fmt(r.truth.faces)}, "
            f"participants {r.participants}/{_fmt(r.truth.participants)}, present {r.present}/"
            f"{_fmt(r.truth.present)}" for r in vids))


if __name__ == "__main__":
    main()
