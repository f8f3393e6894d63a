"""Two or three people sharing one camera are each a participant: counted present, each
face classified, each with an id that lasts and a part of the tile for the badge; a small
face far behind the student is not another student; a person leaving the shared camera
is gone (left), not away."""

from __future__ import annotations

import numpy as np
import pytest

from classmood import Pipeline, synth
from classmood.agent.pipeline import PERSON_FACE_RATIO, people_in_tile, person_regions
from classmood.types import Face, Presence, TileState as S


def _face(x, y, w, score=0.9):
    return Face(bbox=(x, y, w, w), score=score, keypoints=np.zeros((6, 2), np.float32))


def test_people_in_tile_main_first_then_left_to_right():
    a, b, c = _face(300, 50, 100), _face(50, 60, 90), _face(550, 60, 95)
    assert people_in_tile([a, b, c]) == [a, b, c]
    assert people_in_tile([c, a, b]) == [a, b, c]
    far = _face(10, 10, 100 * PERSON_FACE_RATIO - 1)  # a face far behind: not a student
    assert people_in_tile([a, far]) == [a]
    assert people_in_tile([]) == []


def test_person_regions_cut_halfway_between_faces():
    tile = (100, 200, 600, 300)
    a, b = _face(400, 250, 100), _face(150, 250, 100)  # centres 450 and 200
    ra, rb = person_regions(tile, [a, b])
    assert rb == (100, 200, 225, 300) and ra == (325, 200, 375, 300)
    assert person_regions(tile, [a]) == [tile]


@pytest.fixture(scope="module")
def pairs(grace, library):
    """A synthetic gallery in which every face tile shows two people, and the pipeline's
    answer on two frames of it."""
    g = synth.make_gallery([grace], 6, (1280, 720), states=[S.FACE] * 4 + [S.CAMERA_OFF, S.FACE],
                           two_people=1.0, seed=11, library=library)
    with Pipeline() as pipe:
        first = pipe.process(g.image, 0.0)
        second = pipe.process(g.image, 0.5)
    return g, first, second


def test_every_person_sharing_a_camera_is_a_participant(pairs):
    g, first, second = pairs
    want = [len(t.face_boxes) if t.state is S.FACE else 1 for t in g.tiles]
    assert sum(want) > len(g.tiles), "the synthetic tiles hold pairs"
    for res in (first, second):
        per = [sum(p.tile_index == i for p in res.participants) for i in range(len(res.gallery.tiles))]
        assert per == want
        assert res.mood.participants == sum(want)
        assert res.mood.present == sum(n for n, t in zip(want, g.tiles) if t.state is S.FACE)
        live = [p for p in res.participants if p.presence is Presence.PRESENT]
        assert all(p.probs is not None and p.face_bbox is not None for p in live), "each face classified"
        for p in live:  # the badge's region holds the person's face
            fx, fy, fw, fh = p.face_bbox
            x, y, w, h = p.bbox
            assert x <= fx + fw / 2 <= x + w and y <= fy + fh / 2 <= y + h
    assert [p.id for p in first.participants] == [p.id for p in second.participants]
    assert len({p.id for p in first.participants}) == len(first.participants)


def test_a_person_leaving_the_shared_camera_is_gone(pairs):
    """The second person of each pair steps out (their face painted over with the tile's
    colour): they are gone (left, not shown); the tiles' participants keep their ids."""
    g, first, _ = pairs
    image = g.image.copy()
    for p in first.participants:
        if "." in p.id:
            x, y, w, h = (int(v) for v in p.face_bbox)
            tx, ty, tw, th = g.tiles[p.tile_index].bbox
            colour = np.median(image[ty:ty + th, tx:tx + tw].reshape(-1, 3), axis=0)
            image[max(ty, y - h // 3):min(ty + th, y + h + h // 3), max(tx, x - w // 3):min(tx + tw, x + w + w // 3)] = colour
    with Pipeline(presence_only=True) as pipe:
        before = pipe.process(g.image, 0.0)
        after = pipe.process(image, 4.0)  # a small change: faces looked for again within 3 s
    gone = {p.id for p in before.participants} - {p.id for p in after.participants}
    assert gone and all("." in i for i in gone), "the second people went; the tiles' ids stay"
    assert after.mood.participants == len(g.tiles) and after.mood.away == 0


def test_the_text_table_shows_every_person_under_their_tile(pairs):
    """One row per tile, then a row for each other person sharing its camera: every
    participant's id once, beside their own tile (a newcomer found ids shifted by one row
    per extra person)."""
    from classmood.cli.text import frame_table

    _, first, _ = pairs
    rows = frame_table("page", first).splitlines()[2:2 + len(first.participants)]
    assert len(rows) == len(first.participants)
    tile = None
    for row, p in zip(rows, first.participants):
        cells = row.split()
        if row.strip().startswith("+ same tile"):
            assert p.tile_index == tile and p.id in cells
        else:
            tile = int(cells[0])
            assert p.tile_index == tile and p.id in cells
    assert sum(r.strip().startswith("+ same tile") for r in rows) == sum("." in p.id for p in first.participants)
