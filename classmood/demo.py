"""``classmood demo``: the whole product in a minute, with no Zoom and no download.

The class is built from a real photograph that ships inside an installed package
(matplotlib's sample portrait of Grace Hopper), placed in twelve different webcam
rooms (:func:`classmood.synth.webcam_view`): a Zoom-like gallery where two students
have their camera off and, during the demo, one steps away, another switches the
camera off and the tiles reorder. That scene is scripted; the analysis is not: every
frame goes through the real tile finder, face detector, aligner, expression model,
tracker and session store, and the report is built from what was stored.

With a display, the gallery is shown in a window, captured from the screen with the
overlay and the class-mood panel on top (``classmood run`` on it). Without one, the
same frames are analysed from memory. Either way the report's path is printed last.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

import numpy as np

from .synth import compose_gallery, sample_portrait, webcam_view

WINDOW_TITLE = "ClassMood demo class"
"""The title of the window that shows the demo class (the agent captures it by title)."""

NAMES = ["Ada Byron", "Alan Turing", "Grace Hopper", "Katherine Johnson", "Edsger Dijkstra", "Barbara Liskov",
         "Donald Knuth", "Frances Allen", "John Backus", "Margaret Hamilton", "Dennis Ritchie", "Radia Perlman"]


@dataclass(frozen=True)
class DemoClass:
    """The demo's scene: ``frame(t)`` is the gallery at ``t`` seconds (BGR)."""

    size: tuple[int, int] = (1280, 720)
    duration_s: float = 30.0

    def __post_init__(self) -> None:
        portrait = sample_portrait()
        views = [webcam_view(portrait, (640, 360), seed=40 + 3 * i) for i in range(len(NAMES))]
        empty = [webcam_view(portrait, (640, 360), seed=40 + 3 * i, present=False) for i in range(len(NAMES))]
        object.__setattr__(self, "_views", views)
        object.__setattr__(self, "_empty", empty)

    def script(self, t: float) -> tuple[list[int], dict[int, str]]:
        """Who is where at ``t`` and in which state (present / away / camera_off)."""
        d = self.duration_s
        order = list(range(len(NAMES)))
        if t >= 0.5 * d:  # a speaker moves to the front: Zoom reorders the tiles
            order.insert(0, order.pop(order.index(6)))
        state = {i: "present" for i in order}
        state[3] = state[9] = "camera_off"
        if 0.25 * d <= t < 0.75 * d:
            state[4] = "away"
        if t >= 0.6 * d:
            state[1] = "camera_off"
        return order, state

    def frame(self, t: float, seed: int = 0) -> np.ndarray:
        order, state = self.script(t)
        pics = [None if state[i] == "camera_off" else (self._empty[i] if state[i] == "away" else self._views[i])
                for i in order]
        return compose_gallery(pics, self.size, names=[NAMES[i] for i in order], seed=seed).image


def run_headless(args, log=print) -> int:
    """Analyse the demo class from memory (2 frames a second of class), store the
    session, write the report; the report's path is the last line printed."""
    from .agent.pipeline import Pipeline, PipelineConfig
    from .agent.store import SessionStore
    from .agent.summary import SessionSummary
    from .report import build_report

    scene = DemoClass(duration_s=args.duration)
    steps = int(args.duration * 2)
    summary = SessionSummary()
    t0 = time.monotonic()
    with SessionStore(args.db) as store, Pipeline(names=args.names, presence_only=args.presence_only,
                                                   config=PipelineConfig()) as pipe:
        sid = store.start_session(source="demo (synthetic class, analysed from memory)", names=args.names,
                                  presence_only=args.presence_only, settings={"command": "demo"})
        for k in range(steps):
            t = k * 0.5
            result = pipe.process(scene.frame(t, seed=k), t)
            store.record(result)
            summary.add(result)
            if sys.stderr.isatty():
                m = result.mood
                v = "-" if m.valence is None else f"{m.valence:+.2f}"
                print(f"\r  {t:5.1f} s  {m.present} present, {m.away} away, {m.camera_off} camera off, "
                      f"valence {v}   ", end="", file=sys.stderr, flush=True)
        store.end_session()
        if sys.stderr.isatty():
            print(file=sys.stderr)
        paths = build_report(store, sid, args.out, interval_s=max(1.0, round(args.duration / 30)))
    s = summary.to_dict()
    log(f"demo: {s['frames']} frames of a {args.duration:g} s class analysed in {time.monotonic() - t0:.1f} s; "
        f"{len(s['participants'])} participants; session {sid} in {store.path}")
    log(f"report: {paths.html}")
    return 0


def show_scene(x: int, y: int, duration: float) -> None:
    """Show the demo class in a plain window at (x, y) for ``duration`` seconds, the
    frames following the scene's clock (run in its own process: the overlay's GUI
    toolkit owns the agent's main thread). Prints "shown" once it is on screen."""
    import cv2

    scene = DemoClass(duration_s=duration)
    title = WINDOW_TITLE
    cv2.namedWindow(title, cv2.WINDOW_AUTOSIZE | cv2.WINDOW_GUI_NORMAL)
    cv2.moveWindow(title, x, y)
    cv2.imshow(title, scene.frame(0.0))
    for _ in range(5):
        cv2.waitKey(20)
    print("shown", flush=True)
    t0, k = time.monotonic(), 0
    while (t := time.monotonic() - t0) < duration + 5.0:
        k += 1
        cv2.imshow(title, scene.frame(min(t, duration), seed=k))
        cv2.waitKey(200)
    cv2.destroyAllWindows()


if __name__ == "__main__":  # python -m classmood.demo X Y DURATION (the demo's gallery window)
    show_scene(int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]))
