"""Privacy by design, tested: after a full session (names off) and its report, no
pixels anywhere on disk: the database holds no image data and no face-sized arrays,
the report folder holds only the report (its images are our plots), and no name."""

from __future__ import annotations

import base64
import re
import sqlite3

import cv2
import numpy as np

from classmood.cli import main

from .agent import classvideo

SIGNATURES = {b"\x89PNG": "PNG", b"\xff\xd8\xff": "JPEG", b"BM": None, b"RIFF": "WebP/AVI", b"GIF8": "GIF"}


def _image_signatures(data: bytes) -> list[str]:
    found = []
    for sig, name in SIGNATURES.items():
        if name and sig in data:
            found.append(name)
    return found


def test_no_pixels_and_no_names_on_disk_after_a_session_and_its_report(faces_dir, tmp_path, capsys):
    frames_dir = tmp_path / "input"
    frames_dir.mkdir()
    for k, (t, img, truth) in enumerate(classvideo.frames(classvideo.portraits(faces_dir), end=6.0)):
        cv2.imwrite(str(frames_dir / f"frame{k:03d}.png"), img)
    home = tmp_path / "home"
    home.mkdir()  # a --db folder must exist (the default one is created)
    db = home / "classmood.db"
    assert main(["analyze", str(frames_dir), "--db", str(db), "--no-report"]) == 0
    assert main(["report", "latest", "--db", str(db), "--out", str(home / "report")]) == 0
    capsys.readouterr()

    # 1. the database: no image bytes, no blobs, nothing array-sized, no names
    for f in home.glob("classmood.db*"):
        data = f.read_bytes()
        assert not _image_signatures(data), f"{f.name}: {_image_signatures(data)}"
        for name in classvideo.NAMES:
            assert name.encode() not in data, f"{f.name} holds the name {name}"
    con = sqlite3.connect(db)
    tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    for table in tables:
        cols = [r[1] for r in con.execute(f"PRAGMA table_info({table})")]
        for col in cols:
            kinds = {r[0] for r in con.execute(f"SELECT DISTINCT typeof({col}) FROM {table}")}
            assert "blob" not in kinds, f"{table}.{col} holds blobs"
            longest = con.execute(f"SELECT max(length({col})) FROM {table}").fetchone()[0] or 0
            assert longest < 48 * 48, f"{table}.{col}: a value of {longest} bytes (face-sized)"
    con.close()

    # 2. the report folder: the report and nothing else; its only images are our plots
    files = sorted(p.name for p in (home / "report").iterdir())
    assert files == ["report.csv", "report.html", "report.json"], files
    html = (home / "report" / "report.html").read_text(encoding="utf-8")
    uris = re.findall(r"data:image/(\w+);base64,([A-Za-z0-9+/=]+)", html)
    assert uris, "the report should hold its plots"
    for kind, b64 in uris:
        img = cv2.imdecode(np.frombuffer(base64.b64decode(b64), np.uint8), cv2.IMREAD_COLOR)
        assert img is not None and img.shape[1] >= 800, "an embedded image that is not one of our plots"
    for name in ("report.csv", "report.json"):
        text = (home / "report" / name).read_text(encoding="utf-8-sig")
        assert not re.search(r"[A-Za-z0-9+/]{200,}", text), f"{name}: long encoded data"
    for name in classvideo.NAMES:
        for f in (home / "report").iterdir():
            assert name not in f.read_text(encoding="utf-8-sig"), f"{f.name} holds the name {name}"

    # 3. nothing else was written beside the database
    assert sorted(p.name for p in home.iterdir() if p.name != "report") <= ["classmood.db", "classmood.db-shm",
                                                                           "classmood.db-wal"]
