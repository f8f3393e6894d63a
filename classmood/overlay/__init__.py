"""The teacher's on-screen overlay and class-mood panel (pywebview).

- :mod:`.layout`: where each participant's badge goes (screen rectangles), its text
  and colour; pure.
- :mod:`.view_model`: FrameResult -> the JSON each page gets; the 10-minute valence history;
  the pause / hide / presence-only :class:`Controls`; pure.
- :mod:`.pages`: the self-contained HTML of the two pages (``assets/``).
- :mod:`.clickthrough`: ``make_click_through(window)`` per platform.
- :mod:`.window`: the two pywebview windows, :class:`Overlay` and
  :func:`run_with_overlay` (the GUI loop on the main thread, the agent in a thread).

Typical use (what ``classmood run`` does)::

    controls = Controls()

    def work(overlay):
        return run_session(source, pipeline, store, stop=overlay.stop, on_result=overlay.update,
                           mask=overlay.mask_rects, controls=controls)

    summary = run_with_overlay(source.rect, work, controls=controls)
"""

from .layout import Badge, badge_content, badge_rect, place_badges
from .view_model import Controls, OverlayModel, ValenceHistory
from .window import Overlay, OverlayUnavailable, overlay_unavailable, run_with_overlay

__all__ = [
    "Badge",
    "Controls",
    "Overlay",
    "OverlayModel",
    "OverlayUnavailable",
    "ValenceHistory",
    "badge_content",
    "badge_rect",
    "overlay_unavailable",
    "place_badges",
    "run_with_overlay",
]
