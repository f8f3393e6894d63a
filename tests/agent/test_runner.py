"""The run loop (classmood.agent.runner.run_session) on real frames: a small synthetic
class (three students on camera, one camera off) built from matplotlib's portrait and
analysed by the real pipeline. What it feeds the sinks and in which order, when it
stops, what it counts, and what it leaves in the store."""

from __future__ import annotations

import threading

import pytest

from classmood.agent.pipeline import Pipeline
from classmood.agent.runner import run_session
from classmood.agent.store import SessionStore
from classmood.overlay import Controls
from classmood.types import Frame

SIZE = (960, 540)  # (width, height) of the gallery
TIMES = (0.0, 0.5, 1.5, 2.0)  # seconds of class; the typical step is 0.5 s


@pytest.fixture(scope="module")
def class_frames(grace) -> list[Frame]:
    """Four gallery frames: three students on camera and one with the camera off."""
    from classmood.synth import compose_gallery, webcam_view

    views = [webcam_view(grace, (640, 360), seed=40 + 3 * i) for i in range(3)] + [None]
    return [Frame(compose_gallery(views, SIZE, seed=k).image, t, index=k) for k, t in enumerate(TIMES)]


@pytest.fixture
def pipeline():
    with Pipeline(presence_only=True) as p:
        yield p


class RecordingStore:
    """Stands in for a SessionStore: notes what the loop asks of it, in order."""

    def __init__(self, events: list) -> None:
        self.events = events

    def record(self, result) -> None:
        self.events.append(("record", result.timestamp))

    def flush(self) -> None:
        self.events.append(("flush", None))


def pulled(frames, log: list):
    """``frames``, noting in ``log`` the index of each one the loop takes."""
    for f in frames:
        log.append(f.index)
        yield f


def test_each_frame_goes_to_the_store_then_the_summary_then_on_result(class_frames, pipeline):
    events: list = []
    results = []

    def on_result(frame, result):
        events.append(("on_result", frame.timestamp))
        results.append((frame, result))

    summary = run_session(iter(class_frames), pipeline, RecordingStore(events), on_result=on_result)
    expected = [ev for t in TIMES for ev in (("record", t), ("on_result", t))] + [("flush", None)]
    assert events == expected
    assert [f.index for f, _ in results] == [0, 1, 2, 3]
    assert [r.timestamp for _, r in results] == list(TIMES)
    # the summary had each result before on_result saw it
    assert summary.frames == 4 and pipeline.frames == 4
    first = results[0][1]
    assert [p.presence.value for p in first.participants] == ["present", "present", "present", "camera_off"]


def test_frames_and_seconds_of_class_are_counted(class_frames, pipeline):
    s = run_session(class_frames, pipeline).to_dict()
    # each frame counts until the next one, the last for the typical step (0.5 s)
    assert s["frames"] == 4 and s["duration_s"] == 2.5
    people = {p["id"]: p for p in s["participants"]}
    assert sorted(people) == ["P01", "P02", "P03", "P04"]
    for pid in ("P01", "P02", "P03"):
        assert (people[pid]["present_s"], people[pid]["away_s"], people[pid]["camera_off_s"]) == (2.5, 0.0, 0.0)
    assert (people["P04"]["present_s"], people["P04"]["camera_off_s"]) == (0.0, 2.5)
    assert all(p["expressions"] == {} for p in s["participants"])  # presence only
    assert s["mood"]["last"]["present"] == 3 and s["mood"]["last"]["camera_off"] == 1


def test_no_frames_no_summary_figures(pipeline):
    events: list = []
    summary = run_session([], pipeline, RecordingStore(events))
    assert summary.frames == 0 and summary.to_dict()["duration_s"] == 0.0
    assert events == [("flush", None)]


def test_stop_set_in_on_result_ends_the_loop_after_that_frame(class_frames, pipeline):
    stop = threading.Event()
    taken: list = []
    events: list = []

    def on_result(frame, result):
        if frame.index == 1:
            stop.set()

    summary = run_session(pulled(class_frames, taken), pipeline, RecordingStore(events), stop=stop,
                          on_result=on_result)
    assert taken == [0, 1]  # no further frame is taken
    assert summary.frames == 2 and summary.to_dict()["duration_s"] == 1.0
    assert events == [("record", 0.0), ("record", 0.5), ("flush", None)]


def test_stop_set_before_the_first_frame_analyses_nothing(class_frames, pipeline):
    stop = threading.Event()
    stop.set()
    events: list = []
    summary = run_session(class_frames, pipeline, RecordingStore(events), stop=stop)
    assert summary.frames == 0 and pipeline.frames == 0
    assert events == [("flush", None)]


def test_frames_taken_while_paused_are_skipped(class_frames, pipeline):
    controls = Controls(presence_only=True)
    seen = []

    def frames():
        for f in class_frames:
            if f.index == 1:  # the teacher pauses as frame 1 comes, and resumes a moment later
                controls.set("paused", True)
                threading.Timer(0.2, controls.set, ("paused", False)).start()
            yield f

    summary = run_session(frames(), pipeline, controls=controls,
                          on_result=lambda frame, result: seen.append(frame.index))
    assert seen == [0, 2, 3]
    assert summary.frames == 3 and pipeline.frames == 3


def test_stop_while_paused_ends_the_loop(class_frames, pipeline):
    controls = Controls(presence_only=True)
    stop = threading.Event()
    taken: list = []

    def frames():
        for f in pulled(class_frames, taken):
            if f.index == 1:  # paused, and the class ends while paused
                controls.set("paused", True)
                threading.Timer(0.2, stop.set).start()
            yield f

    summary = run_session(frames(), pipeline, stop=stop, controls=controls)
    assert summary.frames == 1  # nothing after the pause was analysed
    assert 3 not in taken  # and the frames were not read to their end


def test_the_presence_only_switch_applies_from_the_next_frame(class_frames):
    controls = Controls(presence_only=False)
    got = []

    def on_result(frame, result):
        got.append(result)
        if frame.index == 1:  # switched in the panel while frame 1 was analysed
            controls.set("presence_only", True)

    with Pipeline(presence_only=False) as pipeline:
        run_session(class_frames, pipeline, controls=controls, on_result=on_result)
        assert pipeline.presence_only
    assert [r.presence_only for r in got] == [False, False, True, True]
    assert all(p.probs is not None for p in got[1].participants if p.presence.value == "present")
    assert all(p.probs is None and p.label is None for r in got[2:] for p in r.participants)


class MaskSpy:
    """The real pipeline, noting the rectangles it is asked to blank."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline, self.masks = pipeline, []
        self.presence_only = pipeline.presence_only

    def process(self, image, timestamp, mask=()):
        self.masks.append(list(mask))
        return self.pipeline.process(image, timestamp, mask=mask)


def test_the_overlay_rectangles_are_blanked_in_frame_pixels(class_frames, pipeline):
    on_screen = [Frame(f.image, f.timestamp, index=f.index, origin=(100, 50)) for f in class_frames[:2]]
    drawn = [[(110, 60, 40, 20)], []]  # screen pixels: one badge, then none
    spy = MaskSpy(pipeline)
    run_session(on_screen, spy, mask=lambda: drawn[len(spy.masks)])
    assert spy.masks == [[(10, 10, 40, 20)], []]
    with Pipeline(presence_only=True) as other:  # a frame at the screen's origin: unchanged
        spy = MaskSpy(other)
        run_session(class_frames[:1], spy, mask=lambda: [(110, 60, 40, 20)])
    assert spy.masks == [[(110, 60, 40, 20)]]


def test_what_covers_the_meeting_is_masked_with_the_overlay_in_one_list(class_frames, pipeline):
    """Issue 20: a frame's ``covered`` rectangles (another app's window over the meeting,
    already in frame pixels) are masked like the overlay's own drawing."""
    on_screen = [Frame(f.image, f.timestamp, index=f.index, origin=(100, 50), covered=c)
                 for f, c in zip(class_frames[:2], [((0, 0, 30, 20),), ()])]
    spy = MaskSpy(pipeline)
    run_session(on_screen, spy, mask=lambda: [(110, 60, 40, 20)])
    assert spy.masks == [[(10, 10, 40, 20), (0, 0, 30, 20)], [(10, 10, 40, 20)]]
    with Pipeline(presence_only=True) as other:  # no overlay: the cover alone
        spy = MaskSpy(other)
        run_session(on_screen[:1], spy)
    assert spy.masks == [[(0, 0, 30, 20)]]


def test_a_blanked_tile_is_not_analysed(class_frames, pipeline):
    plain = []
    run_session(class_frames[:1], pipeline, on_result=lambda frame, result: plain.append(result))
    first_tile = plain[0].gallery.tiles[0].tile.bbox
    with Pipeline(presence_only=True) as other:
        covered = run_session(class_frames[:1], other, mask=lambda: [first_tile]).to_dict()
    assert plain[0].mood.present == 3
    assert covered["mood"]["last"]["present"] == 2


def test_the_store_keeps_every_frame_and_is_flushed_even_when_a_sink_fails(class_frames, pipeline, tmp_path):
    db = tmp_path / "s.db"
    store = SessionStore(db)
    sid = store.start_session(source="test class", presence_only=True)

    def on_result(frame, result):
        if frame.index == 2:
            raise RuntimeError("the overlay went away")

    try:
        with pytest.raises(RuntimeError, match="went away"):
            run_session(class_frames, pipeline, store, on_result=on_result)
        with SessionStore(db, readonly=True) as reader:  # flushed: readable before the store closes
            info = reader.session(sid)
            assert info.frames == 3 and info.participants == 4
            assert [m.t for m in reader.moods(sid)] == [0.0, 0.5, 1.5]
            assert [m.present for m in reader.moods(sid)] == [3, 3, 3]
    finally:
        store.close()


class PickableSource:
    """A screen source as the loop sees it: frames of the whole gallery until the teacher's
    pick is watched (``watch``: ``switches`` goes up), then the picked part (the left half
    of the gallery: two of its four tiles, one student on camera and one not)."""

    def __init__(self, frames: list[Frame], picked_after: int, controls: Controls) -> None:
        self.frames, self.picked_after, self.controls = frames, picked_after, controls
        self.switches = 0
        self.stored_as = "screen (960x540 at 0,0)"

    def watch(self, rect) -> None:
        self.switches += 1
        self.stored_as = "screen ({}x{} at {},{})".format(rect[2], rect[3], rect[0], rect[1])

    def __iter__(self):
        for k in range(12):
            f = self.frames[k % len(self.frames)]
            if self.switches:
                f = Frame(f.image[:, : SIZE[0] // 2].copy(), f.timestamp, index=k)
            yield Frame(f.image, 0.5 * k, index=k)
            if k == self.picked_after:  # the teacher drags over the left half
                assert self.controls.start_picking()
                self.controls.end_picking((0, 0, SIZE[0] // 2, SIZE[1]))


def test_a_pick_mid_class_keeps_what_was_recorded_and_the_ids(class_frames, pipeline, tmp_path):
    """A part of the screen picked in the panel while the class runs: the class goes on
    there. Nothing recorded is lost, the students in the part keep their ids, the others
    are kept, and the session says what it records from now."""
    controls = Controls(presence_only=True, can_pick=True)
    source = PickableSource(class_frames, picked_after=5, controls=controls)
    seen: list = []
    with SessionStore(tmp_path / "s.db") as store:
        store.start_session(source=source.stored_as)
        summary = run_session(source, pipeline, store, controls=controls, on_pick=source.watch,
                              on_result=lambda f, r: seen.append((f.image.shape[1], r)))
        sid = store.session_id
    before = [r for w, r in seen if w == SIZE[0]]
    after = [r for w, r in seen if w == SIZE[0] // 2]
    assert len(before) == 6 and len(after) == 5  # the frame in hand at the pick is dropped
    ids_before = {p.id for p in before[-1].participants}
    in_part = {p.id for p in after[-1].participants if p.presence.value != "left"}
    assert len(ids_before) == 4 and len(in_part) == 2 and in_part <= ids_before
    assert len(summary.to_dict()["participants"]) == 4  # those outside the part are kept (as left)
    with SessionStore(tmp_path / "s.db", readonly=True) as store:
        info = store.session(sid)
        assert info.participants == 4 and info.source == "screen (480x540 at 0,0)"
        assert min(o.t for o in store.observations(sid)) == 0.0  # the first minutes are still there
    assert summary.frames == 11
