"""Where the agent's frames come from: the screen (a monitor, a region or a window),
a recorded video, a list of screenshots, or a webcam.

Every source is an iterable of :class:`~classmood.types.Frame` and a context manager::

    with open_source(monitor=1, fps=2) as src:      # or paths=["class.mp4"], webcam=0, ...
        print(src.description)
        for frame in src:
            result = pipeline.process(frame.image, timestamp=frame.timestamp)

Live sources (screen, webcam) are paced by the wall clock at ``fps``: when the consumer
is slower than that, frames are skipped, never queued, so the agent always looks at
the present. Files are read as fast as the consumer takes them.

Anything the user can get wrong (a missing file, no X display, a Wayland session, a
monitor that does not exist, a window that cannot be found) raises
:class:`~classmood.errors.InputError` with one line: what, where, what to do.
"""

from __future__ import annotations

import logging
import math
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import cv2
import numpy as np

from .._native import quiet_native_stderr
from ..errors import InputError
from ..io import as_bgr, check_file, load_image
from ..types import Frame

log = logging.getLogger(__name__)

Rect = tuple[int, int, int, int]
"""``(x, y, w, h)`` in virtual-screen pixels."""

VIDEO_EXTENSIONS = frozenset(
    {".mp4", ".avi", ".mkv", ".mov", ".webm", ".m4v", ".wmv", ".flv", ".mpg", ".mpeg", ".ts"}
)
IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"})

WAYLAND_MESSAGE = (
    "screen capture is not possible on Wayland (mss reads X11 only); log in to an "
    "'X11/Xorg' session, or analyse a recording with: classmood analyze FILE"
)
NO_DISPLAY_MESSAGE = (
    "no screen to capture: DISPLAY is not set (no X11 desktop here, e.g. an SSH session or "
    "a server); run from a desktop session, start a virtual one (Xvfb :99 & export "
    "DISPLAY=:99), or analyse a recording with: classmood analyze FILE"
)


# --------------------------------------------------------------------------- base
class Source(ABC):
    """An iterable of frames that holds a device or a file open until :meth:`close`.

    ``description`` says what is read, for the user; ``live`` is True for the screen
    and the webcam (paced by the wall clock), False for files (as fast as they are
    consumed); ``duration_s`` is a video's length when known (progress bars)."""

    description: str = ""
    live: bool = False
    duration_s: float | None = None

    @abstractmethod
    def __iter__(self) -> Iterator[Frame]:
        """Frames in order; timestamps are seconds since the source started."""

    def close(self) -> None:
        """Release the device or file (safe to call more than once)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.description}>"


def _positive(value, name: str, unit: str, example: str) -> float:
    """``value`` as a finite float above 0, or one clear InputError naming ``name``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} {value!r}: not a number; give {unit}, e.g. {example}") from None
    if not math.isfinite(number) or number <= 0:
        raise InputError(f"{name} {value!r}: must be {unit} above 0, e.g. {example}")
    return number


def _check_fps(fps: float) -> float:
    return _positive(fps, "fps", "a number of frames per second", "2")


def _paced(fps: float, clock: Callable[[], float], sleep: Callable[[float], None],
           grab: Callable[[float, int], Frame | None], stopped: Callable[[], bool]) -> Iterator[Frame]:
    """Call ``grab(timestamp, index)`` on a grid of ``1/fps`` seconds and yield its frames.

    The first frame is taken at once. Between frames it sleeps until the next slot is
    due; when the consumer kept it past one or more slots, those slots are dropped and
    the frame is taken right away (skip, never queue). ``grab`` may return None (nothing
    to capture now, e.g. the window is minimised): that slot yields nothing."""
    period = 1.0 / fps
    t0 = clock()
    due = t0
    index = 0
    while not stopped():
        now = clock()
        if now < due:
            sleep(due - now)
            now = max(clock(), due)
        elif now - due >= period:  # slow consumer: drop the slots we missed
            due += math.floor((now - due) / period) * period
        if stopped():
            return
        frame = grab(max(0.0, now - t0), index)
        due += period
        if frame is not None:
            index += 1
            yield frame


# --------------------------------------------------------------------------- screen
def _wayland_session() -> bool:
    return (os.environ.get("XDG_SESSION_TYPE", "").strip().lower() == "wayland"
            or bool(os.environ.get("WAYLAND_DISPLAY", "").strip()))


def _open_mss():
    """An ``mss.MSS`` connected to the screen, or one clear InputError why not."""
    linux = sys.platform.startswith("linux")
    display = os.environ.get("DISPLAY", "").strip()
    if linux and not display:
        raise InputError(WAYLAND_MESSAGE if _wayland_session() else NO_DISPLAY_MESSAGE)
    try:
        import mss
    except ImportError:  # pragma: no cover - mss is a dependency
        raise InputError("screen capture needs the mss package; install it with: pip install mss") from None
    try:
        with quiet_native_stderr():
            sct = mss.MSS()
            monitors = sct.monitors
    except mss.ScreenShotError as exc:
        if linux and _wayland_session():
            raise InputError(WAYLAND_MESSAGE) from None
        if linux:
            raise InputError(
                f"cannot connect to the X display {display!r} (is an X server running there?); "
                "check DISPLAY, start a virtual one (Xvfb :99 & export DISPLAY=:99), or analyse "
                "a recording with: classmood analyze FILE"
            ) from None
        raise InputError(f"screen capture is not available here ({_one_line(exc)}); "
                         "analyse a recording with: classmood analyze FILE") from None
    if len(monitors) < 2:
        sct.close()
        raise InputError("screen capture found no monitor; connect a screen or analyse a "
                         "recording with: classmood analyze FILE")
    return sct


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200] or type(exc).__name__


def _rect(mon: dict) -> Rect:
    return (int(mon["left"]), int(mon["top"]), int(mon["width"]), int(mon["height"]))


def _fmt(rect: Rect) -> str:
    x, y, w, h = rect
    return f"{w}x{h} at {x},{y}"


def _monitor_listing(monitors: Sequence[dict]) -> str:
    return ", ".join(f"{i} ({_fmt(_rect(m))})" for i, m in enumerate(monitors) if i > 0)


def list_monitors() -> list[tuple[int, Rect]]:
    """The monitors mss can capture: ``(number, (x, y, w, h))``, numbered from 1
    (number 0, all monitors together, is not listed). InputError without a display."""
    sct = _open_mss()
    try:
        return [(i, _rect(m)) for i, m in enumerate(sct.monitors) if i > 0]
    finally:
        sct.close()


def _clip(rect: Rect, bounds: Rect) -> Rect | None:
    x, y, w, h = rect
    bx, by, bw, bh = bounds
    x0, y0 = max(x, bx), max(y, by)
    x1, y1 = min(x + w, bx + bw), min(y + h, by + bh)
    if x1 <= x0 or y1 <= y0:
        return None
    return (x0, y0, x1 - x0, y1 - y0)


def parse_region(text: str) -> Rect:
    """``"X,Y,W,H"`` (virtual-screen pixels; X and Y may be negative) -> a tuple of ints."""
    parts = [p.strip() for p in str(text).split(",")]
    try:
        if len(parts) != 4:
            raise ValueError
        x, y, w, h = (int(p) for p in parts)
    except ValueError:
        raise InputError(
            f"region {text!r}: expected X,Y,W,H in whole pixels, e.g. --region 0,0,1280,720"
        ) from None
    if w <= 0 or h <= 0:
        raise InputError(f"region {text!r}: width and height must be above 0, e.g. --region 0,0,1280,720")
    return (x, y, w, h)


# ----- finding a window by its title
def _ere_escape(text: str) -> str:
    """Escape a literal for a POSIX extended regex (xdotool search --name)."""
    return re.sub(r"([.\[\]()*+?{}|^$\\])", r"\\\1", text)


def _x11_windows(title: str) -> list[tuple[str, Rect]]:
    exe = shutil.which("xdotool")
    if exe is None:
        raise InputError(
            "finding a window by its title needs xdotool on Linux; install it (sudo apt install "
            "xdotool), or capture a --region X,Y,W,H or a --monitor N instead"
        )

    def run(*args: str) -> str:
        try:
            res = subprocess.run([exe, *args], capture_output=True, text=True, timeout=5,
                                 errors="replace")
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return res.stdout if res.returncode == 0 else ""

    found = []
    for wid in run("search", "--onlyvisible", "--name", _ere_escape(title)).split():
        if not wid.isdigit():
            continue
        geo = dict(line.split("=", 1) for line in run("getwindowgeometry", "--shell", wid).splitlines()
                   if "=" in line)
        try:
            rect = (int(geo["X"]), int(geo["Y"]), int(geo["WIDTH"]), int(geo["HEIGHT"]))
        except (KeyError, ValueError):
            continue
        found.append((run("getwindowname", wid).strip() or title, rect))
    return found


def _win32_windows(title: str) -> list[tuple[str, Rect]]:  # pragma: no cover - Windows only
    import ctypes
    from ctypes import wintypes

    user32 = ctypes.WinDLL("user32", use_last_error=True)
    proc_type = ctypes.WINFUNCTYPE(wintypes.BOOL, wintypes.HWND, wintypes.LPARAM)
    user32.EnumWindows.argtypes = [proc_type, wintypes.LPARAM]
    for fn in (user32.IsWindowVisible, user32.IsIconic, user32.GetWindowTextLengthW):
        fn.argtypes = [wintypes.HWND]
    user32.GetWindowTextW.argtypes = [wintypes.HWND, wintypes.LPWSTR, ctypes.c_int]
    user32.GetWindowRect.argtypes = [wintypes.HWND, ctypes.POINTER(wintypes.RECT)]
    try:
        dwm = ctypes.WinDLL("dwmapi").DwmGetWindowAttribute
        dwm.argtypes = [wintypes.HWND, wintypes.DWORD, ctypes.c_void_p, wintypes.DWORD]
        dwm.restype = ctypes.c_long
    except (OSError, AttributeError):
        dwm = None
    needle = title.lower()
    found: list[tuple[str, Rect]] = []

    def visit(hwnd, _lparam):
        if not user32.IsWindowVisible(hwnd) or user32.IsIconic(hwnd):
            return True
        n = user32.GetWindowTextLengthW(hwnd)
        if n <= 0:
            return True
        buf = ctypes.create_unicode_buffer(n + 1)
        user32.GetWindowTextW(hwnd, buf, n + 1)
        if needle not in buf.value.lower():
            return True
        cloaked = wintypes.DWORD(0)  # 14 = DWMWA_CLOAKED: "visible" but hidden by the shell
        if dwm is not None and dwm(hwnd, 14, ctypes.byref(cloaked), ctypes.sizeof(cloaked)) == 0 and cloaked.value:
            return True
        rc = wintypes.RECT()
        # 9 = DWMWA_EXTENDED_FRAME_BOUNDS: the visible frame, without the invisible resize
        # borders GetWindowRect includes (physical pixels: mss made the process DPI-aware)
        if dwm is None or dwm(hwnd, 9, ctypes.byref(rc), ctypes.sizeof(rc)) != 0:
            user32.GetWindowRect(hwnd, ctypes.byref(rc))
        found.append((buf.value, (rc.left, rc.top, rc.right - rc.left, rc.bottom - rc.top)))
        return True

    user32.EnumWindows(proc_type(visit), 0)
    return found


def _mac_windows(title: str) -> list[tuple[str, Rect]]:  # pragma: no cover - macOS only
    try:
        import Quartz
    except ImportError:
        raise InputError(
            "finding a window by its title on macOS needs pyobjc (pip install "
            "pyobjc-framework-Quartz); or capture a --region X,Y,W,H or a --monitor N instead"
        ) from None
    options = Quartz.kCGWindowListOptionOnScreenOnly | Quartz.kCGWindowListExcludeDesktopElements
    needle = title.lower()
    found: list[tuple[str, Rect]] = []
    for info in Quartz.CGWindowListCopyWindowInfo(options, Quartz.kCGNullWindowID) or ():
        if int(info.get("kCGWindowLayer", 0)) != 0:
            continue
        name = str(info.get("kCGWindowName") or "")
        owner = str(info.get("kCGWindowOwnerName") or "")
        if needle not in name.lower() and needle not in owner.lower():
            continue
        b = info.get("kCGWindowBounds") or {}
        try:
            rect = (int(b["X"]), int(b["Y"]), int(b["Width"]), int(b["Height"]))
        except (KeyError, TypeError, ValueError):
            continue
        found.append((name or owner, rect))
    return found


def _window_not_found(title: str) -> InputError:
    if sys.platform.startswith("linux"):
        where = f"on display {os.environ.get('DISPLAY', '')}"
    elif sys.platform == "darwin":
        where = "(macOS shows other apps' window titles only with the Screen Recording permission)"
    else:
        where = "on this desktop"
    return InputError(
        f"no visible window with {title!r} in its title {where}; open the meeting window "
        "(not minimised) and check its title bar, or capture a --region X,Y,W,H or a --monitor N instead"
    )


def find_window(title: str, bounds: Rect | None = None) -> tuple[str, Rect]:
    """The largest visible window whose title contains ``title`` (case-insensitive):
    its full title and rectangle, clipped to ``bounds`` (the virtual screen) when given.
    InputError when there is none."""
    if not str(title).strip():
        raise InputError("window title is empty; give part of the meeting window's title, e.g. --window Zoom")
    if sys.platform.startswith("linux") or sys.platform.startswith("freebsd"):
        found = _x11_windows(title)
    elif sys.platform == "win32":  # pragma: no cover
        found = _win32_windows(title)
    elif sys.platform == "darwin":  # pragma: no cover
        found = _mac_windows(title)
    else:  # pragma: no cover
        raise InputError(f"finding a window by its title is not supported on {sys.platform}; "
                         "capture a --region X,Y,W,H or a --monitor N instead")
    best: tuple[str, Rect] | None = None
    for name, rect in found:
        if rect[2] <= 0 or rect[3] <= 0:
            continue
        if bounds is not None:
            rect = _clip(rect, bounds)
            if rect is None:
                continue
        if best is None or rect[2] * rect[3] > best[1][2] * best[1][3]:
            best = (name, rect)
    if best is None:
        raise _window_not_found(title)
    return best


class ScreenSource(Source):
    """Frames captured from the screen with mss: a monitor (default the primary one),
    a region ``(x, y, w, h)`` of the virtual screen, or the window whose title contains
    ``window`` (its rectangle is looked up again every few seconds, so a moved or
    resized window is followed; while it is minimised no frames come).

    Frames are taken every ``1/fps`` seconds by ``clock``; a slow consumer makes the
    source skip frames, never queue them. ``origin`` is the captured rectangle's top-left
    on the virtual screen.
    """

    live = True
    WINDOW_REFRESH_S = 2.0
    """How often a captured window's rectangle is looked up again."""

    def __init__(self, monitor: int | None = None, region: tuple[int, int, int, int] | None = None,
                 window: str | None = None, fps: float = 2.0,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        chosen = [name for name, v in (("monitor", monitor), ("region", region), ("window", window))
                  if v is not None]
        if len(chosen) > 1:
            raise InputError(f"give one of --monitor, --region and --window, not {' and '.join('--' + c for c in chosen)}")
        self.fps = _check_fps(fps)
        self._clock = clock
        self._sleep = sleep
        self._closed = False
        self._window = window
        self._window_title: str | None = None
        self._window_checked = 0.0
        self._window_missing = False
        self._first_checked = False
        self._sct = _open_mss()
        try:
            self._setup(monitor, region, window)
        except BaseException:
            self._sct.close()
            raise

    def _setup(self, monitor, region, window) -> None:
        monitors = self._sct.monitors
        self.screen: Rect = _rect(monitors[0])
        if region is not None:
            try:
                rect = tuple(int(v) for v in region)
            except (TypeError, ValueError):
                rect = ()
            if len(rect) != 4 or rect[2] <= 0 or rect[3] <= 0:
                raise InputError(f"region {region!r}: expected X,Y,W,H with width and height above 0")
            if _clip(rect, self.screen) != rect:
                extra = f"; monitors: {_monitor_listing(monitors)}" if len(monitors) > 2 else ""
                raise InputError(
                    f"region {','.join(map(str, rect))} is not inside the screen (the screen is "
                    f"{_fmt(self.screen)}{extra}); give X,Y,W,H inside it"
                )
            self.rect: Rect = rect
            self.description = f"screen region {_fmt(rect)}"
        elif window is not None:
            self._window_title, self.rect = find_window(window, self.screen)
            self.description = f"window {self._window_title!r} ({_fmt(self.rect)})"
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
                    raise InputError(f"monitor {monitor} does not exist; monitors: {_monitor_listing(monitors)}")
            self.monitor = number
            self.rect = _rect(monitors[number])
            name = "all screens" if number == 0 else f"screen {number}"
            self.description = f"{name} ({_fmt(self.rect)})"

    def _follow_window(self) -> bool:
        """Look the window up again when due; False while it cannot be seen."""
        now = self._clock()
        if now - self._window_checked < self.WINDOW_REFRESH_S:
            return not self._window_missing
        self._window_checked = now
        try:
            title, rect = find_window(self._window, self.screen)
        except InputError as exc:
            if not self._window_missing:
                log.warning("%s; waiting for it to come back", exc)
            self._window_missing = True
            return False
        if self._window_missing:
            log.info("window %r is back at %s", title, _fmt(rect))
        self._window_missing = False
        self._window_title, self.rect = title, rect
        return True

    def grab(self) -> np.ndarray:
        """One BGR picture of the captured rectangle, now."""
        x, y, w, h = self.rect
        try:
            shot = self._sct.grab({"left": x, "top": y, "width": w, "height": h})
        except Exception as exc:  # mss.ScreenShotError and X protocol errors
            raise InputError(f"screen capture of {self.description} failed ({_one_line(exc)}); "
                             "check that the screen or window is still there") from None
        image = cv2.cvtColor(np.asarray(shot), cv2.COLOR_BGRA2BGR)
        if not self._first_checked:
            self._first_checked = True
            # On a Wayland desktop an XWayland DISPLAY may exist, but it shows only black.
            if (sys.platform.startswith("linux") and _wayland_session() and self._window is None
                    and not image.any()):
                raise InputError(WAYLAND_MESSAGE)
        return image

    def _grab_frame(self, timestamp: float, index: int) -> Frame | None:
        if self._window is not None:
            if not self._follow_window():
                return None
        image = self.grab()
        return Frame(image=image, timestamp=timestamp, index=index, origin=(self.rect[0], self.rect[1]))

    def __iter__(self) -> Iterator[Frame]:
        if self._closed:
            raise InputError(f"{self.description}: the source is closed; open a new one")
        self._window_checked = self._clock()  # the rectangle was just looked up
        return _paced(self.fps, self._clock, self._sleep, self._grab_frame, lambda: self._closed)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._sct.close()


# --------------------------------------------------------------------------- files
def _check_file(p: Path, kind: str, hint: str) -> None:
    """The up-front checks every file gets, with load_image's wording."""
    check_file(p, kind, hint)


_VIDEO_HINT = "a video file (MP4, AVI, MKV, MOV, WebM, ...)"


class VideoSource(Source):
    """The frames of a video file (any container OpenCV's FFmpeg reads).

    ``every``: keep one frame per ``every`` seconds of video (the first frame at or
    after 0, every, 2*every, ...); skipped frames are only grabbed, never converted.
    Timestamps are the frame's position in the video (frame index / fps; the
    container's timestamps when the frame rate is unknown). ``Frame.index`` is the
    frame's number in the file. A truncated video ends early, without an error.
    """

    live = False

    def __init__(self, path: str | os.PathLike, every: float | None = None) -> None:
        p = Path(path)
        if every is not None:
            every = _positive(every, "every", "a number of seconds between frames", "1")
        _check_file(p, "a video", _VIDEO_HINT)
        self.path = p
        self.every = every
        self._cap: cv2.VideoCapture | None = None
        self._first: np.ndarray | None = None
        self._first_msec = 0.0
        self._open()
        cap = self._cap
        fps = cap.get(cv2.CAP_PROP_FPS)
        self.fps: float | None = float(fps) if math.isfinite(fps) and 0.1 <= fps <= 500 else None
        count = cap.get(cv2.CAP_PROP_FRAME_COUNT)
        self.frame_count: int | None = int(count) if math.isfinite(count) and count >= 1 else None
        self.duration_s = (self.frame_count / self.fps) if self.fps and self.frame_count else None
        h, w = self._first.shape[:2]
        if self.fps and self.duration_s is not None:
            timing = f"{self.fps:.1f} fps, {self.duration_s:.1f} s"
        elif self.fps:
            timing = f"{self.fps:.1f} fps"
        else:
            timing = "frame rate unknown"
        self.description = f"video {p.name} ({timing})"
        self.size = (w, h)

    def _open(self) -> None:
        p = self.path
        with quiet_native_stderr():  # FFmpeg prints its own lines for damaged files
            cap = cv2.VideoCapture(str(p), cv2.CAP_FFMPEG)
            if not cap.isOpened():
                cap.release()
                cap = cv2.VideoCapture(str(p))
            ok = cap.isOpened()
            first = None
            if ok:
                ok, first = cap.read()
                ok = bool(ok) and first is not None and getattr(first, "size", 0) > 0
        if not cap.isOpened():
            cap.release()
            raise InputError(
                f"{p}: not a readable video (corrupt, or a format OpenCV cannot read); give {_VIDEO_HINT}"
            )
        if not ok:
            cap.release()
            raise InputError(
                f"{p}: not a readable video (its first frame cannot be decoded; damaged or "
                f"incomplete file); give {_VIDEO_HINT}"
            )
        self._cap = cap
        self._first = as_bgr(first, where=str(p))
        self._first_msec = cap.get(cv2.CAP_PROP_POS_MSEC)

    def _timestamp(self, index: int, msec: float) -> float:
        if self.fps:
            return index / self.fps
        return max(0.0, msec / 1000.0) if math.isfinite(msec) else 0.0

    def __iter__(self) -> Iterator[Frame]:
        if self._cap is None:  # a second pass, or closed: start again from the top
            self._open()
        cap, first = self._cap, self._first
        self._first = None
        every = self.every
        next_keep = 0.0  # the next sampling time (seconds of video)
        eps = 1e-6
        index = 0
        try:
            # the first frame was decoded when the file was opened (to check it)
            if first is not None:
                ts = self._timestamp(0, 0.0 if self.fps else self._first_msec)
                yield Frame(image=first, timestamp=ts, index=0)
                if every is not None:
                    next_keep = (math.floor(ts / every + eps) + 1) * every
            while self._cap is cap:
                index += 1
                with quiet_native_stderr():
                    ok = cap.grab()
                if not ok:  # the end, or a truncated file: stop quietly
                    return
                ts = self._timestamp(index, 0.0 if self.fps else cap.get(cv2.CAP_PROP_POS_MSEC))
                if every is not None and ts < next_keep - eps:
                    continue  # skipped: grabbed, never converted
                with quiet_native_stderr():
                    ok, image = cap.retrieve()
                if not ok or image is None or image.size == 0:
                    continue  # one damaged frame: the next one takes its slot
                if every is not None:
                    next_keep = (math.floor(ts / every + eps) + 1) * every
                yield Frame(image=as_bgr(image, where=f"{self.path} frame {index}"), timestamp=ts, index=index)
        finally:
            if self._cap is cap:  # the next iteration reopens the file
                self._cap = None
                cap.release()

    def close(self) -> None:
        cap, self._cap = self._cap, None
        self._first = None
        if cap is not None:
            cap.release()


def _check_image_file(p: Path) -> None:
    _check_file(p, "an image", "a real screenshot or photo")


class ImageSource(Source):
    """Image files in the given order, as consecutive frames of one class: timestamps
    0, ``interval``, 2 * ``interval``, ... All paths are checked up front; each image
    is read when its turn comes."""

    live = False

    def __init__(self, paths: Iterable[str | os.PathLike], interval: float = 0.5) -> None:
        self.paths = [Path(p) for p in ([paths] if isinstance(paths, (str, os.PathLike)) else paths)]
        if not self.paths:
            raise InputError("no images given; give one or more gallery screenshots (PNG, JPEG, ...)")
        interval = _positive(interval, "interval", "a number of seconds between images", "0.5")
        for p in self.paths:
            _check_image_file(p)
        self.interval = interval
        n = len(self.paths)
        self.duration_s = n * interval
        if n == 1:
            self.description = f"image {self.paths[0].name}"
        else:
            self.description = (f"{n} images ({self.paths[0].name} ... {self.paths[-1].name}, "
                                f"one every {interval:g} s)")

    def __iter__(self) -> Iterator[Frame]:
        for i, p in enumerate(self.paths):
            yield Frame(image=load_image(p), timestamp=i * self.interval, index=i)


# --------------------------------------------------------------------------- webcam
class WebcamSource(Source):
    """A webcam (``cv2.VideoCapture(index)``): single-user mode. A reader thread keeps
    only the newest picture, so frames paced at ``fps`` are fresh, not buffered; the
    source ends when the camera stops delivering (unplugged)."""

    live = True
    FAILURES_TO_END = 20
    """Consecutive failed reads (about a second) after which the camera counts as gone."""

    def __init__(self, index: int = 0, fps: float = 2.0, *,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        try:
            self.index = int(index)
        except (TypeError, ValueError):
            raise InputError(f"webcam {index!r}: give the camera's number, e.g. --webcam 0") from None
        if self.index < 0:
            raise InputError(f"webcam {index}: camera numbers start at 0; try --webcam 0")
        self.fps = _check_fps(fps)
        self._clock = clock
        self._sleep = sleep
        self._closed = False
        self._thread: threading.Thread | None = None
        self._cond = threading.Condition()
        self._latest: tuple[int, float, np.ndarray] | None = None
        self._ended = False
        with quiet_native_stderr():  # V4L2/DirectShow print their own lines for absent cameras
            cap = self._open_capture()
            opened = cap is not None and cap.isOpened()
        if not opened:
            if cap is not None:
                cap.release()
            nxt = self.index + 1
            raise InputError(
                f"webcam {self.index} could not be opened (no camera, or it is in use by another "
                f"program); try --webcam {nxt}"
            )
        self._cap = cap
        w = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH) or 0)
        h = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT) or 0)
        self.description = f"webcam {self.index}" + (f" ({w}x{h})" if w > 0 and h > 0 else "")

    def _open_capture(self) -> cv2.VideoCapture:
        """The capture to read (a subclass may open another device)."""
        return cv2.VideoCapture(self.index)

    def _reader(self) -> None:
        failures = 0
        seq = 0
        cap = self._cap
        while not self._closed:
            with quiet_native_stderr():
                ok, image = cap.read()
            if not ok or image is None or image.size == 0:
                failures += 1
                if failures >= self.FAILURES_TO_END:
                    break
                time.sleep(0.05)
                continue
            failures = 0
            seq += 1
            with self._cond:
                self._latest = (seq, self._clock(), image)
                self._cond.notify_all()
        with self._cond:
            self._ended = True
            self._cond.notify_all()

    def __iter__(self) -> Iterator[Frame]:
        if self._closed:
            raise InputError(f"{self.description}: the source is closed; open a new one")
        if self._thread is not None:
            raise InputError(f"{self.description}: is already being read; iterate it once")
        t0 = self._clock()
        self._thread = threading.Thread(target=self._reader, name=f"webcam-{self.index}", daemon=True)
        self._thread.start()
        state = {"seen": 0}

        def grab(timestamp: float, index: int) -> Frame | None:
            with self._cond:
                # wait (a little) for a picture newer than the last one given out
                self._cond.wait_for(lambda: self._ended or self._closed
                                    or (self._latest is not None and self._latest[0] > state["seen"]),
                                    timeout=2.0)
                latest = self._latest
            if latest is None or latest[0] <= state["seen"]:
                return None
            seq, when, image = latest
            state["seen"] = seq
            return Frame(image=as_bgr(image, where=self.description), timestamp=max(0.0, when - t0), index=index)

        def stopped() -> bool:
            with self._cond:
                return self._closed or (self._ended and (self._latest is None or self._latest[0] <= state["seen"]))

        return _paced(self.fps, self._clock, self._sleep, grab, stopped)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with self._cond:
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._cap.release()


# --------------------------------------------------------------------------- dispatch
def _natural_key(p: Path):
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", p.name)]


def _kind(p: Path) -> str:
    """'video' or 'image', by extension (by content when the extension says nothing)."""
    ext = p.suffix.lower()
    if ext in VIDEO_EXTENSIONS:
        return "video"
    if ext in IMAGE_EXTENSIONS:
        return "image"
    try:
        if p.is_file() and cv2.haveImageReader(str(p)):
            return "image"
    except (cv2.error, OSError):
        pass
    return "video"


def _expand(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """The given paths, with a folder replaced by its images (in natural order)."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            images = sorted((c for c in p.iterdir() if c.is_file() and c.suffix.lower() in IMAGE_EXTENSIONS),
                            key=_natural_key)
            if not images:
                videos = [c.name for c in p.iterdir() if c.suffix.lower() in VIDEO_EXTENSIONS]
                hint = (f"give the video itself, e.g. {p / sorted(videos)[0]}" if videos
                        else "give image files (PNG, JPEG, ...) or a video")
                raise InputError(f"{p}: the folder holds no images; {hint}")
            out.extend(images)
        else:
            out.append(p)
    return out


def open_source(*, paths: Sequence[str | os.PathLike] = (), monitor: int | None = None,
                region: tuple[int, int, int, int] | str | None = None, window: str | None = None,
                webcam: int | None = None, fps: float = 2.0, every: float | None = None) -> Source:
    """The source the user asked for (what the CLI calls).

    ``paths``: one video (by extension), or image files / folders of images (frames of
    one class, ``every`` seconds apart, default 0.5); none: the screen (``monitor``,
    ``region`` or ``window``; default the primary monitor) or ``webcam``, at ``fps``.
    """
    paths = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths or ())
    screen = [n for n, v in (("--monitor", monitor), ("--region", region), ("--window", window)) if v is not None]
    if paths:
        if screen or webcam is not None:
            live = screen + (["--webcam"] if webcam is not None else [])
            raise InputError(f"give files to analyse or {' / '.join(live)} for live capture, not both")
        files = _expand(paths)
        kinds = {p: _kind(p) for p in files}
        videos = [p for p in files if kinds[p] == "video"]
        images = [p for p in files if kinds[p] == "image"]
        if videos and images:
            raise InputError(
                f"give either one video or image files, not both (got video {videos[0].name} and "
                f"image {images[0].name})"
            )
        if len(videos) > 1:
            raise InputError(
                f"give one video at a time (got {len(videos)}: {', '.join(p.name for p in videos[:3])}"
                f"{', ...' if len(videos) > 3 else ''})"
            )
        if videos:
            return VideoSource(videos[0], every=every)
        if every is not None:
            return ImageSource(images, interval=every)
        return ImageSource(images)
    if every is not None:
        raise InputError("--every applies to video files; for live capture set the rate with --fps")
    if webcam is not None:
        if screen:
            raise InputError(f"give --webcam or {' / '.join(screen)}, not both")
        return WebcamSource(webcam, fps=fps)
    if isinstance(region, str):
        region = parse_region(region)
    return ScreenSource(monitor=monitor, region=region, window=window, fps=fps)
