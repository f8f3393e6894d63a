"""Every right value becomes a test (issue 16): ClassMood's answer on real screens it was
not tuned on, against the value a person wrote down.

One parameter per (file, check):

* ``galleries2/`` (hand counts in its ``annotations.json``, ranges where ambiguous):
  ``tiles`` (tile count), ``states`` (tiles per state: face = live_faces, photo =
  photo_tiles, camera_off = name_tiles, no_face = empty_video), ``faces`` (faces in the
  face and photo tiles = faces_total) and ``participants`` (the Pipeline's class
  snapshot: present, camera off, away and the participant count; see
  :func:`_g2_participants` for how several people in one tile are allowed for).
* ``cases/compression/<gallery>_q90.jpg`` / ``_q50.jpg`` and ``cases/rescale/*``: the
  hand annotation of the PNG original (``tests/detectors/annotations.py``): ``tiles``
  (count, and the annotated boxes within 6 px, scaled with the image), ``states`` (in
  reading order), ``faces`` (at least one face inside every face tile, none elsewhere);
  for rescale also ``participants`` (4 present of 4).
* ``cases/presence/*`` (truth JSONs and ``cases/README.md``): ``tiles``, ``present``
  (every student present), ``labels`` (each student's label is the true expression or
  ``uncertain``, never a wrong confident one), and for ``multi_face_tiles`` ``faces``
  and ``people_per_tile``, for ``lowlight_dim25`` ``valence`` (not pushed negative by the
  light: at least the bright image's class valence minus 0.05).
* ``cases/exif/zoom1_exif6.jpg``: ``load`` (``load_image`` gives the upright picture),
  ``tiles``, ``states``, ``faces``: the same as for ``zoom1_upright.jpg``.

What fails today is listed in :data:`XFAIL_TODAY`, measured, as a strict xfail: the suite
stays green, and a fix that makes one pass fails the run until its entry is removed.
Right values are never loosened to pass. Needs the shared data (``CLASSMOOD_DATA`` or
``../shared/data``); skipped cleanly without it.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from classmood.io import load_image
from classmood.types import TileState
from tests.conftest import DATA, data_path, variant

from .annotations import REAL_BOXES, REAL_STATES

# --------------------------------------------------------------------------------------
# What is wrong today: (file, check) -> what ClassMood answers, measured on this code.
# Remove an entry when a fix makes its test pass (strict: an unexpected pass fails).
# --------------------------------------------------------------------------------------
XFAIL_TODAY: dict[tuple[str, str], str] = {
    # galleries2/: hand counts in annotations.json. Where no grid fits (speaker views, filmstrips
    # beside shared content, phone portrait, touching tiles) every face found in the frame gets a
    # region of its own (detectors/face_layout.py), and faces of one size on one line are fitted as
    # a strip of equal tiles (its faceless tiles kept): the faces and present counts hold on most such
    # screens; rows of avatar discs (Teams' initials strip) are camera-off tiles and the strip's
    # small video thumbnails are searched for faces (detectors/avatars.py, gallery.py). What is left: tiles with no face there (camera-off cards beside
    # shared content), faces under ~20 px or in profile (Meet 2018, BigBlueButton Flash, a
    # phone's close-ups), a room counted as one region per person (Meet), a square profile
    # photo filling the card's height read as live on one frame (Zoom slava16, sidebyside: a
    # square live video looks the same on one frame, zoom_slava_panel), Teams logo tiles. A lattice of equal face regions gets its
    # cut-short and faceless places back (face_layout.fit_lattice: Teams' dialog over a tile).
    ("bbb_flash_dock.png", "tiles"): "6 tiles found, annotated 8",
    ("bbb_flash_dock.png", "states"): "face 6 (annotated 7-8)",
    ("bbb_flash_dock.png", "faces"): "6 faces found, annotated 9-12",
    ("bbb_flash_dock.png", "participants"): "present 6 (annotated 7-12), participants 6 (8-13)",
    ("meet_room_speaker.png", "tiles"): "7 tiles found (a region per person, one a dimmed thumbnail's), annotated 4-5",
    ("meet_room_speaker.png", "states"): "face 7 (annotated 4-5)",
    ("meet_sidebar.png", "tiles"): "3 tiles found, annotated 4-5",
    ("meet_sidebar.png", "states"): "face 3 (annotated 4-5)",
    ("meet_sidebar.png", "faces"): "3 faces found, annotated 6-10",
    ("meet_sidebar.png", "participants"): "present 3 (annotated 4-10), participants 3 (4-11)",
    ("nextcloud_talk_android_call3.png", "tiles"): "2 tiles found, annotated 4",
    ("nextcloud_talk_android_call3.png", "states"): "face 2 (annotated 3-4)",
    ("nextcloud_talk_android_call3.png", "faces"): "2 faces found, annotated 3-4",
    ("nextcloud_talk_android_call3.png", "participants"): "present 2 (annotated 3-4), participants 2 (4-5)",
    ("teams_camoff_logo_tiles2.png", "tiles"): "1 tile found, annotated 2",
    ("teams_camoff_logo_tiles2.png", "states"): "photo 0 (annotated 2), no_face 1 (annotated 0)",
    ("teams_camoff_logo_tiles2.png", "participants"): "camera_off 0 (2), away 1 (0), participants 1 (2)",
    ("webexsdk_ios_multistream.png", "tiles"): "4 tiles found, annotated 6",
    ("webexsdk_ios_multistream.png", "states"): "no_face 3 (annotated 5)",
    ("webexsdk_ios_multistream.png", "participants"): "away 3 (5), participants 4 (6)",
    ("zoom_slava16.png", "states"): "face 12 (annotated 11), photo 0 (annotated 1)",
    ("zoom_slava16.png", "participants"): "present 12 (annotated 11), camera_off 4 (5)",
    ("zoom_slava_poll.png", "tiles"): "2 tiles found, annotated 4-5",
    ("zoom_slava_poll.png", "participants"): "participants 2 (4-7)",
    ("zoom_slava_sidebyside.png", "states"): "face 11 (annotated 10), photo 0 (annotated 1)",
    ("zoom_slava_sidebyside.png", "participants"): "present 11 (annotated 10), camera_off 3 (4)",
    ("zoom_websdk_gallery25.png", "faces"): "25 faces found, annotated 27-28",
    # cases/compression/: the PNG original's annotation (annotations.py): every check passes (the
    # fitted grid's sides are moved in off a margin of background: grid_fit._off_margin).
    # cases/rescale/: the PNG original's annotation, scaled: every check passes.
    # galleries/ originals made into variants in memory (VARIANTS): counts, states and faces
    # hold in every one; the box of the active speaker's tile (Zoom's yellow frame around it,
    # inside the annotated box) comes out a few pixels inside after the grid fit at 0.5x
    # (at q70 and 0.8x it is within the tolerance since tile sides are read in parts).
    ("real_test2.png@x0.5", "tiles"): "tile 3: (168, 269, 310, 175), annotated (166, 267, 315, 180) +-3",
    # cases/presence/: truth JSONs and cases/README.md. Far and cut faces are found (present), people
    # sharing a camera each count, dim tiles are kept (lattice holes), dim faces are read after the
    # per-face normalisation or called uncertain (face_quality: dim faces need confidence 0.6) and the
    # dim class's valence is not pushed negative; what is left: labels (confident "neutral" on far,
    # cut and shared-camera faces that are angry or happy). Passing: every check on both lowlight files.
    ("far_face28px.png", "labels"): "tile 2 neutral, true angry",
    ("far_face36px.png", "labels"): "tile 2 neutral, true angry",
    ("face_cut_by_edge.png", "labels"): "tile 8 neutral, true angry",
    ("multi_face_tiles.png", "labels"):
        "tile 0 neutral/neutral, true happy/neutral; tile 3 neutral, true angry; tile 8 neutral, true happy",
}

# --------------------------------------------------------------------------------------

F, NF, OFF, PH = TileState.FACE, TileState.NO_FACE, TileState.CAMERA_OFF, TileState.PHOTO
BOX_TOL = 6
"""Pixels: the tolerance of the hand-read boxes in annotations.py, at the original's scale."""
VALENCE_TOL = 0.05
"""How far below the bright image's class valence the dim one may fall."""
UNCERTAIN = "uncertain"

G2_CHECKS = ("tiles", "states", "faces", "participants")
COMPRESSION_CHECKS = ("tiles", "states", "faces")
RESCALE = {  # case file -> its PNG original in galleries/
    "real_test_2560x1440.png": "real_test.png",
    "real_test_1080p_blur3.png": "real_test.png",
}
RESCALE_CHECKS = ("tiles", "states", "faces", "participants")
PRESENCE_CHECKS = {
    "far_face28px.png": ("tiles", "present", "labels"),
    "far_face36px.png": ("tiles", "present", "labels"),
    "face_cut_by_edge.png": ("tiles", "present", "labels"),
    "multi_face_tiles.png": ("tiles", "faces", "present", "people_per_tile", "labels"),
    "lowlight_bright.png": ("tiles", "present", "labels"),
    "lowlight_dim25.png": ("tiles", "present", "labels", "valence"),
}
VARIANTS = ("q70", "x0.8", "x1.25", "x0.5")
"""Made in memory from each PNG original in galleries/ (annotations.py): JPEG at quality 70
and bicubic resizing, at settings neither the shared cases nor the benchmark's own
variants use (a held-out check of the same kinds: a masked face near its tile's top lost
at q70)."""
VARIANT_CHECKS = ("tiles", "states", "faces")
EXIF = {"zoom1_exif6.jpg": "zoom1_upright.jpg"}
EXIF_CHECKS = ("load", "tiles", "states", "faces")


def _g2_annotations() -> dict[str, dict]:
    path = DATA / "galleries2" / "annotations.json"
    if not path.is_file():
        return {}
    return {e["file"]: e for e in json.loads(path.read_text())["images"]}


G2 = _g2_annotations()


def _params(files_checks) -> list:
    out = []
    for name, checks in files_checks:
        for check in checks:
            marks = []
            reason = XFAIL_TODAY.get((name, check))
            if reason is not None:
                marks = [pytest.mark.xfail(strict=True, reason=reason)]
            out.append(pytest.param(name, check, marks=marks, id=f"{name}:{check}"))
    return out


def _compression_files() -> list[str]:
    return [f"{Path(n).stem}_{q}.jpg" for n in sorted(REAL_STATES) for q in ("q90", "q50")]


def _all_keys() -> set[tuple[str, str]]:
    keys = {(n, c) for n in G2 for c in G2_CHECKS}
    keys |= {(n, c) for n in _compression_files() for c in COMPRESSION_CHECKS}
    keys |= {(n, c) for n in RESCALE for c in RESCALE_CHECKS}
    keys |= {(n, c) for n, cs in PRESENCE_CHECKS.items() for c in cs}
    keys |= {(n, c) for n in EXIF for c in EXIF_CHECKS}
    keys |= {(n, c) for n in _variant_names() for c in VARIANT_CHECKS}
    keys |= {(f"{n}@{v}", c) for n, vs in G2_VARIANTS.items() for v in vs for c in ("tiles", "faces")}
    return keys


def _variant_names() -> list[str]:
    return [f"{n}@{v}" for n in sorted(REAL_STATES) for v in VARIANTS]



# ------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def perception():
    from classmood.detectors import GalleryPerception

    with GalleryPerception() as p:
        yield p


@pytest.fixture(scope="module")
def pipeline(perception):
    """The full pipeline (expressions on) over the module's one GalleryPerception; it is
    reset before every image, so each is the first frame of its own class."""
    from classmood import Pipeline

    return Pipeline(perception=perception)  # closing the perception frees it


@pytest.fixture(scope="module")
def analysed(perception):
    """``analysed(path)``: GalleryPerception.analyze of the file, computed once."""
    cache: dict[Path, object] = {}

    def get(path: Path):
        if path not in cache:
            cache[path] = perception.analyze(load_image(path))
        return cache[path]

    return get


@pytest.fixture(scope="module")
def processed(pipeline):
    """``processed(path)``: Pipeline.process(image, 0.0) of the file, computed once."""
    cache: dict[Path, object] = {}

    def get(path: Path):
        if path not in cache:
            pipeline.reset()
            cache[path] = pipeline.process(load_image(path), 0.0)
        return cache[path]

    return get


# -------------------------------------------------------------------------- helpers
def _n(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _range(v) -> tuple[int, int]:
    return (int(v), int(v)) if isinstance(v, (int, float)) else (int(v[0]), int(v[1]))


def _in(n: int, r: tuple[int, int]) -> bool:
    return r[0] <= n <= r[1]


def _fmt(r: tuple[int, int]) -> str:
    return str(r[0]) if r[0] == r[1] else f"{r[0]}-{r[1]}"


def _close(box, want, tol: float) -> bool:
    return all(abs(a - b) <= tol for a, b in zip(box, want))


def _face_inside(face, tile_bbox) -> bool:
    fx, fy, fw, fh = face.bbox
    x, y, w, h = tile_bbox
    return x - 1 <= fx + fw / 2 <= x + w + 1 and y - 1 <= fy + fh / 2 <= y + h + 1


def _check_tiles(result, states: list, boxes: dict, sx: float, sy: float) -> None:
    n = len(result.tiles)
    assert n == len(states), f"{_n(n, 'tile')} found, annotated {len(states)}"
    for i, (x, y, w, h) in boxes.items():
        want = (x * sx, y * sy, w * sx, h * sy)
        got = result.tiles[i].tile.bbox
        tol = BOX_TOL * max(sx, sy)
        assert _close(got, want, tol), (
            f"tile {i}: {got}, annotated {tuple(round(v) for v in want)} +-{tol:.0f}")


def _runs(states: list) -> str:
    """Reading-order states, run-length: ``face x4, camera_off``."""
    out: list[list] = []
    for s in states:
        if out and out[-1][0] is s:
            out[-1][1] += 1
        else:
            out.append([s, 1])
    return ", ".join(s.value + (f" x{n}" if n > 1 else "") for s, n in out) or "no tiles"


def _check_states(result, states: list) -> None:
    got = [t.state for t in result.tiles]
    assert got == states, f"states found: {_runs(got)}; annotated: {_runs(states)}"


def _check_faces(result, states: list) -> None:
    assert len(result.tiles) == len(states), f"{_n(len(result.tiles), 'tile')} found, annotated {len(states)}"
    for i, (t, want) in enumerate(zip(result.tiles, states)):
        if want is F:
            assert t.faces, f"tile {i}: no face, annotated a face"
            for face in t.faces:
                assert _face_inside(face, t.tile.bbox), f"tile {i}: face {face.bbox} outside the tile"
        else:
            assert not t.faces, f"tile {i}: {len(t.faces)} faces, annotated {want.value}"


# ---------------------------------------------------------------------- galleries2
def _g2_participants(frame, a: dict) -> None:
    """The class snapshot after one frame. ``present`` is at least the tiles with a live
    face and at most the people in view: one per live tile today, but a tile may hold
    several people (cases/presence/multi_face_tiles), so up to the faces not on photo
    tiles. Camera off = photo + name tiles; away = empty video."""
    tiles, live, faces = _range(a["tiles"]), _range(a["live_faces"]), _range(a["faces_total"])
    photo, name, empty = _range(a["photo_tiles"]), _range(a["name_tiles"]), _range(a["empty_video"])
    people_hi = max(live[1], faces[1] - photo[0])
    present = (live[0], people_hi)
    off = (photo[0] + name[0], photo[1] + name[1])
    total = (tiles[0], tiles[1] + people_hi - live[0])
    m = frame.mood
    bad = []
    if not _in(m.present, present):
        bad.append(f"present {m.present} (annotated {_fmt(present)})")
    if not _in(m.camera_off, off):
        bad.append(f"camera_off {m.camera_off} ({_fmt(off)})")
    if not _in(m.away, empty):
        bad.append(f"away {m.away} ({_fmt(empty)})")
    if not _in(m.participants, total):
        bad.append(f"participants {m.participants} ({_fmt(total)})")
    assert not bad, ", ".join(bad)


@pytest.mark.parametrize(
    "name, check",
    _params((n, G2_CHECKS) for n in sorted(G2))
    or [pytest.param("-", "-", marks=pytest.mark.skip(reason=f"no {DATA / 'galleries2'}"))],
)
def test_galleries2(name, check, analysed, processed):
    a = G2[name]
    path = data_path("galleries2", name)
    if check == "participants":
        _g2_participants(processed(path), a)
        return
    r = analysed(path)
    if check == "tiles":
        want = _range(a["tiles"])
        assert _in(len(r.tiles), want), f"{_n(len(r.tiles), 'tile')} found, annotated {_fmt(want)}"
    elif check == "states":
        counts = Counter(t.state for t in r.tiles)
        bad = [
            f"{s.value} {counts[s]} (annotated {_fmt(_range(a[key]))})"
            for s, key in ((F, "live_faces"), (PH, "photo_tiles"), (OFF, "name_tiles"), (NF, "empty_video"))
            if not _in(counts[s], _range(a[key]))
        ]
        assert not bad, ", ".join(bad)
    elif check == "faces":
        want = _range(a["faces_total"])
        assert _in(len(r.faces), want), f"{_n(len(r.faces), 'face')} found, annotated {_fmt(want)}"
    else:
        raise AssertionError(check)


# ------------------------------------------------------------------ compression, rescale
@pytest.mark.parametrize("name, check", _params((n, COMPRESSION_CHECKS) for n in _compression_files()))
def test_compression_same_as_png_original(name, check, analysed):
    original = name.rsplit("_", 1)[0] + ".png"
    r = analysed(data_path("cases", "compression", name))
    states = REAL_STATES[original]
    if check == "tiles":
        _check_tiles(r, states, REAL_BOXES.get(original, {}), 1.0, 1.0)
    elif check == "states":
        _check_states(r, states)
    else:
        _check_faces(r, states)


@pytest.mark.parametrize("name, check", _params((n, RESCALE_CHECKS) for n in RESCALE))
def test_rescale_same_as_png_original(name, check, analysed, processed):
    original = RESCALE[name]
    path = data_path("cases", "rescale", name)
    states = REAL_STATES[original]
    if check == "participants":
        m = processed(path).mood
        n = len(states)
        assert (m.participants, m.present) == (n, n), (
            f"{m.participants} participants, {m.present} present; annotated {n} and {n}")
        return
    r = analysed(path)
    if check == "tiles":
        orig = load_image(data_path("galleries", original))
        sx, sy = r.width / orig.shape[1], r.height / orig.shape[0]
        _check_tiles(r, states, REAL_BOXES.get(original, {}), sx, sy)
    elif check == "states":
        _check_states(r, states)
    else:
        _check_faces(r, states)


@pytest.mark.parametrize("name, check", _params((n, VARIANT_CHECKS) for n in _variant_names()))
def test_variants_same_as_png_original(name, check, perception, variants_analysed):
    original, v = name.split("@")
    r, (sx, sy) = variants_analysed(original, v)
    states = REAL_STATES[original]
    if check == "tiles":
        _check_tiles(r, states, REAL_BOXES.get(original, {}), sx, sy)
    elif check == "states":
        _check_states(r, states)
    else:
        _check_faces(r, states)


G2_VARIANTS = {
    "teams_evo_share_strip_4video.png": ("x0.67",),
    "teams_evo_share_strip_minicall.png": ("x0.67",),
    "teams_evo_gallery4_strip_b.png": ("x0.67", "x0.8"),
    "teams_gallery7_dialog.png": ("x0.67",),
    "zoom_websdk_gallery25.png": ("q90",),
    "zoom_websdk_speaker.png": ("x0.8", "x0.9"),
    "zoom_slava_filmstrip.png": ("a0.5",),
}
"""galleries2 screenshots made smaller or re-compressed in memory where a kind of fault was
fixed (a strip cut by the frame, a strip of touching videos, a card's initials disc, a
lattice place's width, a thin gap's colour, a strip's pitch, a partial last row, two
strip tiles on one face, a shared browser's toolbar under a filmstrip taken for a second
row of six "away" tiles: grid_fit.Evidence.banded): their
annotated tile count and live faces still hold."""


@pytest.mark.parametrize("name, check", _params(
    (f"{n}@{v}", ("tiles", "faces")) for n, vs in G2_VARIANTS.items() for v in vs if n in G2)
    or [pytest.param("-", "-", marks=pytest.mark.skip(reason=f"no {DATA / 'galleries2'}"))])
def test_galleries2_variants(name, check, perception):
    original, v = name.split("@")
    a = G2[original]
    r = perception.analyze(variant(load_image(data_path("galleries2", original)), v))
    if check == "tiles":
        want = _range(a["tiles"])
        assert _in(len(r.tiles), want), f"{_n(len(r.tiles), 'tile')} found, annotated {_fmt(want)}"
    else:
        want = _range(a["live_faces"])
        live = sum(t.state is F for t in r.tiles)
        assert _in(live, want), f"{live} live face tiles, annotated {_fmt(want)}"


@pytest.fixture(scope="module")
def variants_analysed(perception):
    """``variants_analysed(original, v)``: the analysis of a galleries/ original made into
    variant ``v`` in memory, and its scale (x, y), computed once."""
    cache: dict[tuple[str, str], tuple] = {}

    def get(original: str, v: str):
        if (original, v) not in cache:
            image = load_image(data_path("galleries", original))
            out = variant(image, v)
            cache[(original, v)] = (perception.analyze(out), (out.shape[1] / image.shape[1], out.shape[0] / image.shape[0]))
        return cache[(original, v)]

    return get


# ------------------------------------------------------------------------- presence
def _truth_tiles(gallery, truth: list[dict]) -> list[int | None]:
    """For each truth tile, the index of ClassMood's tile that is it (None: not found).
    Truth gives a box ``[x, y, w, h]`` (matched within BOX_TOL) or a reading-order index
    (trusted only when the tile count is right)."""
    out: list[int | None] = []
    for t in truth:
        spec = t["tile"]
        if isinstance(spec, list):
            hit = [tr.tile.index for tr in gallery.tiles if _close(tr.tile.bbox, spec, BOX_TOL)]
            out.append(hit[0] if hit else None)
        else:
            out.append(spec if len(gallery.tiles) == len(truth) else None)
    return out


def _people(t: dict) -> list[str]:
    """The true labels of the people in one truth tile."""
    return [p[0] for p in t["people"]] if "people" in t else [t["label"]]


def _labels_ok(labels: list[str | None], want: list[str]) -> str | None:
    """None if every person is classified, each as its true label or uncertain."""
    got = [lab for lab in labels if lab is not None]
    if len(got) != len(want):
        return f"{len(got)} of {len(want)} people classified ({'/'.join(got)}; true {'/'.join(want)})"
    left = list(want)
    for lab in got:
        if lab == UNCERTAIN:
            continue
        if lab not in left:
            return f"{'/'.join(got)}, true {'/'.join(want)}"
        left.remove(lab)
    return None


@pytest.mark.parametrize(
    "name, check", _params((n, cs) for n, cs in PRESENCE_CHECKS.items()))
def test_presence_cases(name, check, processed):
    path = data_path("cases", "presence", name)
    truth = json.loads(path.with_suffix(".json").read_text())
    frame = processed(path)
    g = frame.gallery
    where = _truth_tiles(g, truth)
    n_people = sum(len(_people(t)) for t in truth)
    if check == "tiles":
        assert len(g.tiles) == len(truth), f"{_n(len(g.tiles), 'tile')} found, true {len(truth)}"
        lost = [i for i, w in enumerate(where) if w is None]
        assert not lost, f"truth tiles {lost} not found within {BOX_TOL} px"
    elif check == "present":
        m = frame.mood
        assert (m.participants, m.present) == (n_people, n_people), (
            f"{m.present} present of {m.participants} participants "
            f"(away {m.away}, camera off {m.camera_off}); true {n_people} present")
    elif check == "faces":
        per = [None if w is None else len(g.tiles[w].faces) for w in where]
        want = [len(_people(t)) for t in truth]
        assert per == want and len(g.faces) == n_people, f"faces per tile {per}, true {want}"
    elif check == "people_per_tile":
        per = [None if w is None else sum(p.tile_index == w for p in frame.participants) for w in where]
        want = [len(_people(t)) for t in truth]
        assert per == want, f"participants per tile {per}, true {want}"
    elif check == "labels":
        unread, wrong = [], []
        for i, (t, w) in enumerate(zip(truth, where)):
            labels = [] if w is None else [p.label for p in frame.participants if p.tile_index == w]
            people = _people(t)
            if not any(labels):
                unread.append(i)
            elif _labels_ok(labels, people):
                wrong.append(f"tile {i} {_labels_ok(labels, people)}")
        assert not unread and not wrong, "; ".join(
            ([f"no label in tiles {unread} (of {len(truth)})"] if unread else []) + wrong)
    elif check == "valence":
        bright = processed(data_path("cases", "presence", "lowlight_bright.png")).mood.valence
        dim = frame.mood.valence
        assert bright is not None and dim is not None and dim >= bright - VALENCE_TOL, (
            f"class valence {dim if dim is None else round(dim, 3)} dim vs "
            f"{bright if bright is None else round(bright, 3)} bright (tolerance {VALENCE_TOL})")
    else:
        raise AssertionError(check)


# ----------------------------------------------------------------------------- exif
@pytest.mark.parametrize("name, check", _params((n, EXIF_CHECKS) for n in EXIF))
def test_exif_same_as_upright(name, check, analysed):
    path = data_path("cases", "exif", name)
    upright = data_path("cases", "exif", EXIF[name])
    if check == "load":
        a, b = load_image(path), load_image(upright)
        assert a.shape == b.shape, (
            f"load_image gives {a.shape[1]}x{a.shape[0]}, upright {b.shape[1]}x{b.shape[0]}")
        diff = float(np.abs(a.astype(np.int16) - b).mean())
        assert diff < 3.0, f"mean pixel difference {diff:.1f} from the upright file"
        return
    r, u = analysed(path), analysed(upright)
    if check == "tiles":
        assert len(r.tiles) == len(u.tiles), f"{len(r.tiles)} tiles, upright {len(u.tiles)}"
        far = [(t.tile.bbox, s.tile.bbox) for t, s in zip(r.tiles, u.tiles)
               if not _close(t.tile.bbox, s.tile.bbox, 2)]
        assert not far, f"{len(far)} tile boxes differ from upright by > 2 px, e.g. {far[0]}"
    elif check == "states":
        assert [t.state for t in r.tiles] == [t.state for t in u.tiles], "states differ from upright"
    else:
        got, want = [len(t.faces) for t in r.tiles], [len(t.faces) for t in u.tiles]
        diff = [f"tile {i} {a} vs {b}" for i, (a, b) in enumerate(zip(got, want)) if a != b]
        assert got == want, f"{sum(got)} faces in {len(got)} tiles, upright {sum(want)} in {len(want)}: " + (
            ", ".join(diff) + " (sideways tiles)" if diff else "tile counts differ")


# -------------------------------------------------------------------- the list itself
def test_xfail_list_names_real_parameters():
    """Every XFAIL_TODAY entry names a (file, check) that is tested: no stale entries."""
    if not G2:
        pytest.skip(f"no {DATA / 'galleries2' / 'annotations.json'}: galleries2 files unknown")
    stale = [k for k in XFAIL_TODAY if k not in _all_keys()]
    assert not stale, f"XFAIL_TODAY entries with no test: {stale}"


# ------------------------------------------------------------------ picked regions
PICKED = {  # file -> its folder
    "real_test.png": "galleries", "real_test2.png": "galleries", "real_test3.png": "galleries",
    "screenshot.png": "galleries", "screenshot_j.png": "galleries", "zoom1.png": "galleries",
    "zoom2.png": "galleries", "zoom_evo_gallery23.png": "galleries2", "zoom_websdk_gallery25.png": "galleries2",
    "webex_grid6_apps.png": "galleries2", "zoom_qiyun5.png": "galleries2", "zoom_qiyun6.png": "galleries2",
    "carbonio_grid4_4k.png": "galleries2", "jitsi_opendesk_initials4.png": "galleries2",
    "teams_gallery7_dialog.png": "galleries2", "teams_evo_gallery4_strip_a.png": "galleries2",
    "teams_evo_gallery4_strip_b.png": "galleries2",
}
PICKED_INSETS = (0, 3, 6)
"""A region picked by hand around the gallery (``classmood run --pick``, a recording of
the gallery alone): the screenshot cut to its grid (the union of the tiles ClassMood finds
on the whole screenshot, whose count the tests above hold to the annotation), flush
(0) or 3 or 6 px inside it: the outer tiles clipped by the frame, no margin, no window.
Before (f4b3613): 10 of the 42 crops of the grid galleries lost tiles (a 5 x 5 gallery's
centred last row, a 2-row gallery's second row: 21 of 90 checks failed), and the Teams
stage's crops lost the column beside it (4 of 8 tiles): the fitted tiles now stand and face
regions are added beside them (gallery._with_regions_beside). Teams' stage over its row of
initials discs, cut to the discs' squares, lost all 14 discs (18 -> 4): the ring around a
disc is now read where the frame shows it (avatars._lab_patch, _annulus), on a disc
measured again at full size (avatars._refine_disc: at the search's scale its centre was up
to 5 px off, and 6 px inside lost the row)."""
PICKED_XFAIL: dict[tuple[str, str], str] = {
    # cut 3 px inside, the stage's 2 x 2 is not fitted: every face has its region, but the
    # tile under the dialog (a chin showing) is found only where the stage's grid is
    ("teams_gallery7_dialog.png@in3", "tiles"): "7 tiles found, annotated 8",
}
"""What fails today among the picked regions (strict xfails, as XFAIL_TODAY)."""


def _picked_params() -> list:
    out = []
    for name in PICKED:
        for k in PICKED_INSETS:
            for check in ("tiles", "faces"):
                key = (f"{name}@in{k}", check)
                reason = PICKED_XFAIL.get(key)
                marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
                out.append(pytest.param(name, k, check, marks=marks, id=f"{key[0]}:{check}"))
    return out


@pytest.mark.parametrize("name, inset, check", _picked_params())
def test_a_region_picked_around_the_gallery_keeps_every_tile(name, inset, check, perception):
    folder = PICKED[name]
    image = load_image(data_path(folder, name))
    whole = perception.analyze(image)
    b = np.array([t.tile.bbox for t in whole.tiles])
    x0, y0 = b[:, 0].min() + inset, b[:, 1].min() + inset
    x1, y1 = (b[:, 0] + b[:, 2]).max() - inset, (b[:, 1] + b[:, 3]).max() - inset
    r = perception.analyze(np.ascontiguousarray(image[y0:y1, x0:x1]))
    if folder == "galleries":
        tiles, live = (len(REAL_STATES[name]),) * 2, (sum(s is F for s in REAL_STATES[name]),) * 2
    else:
        tiles, live = _range(G2[name]["tiles"]), _range(G2[name]["live_faces"])
    if check == "tiles":
        assert _in(len(r.tiles), tiles), f"{_n(len(r.tiles), 'tile')} found, annotated {_fmt(tiles)}"
    else:
        n = sum(t.state is F for t in r.tiles)
        assert _in(n, live), f"{n} live face tiles, annotated {_fmt(live)}"


# ---------------------------------------------------------------------- window sizes
WINDOW_SCALES = ("a0.6", "a0.625", "a0.65", "a0.7", "a0.75", "a0.8", "a0.9", "x1.2")
"""A meeting window made smaller (area-averaged: as the app draws it, sharp) or larger
(bicubic), by fractions that fall between the tests above: a gallery's tiles do not
depend on the window's size. Before (a0bc7ca): 1 of these 133 failed, zoom_evo_gallery23
at 0.625 (800 x 450: one tile; at 800 x 460, 8) (its rows' start was taken from the active speaker's
highlight, 2 px outside the tile, and the pitch fitted from it drifted 5 px by the 5th
row: grid_fit._axis_candidates now sets start and pitch together); in a finer sweep
(0.5-1.6 in steps of 0.05, both interpolations, 18 grid galleries: /tmp/s12/sweepall.py
in the session note) 114 of 1932 sizes were wrong, 105 after, 2 of them in grid galleries
(root_image2 at 1.45x bicubic, zoom2 at 312 px)."""
WINDOW_XFAIL: dict[tuple[str, str], str] = {}
"""What fails today among the window sizes (strict xfails, as XFAIL_TODAY)."""


def _window_params() -> list:
    out = []
    for name in PICKED:
        for v in WINDOW_SCALES:
            key = (f"{name}@{v}", "tiles")
            reason = WINDOW_XFAIL.get(key)
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            out.append(pytest.param(name, v, marks=marks, id=f"{key[0]}:tiles"))
    return out


@pytest.mark.parametrize("name, v", _window_params())
def test_a_gallery_keeps_its_tiles_at_every_window_size(name, v, perception):
    folder = PICKED[name]
    image = load_image(data_path(folder, name))
    if v.startswith("x") and image.shape[1] * float(v[1:]) > 2600:
        pytest.skip("larger than a 2.5K screen")
    r = perception.analyze(variant(image, v))
    tiles = (len(REAL_STATES[name]),) * 2 if folder == "galleries" else _range(G2[name]["tiles"])
    assert _in(len(r.tiles), tiles), f"{_n(len(r.tiles), 'tile')} found, annotated {_fmt(tiles)}"



# ------------------------------------------------------------------- foreign windows
FOREIGN = {
    # file -> (its folder, the window: "dlg" + size "4" (over four tiles' corner, 1.3 x 1.1
    # tiles) or "4big" (1.6 x 1.4), light/dark, shadow; the variant it is saved as)
    "zoom2.png": ("galleries", "4", False, True, "orig"),
    "real_test2.png": ("galleries", "4", False, True, "q70"),
    "screenshot.png": ("galleries", "4", False, True, "q70"),
    "zoom_evo_gallery23.png": ("galleries2", "4big", True, False, "q70"),
    "zoom_websdk_gallery25.png": ("galleries2", "4big", True, False, "orig"),
    "zoom_qiyun5.png": ("galleries2", "4big", True, False, "orig"),
    "zoom_qiyun6.png": ("galleries2", "4big", True, False, "q70"),
}
"""An app's dialog drawn over a real gallery (tests/variants.foreign_window), as a poll or
an in-meeting app lies over the meeting (issue 16; galleries2's teams_gallery7_dialog and
zoom_slava_poll show real ones): centred on the tiles' corner nearest the grid's centre,
at most a quarter of the grid. Before (ba4cdd4) every one of these lost tiles: the grid fit
needed every tile whole, the gap cut stopped at the dialog, and a region per visible face
made the covered students "away" (zoom2 2 of 4 tiles, real_test2 at q70 0 of 5, the 23-tile
Zoom gallery at q70 19, the 25-tile one 23). /tmp/dlg/measure.py in the session note has
the whole sweep (18 grid galleries, 6 kinds of window, PNG and JPEG q70)."""
FOREIGN_CHECKS = ("tiles", "clear", "covered")
FOREIGN_XFAIL: dict[tuple[str, str], str] = {}
"""What fails today among the foreign windows (strict xfails, as XFAIL_TODAY)."""


def _window_box(tiles: list, size: tuple[int, int], kind: str) -> tuple[int, int, int, int]:
    """The dialog's box (x, y, w, h) over a gallery of ``tiles`` (boxes) in a frame of
    ``size`` (w, h): see :data:`FOREIGN`."""
    b = np.array(tiles)
    gx0, gy0 = b[:, 0].min(), b[:, 1].min()
    gx1, gy1 = (b[:, 0] + b[:, 2]).max(), (b[:, 1] + b[:, 3]).max()
    tw, th = int(np.median(b[:, 2])), int(np.median(b[:, 3]))
    cx, cy = (gx0 + gx1) // 2, (gy0 + gy1) // 2
    corners = [(t[0] + t[2], t[1] + t[3]) for t in tiles if t[0] + t[2] < gx1 - 5 and t[1] + t[3] < gy1 - 5]
    kx, ky = min(corners, key=lambda p: (p[0] - cx) ** 2 + (p[1] - cy) ** 2) if corners else (cx, cy)
    w, h = (1.3 * tw, 1.1 * th) if kind == "4" else (1.6 * tw, 1.4 * th)
    s = min(1.0, np.sqrt(0.25 * (gx1 - gx0) * (gy1 - gy0) / (w * h)))
    w, h = int(w * s), int(h * s)
    x, y = max(0, min(size[0] - w, int(kx - w / 2))), max(0, min(size[1] - h, int(ky - h / 2)))
    return x, y, w, h


def _foreign_params() -> list:
    out = []
    for name, (folder, *_) in FOREIGN.items():
        for check in FOREIGN_CHECKS:
            reason = FOREIGN_XFAIL.get((name, check))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            out.append(pytest.param(name, check, marks=marks, id=f"{name}@dialog:{check}"))
    return out


@pytest.mark.parametrize("name, check", _foreign_params())
def test_a_dialog_over_the_gallery_keeps_every_tile(name, check, perception):
    """``tiles``: the annotated count. ``clear``: every tile the dialog does not touch is
    found where it was without it (IoU >= 0.8), in the same state. ``covered``: no tile the
    dialog lies over is "away" (no_face) unmarked: those it hides are kept and marked
    covered (TileResult.covered), held by the agent, not away."""
    from tests.variants import foreign_window

    folder, kind, dark, shadow, v = FOREIGN[name]
    image = load_image(data_path(folder, name))
    clean = perception.analyze(image)
    boxes = [t.tile.bbox for t in clean.tiles]
    box = _window_box(boxes, (image.shape[1], image.shape[0]), kind)
    r = perception.analyze(variant(foreign_window(image, box, dark=dark, shadow=shadow), v))
    tiles = (len(REAL_STATES[name]),) * 2 if folder == "galleries" else _range(G2[name]["tiles"])
    if check == "tiles":
        assert _in(len(r.tiles), tiles), f"{_n(len(r.tiles), 'tile')} found, annotated {_fmt(tiles)}"
        return
    from classmood.geometry import iou, overlap

    if check == "clear":
        for t in clean.tiles:
            if overlap(t.tile.bbox, box) > 0:
                continue
            hit = [x for x in r.tiles if iou(x.tile.bbox, t.tile.bbox) >= 0.8]
            assert hit and hit[0].state is t.state, (t.tile.bbox, t.state.value,
                                                     [(x.tile.bbox, x.state.value) for x in r.tiles])
    else:
        away = [(x.tile.bbox, x.state.value) for x in r.tiles
                if overlap(x.tile.bbox, box) > 0 and x.state is NF and not x.covered]
        assert not away, f"under the dialog {box}, read as away: {away}"
