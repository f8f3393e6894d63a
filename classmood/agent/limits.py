"""What limits the reading of the class: a speaker view or a screen share shows only the
filmstrip, and a full page of the gallery (49 tiles, or 25 with Zoom's smaller page
setting) may be one page of a larger class; the advice is in the watched app's terms. Told once in the terminal when it begins
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
PAGE_ADVICE = {
    "Zoom": ("one page of Zoom's gallery holds (49, or 25 with its smaller page setting)",
             "page through the gallery, or set Zoom to show 49 per page",
             "turn off Zoom's 'Hide non-video participants'"),
    "Google Meet": ("Meet's tiled view shows (at most 49, as set in its 'Adjust view')",
                    "raise the number of tiles in Meet's 'Adjust view' to 49",
                    "see Meet's 'Adjust view' settings"),
    "Microsoft Teams": ("Teams' gallery shows (49 in its 'Large gallery')",
                        "choose 'Large gallery' in Teams' View menu, or scroll through the gallery",
                        "see Teams' gallery settings"),
}
"""Per meeting app (:func:`~classmood.agent.sources.meeting.meeting_app`'s names): how
many tiles its gallery holds, what shows more, and where participants without video are
hidden; other apps (or none known) get :data:`ANY_APP_ADVICE`."""
ANY_APP_ADVICE = ("one page of the meeting app's gallery holds (49 or 25 in Zoom, up to 49 in Meet's tiled "
                  "view and Teams' large gallery)",
                  "page through the gallery, or set the meeting app to show more tiles at once",
                  "see the app's view settings")

PAGE_MESSAGE = ("the gallery shows {tiles} tiles, as many as {holds}: the class may span more pages "
                "and only this page is read ({more}); participants without video may also be hidden ({hidden})")
"""The terminal's line for a full page (:func:`page_message` fills it in)."""

STRIP_NOTE = ("The meeting shows the {layout} view or a screen share: only the filmstrip is read. "
              "Switch it to gallery view to see everyone.")
"""The panel's words for :data:`STRIP_MESSAGE`, shown while it holds."""
PAGE_NOTE = ("The gallery shows a full page of {tiles}: the class may have more pages, and only this one is "
             "read. {More}.")
"""The panel's words for :data:`PAGE_MESSAGE` (:func:`page_note` fills it in), shown while it holds."""


def _advice(app: str | None) -> tuple[str, str, str]:
    return PAGE_ADVICE.get(app or "", ANY_APP_ADVICE)


def page_message(tiles: int, app: str | None = None) -> str:
    """The terminal's line for a gallery showing a full page of ``tiles``.

    Args:
        tiles: how many tiles the gallery shows.
        app: the meeting app watched (``"Zoom"``, ``"Google Meet"``...), None when not
            known: the advice is then worded for any app.

    Returns:
        One line: what limits the reading and what to do in that app.
    """
    holds, more, hidden = _advice(app)
    return PAGE_MESSAGE.format(tiles=tiles, holds=holds, more=more, hidden=hidden)


def page_note(tiles: int, app: str | None = None) -> str:
    """The panel's words for :func:`page_message` (same arguments).

    Returns:
        A sentence or two.
    """
    more = _advice(app)[1]
    return PAGE_NOTE.format(tiles=tiles, More=more[0].upper() + more[1:])


class ViewLimits:
    """Tells, once per change, what limits the reading: feed it every frame's result.

    A limit is said when it has held for :data:`STEADY_FRAMES` frames in a row, and said
    again only after the view went back to a full gallery and the limit came back.

    Args:
        app: the meeting app watched (its name as
            :func:`~classmood.agent.sources.meeting.meeting_app` gives it), for advice in
            its own terms; None: worded for any app.
    """

    def __init__(self, app: str | None = None) -> None:
        self.app = app
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
                             if kind.startswith("strip:") else page_note(tiles, self.app))
        if self._count < STEADY_FRAMES or kind == self._said:
            return None
        if kind == "gallery":
            self._said = None if self._said is None else "gallery"
            return None
        self._said = kind
        if kind.startswith("strip:"):
            return STRIP_MESSAGE.format(layout=layout)
        return page_message(tiles, self.app)
