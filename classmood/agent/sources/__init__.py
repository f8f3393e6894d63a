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
:class:`~classmood.errors.InputError` with one line: what, where, what to do; where
another value of one parameter fixes it, ``option`` names that parameter.

Modules: ``base`` (the Source interface, pacing), ``screen`` (ScreenSource, regions),
``window_lookup`` (find_window, with ``window_x11`` / ``window_win32`` / ``window_macos``),
``windows`` (WindowInfo, list_windows, get_window: every window, by the same platform
modules), ``meeting`` (which meeting app a window is, by class or process),
``video``, ``images``, ``webcam``, ``open`` (open_source). The screen connection and its
monitors are :mod:`classmood.display`; file endings and decoding are :mod:`classmood.io`.
"""

from ...display import list_monitors
from ...io import IMAGE_EXTENSIONS, VIDEO_EXTENSIONS
from .base import Source
from .images import ImageSource
from .open import open_source
from .screen import ScreenSource, parse_region
from .video import VideoSource
from .webcam import WebcamSource
from .meeting import meeting_app
from .window_lookup import find_window
from .windows import WindowInfo, get_window, list_windows

__all__ = [
    "IMAGE_EXTENSIONS",
    "VIDEO_EXTENSIONS",
    "ImageSource",
    "ScreenSource",
    "Source",
    "VideoSource",
    "WebcamSource",
    "WindowInfo",
    "find_window",
    "get_window",
    "list_monitors",
    "list_windows",
    "meeting_app",
    "open_source",
    "parse_region",
]
