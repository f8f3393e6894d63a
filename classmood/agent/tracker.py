"""Participant tracking: the same student keeps the same id across frames, layout
changes, tile reorders, and leaving and coming back.

Zoom, Meet and Teams move tiles around (a speaker moves up, someone joins, the grid
grows), so a tile's position says little about who is in it. What follows a person is
what their tile shows: their room, their clothes, their hair, where they sit. Each tile
gets an *appearance signature*: the mean colour of an 8x8 grid over the tile's inner
region (its edge, where the speaker border is drawn, and the name-label corner, where
the mute icon comes and goes, are left out), scale-free so it survives tile resizes,
plus a coarse hue/saturation histogram that does not care where things are.

Matching, per frame:

1. names first, when the teacher turned names on and a label was read: the same name
   is the same participant (if exactly one track has it; a track's name is the one
   read most often on its tile, so one OCR slip does not rename anyone);
2. then appearance, with position as a tie-breaker: cost = signature distance + a small
   weight x how far the tile moved (a smaller weight on a suspect frame, below, none
   for participants who had left). Pairs are taken cheapest first; a tile with no pair
   under ``max_cost`` is a new participant (on a suspect frame once seen again, below),
   except that a tile in the same place of an
   unchanged grid may differ up to ``same_place_cost`` (someone stepped away: the
   room is the same, the person is gone; a room gone dark is compared there by its
   brightness-free grid alone, :data:`DARK_TILE_MEAN`), and a tile whose camera switched
   on or off keeps the id of whoever was in that same place.

On synthetic classes built from real portraits (tests/agent/classvideo.py), the same
tile differs by about 0.03 from frame to frame, two different participants by 0.38 or
more (median 0.69), an empty chair from the student in it by 0.11-0.38, and the same
tile at 30% brightness by 0.20-0.29 (others 0.41 or more; the brightness-free grid:
:data:`BRIGHTNESS_COST`).

A participant whose tile disappears is kept (as left) for the whole session, so a
student who leaves and rejoins gets the old id back when the tile looks the same.
Nothing here is stored: signatures live in memory only, for the session.

**Suspect frames** (the rule against phantom participants). A frame is *steady* when
nothing is known yet (the session's first frame: every tile gets its id at once), when
its grid is the steady grid (:func:`same_grid`), or when it is the previous frame's grid
(a layout seen on two frames in a row becomes the steady one). Any other frame is
*suspect*: its layout disagrees with the steady one, as on a misread frame (perception
read a 23-tile Zoom gallery at 800x460 as 21 or 8 tiles on some frames, 11 big boxes at
800x450 resized with INTER_LINEAR), a window reopened at another size, an app animating
a reflow, a keyframe smear read as another grid, but also the first frame of a genuine
change (someone joins or leaves and the grid reflows). On a suspect frame:

- a tile that matches nobody known gets no id (None) and is *pending*: it becomes a
  participant on the next frame if that frame is steady (the new grid seen again: a
  newcomer who made the grid reflow gets their id one frame late), or if a tile of the
  next frame is in its place (:data:`SAME_GRID_IOU`) and looks like it (``max_cost``):
  seen again, though the layout still flickers. Only the previous frame's pending tiles
  count (not 2 of 3: a flicker between the steady grid and a misread, A B A B, would
  then confirm the misread's boxes every other frame). No id is used up by a pending
  tile: ids stay dense, and the first id a tile gets is the one it keeps;
- participants seen on the frame before it whose tile is not in it are *held*
  (:attr:`held`), not left, whatever the time between frames; through a run of suspect
  frames, while last seen at most ``hold_s`` ago (2 s: an app's reflow animation, a few
  misread frames in a row). The first steady frame without them makes them left. A
  misread frame therefore costs no one their presence, and a participant who really
  left is left one frame late (after :meth:`ParticipantTracker.new_view`, a part of the
  screen the teacher picked, nobody is held);
- nobody's remembered looks or name votes learn from it (a misread box that still
  matched someone is a mix of tiles); where each participant was seen is updated.

Measured with the real pipeline and store on galleries2/zoom_evo_gallery23.png (23 tiles),
camera noise of 2 grey levels, 24 frames, 3 noise seeds (benchmarks/suspect_frames.py),
participants stored before -> after this rule: the 1280x720 gallery with two misread
frames in the middle (read as 11 or 8 boxes) 37-43, none of them on every frame -> 23,
all on every frame; a window at 800x460 (INTER_AREA: 21 tiles most frames, 23, 14 or 9
on some) 25-40 -> 21-26. What it cannot undo is a misread on two frames in a row (800x450
INTER_AREA, whose first frames read 21 tiles: 29 before and after): that is perception's
to fix.

**A misread opening.** The session's first frame is steady (nothing is known yet),
so its tiles get ids at once, also when it is misread (a recording's first keyframe
smeared, a dialog over the gallery not found: read as fewer, bigger boxes); so is the
same misread seen again on the next frames (a dialog open for the recording's first
seconds), which makes it the steady grid. The session's *opening* lasts from its first
frame until another grid that shows as much of the gallery has held for ``hold_s`` (more
tiles than the first grid, or as many of which most are other boxes), at most
``opening_s`` (10 s); every id minted in it is an opening id (a dialog over the gallery is
misread a little differently frame to frame: a box or two moved makes each reading a grid
of its own, steady on its second frame). On each steady frame of a grid other than the
first while the opening lasts, a tile that matched nobody and is no part of someone's tile
takes the id of an opening box not seen since that grid became steady and not in this
frame, sharing at least half of the smaller of the two with it
(:meth:`ParticipantTracker._take_over`; as many such pairs as can be made): whoever sits
where the misread box was is the one it showed, and the misread's id is no phantom. An
opening held longer than ``opening_s`` is taken as read right (after it, a participant who
left as another joined would hand the joiner their id). The first grid seen again at
another scale (a window reopened) was read right: a tile there that looks like nobody
known is someone new in that place
(test_a_window_at_another_size_mints_nobody_from_its_first_frame).
Measured with the real pipeline on every real grid gallery (galleries/, galleries2/'s
grid galleries: 23 files) as H.264 clips (10 frames, a keyframe every 10, camera noise of
2 grey levels) at CRF 23/30/36, a dark dialog over a quarter of the grid on frame 0
(``benchmarks/first_frame_ids.py``): clips with as many ids as students 42 -> 51 of
63, clips with more ids than students 20 -> 10 (44 -> 19 ids too many); without the dialog
60 of 69 before and after (no id changed). galleries2/videos and cases/video (first 10-20
s): the same ids before and after (2, 2, 4, 16: right). The opening over several frames
(a dialog open for 1.5 s: ``--dialog-frames 3``): clips exact 44 -> 49 of 63, ids too many
38 -> 23; at 720p (``--height 720``) 40 -> 48 and 44 -> 21; without the dialog no clip
changed (60 and 59 of 69). The opening until another grid holds, parts before takeover and
the most pairs (2026-12-02): real grid galleries at 720p (galleries2's 23- and 25-tile Zoom
galleries, zoom1, real_test2, root_image3, screenshot; 14 frames 0.5 s apart, CRF 23,
camera noise), a dialog with a shadow, dark or light, over 25%, 45% or 60% of the frame,
centred or in a corner, open for the first 2 s: clips with as many ids as students 45 -> 62
of 72 (the 23-tile gallery 3 -> 12 of 12: 29 ids for 23 with a centred quarter), none worse.
What it cannot undo: a first frame read as more boxes than there are students (the extra
ids have been shown), a second person read in a misread box (the pipeline's ``P01.1``),
and a first box that a later tile matches by look.

**A window over the gallery mid-session** (a dialog, a chat, another app for a few
seconds) that perception does not find as such is read as a grid of fewer or other boxes:
the tiles it half covers cut to the parts left showing, faces given regions of their own
that run onto the window, or the whole frame as one faceless box. Seen on two frames that
reading is steady, and its boxes looked like no one: new ids while it showed, and the
session's opening rule handed them the ids of the students they cut (their looks replaced)
so that those got new ids again when it closed. Now, on a frame with no more tiles than
the last grid that held for ``hold_s`` (the grid every participant's whole tile,
:attr:`Track.box`, is taken from), a tile that matched nobody is a part of the tile of
a participant not found in it and seen within ``hold_s``: 80% of it inside that tile and
at most 80% of its size, or its largest face 80% inside it and the tile not in its place,
or (fewer tiles than that grid) the tile in its place, its picture under the window
(:meth:`ParticipantTracker._parts`: nothing is learnt from it; a second part of the same
tile, a dialog's buttons read as boxes, is nobody). A faceless box that holds the whole
tiles of two such participants or more is nobody, and they are held as last
shown for up to ``hide_s`` (10 s; :meth:`ParticipantTracker._merged`); so are all who
were in view when a frame shows no tiles at all (a window over the whole gallery), or
only faceless tiles fewer than the held grid's that are no one known (a dialog's buttons or
thumbnails read as tiles: they are nobody; on any frame with fewer tiles than the held grid
such a tile is nobody), and those whose tiles are missing from a frame with fewer tiles, each
in its own place or a part of one (a window hides the rest: a leaver makes the app reflow
its grid, and leaves at once). A grid
with fewer tiles than the opening takes over none of its ids. Measured with the real pipeline on a
newcomer's clips (real grid galleries at 720p, H.264 CRF 23, camera noise, a dark dialog
over 40% of the frame for 2 s in the middle, or 15%; a frame every 0.5 s): distinct ids
for 6, 6, 16, 25, 7, 23 students and the 15% clip's 23 were 8, 8, 18, 41, 9, 32, 26; now
each as many as students; the same clips with the dialog on the first 1.5 s unchanged
(right). A second newcomer's 45 clips (7 real galleries at 720p, CRF 23/32; dialogs of
10-60% of the frame, dark or white, centred, in a corner or on the bottom edge, at the
start, in the middle, twice, or open 38 s; a real leave and join): ids exact 24 -> 36 of
45, everyone listed (present or held) on every frame 19 -> 31; the leave and the join
still right. Left: a dialog on the first 2 s of the 23-tile gallery, read as other grids
frame to frame (33 and 23 ids before, 34 and 24 now), a dialog open 38 s (past
``hide_s``), two dialogs over a 4-tile gallery (5 ids). What it cannot tell apart: a student who leaves as a newcomer's tile appears
inside theirs, in a grid that shrank at the same time.

Camera-off cards all look alike (a grey card with a name): without names, a card tile
that moves to another position may swap ids with another card. Turn names on for
exact tracking of cameras-off students.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import cv2
import numpy as np

from ..geometry import BBox, inner_region, iou, overlap
from ..types import TileResult, TileState

_GRID = 8
_HIST_BINS = (12, 4)
_GRID_MEAN = 0.45
"""The second grid of a signature is scaled to this mean (0..1): what the tile shows, not
how bright it is."""
BRIGHTNESS_COST = 0.2
"""What a change of brightness alone costs in the grid's part of :func:`signature_distance`
(0..1; the grid is half the distance): the same room in other light matches at about
0.1 + its small pattern change, under ``max_cost`` also after a move in the grid (0.3:
a class at 30% that the app then reordered lost an id to the position cost); two
participants stay 0.38 apart or more (their rooms differ in pattern as well)."""


DARK_TILE_MEAN = 0.12
"""A tile whose mean colour (0..1) is under this, or a look of it that is, is dark: its
hue/saturation histogram is mostly camera noise (a room at 6% brightness: histogram
distance 0.81 to the same room lit, its brightness-free grid 0.22, other rooms' 0.38 or
more; a newcomer's class.mp4). In the same place of an unchanged grid such a tile is
compared by its brightness-free grid alone (:func:`dark_distance`)."""


def signature(image_bgr: np.ndarray, bbox: BBox) -> np.ndarray:
    """A tile's appearance.

    Args:
        image_bgr: the frame, BGR uint8 of shape (H, W, 3).
        bbox: the tile, ``(x, y, w, h)`` in frame pixels.

    Returns:
        float32 of shape [432]: the 8x8x3 grid of mean colours in 0..1 over the tile's
        inner region (edge and name-label corner left out), the same grid scaled to a
        mean of 0.45 (the tile's brightness left out), then the 12x4 hue/saturation
        histogram normalised to sum 1.
    """
    return signatures(image_bgr, [bbox])[0]


def signatures(image_bgr: np.ndarray, bboxes: list[BBox]) -> list[np.ndarray]:
    """:func:`signature` of many tiles at once (one subsampled copy of the frame and one
    colour conversion for all of them): one float32 [432] vector per box, in order."""
    if not bboxes:
        return []
    short = min(min(b[2], b[3]) for b in bboxes)
    step = max(1, short // 32)  # a thousand-odd pixels per tile are plenty
    small = np.ascontiguousarray(image_bgr[::step, ::step])
    hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)
    out = []
    for x, y, w, h in bboxes:
        x0, y0 = max(0, x) // step, max(0, y) // step
        tw, th = max(1, w // step), max(1, h // step)
        iy0, iy1, ix0, ix1, ly, _ = inner_region(th, tw)
        iy1 = min(iy1, ly) if ly - iy0 >= 8 else iy1
        ys, xs = slice(y0 + iy0, y0 + iy1), slice(x0 + ix0, x0 + ix1)
        crop, hcrop = small[ys, xs], hsv[ys, xs]
        if crop.size == 0:
            crop, hcrop = small[y0 : y0 + th, x0 : x0 + tw], hsv[y0 : y0 + th, x0 : x0 + tw]
        if crop.size == 0:
            out.append(np.zeros(2 * _GRID * _GRID * 3 + _HIST_BINS[0] * _HIST_BINS[1], np.float32))
            continue
        grid = cv2.resize(crop, (_GRID, _GRID), interpolation=cv2.INTER_AREA).astype(np.float32)
        # also relative to the tile's own brightness: a room whose light goes down (a lamp
        # switched off, a camera's exposure) is the same room (a newcomer dimmed a whole
        # class to 25%: every student became a new participant)
        relative = grid * (_GRID_MEAN / max(float(grid.mean()), 4.0))
        hist = cv2.calcHist([hcrop], [0, 1], None, list(_HIST_BINS), [0, 180, 0, 256]).ravel()
        hist = hist / max(1.0, float(hist.sum()))
        out.append(np.concatenate([grid.ravel() / 255.0, relative.ravel(), hist.astype(np.float32)]))
    return out


def signature_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray | float:
    """0 (identical) .. 1 (nothing alike): the mean of the grids' mean absolute colour
    difference (scaled so that unrelated rooms land near 1; the brightness-free grids'
    plus :data:`BRIGHTNESS_COST` where that is less: the same room in other light) and the
    histograms' total variation distance. ``a`` [D] or [N, D] against ``b`` [D] or
    [M, D] gives a float or an [N, M] matrix."""
    n = _GRID * _GRID * 3
    A, B = np.atleast_2d(a), np.atleast_2d(b)
    absolute = np.minimum(1.0, np.abs(A[:, None, :n] - B[None, :, :n]).mean(axis=2) * 4.0)
    relative = np.minimum(1.0, np.abs(A[:, None, n:2 * n] - B[None, :, n:2 * n]).mean(axis=2) * 4.0) + BRIGHTNESS_COST
    hist = 0.5 * np.abs(A[:, None, 2 * n:] - B[None, :, 2 * n:]).sum(axis=2)
    d = np.minimum(1.0, 0.5 * np.minimum(absolute, relative) + 0.5 * hist)
    return float(d[0, 0]) if a.ndim == 1 and b.ndim == 1 else d


def dark_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray | float:
    """The distance of two signatures by their brightness-free grids alone, plus
    :data:`BRIGHTNESS_COST` (0..1): for a tile gone dark, whose hue histogram is noise
    (:data:`DARK_TILE_MEAN`). ``a`` [D] or [N, D] against ``b`` [D] or [M, D] gives a float
    or an [N, M] matrix."""
    n = _GRID * _GRID * 3
    A, B = np.atleast_2d(a), np.atleast_2d(b)
    rel = np.abs(A[:, None, n:2 * n] - B[None, :, n:2 * n]).mean(axis=2) * 4.0
    d = np.minimum(1.0, rel + BRIGHTNESS_COST)
    return float(d[0, 0]) if a.ndim == 1 and b.ndim == 1 else d


def _is_dark(sig: np.ndarray) -> bool:
    """Whether a signature's tile is dark (:data:`DARK_TILE_MEAN`)."""
    return float(sig[:_GRID * _GRID * 3].mean()) < DARK_TILE_MEAN


@dataclass
class Track:
    """One participant as the tracker knows them (memory only)."""

    id: str
    looks: dict[str, np.ndarray]
    """Appearance signatures by what the tile showed: "face", "no_face" (the empty
    room) and "card" (camera off), each a running average."""
    center: tuple[float, float]
    """Tile centre as a fraction of the frame (x, y)."""
    first_seen: float
    last_seen: float
    names: dict[str, int] = field(default_factory=dict)
    """Every name read on this participant's tile, with how often (OCR votes)."""
    active: bool = True
    state: TileState | None = None
    """What their tile showed last (face, nobody in view, card, photo)."""
    box: tuple[float, float, float, float] | None = None
    """Their whole tile, (x, y, w, h) as fractions of the frame: where they were last seen
    in a grid that had held for ``hold_s`` (or where they first were); a younger grid's box
    may be a part of it (:meth:`ParticipantTracker._parts`)."""

    @property
    def name(self) -> str | None:
        """The name read most often on this participant's tile."""
        return max(self.names.items(), key=lambda kv: kv[1])[0] if self.names else None

    def saw_name(self, name: str | None) -> None:
        """Count one reading of ``name`` on this participant's tile (blank ones are not)."""
        if name and name.strip():
            key = " ".join(name.split())
            self.names[key] = self.names.get(key, 0) + 1


def _kind(state: TileState) -> str:
    """What a tile's appearance can be compared with: ``card`` or ``video``."""
    return "card" if state in (TileState.CAMERA_OFF, TileState.PHOTO) else "video"


def _look(state: TileState) -> str:
    """Which remembered look of a track a tile in ``state`` updates."""
    return {TileState.FACE: "face", TileState.NO_FACE: "no_face"}.get(state, "card")


def _norm_name(name: str | None) -> str | None:
    """A name for comparing: blanks collapsed, case folded (None when empty)."""
    if not name:
        return None
    n = " ".join(name.split()).casefold()
    return n or None


def same_name(a: str, b: str) -> bool:
    """Normalised names equal, or one letter or so apart (an OCR slip: "Bo Kim" / "Bob Kim")."""
    return a == b or difflib.SequenceMatcher(None, a, b).ratio() >= 0.8


SAME_GRID_IOU = 0.8
"""Two tiles this much alike (intersection over union) are the same place of the grid: a
layout found again after a change of picture moves a side by a few pixels (a synthetic
2x2 class re-found when one camera switched off: 1-5 px, IoU >= 0.95)."""


def same_grid(a: list[BBox], b: list[BBox]) -> bool:
    """Whether two frames' tiles are the same grid: as many tiles, each with a tile of
    the other at :data:`SAME_GRID_IOU` or more."""
    if len(a) != len(b):
        return False
    if not a:
        return True
    A, B = np.asarray(a, np.float64)[:, None, :], np.asarray(b, np.float64)[None, :, :]
    ix = np.clip(np.minimum(A[..., 0] + A[..., 2], B[..., 0] + B[..., 2]) - np.maximum(A[..., 0], B[..., 0]), 0, None)
    iy = np.clip(np.minimum(A[..., 1] + A[..., 3], B[..., 1] + B[..., 3]) - np.maximum(A[..., 1], B[..., 1]), 0, None)
    inter = ix * iy
    union = A[..., 2] * A[..., 3] + B[..., 2] * B[..., 3] - inter
    best = np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0).max(axis=1)
    return bool((best >= SAME_GRID_IOU).all())


def _shared_boxes(a: list[BBox], b: list[BBox]) -> int:
    """How many of ``a``'s boxes have a box of ``b`` at :data:`SAME_GRID_IOU` or more."""
    return sum(1 for x in a if any(iou(x, y) >= SAME_GRID_IOU for y in b))


def _most_pairs(pairs: list[tuple[float, int, str]]) -> dict[int, str]:
    """As many (tile, id) pairs as can be made from ``pairs`` (cost, tile index, id), each
    tile and id used once, the cheapest first where there is a choice: a maximum bipartite
    matching (Kuhn's augmenting paths, tried in cost order). A misread box over three tiles
    and another over two of them: each gets one (greedy pairing by cost gave the first the
    tile the second alone could take, and that tile's student a new id)."""
    options: dict[str, list[int]] = {}
    for _, i, tid in sorted(pairs):
        options.setdefault(tid, []).append(i)
    owner: dict[int, str] = {}

    def place(tid: str, seen: set[int]) -> bool:
        for i in options[tid]:
            if i not in seen:
                seen.add(i)
                if i not in owner or place(owner[i], seen):
                    owner[i] = tid
                    return True
        return False

    for tid in options:  # in the order of each id's cheapest pair
        place(tid, set())
    return owner


def _fraction(box: BBox, size: tuple[int, int]) -> tuple[float, float, float, float]:
    """``box`` (x, y, w, h) in pixels as fractions of a frame of ``size`` (w, h)."""
    w, h = size
    return box[0] / w, box[1] / h, box[2] / w, box[3] / h


PART_INSIDE = 0.8
"""A tile that matched nobody is a part of a participant's tile when this share of it or
more lies inside that tile (:meth:`ParticipantTracker._parts`)..."""
PART_SIZE = 0.8
"""...and it is at most this share of that tile's area (a tile of the same size in the same
place is the whole tile, matched by look or place)."""


@dataclass(frozen=True)
class _Pending:
    """A tile of a suspect frame that matched nobody (not a participant yet)."""

    bbox: BBox
    sig: np.ndarray
    kind: str


class ParticipantTracker:
    """Assigns a stable participant id ("P01", "P02", ...) to every tile, frame by frame.

    ``update`` takes perception's tiles for one frame and returns one id per tile, in
    the same order (None for a tile of a suspect frame that matched nobody: not a
    participant until seen again, module doc). Costs are in signature-distance units
    (0 identical .. 1 nothing alike; see the module doc for the measured distances):

    Args:
        max_cost: the most a tile may differ from a known participant (signature
            distance plus position term) and still be them.
        same_place_cost: the same, for a tile in the same place of an unchanged grid
            (the student stepped away: the room stayed, the person went).
        position_weight: cost of moving half the frame's size (less is pro rata).
        relayout_position_weight: the same, on a suspect frame (its grid neither the
            steady one nor the last frame's: module doc).
        learn: weight of the newest signature in a look's running average.
        name_mismatch_cost: added when tile and participant both carry names that
            differ (a penalty, not a veto: OCR misreads a letter now and then).
        hold_s: through a run of suspect frames, the longest a participant whose tile
            is missing from them is held (not left), in seconds since last seen (on the
            first suspect frame, whoever was seen on the frame before is held).
        opening_s: how long, in seconds from the session's first frame, its grid is the
            *opening* reading, whose ids the next grid's tiles in their place may take
            over (module doc: a misread opening).
        hide_s: the longest participants whose tiles a faceless misread box holds (or
            a frame with no tiles at all, after a gallery) are held as last shown
            (:meth:`_merged`), in seconds since it first held them.
    """

    def __init__(self, max_cost: float = 0.35, same_place_cost: float = 0.60, position_weight: float = 0.15,
                 relayout_position_weight: float = 0.05, learn: float = 0.2,
                 name_mismatch_cost: float = 0.10, hold_s: float = 2.0, opening_s: float = 10.0,
                 hide_s: float = 10.0) -> None:
        self.max_cost = float(max_cost)
        self.same_place_cost = float(same_place_cost)
        self.name_mismatch_cost = float(name_mismatch_cost)
        self.position_weight = float(position_weight)
        self.relayout_position_weight = float(relayout_position_weight)
        self.learn = float(learn)
        self.hold_s = float(hold_s)
        self.opening_s = float(opening_s)
        self.hide_s = float(hide_s)
        self.tracks: dict[str, Track] = {}
        self.suspect = False
        """Whether the last frame was suspect (its layout disagreed with the steady one)."""
        self.held: tuple[str, ...] = ()
        """Ids of the participants held on the last frame: seen before it, their tile not
        in it, and it suspect (module doc); they are not left. Empty after a steady frame."""
        self._count = 0
        self._last_layout: list[BBox] | None = None
        self._steady: list[BBox] | None = None  # the steady grid
        self._steady_since = 0.0  # when the steady grid was first steady
        self._pending: list[_Pending] = []  # last frame's tiles that matched nobody, unconfirmed
        self._sigs: dict[BBox, np.ndarray] = {}  # last frame's signature per tile box
        self._first: dict[str, BBox] = {}  # ids minted by the session's opening grid -> box (frame fractions)
        self._opening: list[BBox] | None = None  # the session's first grid (frame fractions), until another holds
        self._start_t = 0.0  # the session's first frame time
        self._hidden: dict[str, float] = {}  # ids held under a faceless misread box -> since when
        self._held_tiles = 0  # how many tiles the last grid that held for hold_s had

    def _new_id(self) -> str:
        """The next unused id: ``P01``, ``P02``, ... (ids are never reused)."""
        self._count += 1
        return f"P{self._count:02d}"

    def update(self, image_bgr: np.ndarray, tiles: tuple[TileResult, ...] | list[TileResult],
               timestamp: float) -> list[str | None]:
        """Name every tile of one frame.

        Args:
            image_bgr: the frame, BGR uint8 of shape (H, W, 3).
            tiles: perception's tiles for this frame (box, state, name when read).
            timestamp: the frame's time, seconds since the session started.

        Appearance is measured only on tiles whose picture changed (``TileResult.changed``)
        or that are new here; the others keep last frame's signature.

        Returns:
            One participant id or None per tile, in the order of ``tiles``; no id twice.
            A tile that matches nobody known gets a new id on a steady frame, and on a
            suspect one (its layout disagrees with the steady one: module doc) only when
            it is a pending tile of the previous frame seen again; otherwise None (not a
            participant, no id used up). Participants whose tile is not in this frame are
            kept as inactive (left) for the rest of the session; on a suspect frame those
            seen on the frame before are :attr:`held` instead (through more suspect
            frames, up to ``hold_s`` seconds since last seen).
            :attr:`suspect` says which the frame was.
        """
        h, w = image_bgr.shape[:2]
        n = len(tiles)
        # a tile whose picture perception saw unchanged keeps last frame's signature
        boxes = [tuple(t.tile.bbox) for t in tiles]
        fresh = [i for i, t in enumerate(tiles) if t.changed or boxes[i] not in self._sigs]
        sigs = [self._sigs.get(b) for b in boxes]
        for i, sig in zip(fresh, signatures(image_bgr, [boxes[i] for i in fresh])):
            sigs[i] = sig
        self._sigs = dict(zip(boxes, sigs))
        centers = [((t.tile.bbox[0] + t.tile.bbox[2] / 2) / w, (t.tile.bbox[1] + t.tile.bbox[3] / 2) / h)
                   for t in tiles]
        layout = [tuple(t.tile.bbox) for t in tiles]
        # steady: nothing known yet, the steady grid, or the last frame's grid seen again
        first = not self.tracks
        steady = (first or (self._steady is not None and same_grid(layout, self._steady))
                  or (self._last_layout is not None and same_grid(layout, self._last_layout)))
        fracs = [_fraction(b, (w, h)) for b in boxes]  # the tiles as fractions of the frame
        if first:
            self._opening, self._start_t = fracs, timestamp
        if self._opening is not None and timestamp - self._start_t > self.opening_s:  # held long: confirmed
            self._end_opening()
        # the session's opening lasts until another grid holds (below): every id minted in
        # it is an opening id (a dialog over the gallery as a recording starts is misread a
        # little differently frame to frame: each reading's boxes are misread ones)
        opening = self._opening is not None
        on_opening = opening and (first or same_grid(fracs, self._opening))
        # a steady frame of another grid in the opening: the opening's ids not found in it
        # may be taken over by its tiles in their place (below, :meth:`_take_over`); only by
        # a grid that shows as much of the gallery (as many tiles or more): a dialog over a
        # gallery read right hides tiles, its grid of fewer boxes is no reading of the
        # opening's (a 23-tile gallery with a dialog from 3 to 5 s: 9 students handed their
        # ids to the dialog's cut boxes, and got new ones when it closed: 32 ids)
        settle = steady and opening and not on_opening and len(layout) >= len(self._opening)
        relayout = not steady
        self._last_layout = layout
        if steady:
            if self._steady is None or not same_grid(layout, self._steady):
                self._steady_since = timestamp
            self._steady = layout
        # a participant's whole tile (Track.box) is taken only from a grid that has held for
        # hold_s: a dialog over the gallery read alike on a few frames (a grid of misread
        # boxes, steady on its second frame) cuts tiles into parts (:meth:`_parts`)
        held_grid = steady and (first or timestamp - self._steady_since >= self.hold_s)
        # the opening is replaced once another grid that shows as much holds: more tiles,
        # or as many of which most are not the opening's (a re-reading of the same misread
        # with a box or two moved is no replacement)
        replaced = settle and held_grid and (len(layout) > len(self._opening)
                                             or _shared_boxes(fracs, self._opening) < 0.5 * len(layout))
        pos_w = self.relayout_position_weight if relayout else self.position_weight

        ids: list[str | None] = [None] * n
        taken: set[str] = set()

        # 1. names (only present when the teacher turned names on)
        keys = [_norm_name(t.name) for t in tiles]
        named = [(tr.id, _norm_name(tr.name)) for tr in self.tracks.values() if _norm_name(tr.name)]
        for i, key in enumerate(keys):
            if not key or sum(1 for k in keys if k and same_name(k, key)) != 1:
                continue  # no name, or two tiles with (nearly) the same name
            owners = [tid for tid, k in named if same_name(k, key)]
            if len(owners) > 1:  # prefer the exact spelling
                owners = [tid for tid, k in named if k == key] or owners
            if len(owners) == 1 and owners[0] not in taken:
                ids[i] = owners[0]
                taken.add(owners[0])

        # 2. appearance + position, cheapest pairs first
        free_tiles = [i for i in range(n) if ids[i] is None]
        free_tracks = [tr for tr in self.tracks.values() if tr.id not in taken]
        if free_tiles and free_tracks:
            cost = self._appearance_cost([sigs[i] for i in free_tiles],
                                         [_kind(tiles[i].state) for i in free_tiles], free_tracks)
            tc = np.array([centers[i] for i in free_tiles], np.float32)
            rc = np.array([tr.center for tr in free_tracks], np.float32)
            dist = np.hypot(tc[:, None, 0] - rc[None, :, 0], tc[:, None, 1] - rc[None, :, 1])
            active = np.array([tr.active for tr in free_tracks])
            cost = cost + np.where(active[None, :], pos_w * np.minimum(1.0, dist / 0.5), 0.0)
            # a tile under another app's window (TileResult.covered) shows the window: it
            # is whoever was in its place, by place alone (a dialog came over four students
            # of a recorded class: one of them, a face still showing, took a new id)
            here = active[None, :] & (dist < 0.02)
            under = np.array([tiles[i].covered for i in free_tiles])[:, None]
            cost = np.where(under, np.where(here, 0.5 * self.max_cost, np.inf), cost)
            # a camera switched on or off changes the tile completely: only the same
            # place in an unchanged grid can tell it is the same person
            switched = ~np.isfinite(cost)  # never seen this way: camera switched on/off
            same_place = here & (not relayout)
            # a participant only ever seen under another app's window (a dialog over the
            # gallery when the recording starts: TileResult.covered) has no look yet: the
            # tile in their place is theirs, the grid re-read or not (the fit under the
            # window and the gap cut after it place the sides a few pixels apart)
            unseen = np.array([not tr.looks for tr in free_tracks])[None, :]
            same_place = same_place | here & (unseen | under)
            cost = np.where(switched, np.where(same_place, 0.5 * self.max_cost, np.inf), cost)
            # a tile gone dark (or lit again) in the same place: its hue histogram is
            # noise, its brightness-free grid still tells (a room dimmed to 6% became a
            # new participant, and their usual was lost)
            for a, i in enumerate(free_tiles):
                for b, tr in enumerate(free_tracks):
                    if not same_place[a, b] or switched[a, b]:
                        continue
                    looks = [v for k, v in tr.looks.items() if k != "card"]
                    if looks and (_is_dark(sigs[i]) or any(_is_dark(v) for v in looks)):
                        cost[a, b] = min(cost[a, b], min(dark_distance(sigs[i], v) for v in looks))
            # both named, differently: probably not the same person (OCR misreads a
            # letter now and then, so this is a penalty, not a veto)
            tn = [_norm_name(tiles[i].name) for i in free_tiles]
            rn = [_norm_name(tr.name) for tr in free_tracks]
            for a, ka in enumerate(tn):
                if ka:
                    for b, kb in enumerate(rn):
                        if kb and not same_name(ka, kb):
                            cost[a, b] += self.name_mismatch_cost
            # the same place in an unchanged grid may look quite different (the student
            # stepped away from the desk): allowed, after every better pair is taken
            limit = np.where(same_place & ~switched, self.same_place_cost, self.max_cost)
            # the same place of an unchanged grid whose picture changed kind (the student
            # left the seat, a camera went to a plain card): whoever was there, at any cost
            kinds = {k: j for j, k in enumerate(TileState)}
            track_kind = np.array([-1 if tr.state is None else kinds[tr.state] for tr in free_tracks])
            tile_kind = np.array([kinds.get(tiles[i].state, -2) for i in free_tiles])
            changed_kind = (track_kind[None, :] >= 0) & (track_kind[None, :] != tile_kind[:, None])
            limit = np.where(same_place & changed_kind, np.inf, limit)
            cost = np.where(same_place & changed_kind & ~np.isfinite(cost), 0.5 * self.max_cost, cost)
            allowed = np.isfinite(cost) & (cost <= limit)
            flat_ok = np.flatnonzero(allowed.ravel())
            order = flat_ok[np.argsort(cost.ravel()[flat_ok], kind="stable")]
            left = min(len(free_tiles), len(free_tracks))
            for flat in order.tolist():
                a, b = divmod(flat, len(free_tracks))
                i, tid = free_tiles[a], free_tracks[b].id
                if ids[i] is None and tid not in taken:
                    ids[i] = tid
                    taken.add(tid)
                    left -= 1
                    if not left:
                        break

        # 3. update matched tracks, create new ones (on a suspect frame only for a tile
        # seen again), hold or retire the unseen
        out: list[str | None] = []
        pending: list[_Pending] = []
        faces = [max((f.bbox for f in t.faces), key=lambda b: b[2] * b[3], default=None) for t in tiles]
        # a window over the gallery hides tiles: a grid with more tiles than the last that
        # held is a reflow (someone joined) or the right grid after a misread, not parts
        parts = self._parts(ids, boxes, faces, (w, h), timestamp,
                            whole=n < self._held_tiles) if n <= self._held_tiles else {}
        # a part of someone's tile is theirs before it is a misread opening's box
        takeover = self._take_over(ids, fracs, parts) if settle and self._first else {}
        hidden = self._merged(ids, takeover, parts, boxes, faces, (w, h), timestamp)
        # a frame with fewer tiles than the grid that held, none of them anyone known nor
        # showing a face, explains nothing (a dialog's buttons or thumbnails read as tiles
        # over a gallery it hides): its tiles are nobody, and whoever was in view is held
        # (while anyone is left to hold: up to hide_s)
        # who was in view (seen on the last frame, or held as hidden): whom such a frame holds
        in_view = {tr.id for tr in self.tracks.values() if tr.active or self._still_hidden(tr.id, timestamp)}
        blind = (0 < n < self._held_tiles and bool(in_view) and not takeover and not parts
                 and all(tid is None for tid in ids) and all(f is None for f in faces))
        if blind:
            hidden = {i: [] for i in range(n)}
        elif 0 < n < self._held_tiles and in_view:
            # fewer tiles than the grid that held: one that is no one known and shows no face
            # is a piece of what hides the rest (a dialog's thumbnail), not a newcomer
            for i, tid in enumerate(ids):
                if tid is None and i not in takeover and i not in parts and faces[i] is None:
                    hidden.setdefault(i, [])
        for i, t in enumerate(tiles):
            tid = ids[i]
            if tid is None and i in hidden:  # a faceless box over several tiles: nobody
                out.append(None)
                continue
            if tid is None and i in parts and not parts[i]:  # a second part of someone's tile
                out.append(None)
                continue
            if tid is None and i in parts:  # a part of someone's tile (a window over the rest)
                tr = self.tracks[parts[i]]
                tr.last_seen, tr.active, tr.state = timestamp, True, t.state
                out.append(tr.id)
                continue
            if tid is None:
                if not steady and not self._seen_again(boxes[i], sigs[i], _kind(t.state)):
                    pending.append(_Pending(boxes[i], sigs[i], _kind(t.state)))
                    out.append(None)
                    continue
                tid = takeover.get(i)
                if tid is not None:  # a misread opening's box in this tile's place: its id
                    tr = self.tracks[tid]
                    tr.looks = {} if t.covered else {_look(t.state): sigs[i]}
                    tr.names.clear()
                    tr.saw_name(t.name)
                    tr.center, tr.last_seen, tr.active, tr.state = centers[i], timestamp, True, t.state
                    tr.box = fracs[i]
                    out.append(tid)
                    continue
                tid = self._new_id()
                if opening:
                    self._first[tid] = fracs[i]
                # under a window the tile shows the window, not the participant: no look
                looks = {} if t.covered else {_look(t.state): sigs[i]}
                self.tracks[tid] = Track(id=tid, looks=looks, center=centers[i], box=fracs[i],
                                         first_seen=timestamp, last_seen=timestamp, state=t.state)
                self.tracks[tid].saw_name(t.name)
            else:
                tr = self.tracks[tid]
                if steady and not t.covered:  # a suspect frame's box may be a mix of tiles, a
                    # covered tile shows another app's window: nothing is learnt from either
                    look = _look(t.state)
                    old = tr.looks.get(look)
                    tr.looks[look] = sigs[i] if old is None else (1 - self.learn) * old + self.learn * sigs[i]
                    tr.saw_name(t.name)
                tr.center = centers[i]
                if held_grid:  # their whole tile is the one of a grid that held
                    tr.box = fracs[i]
                tr.last_seen = timestamp
                tr.active = True
                tr.state = t.state
            out.append(tid)
        self._pending = pending
        if replaced:  # the opening's reading is replaced: its ids are ordinary now
            self._end_opening()
        seen = set(out)
        held = set(self.held)
        self.suspect = not steady
        # held: seen on the last frame (``active`` is still the last frame's here), or held
        # there and seen no longer than hold_s ago
        self.held = () if steady else tuple(
            tr.id for tr in self.tracks.values()
            if tr.id not in seen and (tr.active or tr.id in held and timestamp - tr.last_seen <= self.hold_s))
        under = {tid for ids_ in hidden.values() for tid in ids_} - seen
        if not n or blind:  # no gallery in view (a window over all of it): whoever was there is held
            under = set(in_view)
        elif 0 < n < self._held_tiles and all(
                i in parts or (tid is not None and iou(fracs[i], self.tracks[tid].box) >= SAME_GRID_IOU)
                or (tid is None and i in hidden) for i, tid in enumerate(out)):
            # fewer tiles than the grid that held, each in its own place there or a part of
            # one: the missing ones are under something (a window the fit did not find), not
            # gone; a student who leaves makes the app reflow its grid (tiles move)
            under |= in_view - seen
        self.held = tuple(dict.fromkeys(self.held + tuple(sorted(under))))
        self._hidden = {tid: self._hidden.get(tid, timestamp) for tid in under}
        if held_grid and not blind and not under:  # a grid that hides no one becomes the held one
            self._held_tiles = n
        for tr in self.tracks.values():
            if tr.id not in seen:
                tr.active = False
        return out

    def _take_over(self, ids: list[str | None], norm: list[BBox], parts: dict[int, str]) -> dict[int, str]:
        """On a steady frame of a grid other than the session's first while the opening
        lasts (module doc), the ids its tiles that matched nobody and are no part of
        someone's tile (``parts``) take over (tile index -> id): those minted in the
        opening, not seen since this grid became steady and not in this frame (``ids``, so
        far), whose box (``norm``: this frame's tiles, and the boxes, as fractions of the
        frame) shares at least half of the smaller of the two with the tile: the box of a
        misread (a keyframe's smear read as another grid, a dialog over the gallery not
        found). As many pairs as can be made, the most shared first where there is a
        choice (:func:`_most_pairs`). Whoever sits where a misread box was is the one it
        showed. The first grid seen again at another scale (a window reopened: the same
        places as fractions) was read right: a tile there that looks like nobody known is
        someone new, and takes over nothing."""
        if same_grid(norm, self._opening):
            return {}
        free = [i for i, tid in enumerate(ids) if tid is None and i not in parts]
        taken = set(ids) | set(parts.values())
        ghosts = [(tid, box) for tid, box in self._first.items()
                  if tid not in taken and self.tracks[tid].last_seen < self._steady_since]
        pairs = []
        for i in free:
            for tid, box in ghosts:
                shared = overlap(norm[i], box)
                if shared >= 0.5 * min(norm[i][2] * norm[i][3], box[2] * box[3]):
                    pairs.append((-shared, i, tid))
        return _most_pairs(pairs)

    def _parts(self, ids: list[str | None], boxes: list[BBox],
               faces: list[BBox | None], size: tuple[int, int], timestamp: float,
               whole: bool = False) -> dict[int, str]:
        """Tiles that show a part of someone's tile (tile index -> id), on a frame with no
        more tiles than the last grid that held for ``hold_s``. A window over the
        gallery cuts the tiles it half covers into the parts it leaves showing, and where no
        grid is fitted around it the frame's faces get regions of their own that may run
        onto the window and the next tile (a 23-tile gallery under a dialog from 3 to 5 s:
        9 of its 12 boxes such, looking like no one: 9 new ids while it showed). A tile
        that matched nobody (``ids``) is a part of the whole tile of a
        participant not found in this frame and seen within ``hold_s`` when
        :data:`PART_INSIDE` of it lies inside that tile and it is at most
        :data:`PART_SIZE` of its size, or when its largest face (``faces``: one box or
        None per tile) lies that much inside it and the tile is not in its place
        (:data:`SAME_GRID_IOU`: a newcomer's tile where a leaver's was is their own). With
        ``whole`` (the frame has fewer tiles than the grid that held: a window hides some),
        a tile in the place of such a participant's tile is theirs as well, its picture
        partly under the window (the fit kept the tile, the window changed its look: a 15%
        dialog over a 23-tile gallery, 3 new ids). Pairs by the most shared first; a tile
        that is a part of a tile already given to another is nobody (``""``: no id, a
        dialog's two buttons read as boxes over one student's tile). Whoever's tile it is
        part of is the one it shows; nothing is learnt from it and their tile is
        remembered whole."""
        taken = set(ids)
        free = [i for i, tid in enumerate(ids) if tid is None]
        near = [tr for tr in self.tracks.values()
                if tr.id not in taken and tr.box is not None and timestamp - tr.last_seen <= self.hold_s]
        pairs = []
        for i in free:
            box, face = _fraction(boxes[i], size), None if faces[i] is None else _fraction(faces[i], size)
            area = box[2] * box[3]
            for tr in near:
                shared = overlap(box, tr.box) / area
                in_place = iou(box, tr.box) >= SAME_GRID_IOU
                if shared >= PART_INSIDE and area <= PART_SIZE * tr.box[2] * tr.box[3] or whole and in_place:
                    pairs.append((-shared, i, tr.id))
                elif face is not None and not in_place:
                    inside = overlap(face, tr.box) / (face[2] * face[3])
                    if inside >= PART_INSIDE:
                        pairs.append((-inside, i, tr.id))
        out: dict[int, str] = {}
        for _, i, tid in sorted(pairs):
            if i not in out and tid not in out.values():
                out[i] = tid
        # a second part of a tile already given (a dialog's buttons read as two boxes over
        # one student's tile): nobody, no id
        for _, i, tid in sorted(pairs):
            if i not in out:
                out[i] = ""
        return out

    def _merged(self, ids: list[str | None], takeover: dict[int, str], parts: dict[int, str],
                boxes: list[BBox], faces: list[BBox | None], size: tuple[int, int],
                timestamp: float) -> dict[int, list[str]]:
        """Faceless tiles that hold the whole tiles of two participants or more (tile
        index -> their ids): a misread box over several tiles (a dialog over a 25-tile
        gallery that no grid fits around: the whole frame as one tile, "away", a new
        participant for the dialog's 1.5 s). Such a box is nobody (no id) and those whose
        tiles it holds (:data:`PART_INSIDE` inside it; not found in this frame; seen
        within ``hold_s``, or hidden so since at most ``hide_s``) are held as last shown.
        A box with a face is someone's (matched by look, or :meth:`_parts`)."""
        taken = set(ids) | set(takeover.values()) | {tid for tid in parts.values() if tid}
        near = [tr for tr in self.tracks.values() if tr.id not in taken and tr.box is not None and (
            timestamp - tr.last_seen <= self.hold_s or self._still_hidden(tr.id, timestamp))]
        out: dict[int, list[str]] = {}
        for i, tid in enumerate(ids):
            if tid is not None or i in takeover or i in parts or faces[i] is not None:
                continue
            box = _fraction(boxes[i], size)
            inside = [tr.id for tr in near if overlap(box, tr.box) >= PART_INSIDE * tr.box[2] * tr.box[3]]
            if len(inside) >= 2:
                out[i] = inside
        return out

    def _still_hidden(self, tid: str, timestamp: float) -> bool:
        """Whether participant ``tid`` is held as hidden (:meth:`_merged`, a frame with no
        tiles) since at most ``hide_s``."""
        return tid in self._hidden and timestamp - self._hidden[tid] <= self.hide_s

    def _seen_again(self, bbox: BBox, sig: np.ndarray, kind: str) -> bool:
        """Whether a tile that matched nobody is one of the last frame's pending tiles:
        in its place (:data:`SAME_GRID_IOU`), of its kind and looking like it
        (``max_cost``)."""
        return any(iou(bbox, p.bbox) >= SAME_GRID_IOU and p.kind == kind
                   and signature_distance(sig, p.sig) <= self.max_cost for p in self._pending)

    @staticmethod
    def _appearance_cost(sigs: list[np.ndarray], kinds: list[str], tracks: list[Track]) -> np.ndarray:
        """[tiles, tracks] signature distance to the closest look of the same kind (inf
        where a participant was never seen that way)."""
        S = np.stack(sigs)
        cost = np.full((len(sigs), len(tracks)), np.inf)
        video = np.array([k == "video" for k in kinds])
        for look in ("face", "no_face", "card"):
            cols = [j for j, tr in enumerate(tracks) if look in tr.looks]
            rows = video if look != "card" else ~video
            if not cols or not rows.any():
                continue
            d = signature_distance(S[rows], np.stack([tracks[j].looks[look] for j in cols]))
            sub = cost[np.ix_(rows, cols)]
            cost[np.ix_(rows, cols)] = np.minimum(sub, d)
        return cost

    def new_view(self) -> None:
        """The next frames show another part of the screen (picked by the teacher): every
        participant is known still, as seen nowhere (their old places say nothing about
        the new view), so nobody is held on the new view's first frame (those not in it
        are left), and its tiles are matched by appearance alone."""
        for tr in self.tracks.values():
            tr.active = False
        self.held = ()
        self._pending = []
        self._hidden.clear()

    def reset(self) -> None:
        """Forget every participant (a new class): the next id is ``P01`` again."""
        self.tracks.clear()
        self._count = 0
        self._last_layout = None
        self._steady = None
        self._steady_since = 0.0
        self._pending = []
        self.suspect = False
        self.held = ()
        self._sigs.clear()
        self._hidden.clear()
        self._held_tiles = 0
        self._end_opening()

    def _end_opening(self) -> None:
        """The session's opening is over (read right, replaced, or a new class): its ids
        are ordinary ids, none to be taken over."""
        self._first.clear()
        self._opening = None
