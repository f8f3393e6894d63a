"""ParticipantTracker on hand-built frames: every tile is a drawn room (with or without its
student), or a camera-off card; the TileResults say where the tiles are and what they
show. Each test checks the exact ids, so a tracker that followed positions alone, or
ignored names, would fail them."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from classmood.agent.tracker import ParticipantTracker, _most_pairs, same_name, signature, signature_distance
from classmood.types import Face, Tile, TileResult, TileState
from tests.conftest import data_path

FRAME = (1280, 720)
GAP = 12
BACKGROUND = (26, 26, 26)
CARD = (54, 54, 54)


def room(person: int, size: tuple[int, int], *, present: bool = True) -> np.ndarray:
    """Person ``person``'s webcam picture at ``size`` (w, h): their own room (a colour
    gradient and three pieces of furniture), with them in it when ``present``. Drawn at
    320x180 and resized, so the picture is the same at every tile size."""
    rng = np.random.default_rng(1000 + person)
    top, bottom = rng.integers(40, 216, (2, 3)).astype(np.float32)
    t = np.linspace(0.0, 1.0, 180, dtype=np.float32)[:, None, None]
    img = np.ascontiguousarray(np.broadcast_to(top * (1 - t) + bottom * t, (180, 320, 3))).astype(np.uint8)
    for _ in range(3):
        x, y = int(rng.integers(0, 260)), int(rng.integers(0, 120))
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        cv2.rectangle(img, (x, y), (x + int(rng.integers(30, 80)), y + int(rng.integers(30, 80))), colour, -1)
    if present:
        shirt, skin, hair = (tuple(int(v) for v in rng.integers(lo, hi, 3)) for lo, hi in
                             ((0, 256), (90, 230), (10, 90)))
        # a webcam close-up: the student fills the middle of the picture
        cv2.ellipse(img, (160, 200), (150, 95), 0, 0, 360, shirt, -1)  # shoulders
        cv2.ellipse(img, (160, 80), (60, 74), 0, 0, 360, skin, -1)     # face
        cv2.ellipse(img, (160, 40), (64, 40), 0, 180, 360, hair, -1)   # hair
    return cv2.resize(img, size, interpolation=cv2.INTER_AREA)


def card(size: tuple[int, int], initials: str = "") -> np.ndarray:
    """A camera-off card: the app's flat grey with the participant's initials."""
    w, h = size
    img = np.full((h, w, 3), CARD, np.uint8)
    if initials:
        cv2.putText(img, initials, (w // 2 - 20, h // 2 + 10), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (230, 230, 230), 2)
    return img


def grid(n: int) -> list[tuple[int, int, int, int]]:
    """``n`` 16:9 tiles in reading order, centred in the frame like a meeting app's gallery."""
    W, H = FRAME
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    tw = min((W - GAP * (cols + 1)) // cols, int((H - GAP * (rows + 1)) / rows * 16 / 9))
    th = tw * 9 // 16
    x0 = (W - cols * tw - (cols - 1) * GAP) // 2
    y0 = (H - rows * th - (rows - 1) * GAP) // 2
    return [(x0 + (i % cols) * (tw + GAP), y0 + (i // cols) * (th + GAP), tw, th) for i in range(n)]


def frame(tiles: list[tuple[int, str]], names: list[str | None] | None = None):
    """A frame and its TileResults. ``tiles``: per tile in reading order, (person, what it
    shows): ``face`` (them in their room), ``no_face`` (their empty room) or ``card``
    (camera off); ``names``: the name read on each tile (None: names are off)."""
    image = np.full((FRAME[1], FRAME[0], 3), BACKGROUND, np.uint8)
    results = []
    for i, ((person, what), box) in enumerate(zip(tiles, grid(len(tiles)))):
        x, y, w, h = box
        if what == "card":
            image[y : y + h, x : x + w] = card((w, h), initials="AB")
            state, faces = TileState.CAMERA_OFF, ()
        else:
            image[y : y + h, x : x + w] = room(person, (w, h), present=what == "face")
            state = TileState.FACE if what == "face" else TileState.NO_FACE
            faces = (Face(bbox=(x + w * 0.4, y + h * 0.15, w * 0.2, h * 0.45), score=0.9,
                          keypoints=np.zeros((6, 2), np.float32)),) if what == "face" else ()
        name = names[i] if names is not None else None
        results.append(TileResult(Tile(i, box), state, faces, name))
    return image, results


def faces(*people: int) -> list[tuple[int, str]]:
    return [(p, "face") for p in people]


@pytest.fixture
def tracker() -> ParticipantTracker:
    return ParticipantTracker()


# --------------------------------------------------------------------------- signatures
def test_signatures_tell_rooms_apart_and_survive_a_resize(tracker):
    a = room(0, (400, 225))
    assert signature(a, (0, 0, 400, 225)).shape == (432,)
    assert signature(a, (0, 0, 400, 225)).dtype == np.float32
    assert signature_distance(signature(a, (0, 0, 400, 225)), signature(a, (0, 0, 400, 225))) == 0.0
    small = room(0, (200, 112))
    assert signature_distance(signature(a, (0, 0, 400, 225)), signature(small, (0, 0, 200, 112))) < 0.05
    others = [signature(room(p, (400, 225)), (0, 0, 400, 225)) for p in range(1, 6)]
    d = signature_distance(signature(a, (0, 0, 400, 225)), np.stack(others))
    assert d.shape == (1, 5) and d.min() > tracker.max_cost


def test_ids_survive_the_light_going_down_and_a_reorder_in_it(tracker):
    """A whole class at 30% brightness (the evening light, a camera's exposure) is the
    same class: the same ids, also when the app then reorders the tiles (a newcomer dimmed
    a real class: all nine became new participants)."""
    image, tiles = frame(faces(0, 1, 2, 3, 4, 5))
    assert tracker.update(image, tiles, 0.0) == ["P01", "P02", "P03", "P04", "P05", "P06"]
    dim = (image.astype(np.float32) * 0.3).astype(np.uint8)
    assert tracker.update(dim, tiles, 0.5) == ["P01", "P02", "P03", "P04", "P05", "P06"]
    image, tiles = frame(faces(3, 1, 5, 0, 2, 4))
    dim = (image.astype(np.float32) * 0.3).astype(np.uint8)
    assert tracker.update(dim, tiles, 1.0) == ["P04", "P02", "P06", "P01", "P03", "P05"]
    # two people are never the same in other light: a dim room is not a bright other one
    d = signature_distance(signature(room(0, (400, 225)), (0, 0, 400, 225)),
                           np.stack([signature((room(p, (400, 225)) * 0.3).astype(np.uint8), (0, 0, 400, 225))
                                     for p in range(1, 6)]))
    assert d.min() > tracker.max_cost


ROOMS = [(180, 200, 210), (120, 150, 170), (200, 190, 160), (90, 110, 90), (210, 210, 220), (150, 130, 120),
         (170, 180, 140), (100, 100, 130), (200, 170, 170)]


def photo_class(level: float, dim: int = 6):
    """Nine NimStim neutral portraits, each on its own flat wall colour, in a 3x3 gallery
    (1920x1080), tile ``dim`` at ``level`` of its brightness, as a newcomer built
    class.mp4: image (float, before the camera noise) and its TileResults."""
    paths = sorted(data_path("faces", "nimstim", "neutral").glob("*M_NE_C.*"))[:9]
    W, H, gap = 1920, 1080, 8
    tw, th = (W - 4 * gap) // 3, (H - 4 * gap) // 3
    image = np.full((H, W, 3), 30.0, np.float32)
    tiles = []
    for i, path in enumerate(paths):
        x, y = gap + (i % 3) * (tw + gap), gap + (i // 3) * (th + gap)
        t = np.zeros((th, tw, 3), np.float32)
        t[:] = ROOMS[i]
        img = cv2.imread(str(path))
        img = cv2.resize(img, (int(img.shape[1] * th / img.shape[0]), th))
        ox = (tw - img.shape[1]) // 2
        t[:, ox:ox + img.shape[1]] = img
        image[y:y + th, x:x + tw] = t * (level if i == dim else 1.0)
        face = Face(bbox=(x + tw * 0.4, y + th * 0.2, tw * 0.2, th * 0.4), score=0.9,
                    keypoints=np.zeros((6, 2), np.float32))
        tiles.append(TileResult(Tile(i, (x, y, tw, th)), TileState.FACE, (face,), None))
    return image, tiles


@pytest.mark.parametrize("level", [0.06, 0.08, 0.10])
def test_a_room_going_dark_keeps_its_id(tracker, tmp_path, level):
    """A student's room dimmed to 6-10% (a newcomer's class.mp4: at 6% the student became a
    new participant and their usual was lost): recorded as they recorded it (camera noise of
    3 grey levels a channel, an MPEG-4 video; the whole signature then puts the dark tile
    0.65 from its lit self, over same_place_cost), the same id in the same place while dark,
    and when the light comes back. The brightness-free grid tells it (the hue histogram of
    a dark tile is noise: tracker.DARK_TILE_MEAN)."""
    from classmood.agent.tracker import DARK_TILE_MEAN, dark_distance, signature_distance

    rng = np.random.default_rng(7)
    lit, tiles = photo_class(1.0)
    dark, _ = photo_class(level)
    path = tmp_path / "dim.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 2, (lit.shape[1], lit.shape[0]))
    for img in [lit] * 3 + [dark] * 5 + [lit] * 2:
        writer.write(np.clip(img + rng.normal(0.0, 3.0, img.shape), 0, 255).astype(np.uint8))
    writer.release()
    cap = cv2.VideoCapture(str(path))
    frames = [cap.read()[1] for _ in range(10)]
    cap.release()
    box = tiles[6].tile.bbox
    sig, own = signature(frames[6], box), signature(frames[2], box)
    assert float(sig[:192].mean()) < DARK_TILE_MEAN
    if level == 0.06:  # the whole signature alone lost them
        assert signature_distance(sig, own) > tracker.same_place_cost
    ids = [f"P{i:02d}" for i in range(1, 10)]
    for k, f in enumerate(frames):
        assert tracker.update(f, tiles, 0.5 * k) == ids, k
    # the brightness-free grid of the dark tile is nearer its own room than any other
    others = [dark_distance(sig, signature(frames[2], tiles[j].tile.bbox)) for j in range(9) if j != 6]
    assert dark_distance(sig, own) < tracker.same_place_cost and dark_distance(sig, own) < min(others)


def test_a_dark_tile_that_moved_is_not_taken_for_someone_by_its_dark_grid(tracker):
    """The dark rule is a same-place rule: a dark tile moved to another place of a new
    grid is matched by the whole signature only (it becomes new rather than anyone: on
    the new grid's second frame, the first being suspect)."""
    image, tiles = frame(faces(0, 1, 2, 3, 4, 5))
    tracker.update(image, tiles, 0.0)
    image, tiles = frame(faces(0, 1, 2, 3, 4, 5, 6))  # a new layout, 7 tiles
    x, y, w, h = tiles[6].tile.bbox
    image[y:y + h, x:x + w] = (image[y:y + h, x:x + w].astype(np.float32) * 0.06).astype(np.uint8)
    out = tracker.update(image, tiles, 0.5)
    assert out == ["P01", "P02", "P03", "P04", "P05", "P06", None]
    assert tracker.update(image, tiles, 1.0) == ["P01", "P02", "P03", "P04", "P05", "P06", "P07"]


def test_same_name_tolerates_one_ocr_slip_only():
    assert same_name("bo kim", "bob kim") and same_name("ana lima", "ana lma")
    assert not same_name("bo kim", "jo lee") and not same_name("ana", "bo")


# --------------------------------------------------------------------------- ids
def test_first_frame_numbers_tiles_in_reading_order_and_keeps_them(tracker):
    image, tiles = frame(faces(0, 1, 2, 3))
    assert tracker.update(image, tiles, 0.0) == ["P01", "P02", "P03", "P04"]
    assert tracker.update(image, tiles, 0.5) == ["P01", "P02", "P03", "P04"]
    assert [tr.active for tr in tracker.tracks.values()] == [True] * 4


def test_ids_follow_people_when_tiles_are_reordered(tracker):
    tracker.update(*frame(faces(0, 1, 2, 3)), 0.0)
    # the app moves people around in the same grid: ids go with the people, not the places
    assert tracker.update(*frame(faces(2, 0, 3, 1)), 0.5) == ["P03", "P01", "P04", "P02"]
    assert tracker.update(*frame(faces(3, 2, 1, 0)), 1.0) == ["P04", "P03", "P02", "P01"]


def test_ids_follow_people_through_a_new_layout_and_a_newcomer_gets_the_next_id(tracker):
    tracker.update(*frame(faces(0, 1, 2, 3)), 0.0)
    # someone joins: the 2x2 grid becomes 2x3 with smaller tiles, and the order changes;
    # the newcomer is a participant from the new grid's second frame (the first is suspect)
    assert tracker.update(*frame(faces(1, 4, 0, 3, 2)), 0.5) == ["P02", None, "P01", "P04", "P03"]
    assert tracker.update(*frame(faces(4, 1, 0, 3, 2)), 1.0) == ["P05", "P02", "P01", "P04", "P03"]


def test_stepping_away_and_coming_back_keeps_the_id(tracker):
    tracker.update(*frame(faces(0, 1, 2, 3)), 0.0)
    # the empty room alone is too unlike the student in it to be matched on looks...
    box = grid(4)[1]
    present = signature(room(1, box[2:]), (0, 0, *box[2:]))
    empty = signature(room(1, box[2:], present=False), (0, 0, *box[2:]))
    assert signature_distance(present, empty) > tracker.max_cost
    # ...but it is in the same place of the same grid: still P02
    away = [(0, "face"), (1, "no_face"), (2, "face"), (3, "face")]
    assert tracker.update(*frame(away), 0.5) == ["P01", "P02", "P03", "P04"]
    assert tracker.update(*frame(away), 1.0) == ["P01", "P02", "P03", "P04"]
    assert tracker.update(*frame(faces(0, 1, 2, 3)), 1.5) == ["P01", "P02", "P03", "P04"]


def test_a_seat_that_turns_into_something_quite_unlike_it_keeps_the_id(tracker):
    """A tile in the same place of an unchanged grid whose picture changes kind (a student
    in front of a busy room, then a plain grey picture read as nobody in view: a newcomer's
    recording gave it a new, phantom participant, "away" 10 s) is still whoever sat there;
    a tile that keeps its kind but looks like someone else is not."""
    image, tiles = frame(faces(0, 1, 2, 3))
    tracker.update(image, tiles, 0.0)
    x, y, w, h = grid(4)[1]
    plain = image.copy()
    plain[y:y + h, x:x + w] = (200, 200, 200)
    gone = [tiles[0], TileResult(tiles[1].tile, TileState.NO_FACE, (), None), tiles[2], tiles[3]]
    assert signature_distance(signature(image, (x, y, w, h)), signature(plain, (x, y, w, h))) > \
        tracker.same_place_cost
    assert tracker.update(plain, gone, 0.5) == ["P01", "P02", "P03", "P04"]
    assert tracker.update(image, tiles, 1.0) == ["P01", "P02", "P03", "P04"]
    # the same kind (a face) but someone else entirely in that place: a new participant
    other = image.copy()
    other[y:y + h, x:x + w] = room(7, (w, h))
    assert tracker.update(other, tiles, 1.5)[1] == "P05"


def test_leaving_and_rejoining_gets_the_old_id_and_ids_are_never_reused(tracker):
    tracker.update(*frame(faces(0, 1, 2, 3)), 0.0)
    assert tracker.update(*frame(faces(0, 1, 3)), 0.5) == ["P01", "P02", "P04"]
    assert not tracker.tracks["P03"].active and tracker.tracks["P01"].active
    assert tracker.update(*frame(faces(0, 1, 3)), 10.0) == ["P01", "P02", "P04"]
    # she rejoins in another place of a new grid, next to a newcomer (who is one from
    # the new grid's second frame)
    assert tracker.update(*frame(faces(2, 0, 5, 1, 3)), 20.0) == ["P03", "P01", None, "P02", "P04"]
    assert tracker.tracks["P03"].active and tracker.tracks["P03"].first_seen == 0.0
    assert tracker.tracks["P03"].last_seen == 20.0
    assert tracker.update(*frame(faces(2, 0, 5, 1, 3)), 20.5) == ["P03", "P01", "P05", "P02", "P04"]


def test_a_camera_switched_off_and_on_in_place_keeps_the_id(tracker):
    tracker.update(*frame(faces(0, 1, 2, 3)), 0.0)
    off = [(0, "face"), (1, "face"), (2, "card"), (3, "face")]
    assert tracker.update(*frame(off), 0.5) == ["P01", "P02", "P03", "P04"]
    assert set(tracker.tracks["P03"].looks) == {"face", "card"}
    assert tracker.update(*frame(faces(0, 1, 2, 3)), 1.0) == ["P01", "P02", "P03", "P04"]


def test_a_camera_off_card_in_a_new_place_is_not_anyone_with_a_camera(tracker):
    tracker.update(*frame(faces(0, 1, 2, 3)), 0.0)
    # the grid changed and a card appeared: no one was ever seen as a card, and a card
    # is never compared with video, so it is somebody new (from the new grid's second frame)
    shown = frame([(0, "face"), (1, "face"), (9, "card"), (3, "face"), (2, "face")])
    assert tracker.update(*shown, 0.5) == ["P01", "P02", None, "P04", "P03"]
    assert tracker.update(*shown, 1.0) == ["P01", "P02", "P05", "P04", "P03"]


# --------------------------------------------------------------------------- names
NAMES = ["Ana Lima", "Bo Kim", "Cy Dee", "Di Fox"]


def cards(order: list[int]) -> list[tuple[int, str]]:
    return [(p, "card") for p in order]


def test_names_tell_identical_cards_apart_through_a_reorder(tracker):
    image, tiles = frame(cards([0, 1, 2, 3]), NAMES)
    assert tracker.update(image, tiles, 0.0) == ["P01", "P02", "P03", "P04"]
    order = [3, 1, 0, 2]
    image, tiles = frame(cards(order), [NAMES[i] for i in order])
    # the four cards are pixel-identical: only the names can say who is who
    crops = [t.tile.crop(image) for t in tiles]
    assert all(np.array_equal(c, crops[0]) for c in crops)
    assert tracker.update(image, tiles, 0.5) == ["P04", "P02", "P01", "P03"]
    assert [tracker.tracks[p].name for p in ("P01", "P02", "P03", "P04")] == NAMES


def test_names_survive_ocr_slips_and_the_most_read_spelling_wins(tracker):
    tracker.update(*frame(cards([0, 1, 2, 3]), NAMES), 0.0)
    tracker.update(*frame(cards([0, 1, 2, 3]), NAMES), 0.5)
    order = [1, 3, 2, 0]
    slips = ["Bob Kim", "Di  fox", "Cy Dee", "Ana Lma"]  # a letter added, case and blanks, one dropped
    assert tracker.update(*frame(cards(order), slips), 1.0) == ["P02", "P04", "P03", "P01"]
    assert tracker.tracks["P02"].names == {"Bo Kim": 2, "Bob Kim": 1}
    assert tracker.tracks["P02"].name == "Bo Kim"
    assert tracker.tracks["P01"].name == "Ana Lima"


def test_a_new_name_is_a_new_participant(tracker):
    tracker.update(*frame(cards([0, 1, 2, 3]), NAMES), 0.0)
    names = ["Eve Nuñez", "Bo Kim", "Cy Dee", "Di Fox", "Ana Lima"]
    assert tracker.update(*frame(cards([4, 1, 2, 3, 0]), names), 0.5) == [None, "P02", "P03", "P04", "P01"]
    assert tracker.update(*frame(cards([4, 1, 2, 3, 0]), names), 1.0) == ["P05", "P02", "P03", "P04", "P01"]
    assert tracker.tracks["P05"].name == "Eve Nuñez"


def test_reset_starts_again_at_p01(tracker):
    tracker.update(*frame(faces(0, 1, 2)), 0.0)
    tracker.reset()
    assert tracker.tracks == {}
    assert tracker.update(*frame(faces(3, 2)), 0.0) == ["P01", "P02"]


def test_a_tile_perception_saw_unchanged_keeps_its_signature(tracker, monkeypatch):
    """Signatures are measured only for tiles whose picture changed (TileResult.changed):
    an unchanged tile reuses last frame's; a reorder (pictures changed) is measured and
    followed; a tile at a new place is always measured."""
    import dataclasses

    from classmood.agent import tracker as T

    measured = []
    real = T.signatures
    monkeypatch.setattr(T, "signatures", lambda image, boxes: measured.append(len(boxes)) or real(image, boxes))
    image, tiles = frame(faces(0, 1, 2, 3))
    assert tracker.update(image, tiles, 0.0) == ["P01", "P02", "P03", "P04"]
    still = [dataclasses.replace(t, changed=False) for t in tiles]
    assert tracker.update(image, still, 0.5) == ["P01", "P02", "P03", "P04"]
    image2, swapped = frame(faces(1, 0, 2, 3))  # the app swapped the first two
    swapped = [dataclasses.replace(t, changed=i < 2) for i, t in enumerate(swapped)]
    assert tracker.update(image2, swapped, 1.0) == ["P02", "P01", "P03", "P04"]
    assert measured == [4, 0, 2]


# --------------------------------------------------------------------------- suspect frames
def merged(image, tiles, per_box: int = 3):
    """``tiles`` misread as big wrong boxes: every ``per_box`` tiles in reading order merged
    into one (the union of their boxes), nobody's face found in it."""
    out = []
    for k in range(0, len(tiles), per_box):
        group = [t.tile.bbox for t in tiles[k:k + per_box]]
        x0, y0 = min(b[0] for b in group), min(b[1] for b in group)
        x1, y1 = max(b[0] + b[2] for b in group), max(b[1] + b[3] for b in group)
        out.append(TileResult(Tile(len(out), (x0, y0, x1 - x0, y1 - y0)), TileState.NO_FACE))
    return image, out


def test_a_misread_frame_makes_nobody_new_and_nobody_left_and_ids_stay_dense(tracker):
    """A steady 3x3 class; a frame misread as three big boxes (each the mix of three
    rooms): none of them is a participant, all nine are held (not left); the next frame
    reads right: the same nine ids, and a newcomer after it gets P10 (no id was used
    on the misread boxes). A flicker between the grid and the misread (A B A B A) the
    same."""
    steady = frame(faces(*range(9)))
    ids = [f"P{i:02d}" for i in range(1, 10)]
    assert tracker.update(*steady, 0.0) == ids and not tracker.suspect
    assert tracker.update(*steady, 0.5) == ids
    t = 1.0
    for _ in range(3):  # misread, right, misread, right, ...
        assert tracker.update(*merged(*steady), t) == [None, None, None]
        assert tracker.suspect and sorted(tracker.held) == ids
        assert tracker.update(*steady, t + 0.5) == ids
        assert not tracker.suspect and tracker.held == ()
        t += 1.0
    assert sorted(tracker.tracks) == ids
    # someone takes the place of P05 in the unchanged grid: a new participant at once
    image, tiles = frame(faces(0, 1, 2, 3, 9, 5, 6, 7, 8))
    assert tracker.update(image, tiles, t)[4] == "P10" and not tracker.suspect
    assert tracker.update(image, tiles, t + 0.5)[4] == "P10"


def test_a_newcomer_is_seen_again_though_the_layout_flickers(tracker):
    """A newcomer's tile on a suspect frame is pending; on the next frame it is a
    participant if a tile in its place looks like it, though that frame's layout is
    suspect too (a tile lost by perception): seen again, P05 (a misread's boxes never
    are: test above)."""
    tracker.update(*frame(faces(0, 1, 2, 3)), 0.0)
    image, tiles = frame(faces(0, 1, 2, 3, 4))  # a fifth joins: the grid reflows
    assert tracker.update(image, tiles, 0.5) == ["P01", "P02", "P03", "P04", None]
    lost = [t for i, t in enumerate(tiles) if i != 1]  # this frame's read lost P02's tile
    assert tracker.update(image, lost, 1.0) == ["P01", "P03", "P04", "P05"]
    assert tracker.suspect and tracker.held == ("P02",)
    assert tracker.update(image, tiles, 1.5) == ["P01", "P02", "P03", "P04", "P05"]


def test_participants_are_held_for_hold_s_at_most():
    """Through a run of suspect frames (a layout that keeps changing), a participant whose
    tile is missing is held for ``hold_s`` after they were last seen, then left; on the
    first suspect frame whoever was seen on the frame before is held, however long ago
    (a recording read every 20 s)."""
    tracker = ParticipantTracker(hold_s=0.75)
    tracker.update(*frame(faces(0, 1, 2, 3)), 0.0)
    assert tracker.update(*frame(faces(0, 1, 2)), 0.5) == ["P01", "P02", "P03"]
    assert tracker.suspect and tracker.held == ("P04",)
    assert tracker.update(*frame(faces(0, 1)), 1.0) == ["P01", "P02"]  # another layout, suspect
    assert tracker.suspect and tracker.held == ("P03",)  # P04 was last seen 1 s ago
    assert tracker.update(*frame(faces(0, 1)), 1.5) == ["P01", "P02"]  # seen again: steady
    assert not tracker.suspect and tracker.held == ()
    assert [tr.active for tr in tracker.tracks.values()] == [True, True, False, False]
    sparse = ParticipantTracker(hold_s=0.75)
    steady = frame(faces(0, 1, 2, 3))
    sparse.update(*steady, 0.0)
    assert sparse.update(*merged(*steady, per_box=4), 20.0) == [None]
    assert sparse.held == ("P01", "P02", "P03", "P04")
    assert sparse.update(*steady, 40.0) == ["P01", "P02", "P03", "P04"]


def test_a_window_at_another_size_mints_nobody_from_its_first_frame(tracker):
    """The class seen at another size (a window reopened): every student is found again
    by their look; a tile that matches nobody there is nobody until seen again."""
    image, tiles = frame(faces(0, 1, 2, 3))
    tracker.update(image, tiles, 0.0)
    small = cv2.resize(image, (640, 360), interpolation=cv2.INTER_AREA)
    halved = [TileResult(Tile(t.tile.index, tuple(v // 2 for v in t.tile.bbox)), t.state, t.faces) for t in tiles]
    x, y, w, h = halved[3].tile.bbox
    small[y:y + h, x:x + w] = room(8, (w, h))  # someone else there now, unlike anyone known
    assert tracker.update(small, halved, 0.5) == ["P01", "P02", "P03", None]
    assert tracker.update(small, halved, 1.0) == ["P01", "P02", "P03", "P05"]


def test_a_new_view_holds_nobody(tracker):
    """The teacher picked a part of the screen (Pipeline.new_view): those not in it are
    left from its first frame (not held as on a misread), those in it keep their ids."""
    image, tiles = frame(faces(0, 1, 2, 3))
    tracker.update(image, tiles, 0.0)
    tracker.new_view()
    x, y, w, h = tiles[1].tile.bbox
    part = np.ascontiguousarray(image[y:y + h, x:x + w])
    assert tracker.update(part, [TileResult(Tile(0, (0, 0, w, h)), tiles[1].state, tiles[1].faces)], 0.5) == ["P02"]
    assert tracker.suspect and tracker.held == ()


def test_a_misread_first_frame_leaves_no_phantom_ids(tracker):
    """The session's first frame misread (a recording's first keyframe smeared, a dialog
    over the gallery not found: a 2x2 class read as two big boxes, each the mix of two
    rooms): its boxes get ids at once (P01, P02: nothing is known yet). Once the right grid
    is steady, the tiles where those boxes were take their ids, the others get the next
    ones: four ids for four students, each kept (before: P03-P06 beside the misread's two
    left P01 and P02, six ids for four students)."""
    steady = frame(faces(0, 1, 2, 3))
    assert tracker.update(*merged(*steady, per_box=2), 0.0) == ["P01", "P02"]
    assert tracker.update(*steady, 0.5) == [None] * 4 and tracker.suspect
    ids = tracker.update(*steady, 1.0)
    assert sorted(ids) == ["P01", "P02", "P03", "P04"] and not tracker.suspect
    # the first box lay over the top row, the second over the bottom one: a tile of each takes it
    assert "P01" in ids[:2] and "P02" in ids[2:]
    assert tracker.update(*steady, 1.5) == ids
    # a newcomer later gets the next id, and a first box still in the grid is nobody's
    # to take (test_a_window_at_another_size_mints_nobody_from_its_first_frame)
    image, tiles = frame(faces(0, 1, 2, 3, 4))
    tracker.update(image, tiles, 2.0)
    assert tracker.update(image, tiles, 2.5) == ids + ["P05"]


def test_a_misread_opening_held_for_seconds_leaves_no_phantom_ids(tracker):
    """The same misread on the session's first three frames (a dialog open over the
    gallery for the first 1.5 s of a recording: each frame read as the same two big boxes,
    which makes them the steady grid): once the right grid is steady, the tiles where the
    boxes were take their ids, four ids for four students (before: P03-P06 beside the
    opening's P01 and P02, six ids; a newcomer's 4-student Zoom clip at 720p, CRF 36)."""
    steady = frame(faces(0, 1, 2, 3))
    for t in (0.0, 0.5, 1.0):
        assert tracker.update(*merged(*steady, per_box=2), t) == ["P01", "P02"]
    assert tracker.update(*steady, 1.5) == [None] * 4 and tracker.suspect
    ids = tracker.update(*steady, 2.0)
    assert sorted(ids) == ["P01", "P02", "P03", "P04"] and not tracker.suspect
    assert "P01" in ids[:2] and "P02" in ids[2:]
    assert tracker.update(*steady, 2.5) == ids


def _box(tile, dy0: float = 0.0, dy1: float = 0.0, dx1: float = 0.0):
    """``tile``'s box with its top moved by ``dy0``, its bottom by ``dy1`` and its right
    side by ``dx1`` of its height (width)."""
    x, y, w, h = tile
    return (x, y + round(dy0 * h), w + round(dx1 * w), h - round(dy0 * h) + round(dy1 * h))


def test_a_misread_opening_read_a_little_differently_frame_to_frame_leaves_no_phantom_ids(tracker):
    """A dialog over the left column of a 3x3 class for the first 1.5 s of a recording,
    misread a little differently on each frame (a 23-tile Zoom gallery at 720p with a
    dialog over a quarter of it: its readings differ by a box or two, each steady on its
    second frame; 29 ids): one box over the lower 60% of the column's first tile and all
    of the second, one over the second and a third of the third; the first frame's tile 8
    cut to 75% of its width on the next two. Once the right grid is steady, the tiles
    where the misread boxes were take their ids: nine ids for nine students (before: the
    second reading, steady, ended the opening, and the column's tiles got new ids)."""
    steady = frame(faces(*range(9)))
    image, tiles = steady
    b = [t.tile.bbox for t in tiles]
    upper = _box(b[0], dy0=0.4, dy1=1.0 + GAP / b[0][3])  # tile 0's lower 60% and tile 3
    lower = _box(b[3], dy1=0.4)  # tile 3, the gap and a third of tile 6
    def reading(cut: bool):
        boxes = [upper, b[1], b[2], lower, b[4], b[5], b[7], _box(b[8], dx1=-0.25) if cut else b[8]]
        return image, [TileResult(Tile(i, box), TileState.NO_FACE if box in (upper, lower) else TileState.FACE,
                                  () if box in (upper, lower) else tiles[b.index(box)].faces if box in b else
                                  tiles[8].faces) for i, box in enumerate(boxes)]
    first = tracker.update(*reading(False), 0.0)
    assert first == [f"P0{i}" for i in range(1, 9)]
    for t in (0.5, 1.0):
        tracker.update(*reading(True), t)
    assert not tracker.suspect  # the second reading is steady
    tracker.update(*steady, 1.5)
    ids = tracker.update(*steady, 2.0)
    assert sorted(ids) == [f"P0{i}" for i in range(1, 10)] and not tracker.suspect
    assert ids[0] == "P01" and ids[3] == "P04"  # where the boxes were; P09 for tile 6
    assert tracker.update(*steady, 2.5) == ids



def test_misread_boxes_take_as_many_tiles_as_they_can():
    """Misread boxes and the tiles they share enough with: one box over tiles 0 and 1
    (shares most with 1), another over tile 1 alone. Pairing by the most shared first gives
    the first box tile 1 and leaves the second's id over (a phantom, the 23-tile gallery's
    column under a dialog); as many pairs as can be made give each box a tile, and where
    there is a choice the most shared pair is kept (a third box over tile 2 alone)."""
    pairs = [(-1.0, 1, "P01"), (-0.6, 0, "P01"), (-1.0, 1, "P04"), (-0.9, 2, "P07")]
    assert _most_pairs(pairs) == {0: "P01", 1: "P04", 2: "P07"}
    assert _most_pairs([(-1.0, 1, "P01"), (-0.6, 0, "P01")]) == {1: "P01"}
    assert _most_pairs([]) == {}

def test_an_opening_held_past_opening_s_is_read_right(tracker):
    """An opening grid seen for longer than ``opening_s`` (10 s) is the class as it was (two
    students in two big tiles), not a misread: when it changes, nobody's id is handed to a
    tile that matches nobody (a student who left as others joined keeps theirs)."""
    steady = frame(faces(0, 1, 2, 3))
    opening = merged(*steady, per_box=2)
    for k in range(23):
        assert tracker.update(*opening, 0.5 * k) == ["P01", "P02"]
    tracker.update(*steady, 11.5)
    assert sorted(tracker.update(*steady, 12.0)) == ["P03", "P04", "P05", "P06"]


def _a_class_held_for_seconds(tracker: ParticipantTracker | None = None):
    """A 3x3 class seen steady for 2.5 s (its grid has held for ``hold_s``): the tracker,
    the steady frame (image, tiles) and the nine ids."""
    tracker = tracker or ParticipantTracker()
    steady = frame(faces(*range(9)))
    ids = [f"P{i:02d}" for i in range(1, 10)]
    for t in (0.0, 0.5, 1.0, 1.5, 2.0, 2.5):
        assert tracker.update(*steady, t) == ids
    return tracker, steady, ids


def _under_a_window(image, tiles, window):
    """``tiles`` with a dark dialog drawn at ``window`` (x0, y0, x1, y1) over the frame, as
    a misread under it gives them: a tile partly under it is cut to the part left showing
    (with its face where the face shows), a tile wholly under it is missing."""
    wx0, wy0, wx1, wy1 = window
    image = image.copy()
    cv2.rectangle(image, (wx0, wy0), (wx1, wy1), (48, 45, 45), -1)
    out = []
    for t in tiles:
        x, y, w, h = t.tile.bbox
        if x >= wx0 and x + w <= wx1 and y >= wy0 and y + h <= wy1:
            continue  # wholly under the window
        if x + w <= wx0 or x >= wx1 or y + h <= wy0 or y >= wy1:
            out.append(t)  # clear of it
            continue
        # the part left of the window (the tiles here are cut on their right)
        part = (x, y, wx0 - x, h) if x < wx0 else (wx1, y, x + w - wx1, h)
        shown = [f for f in t.faces if part[0] <= f.bbox[0] and f.bbox[0] + f.bbox[2] <= part[0] + part[2]]
        out.append(TileResult(Tile(len(out), part), TileState.FACE if shown else TileState.NO_FACE, tuple(shown)))
    return image, [TileResult(Tile(i, t.tile.bbox), t.state, t.faces) for i, t in enumerate(out)]


def test_a_window_over_the_gallery_for_seconds_makes_nobody_new_and_keeps_every_id(tracker):
    """A steady 3x3 class; a dialog between its middle and right columns for 2 s (4
    frames) that the grid fit does not find: the six tiles it covers in part are read as
    the parts left showing, two of them looking like no one (the room cut). Seen on two
    frames that reading was the steady grid, and the opening rule (the session's first
    10 s) handed it those two's ids, their looks replaced by the parts': when the dialog
    closed they became new participants, 11 ids for 9 (a newcomer's 23-tile Zoom clip at
    720p: 32). Now a part is whoever's tile it is part of (ParticipantTracker._parts),
    from its first frame: every id stays, no id is used up, and a newcomer then gets P10."""
    tracker, steady, ids = _a_class_held_for_seconds(tracker)
    boxes = grid(9)
    # over the right 30% of the middle column and the left 30% of the right one, every row
    x, y, w, h = boxes[1]
    window = (x + int(0.7 * w), y - 2, boxes[2][0] + int(0.3 * w), boxes[7][1] + h + 2)
    image, tiles = _under_a_window(*steady, window)
    assert len(tiles) == 9 and sum(t.tile.bbox not in boxes for t in tiles) == 6
    for t in (3.0, 3.5, 4.0, 4.5):
        got = tracker.update(image, tiles, t)
        assert None not in got and set(got) <= set(ids), got
    assert sorted(tracker.tracks) == ids
    assert tracker.update(*steady, 5.0) == ids
    assert tracker.update(*steady, 5.5) == ids
    image, tiles = frame(faces(*range(10)))
    tracker.update(image, tiles, 6.0)
    assert tracker.update(image, tiles, 6.5)[9] == "P10"


def test_a_faceless_box_over_several_tiles_is_nobody_and_holds_them():
    """A dialog over the gallery that no grid fits around: the frame read as one faceless
    box over every tile for 2 s (a newcomer's 25-tile Zoom clip: "1 participant, away", a
    new id). The box is nobody, those whose tiles it holds are held as last shown (not
    left), and when the grid is read again every id is back; past ``hide_s`` they are
    left, and the box is a participant (a view that really is one picture)."""
    tracker = ParticipantTracker(hide_s=3.0)
    steady = frame(faces(0, 1, 2, 3))
    ids = ["P01", "P02", "P03", "P04"]
    for t in (0.0, 0.5, 1.0, 1.5, 2.0, 2.5):
        assert tracker.update(*steady, t) == ids
    whole = merged(*steady, per_box=4)
    for t in (3.0, 3.5, 4.0, 4.5):
        assert tracker.update(*whole, t) == [None]
        assert sorted(tracker.held) == ids
    assert tracker.update(*steady, 5.0) == ids
    for t in (6.0, 6.5, 7.0, 7.5, 8.0, 8.5, 9.0, 9.5):
        got = tracker.update(*whole, t)
    assert got == ["P05"] and tracker.held == ()


def test_a_tile_half_under_a_window_in_its_place_keeps_its_id(tracker):
    """A dialog over a 3x3 class for 2 s hides the centre tile and half of the one above
    it, which the fit keeps in its place: its picture, half dialog, looks like no one (a
    newcomer's 23-tile clip with a 15% dialog: 3 new ids). On a frame with fewer tiles
    than the grid that held, a tile in the place of someone's tile is theirs."""
    tracker, steady, ids = _a_class_held_for_seconds(tracker)
    image, tiles = steady
    image = image.copy()
    x, y, w, h = tiles[4].tile.bbox
    cv2.rectangle(image, (x - 4, tiles[1].tile.bbox[1] + h // 3), (x + w + 4, y + h + 4), (48, 45, 45), -1)
    shown = [TileResult(Tile(i, t.tile.bbox), TileState.NO_FACE if k == 1 else t.state, () if k == 1 else t.faces)
             for i, (k, t) in enumerate((k, t) for k, t in enumerate(tiles) if k != 4)]
    for t in (3.0, 3.5, 4.0, 4.5):
        assert tracker.update(image, shown, t) == ids[:4] + ids[5:]
    assert tracker.update(*steady, 5.0) == ids
    assert sorted(tracker.tracks) == ids


def test_a_frame_with_no_tiles_after_a_gallery_holds_everyone_for_hide_s():
    """A window over the whole gallery for 2 s (a recording's frames read as no tiles at
    all: a newcomer's clip listed 0 participants for 2 s): whoever was in view is held as
    last shown, the same ids come back with the gallery; past ``hide_s`` they are left."""
    tracker = ParticipantTracker(hide_s=3.0)
    steady = frame(faces(0, 1, 2, 3))
    ids = ["P01", "P02", "P03", "P04"]
    for t in (0.0, 0.5, 1.0):
        assert tracker.update(*steady, t) == ids
    for t in (1.5, 2.0, 2.5, 3.0):
        assert tracker.update(steady[0], [], t) == []
        assert sorted(tracker.held) == ids
    assert tracker.update(*steady, 3.5) == ids
    for t in (4.0, 5.0, 6.0, 7.0, 8.0):
        tracker.update(steady[0], [], t)
    assert tracker.held == ()
    assert tracker.update(*steady, 8.5) == ids


def test_a_dialogs_buttons_read_as_tiles_are_nobody_and_the_class_is_held():
    """A dialog over most of a 3x3 class for 3 s whose two buttons are read as the only
    tiles (small, faceless, like no one: a newcomer's real_test2 clip made them two "away"
    participants while the five students were left). Fewer tiles than the grid that held,
    none of them anyone known nor with a face: they are nobody and the class is held as
    last shown; when the dialog goes the same nine ids, and nothing else was minted."""
    tracker, steady, ids = _a_class_held_for_seconds()
    image = steady[0].copy()
    cv2.rectangle(image, (100, 60), (1180, 660), (48, 45, 45), -1)
    buttons = []
    for k, x in enumerate((380, 790)):  # each over the corner of four tiles, none's part
        cv2.rectangle(image, (x, 455), (x + 100, 495), (200, 120, 60) if k else (150, 150, 150), -1)
        buttons.append(TileResult(Tile(k, (x, 455, 100, 40)), TileState.NO_FACE))
    for t in (3.0, 3.5, 4.0, 4.5, 5.0, 5.5):
        assert tracker.update(image, buttons, t) == [None, None]
        assert sorted(tracker.held) == ids
    assert tracker.update(*steady, 6.0) == ids
    assert sorted(tracker.tracks) == ids


def test_a_tile_hidden_by_a_window_for_seconds_is_held_while_the_rest_stay_in_place():
    """A dialog over the centre of a 3x3 class for 5 s that the fit does not find: the
    centre tile is gone from the reading, the other eight stay in their places. Before,
    its student was held on the first frame only, then left (a newcomer's clips: students
    under a dialog silently gone for its whole time). Fewer tiles, each in its own place:
    the missing one is under something and held as last shown; a grid that reflows (its
    tiles move, as an app's does when someone leaves) still lets a leaver go at once."""
    tracker, steady, ids = _a_class_held_for_seconds()
    image, tiles = steady
    image = image.copy()
    x, y, w, h = tiles[4].tile.bbox
    cv2.rectangle(image, (x - 6, y - 6), (x + w + 6, y + h + 6), (48, 45, 45), -1)
    shown = [TileResult(Tile(i, t.tile.bbox), t.state, t.faces) for i, t in enumerate(tiles[:4] + tiles[5:])]
    for t in (3.0, 3.5, 4.0, 5.0, 6.0, 7.0, 8.0):
        assert tracker.update(image, shown, t) == ids[:4] + ids[5:]
        assert tracker.held == ("P05",)
    assert tracker.update(*steady, 8.5) == ids
    # P09 leaves and the app reflows the grid (its last row centred, as Zoom's): left, not
    # held, on the reflow's second frame
    image = np.full((FRAME[1], FRAME[0], 3), BACKGROUND, np.uint8)
    boxes = grid(9)[:6] + [(b[0] + (b[2] + GAP) // 2, b[1], b[2], b[3]) for b in grid(9)[6:8]]
    tiles = []
    for i, (x, y, w, h) in enumerate(boxes):
        image[y:y + h, x:x + w] = room(i, (w, h))
        face = Face(bbox=(x + w * 0.4, y + h * 0.15, w * 0.2, h * 0.45), score=0.9,
                    keypoints=np.zeros((6, 2), np.float32))
        tiles.append(TileResult(Tile(i, (x, y, w, h)), TileState.FACE, (face,)))
    tracker.update(image, tiles, 9.0)
    assert tracker.update(image, tiles, 9.5) == ids[:8] and tracker.held == ()


def test_a_faceless_box_beside_the_tiles_a_window_leaves_is_nobody():
    """A dialog over the lower two rows of a 3x3 class, with a thumbnail in it read as a
    tile: the top row in its places, a part of one tile below, and the thumbnail (faceless,
    over the corner of four tiles, no one's part). Before, the thumbnail became a new "away"
    participant and the students under the dialog were left (a newcomer's clip: 6 ids for
    5). Fewer tiles than the grid that held: a faceless tile that is no one known is
    nobody, and the students under the dialog are held."""
    tracker, steady, ids = _a_class_held_for_seconds()
    image, tiles = steady
    image = image.copy()
    boxes = grid(9)
    x, y, w, h = boxes[3]
    cv2.rectangle(image, (x + w // 2, y - 4), (1279, 719), (48, 45, 45), -1)
    cv2.rectangle(image, (790, 455), (890, 495), (120, 120, 120), -1)
    shown = tiles[:3] + [TileResult(Tile(3, (x, y, w // 2, h)), TileState.NO_FACE),
                         TileResult(Tile(4, (790, 455, 100, 40)), TileState.NO_FACE)]
    for t in (3.0, 3.5, 4.0, 4.5, 5.0):
        assert tracker.update(image, shown, t) == ids[:4] + [None]
        assert sorted(tracker.held) == ids[4:]
    assert tracker.update(*steady, 5.5) == ids
    assert sorted(tracker.tracks) == ids
