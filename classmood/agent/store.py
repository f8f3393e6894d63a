"""The session store: a class session in SQLite, numbers and labels only.

One database per user (see :func:`default_db_path`), in WAL mode. A session holds,
per recorded frame, one observation row per participant (presence, tile, box,
expression label, smoothed probabilities, valence, the participant's baseline valence
and their change from it) and one class-mood row (counts, expression shares, the mean
valence and the class's change from its baselines, alerts), and the
stretches of a recording that could not be read (``unread``). It never holds pixels,
and it holds participants' names only when the session was started with
``names=True``.

Writes are batched but durable: :meth:`SessionStore.record` buffers rows in
memory; they are committed, one transaction per flush, when the oldest is older
than ``flush_interval_s`` (checked on every record and by a small daemon thread,
so a quiet spell is flushed too). A ``kill -9`` therefore loses at most about the
last second and leaves a readable database.

Only this module touches SQL: everything else reads a session through the typed read
methods of :class:`SessionStore` (dataclasses, or numpy arrays for the report's bulk
arithmetic).
"""

from __future__ import annotations

import json
import math
import os
import re
import sqlite3
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from .. import __version__
from ..errors import InputError
from ..labels import FER_CLASSES, LABELS, UNCERTAIN_REASONS
from ..types import FrameResult, Presence

SCHEMA_VERSION = 4
"""The schema this module writes, kept in ``PRAGMA user_version`` (2 added a recording's
end, ``sessions.recording_end_s``, and its unreadable stretches, ``unread``; 3 added each
participant's resting valence and change from it, ``observations.baseline_valence`` and
``observations.valence_change``, and the class's change, ``moods.valence_change``; 4 added
why a label was ``uncertain``, ``observations.uncertain_reason`` (one of
:data:`classmood.labels.UNCERTAIN_REASONS`), the participant's usual label,
``observations.usual_label``, and their negative probability's change from its usual with
the line that made them negative, ``observations.negative_change`` and
``observations.negative_line``). An
older database is upgraded in place when opened for writing; opened read-only, what it
lacks reads as NULL (None, NaN)."""

_PROB_COLUMNS = tuple(f"p_{c}" for c in FER_CLASSES)

PRESENCES: tuple[str, ...] = (Presence.PRESENT.value, Presence.AWAY.value, Presence.CAMERA_OFF.value)
"""The stored presences, in the order of their codes in :class:`ObservationArrays`
(0 present, 1 away, 2 camera off; a participant who left is never stored)."""

_UNREAD_TABLE = """CREATE TABLE unread (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    start_s REAL NOT NULL,
    end_s REAL,
    frames INTEGER
)"""
"""A recording's unreadable stretches (schema 2): in a new database and added to an old one."""

_SCHEMA = f"""
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at REAL NOT NULL,
    ended_at REAL,
    source TEXT NOT NULL,
    names INTEGER NOT NULL,
    presence_only INTEGER NOT NULL,
    settings TEXT NOT NULL,
    app_version TEXT NOT NULL,
    recording_end_s REAL
);
CREATE TABLE participants (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    pid TEXT NOT NULL,
    name TEXT,
    first_seen REAL NOT NULL,
    last_seen REAL NOT NULL,
    frames INTEGER NOT NULL,
    PRIMARY KEY (session_id, pid)
);
CREATE TABLE observations (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    t REAL NOT NULL,
    pid TEXT NOT NULL,
    presence TEXT NOT NULL,
    tile_state TEXT,
    tile_index INTEGER,
    x INTEGER, y INTEGER, w INTEGER, h INTEGER,
    label TEXT,
    confidence REAL NOT NULL,
    valence REAL,
    baseline_valence REAL,
    valence_change REAL,
    {", ".join(f"{c} REAL" for c in _PROB_COLUMNS)},
    uncertain_reason TEXT,
    usual_label TEXT,
    negative_change REAL,
    negative_line REAL
);
CREATE INDEX observations_session_t ON observations(session_id, t);
CREATE TABLE moods (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    t REAL NOT NULL,
    participants INTEGER NOT NULL,
    present INTEGER NOT NULL,
    away INTEGER NOT NULL,
    camera_off INTEGER NOT NULL,
    valence REAL,
    valence_change REAL,
    distribution TEXT NOT NULL,
    alerts TEXT NOT NULL
);
CREATE INDEX moods_session_t ON moods(session_id, t);
{_UNREAD_TABLE};
"""

def _expected_columns() -> dict[str, set[str]]:
    """Each table's columns in this module's schema (read once from an in-memory database
    made with it)."""
    global _COLUMNS
    if _COLUMNS is None:
        mem = sqlite3.connect(":memory:")
        try:
            mem.executescript(_SCHEMA)
            tables = [r[0] for r in mem.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            _COLUMNS = {t: {r[1] for r in mem.execute(f"PRAGMA table_info({t})")} for t in tables}
        finally:
            mem.close()
    return _COLUMNS


_COLUMNS: dict[str, set[str]] | None = None

_MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: ("ALTER TABLE sessions ADD COLUMN recording_end_s REAL", _UNREAD_TABLE),
    2: ("ALTER TABLE observations ADD COLUMN baseline_valence REAL",
        "ALTER TABLE observations ADD COLUMN valence_change REAL",
        "ALTER TABLE moods ADD COLUMN valence_change REAL"),
    3: ("ALTER TABLE observations ADD COLUMN uncertain_reason TEXT",
        "ALTER TABLE observations ADD COLUMN usual_label TEXT",
        "ALTER TABLE observations ADD COLUMN negative_change REAL",
        "ALTER TABLE observations ADD COLUMN negative_line REAL"),
}
"""The statements that take a database from each version to the next."""

_INSERT_OBSERVATION = (
    "INSERT INTO observations (session_id, t, pid, presence, tile_state, tile_index, x, y, w, h, "
    f"label, confidence, valence, baseline_valence, valence_change, {', '.join(_PROB_COLUMNS)}, "
    "uncertain_reason, usual_label, negative_change, negative_line) "
    f"VALUES ({', '.join('?' * (19 + len(_PROB_COLUMNS)))})"
)
_INSERT_MOOD = (
    "INSERT INTO moods (session_id, t, participants, present, away, camera_off, valence, valence_change, "
    "distribution, alerts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_UPSERT_PARTICIPANT = (
    "INSERT INTO participants (session_id, pid, name, first_seen, last_seen, frames) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (session_id, pid) DO UPDATE SET "
    "name = COALESCE(excluded.name, name), first_seen = MIN(first_seen, excluded.first_seen), "
    "last_seen = MAX(last_seen, excluded.last_seen), frames = frames + excluded.frames"
)


DEFAULT_DB_NAME = "classmood.db"
"""The default database's file name (:func:`default_db_path`)."""


def default_db_path() -> Path:
    """Where the user's database lives: ``$CLASSMOOD_DB`` if set, else the platform's
    per-user data folder (Linux ``$XDG_DATA_HOME`` or ``~/.local/share``/classmood,
    macOS ``~/Library/Application Support/ClassMood``, Windows ``%LOCALAPPDATA%\\ClassMood``)."""
    env = os.environ.get("CLASSMOOD_DB")
    if env:
        return Path(env).expanduser()
    home = Path.home()
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA")
        return (Path(base) if base else home / "AppData" / "Local") / "ClassMood" / DEFAULT_DB_NAME
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "ClassMood" / DEFAULT_DB_NAME
    base = os.environ.get("XDG_DATA_HOME")
    return (Path(base) if base else home / ".local" / "share") / "classmood" / DEFAULT_DB_NAME


def _positive_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v > 0


@dataclass(frozen=True)
class SessionSettings:
    """How a session was recorded, stored with it as a JSON object (the ``settings``
    column) holding only the fields that are set.

    Raises:
        ValueError: a number that is not finite and above 0.

    Attributes:
        command: what recorded it: ``"analyze"``, ``"run"``, ``"demo"`` (or a tool's name).
        min_face_score: the face detection threshold used, in (0, 1).
        every: seconds between analysed frames asked of a file source (a video's or a
            series of images' sampling step); None when not fixed.
        fps: analysed frames per second asked of a live source (screen, webcam); None
            when not live.
    """

    command: str | None = None
    min_face_score: float | None = None
    every: float | None = None
    fps: float | None = None

    def __post_init__(self) -> None:
        for name in ("min_face_score", "every", "fps"):
            v = getattr(self, name)
            if v is not None and not _positive_number(v):
                raise ValueError(f"SessionSettings.{name} must be a finite number above 0, got {v!r}")

    @property
    def frame_step_s(self) -> float | None:
        """The seconds between analysed frames the session asked for (``every``, else
        ``1 / fps``), or None when it asked for none."""
        if self.every is not None:
            return float(self.every)
        if self.fps is not None:
            return 1.0 / self.fps
        return None

    def to_dict(self) -> dict[str, Any]:
        """The stored JSON object: the fields that are set, by name."""
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, stored: Any) -> SessionSettings:
        """The settings read back from a stored JSON value. Lenient, for databases of
        every version: unknown keys are ignored, a value of the wrong type is None (and
        anything but an object gives empty settings)."""
        if not isinstance(stored, Mapping):
            return cls()

        def number(key: str) -> float | None:
            v = stored.get(key)
            return v if _positive_number(v) else None

        command = stored.get("command")
        return cls(command=command if isinstance(command, str) else None, min_face_score=number("min_face_score"),
                   every=number("every"), fps=number("fps"))


@dataclass(frozen=True)
class SessionInfo:
    """One stored session. ``ended_at`` is None while it runs or when it was cut short;
    ``duration_s`` is the recording's end for a recording, else the last recorded frame's
    time plus the frame step asked for (or ended - started without frames).

    Attributes:
        id: the session's id in the database.
        started_at, ended_at: Unix seconds.
        source: what was analysed (e.g. ``"video:class.mp4"``, ``"screen"``).
        names: participants' names were stored.
        presence_only: no expression recognition ran.
        settings: how it was recorded.
        frames: analysed frames (class-mood rows).
        participants: participants stored.
        duration_s: seconds, as above.
        app_version: the ClassMood version that recorded it.
        recording_end_s: for a recording, where reading it ended (seconds of the
            recording: its length when it was read whole); None for a live session.
            Frames of a recording count until the next frame or this end: it has no
            pauses.
    """

    id: int
    started_at: float
    ended_at: float | None
    source: str
    names: bool
    presence_only: bool
    settings: SessionSettings
    frames: int
    participants: int
    duration_s: float
    app_version: str = ""
    recording_end_s: float | None = None

    @property
    def recording(self) -> bool:
        """A recording was analysed (not a live screen or camera)."""
        return self.recording_end_s is not None


@dataclass(frozen=True)
class ParticipantRow:
    """One participant of a session; times are seconds since the session started."""

    id: str
    name: str | None
    first_seen_s: float
    last_seen_s: float
    frames: int


@dataclass(frozen=True)
class ObservationRow:
    """One participant in one frame; ``probs`` are the smoothed probabilities (FER order).

    ``valence`` (-1..1) is the participant's smoothed valence, ``baseline_valence`` their
    resting valence (:class:`classmood.agent.mood.ValenceBaseline`) and
    ``valence_change`` the one minus the other (below 0: more negative than they usually
    look); each None without a face shown, and the last two None in a session stored
    before schema 3. ``uncertain_reason`` says why an ``uncertain`` label was (one of
    :data:`classmood.labels.UNCERTAIN_REASONS`), ``usual_label`` is the participant's
    usual label (once learnt), ``negative_change`` their negative probability minus its
    usual and ``negative_line`` the rise that made them negative (once learnt): None
    otherwise, and in a session stored before schema 4.
    """

    t: float
    participant: str
    presence: str
    tile_state: str | None
    tile_index: int | None
    bbox: tuple | None
    label: str | None
    confidence: float
    valence: float | None
    probs: tuple[float, ...] | None
    baseline_valence: float | None = None
    valence_change: float | None = None
    uncertain_reason: str | None = None
    usual_label: str | None = None
    negative_change: float | None = None
    negative_line: float | None = None


@dataclass(frozen=True)
class MoodRow:
    """The class in one frame: ``valence`` the mean valence of the faces in view,
    ``valence_change`` their mean change from their own baselines (0: the class as it
    usually looks; None in a session stored before schema 3)."""

    t: float
    participants: int
    present: int
    away: int
    camera_off: int
    valence: float | None
    distribution: dict
    alerts: list[dict]
    valence_change: float | None = None


@dataclass(frozen=True)
class UnreadRow:
    """A stretch of the recording that could not be read (damaged or missing frames).

    Attributes:
        start_s: where it starts, seconds of the session (of the recording).
        end_s: where reading went on, or None: nothing after ``start_s`` could be read
            (a truncated or damaged end).
        frames: the frames skipped in it, None when unknown.
    """

    start_s: float
    end_s: float | None
    frames: int | None = None


@dataclass(frozen=True)
class MoodSeries:
    """A session's class-mood rows (one per analysed frame) as arrays, ordered by time
    (then by the order they were stored).

    Attributes:
        t: float64 [K], seconds since the session started (non-decreasing).
        valence: float64 [K], the class valence (-1..1), NaN where none was known.
        valence_change: float64 [K], the class's mean change from the participants'
            baselines, NaN where none was known (and in a session stored before schema 3).
        alerts: (row index into ``t``, the row's alerts) for the rows that raised any,
            in row order; each alert as stored (``kind``, ``participant``, ``since_s``,
            ``message``).
    """

    t: np.ndarray
    valence: np.ndarray
    valence_change: np.ndarray
    alerts: tuple[tuple[int, list[dict]], ...]


@dataclass(frozen=True)
class ObservationArrays:
    """A session's observation rows as columns (numbers only: no boxes, no
    probabilities), sorted by participant (in ``ids`` order), then time, then the order
    they were stored.

    Attributes:
        ids: participant ids: the session's participants in order of first appearance
            (as :meth:`SessionStore.participants`), then any observed id without a
            participant row, in order of first observation.
        participant: int32 [N], index into ``ids``.
        t: float64 [N], seconds since the session started.
        presence: int8 [N], index into :data:`PRESENCES` (3 for any other value).
        label: int8 [N], index into :data:`classmood.labels.LABELS`, -1 for none.
        valence: float64 [N], the participant's smoothed valence (-1..1), NaN for none.
        valence_change: float64 [N], their valence minus their own learnt baseline, NaN
            for none (while it was being learnt, and in a session stored before schema 3).
        reason: int8 [N], why an ``uncertain`` label was: index into
            :data:`classmood.labels.UNCERTAIN_REASONS`, -1 for none (not uncertain, or not
            stored: a session stored before schema 4).
        usual: int8 [N], the participant's usual label, index into
            :data:`classmood.labels.LABELS`, -1 for none (not learnt, or before schema 4).
        negative_change: float64 [N], their negative probability minus its usual, NaN for
            none (not learnt, or before schema 4).
        negative_line: float64 [N], the rise of it that made them negative, NaN likewise.
    """

    ids: tuple[str, ...]
    participant: np.ndarray
    t: np.ndarray
    presence: np.ndarray
    label: np.ndarray
    valence: np.ndarray
    valence_change: np.ndarray
    reason: np.ndarray | None = None
    usual: np.ndarray | None = None
    negative_change: np.ndarray | None = None
    negative_line: np.ndarray | None = None

    def __post_init__(self) -> None:  # the later columns default to "not stored"
        n = len(self.t)
        for name, fill, dtype in (("reason", -1, np.int8), ("usual", -1, np.int8),
                                  ("negative_change", np.nan, np.float64), ("negative_line", np.nan, np.float64)):
            if getattr(self, name) is None:
                object.__setattr__(self, name, np.full(n, fill, dtype))


def _code(column: str, values: tuple[str, ...], other: int) -> str:
    """SQL mapping a text column to its index in ``values`` (``other`` for anything else)."""
    whens = " ".join(f"WHEN '{v}' THEN {i}" for i, v in enumerate(values))
    return f"CASE {column} {whens} ELSE {other} END"


def _opt_float(v: Any) -> float | None:
    return None if v is None else float(v)


def check_db_path(path: str | Path) -> Path:
    """Check a database file the teacher named (``--db``) before anything is written
    beside it or looked for on the screen: it may not be a folder, and its folder must
    exist (a mistyped folder must not start a database elsewhere). Nothing is created.

    Args:
        path: the database file (``~`` is expanded).

    Returns:
        The path, expanded.

    Raises:
        InputError: (``option="db"``) the path is a folder, or its folder does not exist,
            in the same words as opening the store.
    """
    p = Path(path).expanduser()
    if p.is_dir():
        raise InputError(f"{p}: is a folder, not a database file; give the path of a database file", option="db")
    if not p.parent.is_dir():
        raise InputError(f"{p}: folder {p.parent} does not exist; create it first or choose a database file in a "
                         "folder that exists", option="db")
    return p


class SessionStore:
    """A user's ClassMood database: writes one session at a time, reads them all.

    Safe to use from one writer thread plus the store's own flusher thread; every
    database call goes through one lock.

    Args:
        path: the database file; None for :func:`default_db_path` (whose folder is
            created when missing). A given path's folder must exist: a mistyped folder
            never starts a database somewhere unexpected.
        flush_interval_s: seconds buffered rows may wait before they are written.
        readonly: open an existing database for reading only.

    Raises:
        InputError: (``option="db"``) the path is a folder, its folder does not exist,
            the file is not a ClassMood database or cannot be opened.
    """

    def __init__(self, path: str | Path | None = None, *, flush_interval_s: float = 0.5,
                 readonly: bool = False) -> None:
        if not (flush_interval_s >= 0 and math.isfinite(flush_interval_s)):
            raise ValueError(f"flush_interval_s must be a finite number >= 0, got {flush_interval_s}")
        self._default = path is None
        self.path = Path(path).expanduser() if path is not None else default_db_path()
        self.session_id: int | None = None
        self.readonly = readonly
        self._flush_interval = float(flush_interval_s)
        self._lock = threading.RLock()
        self._names = False
        self._observations: list[tuple] = []
        self._moods: list[tuple] = []
        self._participants: dict[str, list] = {}  # pid -> [name, first, last, frames]
        self._oldest: float | None = None  # monotonic time of the oldest buffered row
        self._stop = threading.Event()
        self._flusher: threading.Thread | None = None
        self._flusher_error: BaseException | None = None
        self._conn = self._open()

    # ------------------------------------------------------------------ opening
    def _fail(self, why: str, todo: str = "choose another database file") -> InputError:
        """An error about this database file (the ``db`` parameter): what, then what to do."""
        return InputError(f"{self.path}: {why}; {todo}", option="db")

    def _open(self) -> sqlite3.Connection:
        p = self.path
        if p.is_dir():
            check_db_path(p)  # one wording: is a folder
        if self.readonly:
            if not p.is_file():
                raise self._fail("no ClassMood database here", "record a session first or choose another database file")
            uri, target = True, f"{p.resolve().as_uri()}?mode=ro"
        else:
            if self._default:  # the user's data folder is ours to make
                try:
                    p.parent.mkdir(parents=True, exist_ok=True)
                except OSError as e:
                    raise self._fail(f"cannot create its folder ({e.strerror or e})") from None
            else:  # a mistyped folder must not start a database elsewhere
                check_db_path(p)
            try:  # a new database is the teacher's alone: SQLite gives its -wal and -shm its mode
                os.close(os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            except OSError:
                pass  # it exists (kept as it is), or cannot be made: sqlite3 says why below
            uri, target = False, str(p)
        try:
            conn = sqlite3.connect(target, uri=uri, timeout=5.0, isolation_level=None,
                                   check_same_thread=False)
        except sqlite3.Error as e:
            raise self._fail(f"cannot open or create it ({e})",
                             "check the folder is writable or choose another database file") from None
        try:
            self._prepare(conn)
        except InputError:
            conn.close()
            raise
        except sqlite3.DatabaseError as e:
            conn.close()
            msg = str(e)
            if "not a database" in msg or "malformed" in msg or "encrypted" in msg:
                raise self._fail(f"not a ClassMood database ({msg})") from None
            raise self._fail(f"cannot use this database ({msg})",
                             "check the location is writable or choose another database file") from None
        return conn

    def _prepare(self, conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise self._fail(f"database schema version {version} is newer than this ClassMood knows "
                             f"({SCHEMA_VERSION})", "upgrade classmood or choose another database file")
        conn.execute("PRAGMA foreign_keys = ON")
        if self.readonly:
            if version == 0:
                raise self._fail("not a ClassMood database (no ClassMood tables)")
            return
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA secure_delete = ON")  # deleted sessions are overwritten, not left in free pages
        if version < SCHEMA_VERSION:  # a new database, or one of an older schema
            conn.execute("BEGIN IMMEDIATE")
            try:
                if version == 0:
                    if conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]:
                        raise self._fail("not a ClassMood database (it holds other tables)")
                    statements = [stmt for stmt in _SCHEMA.split(";") if stmt.strip()]
                else:
                    statements = [stmt for v in range(version, SCHEMA_VERSION) for stmt in _MIGRATIONS[v]]
                for stmt in statements:
                    conn.execute(stmt)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        missing = [f"{table}.{col}" for table, cols in _expected_columns().items()
                   for col in cols - {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}]
        if missing:  # a file that claims this schema but lacks its columns (a development build's)
            raise self._fail(f"its tables lack columns this ClassMood needs ({', '.join(missing[:4])}), though it "
                             f"says schema version {SCHEMA_VERSION}",
                             "move it away (its sessions stay readable by the build that wrote it) or choose "
                             "another database file")

    # ------------------------------------------------------------------ writing
    def _started(self, what: str) -> None:
        """Raise RuntimeError unless the store is writable and a session is started."""
        self._check_writable()
        if self.session_id is None:
            raise RuntimeError(f"SessionStore.{what}: call start_session() first")

    def _check_writable(self) -> None:
        if self.readonly:
            raise RuntimeError(f"{self.path}: store was opened read-only")
        if self._conn is None:
            raise RuntimeError(f"{self.path}: store is closed")

    def start_session(self, *, source: str, names: bool = False, presence_only: bool = False,
                      started_at: float | None = None,
                      settings: SessionSettings | Mapping[str, Any] | None = None) -> int:
        """Begin a new session (flushing any previous one's rows) and return its id.

        Args:
            source: what is analysed, for people (e.g. ``"video:class.mp4"``).
            names: store the participants' names (else only their anonymous ids).
            presence_only: no expression recognition runs in this session.
            started_at: Unix seconds (default: now).
            settings: how it is recorded; a mapping of :class:`SessionSettings` field
                names is accepted too.

        Raises:
            TypeError: ``settings`` has a key that is not a :class:`SessionSettings` field.
        """
        self._check_writable()
        if settings is None:
            settings = SessionSettings()
        elif not isinstance(settings, SessionSettings):
            settings = SessionSettings(**settings)
        with self._lock:
            self.flush()
            cur = self._conn.execute(
                "INSERT INTO sessions (started_at, ended_at, source, names, presence_only, settings, app_version) "
                "VALUES (?, NULL, ?, ?, ?, ?, ?)",
                (time.time() if started_at is None else float(started_at), str(source), int(bool(names)),
                 int(bool(presence_only)), json.dumps(settings.to_dict(), sort_keys=True, default=str), __version__),
            )
            self.session_id = int(cur.lastrowid)
            self._names = bool(names)
        if self._flusher is None and self._flush_interval > 0:
            self._flusher = threading.Thread(target=self._flush_loop, name="classmood-store-flusher", daemon=True)
            self._flusher.start()
        return self.session_id

    def record(self, result: FrameResult) -> None:
        """Buffer one frame's rows; flush when the oldest buffered row is older than
        ``flush_interval_s``. Participants who have left are not recorded."""
        self._check_writable()
        self._raise_flusher_error()
        if self.session_id is None:
            raise RuntimeError("SessionStore.record: call start_session() first")
        t = float(result.timestamp)
        sid = self.session_id
        mood = result.mood
        alerts = [a.to_dict() for a in mood.alerts]
        with self._lock:
            if not self._names:
                # A name could sit in an alert's message: show the participant's id instead.
                for p in result.participants:
                    if p.name:
                        pattern = re.compile(rf"(?<!\w){re.escape(p.name)}(?!\w)")
                        for a in alerts:
                            a["message"] = pattern.sub(p.id, a["message"])
            for p in result.participants:
                if p.presence is Presence.LEFT:
                    continue
                box = tuple(int(v) for v in p.bbox) if p.bbox is not None else (None,) * 4
                probs = (tuple(float(v) for v in p.smoothed) if p.smoothed is not None
                         else (None,) * len(_PROB_COLUMNS))
                if len(probs) != len(_PROB_COLUMNS):
                    raise ValueError(f"participant {p.id}: smoothed probs must have {len(_PROB_COLUMNS)} "
                                     f"values, got {len(probs)}")
                self._observations.append((
                    sid, t, str(p.id), p.presence.value,
                    None if p.tile_state is None else p.tile_state.value,
                    None if p.tile_index is None else int(p.tile_index),
                    # the baseline and the change against it once learnt (a provisional one,
                    # the median of the first seconds, flags nobody: the report must not either)
                    *box, p.label, float(p.confidence), _opt_float(p.valence),
                    _opt_float(p.baseline_valence if p.baseline_learnt else None),
                    _opt_float(p.valence_change if p.baseline_learnt else None), *probs,
                    p.uncertain_reason if p.presence is Presence.PRESENT else None, p.usual_label,
                    _opt_float(p.negative_change if p.baseline_learnt else None),
                    _opt_float(p.negative_line if p.baseline_learnt else None),
                ))
                name = p.name if self._names and p.name else None
                row = self._participants.get(p.id)
                if row is None:
                    self._participants[p.id] = [name, t, t, 1]
                else:
                    row[0] = name or row[0]
                    row[1], row[2], row[3] = min(row[1], t), max(row[2], t), row[3] + 1
            self._moods.append((
                sid, t, int(mood.participants), int(mood.present), int(mood.away), int(mood.camera_off),
                _opt_float(mood.valence), _opt_float(mood.valence_change),
                json.dumps({str(k): float(v) for k, v in mood.distribution.items()}),
                json.dumps(alerts),
            ))
            now = time.monotonic()
            if self._oldest is None:
                self._oldest = now
            if now - self._oldest >= self._flush_interval:
                self.flush()

    def flush(self) -> None:
        """Commit every buffered row in one transaction."""
        with self._lock:
            if not (self._moods or self._observations or self._participants) or self._conn is None:
                return
            sid = self.session_id
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(_INSERT_OBSERVATION, self._observations)
                conn.executemany(_INSERT_MOOD, self._moods)
                conn.executemany(_UPSERT_PARTICIPANT,
                                 [(sid, pid, *row) for pid, row in self._participants.items()])
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            self._drop_buffer()

    def _drop_buffer(self) -> None:
        self._observations.clear()
        self._moods.clear()
        self._participants.clear()
        self._oldest = None

    def restart_session(self, source: str | None = None) -> None:
        """Forget what the current session has recorded so far (its participants,
        observations, moods and stretches not read): it watched something other than the
        class (a window chosen before the meeting's own showed). The session, its settings
        and its start stay; ``source``, when given, becomes what it records from.

        Raises:
            RuntimeError: no session started, or the store is read-only or closed.
        """
        self._started("restart_session")
        with self._lock:
            self.flush()
            for table in ("observations", "moods", "participants", "unread"):
                self._conn.execute(f"DELETE FROM {table} WHERE session_id = ?", (self.session_id,))
            if source is not None:
                self._conn.execute("UPDATE sessions SET source = ? WHERE id = ?", (str(source), self.session_id))

    def set_source(self, source: str) -> None:
        """What the current session records from, now (another part of the screen the
        teacher picked mid-class); what was recorded stays.

        Raises:
            RuntimeError: no session started, or the store is read-only or closed.
        """
        self._started("set_source")
        with self._lock:
            self._conn.execute("UPDATE sessions SET source = ? WHERE id = ?", (str(source), self.session_id))

    def mark_unread(self, start_s: float, end_s: float | None, frames: int | None = None) -> None:
        """Mark a stretch of the current session's recording that could not be read, so
        that the report says where the figures have a hole.

        Args:
            start_s: where it starts, seconds of the recording.
            end_s: where reading went on, or None: nothing after ``start_s`` could be
                read (a truncated or damaged end).
            frames: the frames skipped in it, if known.

        Raises:
            RuntimeError: no session started, or the store is read-only or closed.
        """
        self._started("mark_unread")
        with self._lock:
            self.flush()
            self._conn.execute("INSERT INTO unread (session_id, start_s, end_s, frames) VALUES (?, ?, ?, ?)",
                               (self.session_id, float(start_s), None if end_s is None else float(end_s),
                                None if frames is None else int(frames)))

    def end_session(self, ended_at: float | None = None, *, recording_end_s: float | None = None) -> None:
        """Flush and mark the current session ended (now, unless ``ended_at`` is given).

        Args:
            ended_at: Unix seconds (default: now).
            recording_end_s: for a recording, where reading it ended, in seconds of the
                recording (its length when read whole): the last frame counts until
                there, and the session's length is this.
        """
        self._check_writable()
        with self._lock:
            if self.session_id is None:
                return
            self.flush()
            self._conn.execute("UPDATE sessions SET ended_at = ?, recording_end_s = ? WHERE id = ?",
                               (time.time() if ended_at is None else float(ended_at),
                                None if recording_end_s is None else float(recording_end_s), self.session_id))
            self.session_id = None

    def close(self) -> None:
        """Flush, stop the flusher thread and close. The session is not marked ended."""
        self._stop.set()
        if self._flusher is not None:
            self._flusher.join()
            self._flusher = None
        with self._lock:
            if self._conn is None:
                return
            try:
                self.flush()
            finally:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> SessionStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _flush_loop(self) -> None:
        while not self._stop.wait(self._flush_interval / 2):
            try:
                self.flush()
            except BaseException as e:  # surfaced on the writer's next record()
                self._flusher_error = e
                return

    def _raise_flusher_error(self) -> None:
        if self._flusher_error is not None:
            e, self._flusher_error = self._flusher_error, None
            raise e

    # ------------------------------------------------------------------ reading
    def _query(self, sql: str, args: tuple = ()) -> list[tuple]:
        """Rows of one SELECT, after committing whatever this store still buffers."""
        with self._lock:
            if self._conn is None:
                raise RuntimeError(f"{self.path}: store is closed")
            self.flush()
            return self._conn.execute(sql, args).fetchall()

    def sessions(self) -> list[SessionInfo]:
        """Every stored session, newest first."""
        rows = self._query(
            f"SELECT s.id, s.started_at, s.ended_at, s.source, s.names, s.presence_only, s.settings, s.app_version, "
            "(SELECT COUNT(*) FROM moods m WHERE m.session_id = s.id), "
            "(SELECT COUNT(*) FROM participants p WHERE p.session_id = s.id), "
            "(SELECT MAX(t) FROM moods m WHERE m.session_id = s.id), "
            f"{self._column('sessions', 's.recording_end_s')} "
            "FROM sessions s ORDER BY s.started_at DESC, s.id DESC"
        )
        out = []
        for sid, started, ended, source, names, po, settings, version, frames, parts, last_t, rec_end in rows:
            settings = SessionSettings.from_dict(json.loads(settings))
            if rec_end is not None:
                duration = rec_end
            elif last_t is not None:
                duration = last_t + (settings.frame_step_s or 0.0)
            else:
                duration = ended - started if ended is not None else 0.0
            out.append(SessionInfo(sid, started, ended, source, bool(names), bool(po), settings, frames, parts,
                                   float(max(duration, 0.0)), version or "",
                                   None if rec_end is None else float(rec_end)))
        return out

    def _column(self, table: str, column: str) -> str:
        """``column`` (``name`` or ``alias.name``) to SELECT from ``table``, or ``NULL``
        when the table lacks it: a database of an older schema opened read-only (e.g.
        ``sessions.recording_end_s`` before 2, the valence changes before 3)."""
        name = column.rsplit(".", 1)[-1]
        cols = self._query(f"PRAGMA table_info({table})")
        return column if any(c[1] == name for c in cols) else "NULL"

    def session(self, ref: int | str) -> SessionInfo:
        """One session by id (an int or a digit string) or ``"latest"``.

        Raises:
            InputError: no such session, ``ref`` is neither, or ``"latest"`` in a database
                without sessions (``option="db"``).
        """
        all_ = self.sessions()
        if isinstance(ref, str) and ref.strip().lower() == "latest":
            if not all_:
                raise InputError(f"no sessions in {self.path} yet; record one first or choose another database file",
                                 option="db")
            return all_[0]
        if isinstance(ref, str) and not ref.strip().isdigit():
            raise InputError(f"session {ref!r} is not a session id; pass a number or 'latest' "
                             "(list them with: classmood sessions)")
        sid = int(ref)
        for s in all_:
            if s.id == sid:
                return s
        raise InputError(f"session {sid} not found in {self.path}; list them with: classmood sessions")

    def participants(self, session_id: int) -> list[ParticipantRow]:
        """A session's participants, in order of first appearance."""
        rows = self._query("SELECT pid, name, first_seen, last_seen, frames FROM participants "
                           "WHERE session_id = ? ORDER BY first_seen, pid", (int(session_id),))
        return [ParticipantRow(*r) for r in rows]

    def observations(self, session_id: int, participant: str | None = None) -> list[ObservationRow]:
        """A session's observation rows (optionally one participant's), ordered by time."""
        later = ", ".join(self._column("observations", c) for c in
                          ("baseline_valence", "valence_change", "uncertain_reason", "usual_label", "negative_change",
                           "negative_line"))
        sql = ("SELECT t, pid, presence, tile_state, tile_index, x, y, w, h, label, confidence, valence, "
               f"{later}, {', '.join(_PROB_COLUMNS)} FROM observations WHERE session_id = ?")
        args: tuple = (int(session_id),)
        if participant is not None:
            sql += " AND pid = ?"
            args += (participant,)
        out = []
        for r in self._query(sql + " ORDER BY t, rowid", args):
            box = None if r[5] is None else tuple(r[5:9])
            probs = None if r[18] is None else tuple(r[18:])
            out.append(ObservationRow(r[0], r[1], r[2], r[3], r[4], box, r[9], r[10], r[11], probs,
                                      baseline_valence=r[12], valence_change=r[13], uncertain_reason=r[14],
                                      usual_label=r[15], negative_change=r[16], negative_line=r[17]))
        return out

    def unread(self, session_id: int) -> list[UnreadRow]:
        """The stretches of a session's recording that could not be read, by start."""
        try:
            rows = self._query("SELECT start_s, end_s, frames FROM unread WHERE session_id = ? "
                               "ORDER BY start_s, rowid", (int(session_id),))
        except sqlite3.OperationalError as exc:  # a version-1 database opened read-only
            if "no such table" in str(exc):
                return []
            raise
        return [UnreadRow(*r) for r in rows]

    def moods(self, session_id: int) -> list[MoodRow]:
        """A session's class-mood rows, ordered by time."""
        rows = self._query("SELECT t, participants, present, away, camera_off, valence, distribution, alerts, "
                           f"{self._column('moods', 'valence_change')} "
                           "FROM moods WHERE session_id = ? ORDER BY t, rowid", (int(session_id),))
        return [MoodRow(*r[:6], json.loads(r[6]), json.loads(r[7]), valence_change=r[8]) for r in rows]

    def mood_series(self, session_id: int) -> MoodSeries:
        """A session's class-mood rows as arrays (time, class valence and change from the
        baselines, the alerts raised): what the report needs of them, without the
        expression distributions."""
        rows = self._query(f"SELECT t, valence, {self._column('moods', 'valence_change')}, "
                           "CASE WHEN alerts != '[]' THEN alerts END FROM moods "
                           "WHERE session_id = ? ORDER BY t, rowid", (int(session_id),))
        if not rows:
            return MoodSeries(np.zeros(0), np.zeros(0), np.zeros(0), ())
        t, valence, change, alerts = zip(*rows)
        return MoodSeries(np.array(t, np.float64), np.array(valence, np.float64),  # None -> NaN
                          np.array(change, np.float64),
                          tuple((k, json.loads(a)) for k, a in enumerate(alerts) if a is not None))

    def observation_arrays(self, session_id: int, t_from: float = -math.inf,
                           t_to: float = math.inf) -> ObservationArrays:
        """A session's observations with ``t_from <= t < t_to`` (seconds since its start)
        as columns, for bulk arithmetic: about 720,000 rows (50 participants, 2 hours at
        2 frames a second) in a few seconds."""
        sid = int(session_id)
        ids = [p.id for p in self.participants(sid)]
        later = {c: self._column("observations", c) for c in
                 ("valence_change", "uncertain_reason", "usual_label", "negative_change", "negative_line")}
        reason = (_code(later["uncertain_reason"], UNCERTAIN_REASONS, -1) if later["uncertain_reason"] != "NULL"
                  else "-1")
        usual = _code(later["usual_label"], LABELS, -1) if later["usual_label"] != "NULL" else "-1"
        rows = self._query(f"SELECT pid, t, {_code('presence', PRESENCES, len(PRESENCES))}, "
                           f"{_code('label', LABELS, -1)}, valence, {later['valence_change']}, {reason}, {usual}, "
                           f"{later['negative_change']}, {later['negative_line']} "
                           "FROM observations "
                           "WHERE session_id = ? AND t >= ? AND t < ? ORDER BY t, rowid",
                           (sid, float(t_from), float(t_to)))
        if not rows:
            z = np.zeros(0)
            return ObservationArrays(tuple(ids), z.astype(np.int32), z, z.astype(np.int8), z.astype(np.int8), z, z)
        pid, t, presence, label, valence, change, reason, usual, neg_change, neg_line = zip(*rows)
        del rows
        index = {p: i for i, p in enumerate(ids)}
        for p in pid:  # observed without a participant row (should not happen)
            if p not in index:
                index[p] = len(ids)
                ids.append(p)
        participant = np.fromiter((index[p] for p in pid), np.int32, len(pid))
        t = np.array(t, np.float64)
        order = np.lexsort((t, participant))  # stable: equal times keep the store's order
        return ObservationArrays(tuple(ids), participant[order], t[order], np.array(presence, np.int8)[order],
                                 np.array(label, np.int8)[order], np.array(valence, np.float64)[order],
                                 np.array(change, np.float64)[order], np.array(reason, np.int8)[order],
                                 np.array(usual, np.int8)[order], np.array(neg_change, np.float64)[order],
                                 np.array(neg_line, np.float64)[order])

    # ------------------------------------------------------------------ deleting
    def delete_session(self, session_id: int) -> bool:
        """Delete a session with all its rows; True if it existed."""
        self._check_writable()
        with self._lock:
            if session_id == self.session_id:  # forget what was buffered for it
                self._drop_buffer()
                self.session_id = None
            n = self._conn.execute("DELETE FROM sessions WHERE id = ?", (int(session_id),)).rowcount
            self._checkpoint()
        return n > 0

    def purge_older_than(self, days: float, now: float | None = None) -> int:
        """Delete the sessions started more than ``days`` days before ``now`` (default:
        the present) except the one being written; return how many were deleted."""
        self._check_writable()
        if not (days >= 0 and math.isfinite(days)):
            raise InputError(f"cannot purge sessions older than {days} days; pass a number of days >= 0")
        cutoff = (time.time() if now is None else float(now)) - float(days) * 86400.0
        with self._lock:
            n = self._conn.execute("DELETE FROM sessions WHERE started_at < ? AND id IS NOT ?",
                                   (cutoff, self.session_id)).rowcount
            self._checkpoint()
        return n

    def _checkpoint(self) -> None:
        self.flush()
        self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
