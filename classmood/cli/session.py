"""What the agent commands (``analyze``, ``run`` and the live demo) share around the
run loop: their options as one typed value, the pipeline they build from them, the
session they store, and what they print and write once the class is over.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError

if TYPE_CHECKING:  # imported where used: ``classmood --help`` stays fast
    from ..agent.pipeline import Pipeline
    from ..agent.sources import Source
    from ..agent.store import SessionStore


@dataclass(frozen=True)
class AgentOptions:
    """How the agent runs and what it keeps (the options of :func:`classmood.cli.options.add_agent_options`).

    Attributes:
        names: read and store the participants' name labels.
        presence_only: no expression recognition at all.
        db: the session database file (None: the default in the user's data folder).
        store: store the session (False: nothing stored, no report).
        report: write the post-class report when the session ends.
        out: the report's folder (None: :func:`classmood.report.build.default_report_dir`).
        min_face_score: the face detection threshold, in (0, 1).
    """

    names: bool = False
    presence_only: bool = False
    db: Path | None = None
    store: bool = True
    report: bool = True
    out: Path | None = None
    min_face_score: float = 0.5

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> AgentOptions:
        """The options of a parsed ``analyze`` or ``run`` command line.

        Raises:
            InputError: ``--min-face-score`` is not between 0 and 1.
        """
        if not 0.0 < args.min_face_score < 1.0:
            raise InputError(f"--min-face-score {args.min_face_score}: must be between 0 and 1 (e.g. 0.5)")
        return cls(names=args.names, presence_only=args.presence_only, db=args.db, store=not args.no_store,
                   report=not args.no_report, out=args.out, min_face_score=args.min_face_score)

    def pipeline(self, recording: bool = False) -> Pipeline:
        """A new per-frame pipeline with these options (a context manager); ``recording``:
        the frames come from a recorded video (no profile photo from stillness)."""
        from ..agent.pipeline import Pipeline, PipelineConfig

        return Pipeline(names=self.names, presence_only=self.presence_only,
                        config=PipelineConfig(min_face_score=self.min_face_score, still_photos=not recording))

    def open_store(self, source: Source, command: str, *, every: float | None = None,
                   fps: float | None = None) -> SessionStore | None:
        """The session store with a session of ``source`` started in it, or None when
        nothing is stored. ``command`` (``"analyze"``, ``"run"``) and the sampling asked
        for (``every``: seconds between analysed frames of a file; ``fps``: analysed
        frames a second of a live source) go into the session's settings. The caller
        ends the session and closes the store."""
        if not self.store:
            return None
        from ..agent.store import SessionSettings, SessionStore

        store = SessionStore(self.db)
        store.start_session(source=source.stored_as, names=self.names, presence_only=self.presence_only,
                            settings=SessionSettings(command=command, min_face_score=self.min_face_score,
                                                     every=every, fps=fps))
        return store

    def finish(self, db_path: Path, session_id: int) -> None:
        """After a stored session: say where it is (stderr), then write its report unless
        told not to; the report's path is the last line printed."""
        print(f"session {session_id} stored in {db_path} (list: classmood sessions --db {db_path})", file=sys.stderr)
        if not self.report:
            return
        from ..agent.store import SessionStore
        from ..report import build_report

        with SessionStore(db_path, readonly=True) as store:  # the report's default interval for its length
            paths = build_report(store, session_id, self.out, names=self.names, interval_s=None)
        print(f"report: {paths.html}", file=sys.stderr)
