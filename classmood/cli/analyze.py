"""``classmood analyze``: a recorded class (gallery screenshots or a video), analysed
and stored; a table per screenshot (or one JSON object per frame), a progress line for
videos, optionally each screenshot drawn with what was found."""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

from ..errors import InputError
from .errors import EXIT_OK
from .options import add_agent_options
from .session import AgentOptions
from .text import frame_table, summary_text


def register(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``analyze`` command to ``sub`` (the ``classmood`` subcommands)."""
    a = sub.add_parser(
        "analyze",
        help="analyse gallery screenshots or a recorded class video",
        description="Analyse a recorded class: gallery screenshots (several images are consecutive "
        "frames of one class) or a video. Finds every participant tile, its state (face, no_face, "
        "camera_off, photo), faces and expressions, tracks participants across frames, and stores the "
        "session (see classmood sessions).",
    )
    a.add_argument("paths", nargs="+", metavar="PATH",
                   help="screenshot(s) (PNG, JPEG, ...), a folder of them, or one video")
    a.add_argument("--json", action="store_true",
                   help="print one JSON object per frame (frame, tiles, participants, mood, timings_ms), "
                   "then one with the session summary")
    a.add_argument("--save-annotated", metavar="OUT.png", type=Path,
                   help="write each image with what was found drawn on it (with several images, OUT-<n>.png)")
    a.add_argument("--every", metavar="SECONDS",
                   help="videos: analyse one frame every SECONDS of recording time (default 0.5; 0 or 'all': "
                   "every frame); images: the time between them (default 0.5)")
    add_agent_options(a)
    a.set_defaults(func=handle)
    return a


def _every(text: str | None) -> float | None:
    """``--every``: None (not given), seconds as a float, or 0 for ``all``.

    Raises:
        InputError: not a number or ``all``, or below 0 (the message names ``--every``).
    """
    if text is None:
        return None
    if text.strip().lower() == "all":
        return 0.0
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise InputError(f"--every {text}: give the seconds of recording between analysed frames, e.g. 0.5, "
                         f"or 0 (or all) for every frame of a video")
    return value


def _annotated_path(base: Path, i: int, n: int) -> Path:
    """Where image ``i`` of ``n`` is drawn: ``base`` itself for one image, else ``base-<i+1>``."""
    return base if n == 1 else base.with_name(f"{base.stem}-{i + 1}{base.suffix or '.png'}")


def _check_output_path(path: Path) -> None:
    """``--save-annotated``: an image file name in a folder that exists (else InputError)."""
    from ..io import IMAGE_EXTENSIONS  # here: io loads OpenCV, and classmood --help must not

    if path.suffix.lower() not in IMAGE_EXTENSIONS:
        raise InputError(f"{path}: --save-annotated needs an image file name (.png or .jpg)")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"{path}: folder {parent} does not exist; create it first")


class _Progress:
    """One self-rewriting stderr line for videos: position, speed vs real time, ETA."""

    def __init__(self, duration: float | None, enabled: bool) -> None:
        self.duration, self.enabled, self.t0 = duration, enabled, time.monotonic()

    def update(self, t: float) -> None:
        """The analysis has reached ``t`` seconds of video."""
        if not self.enabled:
            return
        el = max(1e-6, time.monotonic() - self.t0)
        speed = t / el
        if self.duration:
            eta = max(0.0, (self.duration - t) / speed) if speed > 0 else float("inf")
            pct = 100.0 * min(1.0, t / self.duration)
            msg = f"\r  {pct:5.1f}%  {t:7.1f}/{self.duration:.1f} s of video  {speed:4.1f}x real time  ETA {eta:5.0f} s"
        else:
            msg = f"\r  {t:7.1f} s  {speed:4.1f}x real time"
        print(msg, end="", file=sys.stderr, flush=True)

    def done(self) -> None:
        """End the line."""
        if self.enabled:
            print(file=sys.stderr)


def handle(args: argparse.Namespace) -> int:
    """Run ``classmood analyze``; returns the exit status (errors are raised)."""
    import cv2

    from ..agent.runner import run_session
    from ..agent.sources import ImageSource, VideoSource, open_source
    from ..annotate import GalleryAnnotator

    options = AgentOptions.from_args(args)
    every = _every(args.every)
    if args.save_annotated is not None:
        _check_output_path(args.save_annotated)
    # Open (and check) every input first: a bad file is reported before any work is done.
    source = open_source(paths=args.paths, every=every)
    if args.save_annotated is not None and not isinstance(source, ImageSource):
        raise InputError(f"{args.save_annotated}: --save-annotated works with images, not videos")
    video = isinstance(source, VideoSource)
    n_frames = None if video else len(getattr(source, "paths", args.paths))
    progress = _Progress(source.duration_s, enabled=video and sys.stderr.isatty())
    annotator = GalleryAnnotator()

    def show(frame, result) -> None:
        if args.json:
            print(json.dumps(result.to_dict(), ensure_ascii=False), flush=True)
        elif not video:
            label = str(source.paths[frame.index]) if hasattr(source, "paths") else f"frame {frame.index}"
            print(frame_table(label, result), flush=True)
        progress.update(frame.timestamp)
        if args.save_annotated is not None:
            out = _annotated_path(args.save_annotated, frame.index, n_frames or 1)
            drawn = annotator.annotate(frame.image, result.gallery)
            if not cv2.imwrite(str(out), drawn):
                raise InputError(f"{out}: could not write the annotated image; check the folder")
            print(f"annotated image: {out}", file=sys.stderr)

    with source, options.pipeline(recording=video) as pipeline:
        # the sampling used, for the report (None: every frame of a video)
        step = (source.every or None) if video else getattr(source, "interval", every)
        store = options.open_store(source, "analyze", every=step)
        sid = None if store is None else store.session_id
        try:
            summary = run_session(source, pipeline, store, on_result=show)
            read = source.report if video else None
            unread = read.unread if read is not None else source.unread() if isinstance(source, ImageSource) else []
            end = read.length_s if read is not None else source.duration_s if unread else None
            if store is not None:
                for a, b in unread:  # where the recording could not be read: the report shows the holes
                    store.mark_unread(a, b)
                store.end_session(recording_end_s=end)
        finally:
            progress.done()
            if store is not None:
                store.close()
    if video:  # how much of the recording was read: a partly unreadable file is never silently cut
        for line in source.report.warnings():
            print(f"classmood: warning: {line}", file=sys.stderr)
        print(source.report.summary(), file=sys.stderr)
    elif isinstance(source, ImageSource):  # nor a list of images with an unreadable one in it
        for line in source.warnings():
            print(f"classmood: warning: {line}", file=sys.stderr)
    final = summary.to_dict(end_s=end, unread=unread) if read is not None or unread else summary.to_dict()
    if read is not None:  # what of the recording could be read, and where not
        final["read_s"] = round(read.read_s, 2)
        final["unread"] = [{"start_s": round(a, 2), "end_s": None if b is None else round(b, 2)} for a, b in unread]
    if args.json:
        print(json.dumps({"summary": final, "session": sid,
                          "db": None if store is None else str(store.path)}, ensure_ascii=False), flush=True)
    elif video:
        print(summary_text(source.description, final))
    if store is not None:
        options.finish(store.path, sid)
    return EXIT_OK
