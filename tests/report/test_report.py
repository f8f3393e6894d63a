"""The post-class report: sessions recorded through the real pipeline on the synthetic
class video (scripted truth), and sessions written straight into the store (50
participants over 2 hours, edge cases); CSV and JSON figures against the truth and
against a naive re-count of the stored rows; the HTML's sections, rendering, privacy;
errors; the command line."""

from __future__ import annotations

import base64
import csv
import dataclasses
import datetime as dt
import json
import re
import sqlite3
import statistics
import subprocess
import time
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from benchmarks.report import CLASS_AWAY, CLASS_DROP, NEGATIVE_ONE, write_synthetic_session
from classmood import Pipeline, PipelineConfig
from classmood.agent.mood import MoodConfig
from classmood.agent.store import SessionStore
from classmood.agent.summary import SessionSummary
from classmood.errors import InputError
from classmood.labels import COLOURS, FER_CLASSES
from classmood.report import CSV_COLUMNS, build_report
from classmood.report import writers as report_writers
from classmood.types import Alert, ClassSnapshot, FrameResult, GalleryResult, ParticipantResult, Presence, TileState

from ..agent import classvideo

STEP = 0.5
LABELS = (*FER_CLASSES, "uncertain")
UNICODE_NAMES = ["김민준", "José Peña", "Zoë Ørsted", "Łukasz Żółw", "Ana María", "이서연", "Ngọc Trâm",
                 "Ahmed Ali", "Chloé D'Arcy"]
# scripted truth of the class video, per person: (present, away, camera off) seconds of 20
TRUTH = {0: (20, 0, 0), 1: (17, 0, 3), 2: (16, 4, 0), 3: (20, 0, 0), 4: (17, 0, 0), 5: (20, 0, 0),
         6: (20, 0, 0), 7: (20, 0, 0), 8: (0, 0, 20)}
STARTED_AT = 1_767_600_000.0


# --------------------------------------------------------------------------- helpers
def read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def csv_totals(rows: list[dict]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for r in rows:
        for j, c in enumerate(("present_s", "away_s", "camera_off_s")):
            out[r["participant"]][j] += float(r[c])
    return out


def naive(store: SessionStore, sid: int, interval: float, start: float = 0.0, end: float | None = None):
    """The accounting rule, one stored observation at a time (the reference for the
    vectorised code): {(pid, k): {"present"/"away"/"camera_off": s, label: s, "vs"/"vt":
    valence x s and s, "cs"/"ct": valence change x s and s}}.
    Each observation counts for its frame: until the next frame, one step before a pause
    (a gap of over two steps) and for the last frame."""
    ts = sorted({m.t for m in store.moods(sid)})
    step = statistics.median(b - a for a, b in zip(ts, ts[1:]))
    end = ts[-1] + step if end is None else min(end, ts[-1] + step)
    following = {a: b - a for a, b in zip(ts, ts[1:])}
    by = defaultdict(list)
    for o in store.observations(sid):
        by[o.participant].append(o)
    out: dict = defaultdict(lambda: defaultdict(float))
    for pid, obs in by.items():
        for i, o in enumerate(obs):
            gap = following.get(o.t)
            d = gap if gap is not None and gap <= 2 * step else step
            a, b = max(o.t, start), min(o.t + d, end)
            k = 0
            while a < b and start + k * interval < end:
                lo, hi = max(a, start + k * interval), min(b, start + (k + 1) * interval, end)
                if hi > lo:
                    cell = out[(pid, k)]
                    cell[o.presence] += hi - lo
                    if o.presence == "present" and o.label is not None:
                        cell[o.label] += hi - lo
                    if o.presence == "present" and o.valence is not None:
                        cell["vs"] += (hi - lo) * o.valence
                        cell["vt"] += hi - lo
                    if o.presence == "present" and o.valence_change is not None:
                        cell["cs"] += (hi - lo) * o.valence_change
                        cell["ct"] += hi - lo
                k += 1
    return out


class Doc(HTMLParser):
    """Every start tag with its attributes, and a check that non-void tags are closed."""

    VOID = {"meta", "img", "br", "link", "input", "hr", "rect", "polyline", "line", "circle"}

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.text: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)

    def ids(self) -> set[str]:
        return {a["id"] for _, a in self.tags if "id" in a}

    def imgs(self) -> list[dict]:
        return [a for t, a in self.tags if t == "img"]


def decode_plot(src: str) -> np.ndarray:
    import cv2

    assert src.startswith("data:image/png;base64,")
    img = cv2.imdecode(np.frombuffer(base64.b64decode(src.split(",", 1)[1]), np.uint8), cv2.IMREAD_COLOR)
    assert img is not None
    return img


def bgr(colour: str) -> np.ndarray:
    """A ``#rrggbb`` colour as OpenCV's BGR, int [3]."""
    return np.array([int(colour[i:i + 2], 16) for i in (5, 3, 1)])


def check_html(path: Path) -> Doc:
    doc = Doc(path.read_text(encoding="utf-8"))
    assert not doc.errors and not doc.stack, (doc.errors, doc.stack)
    assert {"summary", "timeline", "heatmap", "moments", "participants", "alerts", "caveats"} <= doc.ids()
    return doc


def make_frame(t: float, people: list[tuple], alerts=()) -> FrameResult:
    """A hand-made frame: people are (id, presence, label, valence[, baseline]); without a
    baseline their valence is read against 0 (a neutral usual face)."""
    parts = []
    for i, (pid, pres, label, val, *base) in enumerate(people):
        base = base[0] if base else 0.0
        state = {"present": TileState.FACE, "away": TileState.NO_FACE, "camera_off": TileState.CAMERA_OFF}[pres]
        probs = None
        if label is not None and label in FER_CLASSES:
            probs = np.full(7, 0.05, np.float32)
            probs[FER_CLASSES.index(label)] = 0.7
        parts.append(ParticipantResult(id=pid, tile_index=i, bbox=(i * 100, 0, 100, 80), tile_state=state,
                                       presence=Presence(pres), smoothed=probs, probs=probs, label=label,
                                       confidence=0.7 if label else 0.0, valence=val,
                                       baseline_valence=None if val is None else base,
                                       valence_change=None if val is None else val - base,
                                       baseline_learnt=val is not None))
    present = [p for p in parts if p.presence is Presence.PRESENT]
    vals = [p.valence for p in present if p.valence is not None]
    changes = [p.valence_change for p in present if p.valence_change is not None]
    mood = ClassSnapshot(participants=len(parts), present=len(present),
                     away=sum(p.presence is Presence.AWAY for p in parts),
                     camera_off=sum(p.presence is Presence.CAMERA_OFF for p in parts),
                     valence=float(np.mean(vals)) if vals else None, alerts=tuple(alerts),
                     valence_change=float(np.mean(changes)) if changes else None)
    return FrameResult(timestamp=t, gallery=GalleryResult(width=640, height=360, tiles=()),
                       participants=tuple(parts), mood=mood)


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def video(faces_dir):
    return list(classvideo.frames(classvideo.portraits(faces_dir)))


@pytest.fixture(scope="module")
def class_db(video, tmp_path_factory):
    """Two sessions of the class video through the real pipeline: 1 with expressions and
    (unicode) names stored, 2 presence-only. Returns (db, {person: id}, {id: name})."""
    db = tmp_path_factory.mktemp("report") / "class.db"
    ids: dict[int, str] = {}
    names: dict[str, str] = {}
    cfg = PipelineConfig(mood=MoodConfig(away_alert_s=2.0))
    with SessionStore(db) as store:
        store.start_session(source="video:class.mp4", names=True, started_at=STARTED_AT, settings={"every": STEP})
        with Pipeline(config=cfg) as pipe:
            for t, img, truth in video:
                res = pipe.process(img, t)
                parts = []
                for person, p in zip(truth.order, res.participants):
                    ids.setdefault(person, p.id)
                    names[p.id] = UNICODE_NAMES[person]
                    parts.append(dataclasses.replace(p, name=UNICODE_NAMES[person]))
                store.record(dataclasses.replace(res, participants=tuple(parts)))
        store.end_session(ended_at=STARTED_AT + 20.0)
        store.start_session(source="video:class.mp4", presence_only=True, started_at=STARTED_AT + 100)
        with Pipeline(presence_only=True) as pipe:
            for t, img, _ in video:
                store.record(pipe.process(img, t))
        store.end_session(ended_at=STARTED_AT + 120.0)
    return db, ids, names


@pytest.fixture(scope="module")
def class_report(class_db, tmp_path_factory):
    db, ids, names = class_db
    with SessionStore(db, readonly=True) as store:
        paths = build_report(store, 1, tmp_path_factory.mktemp("out") / "r1", interval_s=3.0)
    return paths


# --------------------------------------------------------------------------- the class video
def test_presence_seconds_match_the_scripted_truth(class_db, class_report):
    db, ids, names = class_db
    report = json.loads(class_report.json.read_text(encoding="utf-8"))
    people = {p["id"]: p for p in report["participants"]}
    assert len(people) == 9
    rows = read_csv(class_report.csv)
    totals = csv_totals(rows)
    for person, (present, away, off) in TRUTH.items():
        p = people[ids[person]]
        got = (p["present_s"], p["away_s"], p["camera_off_s"])
        assert got == pytest.approx((present, away, off), abs=STEP + 1e-6), (classvideo.NAMES[person], got)
        assert totals[ids[person]] == pytest.approx(list(got), abs=2e-3 * 7)  # CSV rows add up to the JSON
    # Ed leaves at 12 s and rejoins at 15 s: not counted while gone
    ed = people[ids[4]]
    assert ed["in_class_s"] == pytest.approx(17.0, abs=STEP + 1e-6)
    ed_rows = {float(r["interval_start_s"]): r for r in rows if r["participant"] == ids[4]}
    assert float(ed_rows[12.0]["present_s"]) + float(ed_rows[12.0]["away_s"]) < 1.0 + 1e-6  # 12..15: at most the cap
    # Bob's camera goes off from 17 s: the 15..18 interval has 1 s of it, 18..20 only camera off
    bob = {float(r["interval_start_s"]): r for r in rows if r["participant"] == ids[1]}
    assert float(bob[15.0]["camera_off_s"]) == pytest.approx(1.0, abs=STEP + 1e-6)
    assert float(bob[18.0]["camera_off_s"]) == pytest.approx(2.0, abs=1e-6)
    assert bob[18.0]["dominant_expression"] == "" and bob[18.0]["mean_valence"] == ""
    # Cy away 8..12 s: the longest away stretch
    cy = people[ids[2]]
    assert cy["longest_away"]["duration_s"] == pytest.approx(4.0, abs=STEP + 1e-6)
    assert 8.0 <= cy["longest_away"]["start_s"] <= 8.0 + STEP + 1e-6
    # ...and the live away alert (after 2 s here) is an episode starting when he left
    (al,) = [a for a in report["alerts"] if a["kind"] == "away"]
    assert al["participant"] == ids[2] and al["start_s"] == pytest.approx(8.0, abs=STEP + 1e-6)
    assert al["name"] == names[ids[2]]
    # Ivy never has her camera on: no expression, no valence
    ivy = people[ids[8]]
    assert ivy["expressions"] is None and ivy["mean_valence"] is None and ivy["dominant_expression"] is None


def test_csv_and_json_match_a_naive_recount_of_the_stored_rows(class_db, class_report):
    db, ids, _ = class_db
    rows = read_csv(class_report.csv)
    report = json.loads(class_report.json.read_text(encoding="utf-8"))
    assert list(rows[0].keys()) == list(CSV_COLUMNS)
    assert len(rows) == 9 * 7  # 9 participants x 20 s in 3 s intervals (the last one 2 s)
    with SessionStore(db, readonly=True) as store:
        ref = naive(store, 1, 3.0)
        moods = store.moods(1)
    for r in rows:
        k = int(round(float(r["interval_start_s"]) / 3.0))
        cell = ref.get((r["participant"], k), {})
        for c in ("present", "away", "camera_off"):
            assert float(r[f"{c}_s"]) == pytest.approx(cell.get(c, 0.0), abs=1e-3), (r, c)
        lab = sum(cell.get(c, 0.0) for c in LABELS)
        for c in LABELS:
            want = cell.get(c, 0.0) / lab if lab > 0 else None
            got = r[f"share_{c}"]
            assert (got == "") if want is None else float(got) == pytest.approx(want, abs=1e-4), (r, c)
        if lab > 0:
            assert r["dominant_expression"] == max(LABELS, key=lambda c: cell.get(c, 0.0))
        if cell.get("vt"):
            assert float(r["mean_valence"]) == pytest.approx(cell["vs"] / cell["vt"], abs=1e-4)
        else:
            assert r["mean_valence"] == ""
        if cell.get("ct"):
            assert float(r["mean_valence_change"]) == pytest.approx(cell["cs"] / cell["ct"], abs=1e-4)
        else:
            assert r["mean_valence_change"] == ""
    assert float(rows[-1]["interval_end_s"]) == pytest.approx(20.0)
    # class valence and its change from the baselines per interval: the stored class-mood rows', time-weighted
    assert any(iv["valence_change"] != iv["valence"] for iv in report["intervals"])  # two figures, not one
    for iv in report["intervals"]:
        for key in ("valence", "valence_change"):
            vals = [getattr(m, key) for m in moods
                    if iv["start_s"] <= m.t < iv["end_s"] and getattr(m, key) is not None]
            want = float(np.mean(vals)) if vals else None  # every frame counts 0.5 s here
            assert (iv[key] is None) if want is None else iv[key] == pytest.approx(want, abs=1e-3), (iv, key)
        assert iv["participants"] == pytest.approx(iv["present"] + iv["away"] + iv["camera_off"], abs=2e-3)
        if iv["expressions"]:
            assert sum(iv["expressions"].values()) == pytest.approx(1.0, abs=1e-3)


def test_a_window_of_the_session(class_db, tmp_path):
    db, ids, _ = class_db
    with SessionStore(db, readonly=True) as store:
        paths = build_report(store, 1, tmp_path, interval_s=4.0, start_s=5.0, end_s=13.0)
        ref = naive(store, 1, 4.0, start=5.0, end=13.0)
    rows = read_csv(paths.csv)
    assert sorted({(r["interval_start_s"], r["interval_end_s"]) for r in rows}) == [
        ("5.000", "9.000"), ("9.000", "13.000")]
    for r in rows:
        k = int(round((float(r["interval_start_s"]) - 5.0) / 4.0))
        cell = ref.get((r["participant"], k), {})
        for c in ("present", "away", "camera_off"):
            assert float(r[f"{c}_s"]) == pytest.approx(cell.get(c, 0.0), abs=1e-3)
    report = json.loads(paths.json.read_text(encoding="utf-8"))
    assert report["settings"]["report"]["start_s"] == 5.0 and report["settings"]["report"]["end_s"] == 13.0
    assert "covers 0:05 to 0:13" in paths.html.read_text(encoding="utf-8")


def test_html_has_every_section_and_unicode_names_everywhere(class_db, class_report):
    _, ids, names = class_db
    doc = check_html(class_report.html)
    html = class_report.html.read_text(encoding="utf-8")
    assert len([a for t, a in doc.tags if t == "tr" and a.get("class") == "participant"]) == 9
    csv_text = class_report.csv.read_bytes()
    assert csv_text.startswith(b"\xef\xbb\xbf")  # a BOM: spreadsheets read it as UTF-8
    report = json.loads(class_report.json.read_text(encoding="utf-8"))
    assert report["schema_version"] == 1 and report["session"]["names_shown"] is True
    for name in ("김민준", "José Peña", "Łukasz Żółw"):
        assert name in html and name.encode() in csv_text and name in class_report.json.read_text(encoding="utf-8")
    assert {p["name"] for p in report["participants"]} == set(UNICODE_NAMES)
    # the caveats: expressions vs feelings, the accuracy with its split, the law and the way out
    caveats = html[html.index('id="caveats"'):]
    for needle in ("not feelings", "posed", "PublicTest", "Article 5(1)(f)", "--presence-only", "education"):
        assert needle in caveats, needle
    acc = report["model"]["test"]["accuracy"]
    assert f"{acc:.0%}" in caveats and report["model"]["used"] is True
    # times a teacher can find: m:ss in the recording and the wall clock
    cy = next(p for p in report["participants"] if p["id"] == ids[2])["longest_away"]
    wall = dt.datetime.fromtimestamp(STARTED_AT + cy["start_s"]).astimezone().strftime("%H:%M:%S")
    assert cy["clock"] == "0:08" and f"from {cy['clock']} ({wall})" in html
    assert not report["session"]["cut_short"] and 'id="cut-short"' not in html


def test_no_names_means_no_names_anywhere(class_db, tmp_path):
    db, ids, names = class_db
    with SessionStore(db, readonly=True) as store:
        paths = build_report(store, 1, tmp_path, interval_s=5.0, names=False)
    blobs = [paths.html.read_text(encoding="utf-8"), paths.csv.read_text(encoding="utf-8-sig"),
             paths.json.read_text(encoding="utf-8")]
    for name in UNICODE_NAMES:
        for part in name.split():
            if len(part) > 3:
                assert not any(part in b for b in blobs), part
    assert all(r["name"] == "" for r in read_csv(paths.csv))
    assert json.loads(blobs[2])["session"]["names_shown"] is False


def test_the_report_holds_no_pixels_but_our_plots(class_report):
    html = class_report.html.read_text(encoding="utf-8")
    doc = check_html(class_report.html)
    imgs = doc.imgs()
    assert sorted(a["id"] for a in imgs) == ["heatmap-plot", "timeline-plot"]
    for a in imgs:
        img = decode_plot(a["src"])
        h, w = img.shape[:2]
        assert w >= 800 and h >= 300, (a["id"], img.shape)  # plot-sized, nothing face-sized
    assert html.count("data:") == 2 + html.count("img-src data:")  # the two plots (and the CSP that allows them)
    for tag in ("image", "canvas", "video", "object", "embed", "iframe", "link", "script", "picture", "source"):
        assert not any(t == tag for t, _ in doc.tags), tag
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", html))
    assert urls <= {"http://www.w3.org/2000/svg"}, urls  # nothing fetched from anywhere
    for f in (class_report.csv, class_report.json):
        text = f.read_text(encoding="utf-8-sig")
        assert "base64" not in text and not re.search(r"[A-Za-z0-9+/=]{200,}", text)


def test_plots_are_not_empty(class_report):
    doc = check_html(class_report.html)
    for a in doc.imgs():
        img = decode_plot(a["src"])
        assert img.std() > 20, a["id"]
        colours = {tuple(c) for c in img.reshape(-1, 3)[::7]}
        assert len(colours) > 20, a["id"]
    heat = decode_plot(next(a["src"] for a in doc.imgs() if a["id"] == "heatmap-plot"))
    away = np.all(np.abs(heat.astype(int) - bgr(COLOURS["away"])) <= 2, axis=2).sum()  # away cells (Cy, 8..12 s)
    assert away > 100


def test_rendered_in_headless_chromium(class_report, tmp_path):
    import cv2

    browser = report_writers.find_chromium()
    if browser is None:
        pytest.skip("Chromium not installed (apt-get install chromium)")
    shot = tmp_path / "shot.png"
    cmd = report_writers.chromium_command(browser, f"--user-data-dir={tmp_path / 'profile'}",
                                        f"--screenshot={shot}", "--window-size=1200,2400",
                                        class_report.html.resolve().as_uri())
    subprocess.run(cmd, capture_output=True, timeout=120)
    img = cv2.imread(str(shot))
    assert img is not None and img.shape[:2] == (2400, 1200)
    assert img.std() > 20
    # the plots were drawn: the heatmap's and timeline's colours show on the page
    happy_or_neutral = [bgr(COLOURS["happy"]), bgr(COLOURS["neutral"])]
    present = bgr(COLOURS["present"])
    found = sum(int(np.all(np.abs(img.astype(int) - c) <= 6, axis=2).sum())
                for c in (*happy_or_neutral, present))
    assert found > 5000


def test_pdf(class_db, tmp_path, monkeypatch):
    db, _, _ = class_db
    with SessionStore(db, readonly=True) as store:
        if report_writers.find_chromium() is not None:
            paths = build_report(store, 1, tmp_path / "a", pdf=True)
            assert paths.pdf is not None and paths.pdf.read_bytes()[:5] == b"%PDF-"
            assert paths.pdf.stat().st_size > 20_000
        monkeypatch.setenv("PATH", str(tmp_path / "empty"))
        with pytest.raises(InputError, match=r"^PDF needs Chromium: apt-get install chromium$"):
            build_report(store, 1, tmp_path / "b", pdf=True)
        assert not (tmp_path / "b").exists()  # checked before any work


def test_presence_only_session(class_db, tmp_path):
    db, ids, _ = class_db
    with SessionStore(db, readonly=True) as store:
        paths = build_report(store, "latest", tmp_path, interval_s=5.0)
    report = json.loads(paths.json.read_text(encoding="utf-8"))
    assert report["session"]["id"] == 2 and report["session"]["presence_only"] is True
    assert report["model"]["used"] is False
    people = {p["id"]: p for p in report["participants"]}
    for person, (present, away, off) in TRUTH.items():
        p = people[ids[person]]
        assert (p["present_s"], p["away_s"], p["camera_off_s"]) == pytest.approx((present, away, off),
                                                                                  abs=STEP + 1e-6)
        assert p["expressions"] is None and p["mean_valence"] is None and p["longest_negative"] is None
    assert all(iv["valence"] is None and iv["expressions"] is None for iv in report["intervals"])
    assert all(m["kind"] == "away" for m in report["moments"])
    for r in read_csv(paths.csv):
        assert r["dominant_expression"] == "" and r["mean_valence"] == ""
        assert all(r[f"share_{c}"] == "" for c in LABELS)
    doc = check_html(paths.html)
    html = paths.html.read_text(encoding="utf-8")
    assert "presence-only" in doc.ids() and "no expression sections" in html
    assert "<th>expressions</th>" not in html and "mean valence" not in html
    assert "Article 5(1)(f)" in html and "Accuracy:" not in html


# --------------------------------------------------------------------------- written straight into the store
def test_fifty_participants_for_two_hours(tmp_path):
    db = tmp_path / "big.db"
    with SessionStore(db) as store:
        truth = write_synthetic_session(store, participants=50, duration_s=7200.0, fps=2.0, started_at=STARTED_AT)
    t0 = time.perf_counter()
    with SessionStore(db, readonly=True) as store:
        paths = build_report(store, "latest", tmp_path / "out")
    took = time.perf_counter() - t0
    assert took < 60.0  # a sanity bound only; benchmarks/report.py measures it (target: under 10 s)
    assert paths.folder == tmp_path / "out"
    report = json.loads(paths.json.read_text(encoding="utf-8"))
    pres = truth["presence"]
    people = {p["id"]: p for p in report["participants"]}
    assert len(people) == 50 and len(report["intervals"]) == 120
    for i, pid in enumerate(truth["ids"]):
        want = [float((pres[:, i] == j).sum()) * 0.5 for j in range(3)]
        p = people[pid]
        assert [p["present_s"], p["away_s"], p["camera_off_s"]] == pytest.approx(want, abs=1e-6), pid
    rows = read_csv(paths.csv)
    assert len(rows) == 50 * 120
    totals = csv_totals(rows)
    for pid, p in people.items():
        assert totals[pid] == pytest.approx([p["present_s"], p["away_s"], p["camera_off_s"]], abs=0.06)
    # the one who looked angry for 10 minutes comes first
    first = report["participants"][0]
    pid, s, e = NEGATIVE_ONE
    assert first["id"] == truth["ids"][pid]
    # a stretch lasts from its first frame to its last (stretch_seconds), as the alerts count it
    assert first["longest_negative"] == {"start_s": s, "duration_s": e - s - 0.5, "clock": "20:00"}
    assert first["negative_s"] == (e - s) + (CLASS_DROP[1] - CLASS_DROP[0])  # and, like everyone, the class drop
    # each one's mean valence and mean change from their own baseline (their usual valence), beside each other
    val, change = truth["valence"], truth["valence_change"]
    for i in (0, 1, 2):
        p = people[truth["ids"][i]]
        assert p["mean_valence"] == pytest.approx(np.nanmean(val[:, i]), abs=1e-4)
        assert p["mean_valence_change"] == pytest.approx(np.nanmean(change[:, i]), abs=1e-4)
        assert p["mean_valence"] - p["mean_valence_change"] == pytest.approx(truth["baseline"][i], abs=2e-4)
    # the class per interval: the mean valence and the mean change of the faces in view, both
    frame_v, frame_c = np.nanmean(val, axis=1), np.nanmean(change, axis=1)  # every frame 0.5 s
    for iv in report["intervals"]:
        k = (truth["t"] >= iv["start_s"]) & (truth["t"] < iv["end_s"])
        assert iv["valence"] == pytest.approx(np.mean(frame_v[k]), abs=1e-4)
        assert iv["valence_change"] == pytest.approx(np.mean(frame_c[k]), abs=1e-4)
    assert report["settings"]["report"]["valence_vs_baseline"] is True
    # moments: the class-wide away spell and the valence drop, found where the script put them
    kinds = {(m["kind"], m["start_s"]) for m in report["moments"]}
    assert ("away", CLASS_AWAY[0]) in kinds
    drop = [m for m in report["moments"] if m["kind"] == "valence_drop"]
    assert any(m["start_s"] <= CLASS_DROP[0] < m["end_s"] for m in drop)
    m = next(m for m in report["moments"] if m["kind"] == "away" and m["start_s"] == CLASS_AWAY[0])
    assert m["clock"] == "50:00" and m["end_s"] == CLASS_AWAY[1]
    assert m["wall_clock"] == dt.datetime.fromtimestamp(STARTED_AT + 3000).astimezone().strftime("%H:%M:%S")
    # live away alerts, one episode per away spell of a minute or more
    spells = 0
    for i in range(50):
        away = np.r_[False, pres[:, i] == 1, False].astype(np.int8)
        starts, ends = np.nonzero(np.diff(away) == 1)[0], np.nonzero(np.diff(away) == -1)[0]
        spells += int(((ends - starts) * 0.5 > 60.0).sum())
    away_alerts = [a for a in report["alerts"] if a["kind"] == "away"]
    assert spells >= 60 and len(away_alerts) == spells
    check_html(paths.html)


def test_an_alerts_length_is_the_same_in_its_text_and_in_the_reports_tables(class_db, class_report):
    """One definition of how long a stretch lasted (agent.summary.stretch_seconds: from the
    frame it began to the last frame that showed it): the live alert's words and since_s,
    the alert's episode and the participants' "longest away" agree (the table added the last
    frame's seconds: a newcomer saw 129.0 s in one and 129.5 s in the other). The session is
    the class video through the real pipeline (away alerts after 2 s)."""
    from classmood.timefmt import duration

    db, ids, names = class_db
    report = json.loads(class_report.json.read_text(encoding="utf-8"))
    people = {p["id"]: p for p in report["participants"]}
    (al,) = [a for a in report["alerts"] if a["kind"] == "away"]
    longest = people[al["participant"]]["longest_away"]
    assert longest["start_s"] == al["start_s"]
    assert longest["duration_s"] == al["longest_s"] == pytest.approx(al["end_s"] - al["start_s"])
    assert al["message"].endswith(f" away for {duration(al['longest_s'])}")
    html = class_report.html.read_text(encoding="utf-8")
    row = html[html.index(f'data-id="{al["participant"]}"'):]
    row = row[:row.index("</tr>")]
    assert f"{duration(longest['duration_s'])} <span class=\"muted\">from {longest['clock']}" in row
    # the agent's own figure, as the store kept it, is the same length
    with SessionStore(db, readonly=True) as store:
        moods = store.mood_series(1)
    last = max((float(moods.t[k]), a) for k, alerts in moods.alerts for a in alerts if a["kind"] == "away")
    assert last[1]["since_s"] == pytest.approx(longest["duration_s"], abs=0.05)
    assert last[1]["message"] == al["message"]


def test_negative_is_the_agents_rule_against_each_ones_usual(tmp_path):
    """"Negative" as the live agent decides it: 0.30 or more below one's own baseline, or
    at or below -0.70 whatever it is. A resting face the model reads as sad is not
    negative; a smile gone neutral is. The absolute and relative figures sit side by side
    in the JSON and the CSV, and the HTML says in plain words what "vs usual" means."""
    frames = []
    for k in range(120):  # 60 s at 2 fps
        t = k * 0.5
        frames.append(make_frame(t, [
            ("P01", "present", "sad", -0.5, -0.5),                                  # sad-looking resting face
            ("P02", "present", "neutral", 0.0 if 10 <= t < 40 else 0.4, 0.4),      # 0.4 below usual for 30 s
            ("P03", "present", "angry", -0.7 if 20 <= t < 30 else -0.6, -0.6),     # at -0.7 for 10 s: absolute
            ("P04", "present", "neutral", 0.0 if 40 <= t < 45 else 0.3, 0.3),      # exactly 0.30 below for 5 s
            ("P05", "present", "angry", -0.75, -0.75),  # strongly negative at rest: their usual look
        ]))
    with SessionStore(tmp_path / "neg.db") as store:
        store.start_session(source="screen", started_at=STARTED_AT)
        for f in frames:
            store.record(f)
        store.end_session()
    with SessionStore(tmp_path / "neg.db", readonly=True) as store:
        paths = build_report(store, "latest", tmp_path / "out", interval_s=10.0)
    report = json.loads(paths.json.read_text(encoding="utf-8"))
    people = {p["id"]: p for p in report["participants"]}
    assert people["P01"]["negative_s"] == 0.0 and people["P01"]["longest_negative"] is None
    assert (people["P01"]["mean_valence"], people["P01"]["mean_valence_change"]) == (-0.5, 0.0)
    # a stretch lasts from its first frame to its last (10.0 .. 39.5 s), as the live alerts count it
    assert people["P02"]["longest_negative"] == {"start_s": 10.0, "duration_s": 29.5, "clock": "0:10"}
    assert people["P03"]["longest_negative"] == {"start_s": 20.0, "duration_s": 9.5, "clock": "0:20"}
    assert people["P04"]["longest_negative"] == {"start_s": 40.0, "duration_s": 4.5, "clock": "0:40"}
    # P05 reads -0.75 all along, as usually: noted as their usual look, not negative, not first
    assert people["P05"]["negative_s"] == 0.0 and people["P05"]["longest_negative"] is None
    assert people["P05"]["negative_as_usual_s"] == 60.0 and people["P03"]["negative_as_usual_s"] == 0.0
    assert [p["id"] for p in report["participants"]][:3] == ["P02", "P03", "P04"]
    assert people["P02"]["valence_change_trend"][1:4] == [-0.4] * 3 and people["P02"]["trend"][1:4] == [0.0] * 3
    settings = report["settings"]["report"]
    assert (settings["negative_drop"], settings["negative_at_or_below"]) == (0.3, -0.70)
    assert settings["valence_vs_baseline"] is True and settings["baseline_s"] == 120.0
    iv = report["intervals"][1]  # 10..20 s: P02 0.4 below usual, the others as usual
    assert (iv["valence"], iv["valence_change"]) == (pytest.approx((-0.5 + 0.0 - 0.6 + 0.3 - 0.75) / 5),
                                                     pytest.approx(-0.08))
    rows = {(r["participant"], r["interval_start_s"]): r for r in read_csv(paths.csv)}
    first = rows[("P01", "0.000")]
    assert (first["mean_valence"], first["mean_valence_change"]) == ("-0.5000", "0.0000")
    html = paths.html.read_text(encoding="utf-8")
    doc = check_html(paths.html)
    note = html[html.index('id="baseline"'):]
    note = note[:note.index("</p>")]
    for needle in ("each student's own usual (resting) expression", "first 2 minutes in view",
                   "0 means the class looks as it usually does", "below 0 more negative than usual",
                   "read many resting faces as sad or angry"):
        assert needle in note, needle
    assert "baseline" in doc.ids() and "Article 5(1)(f)" in html  # the law's note stays
    assert "<th>valence vs usual</th>" in html and "0.30 or more below their own usual" in html
    assert "strongly negative as usual: 1 min" in html


def test_a_usual_look_note_stored_as_all_class_is_reworded_to_what_was_true(tmp_path):
    """Sessions stored before said "has looked strongly negative all class (their usual
    look)" whatever was true; the report words each note as the agent now does: "since they
    joined" for a student whose run began when they were first seen (P05 joined at 1:00),
    else its length (P06 was there from the start; their run began at 3:20)."""
    old = "has looked strongly negative all class (their usual look)"
    with SessionStore(tmp_path / "old.db") as store:
        store.start_session(source="screen", started_at=STARTED_AT)
        for k in range(600):  # 5 minutes at 2 fps
            t = k * 0.5
            people = [("P06", "present", "angry" if t >= 200 else "happy", -0.75 if t >= 200 else 0.5, -0.75)]
            if t >= 60:
                people.insert(0, ("P05", "present", "angry", -0.75, -0.75))
            alerts = []
            if t >= 120:
                alerts.append(Alert("negative_usual", "P05", t - 60.0, f"P05 {old}"))
            if t >= 260:
                alerts.append(Alert("negative_usual", "P06", t - 200.0, f"P06 {old}"))
            store.record(make_frame(t, people, alerts))
        store.end_session()
    with SessionStore(tmp_path / "old.db", readonly=True) as store:
        paths = build_report(store, "latest", tmp_path / "out")
    report = json.loads(paths.json.read_text(encoding="utf-8"))
    notes = {a["participant"]: a["message"] for a in report["alerts"] if a["kind"] == "negative_usual"}
    assert notes == {"P05": "P05 has looked strongly negative since they joined (their usual look)",
                     "P06": "P06 has looked strongly negative for 1 min 40 s (their usual look)"}  # 99.5 s
    html = paths.html.read_text(encoding="utf-8")
    assert "all class" not in html and "P06 has looked strongly negative for 1 min 40 s" in html


def _as_schema_2(db: Path) -> None:
    """The database ``db`` as ClassMood left it before baselines (schema 2): no
    participant baseline or change, no class change."""
    conn = sqlite3.connect(db)
    for table, column in (("observations", "baseline_valence"), ("observations", "valence_change"),
                          ("moods", "valence_change"), ("observations", "uncertain_reason"),
                          ("observations", "usual_label"), ("observations", "negative_change"),
                          ("observations", "negative_line")):
        conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()


def test_a_session_stored_before_baselines_still_reports(tmp_path):
    """A schema-2 database (no valence changes) opens read-only and reports: the change
    fields are empty, the headline falls back to the absolute valence and says so, and
    only the absolute line (-0.70) makes anyone negative. Opened for writing, it is
    upgraded and reports the same."""
    db = tmp_path / "old.db"
    with SessionStore(db) as store:
        store.start_session(source="screen", started_at=STARTED_AT)
        for k in range(120):
            t = k * 0.5
            store.record(make_frame(t, [("P01", "present", "sad", -0.7 if 30 <= t < 45 else -0.5),
                                        ("P02", "present", "happy", 0.6 if t < 40 else 0.1)]))
        store.end_session()
    _as_schema_2(db)
    reports = []
    for readonly in (True, False):
        with SessionStore(db, readonly=readonly) as store:
            paths = build_report(store, 1, tmp_path / f"out-{readonly}", interval_s=10.0)
        reports.append(json.loads(paths.json.read_text(encoding="utf-8")))
        report = reports[-1]
        assert report["settings"]["report"]["valence_vs_baseline"] is False
        people = {p["id"]: p for p in report["participants"]}
        assert people["P01"]["longest_negative"] == {"start_s": 30.0, "duration_s": 14.5, "clock": "0:30"}
        assert people["P02"]["negative_s"] == 0.0  # a fall of 0.5, but no baseline was stored to read it against
        assert people["P01"]["mean_valence"] == pytest.approx((-0.7 * 15 - 0.5 * 45) / 60, abs=1e-4)
        assert all(p["mean_valence_change"] is None for p in report["participants"])
        assert all(iv["valence_change"] is None and iv["valence"] is not None for iv in report["intervals"])
        (drop,) = [m for m in report["moments"] if m["kind"] == "valence_drop"]  # on the absolute class valence
        assert drop["start_s"] == 40.0 and drop["description"].startswith("class valence fell by")
        assert all(r["mean_valence_change"] == "" and r["mean_valence"] != "" for r in read_csv(paths.csv))
        html = paths.html.read_text(encoding="utf-8")
        check_html(paths.html)
        assert "recorded before ClassMood read valence against it" in html and "absolute" in html
        assert "<th>mean valence</th>" in html and "Valence vs usual compares" not in html
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 4
    for r in reports:
        r.pop("generated_at")
    assert reports[0] == reports[1]


def test_reports_of_databases_sharing_a_folder_never_collide(tmp_path):
    """A newcomer's x.db, x2.db and x3.db in one folder all wrote reports/session-1, each
    over the last: a database not named classmood.db names its reports after itself; the
    default database keeps reports/session-<id>."""
    from classmood.report.build import default_report_dir

    folders = []
    for name in ("x.db", "x2.db", "x.sqlite", "classmood.db"):
        with SessionStore(tmp_path / name) as store:
            write_synthetic_session(store, participants=2, duration_s=60.0, fps=1.0)
        with SessionStore(tmp_path / name, readonly=True) as store:
            folders.append(build_report(store, 1).folder)
    assert folders == [tmp_path / "reports" / "x.db-session-1", tmp_path / "reports" / "x2.db-session-1",
                       tmp_path / "reports" / "x.sqlite-session-1", tmp_path / "reports" / "session-1"]
    assert all((f / "report.json").is_file() for f in folders)
    assert default_report_dir("~/a/b.db", 12).parts[-3:] == ("a", "reports", "b.db-session-12")


def test_single_participant_cut_short(tmp_path):
    with SessionStore(tmp_path / "one.db") as store:
        write_synthetic_session(store, participants=1, duration_s=900.0, fps=2.0, ended=False)
    with SessionStore(tmp_path / "one.db", readonly=True) as store:
        paths = build_report(store, 1)
    assert paths.folder == tmp_path / "reports" / "one.db-session-1"  # the default: beside the database
    report = json.loads(paths.json.read_text(encoding="utf-8"))
    assert report["session"]["cut_short"] is True and report["session"]["ended_at"] is None
    (p,) = report["participants"]
    assert (p["present_s"], p["away_s"], p["camera_off_s"]) == (810.0, 90.0, 0.0)
    assert p["longest_away"] == {"start_s": 600.0, "duration_s": 89.5, "clock": "10:00"}  # first to last frame
    assert [(m["kind"], m["clock"]) for m in report["moments"]] == [("away", "10:00")]
    doc = check_html(paths.html)
    assert "cut-short" in doc.ids() and "Cut short" in paths.html.read_text(encoding="utf-8")


def test_session_without_frames_and_session_with_every_camera_off(tmp_path):
    db = tmp_path / "e.db"
    with SessionStore(db) as store:
        store.start_session(source="screen", started_at=STARTED_AT)
        store.end_session(ended_at=STARTED_AT + 30)
        store.start_session(source="screen", started_at=STARTED_AT + 100)
        for k in range(40):
            store.record(make_frame(k * 0.5, [("P01", "camera_off", None, None), ("P02", "camera_off", None, None)]))
        store.end_session()
    with SessionStore(db, readonly=True) as store:
        empty = build_report(store, 1, tmp_path / "1")
        dark = build_report(store, 2, tmp_path / "2", interval_s=5.0)
    report = json.loads(empty.json.read_text(encoding="utf-8"))
    assert report["participants"] == [] and report["intervals"] == [] and report["moments"] == []
    assert read_csv(empty.csv) == [] and empty.csv.read_text(encoding="utf-8-sig").startswith("session_id,")
    doc = check_html(empty.html)
    assert len(doc.imgs()) == 2 and "No participant was seen" in empty.html.read_text(encoding="utf-8")
    report = json.loads(dark.json.read_text(encoding="utf-8"))
    assert [(p["present_s"], p["camera_off_s"]) for p in report["participants"]] == [(0.0, 20.0), (0.0, 20.0)]
    assert all(p["expressions"] is None and p["mean_valence"] is None for p in report["participants"])
    assert all(iv["valence"] is None for iv in report["intervals"]) and report["moments"] == []
    check_html(dark.html)


def test_summary_and_report_count_a_pause_alike(tmp_path):
    """One presence-seconds rule: the end-of-run summary and the report agree per
    participant on a session with a pause (nothing analysed from 5.5 s to 30 s), and both
    give the hand-counted seconds: every frame 0.5 s, the one before the pause too."""
    frames = []
    for k in range(11):  # 0.0 .. 5.0 s
        frames.append(make_frame(k * 0.5, [("P01", "present", "happy", 0.6),
                                           ("P02", "present", "sad", -0.7) if k <= 6 else ("P02", "away", None, None)]
                                 + ([("P03", "camera_off", None, None)] if k < 4 else [])))  # P03 leaves at 2 s
    for k in range(11):  # paused, then 30.0 .. 35.0 s
        frames.append(make_frame(30 + k * 0.5, [("P01", "present", "neutral", 0.0), ("P02", "camera_off", None, None),
                                                ("P03", "present", "happy", 0.8)]))
    summary = SessionSummary()
    with SessionStore(tmp_path / "p.db") as store:
        store.start_session(source="screen", started_at=STARTED_AT)
        for f in frames:
            store.record(f)
            summary.add(f)
        store.end_session()
        paths = build_report(store, "latest", tmp_path / "out", interval_s=5.0)
    # (present, away, camera off, first seen, last seen), counted by hand
    want = {"P01": (11.0, 0.0, 0.0, 0.0, 35.0), "P02": (3.5, 2.0, 5.5, 0.0, 35.0), "P03": (5.5, 0.0, 2.0, 0.0, 35.0)}
    keys = ("present_s", "away_s", "camera_off_s", "first_seen_s", "last_seen_s")
    from_summary = {p["id"]: tuple(p[k] for k in keys) for p in summary.to_dict()["participants"]}
    report = json.loads(paths.json.read_text(encoding="utf-8"))
    from_report = {p["id"]: tuple(p[k] for k in keys) for p in report["participants"]}
    assert from_summary == want and from_report == want
    assert summary.to_dict()["duration_s"] == report["session"]["duration_s"] == 35.5
    totals = csv_totals(read_csv(paths.csv))
    for pid, w in want.items():  # the CSV's intervals add up to the same
        assert totals[pid] == pytest.approx(list(w[:3]), abs=1e-6), pid


def test_alert_messages_lose_stored_names_without_names(tmp_path):
    db = tmp_path / "n.db"
    with SessionStore(db) as store:
        write_synthetic_session(store, participants=3, duration_s=900.0, names=["김민준", "José Peña", "Ana"])
    with SessionStore(db, readonly=True) as store:
        named = build_report(store, 1, tmp_path / "a")
        anon = build_report(store, 1, tmp_path / "b", names=False)
    a = json.loads(named.json.read_text(encoding="utf-8"))["alerts"]
    b = json.loads(anon.json.read_text(encoding="utf-8"))["alerts"]
    assert len(a) == len(b) == 3
    assert any("José Peña away" in x["message"] for x in a)
    assert [x["message"].split()[0] for x in b] == ["P01", "P02", "P03"]
    for f in (anon.html, anon.json, anon.csv):
        text = f.read_text(encoding="utf-8-sig")
        assert "김민준" not in text and "José" not in text


# --------------------------------------------------------------------------- errors and the command line
def test_errors_are_one_clear_line(tmp_path):
    db = tmp_path / "x.db"
    with SessionStore(db) as store:
        with pytest.raises(InputError, match="no sessions"):
            build_report(store, "latest", tmp_path / "o")
        write_synthetic_session(store, participants=2, duration_s=60.0)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with SessionStore(db, readonly=True) as store:
        cases = [  # (arguments, message, the parameter at fault)
            (dict(ref=7), "session 7 not found", None),
            (dict(ref="seven"), "not a session id", None),
            (dict(interval_s=0), "interval 0 s: must be a number of seconds above 0", "interval"),
            (dict(interval_s=-5), "above 0", "interval"),
            (dict(interval_s=float("nan")), "must be a number", "interval"),
            (dict(start_s=30, end_s=30), "start must come before the end", "start"),
            (dict(start_s=40, end_s=10), "swap the start and the end", "start"),
            (dict(start_s=100), "lasts only 60.0 s", "start"),
            (dict(interval_s=0.001), "choose an interval of 1 s or more", "interval"),
            (dict(out_dir=blocker), "cannot write the report there", "out"),
            (dict(out_dir=blocker / "sub"), "cannot write the report there", "out"),
        ]
        for kw, msg, option in cases:
            kw = {"ref": 1, "out_dir": tmp_path / "o", **kw}
            with pytest.raises(InputError) as e:
                build_report(store, kw.pop("ref"), kw.pop("out_dir"), **kw)
            assert msg in str(e.value) and "\n" not in str(e.value), (kw, str(e.value))
            assert e.value.option == option and "--" not in str(e.value), (kw, e.value.option, str(e.value))


def test_command_line(tmp_path, capsys):
    from classmood.cli import main

    db = tmp_path / "c.db"
    with SessionStore(db) as store:
        write_synthetic_session(store, participants=4, duration_s=300.0, names=["김민준", "José Peña", "B", "C"])
    out = tmp_path / "rep"
    assert main(["report", "latest", "--db", str(db), "--out", str(out), "--interval", "30", "--no-names",
                 "--from", "60", "--to", "240"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1] == f"report: {out / 'report.html'}"
    assert f"csv: {out / 'report.csv'}" in lines and f"json: {out / 'report.json'}" in lines
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["settings"]["report"] == {**report["settings"]["report"], "interval_s": 30.0, "start_s": 60.0,
                                            "end_s": 240.0}
    assert report["session"]["names_shown"] is False and len(report["intervals"]) == 6
    assert main(["report", "1", "--db", str(db)]) == 0  # default folder beside the database, named after it
    assert capsys.readouterr().out.strip().splitlines()[-1] == \
        f"report: {tmp_path / 'reports' / 'c.db-session-1' / 'report.html'}"
    for argv, msg in ((["report", "9", "--db", str(db)], "session 9 not found"),
                      (["report", "1", "--db", str(db), "--interval", "0"], "above 0"),
                      (["report", "1", "--db", str(tmp_path / "none.db")], "no ClassMood database here")):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("classmood: error:") and msg in err[0], err


def test_a_session_shorter_than_the_baselines_says_so(tmp_path):
    """50 s of class: the class figure is against provisional baselines (each student's
    median so far), no one's usual is learnt, nobody is flagged against it, and the
    report says so in plain words."""
    from dataclasses import replace

    with SessionStore(tmp_path / "short.db") as store:
        store.start_session(source="screen", started_at=STARTED_AT)
        for k in range(100):
            f = make_frame(k * 0.5, [("P01", "present", "neutral", 0.0 if k < 60 else -0.5, 0.0)])
            store.record(replace(f, participants=tuple(replace(p, baseline_learnt=False) for p in f.participants)))
        store.end_session()
    with SessionStore(tmp_path / "short.db", readonly=True) as store:
        paths = build_report(store, "latest", tmp_path / "out", interval_s=10.0)
    report = json.loads(paths.json.read_text(encoding="utf-8"))
    person = report["participants"][0]
    assert person["negative_s"] == 0.0 and person["mean_valence_change"] is None
    assert "no one's usual was fully learnt" in paths.html.read_text(encoding="utf-8")


def _frame_with(t: float, people: list[dict]) -> FrameResult:
    """A hand-made frame from dicts of ParticipantResult fields (present faces, learnt
    baselines at 0: valence_change = valence)."""
    parts = []
    for i, p in enumerate(people):
        val = p.get("valence")
        parts.append(ParticipantResult(id=p["id"], tile_index=i, bbox=(i * 100, 0, 100, 80), tile_state=TileState.FACE,
                                       presence=Presence.PRESENT, label=p["label"], confidence=0.7, valence=val,
                                       baseline_valence=None if val is None else 0.0, valence_change=val,
                                       baseline_learnt=val is not None, usual_label=p.get("usual"),
                                       unreadable=p.get("unreadable"), negative_change=p.get("neg"),
                                       negative_line=None if p.get("neg") is None else 0.2))
    return FrameResult(timestamp=t, gallery=GalleryResult(width=640, height=360, tiles=()), participants=tuple(parts),
                       mood=ClassSnapshot(participants=len(parts), present=len(parts), away=0, camera_off=0))


def test_why_faces_were_uncertain_and_the_mix_against_each_usual_are_reported(tmp_path):
    """Issue 19. P01's usual is sad (a resting face the model reads sad) and stays so: the
    report shows them 100% "as usual", not sad (the model's label stays in the JSON's
    ``expressions``). P02 (usual neutral) is too dark for 40 of their 100 s, read with the
    model unsure for 10, happy for 20 (a change) and neutral for 30: uncertain 50%, mostly
    too dark (80% of it). P03's negative probability rises 0.25 over its usual (their line
    0.20) for 30 s from 60 s at an unchanged valence: negative there, by that rule. P04's
    usual is learnt at 30 s: the report, made afterwards, reads their first 30 s against it;
    P05 never has one (``learning`` in the class mix)."""
    db = tmp_path / "mix.db"
    with SessionStore(db) as store:
        store.start_session(source="screen", started_at=STARTED_AT)
        for k in range(200):
            t = k * 0.5
            p02 = ({"label": "uncertain", "unreadable": "too dark"} if t < 40 else
                   {"label": "uncertain", "valence": 0.0} if t < 50 else
                   {"label": "happy", "valence": 0.6} if t < 70 else {"label": "neutral", "valence": 0.0})
            store.record(_frame_with(t, [{"id": "P01", "label": "sad", "valence": 0.0, "usual": "sad"},
                                         {"id": "P02", "usual": None if t < 40 else "neutral", **p02},
                                         {"id": "P03", "label": "neutral", "valence": 0.0, "usual": "neutral",
                                          "neg": 0.25 if 60 <= t < 90 else 0.0},
                                         {"id": "P04", "label": "neutral", "valence": 0.0,
                                          "usual": None if t < 30 else "neutral"},
                                         {"id": "P05", "label": "neutral", "valence": 0.0}]))
        store.end_session()
    with SessionStore(db, readonly=True) as store:
        paths = build_report(store, 1, tmp_path / "out", interval_s=50.0)
    report = json.loads(paths.json.read_text(encoding="utf-8"))
    assert report["settings"]["report"]["expressions_vs_usual"] is True
    people = {p["id"]: p for p in report["participants"]}
    p1, p2, p3 = people["P01"], people["P02"], people["P03"]
    assert (p1["usual_expression"], p1["expressions_vs_usual"], p1["expressions"]) == ("sad", {"usual": 1.0},
                                                                                      {"sad": 1.0})
    assert p1["uncertain_share"] == 0.0 and p1["uncertain_reasons"] is None and p1["negative_s"] == 0.0
    assert p2["usual_expression"] == "neutral"
    assert p2["expressions_vs_usual"] == {"uncertain": 0.5, "happy": 0.2, "usual": 0.3}
    assert (p2["uncertain_s"], p2["uncertain_share"]) == (50.0, 0.5)
    assert p2["uncertain_reasons"] == {"too dark": 0.8, "low confidence": 0.2}
    assert p3["longest_negative"] == {"start_s": 60.0, "duration_s": 29.5, "clock": "1:00"}  # first to last frame
    first, second = report["intervals"]
    assert first["expressions_vs_usual"] == pytest.approx({"usual": 150 / 250, "uncertain": 50 / 250,
                                                           "learning": 50 / 250}, abs=1e-4)
    assert second["expressions_vs_usual"] == pytest.approx({"usual": 180 / 250, "happy": 20 / 250,
                                                            "learning": 50 / 250}, abs=1e-4)
    # the report is made afterwards: the seconds a usual was learnt in read against it
    assert people["P04"]["expressions_vs_usual"] == {"usual": 1.0}
    assert people["P05"]["expressions_vs_usual"] is None and people["P05"]["usual_expression"] is None
    rows = {(r["participant"], r["interval_start_s"]): r for r in read_csv(paths.csv)}
    r = rows["P02", "0.000"]
    assert (r["usual_expression"], r["dominant_vs_usual"], r["share_as_usual"]) == ("neutral", "uncertain", "0.0000")
    assert (r["uncertain_s"], r["uncertain_reason"], r["uncertain_reason_share"]) == ("50.000", "too dark", "0.8000")
    assert (rows["P01", "50.000"]["dominant_vs_usual"], rows["P01", "50.000"]["share_as_usual"]) == ("usual", "1.0000")
    assert rows["P01", "50.000"]["dominant_expression"] == "sad"  # the model's own label, kept
    html = paths.html.read_text(encoding="utf-8")
    check_html(paths.html)
    row = html[html.index('data-id="P02"'):]
    row = row[:row.index("</tr>")]
    assert "usual: neutral" in row and "too dark 80%" in row and "50%" in row
    row1 = html[html.index('data-id="P01"'):]
    assert "as usual 100%" in row1[:row1.index("</tr>")]
    assert "<th>expressions vs usual</th>" in html and "<th>uncertain (mostly why)</th>" in html
