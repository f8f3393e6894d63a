"""Finding the meeting by itself: every window and monitor of the desktop is a candidate;
a meeting app's window (by its class or process, :mod:`~classmood.agent.sources.meeting`)
outranks everything else; among several, or where none is a meeting app's, the picture
decides: one capture of each candidate is read by the real perception (the gallery and
face detectors the pipeline uses), and the one that reads as a gallery with the most
participants wins. A photo viewer showing one face, or four faces with no grid, never
beats a meeting window.

Nothing is stored: each candidate's capture is read once and dropped.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field, replace
from typing import Callable, Mapping, Sequence

import cv2
import numpy as np

from ..display import Rect, clip_rect, format_rect, list_monitors, open_mss
from ..types import GalleryResult
from .sources.meeting import meeting_app
from .sources.windows import WindowInfo, list_windows, part_of

GRID_METHODS = frozenset({"gap", "grid", "avatars"})
"""Layout methods that found the app's own tile grid (not just faces somewhere)."""
MIN_WINDOW = (240, 160)
"""Windows smaller than this (w, h pixels) cannot show a class: not candidates."""
MAX_WINDOWS = 16
"""At most this many windows are read (the largest), to keep the start quick."""


STILL_WAIT_S = 0.4
"""A candidate whose content decides (no meeting app's window is on the screen) and that
reads as a gallery is captured again this long after its first capture: live video
changes between the two (camera noise, motion), a picture does not."""
STILL_LEVELS = 3
"""A pixel changed between the two captures when a channel differs by more than this."""
STILL_SHARE = 0.002
"""A capture in which fewer pixels than this share changed is still (a live gallery's
camera noise and motion change several percent; a mouse pointer moving over a photo is
well under this)."""


def is_still(first: np.ndarray, second: np.ndarray) -> bool:
    """Whether two captures of one place, a moment apart, show a picture that does not
    move.

    Args:
        first: the first capture, BGR.
        second: the capture a moment later, BGR.

    Returns:
        True when fewer than :data:`STILL_SHARE` of the pixels changed by more than
        :data:`STILL_LEVELS`; False otherwise, and when the two differ in size (the
        window was resized meanwhile).
    """
    if first.shape != second.shape:
        return False  # the window changed size meanwhile: not a still picture
    changed = (cv2.absdiff(first, second).max(axis=2) > STILL_LEVELS).mean()
    return bool(changed < STILL_SHARE)


SIZE_TOLERANCE = 0.08
"""Tiles of a meeting's gallery differ in width and height by at most this fraction of the
median (the app sizes them alike; rounding makes a pixel or two)."""
ROW_TOLERANCE = 0.08
"""Tiles in one gallery row have tops within this fraction of the tile height."""


def regular_grid(boxes) -> bool:
    """Whether tiles ``(x, y, w, h)`` are laid out as a meeting gallery: at least two, of
    about one size (:data:`SIZE_TOLERANCE`; a quarter may be off, a tile or two the
    perception cut a little wrong), in rows whose tops line up
    (:data:`ROW_TOLERANCE`), each row with at least two tiles or all tiles in one column
    (a last row of one centred tile is allowed)."""
    if len(boxes) < 2:
        return False
    ws = sorted(b[2] for b in boxes)
    hs = sorted(b[3] for b in boxes)
    mw, mh = ws[len(ws) // 2], hs[len(hs) // 2]
    alike = sum(abs(b[2] - mw) <= SIZE_TOLERANCE * mw and abs(b[3] - mh) <= SIZE_TOLERANCE * mh for b in boxes)
    if alike < max(2, 0.75 * len(boxes)):
        return False
    rows: list[list] = []
    for b in sorted(boxes, key=lambda b: b[1]):
        if rows and abs(b[1] - rows[-1][0][1]) <= ROW_TOLERANCE * mh:
            rows[-1].append(b)
        else:
            rows.append([b])
    if len(rows) == len(boxes):  # one column: left edges line up
        return max(b[0] for b in boxes) - min(b[0] for b in boxes) <= ROW_TOLERANCE * mw
    return all(len(r) >= 2 for r in rows[:-1])


@dataclass(frozen=True)
class Reading:
    """What the perception read in one capture of a candidate.

    Attributes:
        layout: ``gallery``, ``speaker``, ``filmstrip``, ``mixed``, ``single``, ``none``.
        method: how the tiles were found (``gap``, ``grid``, ``faces``, ``avatars``,
            ``frame``).
        tiles: participant tiles found.
        faces: tiles showing a face.
        regular: the tiles are of one size and line up in rows, as a meeting app lays
            out its gallery (photos spread over a viewer's page are not).
    """

    layout: str = "none"
    method: str = ""
    tiles: int = 0
    faces: int = 0
    regular: bool = False
    still: bool | None = None
    """Nothing changed in a second capture a moment later (:data:`STILL_WAIT_S`): a
    picture (a photo contact sheet in an image viewer), not live video; None: not
    checked (only candidates whose content decides are: no meeting app's window)."""

    @classmethod
    def of(cls, gallery: GalleryResult) -> "Reading":
        """The reading of one perception result."""
        boxes = [t.tile.bbox for t in gallery.tiles]
        return cls(layout=gallery.layout or "none", method=gallery.layout_method or "",
                   tiles=len(boxes), faces=sum(1 for t in gallery.tiles if t.faces),
                   regular=regular_grid(boxes))

    @property
    def is_gallery(self) -> bool:
        """Reads as a meeting's grid of participant tiles: two tiles or more, found on
        the app's own grid (a gap, a fitted grid, avatar cards), not merely around faces,
        and laid out as a meeting app lays them out (a strip beside the speaker, or tiles
        of one size in rows)."""
        return (self.tiles >= 2 and self.method in GRID_METHODS
                and (self.regular or self.layout in ("speaker", "filmstrip")))

    def describe(self, meeting_app: bool = False) -> str:
        """For the user: ``"gallery, 9 participants (9 faces)"``, or ``"no meeting's tile
        grid, 4 participants (4 faces)"`` for a picture that is no meeting's gallery.
        ``meeting_app``: the picture is a meeting app's own window, whose layout perception
        named from the faces in it where no grid of tiles was seen (Teams' stage over its
        strip, a speaker view: ``"speaker, 5 participants (5 faces)"``)."""
        if self.tiles == 0:
            return "no participant seen"
        n = (f"{self.tiles} participant{'s' if self.tiles != 1 else ''} "
             f"({self.faces} face{'s' if self.faces != 1 else ''})")
        if not self.is_gallery:
            if meeting_app and self.layout not in ("", "none"):
                return f"{self.layout}, {n}"
            return f"no meeting's tile grid, {n}"
        return f"{self.layout}, {n}" + (", a still picture (no live video)" if self.still else "")


@dataclass(frozen=True)
class Candidate:
    """A window or monitor the meeting may be in, and what was found in it.

    Attributes:
        kind: ``"window"`` or ``"monitor"``.
        rect: the part of the screen it covers ``(x, y, w, h)``, virtual-screen pixels.
        window: the window (kind "window"), else None.
        monitor: kind "monitor": its number; a window: the monitor showing most of it.
        app: the meeting app it belongs to (``"Zoom"``), or None.
        reading: what its picture reads as; None when it could not be captured
            (minimised, off the screen).
    """

    kind: str
    rect: Rect
    window: WindowInfo | None = None
    monitor: int = 0
    app: str | None = None
    reading: Reading | None = None
    part: Rect | None = None
    """The part of the window the teacher picked last for its app (``discover(parts=)``),
    on the screen; None when none was picked."""
    part_reading: Reading | None = None
    """What that part reads as (None: no part, or not captured)."""

    @property
    def visible(self) -> bool:
        return self.reading is not None

    def rank_key(self) -> tuple:
        """Higher is better: a meeting app's window, then a picture that reads as a
        gallery, live before still (a photo contact sheet reads as a gallery too, but
        nothing in it moves), then a window over a monitor, then more participants, then
        faces."""
        r = self.reading or Reading()
        return (self.visible, self.app is not None, r.is_gallery, not r.still, self.kind == "window", r.tiles,
                r.faces, self.rect[2] * self.rect[3])

    def what(self) -> str:
        """The candidate for the user: ``"the Zoom window 'Zoom 회의'"``, ``"screen 2"``."""
        if self.kind == "monitor":
            return f"screen {self.monitor}"
        w = self.window
        title = f" {w.title!r}" if w is not None and w.title else ""
        if self.app:
            return f"the {self.app} window{title}"
        return f"the {w.wm_class or w.process or 'untitled'} window{title}" if w else "a window"

    def describe(self) -> str:
        """What its picture reads as, for the user (:meth:`Reading.describe`; a meeting
        app's window is named by its layout even where no tile grid was seen)."""
        return "minimised or off the screen" if self.reading is None else \
            self.reading.describe(meeting_app=self.app is not None)

    def why(self) -> str:
        """Why it was chosen, or what limits it, in a few words."""
        parts = []
        if self.app:
            parts.append(f"it is a {self.app} window")
        if self.reading is None:
            parts.append("minimised or off the screen" if self.kind == "window" else "not captured")
        else:
            parts.append(f"it shows {self.describe()}" if not self.reading.is_gallery
                         else f"it reads as {self.describe()}")
        return " and ".join(parts)


@dataclass(frozen=True)
class Discovery:
    """The candidates, best first, and what finding them cost.

    Attributes:
        candidates: windows and monitors, best first (:meth:`Candidate.rank_key`).
        seconds: wall-clock seconds the enumeration and the readings took.
        windows_error: why windows could not be listed (then only monitors are
            candidates), or None.
    """

    candidates: tuple[Candidate, ...]
    seconds: float = 0.0
    windows_error: str | None = None
    compared: int = field(default=0)
    """How many candidates' pictures were read."""

    @property
    def best(self) -> Candidate | None:
        """The candidate to watch: the first, when it can be seen; else None."""
        return self.candidates[0] if self.candidates and self.candidates[0].visible else None

    def windows(self) -> list[Candidate]:
        """The window candidates, best first (their numbers for ``window=N`` are 1, 2, ...)."""
        return [c for c in self.candidates if c.kind == "window"]


def rank(candidates: Sequence[Candidate]) -> list[Candidate]:
    """The candidates best first (see :meth:`Candidate.rank_key`); ties keep their order."""
    return sorted(candidates, key=lambda c: c.rank_key(), reverse=True)


def _grab(sct, rect: Rect) -> np.ndarray:
    x, y, w, h = rect
    shot = sct.grab({"left": x, "top": y, "width": w, "height": h})
    return cv2.cvtColor(np.asarray(shot), cv2.COLOR_BGRA2BGR)


def discover(read: Callable[[np.ndarray], GalleryResult] | None = None, *,
             windows: Sequence[WindowInfo] | None = None,
             parts: Mapping[str, Sequence[float]] | None = None) -> Discovery:
    """Every window and monitor that may show the meeting, read once and ranked.

    Args:
        read: reads one picture (BGR) into a gallery result; default: a
            :class:`~classmood.detectors.gallery.GalleryPerception` (the pipeline's own
            perception, no expression model), opened and closed here.
        windows: the desktop's windows; default: :func:`list_windows` (this process's
            own windows, e.g. the overlay, are left out).
        parts: per meeting app, the part of its window the teacher picked last
            (fractions ``(fx, fy, fw, fh)``, :func:`~classmood.agent.choices.recalled_parts`):
            that part of the same capture is read too (:attr:`Candidate.part_reading`;
            the ranking goes by the whole window).

    Returns:
        The :class:`Discovery`: candidates best first, what it cost in seconds.

    Raises:
        InputError: there is no screen to capture (no display, Wayland).
    """
    t0 = time.perf_counter()
    monitors = list_monitors()
    error = None
    if windows is None:
        from ..errors import InputError

        try:
            windows = list_windows(monitors)
        except InputError as exc:
            windows, error = [], str(exc)
    me = os.getpid()
    screen = _union([r for _, r in monitors])
    cands: list[Candidate] = []
    for w in windows:
        if w.pid == me or w.rect[2] < MIN_WINDOW[0] or w.rect[3] < MIN_WINDOW[1]:
            continue
        cands.append(Candidate("window", w.rect, window=w, monitor=w.monitor, app=meeting_app(w)))
    # the largest windows, meeting apps' first, are read; the rest are listed unread
    cands.sort(key=lambda c: (c.app is not None, c.rect[2] * c.rect[3]), reverse=True)
    cands += [Candidate("monitor", r, monitor=n) for n, r in monitors]
    own = read is None
    if own:
        from ..detectors.gallery import GalleryPerception

        perception = GalleryPerception(still_photos=False)
        read = perception.analyze
    read_ = 0
    out = []
    # the content decides only where no meeting app's window can be seen: then the ones
    # that read as a gallery are captured twice, to tell live video from a picture
    by_content = not any(c.app is not None and c.window is not None and c.window.visible for c in cands)
    firsts: dict[int, tuple[Rect, np.ndarray]] = {}
    last_grab = 0.0
    try:
        sct = open_mss()
        try:
            for i, c in enumerate(cands):
                part = clip_rect(c.rect, screen)
                hidden = c.window is not None and not c.window.visible
                if part is None or hidden or (c.kind == "window" and i >= MAX_WINDOWS):
                    out.append(c)
                    continue
                image = _grab(sct, part)
                grabbed = time.perf_counter()
                reading = Reading.of(read(image))
                read_ += 1
                picked = picked_reading = None
                fractions = (parts or {}).get(c.app) if c.app and c.window is not None else None
                if fractions is not None:
                    picked = clip_rect(part_of(c.window.rect, fractions), part)
                    if picked is not None:
                        x, y, w, h = picked
                        crop = np.ascontiguousarray(image[y - part[1]:y - part[1] + h, x - part[0]:x - part[0] + w])
                        picked_reading = Reading.of(read(crop))
                if by_content and reading.is_gallery:
                    firsts[len(out)] = (part, image)
                    last_grab = grabbed
                out.append(Candidate(c.kind, part, window=c.window, monitor=c.monitor, app=c.app,
                                     reading=reading, part=picked, part_reading=picked_reading))
            if firsts:
                time.sleep(max(0.0, STILL_WAIT_S - (time.perf_counter() - last_grab)))
                for k, (part, image) in firsts.items():
                    c = out[k]
                    out[k] = replace(c, reading=replace(c.reading, still=is_still(image, _grab(sct, part))))
        finally:
            sct.close()
    finally:
        if own:
            perception.close()
    return Discovery(tuple(rank(out)), seconds=time.perf_counter() - t0, windows_error=error, compared=read_)


def _union(rects: Sequence[Rect]) -> Rect:
    x0 = min(r[0] for r in rects)
    y0 = min(r[1] for r in rects)
    x1 = max(r[0] + r[2] for r in rects)
    y1 = max(r[1] + r[3] for r in rects)
    return (x0, y0, x1 - x0, y1 - y0)


def listing(d: Discovery) -> list[str]:
    """The candidates for the user, one line each, numbered as ``window=N`` takes them;
    monitors by their own number (``monitor=N``)."""
    lines = []
    n = 0
    for c in d.candidates:
        if c.kind == "window":
            n += 1
            tag = f"window {n}"
        else:
            tag = f"monitor {c.monitor}"
        where = format_rect(c.rect)
        if c.kind == "window" and c.monitor:
            where += f", screen {c.monitor}"
        found = c.describe()
        what = []
        if c.app:
            what.append(f"{c.app}:")
        if c.window is not None:
            if c.window.title:
                what.append(repr(c.window.title))
            what.append(f"[{c.window.wm_class or c.window.process or '?'}]")
        what.append(f"({where})")
        lines.append(f"{tag:>10}  {' '.join(what)}: {found}")
    return lines
