"""The agent's loop: frames from a source through the pipeline into the sinks.

    source -> Pipeline.process -> store.record, summary.add, on_result(...)

It stops at the end of a file, or when ``stop`` is set (Ctrl+C, SIGTERM, the
overlay's quit), and always leaves the store flushed. Everything stored so far is
kept even if the process is killed outright (the store commits at least every second).
"""

from __future__ import annotations

import threading
from typing import Callable

from ..types import Frame, FrameResult
from .pipeline import Pipeline
from .summary import SessionSummary


def run_session(source, pipeline: Pipeline, store=None, *, stop: threading.Event | None = None,
                on_result: Callable[[Frame, FrameResult], None] | None = None,
                mask: Callable[[], list] | None = None) -> SessionSummary:
    """Process every frame of ``source`` until it ends or ``stop`` is set.

    ``store`` (a started :class:`~classmood.agent.store.SessionStore`) records every
    result; ``on_result`` gets each one as it comes (printing, the overlay); ``mask``
    returns the screen rectangles the overlay is drawing now, which are blanked before
    analysis so that our own drawing never feeds back.
    """
    summary = SessionSummary()
    stop = stop or threading.Event()
    try:
        for frame in source:
            if stop.is_set():
                break
            rects = mask() if mask is not None else []
            if rects and frame.origin != (0, 0):  # screen coordinates -> frame pixels
                ox, oy = frame.origin
                rects = [(x - ox, y - oy, w, h) for x, y, w, h in rects]
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
