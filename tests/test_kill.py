"""Kill the agent at random points (SIGKILL), many times, into one database: it always
opens, it is never corrupt, and the report always builds for what was stored."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from classmood.agent.store import SessionStore
from classmood.report import build_report

ROOT = Path(__file__).resolve().parents[1]


def test_sigkill_at_random_points_never_loses_the_database(tmp_path):
    pytest.importorskip("matplotlib")
    db = tmp_path / "classmood.db"
    rng = random.Random(7)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    kills = 6
    for i in range(kills):
        proc = subprocess.Popen([sys.executable, "-m", "classmood", "demo", "--headless", "--duration", "120",
                                 "--db", str(db)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.5, 6.0))  # from start-up (nothing yet) to well into the class
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if db.exists():
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            con.close()
    assert db.exists(), "no run got far enough to create its database"
    with SessionStore(db, readonly=True) as store:
        sessions = store.sessions()
        assert 1 <= len(sessions) <= kills
        assert all(s.ended_at is None for s in sessions)  # every one was cut short
        assert any(s.frames > 0 for s in sessions)
        for s in sessions:
            paths = build_report(store, s.id, tmp_path / f"report-{s.id}")
            html = paths.html.read_text(encoding="utf-8")
            assert 'id="cut-short"' in html
