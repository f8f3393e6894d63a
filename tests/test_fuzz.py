"""Fuzzing the inputs: random frame sizes and contents, wrong arrays, odd grids, harmless
changes to known galleries, truncated images and videos. Every result obeys the
invariants of a FrameResult (tiles inside the frame and apart, one participant per tile,
probabilities that are probabilities, the same answer on a re-run); a known gallery is
found exactly; every failure is one clear error (InputError / a one-line CLI error),
never a traceback."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from classmood import Pipeline
from classmood.agent.pipeline import MIN_READABLE_FACE_PX
from classmood.cli import main
from classmood.detectors.tiles import TileFinder
from classmood.errors import InputError
from classmood.geometry import iou
from classmood.labels import LABELS
from classmood.types import FrameResult, Presence, TileState

from .detectors.annotations import REAL_BOXES, REAL_COUNTS

FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
                derandomize=True)
"""The same examples every run (CI must not pass or fail by lottery); the cases a random
search once found are pinned with @example below."""

PRESENCE_OF = {TileState.FACE: Presence.PRESENT, TileState.NO_FACE: Presence.AWAY,
               TileState.CAMERA_OFF: Presence.CAMERA_OFF, TileState.PHOTO: Presence.CAMERA_OFF}


@pytest.fixture(scope="module")
def pipe():
    with Pipeline() as p:
        yield p


@pytest.fixture(scope="module")
def finder():
    return TileFinder()


def check_invariants(res: FrameResult, w: int, h: int) -> None:
    """What holds for the first frame of any session, whatever the picture."""
    g = res.gallery
    assert (g.width, g.height) == (w, h)
    assert [t.tile.index for t in g.tiles] == list(range(len(g.tiles)))
    for t in g.tiles:
        x, y, bw, bh = t.tile.bbox
        assert bw > 0 and bh > 0 and x >= 0 and y >= 0 and x + bw <= w and y + bh <= h, t.tile.bbox
        if t.state is TileState.FACE:
            assert t.faces
        elif t.state is not TileState.PHOTO:  # a photo may or may not show a face
            assert t.faces == ()
        for f in t.faces:  # faces are clipped to their tile
            fx, fy, fw, fh = f.bbox
            assert fx >= x - 1e-3 and fy >= y - 1e-3 and fx + fw <= x + bw + 1e-3 and fy + fh <= y + bh + 1e-3
    for a in range(len(g.tiles)):  # tiles lie apart (a one-pixel rounding seam at most)
        for b in range(a + 1, len(g.tiles)):
            (ax, ay, aw, ah), (bx, by, bw, bh) = g.tiles[a].tile.bbox, g.tiles[b].tile.bbox
            ox = min(ax + aw, bx + bw) - max(ax, bx)
            oy = min(ay + ah, by + bh) - max(ay, by)
            assert ox <= 1 or oy <= 1, (g.tiles[a].tile.bbox, g.tiles[b].tile.bbox)

    ps = res.participants
    assert len(ps) == len(g.tiles) and len({p.id for p in ps}) == len(ps)
    for p, t in zip(ps, g.tiles):
        assert (p.tile_index, p.bbox, p.tile_state) == (t.tile.index, t.tile.bbox, t.state)
        assert p.presence is PRESENCE_OF[t.state]  # the first frame is shown as it is
        if p.presence is Presence.PRESENT and p.unreadable:  # no expression read from a face that cannot be read
            assert p.probs is None and p.label == "uncertain" and p.valence is None
            assert p.unreadable in ("too small", "too dark", "blurred", "turned away")
            assert p.too_small == (p.face_bbox[2] < MIN_READABLE_FACE_PX) == (p.unreadable == "too small")
        elif p.presence is Presence.PRESENT:
            assert p.face_bbox[2] >= MIN_READABLE_FACE_PX and not p.too_small
            assert p.probs.shape == (7,) and np.all(p.probs >= 0) and p.probs.sum() == pytest.approx(1, abs=1e-3)
            assert p.label in LABELS and 0 <= p.confidence <= 1 and -1 <= p.valence <= 1
        else:
            assert p.probs is None and p.label is None and p.valence is None
        assert p.away_s == 0 and p.negative_s == 0

    m = res.mood
    present = sum(p.presence is Presence.PRESENT for p in ps)
    assert (m.participants, m.present) == (len(ps), present)
    assert m.present + m.away + m.camera_off == m.participants
    if present:
        assert sum(m.distribution.values()) == pytest.approx(1.0) and -1 <= m.valence <= 1
    else:
        assert m.distribution == {} and m.valence is None
    assert m.alerts == ()


def rerun(pipe: Pipeline, image: np.ndarray) -> dict:
    """The first-frame result of a fresh session, without its timings."""
    pipe.reset()
    d = pipe.process(image, 0.0).to_dict()
    d.pop("timings_ms")
    return d


@FUZZ
@given(h=st.integers(1, 700), w=st.integers(1, 1100), kind=st.sampled_from(["noise", "flat", "stripes", "blocks"]),
       seed=st.integers(0, 2**31 - 1), channels=st.sampled_from([None, 1, 3, 4]))
def test_any_frame_gives_a_result(pipe, h, w, kind, seed, channels):
    rng = np.random.default_rng(seed)
    shape = (h, w) if channels is None else (h, w, channels)
    if kind == "noise":
        img = rng.integers(0, 256, shape, dtype=np.uint8)
    elif kind == "flat":
        img = np.full(shape, int(rng.integers(0, 256)), np.uint8)
    elif kind == "stripes":
        img = np.zeros(shape, np.uint8)
        img[:, :: max(1, w // 7)] = 255
        img[:: max(1, h // 5)] = 255
    else:
        img = np.kron(rng.integers(0, 256, (4, 6), dtype=np.uint8), np.ones((h // 4 + 1, w // 6 + 1), np.uint8))[:h, :w]
        if channels is not None:
            img = np.repeat(img[..., None], channels, axis=2)
    pipe.reset()  # independent frames
    res = pipe.process(img, 0.0)
    check_invariants(res, w, h)
    boxes = [t.tile.bbox for t in res.gallery.tiles]
    if kind == "flat":
        assert boxes == []  # one colour: nothing on screen
    if kind == "noise":
        assert boxes in ([], [(0, 0, w, h)])  # no grid in noise: at most the whole frame
    d = res.to_dict()
    d.pop("timings_ms")
    assert rerun(pipe, img) == d  # the same frame gives the same answer


@FUZZ
@given(dtype=st.sampled_from([np.float32, np.float64, np.int32, np.int8, np.bool_]), ndim=st.integers(0, 4))
def test_wrong_arrays_are_one_clear_error(pipe, dtype, ndim):
    arr = np.zeros((8,) * ndim, dtype)
    pipe.reset()
    with pytest.raises(InputError) as err:
        pipe.process(arr, 0.0)
    msg = str(err.value)
    assert msg.startswith("frame: ") and "\n" not in msg and "--" not in msg
    what = "unsupported pixel type" if ndim in (2, 3) else "not an image array"
    assert what in msg


@pytest.mark.parametrize("shape, what", [
    ((0, 64, 3), "not an image array"), ((64, 0), "not an image array"), ((8,), "not an image array"),
    ((2, 64, 64, 3), "not an image array"), ((64, 64, 2), "2 colour channels"), ((64, 64, 5), "5 colour channels"),
])
def test_8_bit_arrays_of_the_wrong_shape_are_one_clear_error(pipe, shape, what):
    with pytest.raises(InputError) as err:
        pipe.process(np.zeros(shape, np.uint8), 0.0)
    msg = str(err.value)
    assert msg.startswith("frame: ") and what in msg and "\n" not in msg and "--" not in msg


@FUZZ
@given(n=st.integers(1, 30), style=st.sampled_from(["zoom", "meet", "teams"]),
       size=st.sampled_from([(640, 400), (1280, 720), (1366, 768), (1920, 1080)]), seed=st.integers(0, 1000),
       pad=st.tuples(*[st.integers(0, 32)] * 4), noise=st.integers(0, 2))
@example(n=7, style="teams", size=(1920, 1080), seed=205, pad=(0, 0, 0, 0), noise=0)  # a fitted grid's side once crossed Teams' 6 px gap
@example(n=1, style="meet", size=(640, 400), seed=10, pad=(0, 0, 0, 0), noise=0)  # a fitted "grid" once replaced a one-tile gallery
def test_odd_grids(pipe, finder, grace, n, style, size, seed, pad, noise):
    """Any grid: every tile found is a true tile, in reading order, and a gallery found
    exactly is still found exactly when moved on a larger screen with a little noise."""
    from classmood.synth import make_gallery

    g = make_gallery([grace], n, size, style=style, seed=seed)
    pipe.reset()
    res = pipe.process(g.image, 0.0)
    check_invariants(res, *size)
    truth = [t.bbox for t in g.tiles]
    found = [t.tile.bbox for t in res.gallery.tiles]
    layout = finder.find_layout(g.image)  # what the pipeline's first frame cut on
    if layout.fallback:  # no grid: the whole frame, kept only with a face in it
        assert found in ([], [(0, 0, *size)])
    else:
        assert found == [t.bbox for t in layout.tiles]
        matched = [max(range(n), key=lambda i: iou(b, truth[i])) for b in found]
        assert all(iou(b, truth[i]) >= 0.9 for b, i in zip(found, matched)), (found, truth)  # no made-up tiles
        assert matched == sorted(set(matched))  # reading order, none twice
    if layout.fallback or len(found) < n:
        return  # a missed tile: see test_tiles_synthetic's known failure
    left, top, right, bottom = pad
    gap = tuple(int(v) for v in g.bg)
    moved = cv2.copyMakeBorder(g.image, top, bottom, left, right, cv2.BORDER_CONSTANT, value=gap)
    if noise:
        rng = np.random.default_rng(seed)
        moved = np.clip(moved.astype(np.int16) + rng.integers(-noise, noise + 1, moved.shape), 0, 255).astype(np.uint8)
    again = finder.find_layout(moved)
    assert not again.fallback and len(again.tiles) == n
    for t, (x, y, w, h) in zip(again.tiles, truth):
        assert iou(t.bbox, (x + left, y + top, w, h)) >= 0.9


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(REAL_COUNTS)), pad=st.tuples(*[st.integers(0, 32)] * 4),
       noise=st.integers(0, 2), seed=st.integers(0, 1000))
def test_real_screenshots_are_found_exactly_after_harmless_changes(finder, galleries_dir, name, pad, noise, seed):
    """The hand-annotated screenshots, moved on a larger screen of the gallery's own gap
    colour and given a little sensor-like noise: the same tiles, moved with them."""
    image = cv2.imread(str(galleries_dir / name))
    gap = finder.find_layout(image).background_bgr
    left, top, right, bottom = pad
    moved = cv2.copyMakeBorder(image, top, bottom, left, right, cv2.BORDER_CONSTANT, value=gap)
    if noise:
        rng = np.random.default_rng(seed)
        moved = np.clip(moved.astype(np.int16) + rng.integers(-noise, noise + 1, moved.shape), 0, 255).astype(np.uint8)
    layout = finder.find_layout(moved)
    assert not layout.fallback and len(layout.tiles) == REAL_COUNTS[name]
    for i, (x, y, w, h) in REAL_BOXES.get(name, {}).items():
        box = (x + left, y + top, w, h)
        got = layout.tiles[i].bbox
        assert max(abs(a - b) for a, b in zip(got, box)) <= 6 and iou(got, box) >= 0.95, (i, got, box)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frac=st.floats(0.0, 0.95), flip=st.integers(0, 4096))
def test_truncated_and_damaged_files_never_crash_the_cli(tmp_path_factory, grace, frac, flip, capsys):
    folder = tmp_path_factory.mktemp("fuzz")
    ok, png = cv2.imencode(".png", grace)
    data = bytearray(png.tobytes()[: max(1, int(len(png) * frac))])
    if data:
        data[flip % len(data)] ^= 0xFF
    f = folder / "damaged.png"
    f.write_bytes(bytes(data))
    code = main(["analyze", str(f), "--json", "--no-store"])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if code != 0:
        assert code == 2 and len([ln for ln in err.splitlines() if ln.strip()]) == 1, err


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frac=st.floats(0.05, 0.95))
def test_truncated_videos_never_crash_the_cli(tmp_path_factory, frac, capsys):
    folder = tmp_path_factory.mktemp("vid")
    path = folder / "class.avi"
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (160, 120))
    for i in range(20):
        out.write(np.full((120, 160, 3), 10 * i, np.uint8))
    out.release()
    data = path.read_bytes()
    cut = folder / "cut.avi"
    cut.write_bytes(data[: int(len(data) * frac)])
    code = main(["analyze", str(cut), "--json", "--no-store"])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if code != 0:
        assert code == 2 and len([ln for ln in err.splitlines() if ln.strip()]) == 1, err

