"""The pipeline on a synthetic class video, frame by frame: ids survive reorders,
stepping away, leaving and rejoining and a camera switched off; the states and
counts are right; presence-only mode never runs the expression model."""

from __future__ import annotations

import difflib

import cv2
import numpy as np
import pytest

from classmood import Pipeline, PipelineConfig
from classmood.labels import FER_CLASSES
from classmood.types import Presence, TileState

from . import classvideo

SETTLE = 1.0  # a change of presence is shown after 2 analysed frames (0.5 s apart)


@pytest.fixture(scope="module")
def video(faces_dir):
    return list(classvideo.frames(classvideo.portraits(faces_dir)))


def _events(t: float) -> bool:
    """True within SETTLE seconds after a scripted change of presence."""
    return any(e <= t < e + SETTLE for e in (8.0, 12.0, 15.0, 17.0))


@pytest.fixture(scope="module")
def run(video):
    with Pipeline() as pipe:
        return [(truth, pipe.process(img, t)) for t, img, truth in video]


def test_every_participant_keeps_one_id_through_reorders_absences_and_camera_switches(run):
    ids: dict[int, str] = {}
    for truth, res in run:
        shown = [p for p in res.participants if p.bbox is not None]
        assert len(shown) == len(truth.order), f"t={truth.t}"
        for person, p in zip(truth.order, shown):
            ids.setdefault(person, p.id)
            assert p.id == ids[person], f"t={truth.t}: {classvideo.NAMES[person]} is {p.id}, was {ids[person]}"
        # the first frame of the grid without Ed is suspect (its layout is not the steady
        # one: tracker module doc): he is held there, with no tile, and left from the next
        held = [p.id for p in res.participants if p.bbox is None]
        assert held == ([ids[4]] if truth.t == 12.0 else []), f"t={truth.t}"
    assert len(set(ids.values())) == 9  # nine people, nine ids (the returning one got hers back)


def test_presence_and_counts_frame_by_frame(run):
    for truth, res in run:
        if _events(truth.t):
            continue
        got = [p.presence.value for p in res.participants]
        assert got == list(truth.presence), f"t={truth.t}"
        m = res.mood
        assert (m.participants, m.present, m.away, m.camera_off) == (
            len(truth.order), truth.presence.count("present"), truth.presence.count("away"),
            truth.presence.count("camera_off")), f"t={truth.t}"


def test_expressions_are_smoothed_probabilities_and_labels_never_flip_for_one_frame(run):
    shown: dict[str, list[str | None]] = {}
    for _, res in run:
        for p in res.participants:
            if p.presence is Presence.PRESENT:
                assert p.smoothed is not None and abs(float(p.smoothed.sum()) - 1) < 1e-3
                if p.tile_state is TileState.FACE:  # (a face missed for one frame is not "away" yet)
                    assert p.probs is not None and p.probs.shape == (7,)
                assert p.label in (*FER_CLASSES, "uncertain")
                assert -1.0 <= p.valence <= 1.0
            else:
                assert p.label is None and p.valence is None
            shown.setdefault(p.id, []).append(p.label)
        if res.mood.valence is not None:
            assert -1.0 <= res.mood.valence <= 1.0
            assert abs(sum(res.mood.distribution.values()) - 1.0) < 1e-6
    for pid, labels in shown.items():
        for a, b, c in zip(labels, labels[1:], labels[2:]):
            assert not (a is not None and b is not None and c is not None and a == c != b), \
                f"{pid}: label flickered {a} -> {b} -> {c}"


def test_timings_per_stage_and_less_work_when_nothing_changed(run):
    first, steady = run[0][1].timings_ms, run[3][1].timings_ms
    for stage in ("tiles", "faces", "states", "align", "classify", "track", "mood", "total"):
        assert stage in first
    assert first["n_layout"] == 1 and first["n_face_tiles"] == 9  # every tile, the first time
    assert steady["n_layout"] == 0 and steady["n_face_tiles"] < first["n_face_tiles"]


def test_incremental_and_naive_paths_agree(video, run):
    with Pipeline(config=PipelineConfig(incremental=False)) as naive:
        for (t, img, truth), (_, inc) in zip(video, run):
            res = naive.process(img, t)
            assert [p.presence for p in res.participants] == [p.presence for p in inc.participants], f"t={t}"
            assert [p.id for p in res.participants] == [p.id for p in inc.participants], f"t={t}"


def test_presence_only_never_loads_the_expression_model(video):
    with Pipeline(presence_only=True) as pipe:
        assert pipe.classifier is None
        for t, img, truth in video[:20]:
            res = pipe.process(img, t)
            assert res.presence_only and res.mood.valence is None and res.mood.distribution == {}
            assert all(p.label is None and p.probs is None for p in res.participants)
            assert "classify" not in res.timings_ms
        assert res.mood.present == truth.presence.count("present")


def test_away_alert_after_the_set_time(video):
    from classmood.agent.mood import MoodConfig

    cfg = PipelineConfig(mood=MoodConfig(away_alert_s=2.0))
    with Pipeline(config=cfg, presence_only=True) as pipe:
        alerts = {t: pipe.process(img, t).mood.alerts for t, img, _ in video if t < 12.0}
    assert all(not a for t, a in alerts.items() if t < 10.0)  # away from 8.0 (shown at 8.5)
    late = alerts[11.5]
    assert [a.kind for a in late] == ["away"] and late[0].since_s >= 2.0


def test_bad_input_is_one_clear_error():
    with Pipeline(presence_only=True) as pipe:
        with pytest.raises(Exception, match="image"):
            pipe.process(np.zeros((10,), np.uint8), 0.0)
        pipe.process(np.zeros((360, 640, 3), np.uint8), 1.0)
        with pytest.raises(ValueError, match="go back"):
            pipe.process(np.zeros((360, 640, 3), np.uint8), 0.5)


def test_with_names_on_participants_carry_their_names(video):
    from classmood.detectors.names import NameReader

    try:
        NameReader()
    except Exception as exc:  # no OCR engine on this machine
        pytest.skip(f"name reading unavailable: {exc}")
    with Pipeline(names=True, presence_only=True) as pipe:
        got = {}
        for t, img, truth in video[:16]:  # through the reorder at 5 s
            res = pipe.process(img, t)
            for person, p in zip(truth.order, res.participants):
                got.setdefault(person, set()).add((p.id, p.name))
    for person, seen in got.items():
        assert len({pid for pid, _ in seen}) == 1, seen
        # OCR of small labels slips a letter now and then (see the name reader's figures)
        best = max(difflib.SequenceMatcher(None, classvideo.NAMES[person], n or "").ratio() for _, n in seen)
        assert best >= 0.6, seen


def test_names_are_never_reported_when_names_are_off(run):
    assert all(p.name is None for _, res in run for p in res.participants)


@pytest.mark.parametrize("name", ["fer_test.mp4", "single_face.avi"])
def test_analyze_real_videos_faster_than_real_time(name, tmp_path, capsys):
    import json

    from classmood.agent.store import SessionStore
    from classmood.cli import main
    from tests.conftest import data_path

    path = data_path("videos", name)
    db = tmp_path / "v.db"
    assert main(["analyze", str(path), "--json", "--every", "0.25", "--db", str(db)]) == 0
    lines = [json.loads(ln) for ln in capsys.readouterr().out.strip().splitlines()]
    frames, summary = lines[:-1], lines[-1]
    assert len(frames) >= 8  # 2.3 s and 4.7 s of video, one frame every 0.25 s
    ts = [f["timestamp"] for f in frames]
    assert ts == sorted(ts) and abs(ts[1] - ts[0] - 0.25) < 0.05
    # one person on camera: one participant, present, with an expression
    people = summary["summary"]["participants"]
    assert len(people) == 1 and people[0]["present_s"] > 0.5 * summary["summary"]["duration_s"]
    assert abs(sum(people[0]["expressions"].values()) - 1) < 1e-3
    with SessionStore(db, readonly=True) as store:
        info = store.session(summary["session"])
        assert info.frames == len(frames) and info.ended_at is not None


def test_presence_only_can_be_switched_mid_session(video):
    with Pipeline() as pipe:
        t, img, _ = video[0]
        assert pipe.process(img, t).participants[0].probs is not None
        pipe.set_presence_only(True)
        res = pipe.process(video[1][1], video[1][0])
        assert pipe.classifier is None and all(p.probs is None and p.label is None for p in res.participants)
        pipe.set_presence_only(False)
        assert pipe.process(video[2][1], video[2][0]).participants[0].probs is not None


def test_students_under_our_own_panel_keep_their_place_and_state(grace):
    """The teacher drags the class-mood panel over four students of a live 3x3 class (its
    window is masked from analysis): those four keep their ids, stay present with their
    faces, the layout stays a gallery, and none turns into a still "photo" while covered
    (before: four new ids, away, the gallery read as a speaker view)."""
    from classmood.synth import make_gallery

    g = make_gallery([grace], 9, (1280, 720), seed=2)
    rng = np.random.default_rng(0)

    def frame():  # live cameras: fresh sensor noise every frame
        return np.clip(g.image.astype(np.int16) + rng.normal(0, 2.0, g.image.shape), 0, 255).astype(np.uint8)

    tiles = [t.bbox for t in g.tiles]
    x0, y0 = tiles[0][0] + 20, tiles[0][1] + 20
    x1, y1 = tiles[4][0] + tiles[4][2] - 20, tiles[4][1] + tiles[4][3] - 20
    panel = (x0, y0, x1 - x0, y1 - y0)  # over most of tiles 0, 1, 3 and 4
    with Pipeline() as pipe:
        first = [pipe.process(frame(), 0.5 * k) for k in range(4)][-1]
        ids = [p.id for p in first.participants]
        assert len(ids) == 9 and first.mood.present == 9
        for k in range(4, 20):  # 8 s under the panel
            r = pipe.process(frame(), 0.5 * k, mask=[panel])
            assert [p.id for p in r.participants] == ids, k
            assert r.mood.present == 9 and r.mood.away == 0 and r.mood.camera_off == 0, (k, r.mood)
            assert r.gallery.layout == first.gallery.layout == "gallery"


def test_students_under_a_cover_keep_their_place_when_the_window_is_resized(grace):
    """A newcomer resized the meeting window while slides covered part of it: the
    students under the slides were "left" or became new, "away" ids (the picture last seen
    under the cover was of the old size and was dropped: the cover was filled flat). What
    was seen under a cover is kept through a change of size, scaled to the new one: the
    same ids, present, before and after the resize."""
    from classmood.synth import make_gallery

    g = make_gallery([grace], 9, (1280, 720), seed=2)
    rng = np.random.default_rng(0)

    def frame(size=None):
        img = np.clip(g.image.astype(np.int16) + rng.normal(0, 2.0, g.image.shape), 0, 255).astype(np.uint8)
        return img if size is None else cv2.resize(img, size, interpolation=cv2.INTER_AREA)

    tiles = [t.bbox for t in g.tiles]
    x0, y0 = tiles[0][0] + 20, tiles[0][1] + 20
    x1, y1 = tiles[4][0] + tiles[4][2] - 20, tiles[4][1] + tiles[4][3] - 20
    cover = (x0, y0, x1 - x0, y1 - y0)  # over most of tiles 0, 1, 3 and 4
    s = 0.8
    small = tuple(int(round(v * s)) for v in cover)
    with Pipeline() as pipe:
        first = [pipe.process(frame(), 0.5 * k) for k in range(4)][-1]
        ids = [p.id for p in first.participants]
        assert len(ids) == 9 and first.mood.present == 9
        for k in range(4, 8):  # covered
            pipe.process(frame(), 0.5 * k, mask=[cover])
        for k in range(8, 20):  # covered, the window made smaller
            r = pipe.process(frame((1024, 576)), 0.5 * k, mask=[small])
            assert sorted(p.id for p in r.participants) == sorted(ids), k
            assert r.mood.present == 9 and r.mood.away == 0, (k, r.mood)


def test_what_was_under_a_badge_is_not_pasted_into_another_picture():
    """The overlay's badge is masked from analysis and shown as last seen under it; after a
    reorder another tile lies there (a camera-off card where a student's video was), and
    pasting the old video into the card made it an empty room ("away") and a new id: the
    on-screen demo counted 13 participants for 12. Where the pixels around the badge
    changed wholesale (pipeline.STALE_RING_LEVEL), it is filled from its border instead; a
    picture that only moved a little (camera noise) keeps what was seen under it."""
    from classmood.agent.pipeline import _Unseen

    rng = np.random.default_rng(0)
    video = rng.integers(0, 256, (200, 300, 3), dtype=np.uint8)  # a live tile's picture
    card = np.full((200, 300, 3), 54, np.uint8)  # a camera-off card
    badge = (100, 80, 60, 30)
    unseen = _Unseen()
    unseen.fill(video, [])  # seen uncovered
    noisy = np.clip(video.astype(np.int16) + rng.integers(-3, 4, video.shape), 0, 255).astype(np.uint8)
    shown = unseen.fill(noisy, [badge])
    assert np.array_equal(shown[80:110, 100:160], video[80:110, 100:160])  # as last seen
    shown = unseen.fill(card, [badge])
    assert np.all(shown[80:110, 100:160] == 54)  # the card's grey, not the old video
