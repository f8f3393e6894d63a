"""The agent's loop, the one place where frames are analysed one after another:

    frames -> (controls: paused frames skipped, presence-only switch applied)
           -> Pipeline.process (the overlay's own drawing and other apps' windows over
              the meeting masked out: shown as last seen)
           -> store.record, summary.add, on_result(frame, result)

``classmood analyze``, ``classmood run`` (with or without the overlay) and the demo all
run it. It stops at the end of the frames, or when ``stop`` is set (Ctrl+C, SIGTERM,
the overlay's quit, a time limit in ``on_result``), and always leaves the store flushed.
Everything stored so far is kept even if the process is killed outright (the store
commits at least every 0.5 s by default: ``SessionStore(flush_interval_s=...)``).
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Protocol

from ..errors import ClassMoodError
from ..types import Frame, FrameResult
from .pipeline import Pipeline
from .summary import SessionSummary

if TYPE_CHECKING:
    from .store import SessionStore

log = logging.getLogger(__name__)


class Controls(Protocol):
    """The teacher's switches the loop obeys while it runs (the overlay panel's
    :class:`classmood.overlay.Controls` is one)."""

    @property
    def presence_only(self) -> bool:
        """True: no expression recognition from the next frame on."""

    def gate(self, frames: Iterable[Frame], stop: threading.Event | None = None) -> Iterator[Frame]:
        """``frames`` minus those taken while paused (blocks while paused, returns when
        ``stop`` is set)."""

    # Optional: ``take_pick() -> (x, y, w, h) | None``, a rectangle the teacher picked
    # over the gallery since the last call (the panel's "Pick the gallery").


def run_session(frames: Iterable[Frame], pipeline: Pipeline, store: SessionStore | None = None, *,
                stop: threading.Event | None = None,
                on_result: Callable[[Frame, FrameResult], None] | None = None,
                mask: Callable[[], list[tuple[int, int, int, int]]] | None = None,
                controls: Controls | None = None,
                on_pick: Callable[[tuple[int, int, int, int]], None] | None = None) -> SessionSummary:
    """Analyse every frame until the frames end or ``stop`` is set.

    Args:
        frames: the frames in time order (a :class:`~classmood.agent.sources.Source`, or
            any iterable of :class:`~classmood.types.Frame`; timestamps never go back).
        pipeline: analyses each frame (``pipeline.process``).
        store: a :class:`~classmood.agent.store.SessionStore` with a started session:
            records every result, and is flushed when the loop ends (however it ends);
            None stores nothing.
        stop: set it (from any thread, or from ``on_result``) to end the loop: the frame
            being analysed is finished and no further frame is taken.
        on_result: called with each frame and its result, after the store and the summary
            took it (printing, the overlay); what it raises ends the loop.
        mask: returns the screen rectangles ``(x, y, w, h)`` the overlay is drawing now
            (screen pixels); they are blanked before analysis so that our own drawing
            never feeds back. Each frame's ``covered`` rectangles (another app's window
            over the meeting: :attr:`Frame.covered <classmood.types.Frame.covered>`) are
            masked with them, in one list: the analysis sees those parts as last seen
            uncovered (:meth:`Pipeline.process`'s ``mask``), so the students under them
            keep their tiles, ids and state and the layout is not fitted to the other
            window.
        controls: the teacher's switches: frames taken while paused are skipped, and a
            change of ``controls.presence_only`` is applied to ``pipeline`` before the
            next frame.
        on_pick: makes the source watch a rectangle the teacher picked in the panel
            (``controls.take_pick()``, screen pixels), e.g. with
            :meth:`ScreenSource.watch <classmood.agent.sources.ScreenSource.watch>` (and
            remembers it); called on this thread before the next frame is analysed: the
            frame in hand, of what was watched before, is dropped. What it raises (an
            ``InputError``: the rectangle cannot be watched) is its own to tell: it is
            caught and logged, and what was watched before goes on. The class goes on
            in the picked part (:meth:`Pipeline.new_view`): what was recorded is kept and
            the participants keep their ids.

    A source whose ``switches`` count goes up on its own (a screen source that moved on
    to the meeting's own window once it showed) starts the class afresh there: the
    pipeline is reset and what was recorded before is forgotten, as it was not the class
    (:meth:`SessionStore.restart_session`).

    Returns:
        The session's summary: ``summary.frames`` frames analysed; ``to_dict()`` the
        figures (duration in seconds of class, per participant time and expressions).
    """
    summary = SessionSummary()
    stop = stop or threading.Event()
    source = frames
    switches = getattr(source, "switches", 0)
    take_pick = getattr(controls, "take_pick", None) if on_pick is not None else None
    picked_now = False  # the next switch is the teacher's pick, not the meeting's window
    if controls is not None:
        frames = controls.gate(frames, stop)
    try:
        for frame in frames:
            if stop.is_set():
                break
            picked = take_pick() if take_pick is not None else None
            if picked is not None:
                try:
                    on_pick(picked)  # type: ignore[misc]
                except ClassMoodError as exc:
                    log.warning("%s", exc)
                else:
                    picked_now = True
                    continue  # this frame is of what was watched before
            if getattr(source, "switches", 0) != switches:
                switches = source.switches
                if picked_now:  # the same class, in the part the teacher picked: nothing lost
                    pipeline.new_view()
                    if store is not None and getattr(source, "stored_as", None):
                        store.set_source(source.stored_as)
                else:
                    # the source now watches the meeting's own window: what it watched
                    # before the meeting showed was not the class
                    pipeline.reset()
                    summary = SessionSummary()
                    if store is not None:
                        store.restart_session(source=getattr(source, "stored_as", None))
            picked_now = False
            if controls is not None and controls.presence_only != pipeline.presence_only:
                pipeline.set_presence_only(controls.presence_only)  # switched in the panel
            rects = mask() if mask is not None else []
            if rects and frame.origin != (0, 0):  # screen coordinates -> frame pixels
                ox, oy = frame.origin
                rects = [(x - ox, y - oy, w, h) for x, y, w, h in rects]
            rects = [*rects, *frame.covered]  # another app's window over the meeting: not the class
            result = pipeline.process(frame.image, frame.timestamp, mask=rects)
            if store is not None:
                store.record(result)
            summary.add(result)
            if on_result is not None:
                on_result(frame, result)
            if stop.is_set():
                break
    finally:
        if store is not None:
            store.flush()
    return summary
