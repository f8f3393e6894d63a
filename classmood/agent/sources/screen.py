"""Frames captured from the screen: a monitor, a region of the virtual screen, or the
meeting window followed by its title."""

from __future__ import annotations

import logging
import os
import sys
import time
from dataclasses import replace
from typing import Callable, Iterator, Sequence

import cv2
import numpy as np

from ...display import (
    WAYLAND_MESSAGE,
    Rect,
    clip_rect,
    format_rect,
    monitor_listing,
    monitor_rect,
    one_line,
    open_mss,
    wayland_session,
)
from ...errors import InputError
from ...types import Frame
from .base import Source, check_fps, paced
from .meeting import meeting_app, window_name
from .window_lookup import find_window
from .windows import WindowInfo, geometry_reader, get_window, list_windows, part_of

log = logging.getLogger(__name__)


def parse_region(text: str) -> Rect:
    """A region of the screen written as text.

    Args:
        text: ``"X,Y,W,H"`` in whole virtual-screen pixels (X and Y may be negative,
            spaces around the numbers are allowed), e.g. ``"0,0,1280,720"``.

    Returns:
        ``(x, y, w, h)`` as ints.

    Raises:
        InputError: not four whole numbers, or a width or height not above 0
            (``option="region"``).
    """
    return check_region(str(text).split(","), shown=repr(text))


def check_region(region, shown: str | None = None) -> Rect:
    """A region ``(x, y, w, h)`` as whole pixels, checked: four whole numbers (ints or
    their text), width and height above 0. The one check for text and tuples alike.

    Args:
        region: four values ``x, y, w, h``.
        shown: how to show the region in the message (default: ``repr(region)``).

    Returns:
        ``(x, y, w, h)`` as ints.

    Raises:
        InputError: not four whole numbers, or a width or height not above 0
            (``option="region"``).
    """
    shown = repr(region) if shown is None else shown
    try:
        parts = [p.strip() if isinstance(p, str) else p for p in region]
        if len(parts) != 4 or any(isinstance(p, float) and not p.is_integer() for p in parts):
            raise ValueError
        x, y, w, h = (int(p) for p in parts)
    except (TypeError, ValueError):
        raise InputError(f"region {shown}: expected X,Y,W,H in whole pixels, e.g. 0,0,1280,720",
                         option="region") from None
    if w <= 0 or h <= 0:
        raise InputError(f"region {shown}: width and height must be above 0, e.g. 0,0,1280,720",
                         option="region")
    return (x, y, w, h)


def _check_part(part) -> tuple[float, float, float, float]:
    """A part of a window as fractions ``(fx, fy, fw, fh)`` of its size, checked: four
    numbers, the part's top-left inside the window and its size above 0 and at most 1.

    Raises:
        InputError: anything else (``option="window"``).
    """
    try:
        fx, fy, fw, fh = (float(v) for v in part)
    except (TypeError, ValueError):
        raise InputError(f"window part {part!r}: expected four fractions of the window, e.g. 0.1,0.1,0.8,0.8",
                         option="window") from None
    if not (0 <= fx < 1 and 0 <= fy < 1 and 0 < fw <= 1 and 0 < fh <= 1):
        raise InputError(f"window part {part!r}: fractions of the window between 0 and 1, e.g. 0.1,0.1,0.8,0.8",
                         option="window")
    return fx, fy, fw, fh


def covered_in_frame(covers: Sequence[Rect], rect: Rect) -> tuple[Rect, ...]:
    """Where other windows lie over a capture, in the frame's own pixels.

    Args:
        covers: the covering windows' rectangles ``(x, y, w, h)`` on the virtual screen
            (whole windows; parts outside the capture are cut off here).
        rect: the captured rectangle on the virtual screen (the followed window, or the
            part of it the teacher picked), whose top-left is the frame's pixel (0, 0).

    Returns:
        Each cover's part inside ``rect`` as ``(x, y, w, h)`` relative to ``rect``'s
        top-left, in the order given, without repeats (a cover outside ``rect`` gives
        nothing): :attr:`Frame.covered <classmood.types.Frame.covered>`.
    """
    out: list[Rect] = []
    for c in covers:
        part = clip_rect(tuple(int(v) for v in c), rect)
        if part is None:
            continue
        r = (part[0] - rect[0], part[1] - rect[1], part[2], part[3])
        if r not in out:
            out.append(r)
    return tuple(out)


def blank_capture_message(description: str, seconds: float, *, black: bool, wayland: bool, window: bool) -> str:
    """One line for a capture that shows nothing: what, the likely causes, what to do.

    Args:
        description: what is captured (``ScreenSource.description``).
        seconds: how long it has been blank.
        black: all black (else one flat colour).
        wayland: the desktop session is Wayland (:func:`~classmood.display.wayland_session`).
        window: a window is captured (it may be minimised or on another desktop).
    """
    what = "all black" if black else "one flat colour"
    if wayland:
        why = ("this is a Wayland session, where screen capture sees only X11 apps: log in to an "
               "'X11/Xorg' session, or analyse a recording with: classmood analyze FILE")
    else:
        why = ("the meeting app may draw its video with hardware acceleration, which screen capture "
               "cannot see (turn it off in the app's video settings), "
               + ("the window may be minimised or on another desktop (bring it up), " if window else "")
               + "or the screen is locked or asleep")
    return (f"the capture of {description} has been {what} for {seconds:.0f} s, so no participant can "
            f"be seen: {why}; the analysis goes on")


def _look_of(image: np.ndarray) -> np.ndarray | None:
    """A picture's look, to tell whether two windows show the same class: its grey 64x36
    thumbnail, centred and scaled to unit length (the dot product of two is their
    correlation); None for a picture of one flat colour."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    small = cv2.resize(grey, (64, 36), interpolation=cv2.INTER_AREA).astype(np.float32)
    small -= small.mean()
    norm = float(np.linalg.norm(small))
    return None if norm < 2.0 * np.sqrt(small.size) else small / norm  # under 2 grey levels: flat


class ScreenSource(Source):
    """Frames captured from the screen with mss.

    What is captured: a monitor (default the primary one), a region ``(x, y, w, h)`` of
    the virtual screen, the window whose title contains ``window``, or the window whose
    identity is ``window_id`` (:attr:`~classmood.agent.sources.windows.WindowInfo.id`,
    e.g. the meeting found by :func:`classmood.agent.finder.discover`). A window's
    rectangle is looked up again every :attr:`WINDOW_REFRESH_S` seconds, so a window that
    moves, is resized or goes to another monitor is followed; a window followed by its
    identity is also asked where it is before and after every frame (one cheap query), so
    each frame is taken where the window is, and a frame during which it moved or changed
    size, or taken the moment its size changed (the app has not redrawn yet), is dropped:
    a picture of the wrong rectangle reads as another class; while it is minimised,
    closed or off the screen no frames come, one warning line says so and what to do,
    and capture resumes when it is back. Other apps' windows lying over a followed
    window (slides, notes, a browser; not this process's own) are looked up with each
    frame: its ``covered`` names where they lie in its pixels (the run loop shows the
    analysis those parts as last seen, so the students under them keep their tiles, ids
    and state), :attr:`covered_note` says so for the panel, and while
    :attr:`COVERED_UNSEEN` or more of the window is covered no frames come, as when it
    is minimised. A window followed by ``window_id`` that is
    closed and replaced by another window of the same meeting app (Zoom opens a new
    window when a meeting starts) is followed there when it shows the same class
    (:attr:`LIKENESS`); another window of that app showing something else (Zoom's main
    window, another meeting) is not read, and one line says so: the capture waits for
    the meeting's window.

    Frames are BGR uint8 arrays of shape (h, w, 3), taken every ``1/fps`` seconds by
    ``clock``; a slow consumer makes the source skip frames, never queue them. Each
    frame's ``origin`` is the captured rectangle's top-left on the virtual screen.

    Args:
        monitor: the monitor's number (1 = the first; 0 = all monitors together).
        region: ``(x, y, w, h)`` in virtual-screen pixels, inside the screen.
        window: part of the meeting window's title.
        window_id: the meeting window's identity (X11 window id, HWND, CGWindowID),
            followed by it whatever its title becomes.
        window_part: with ``window_id``: capture only this part of the window, as
            fractions ``(fx, fy, fw, fh)`` of its width and height (the part of the
            gallery the teacher picked), following the window as it moves and is resized.
        look_for_meeting: while what is captured is no meeting app's window (ClassMood
            started before the meeting, or while it was minimised), watch a meeting app's
            window as soon as one is on the screen (:meth:`_meeting_now`).
        fps: frames per second, above 0.
        clock: the time now in seconds (tests pass a fake clock).
        sleep: waits the given number of seconds.

    Attributes:
        rect: the captured ``(x, y, w, h)`` (a followed window's latest rectangle).
        screen: the whole virtual screen ``(x, y, w, h)``.

    Raises:
        InputError: more than one of monitor, region, window and window_id; no screen to
            capture (no display, Wayland); a monitor that does not exist, a region outside
            the screen or a window that cannot be found or is minimised (``option`` names
            the parameter).
    """

    live = True
    WINDOW_REFRESH_S = 2.0
    """How often a captured window's rectangle is looked up again (seconds)."""
    BLANK_WARNING_S = 5.0
    """A capture that stays one flat colour (black, mostly) this long is reported once, in
    one warning line saying why it may be and what to do: a meeting in progress never
    shows one colour for seconds, a capture that sees nothing does."""
    BLANK_LEVELS = 2
    """A picture whose grey levels all lie within this many of each other is blank."""
    COVERED_SHARE = 0.1
    """A followed window covered this much or more by other windows is said to be (one
    log line, and :attr:`covered_note` for the panel). Any cover, however small, is
    named in the frames' ``covered`` and not read."""
    COVERED_UNSEEN = 0.75
    """A followed window covered this much or more is not seen at all, as if minimised:
    no frames come (the time is marked as not read) and :attr:`not_seen` says so. Below
    it the visible students are read and counted and the covered ones kept as last seen;
    from it, three in four of the counted students would be as last seen, not as now
    (and no one under the cover can turn away or be flagged), so counts would describe
    the past more than the class. Slides or notes beside the meeting, the usual
    arrangement, cover up to about half of it and keep the counts; a window over all of
    a gallery but the meeting app's title and control bars (about 15-20% of its height)
    covers 80-85% and is "not visible"."""
    LIKENESS = 0.85
    """A window of the same app that replaces a closed followed window is followed only
    when its picture correlates this much with the closed one's last frame, both as 64x36
    grey thumbnails (:func:`_look_of`): on 40 real and synthetic screenshots, a gallery
    against itself scaled, with noise and shifted by 1% scores 0.915 or more, two
    different screens 0.75 or less (one pair of the same meeting's screens 0.97)."""
    MEETING_LOOK_S = 5.0
    """With ``look_for_meeting``: how often the desktop's windows are listed for a meeting
    app's window that was not there when the capture started (a few ms with python-xlib)."""

    def __init__(self, monitor: int | None = None, region: tuple[int, int, int, int] | None = None,
                 window: str | None = None, fps: float = 2.0, window_id: int | None = None,
                 window_part: tuple[float, float, float, float] | None = None,
                 look_for_meeting: bool = False,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        chosen = [name for name, v in (("monitor", monitor), ("region", region), ("window", window),
                                       ("window_id", window_id)) if v is not None]
        if len(chosen) > 1:
            raise InputError(f"give one of monitor, region and window, not {' and '.join(chosen)}")
        if region is not None:
            region = check_region(region)
        self.fps = check_fps(fps)
        self._clock = clock
        self._sleep = sleep
        self._closed = False
        self._window = window
        self._window_id = None if window_id is None else int(window_id)
        self.window: WindowInfo | None = None
        """The followed window as last seen (``window_id``), else None."""
        self._window_problem: str | None = None
        self.not_seen: str | None = None
        """While the followed window cannot be seen (minimised, closed, off the screen,
        or :attr:`COVERED_UNSEEN` or more of it covered), what the teacher should know,
        for the panel, in plain words (what is wrong, that nothing is read, what to do);
        None while it is seen (partly covered: :attr:`covered_note`). Written by the
        thread that iterates the source; read from any thread."""
        self._window_part = None if window_part is None else _check_part(window_part)
        self._look_for_meeting = bool(look_for_meeting)
        self._covered_by: tuple[int, bool] | None = None  # (the largest cover, nearly all covered) as said
        self._covers: list[Rect] = []  # the covering windows' screen rectangles, at the last look
        self._covered_heavily = False
        self.covered_note: str | None = None
        """While part of the followed window (:attr:`COVERED_SHARE` or more, under
        :attr:`COVERED_UNSEEN`) is covered by another app's window, what the teacher
        should know, for the panel, in plain words: how much is covered and by what, that
        the students under it are shown as last seen until it moves while the others are
        counted, and what to do; None otherwise. Written by the thread that iterates the
        source; read from any thread."""
        self.switches = 0
        """How many times the capture moved on to something else: a meeting app's window
        that showed after it began (``look_for_meeting``), or what the teacher picked
        (:meth:`watch`): the run loop reads the picture afresh (the class goes on
        after a pick, and starts again in a meeting window that showed)."""
        self._unseen_since: float | None = None
        self._last_slot = 0.0
        self.unseen: list[tuple[float, float]] = []
        """Stretches ``(start_s, end_s)`` (seconds since the first frame) in which the
        followed window could not be seen (minimised, closed, off the screen): no frame
        was taken there. A stretch still open when the capture ends closes at its last
        slot (:meth:`close`)."""
        self._meeting_checked = float("-inf")
        self._window_title: str | None = None
        self._window_checked = 0.0
        self._window_missing = False
        self._first_checked = False
        self._blank_since: float | None = None
        self._blank_warned = False
        self._look: np.ndarray | None = None  # _look_of the last frame of a followed window
        self._unlike: set[int] = set()  # windows said not to show the lost class
        self._geometry = None  # geometry_reader(), opened at the first frame of a followed window
        self._size_seen: tuple[int, int] | None = None
        self.moving_frames = 0
        """Frames not taken because the followed window moved or changed size while they
        were captured, or had just changed size (:meth:`_window_now`)."""
        self._sct = open_mss()
        try:
            self._setup(monitor, region, window, self._window_id)
        except BaseException:
            self._sct.close()
            raise

    def _setup(self, monitor, region, window, window_id) -> None:
        """Choose the rectangle to capture and describe it."""
        monitors = self._sct.monitors
        self.screen: Rect = monitor_rect(monitors[0])
        if window_id is not None:
            info = get_window(window_id, self._monitors())
            if info is None:
                raise InputError(f"window {window_id} does not exist (it was closed); list the windows "
                                 "again and choose one that is open", option="window")
            rect = clip_rect(self._part_of(info.rect), self.screen) if info.visible else None
            if rect is None:
                raise InputError(f"{window_name(info)} is {'minimised' if not info.visible else 'off the screen'}; "
                                 "bring it up on the screen, then start again", option="window")
            self.window, self.rect = info, rect
            self.description = f"{window_name(info)} ({format_rect(rect)})"
            return
        if region is not None:
            rect = region  # checked by check_region before the screen was opened
            if clip_rect(rect, self.screen) != rect:
                extra = f"; monitors: {monitor_listing(monitors)}" if len(monitors) > 2 else ""
                raise InputError(
                    f"region {','.join(map(str, rect))} is not inside the screen (the screen is "
                    f"{format_rect(self.screen)}{extra}); give X,Y,W,H inside it", option="region"
                )
            self.rect: Rect = rect
            self.description = f"screen region {format_rect(rect)}"
        elif window is not None:
            self._window_title, self.rect = find_window(window, self.screen)
            self.description = f"window {self._window_title!r} ({format_rect(self.rect)})"
        else:
            if monitor is None:
                primary = self._sct.primary_monitor
                number = next((i for i, m in enumerate(monitors) if i > 0 and m == primary), 1)
            else:
                try:
                    number = int(str(monitor).strip())
                except ValueError:
                    number = -1
                if not 0 <= number < len(monitors):
                    raise InputError(f"monitor {monitor} does not exist; monitors: {monitor_listing(monitors)}",
                                     option="monitor")
            self.monitor = number
            self.rect = monitor_rect(monitors[number])
            name = "all screens" if number == 0 else f"screen {number}"
            self.description = f"{name} ({format_rect(self.rect)})"

    def watch(self, *, region: Rect | None = None, window_id: int | None = None,
              window_part: tuple[float, float, float, float] | None = None) -> None:
        """Watch something else from the next frame on: a rectangle the teacher picked in
        the panel (:class:`~classmood.agent.choices.Pick`'s ``watch_options``). The
        picture is read afresh there: :attr:`switches` goes up (the run loop's
        :meth:`Pipeline.new_view <classmood.agent.pipeline.Pipeline.new_view>`: the class
        and what was recorded go on), and no meeting window is looked for any more (the
        teacher chose). Call it from the thread that iterates the source.

        Args:
            region: a fixed ``(x, y, w, h)`` of the virtual screen, inside it.
            window_id: a window to follow (by its identity) instead ...
            window_part: ... or only this part of it (fractions of its size).

        Raises:
            InputError: neither or both of ``region`` and ``window_id``; a region outside
                the screen; a window that is closed, minimised or off the screen (what
                was watched before is kept then).
        """
        if (region is None) == (window_id is None):
            raise InputError("give a region or a window to watch, one of them", option="region")
        part = None if window_part is None else _check_part(window_part)
        if region is not None:
            rect = check_region(region)
            if clip_rect(rect, self.screen) != rect:
                raise InputError(f"region {','.join(map(str, rect))} is not inside the screen (the screen is "
                                 f"{format_rect(self.screen)}); pick a rectangle on the screen", option="region")
            info, description = None, f"screen region {format_rect(rect)}"
        else:
            info = get_window(int(window_id), self._monitors())
            if info is None or not info.visible:
                raise InputError(f"{'the window is closed' if info is None else window_name(info) + ' is minimised'}; "
                                 "bring the meeting up, then pick again", option="window")
            rect = clip_rect(part_of(info.rect, part), self.screen)
            if rect is None:
                raise InputError(f"{window_name(info)} is off the screen; move it onto a monitor, then "
                                 "pick again", option="window")
            description = f"{window_name(info)} ({format_rect(rect)})"
        self._window, self._window_title = None, None
        self._window_id = None if info is None else info.id
        self.window, self._window_part, self.rect, self.description = info, part, rect, description
        self._window_missing, self._window_problem, self._covered_by = False, None, None
        self._covers, self._covered_heavily, self.covered_note = [], False, None
        self.not_seen = None
        self._window_checked = self._clock()
        self._look_for_meeting = False
        self.switches += 1
        log.debug("watching %s from now on (the picture is read afresh there)", description)

    def unseen_stretches(self) -> list[tuple[float, float]]:
        """:attr:`unseen`, with a stretch still open now closed at the last frame slot."""
        out = list(self.unseen)
        if self._unseen_since is not None and self._last_slot > self._unseen_since:
            out.append((self._unseen_since, self._last_slot))
        return out

    @property
    def stored_as(self) -> str:
        """The description without a window's title: ``"window zoom (960x600 at 20,20)"``."""
        if self._window_id is not None or self._window is not None:
            what = (self.window.wm_class or self.window.process) if self.window is not None else ""
            return f"window {what} ({format_rect(self.rect)})" if what else f"window ({format_rect(self.rect)})"
        return self.description

    def _part_of(self, rect: Rect) -> Rect:
        """The captured part of a window at ``rect``: all of it, or ``window_part`` of it
        (fractions of its size; clipped to the window)."""
        return part_of(rect, self._window_part)

    def _monitors(self) -> list[tuple[int, Rect]]:
        return [(i, monitor_rect(m)) for i, m in enumerate(self._sct.monitors) if i > 0]

    def _largest_window(self, keep: Callable[[WindowInfo], bool],
                        windows: list[WindowInfo] | None = None) -> WindowInfo | None:
        """The largest visible window for which ``keep`` is true, among ``windows`` (one
        enumeration shared by the caller; default: listed now); None (also when the
        windows cannot be listed now)."""
        if windows is None:
            try:
                windows = list_windows(self._monitors())
            except InputError:
                return None
        found = [w for w in windows if w.visible and keep(w)]
        return max(found, key=lambda w: w.area, default=None)

    def _replacement(self, gone: WindowInfo, windows: list[WindowInfo]) -> WindowInfo | None:
        """The largest visible window of the same meeting app (or, for no known app, of the
        same class and process) as the closed window ``gone``, among ``windows``; None."""
        app = meeting_app(gone)
        return self._largest_window(
            lambda w: (w.id, w.pid) != (gone.id, gone.pid)
            and (meeting_app(w) == app if app else (w.wm_class, w.process) == (gone.wm_class, gone.process)),
            windows)

    def _reads_like_lost(self, other: WindowInfo) -> bool:
        """Whether another window of the closed window's app shows the same picture as
        the closed one did in its last frame (:data:`LIKENESS`, on a small grey copy: the
        gallery's layout, its tiles' places and brightness): Zoom reopening the meeting's
        window, not its main window or another meeting. One line for each window that
        does not (the class is not merged with another one: the capture waits for the
        meeting's window); a window that shows nothing yet (one flat colour) is looked at
        again at the next check, silently."""
        if self._look is None:
            return True  # nothing was seen of the lost one to compare with
        rect = clip_rect(self._part_of(other.rect), self.screen)
        if rect is None:
            return False
        x, y, w, h = rect
        try:
            shot = np.asarray(self._sct.grab({"left": x, "top": y, "width": w, "height": h}))
        except Exception:  # noqa: BLE001 - mss.ScreenShotError: gone meanwhile
            return False
        look = _look_of(cv2.cvtColor(shot, cv2.COLOR_BGRA2BGR))
        if look is None:
            return False  # not drawn yet
        if float((look * self._look).sum()) >= self.LIKENESS:
            return True
        if other.id not in self._unlike:
            self._unlike.add(other.id)
            log.info("%s (%s) is open, but it does not show the class that was watched, so it is not read: "
                     "ClassMood waits for the meeting's window to come back (to watch the other one, stop with "
                     "Ctrl+C and run again)", window_name(other), format_rect(other.rect))
        return False

    def _follow_window_id(self) -> bool:
        """Look the followed window up again by its id; False while it cannot be seen
        (one warning line for each new reason, one line when it is back). The desktop's
        windows are listed once per check, and that one list serves finding the window,
        a replacement for it when it closed and what covers it (the window alone is
        asked for only when it is not in the list: hidden by its app, or closed)."""
        last = self.window
        windows: list[WindowInfo] = []
        try:
            windows = list_windows(self._monitors())
            info = next((w for w in windows if w.id == self._window_id), None)
            if info is None:  # withdrawn by its app (no longer in the window manager's list), or closed
                info = get_window(self._window_id, self._monitors())
        except InputError as exc:  # the display went away
            info, problem = None, str(exc)
        else:
            problem = None
        if info is not None and last is not None and (info.pid, info.wm_class) != (last.pid, last.wm_class):
            info = None  # closed, and X gave its id to a new window (of another process)
        replaced = False
        if info is None and problem is None:
            info = self._replacement(last, windows)
            if info is not None and not self._reads_like_lost(info):
                info = None
            if info is not None:
                log.info("%s was closed; the same class shows in %s at %s: watching it there",
                         window_name(last), window_name(info), format_rect(info.rect))
                self._window_id, replaced = info.id, True
            else:
                problem = (f"{window_name(last)} was closed, so no participant can be seen; reopen the "
                           "meeting (ClassMood goes on and watches it again when a window of the same app "
                           "shows), or stop with Ctrl+C and run: classmood run --list")
        rect = None
        if info is not None:
            self.window = info
            if not info.visible:
                problem = (f"{window_name(info)} is minimised or hidden, so no participant can be seen; "
                           "bring it back up on the screen (the analysis goes on and resumes then)")
            else:
                rect = clip_rect(self._part_of(info.rect), self.screen)
                if rect is None:
                    problem = (f"{window_name(info)} is off the screen, so no participant can be seen; "
                               "move it back onto a monitor")
        if problem is not None:
            if problem != self._window_problem:
                log.warning(problem)
            self._window_problem = problem
            self._window_missing = True
            self._covers, self.covered_note, self._covered_heavily = [], None, False
            self.not_seen = self._panel_words(info, last)
            return False
        hidden_by_cover = self._window_missing and self._covered_heavily  # (said by the cover's lines)
        self.not_seen = None
        self.rect = rect
        heavy = self._check_covered(info, rect, windows)
        # (a replacement was said just now; a cover says itself)
        if self._window_missing and not replaced and not hidden_by_cover and not heavy:
            log.info("%s is back at %s; analysing it again", window_name(info), format_rect(rect))
        elif last is not None and info.monitor and last.monitor and info.monitor != last.monitor:
            log.info("%s moved to screen %d", window_name(info), info.monitor)
        self._window_problem = None
        self._window_missing = heavy  # nearly all covered: no frames, as while minimised
        return not heavy

    def _panel_words(self, info: WindowInfo | None, last: WindowInfo | None) -> str:
        """:attr:`not_seen` for a followed window that is closed (``info`` None),
        minimised or off the screen."""
        app = meeting_app(info or last) if (info or last) is not None else None
        what = f"The {app} window" if app else "The meeting window"
        if info is None:
            return (f"{what} was closed: no one can be seen, and nothing is counted now. Reopen the meeting: "
                    "ClassMood watches it again when it shows.")
        if not info.visible:
            return (f"{what} is minimised or hidden: no one can be seen, and nothing is counted now. "
                    "Bring it back up on the screen: the analysis goes on by itself.")
        return (f"{what} is off the screen: no one can be seen, and nothing is counted now. "
                "Move it back onto a monitor.")

    def _check_covered(self, info: WindowInfo, rect: Rect, windows: list[WindowInfo]) -> bool:
        """Find the other windows (above the followed one in the stacking order, not this
        process's own: the overlay, masked by the run loop itself) that lie over what is
        captured of it: their rectangles go with every frame until the next check
        (:func:`covered_in_frame`), so the analysis never reads them. One warning line
        when they cover :attr:`COVERED_SHARE` or more, naming the largest (again when the
        largest changes, or the cover passes :attr:`COVERED_UNSEEN` either way), and one
        line when it is clear again; :attr:`covered_note` (partly covered) or
        :attr:`not_seen` (nearly all) say it for the panel.
        ``windows``: the desktop's windows as listed for this check.

        Returns:
            True when :attr:`COVERED_UNSEEN` or more is covered: nothing is read then.
        """
        ids = [w.id for w in windows]
        above = windows[ids.index(info.id) + 1:] if info.id in ids else []
        x, y, w, h = rect
        covered = np.zeros((max(1, h // 8), max(1, w // 8)), bool)  # on an 8 px grid: cheap, enough
        biggest, most = None, 0
        covers: list[Rect] = []
        for o in above:
            if not o.visible or o.pid == os.getpid():
                continue
            part = clip_rect(o.rect, rect)
            if part is None:
                continue
            covers.append(o.rect)
            px, py, pw, ph = part
            covered[(py - y) // 8:(py - y + ph + 7) // 8, (px - x) // 8:(px - x + pw + 7) // 8] = True
            if pw * ph > most:
                biggest, most = o, pw * ph
        self._covers = covers
        share = float(covered.mean())
        heavy = share >= self.COVERED_UNSEEN and biggest is not None
        if share >= self.COVERED_SHARE and biggest is not None:
            pct = round(100 * share)
            if self._covered_by != (biggest.id, heavy):
                if heavy:
                    log.warning("%s is %d%% covered by %s, so almost none of the class can be seen: nothing is "
                                "read until it is uncovered (that time is marked as not read); bring the meeting "
                                "to the front or move the other window away", window_name(info), pct,
                                biggest.label())
                else:
                    log.warning("%s is %d%% covered by %s: the students under it are not read, and are kept as "
                                "last seen until it moves (the others are read as usual); bring the meeting to "
                                "the front or move the other window away", window_name(info), pct, biggest.label())
            self._covered_by = (biggest.id, heavy)
            app = meeting_app(info)
            what = f"The {app + ' ' if app else 'meeting '}window is {pct}% covered by {biggest.label()}"
            if heavy:
                self.covered_note = None
                self.not_seen = (f"{what}: almost no one can be seen, and nothing is counted now. Bring the meeting "
                                 "to the front, or move the other window away.")
            else:
                self.covered_note = (f"{what}: the students under it cannot be seen and are shown as last seen "
                                     "until it moves; the others are counted as usual. Bring the meeting to the "
                                     "front, or move the other window away.")
        else:
            if self._covered_by is not None:
                log.info("%s is no longer covered", window_name(info))
            self._covered_by = None
            self.covered_note = None
        self._covered_heavily = heavy
        return heavy

    def _cover_now(self) -> bool:
        """What covers a followed window now, looked up just after each picture of it (one
        listing of the desktop's windows, a few ms), so that a window opened over the
        meeting is masked from the first frame that shows it, not up to
        :attr:`WINDOW_REFRESH_S` later at the next full check (a frame read unmasked
        makes the other window's pixels the students' "last seen" ones, and the gallery
        is re-fitted to it: a window mapped between a look before the picture and the
        picture was read so). False when it is now nearly all covered (no frame, as at a
        full check)."""
        try:
            windows = list_windows(self._monitors())
        except InputError:  # the display went away: the next full check says so
            return True
        if self.window is None or all(w.id != self._window_id for w in windows):
            return True  # hidden or closed meanwhile: the next full check says so
        if self._check_covered(self.window, self.rect, windows):
            self._window_missing = True
            return False
        return True

    def _follow_window(self) -> bool:
        """Look the window up again when due; False while it cannot be seen."""
        now = self._clock()
        if now - self._window_checked < self.WINDOW_REFRESH_S:
            return not self._window_missing
        self._window_checked = now
        if self._window_id is not None:
            return self._follow_window_id()
        try:
            title, rect = find_window(self._window, self.screen)
        except InputError as exc:
            if not self._window_missing:
                log.warning("%s; waiting for it to come back", exc)
            self._window_missing = True
            self.not_seen = ("The meeting window cannot be seen (minimised or closed): no one can be seen, and "
                             "nothing is counted now. Bring it back up on the screen.")
            return False
        if self._window_missing:
            log.info("window %r is back at %s", title, format_rect(rect))
        self._window_missing = False
        self.not_seen = None
        self._window_title, self.rect = title, rect
        return True

    def grab(self) -> np.ndarray:
        """One picture of the captured rectangle, now.

        Returns:
            BGR uint8 pixels of shape (h, w, 3) for ``rect``'s ``(x, y, w, h)``.

        Raises:
            InputError: the capture failed (the screen or window is gone), or the first
                picture is all black on a Wayland desktop (XWayland shows only X11 apps).
        """
        x, y, w, h = self.rect
        try:
            shot = self._sct.grab({"left": x, "top": y, "width": w, "height": h})
        except Exception as exc:  # mss.ScreenShotError and X protocol errors
            raise InputError(f"screen capture of {self.description} failed ({one_line(exc)}); "
                             "check that the screen or window is still there") from None
        image = cv2.cvtColor(np.asarray(shot), cv2.COLOR_BGRA2BGR)
        if not self._first_checked:
            self._first_checked = True
            # On a Wayland desktop an XWayland DISPLAY may exist, but it shows only black.
            if (sys.platform.startswith("linux") and wayland_session() and self._window is None
                    and self._window_id is None and not image.any()):
                raise InputError(WAYLAND_MESSAGE)
        return image

    def _window_now(self) -> Rect | None:
        """The followed window's rectangle now (one cheap query per call), with
        :attr:`rect` moved to it: each frame is taken where the window is, not where the
        last full check (every :attr:`WINDOW_REFRESH_S`) saw it. None when no frame should
        be taken now: the window is gone or hidden (the next full check says so), off the
        screen, or its size changed since the last frame (the meeting app redraws its
        gallery at the new size a moment later; until then the window shows the old
        picture, cut or on a blank background)."""
        if self._geometry is None:
            try:
                self._geometry = geometry_reader()
            except InputError:
                return self.window.rect if self.window is not None else None
        r = self._geometry.rect(self._window_id)
        if r is None or self.window is None:
            return None
        if r != self.window.rect:
            rect = clip_rect(self._part_of(r), self.screen)
            if rect is None:
                return None
            self.window = replace(self.window, rect=r)
            self.rect = rect
        resized = self._size_seen is not None and r[2:] != self._size_seen
        self._size_seen = r[2:]
        return None if resized else r

    def _meeting_now(self) -> None:
        """With ``look_for_meeting``, every :attr:`MEETING_LOOK_S` seconds: a visible
        meeting app's window (:func:`~classmood.agent.sources.meeting.meeting_app`) is
        watched from now on, instead of what was chosen before the meeting started (a
        monitor, a window read by its content), with one line saying so."""
        now = self._clock()
        if now - self._meeting_checked < self.MEETING_LOOK_S:
            return
        self._meeting_checked = now
        if self.window is not None and meeting_app(self.window):
            self._look_for_meeting = False  # following a meeting's window already
            return
        w = self._largest_window(
            lambda w: meeting_app(w) is not None and clip_rect(w.rect, self.screen) is not None)
        if w is None:
            return
        before = self.description
        self._window, self._window_id, self.window = None, w.id, w
        self._window_missing, self._window_problem, self._window_checked = False, None, now
        self._covered_by, self._covers, self._covered_heavily, self.covered_note = None, [], False, None
        self.not_seen = None
        self.rect = clip_rect(self._part_of(w.rect), self.screen)
        self.description = f"{window_name(w)} ({format_rect(self.rect)})"
        self._look_for_meeting = False
        self.switches += 1
        log.info("%s is on the screen now: watching it instead of %s (the class is read from here; what was "
                 "read before is forgotten)", window_name(w), before)

    def _grab_frame(self, timestamp: float, index: int) -> Frame | None:
        """The frame for one paced slot (None while a followed window cannot be seen)."""
        if self._look_for_meeting:
            self._meeting_now()
        self._last_slot = timestamp
        if self._window is not None or self._window_id is not None:
            if not self._follow_window():
                if self._unseen_since is None:
                    self._unseen_since = timestamp
                return None
        if self._unseen_since is not None:
            self.unseen.append((self._unseen_since, timestamp))
            self._unseen_since = None
            self._blank_since = None  # the time it could not be seen is no blank capture
        before = self._window_now() if self._window_id is not None else None
        if self._window_id is not None and before is None:
            self.moving_frames += 1
            return None
        covers = list(self._covers)  # what covered it at the last look (the last frame, or a full check)
        image = self.grab()
        if self._window_id is not None and self._window_now() != before:
            self.moving_frames += 1  # moved or resized while it was captured: a mix of two places
            return None
        if self._window_id is not None:
            # and what covers it now: a window mapped over it since the last look is in the
            # picture too (its pixels must not become the students' "last seen" ones)
            if not self._cover_now():
                return None  # nearly all covered now: no frame (the next slot says so)
            covers += [c for c in self._covers if c not in covers]
        self._check_blank(image, timestamp)
        if self._window_id is not None:
            self._look = _look_of(image) if image.size else None
        covered = covered_in_frame(covers, self.rect) if self._window_id is not None else ()
        return Frame(image=image, timestamp=timestamp, index=index, origin=(self.rect[0], self.rect[1]),
                     covered=covered)

    def _check_blank(self, image: np.ndarray, timestamp: float) -> None:
        """Warn once when the capture has stayed one flat colour for ``BLANK_WARNING_S``."""
        small = image[:: max(1, image.shape[0] // 64), :: max(1, image.shape[1] // 64)]
        if int(small.max()) - int(small.min()) > self.BLANK_LEVELS:
            self._blank_since = None
            return
        if self._blank_since is None:
            self._blank_since = timestamp
        elif timestamp - self._blank_since >= self.BLANK_WARNING_S and not self._blank_warned:
            self._blank_warned = True
            log.warning(blank_capture_message(self.description, timestamp - self._blank_since,
                                              black=int(small.max()) <= self.BLANK_LEVELS,
                                              wayland=wayland_session(),
                                              window=self._window is not None or self._window_id is not None))

    def __iter__(self) -> Iterator[Frame]:
        if self._closed:
            raise InputError(f"{self.description}: the source is closed; open a new one")
        self._window_checked = self._clock()  # the rectangle was just looked up
        return paced(self.fps, self._clock, self._sleep, self._grab_frame, lambda: self._closed or self._interrupted)

    def close(self) -> None:
        """Disconnect from the screen (safe to call more than once)."""
        if not self._closed:
            self._closed = True
            self._sct.close()
            if self._geometry is not None:
                self._geometry.close()
