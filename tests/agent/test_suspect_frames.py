"""Suspect frames (issue 16/20): a frame whose layout disagrees with the steady one (a
misread, a window at another size, a reflow's first frame) mints no participant from a
tile that matches nobody until it is seen again, and costs nobody their presence. The
real pipeline and store, on the real 23-tile Zoom gallery with misread frames in the
middle, and on a synthetic class whose grid really reflows when a student joins
(tracker module doc, "Suspect frames")."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from classmood import Pipeline
from classmood.agent.store import SessionStore
from classmood.synth import compose_gallery, webcam_view
from classmood.types import GalleryResult, Presence, Tile, TileResult, TileState
from tests.conftest import data_path

from . import classvideo

STEP = 0.5
FRAMES = 14
MISREAD = (6, 9)  # two misread frames in the middle, with a good one between them


def _noisy(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``image`` with camera noise (2 grey levels a channel): each frame differs."""
    return np.clip(image.astype(np.float32) + rng.normal(0.0, 2.0, image.shape), 0, 255).astype(np.uint8)


def _merged(gallery: GalleryResult, per_box: int = 5) -> GalleryResult:
    """The frame misread as a few big wrong boxes: every ``per_box`` tiles in reading order
    merged into one box (the union of theirs), nobody's face found in it."""
    tiles = []
    for k in range(0, len(gallery.tiles), per_box):
        group = [t.tile.bbox for t in gallery.tiles[k:k + per_box]]
        x0, y0 = min(b[0] for b in group), min(b[1] for b in group)
        x1, y1 = max(b[0] + b[2] for b in group), max(b[1] + b[3] for b in group)
        tiles.append(TileResult(Tile(len(tiles), (x0, y0, x1 - x0, y1 - y0)), TileState.NO_FACE))
    return GalleryResult(width=gallery.width, height=gallery.height, tiles=tuple(tiles),
                         timings_ms=gallery.timings_ms)


class _MisreadOn:
    """The real perception, whose answer is replaced by :func:`_merged` on some frames
    (perception itself keeps the right layout: the next frame is read right)."""

    def __init__(self, perception, frames: tuple[int, ...]) -> None:
        self.perception, self.frames = perception, frames

    def update(self, image, timestamp, **kw):
        g = self.perception.update(image, timestamp, **kw)
        return _merged(g) if int(round(timestamp / STEP)) in self.frames else g

    def reset(self) -> None:
        self.perception.reset()

    def close(self) -> None:
        self.perception.close()


@pytest.mark.parametrize("misread", ["merged boxes", "window at 800x450"])
def test_misread_frames_of_the_23_tile_gallery_store_exactly_the_23_and_nobody_leaves(misread, tmp_path):
    """galleries2/zoom_evo_gallery23.png, 14 frames with camera noise; frames 6 and 9 are
    misread: the tiles merged into 5 big boxes, or the gallery resized to 800x450 with
    INTER_LINEAR (a window at another size for one frame: perception read it as 11-13
    boxes before grid_fit set a grid's start and pitch together; now as the 23). Before
    the suspect-frame rule: 37-43 participants stored, none of the 23 on every frame.
    Now: the 23, each stored on all 14 frames (held, with no tile, on the misread ones;
    at 800x450 each found again by appearance), and no one left in any frame."""
    from classmood.detectors.gallery import GalleryPerception

    image = cv2.imread(str(data_path("galleries2", "zoom_evo_gallery23.png")))
    rng = np.random.default_rng(16)
    frames = [_noisy(image, rng) for _ in range(FRAMES)]
    perception = GalleryPerception()
    if misread == "merged boxes":
        perception = _MisreadOn(perception, MISREAD)
    else:
        small = cv2.resize(image, (800, 450), interpolation=cv2.INTER_LINEAR)
        for k in MISREAD:
            frames[k] = small
    db = tmp_path / "s.db"
    results = []
    with Pipeline(presence_only=True, perception=perception) as pipe, SessionStore(db) as store:
        sid = store.start_session(source="evo23")
        for k, f in enumerate(frames):
            r = pipe.process(f, k * STEP)
            store.record(r)
            results.append(r)
        store.end_session()
        stored = store.participants(sid)
        observations = store.observations(sid)
    assert [len(r.gallery.tiles) for r in results][:MISREAD[0]] == [23] * MISREAD[0]
    if misread == "merged boxes":
        assert [len(results[k].gallery.tiles) for k in MISREAD] == [5, 5]
    ids = [p.id for p in results[0].participants]
    assert ids == [f"P{i:02d}" for i in range(1, 24)]  # every one from the first frame
    for k, r in enumerate(results):
        assert sorted(p.id for p in r.participants) == ids, k  # nobody new, nobody missing
        assert all(p.presence is not Presence.LEFT for p in r.participants), k
        assert r.mood.participants == 23, k
        if k not in MISREAD:
            assert [p.id for p in r.participants] == ids and all(p.bbox is not None for p in r.participants), k
    assert [p.id for p in stored] == ids
    assert [p.frames for p in stored] == [FRAMES] * 23
    assert len(observations) == 23 * FRAMES
    # a held participant is stored with no tile (nothing drawn, nothing read for them)
    for k in MISREAD:
        held = [p for p in results[k].participants if p.bbox is None]
        assert all(p.tile_index is None and p.probs is None for p in held)
        assert len(held) == (23 if misread == "merged boxes" else 0), k


def test_a_student_joining_reflows_the_grid_and_gets_the_next_id_one_frame_later_and_keeps_it(faces_dir):
    """Four students in a 2x2 gallery: all four from the first frame. A fifth joins: the
    grid reflows to 3+2 (every tile moves and shrinks); on that first frame of the new
    grid the newcomer's tile is nobody yet (the frame's layout is not the steady one), on
    the next it is P05, and stays P05 while the others keep theirs through a reorder."""
    views = [webcam_view(p, seed=10 + i) for i, p in enumerate(classvideo.portraits(faces_dir))]
    names = classvideo.NAMES
    script = [[0, 1, 2, 3]] * 3 + [[0, 1, 2, 3, 4]] * 3 + [[4, 0, 1, 2, 3]] * 2
    with Pipeline(presence_only=True) as pipe:
        out = []
        for k, order in enumerate(script):
            g = compose_gallery([views[p] for p in order], (1280, 720),
                                names=[names[p] for p in order], seed=k)
            r = pipe.process(g.image, k * STEP)
            assert len(r.gallery.tiles) == len(order), k
            out.append([p.id for p in r.participants])
    assert out[0] == ["P01", "P02", "P03", "P04"]
    assert out[1] == out[2] == out[0]
    assert out[3] == ["P01", "P02", "P03", "P04"]  # the newcomer's tile: nobody yet
    assert out[4] == out[5] == ["P01", "P02", "P03", "P04", "P05"]
    assert out[6] == out[7] == ["P05", "P01", "P02", "P03", "P04"]
