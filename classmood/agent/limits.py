"""What limits the reading of the class: a speaker view or a screen share shows only the
filmstrip, and a full page of Zoom's gallery (49 tiles, or 25 with the smaller page
setting) may be one page of a larger class. Told once in the terminal when it begins
(:meth:`ViewLimits.update`), and shown in the panel, in plain words, for as long as it
holds (:attr:`ViewLimits.holding`)."""

from __future__ import annotations

from ..types import FrameResult

STRIP_LAYOUTS = frozenset({"speaker", "filmstrip"})
"""Layouts that show only part of the class: the active speaker or shared content beside
a strip of tiles."""
PAGE_SIZES = frozenset({49, 25})
"""Zoom's gallery page sizes (49 per page, or 25 with the smaller setting): a gallery
showing exactly this many tiles may be one page of a larger class."""
STEADY_FRAMES = 3
"""A layout counts once it is read this many frames in a row (a single frame misread
during a switch is not worth a line)."""

STRIP_MESSAGE = ("the meeting shows the {layout} view (or a screen share): only the filmstrip is visible, "
                 "so only part of the class is read: switch to gallery view to see everyone")
PAGE_MESSAGE = ("the gallery shows {tiles} tiles, as many as one page holds (Zoom: 49, or 25 with its smaller "
                "page setting): the class may span more pages "
                "and only this page is read (page through the gallery, or set Zoom to show 49 per page); "
                "participants without video may also be hidden (turn off 'Hide non-video participants')")

STRIP_NOTE = ("The meeting shows the {layout} view or a screen share: only the filmstrip is read. "
              "Switch it to gallery view to see everyone.")
"""The panel's words for :data:`STRIP_MESSAGE`, shown while it holds."""
PAGE_NOTE = ("The gallery shows a full page of {tiles}: the class may have more pages, and only this one is "
             "read. Page through the gallery, or set Zoom to show 49 per page.")
"""The panel's words for :data:`PAGE_MESSAGE`, shown while it holds."""


class ViewLimits:
    """Tells, once per change, what limits the reading: feed it every frame's result.

    A limit is said when it has held for :data:`STEADY_FRAMES` frames in a row, and said
    again only after the view went back to a full gallery and the limit came back.
    """

    def __init__(self) -> None:
        self._kind: str | None = None
        self._count = 0
        self._said: str | None = None
        self._holding: str | None = None

    @property
    def holding(self) -> str | None:
        """What limits the reading now, for the panel (:data:`STRIP_NOTE`,
        :data:`PAGE_NOTE`): from the frame where a limit became steady until a full
        gallery (or another limit) is steady instead; None while nothing limits it.
        Frames with nothing to go by (no tiles) change nothing."""
        return self._holding

    def update(self, result: FrameResult) -> str | None:
        """The line to tell the teacher now, or None.

        Args:
            result: the agent's result for the latest frame.

        Returns:
            One line (what limits the reading and what to do), only on the frame where
            a limit has become steady; None otherwise.
        """
        layout = result.gallery.layout or "none"
        tiles = len(result.gallery.tiles)
        if layout in STRIP_LAYOUTS:
            kind = f"strip:{layout}"
        elif layout == "gallery" and tiles in PAGE_SIZES:
            kind = f"page:{tiles}"
        elif layout == "gallery":
            kind = "gallery"
        else:
            kind = None  # nothing to go by (no tiles, one tile, a mixed layout)
        if kind is None:
            return None
        self._count = self._count + 1 if kind == self._kind else 1
        self._kind = kind
        if self._count >= STEADY_FRAMES:
            self._holding = (None if kind == "gallery" else STRIP_NOTE.format(layout=layout)
                             if kind.startswith("strip:") else PAGE_NOTE.format(tiles=tiles))
        if self._count < STEADY_FRAMES or kind == self._said:
            return None
        if kind == "gallery":
            self._said = None if self._said is None else "gallery"
            return None
        self._said = kind
        if kind.startswith("strip:"):
            return STRIP_MESSAGE.format(layout=layout)
        return PAGE_MESSAGE.format(tiles=tiles)
