"""The source the user asked for: files (a video, screenshots, folders of them), the
screen or a webcam, chosen from the parameters given."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterable, Sequence

import cv2

from ...errors import InputError
from ...io import IMAGE_EXTENSIONS, VIDEO_EXTENSIONS, quiet_decoders
from .base import Source, positive
from .images import ImageSource
from .screen import ScreenSource, parse_region
from .video import VideoSource
from .webcam import WebcamSource


def _natural_key(p: Path) -> list:
    """Sort key for file names with numbers in natural order (shot2 before shot10)."""
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", p.name)]


def _kind(p: Path) -> str:
    """'video' or 'image', by extension (by content when the extension says nothing)."""
    ext = p.suffix.lower()
    if ext in VIDEO_EXTENSIONS:
        return "video"
    if ext in IMAGE_EXTENSIONS:
        return "image"
    try:
        if p.is_file():
            with quiet_decoders():
                if cv2.haveImageReader(str(p)):
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
                raise InputError(f"{p}: the folder holds no images; {hint}", option="paths")
            out.extend(images)
        else:
            out.append(p)
    return out


def open_source(*, paths: Sequence[str | os.PathLike] = (), monitor: int | None = None,
                region: tuple[int, int, int, int] | str | None = None, window: str | None = None,
                webcam: int | None = None, fps: float = 2.0, every: float | None = None,
                window_id: int | None = None,
                window_part: tuple[float, float, float, float] | None = None,
                look_for_meeting: bool = False) -> Source:
    """The source the user asked for (what the CLI calls).

    Args:
        paths: one video (recognised by its extension), or image files and folders of
            images (frames of one class, in natural order). None: live capture.
        monitor: live: capture this monitor (default: the primary one).
        region: live: capture this ``(x, y, w, h)`` of the virtual screen, or its text
            ``"X,Y,W,H"``.
        window: live: capture the window whose title contains this.
        window_id: live: capture and follow this window
            (:attr:`~classmood.agent.sources.windows.WindowInfo.id`).
        window_part: live, with ``window_id``: only this part of the window, fractions
            ``(fx, fy, fw, fh)`` of its size.
        look_for_meeting: live screen: switch to a meeting app's window as soon as one
            shows (ClassMood started before the meeting).
        webcam: live: read this camera instead of the screen.
        fps: live: frames per second, above 0.
        every: a video: seconds of recording between analysed frames (default
            :data:`~classmood.agent.sources.video.DEFAULT_EVERY_S`, 0.5; 0: every
            frame); images: seconds between consecutive images (default 0.5, above 0).

    Returns:
        A :class:`VideoSource`, :class:`ImageSource`, :class:`WebcamSource` or
        :class:`ScreenSource`, open; close it (or use it as a context manager).

    Raises:
        InputError: paths together with live capture, a video mixed with images or
            several videos (``option="paths"``), ``every`` not a number, below 0 for a
            video, not above 0 for images, or given for live capture
            (``option="every"``), a webcam together with a screen choice, or any error
            of the chosen source (``option`` names the parameter where one parameter
            fixes it).
    """
    paths = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths or ())
    screen = [n for n, v in (("monitor", monitor), ("region", region), ("window", window),
                             ("window_id", window_id)) if v is not None]
    if paths:
        if screen or webcam is not None:
            live = screen + (["webcam"] if webcam is not None else [])
            raise InputError(f"give files to analyse or {' / '.join(live)} for live capture, not both")
        files = _expand(paths)
        kinds = {p: _kind(p) for p in files}
        videos = [p for p in files if kinds[p] == "video"]
        images = [p for p in files if kinds[p] == "image"]
        if videos and images:
            raise InputError(
                f"give either one video or image files, not both (got video {videos[0].name} and "
                f"image {images[0].name})", option="paths"
            )
        if len(videos) > 1:
            raise InputError(
                f"give one video at a time (got {len(videos)}: {', '.join(p.name for p in videos[:3])}"
                f"{', ...' if len(videos) > 3 else ''})", option="paths"
            )
        if videos:
            return VideoSource(videos[0], every=every)  # VideoSource checks it
        if every is None:
            return ImageSource(images)
        every = positive(every, "every", "a number of seconds between images", "0.5")
        return ImageSource(images, interval=every)
    if every is not None:
        raise InputError("every applies to files (a video or images); for live capture set the rate "
                         "with fps", option="every")
    if webcam is not None:
        if screen:
            raise InputError(f"give webcam or {' / '.join(screen)}, not both")
        return WebcamSource(webcam, fps=fps)
    if isinstance(region, str):
        region = parse_region(region)
    return ScreenSource(monitor=monitor, region=region, window=window, fps=fps, window_id=window_id,
                        window_part=window_part, look_for_meeting=look_for_meeting)
