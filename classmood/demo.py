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
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

import numpy as np

from .agent.sources import Source
from .labels import VALENCE_CHANGE_WORDS, signed
from .synth import PortraitLibrary, compose_gallery, sample_portrait, webcam_view
from .types import Frame, FrameResult

if TYPE_CHECKING:
    from .report import ReportPaths

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
        with PortraitLibrary() as lib:  # one face finder and matte for the 24 views of one portrait
            views = [webcam_view(portrait, (640, 360), seed=40 + 3 * i, library=lib) for i in range(len(NAMES))]
            empty = [webcam_view(portrait, (640, 360), seed=40 + 3 * i, present=False, library=lib)
                     for i in range(len(NAMES))]
        object.__setattr__(self, "_views", views)
        object.__setattr__(self, "_empty", empty)

    def script(self, t: float) -> tuple[list[int], dict[int, str]]:
        """Who is where at ``t`` seconds of class and in which state.

        Returns:
            The tiles' order (indices into :data:`NAMES`, first tile first), and each
            student's state: ``"present"``, ``"away"`` or ``"camera_off"``.
        """
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
        """The gallery at ``t`` seconds of class: BGR uint8 of shape (H, W, 3), ``size``
        being (W, H); ``seed`` varies the camera noise from frame to frame."""
        order, state = self.script(t)
        pics = [None if state[i] == "camera_off" else (self._empty[i] if state[i] == "away" else self._views[i])
                for i in order]
        return compose_gallery(pics, self.size, names=[NAMES[i] for i in order], seed=seed).image


@dataclass(frozen=True)
class DemoOptions:
    """How to run the demo.

    Attributes:
        duration_s: the length of the class in seconds (above 0).
        names: read and store the participants' name labels.
        presence_only: no expression recognition at all.
        db: the session database file (None: the default in the user's data folder).
        out: the report's folder (None: :func:`classmood.report.build.default_report_dir`).
    """

    duration_s: float = 30.0
    names: bool = False
    presence_only: bool = False
    db: Path | None = None
    out: Path | None = None


class DemoSource(Source):
    """The demo class read from memory: a frame every ``1 / FPS`` seconds of class,
    as fast as they are consumed (``live`` is False)."""

    FPS = 2
    """Frames a second of class."""

    description = "demo (synthetic class, analysed from memory)"

    def __init__(self, scene: DemoClass) -> None:
        self.scene = scene
        self.duration_s = scene.duration_s

    def __iter__(self) -> Iterator[Frame]:
        """``int(duration_s * FPS)`` frames at 0, 0.5, 1.0, ... s: the scene's gallery,
        BGR uint8 of shape (H, W, 3) with (W, H) the scene's ``size``."""
        for k in range(int(self.scene.duration_s * self.FPS)):
            t = k / self.FPS
            yield Frame(self.scene.frame(t, seed=k), t, index=k)


def run_headless(options: DemoOptions, log: Callable[[str], None] = print) -> ReportPaths:
    """Analyse the demo class from memory (:class:`DemoSource`), store the session and
    write the report.

    A progress line is rewritten on stderr while it runs when stderr is a terminal. Then
    ``log`` gets two lines: what was analysed (frames, time taken, participants, the
    session and its database) and, last, ``"report: <path of report.html>"``.

    Args:
        options: the class's length and what to read, store and write.
        log: where the two closing lines go.

    Returns:
        The report's files.

    Raises:
        InputError: the database or the report's folder cannot be used.
    """
    from .agent.pipeline import Pipeline, PipelineConfig
    from .agent.runner import run_session
    from .agent.store import SessionSettings, SessionStore
    from .report import build_report

    source = DemoSource(DemoClass(duration_s=options.duration_s))
    tty = sys.stderr.isatty()

    def show(frame: Frame, result: FrameResult) -> None:
        m = result.mood
        v = "-" if m.valence_change is None else signed(m.valence_change)
        print(f"\r  {frame.timestamp:5.1f} s  {m.present} present, {m.away} away, {m.camera_off} camera off, "
              f"{VALENCE_CHANGE_WORDS} {v}   ", end="", file=sys.stderr, flush=True)

    t0 = time.monotonic()
    with source, SessionStore(options.db) as store, Pipeline(names=options.names, presence_only=options.presence_only,
                                                             config=PipelineConfig()) as pipe:
        sid = store.start_session(source=source.description, names=options.names,
                                  presence_only=options.presence_only,
                                  settings=SessionSettings(command="demo", every=1.0 / DemoSource.FPS))
        summary = run_session(source, pipe, store, on_result=show if tty else None)
        store.end_session()
        if tty:
            print(file=sys.stderr)
        paths = build_report(store, sid, options.out, interval_s=None)  # the report's default for its length
    s = summary.to_dict()
    log(f"demo: {s['frames']} frames of a {options.duration_s:g} s class analysed in {time.monotonic() - t0:.1f} s; "
        f"{len(s['participants'])} participants; session {sid} in {store.path}")
    log(f"report: {paths.html}")
    return paths


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
