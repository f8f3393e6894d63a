"""The session store: round trips, privacy, errors, deletion and crash safety."""

from __future__ import annotations

import os
import queue
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from classmood import __version__
from classmood.agent.store import PRESENCES, SessionSettings, SessionStore, default_db_path
from classmood.errors import InputError
from classmood.labels import FER_CLASSES, LABELS
from classmood.types import (Alert, ClassSnapshot, FrameResult, GalleryResult, ParticipantResult, Presence,
                             TileState)

ROOT = Path(__file__).resolve().parents[2]


def frame(t: float, *, names: bool = True, left: bool = False) -> FrameResult:
    """A hand-made FrameResult: P01 present and happy-ish (0.15 below their baseline),
    P02 away, optionally P03 left."""
    probs = np.array([0.05, 0.0, 0.05, 0.6, 0.1, 0.1, 0.1], dtype=np.float32)
    parts = [
        ParticipantResult(id="P01", tile_index=0, bbox=(0, 0, 320, 180), tile_state=TileState.FACE,
                          presence=Presence.PRESENT, name="Ada Lovelace" if names else None,
                          face_bbox=(100.0, 40.0, 60.0, 70.0), probs=probs, smoothed=probs * np.float32(1.0),
                          label="happy", confidence=np.float32(0.6), valence=np.float64(0.55),
                          baseline_valence=np.float64(0.7), valence_change=np.float64(0.55 - 0.7),
                          baseline_learnt=True),
        ParticipantResult(id="P02", tile_index=1, bbox=(320, 0, 320, 180), tile_state=TileState.NO_FACE,
                          presence=Presence.AWAY, name="Bob" if names else None, away_s=3.0),
    ]
    if left:
        parts.append(ParticipantResult(id="P03", tile_index=None, bbox=None, tile_state=None,
                                       presence=Presence.LEFT, name="Cy"))
    mood = ClassSnapshot(participants=len(parts), present=1, away=1, camera_off=0,
                     distribution={"happy": np.float32(1.0)}, valence=np.float64(0.55),
                     valence_change=np.float64(0.55 - 0.7),
                     alerts=(Alert("away", "P02", 3.0, "Bob has been away for 3 s"),))
    return FrameResult(timestamp=t, gallery=GalleryResult(width=640, height=360, tiles=()),
                       participants=tuple(parts), mood=mood)


def as_schema(db: Path, version: int) -> None:
    """Turn the database ``db`` into one of schema ``version`` (1, 2 or 3), as an older
    ClassMood left it: without the tables and columns added since."""
    conn = sqlite3.connect(db)
    if version < 4:  # why a label was uncertain, the usual label, the negative probability's change
        for column in ("uncertain_reason", "usual_label", "negative_change", "negative_line"):
            conn.execute(f"ALTER TABLE observations DROP COLUMN {column}")
    if version < 3:  # each participant's baseline and change, the class's change
        conn.execute("ALTER TABLE observations DROP COLUMN baseline_valence")
        conn.execute("ALTER TABLE observations DROP COLUMN valence_change")
        conn.execute("ALTER TABLE moods DROP COLUMN valence_change")
    if version < 2:  # a recording's end and unreadable stretches
        conn.execute("DROP TABLE unread")
        conn.execute("ALTER TABLE sessions DROP COLUMN recording_end_s")
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "classmood.db"


def test_round_trip(db):
    with SessionStore(db) as store:
        sid = store.start_session(source="video:class.mp4", names=True, started_at=1000.0,
                                  settings={"fps": 2})
        for i in range(5):
            store.record(frame(i * 0.5, left=(i == 4)))
        store.end_session(ended_at=1010.0)
        assert store.session_id is None
    assert db.exists()

    with SessionStore(db, readonly=True) as store:
        (info,) = store.sessions()
        assert (info.id, info.started_at, info.ended_at, info.source) == (sid, 1000.0, 1010.0, "video:class.mp4")
        assert info.names and not info.presence_only and info.settings == SessionSettings(fps=2)
        assert info.settings.to_dict() == {"fps": 2} and info.app_version == __version__
        assert (info.frames, info.participants, info.duration_s) == (5, 2, 2.5)  # last frame + 1 / fps
        assert info.recording_end_s is None and not info.recording  # no recording's end was given

        parts = store.participants(sid)
        assert [(p.id, p.name, p.first_seen_s, p.last_seen_s, p.frames) for p in parts] == [
            ("P01", "Ada Lovelace", 0.0, 2.0, 5), ("P02", "Bob", 0.0, 2.0, 5)]

        obs = store.observations(sid)
        assert len(obs) == 10  # P03 ("left") is never an observation
        assert [o.t for o in obs] == sorted(o.t for o in obs)
        a = store.observations(sid, "P01")[-1]
        assert (a.t, a.participant, a.presence, a.tile_state, a.tile_index, a.bbox, a.label) == (
            2.0, "P01", "present", "face", 0, (0, 0, 320, 180), "happy")
        assert a.confidence == pytest.approx(0.6) and a.valence == pytest.approx(0.55)
        assert (a.baseline_valence, a.valence_change) == (0.7, 0.55 - 0.7)  # stored as given, beside the valence
        assert len(a.probs) == len(FER_CLASSES) and a.probs[FER_CLASSES.index("happy")] == pytest.approx(0.6)
        assert all(type(v) is float for v in a.probs)
        b = store.observations(sid, "P02")[0]
        assert (b.presence, b.tile_state, b.label, b.valence, b.probs) == ("away", "no_face", None, None, None)
        assert (b.baseline_valence, b.valence_change) == (None, None)

        moods = store.moods(sid)
        assert [m.t for m in moods] == [0.0, 0.5, 1.0, 1.5, 2.0]
        m = moods[0]
        assert (m.participants, m.present, m.away, m.camera_off) == (2, 1, 1, 0)
        assert m.valence == pytest.approx(0.55) and m.distribution == {"happy": 1.0}
        assert m.valence_change == 0.55 - 0.7
        assert m.alerts == [{"kind": "away", "participant": "P02", "since_s": 3.0,
                             "message": "Bob has been away for 3 s"}]


def test_names_stored_only_when_names_on(db):
    with SessionStore(db) as store:
        sid = store.start_session(source="screen", names=False)
        store.record(frame(0.0, names=True))  # the result carries names anyway
        store.end_session()
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM participants WHERE name IS NOT NULL").fetchone() == (0,)
        dump = "\n".join(conn.iterdump())
    assert "Ada" not in dump and "Bob" not in dump
    with SessionStore(db) as store:
        assert [p.name for p in store.participants(sid)] == [None, None]
        assert store.moods(sid)[0].alerts[0]["message"] == "P02 has been away for 3 s"
        assert store.session(sid).names is False


def test_schema_holds_no_pixels(db):
    with SessionStore(db) as store:
        store.start_session(source="screen", names=True)
        for i in range(3):
            store.record(frame(i * 0.1))
    conn = sqlite3.connect(db)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert {"sessions", "participants", "observations", "moods"} <= set(tables)
    pixelish = ("blob", "image", "pixel", "crop", "frame_data", "thumb", "jpeg", "png")
    for table in tables:
        cols = conn.execute(f"PRAGMA table_info({table})").fetchall()
        for _, name, decl, *_ in cols:
            if not table.startswith("sqlite_"):  # sqlite_sequence (AUTOINCREMENT) is SQLite's own
                assert decl.upper() in ("INTEGER", "REAL", "TEXT"), (table, name, decl)
            assert not any(w in name.lower() for w in pixelish), (table, name)
            types = {r[0] for r in conn.execute(f'SELECT DISTINCT typeof("{name}") FROM "{table}"')}
            assert types <= {"integer", "real", "text", "null"}, (table, name, types)
    # Text columns hold short strings or JSON, never a serialised array of pixels.
    longest = conn.execute("SELECT MAX(LENGTH(distribution) + LENGTH(alerts)) FROM moods").fetchone()[0]
    assert longest < 500
    conn.close()


def test_sessions_latest_and_missing(db):
    with SessionStore(db) as store:
        with pytest.raises(InputError, match="no sessions"):
            store.session("latest")
        first = store.start_session(source="a", started_at=100.0)
        store.end_session(ended_at=160.0)
        second = store.start_session(source="b", started_at=200.0, presence_only=True)
        assert [s.id for s in store.sessions()] == [second, first]
        assert store.session("latest").id == second
        assert store.session(str(first)).source == "a"
        assert store.session(first).duration_s == 60.0  # no frames: ended - started
        assert store.session(second).ended_at is None and store.session(second).presence_only
        with pytest.raises(InputError) as e:
            store.session(7)
        msg = str(e.value)
        assert msg == f"session 7 not found in {db}; list them with: classmood sessions"
        assert "\n" not in msg
        with pytest.raises(InputError, match="not a session id"):
            store.session("yesterday")


def test_delete_cascade_and_purge(db):
    day = 86400.0
    now = 1_700_000_000.0
    with SessionStore(db) as store:
        ids = []
        for age_days in (40, 10, 1):
            ids.append(store.start_session(source=f"{age_days}d", names=True, started_at=now - age_days * day))
            store.record(frame(0.0))
            store.record(frame(1.0))
            store.end_session(ended_at=now - age_days * day + 60)
        assert store.delete_session(ids[1]) is True
        assert store.delete_session(ids[1]) is False
        assert store.participants(ids[1]) == [] and store.observations(ids[1]) == [] and store.moods(ids[1]) == []
        assert store.observations(ids[0]) != []

        assert store.purge_older_than(30, now=now) == 1
        assert [s.id for s in store.sessions()] == [ids[2]]
        assert store.purge_older_than(30, now=now) == 0
    conn = sqlite3.connect(db)
    for table in ("participants", "observations", "moods"):
        assert conn.execute(f"SELECT DISTINCT session_id FROM {table}").fetchall() == [(ids[2],)]
    assert conn.execute("SELECT COUNT(*) FROM unread").fetchone()[0] == 0
    conn.close()
    # The checkpoint left no deleted rows behind in the write-ahead log.
    wal = db.with_name(db.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    assert b"40d" not in db.read_bytes()  # secure_delete: the purged session is overwritten


def test_unread_stretches_round_trip_cascade_and_a_version_1_database(db):
    """Where a recording could not be read is kept with its session (deleted with it); a
    database written before that table existed (schema 1) is read (no stretches) and
    upgraded when opened for writing."""
    from classmood.agent.store import SCHEMA_VERSION, UnreadRow

    with SessionStore(db) as store:
        sid = store.start_session(source="video:class.mp4")
        store.record(frame(0.0))
        store.mark_unread(30.0, 30.5)
        store.mark_unread(59.0, None, frames=12)
        store.end_session()
        assert store.unread(sid) == [UnreadRow(30.0, 30.5), UnreadRow(59.0, None, 12)]
        with pytest.raises(RuntimeError):
            store.mark_unread(1.0, 2.0)  # no session now
        store.delete_session(sid)
        assert store.unread(sid) == []
        old = store.start_session(source="video:old.mp4")
        store.record(frame(0.0))
        store.end_session()
    as_schema(db, 1)
    with SessionStore(db, readonly=True) as store:
        assert store.unread(old) == [] and len(store.observations(old)) == 2
        assert store.session(old).recording_end_s is None
    with SessionStore(db) as store:
        new = store.start_session(source="video:new.mp4")
        store.mark_unread(1.0, 2.0)
        store.record(frame(0.0))
        store.end_session(recording_end_s=3.0)
        assert store.unread(old) == [] and store.session(new).recording_end_s == 3.0
        assert store.session(new).duration_s == 3.0 and store.session(new).recording
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
    conn.close()


def test_a_version_2_database_reads_without_valence_changes_and_is_upgraded(db):
    """A session stored before baselines (schema 2: no participant baseline or change, no
    class change) reads with those as None / NaN, read-only; opened for writing, the
    columns are added (the old rows keep NULL) and new sessions store them."""
    from classmood.agent.store import SCHEMA_VERSION

    with SessionStore(db) as store:
        old = store.start_session(source="screen")
        for i in range(3):
            store.record(frame(i * 0.5))
        store.end_session()
    as_schema(db, 2)
    with SessionStore(db, readonly=True) as store:
        assert store.session(old).frames == 3
        a = store.observations(old, "P01")[0]
        assert a.valence == pytest.approx(0.55) and (a.baseline_valence, a.valence_change) == (None, None)
        m = store.moods(old)[0]
        assert m.valence == pytest.approx(0.55) and m.valence_change is None
        series = store.mood_series(old)
        assert series.valence == pytest.approx([0.55] * 3) and np.isnan(series.valence_change).all()
        arrays = store.observation_arrays(old)
        assert len(arrays.valence_change) == 6 and np.isnan(arrays.valence_change).all()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2  # read-only: left as it was
    with SessionStore(db) as store:
        new = store.start_session(source="screen")
        store.record(frame(0.0))
        store.end_session()
        assert store.observations(old, "P01")[0].valence_change is None  # nothing made up for old rows
        assert store.moods(old)[0].valence_change is None
        b = store.observations(new, "P01")[0]
        assert (b.baseline_valence, b.valence_change) == (0.7, 0.55 - 0.7)
        assert store.moods(new)[0].valence_change == 0.55 - 0.7
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4


def _uncertain_frame(t: float) -> FrameResult:
    """P01 too dark to read, P02 read but the model unsure, P03 happy against a usual
    neutral (0.25 more negative probability than usual, their line 0.2), P04 away."""
    probs = np.full(7, 1 / 7, np.float32)
    parts = (
        ParticipantResult(id="P01", tile_index=0, bbox=(0, 0, 10, 10), tile_state=TileState.FACE,
                          presence=Presence.PRESENT, label="uncertain", unreadable="too dark"),
        ParticipantResult(id="P02", tile_index=1, bbox=(10, 0, 10, 10), tile_state=TileState.FACE,
                          presence=Presence.PRESENT, smoothed=probs, label="uncertain", confidence=1 / 7,
                          valence=0.0, usual_label="sad"),
        ParticipantResult(id="P03", tile_index=2, bbox=(20, 0, 10, 10), tile_state=TileState.FACE,
                          presence=Presence.PRESENT, smoothed=probs, label="happy", confidence=0.6, valence=0.5,
                          baseline_valence=0.1, valence_change=0.4, baseline_learnt=True, usual_label="neutral",
                          negative_change=0.25, negative_line=0.2),
        ParticipantResult(id="P04", tile_index=3, bbox=(30, 0, 10, 10), tile_state=TileState.NO_FACE,
                          presence=Presence.AWAY),
    )
    return FrameResult(timestamp=t, gallery=GalleryResult(width=40, height=10, tiles=()), participants=parts,
                       mood=ClassSnapshot(participants=4, present=3, away=1, camera_off=0))


def test_why_a_face_was_uncertain_and_the_usual_label_are_stored_and_a_version_3_database_upgraded(db):
    """Issue 19: why a label was ``uncertain`` (the face-quality reason, or ``low
    confidence`` for a face read with the model unsure) is stored per observation with the
    participant's usual label and negative-probability change; a schema-3 database reads
    them as None / -1 read-only and is upgraded (old rows NULL) when opened for writing."""
    from classmood.agent.store import SCHEMA_VERSION
    from classmood.labels import UNCERTAIN_REASONS

    with SessionStore(db) as store:
        sid = store.start_session(source="screen")
        for i in range(2):
            store.record(_uncertain_frame(i * 0.5))
        store.end_session()
        rows = {o.participant: o for o in store.observations(sid) if o.t == 0.5}
        assert (rows["P01"].uncertain_reason, rows["P02"].uncertain_reason) == ("too dark", "low confidence")
        assert (rows["P03"].uncertain_reason, rows["P04"].uncertain_reason) == (None, None)
        assert (rows["P02"].usual_label, rows["P03"].usual_label, rows["P01"].usual_label) == ("sad", "neutral", None)
        assert (rows["P03"].negative_change, rows["P03"].negative_line) == (0.25, 0.2)
        a = store.observation_arrays(sid)
        by = dict(zip(a.ids, range(len(a.ids))))
        first = {pid: int(np.nonzero(a.participant == k)[0][0]) for pid, k in by.items()}
        assert a.reason[first["P01"]] == UNCERTAIN_REASONS.index("too dark")
        assert a.reason[first["P02"]] == UNCERTAIN_REASONS.index("low confidence")
        assert a.reason[first["P03"]] == -1 and a.usual[first["P03"]] == LABELS.index("neutral")
        assert a.negative_change[first["P03"]] == 0.25 and np.isnan(a.negative_change[first["P02"]])
    as_schema(db, 3)
    with SessionStore(db, readonly=True) as store:
        o = store.observations(sid, "P01")[0]
        assert o.label == "uncertain" and (o.uncertain_reason, o.usual_label, o.negative_change) == (None, None, None)
        a = store.observation_arrays(sid)
        assert (a.reason == -1).all() and (a.usual == -1).all() and np.isnan(a.negative_line).all()
    with SessionStore(db) as store:
        assert store.observations(sid, "P01")[0].uncertain_reason is None  # nothing made up for old rows
        new = store.start_session(source="screen")
        store.record(_uncertain_frame(0.0))
        store.end_session()
        assert store.observations(new, "P01")[0].uncertain_reason == "too dark"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4


def test_a_database_claiming_this_schema_without_its_columns_is_one_clear_error(db):
    """A file that says schema 4 but lacks a column of it (a development build's): one
    line at open naming the file, the column and what to do, not a SQL error at the end
    of an analysis (``classmood analyze`` said "internal error: no such column:
    recording_end_s" after reading the whole input)."""
    from classmood.errors import InputError

    with SessionStore(db) as store:
        store.start_session(source="screen")
        store.record(frame(0.0))
        store.end_session()
    conn = sqlite3.connect(db)
    conn.execute("ALTER TABLE sessions DROP COLUMN recording_end_s")
    conn.commit()
    conn.close()
    with pytest.raises(InputError) as err:
        SessionStore(db)
    msg = str(err.value)
    assert str(db) in msg and "sessions.recording_end_s" in msg and "choose another database file" in msg
    assert err.value.option == "db" and "\n" not in msg


def test_restart_session_forgets_what_was_recorded_and_keeps_the_session(db):
    """What the session recorded before the meeting's own window showed is forgotten; the
    session (its id, start, settings) stays and records on, from the new source."""
    with SessionStore(db) as store:
        sid = store.start_session(source="window Eog (600x600 at 1000,20)", started_at=1000.0)
        for i in range(3):
            store.record(frame(i * 0.5))
        store.mark_unread(0.2, 0.4)
        store.restart_session(source="window zoom (960x600 at 20,20)")
        store.record(frame(2.0))
        store.end_session()
        info = store.session(sid)
        assert (info.started_at, info.source, info.frames) == (1000.0, "window zoom (960x600 at 20,20)", 1)
        assert [m.t for m in store.moods(sid)] == [2.0] and store.unread(sid) == []
        assert {o.t for o in store.observations(sid)} == {2.0}


def test_reopen_after_close_and_wal(db):
    store = SessionStore(db, flush_interval_s=60.0)
    sid = store.start_session(source="screen")
    store.record(frame(0.0))
    store.record(frame(0.5))
    store.close()  # flushes, does not end the session
    store.close()  # twice is fine
    with SessionStore(db) as again:
        assert again._conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        info = again.session("latest")
        assert (info.id, info.ended_at, info.frames) == (sid, None, 2)
        sid2 = again.start_session(source="screen")
        assert sid2 > sid


def test_quiet_period_is_flushed_by_the_thread(db):
    with SessionStore(db, flush_interval_s=0.1) as store:
        store.start_session(source="screen")
        store.record(frame(0.0))
        deadline = time.monotonic() + 3.0
        other = sqlite3.connect(db)
        while other.execute("SELECT COUNT(*) FROM moods").fetchone()[0] == 0:
            assert time.monotonic() < deadline, "the flusher thread never committed the buffered row"
            time.sleep(0.02)
        other.close()


def test_bad_paths_give_one_line_input_errors(tmp_path):
    junk = tmp_path / "notes.db"
    junk.write_text("these are my lecture notes, not a database\n" * 100)
    with pytest.raises(InputError) as e:
        SessionStore(junk)
    assert str(e.value).startswith(f"{junk}: not a ClassMood database") and e.value.option == "db"
    assert "\n" not in str(e.value) and "--" not in str(e.value)  # the CLI adds the flag
    assert junk.read_text().startswith("these are my lecture notes")  # left untouched

    with pytest.raises(InputError, match="is a folder"):
        SessionStore(tmp_path)

    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE recipes (name TEXT)")
    with pytest.raises(InputError, match="not a ClassMood database"):
        SessionStore(other)

    newer = tmp_path / "newer.db"
    with sqlite3.connect(newer) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(InputError, match="newer"):
        SessionStore(newer)

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputError, match="does not exist"):
        SessionStore(blocker / "classmood.db")
    with pytest.raises(InputError, match=r"folder .*typo does not exist; create it first"):
        SessionStore(tmp_path / "typo" / "classmood.db")  # a mistyped folder starts no database
    assert not (tmp_path / "typo").exists()

    with pytest.raises(InputError, match="no ClassMood database"):
        SessionStore(tmp_path / "missing.db", readonly=True)


def test_every_database_error_names_the_db_parameter(tmp_path):
    """Library errors name the parameter at fault (``option="db"``), never a flag."""
    junk = tmp_path / "notes.db"
    junk.write_text("not a database\n" * 100)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE recipes (name TEXT)")
    newer = tmp_path / "newer.db"
    with sqlite3.connect(newer) as conn:
        conn.execute("PRAGMA user_version = 99")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    empty = tmp_path / "empty.db"
    SessionStore(empty).close()
    for make in (lambda: SessionStore(junk), lambda: SessionStore(tmp_path), lambda: SessionStore(other),
                 lambda: SessionStore(newer), lambda: SessionStore(blocker / "classmood.db"),
                 lambda: SessionStore(tmp_path / "missing.db", readonly=True),
                 lambda: SessionStore(empty, readonly=True).session("latest")):
        with pytest.raises(InputError) as e:
            make()
        assert e.value.option == "db" and "--" not in str(e.value) and "\n" not in str(e.value), str(e.value)


def test_settings_are_typed_and_stored_as_before(db):
    with SessionStore(db) as store:
        a = store.start_session(source="screen", settings=SessionSettings(command="run", min_face_score=0.5, fps=2.0))
        b = store.start_session(source="x.mp4", settings={"command": "analyze", "min_face_score": 0.6})  # the old form
        c = store.start_session(source="screen")
        with pytest.raises(TypeError):
            store.start_session(source="screen", settings={"colour": "blue"})
        with pytest.raises(ValueError, match="fps"):
            store.start_session(source="screen", settings=SessionSettings(fps=0))
    conn = sqlite3.connect(db)
    stored = dict(conn.execute("SELECT id, settings FROM sessions").fetchall())
    # the column holds what it always held: the set fields as a JSON object, keys sorted
    assert stored[a] == '{"command": "run", "fps": 2.0, "min_face_score": 0.5}'
    assert stored[b] == '{"command": "analyze", "min_face_score": 0.6}' and stored[c] == "{}"
    # a database written before: unknown keys and bad values are read past
    conn.execute("UPDATE sessions SET settings = ? WHERE id = ?",
                 ('{"command": "demo", "every": 0.25, "fps": "fast", "min_face_score": true, "old": 1}', c))
    conn.commit()
    conn.close()
    with SessionStore(db, readonly=True) as store:
        assert store.session(a).settings == SessionSettings(command="run", min_face_score=0.5, fps=2.0)
        assert store.session(a).settings.frame_step_s == 0.5
        assert store.session(b).settings == SessionSettings(command="analyze", min_face_score=0.6)
        assert store.session(b).settings.frame_step_s is None
        old = store.session(c).settings
        assert old == SessionSettings(command="demo", every=0.25) and old.frame_step_s == 0.25


def test_mood_series_and_observation_arrays(db):
    with SessionStore(db) as store:
        sid = store.start_session(source="screen", names=True)
        for i in range(4):
            store.record(frame(i * 0.5, left=(i == 3)))
        store.end_session()
    with SessionStore(db, readonly=True) as store:
        m = store.mood_series(sid)
        assert m.t.dtype == np.float64 and m.t.tolist() == [0.0, 0.5, 1.0, 1.5]
        assert m.valence == pytest.approx([0.55] * 4)
        assert m.valence_change.dtype == np.float64 and m.valence_change == pytest.approx([-0.15] * 4)
        assert [k for k, _ in m.alerts] == [0, 1, 2, 3]
        assert m.alerts[0][1] == [{"kind": "away", "participant": "P02", "since_s": 3.0,
                                   "message": "Bob has been away for 3 s"}]
        o = store.observation_arrays(sid)
        assert o.ids == ("P01", "P02")  # P03 left: never an observation
        assert o.participant.tolist() == [0, 0, 0, 0, 1, 1, 1, 1]  # by participant, then time
        assert o.t.tolist() == [0.0, 0.5, 1.0, 1.5] * 2
        assert o.presence.tolist() == [PRESENCES.index("present")] * 4 + [PRESENCES.index("away")] * 4
        assert o.label.tolist() == [LABELS.index("happy")] * 4 + [-1] * 4
        assert o.valence[:4] == pytest.approx([0.55] * 4) and np.isnan(o.valence[4:]).all()
        assert o.valence_change[:4] == pytest.approx([-0.15] * 4) and np.isnan(o.valence_change[4:]).all()
        assert (o.participant.dtype, o.presence.dtype, o.label.dtype) == (np.int32, np.int8, np.int8)
        w = store.observation_arrays(sid, 0.5, 1.5)  # a window: t_from <= t < t_to
        assert w.t.tolist() == [0.5, 1.0, 0.5, 1.0] and w.ids == ("P01", "P02")
        e = store.observation_arrays(sid, 10.0)
        assert len(e.t) == 0 and e.ids == ("P01", "P02")
        assert len(store.mood_series(sid + 1).t) == 0


def test_default_db_path(monkeypatch, tmp_path):
    monkeypatch.setenv("CLASSMOOD_DB", str(tmp_path / "x.db"))
    assert default_db_path() == tmp_path / "x.db"
    monkeypatch.delenv("CLASSMOOD_DB")
    if sys.platform.startswith("linux"):
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
        assert default_db_path() == tmp_path / "classmood" / "classmood.db"
        monkeypatch.delenv("XDG_DATA_HOME")
        assert default_db_path() == Path.home() / ".local" / "share" / "classmood" / "classmood.db"


_WRITER = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, sys.argv[2])
    from tests.agent.test_store import frame
    from classmood.agent.store import SessionStore

    store = SessionStore(sys.argv[1])
    store.start_session(source="kill-test", names=True)
    t0 = time.monotonic()
    while True:
        t = time.monotonic() - t0
        store.record(frame(t))
        print(repr(t), flush=True)
        time.sleep(0.02)
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_kill_9_loses_at_most_a_second(tmp_path):
    rng = random.Random()
    for run in range(3):
        db = tmp_path / f"kill{run}.db"
        proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(db), str(ROOT)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lines: queue.Queue[str] = queue.Queue()
        reader = threading.Thread(target=lambda: [lines.put(s) for s in proc.stdout], daemon=True)
        reader.start()
        try:
            try:
                last = float(lines.get(timeout=20))
            except queue.Empty:
                pytest.fail(f"writer printed nothing: {proc.poll()} {proc.stderr.read() if proc.poll() else ''}")
            kill_after = rng.uniform(1.0, 2.5)
            deadline = time.monotonic() + kill_after
            while (left := deadline - time.monotonic()) > 0:
                try:
                    last = float(lines.get(timeout=left))
                except queue.Empty:
                    break
            assert proc.poll() is None, proc.stderr.read()
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
            reader.join(timeout=5)
            while not lines.empty():  # lines printed just before the kill count too
                last = float(lines.get_nowait())
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()
            proc.stderr.close()

        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT source, ended_at FROM sessions").fetchall() == [("kill-test", None)]
        max_t = conn.execute("SELECT MAX(t) FROM observations").fetchone()[0]
        conn.close()
        assert max_t is not None and max_t >= last - 1.0, (run, kill_after, last, max_t)
        with SessionStore(db) as store:  # and the store itself opens it
            info = store.session("latest")
            assert info.ended_at is None and info.frames > 0 and info.participants == 2
