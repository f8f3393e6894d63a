"""The ``classmood`` command: a thin shell over the same objects the Python API uses.

Every error a user can cause is one line on stderr (what, where, what to do) and a
non-zero exit; no tracebacks unless ``--debug``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence

from . import __version__
from .errors import ClassMoodError, InputError

EXIT_OK = 0
EXIT_USER_ERROR = 2
EXIT_INTERNAL = 1
EXIT_INTERRUPTED = 130

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="classmood",
        description="Read a video-class gallery (Zoom, Meet, Teams): tiles, faces, camera states, expressions.",
    )
    p.add_argument("--version", action="version", version=f"classmood {__version__}")
    p.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    a = sub.add_parser(
        "analyze",
        help="analyse gallery screenshots or a recorded class video",
        description="Analyse a recorded class: gallery screenshots (several images are consecutive "
        "frames of one class) or a video. Finds every participant tile, its state (face, no_face, "
        "camera_off, photo), faces and expressions, tracks participants across frames, and stores the "
        "session (see classmood sessions).",
    )
    a.add_argument("images", nargs="+", metavar="PATH", help="screenshot(s) (PNG, JPEG, ...), a folder of them, or one video")
    a.add_argument("--json", action="store_true",
                   help="print one JSON object per frame (frame, tiles, participants, mood, timings_ms), "
                   "then one with the session summary")
    a.add_argument("--save-annotated", metavar="OUT.png", type=Path,
                   help="write each image with what was found drawn on it (with several images, OUT-<n>.png)")
    a.add_argument("--every", type=float, metavar="SECONDS",
                   help="videos: analyse one frame every SECONDS of video (default 0.5); images: the time between them")
    _agent_options(a)
    a.set_defaults(func=_cmd_analyze)

    r = sub.add_parser(
        "run",
        help="analyse the class live from the screen",
        description="Capture the gallery from the screen (or a webcam) and analyse it until Ctrl+C or "
        "SIGTERM; the session is stored as it goes.",
    )
    where = r.add_mutually_exclusive_group()
    where.add_argument("--monitor", type=int, metavar="N", help="capture monitor N (1 = the primary; default)")
    where.add_argument("--region", metavar="X,Y,W,H", help="capture this rectangle of the screen")
    where.add_argument("--window", metavar="TITLE", help="capture the window whose title contains TITLE")
    where.add_argument("--webcam", type=int, metavar="N", help="use webcam N instead (trying it alone)")
    r.add_argument("--fps", type=float, default=2.0, help="analysed frames per second (default 2)")
    r.add_argument("--duration", type=float, metavar="SECONDS", help="stop after SECONDS (default: until Ctrl+C)")
    r.add_argument("--no-overlay", action="store_true", help="no on-screen overlay (headless)")
    r.add_argument("--json", action="store_true", help="print one JSON object per analysed frame")
    _agent_options(r)
    r.set_defaults(func=_cmd_run)

    ss = sub.add_parser(
        "sessions",
        help="list or delete stored sessions",
        description="List the stored class sessions, or delete them.",
    )
    _db_option(ss)
    ss.add_argument("--delete", metavar="ID", help="delete session ID (or 'latest')")
    ss.add_argument("--purge-older-than", type=float, metavar="DAYS", help="delete sessions started more than DAYS ago")
    ss.add_argument("--json", action="store_true", help="print the list as JSON")
    ss.set_defaults(func=_cmd_sessions)

    dm = sub.add_parser(
        "demo",
        help="see it work in a minute: a class built from a bundled photo, analysed for real",
        description="Build a class gallery from a portrait that ships with matplotlib, show it in a window and "
        "run the real agent on the screen with the overlay and the panel; headless (no display), analyse the "
        "same gallery from memory. Either way the session is stored and the report's path printed last.",
    )
    dm.add_argument("--duration", type=float, default=30.0, metavar="SECONDS", help="length of the class (default 30)")
    dm.add_argument("--headless", action="store_true", help="analyse from memory even when a display is available")
    dm.add_argument("--names", action="store_true", help="read the participants' name labels")
    dm.add_argument("--presence-only", action="store_true", help="no expression recognition at all")
    _db_option(dm)
    dm.add_argument("--out", type=Path, metavar="DIR", help="the report's folder")
    dm.set_defaults(func=_cmd_demo)

    rp = sub.add_parser(
        "report",
        help="write the post-class report of a stored session (HTML, CSV, JSON)",
        description="Write the report of a stored session: a self-contained HTML page (class timeline, "
        "participant heatmap, moments to look at again, per-participant table, caveats), a CSV with one row "
        "per participant per interval and a JSON summary (see classmood/report/SCHEMA.md).",
    )
    rp.add_argument("session", metavar="SESSION", help="the session id, or 'latest'")
    _db_option(rp)
    rp.add_argument("--out", type=Path, metavar="DIR",
                    help="write the files here (default: <db folder>/reports/session-<id>/)")
    rp.add_argument("--interval", type=float, default=60.0, metavar="SECONDS",
                    help="length of the report's time intervals (default 60)")
    rp.add_argument("--no-names", action="store_true",
                    help="anonymous ids only, even if the session stored participants' names")
    rp.add_argument("--from", dest="start", type=float, metavar="SECONDS",
                    help="report from this many seconds after the session start")
    rp.add_argument("--to", dest="end", type=float, metavar="SECONDS",
                    help="report up to this many seconds after the session start")
    rp.add_argument("--pdf", action="store_true", help="also print the report to PDF (needs Chromium)")
    rp.set_defaults(func=_cmd_report)

    e = sub.add_parser(
        "evaluate",
        help="measure the expression model on labelled faces",
        description="Accuracy, macro-F1, per-class recall and the confusion matrix of the expression "
        "model on DATA: an .npz of aligned 48x48 faces ('images', 'labels' as the FER2013 files) or a "
        "folder of labelled photos DIR/<label>/* (angry, disgust, fear, happy, sad, surprise, neutral; "
        "other folders are skipped and counted). Photos go through the face finder and aligner first.",
    )
    e.add_argument("data", metavar="DATA", type=Path, help=".npz of aligned faces, or a folder DIR/<label>/*")
    e.add_argument("--json", action="store_true", help="print one JSON object")
    e.add_argument("--aligned", action="store_true",
                   help="photos are already face crops: skip face finding, just resize to 48x48 grayscale")
    e.add_argument("--model", type=Path, metavar="MODEL.tflite", help="another exported model (default: bundled)")
    e.add_argument("--flip-average", action="store_true", help="also run mirrored faces and average (2x work)")
    e.set_defaults(func=_cmd_evaluate)

    sub.add_parser(
        "train", add_help=False,
        help="train the expression model (needs: pip install -e '.[train]')",
        description="Train on FER2013 Training, select on PublicTest; see classmood train --help.",
    )
    return p


def _db_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", type=Path, metavar="FILE", help="the session database (default: your data folder)")


def _agent_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--names", action="store_true",
                   help="read and store participants' name labels (off by default: names are personal data)")
    p.add_argument("--presence-only", action="store_true",
                   help="no expression recognition at all: presence, cameras and away only "
                   "(what the EU AI Act allows in education)")
    _db_option(p)
    p.add_argument("--no-store", action="store_true", help="do not store the session (and write no report)")
    p.add_argument("--no-report", action="store_true",
                   help="do not write the post-class report at the end (classmood report makes it later)")
    p.add_argument("--out", type=Path, metavar="DIR",
                   help="the report's folder (default: <db folder>/reports/session-<id>/)")
    p.add_argument("--min-face-score", type=float, default=0.5, metavar="S",
                   help="face detection threshold in (0, 1) (default 0.5)")


def _annotated_path(base: Path, i: int, n: int) -> Path:
    return base if n == 1 else base.with_name(f"{base.stem}-{i + 1}{base.suffix or '.png'}")


def _check_output_path(path: Path) -> None:
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise InputError(f"{path}: --save-annotated needs an image file name (.png or .jpg)")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"{path}: folder {parent} does not exist; create it first")


def _table(label: str, result) -> str:
    """One frame as a table: tiles with state, face score, participant and expression."""
    g = result.gallery
    lines = [f"{label}: {g.width}x{g.height}, {len(g.tiles)} tiles"]
    if g.tiles:
        lines.append(f"  {'id':>3}  {'state':<10} {'faces':>5} {'score':>5}  {'box (x,y w x h)':<22} "
                     f"{'who':<5} {'expression':<11} {'conf':>4}  name")
        for t, p in zip(g.tiles, result.participants):
            x, y, w, h = t.tile.bbox
            score = f"{t.faces[0].score:.2f}" if t.faces else "-"
            expr = p.label or ("-" if result.presence_only or p.presence.value != "present" else "...")
            conf = f"{p.confidence:.2f}" if p.label and not result.presence_only else "-"
            lines.append(
                f"  {t.tile.index:>3}  {t.state.value:<10} {len(t.faces):>5} {score:>5}  "
                f"{f'{x},{y} {w}x{h}':<22} {p.id:<5} {expr:<11} {conf:>4}  {t.name or '-'}"
            )
        m = result.mood
        valence = "-" if m.valence is None else f"{m.valence:+.2f}"
        lines.append(f"  class: {m.present} present, {m.away} away, {m.camera_off} camera off; valence {valence}")
        for al in m.alerts:
            lines.append(f"  alert: {al.message}")
    else:
        lines.append("  no participant tiles found (is a gallery view on screen?)")
    timing = ", ".join(f"{k} {v:.1f}" for k, v in result.timings_ms.items() if not k.startswith("n_"))
    lines.append(f"  timings (ms): {timing}")
    return "\n".join(lines)


def _check_agent_args(args: argparse.Namespace) -> None:
    if not 0.0 < args.min_face_score < 1.0:
        raise InputError(f"--min-face-score {args.min_face_score}: must be between 0 and 1 (e.g. 0.5)")


def _open_store(args: argparse.Namespace, source, kind: str):
    """The session store, a started session, or None with --no-store."""
    if args.no_store:
        return None
    from .agent.store import SessionStore

    store = SessionStore(args.db)
    store.start_session(source=source.description, names=args.names, presence_only=args.presence_only,
                        settings={"command": kind, "min_face_score": args.min_face_score})
    return store


def _pipeline(args: argparse.Namespace):
    from .agent.pipeline import Pipeline, PipelineConfig

    return Pipeline(names=args.names, presence_only=args.presence_only,
                    config=PipelineConfig(min_face_score=args.min_face_score))


def report_interval(duration_s: float) -> float:
    """The report's interval for a session this long: a minute, or finer for a short
    session (about 30 intervals, whole seconds, at least 1 s)."""
    return 60.0 if duration_s >= 30 * 60 else float(max(1, round(duration_s / 30)))


def _write_report(args: argparse.Namespace, db_path, sid: int | None) -> None:
    """The post-class report of the session just stored; its path is printed last."""
    if sid is None or args.no_report:
        return
    from .agent.store import SessionStore
    from .report import build_report

    with SessionStore(db_path, readonly=True) as store:
        paths = build_report(store, sid, args.out, names=args.names,
                             interval_s=report_interval(store.session(sid).duration_s))
    print(f"report: {paths.html}", file=sys.stderr)


def _where_stored(sid: int, path) -> str:
    return f"session {sid} stored in {path} (list: classmood sessions --db {path})"


class _Progress:
    """One self-rewriting stderr line for videos: position, speed vs real time, ETA."""

    def __init__(self, duration: float | None, enabled: bool) -> None:
        import time

        self.duration, self.enabled, self.t0, self._time = duration, enabled, time.monotonic(), time.monotonic

    def update(self, t: float) -> None:
        if not self.enabled:
            return
        el = max(1e-6, self._time() - self.t0)
        speed = t / el
        if self.duration:
            eta = max(0.0, (self.duration - t) / speed) if speed > 0 else float("inf")
            pct = 100.0 * min(1.0, t / self.duration)
            msg = f"\r  {pct:5.1f}%  {t:7.1f}/{self.duration:.1f} s of video  {speed:4.1f}x real time  ETA {eta:5.0f} s"
        else:
            msg = f"\r  {t:7.1f} s  {speed:4.1f}x real time"
        print(msg, end="", file=sys.stderr, flush=True)

    def done(self) -> None:
        if self.enabled:
            print(file=sys.stderr)


def _cmd_analyze(args: argparse.Namespace) -> int:
    import cv2

    from .agent.runner import run_session
    from .agent.sources import ImageSource, VideoSource, open_source
    from .annotate import GalleryAnnotator

    _check_agent_args(args)
    if args.every is not None and not args.every > 0:
        raise InputError(f"--every {args.every}: must be a number of seconds above 0, e.g. 0.5")
    if args.save_annotated is not None:
        _check_output_path(args.save_annotated)
    # Open (and check) every input first: a bad file is reported before any work is done.
    source = open_source(paths=args.images, every=args.every)
    if args.save_annotated is not None and not isinstance(source, ImageSource):
        raise InputError(f"{args.save_annotated}: --save-annotated works with images, not videos")
    video = isinstance(source, VideoSource)
    n_frames = None if video else len(getattr(source, "paths", args.images))
    progress = _Progress(source.duration_s, enabled=video and sys.stderr.isatty())
    annotator = GalleryAnnotator()

    def show(frame, result) -> None:
        if args.json:
            print(json.dumps(result.to_dict(), ensure_ascii=False), flush=True)
        elif not video:
            label = str(source.paths[frame.index]) if hasattr(source, "paths") else f"frame {frame.index}"
            print(_table(label, result), flush=True)
        progress.update(frame.timestamp)
        if args.save_annotated is not None:
            out = _annotated_path(args.save_annotated, frame.index, n_frames or 1)
            drawn = annotator.annotate(frame.image, result.gallery)
            if not cv2.imwrite(str(out), drawn):
                raise InputError(f"{out}: could not write the annotated image; check the folder")
            print(f"annotated image: {out}", file=sys.stderr)

    with source, _pipeline(args) as pipeline:
        store = _open_store(args, source, "analyze")
        sid = None if store is None else store.session_id
        try:
            summary = run_session(source, pipeline, store, on_result=show)
            if store is not None:
                store.end_session()
        finally:
            progress.done()
            if store is not None:
                store.close()
    final = summary.to_dict()
    if args.json:
        print(json.dumps({"summary": final, "session": sid,
                          "db": None if store is None else str(store.path)}, ensure_ascii=False), flush=True)
    else:
        if video:
            print(_summary_text(source.description, final))
    if store is not None:
        print(_where_stored(sid, store.path), file=sys.stderr)
        _write_report(args, store.path, sid)
    return EXIT_OK


def _summary_text(what: str, s: dict) -> str:
    lines = [f"{what}: {s['frames']} frames analysed, {s['duration_s']:.1f} s, {len(s['participants'])} participants"]
    for p in s["participants"]:
        top = ", ".join(f"{k} {v:.0%}" for k, v in sorted(p["expressions"].items(), key=lambda kv: -kv[1])[:3])
        lines.append(f"  {p['id']:<5} {p['name'] or '':<16} present {p['present_s']:6.1f} s  away {p['away_s']:5.1f} s  "
                     f"camera off {p['camera_off_s']:5.1f} s  {top}")
    mv = s["mood"]["mean_valence"]
    lines.append(f"  mean class valence: {'-' if mv is None else f'{mv:+.2f}'}")
    return "\n".join(lines)


def _run_with_overlay(args: argparse.Namespace, source, pipeline, store, stop, show):
    """run_session under the overlay and the panel (the GUI owns the main thread, the
    agent runs in a thread): badges drawn over the captured region and masked out of
    the next frames; the panel's pause / presence-only switches applied frame by frame."""
    from .agent.runner import run_session
    from .overlay.state import Controls
    from .overlay.window import run_with_overlay

    controls = Controls(presence_only=args.presence_only, expressions_allowed=not args.presence_only)
    region = getattr(source, "rect", None)  # a screen source; None (a webcam): the panel alone

    def frames(overlay):
        for frame in controls.gate(source, stop):  # paused: frames are skipped, not analysed
            if controls.presence_only != pipeline.presence_only:  # switched in the panel
                pipeline.set_presence_only(controls.presence_only)
            yield frame

    def work(overlay):
        def on_result(frame, result) -> None:
            overlay.update(frame, result)
            show(frame, result)

        return run_session(frames(overlay), pipeline, store, stop=stop, on_result=on_result,
                           mask=overlay.mask_rects)

    return run_with_overlay(region, work, controls=controls, stop=stop)


def _cmd_run(args: argparse.Namespace) -> int:
    import signal
    import threading
    import time

    from .agent.runner import run_session
    from .agent.sources import open_source

    _check_agent_args(args)
    if args.duration is not None and not args.duration > 0:
        raise InputError(f"--duration {args.duration}: must be a number of seconds above 0")
    source = open_source(monitor=args.monitor, region=args.region, window=args.window, webcam=args.webcam,
                         fps=args.fps)
    use_overlay = not args.no_overlay
    if use_overlay:
        from .overlay.window import overlay_unavailable

        reason = overlay_unavailable()
        if reason is not None:
            print(f"classmood: no on-screen overlay: {reason}; analysing without it "
                  "(pass --no-overlay to silence this)", file=sys.stderr)
            use_overlay = False
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    t_end = None if args.duration is None else time.monotonic() + args.duration
    status = sys.stderr.isatty() and not args.json

    def show(frame, result) -> None:
        if args.json:
            print(json.dumps(result.to_dict(), ensure_ascii=False), flush=True)
        elif status:
            m = result.mood
            v = "-" if m.valence is None else f"{m.valence:+.2f}"
            print(f"\r  {frame.timestamp:7.1f} s  {m.participants} participants: {m.present} present, {m.away} away, "
                  f"{m.camera_off} camera off  valence {v}  alerts {len(m.alerts)}   ", end="", file=sys.stderr, flush=True)
        if t_end is not None and time.monotonic() >= t_end:
            stop.set()

    print(f"classmood: analysing {source.description}; stop with Ctrl+C", file=sys.stderr)
    try:
        with source, _pipeline(args) as pipeline:
            store = _open_store(args, source, "run")
            sid = None if store is None else store.session_id
            try:
                if use_overlay:
                    summary = _run_with_overlay(args, source, pipeline, store, stop, show)
                else:
                    summary = run_session(source, pipeline, store, stop=stop, on_result=show)
            except KeyboardInterrupt:  # Ctrl+C: a normal way to end the class
                summary = None
            finally:
                if store is not None:
                    store.end_session()
                    store.close()
    finally:
        signal.signal(signal.SIGTERM, previous)
    if status:
        print(file=sys.stderr)
    if summary is not None and not args.json:
        print(_summary_text(source.description, summary.to_dict()))
    if store is not None:
        print(_where_stored(sid, store.path), file=sys.stderr)
        _write_report(args, store.path, sid)
    return EXIT_OK


def _cmd_sessions(args: argparse.Namespace) -> int:
    import datetime as dt

    from .agent.store import SessionStore

    if args.purge_older_than is not None and not args.purge_older_than >= 0:
        raise InputError(f"--purge-older-than {args.purge_older_than}: must be a number of days >= 0")
    with SessionStore(args.db) as store:
        if args.delete is not None:
            info = store.session(args.delete)
            store.delete_session(info.id)
            print(f"deleted session {info.id} from {store.path}")
            return EXIT_OK
        if args.purge_older_than is not None:
            n = store.purge_older_than(args.purge_older_than)
            print(f"deleted {n} session{'s' if n != 1 else ''} older than {args.purge_older_than:g} days from {store.path}")
            return EXIT_OK
        rows = store.sessions()
        if args.json:
            print(json.dumps([{"id": r.id, "started_at": r.started_at, "ended_at": r.ended_at, "source": r.source,
                               "names": r.names, "presence_only": r.presence_only, "frames": r.frames,
                               "participants": r.participants, "duration_s": r.duration_s} for r in rows],
                             ensure_ascii=False))
            return EXIT_OK
        if not rows:
            print(f"no sessions stored in {store.path}")
            return EXIT_OK
        print(f"{'id':>4}  {'started':<16} {'length':>8} {'frames':>6} {'people':>6}  source")
        for r in rows:
            start = dt.datetime.fromtimestamp(r.started_at).strftime("%Y-%m-%d %H:%M")
            flags = [f for f, on in (("names", r.names), ("presence-only", r.presence_only),
                                     ("cut short", r.ended_at is None)) if on]
            length = f"{int(r.duration_s // 60)}:{int(r.duration_s % 60):02d}"
            print(f"{r.id:>4}  {start:<16} {length:>8} {r.frames:>6} {r.participants:>6}  {r.source}"
                  + (f"  ({', '.join(flags)})" if flags else ""))
        print(f"({store.path})")
    return EXIT_OK


def _display_available() -> bool:
    if sys.platform.startswith("linux"):
        import os

        return bool(os.environ.get("DISPLAY")) and os.environ.get("XDG_SESSION_TYPE", "").lower() != "wayland"
    return True


def _cmd_demo(args: argparse.Namespace) -> int:
    import select
    import subprocess

    from . import demo

    if not args.duration > 0:
        raise InputError(f"--duration {args.duration}: must be a number of seconds above 0")
    if args.headless or not _display_available():
        if not args.headless:
            print("classmood demo: no display here: analysing the demo class from memory", file=sys.stderr)
        return demo.run_headless(args, log=lambda line: print(line, file=sys.stderr))
    # the class in a window of its own process, the real agent on the screen around it
    child = subprocess.Popen([sys.executable, "-m", "classmood.demo", "60", "60", str(args.duration)],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        ready, _, _ = select.select([child.stdout], [], [], 30)
        if not ready or child.stdout.readline().strip() != "shown":
            print("classmood demo: could not open a window: analysing the demo class from memory", file=sys.stderr)
            return demo.run_headless(args, log=lambda line: print(line, file=sys.stderr))
        argv = ["run", "--window", demo.WINDOW_TITLE, "--duration", str(args.duration)]
        argv += ["--names"] * args.names + ["--presence-only"] * args.presence_only
        argv += ["--db", str(args.db)] * (args.db is not None) + ["--out", str(args.out)] * (args.out is not None)
        return _cmd_run(_parser().parse_args(argv))
    finally:
        child.kill()
        child.wait()


def _cmd_report(args: argparse.Namespace) -> int:
    from .agent.store import SessionStore
    from .report import build_report

    with SessionStore(args.db, readonly=True) as store:
        paths = build_report(store, args.session, args.out, interval_s=args.interval, names=not args.no_names,
                             start_s=args.start, end_s=args.end, pdf=args.pdf)
    print(f"csv: {paths.csv}")
    print(f"json: {paths.json}")
    if paths.pdf is not None:
        print(f"pdf: {paths.pdf}")
    print(f"report: {paths.html}")
    return EXIT_OK


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from .models.expression import ExpressionClassifier
    from .models.evaluate import evaluate, format_report

    clf = ExpressionClassifier(args.model, flip_average=args.flip_average)

    def progress(i: int, n: int) -> None:
        if not args.json and sys.stderr.isatty() and (i % 25 == 0 or i == n - 1):
            print(f"\r  finding faces: {i + 1}/{n}", end="", file=sys.stderr, flush=True)

    result = evaluate(args.data, clf, aligned=args.aligned, progress=progress)
    if not args.json and sys.stderr.isatty():
        print(file=sys.stderr)
    if result["n"] == 0:
        raise InputError(f"{args.data}: no face found in any photo ({result['no_face']} photos); "
                         "if they are already face crops, add --aligned")
    print(json.dumps(result) if args.json else format_report(str(args.data), result))
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["train"]:  # its own options (argparse's REMAINDER would swallow --help)
        from .models.train import main as train_main

        return train_main(argv[1:])
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USER_ERROR
    try:
        return args.func(args)
    except ClassMoodError as exc:
        print(f"classmood: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("classmood: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug of ours: one line, and how to see more
        if args.debug:
            raise
        print(f"classmood: internal error: {type(exc).__name__}: {exc} "
              "(run with --debug for details and please report it)", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
