"""Gallery screenshots: a whole meeting page drawn from portraits (with exact
ground truth), random realistic ones for sweeps, and pages composed from given
webcam pictures for a class over time."""

from __future__ import annotations

import hashlib
from typing import Sequence

import cv2
import numpy as np

from ..geometry import BBox
from ..types import TileState
from .chrome import draw_chrome
from .layout import MAX_TILES, grid_layout
from .library import PortraitLibrary, library_or_temporary
from .looks import STYLES, Look, look_of
from .names import tile_names
from .person import Placed
from .tiles import TilePlan, finish_tile, render_card, render_tile
from .truth import SynthGallery, SynthTile

MIN_SIZE = (320, 200)
MAX_SIZE = (7680, 4320)


def _check_args(n_tiles: int, size: tuple[int, int], style: str, theme: str, letterbox: float,
                two_people: float, active_speaker: int | None) -> None:
    """Raise ValueError naming the first gallery argument out of range."""
    if not 1 <= n_tiles <= MAX_TILES:
        raise ValueError(f"n_tiles must be in 1..{MAX_TILES}, got {n_tiles}")
    _check_size(size)
    look_of(style, theme)
    for what, v in (("letterbox", letterbox), ("two_people", two_people)):
        if not 0.0 <= v <= 1.0:
            raise ValueError(f"{what} must be a fraction in [0, 1], got {v}")
    if active_speaker is not None and not 0 <= active_speaker < n_tiles:
        raise ValueError(f"active_speaker must be a tile index in 0..{n_tiles - 1}, got {active_speaker}")


def _check_size(size: tuple[int, int]) -> None:
    """Raise ValueError when ``size`` (width, height) is outside MIN_SIZE..MAX_SIZE."""
    W, H = size
    if not (MIN_SIZE[0] <= W <= MAX_SIZE[0] and MIN_SIZE[1] <= H <= MAX_SIZE[1]):
        raise ValueError(f"size must be between {MIN_SIZE} and {MAX_SIZE} (width, height), got {size}")


def _tile_states(states: Sequence[TileState | str] | None, n: int) -> list[TileState]:
    """Each of ``n`` tiles' state (all ``face`` when None); ValueError on a wrong count."""
    st = [TileState.FACE] * n if states is None else [TileState(s) for s in states]
    if len(st) != n:
        raise ValueError(f"states has {len(st)} entries for {n} tiles")
    return st


def _blank_page(size: tuple[int, int], style: str, theme: str) -> tuple[Look, float, np.ndarray, int]:
    """The app's look, the UI scale ``u`` (1 at 1080p, 0.5..2), the page filled with its
    background colour (BGR uint8, (H, W, 3)) and the gap between tiles in pixels."""
    look = look_of(style, theme)
    W, H = size
    u = float(np.clip(min(W / 1920, H / 1080), 0.5, 2.0))
    image = np.empty((H, W, 3), np.uint8)
    image[:] = look.bg
    return look, u, image, max(2, round(look.gap * u))


def _pick(rng: np.random.Generator, candidates: list[int], fraction: float) -> set[int]:
    """Exactly round(fraction * len) of the candidates, chosen at random."""
    k = int(round(fraction * len(candidates)))
    return {candidates[i] for i in rng.permutation(len(candidates))[:k]}


def make_gallery(
    portraits: Sequence[np.ndarray],
    n_tiles: int,
    size: tuple[int, int] = (1920, 1080),
    *,
    style: str = "zoom",
    theme: str = "dark",
    states: Sequence[TileState | str] | None = None,
    letterbox: float = 0.0,
    two_people: float = 0.0,
    active_speaker: int | None = None,
    chrome: bool = False,
    names: Sequence[str | None] | None = None,
    gap: int | None = None,
    seed: int = 0,
    library: PortraitLibrary | None = None,
) -> SynthGallery:
    """Render a gallery screenshot of ``n_tiles`` participants and its ground truth.

    Args:
        portraits: BGR (or gray) uint8 arrays of single people; those in which no
            face is found are skipped (an error only if face/photo tiles need one).
        n_tiles: participants shown, 1..:data:`MAX_TILES`.
        size: ``(width, height)`` of the screenshot in pixels.
        style: the app, one of :data:`STYLES`.
        theme: one of :data:`THEMES`.
        states: each tile's :class:`~classmood.types.TileState` (or its value);
            all ``face`` when None.
        letterbox: the fraction of live tiles whose webcam is 4:3 / 3:4 / 9:16
            inside the 16:9 tile, between bars of the card colour.
        two_people: the fraction of face tiles showing two people.
        active_speaker: the tile index with the active-speaker border, or None.
        chrome: draw a title bar, the app's toolbars and (for some seeds) a
            taskbar around the grid.
        names: one label per tile (None entry: no label); a seeded choice of
            :data:`DEFAULT_NAMES` when None.
        gap: pixels between tiles and around the grid, 0..64; None: the app's (6-10
            px at 1080p, see :mod:`.looks`); 0: tiles touching, as phone apps and
            some recordings draw them (crop to the grid with :func:`crop_gallery`).
        seed: fixes every random choice: the same arguments and seed give the
            same pixels and ground truth.
        library: finds and remembers the portraits' faces and mattes (share one
            across calls to analyse each portrait once); None: a temporary one.

    Returns:
        The screenshot (BGR uint8, shape (height, width, 3)) and its ground truth.

    Raises:
        ValueError: an argument out of range, or face/photo tiles and no portrait
            with a detectable face.
        InputError: an entry of ``portraits`` is not an image array.
    """
    _check_args(n_tiles, size, style, theme, letterbox, two_people, active_speaker)
    rng = np.random.default_rng(seed)
    st = _tile_states(states, n_tiles)
    labels = tile_names(names, n_tiles, rng)

    if gap is not None and not (isinstance(gap, (int, np.integer)) and 0 <= gap <= 64):
        raise ValueError(f"gap must be a whole number of pixels in 0..64, got {gap!r}")
    W, H = size
    look, u, image, app_gap = _blank_page(size, style, theme)
    gap = app_gap if gap is None else int(gap)
    top, bottom = draw_chrome(image, style, look, u, rng) if chrome else (0, H)
    area = (gap, top + gap, W - 2 * gap, bottom - top - 2 * gap)
    grid, boxes = grid_layout(n_tiles, area, gap)

    with library_or_temporary(library) as lib:
        plans = _plan_tiles(lib, portraits, boxes, st, labels, letterbox, two_people, active_speaker, rng)
    tiles = tuple(render_tile(image, p, look, u, rng) for p in plans)
    return SynthGallery(image=image, tiles=tiles, style=style, theme=theme, grid=grid,
                        area=area, gap=gap, bg=look.bg)


def _plan_tiles(library: PortraitLibrary, portraits: Sequence[np.ndarray], boxes: list[BBox],
                states: list[TileState], labels: list[str | None], letterbox: float, two_people: float,
                active_speaker: int | None, rng: np.random.Generator) -> list[TilePlan]:
    """Decide, before drawing, who appears where and how (so that the random draws
    for layout decisions do not depend on image size)."""
    needs = [i for i, s in enumerate(states) if s in (TileState.FACE, TileState.PHOTO)]
    live = [i for i, s in enumerate(states) if s in (TileState.FACE, TileState.NO_FACE)]
    boxed = _pick(rng, live, letterbox)
    pairs = _pick(rng, [i for i in live if states[i] is TileState.FACE], two_people)
    usable = library.usable(portraits, len(needs) + len(pairs), rng) if needs else []
    if needs and not usable:
        raise ValueError("no portrait with a detectable face: face/photo tiles cannot be drawn")
    order = list(range(len(usable)))
    cursor = 0
    plans = []
    for i, (box, state) in enumerate(zip(boxes, states)):
        people: list[Placed] = []
        if state in (TileState.FACE, TileState.PHOTO):
            for k in range(2 if i in pairs else 1):
                por = usable[int(order[cursor % len(order)])]
                cursor += 1
                flip = bool(rng.random() < 0.5) if k == 0 else not people[0].flip
                people.append(Placed(por, flip))
        shapes = [4 / 3] if i in pairs else [4 / 3, 4 / 3, 3 / 4, 9 / 16]  # pairs need width
        aspect = float(rng.choice(shapes)) if i in boxed else None
        plans.append(TilePlan(i, box, state, labels[i], people, aspect, i == active_speaker))
    return plans


_SIZES: tuple[tuple[int, int], ...] = (
    (640, 400), (1024, 640), (1232, 679), (1244, 705), (1280, 720), (1366, 768), (1440, 900),
    (1536, 864), (1600, 900), (1920, 1080), (1920, 1200), (2560, 1440), (3840, 2160),
)


def random_gallery(portraits: Sequence[np.ndarray], rng: np.random.Generator, *,
                   library: PortraitLibrary | None = None) -> SynthGallery:
    """A random but realistic gallery for test sweeps: app, theme, size, class size
    (mostly small classes), a mix of states dominated by live faces, some
    letterboxed webcams, occasional pairs, speaker border and chrome.

    Args:
        portraits: as for :func:`make_gallery`.
        rng: draws the gallery's arguments and seed (advanced by the call).
        library: as for :func:`make_gallery`.

    Returns:
        The screenshot and its ground truth.

    Raises:
        ValueError: no portrait with a detectable face.
        InputError: an entry of ``portraits`` is not an image array.
    """
    style = str(rng.choice(STYLES, p=[0.6, 0.2, 0.2]))
    theme = "light" if rng.random() < (0.3 if style == "teams" else 0.1) else "dark"
    size = _SIZES[int(rng.integers(len(_SIZES)))]
    band = rng.choice(3, p=[0.55, 0.3, 0.15])
    n = int(rng.integers(*[(1, 13), (13, 31), (31, 50)][band]))
    probs = np.array([0.68, 0.1, 0.14, 0.08])
    kinds = (TileState.FACE, TileState.NO_FACE, TileState.CAMERA_OFF, TileState.PHOTO)
    states = [kinds[int(k)] for k in rng.choice(4, size=n, p=probs)]
    return make_gallery(
        portraits, n, size, style=style, theme=theme, states=states,
        letterbox=float(rng.choice([0.0, 0.0, 0.25, 0.5])) if style == "zoom" else 0.0,
        two_people=float(rng.choice([0.0, 0.0, 0.1])),
        active_speaker=int(rng.integers(n)) if rng.random() < 0.5 else None,
        chrome=bool(rng.random() < 0.5), seed=int(rng.integers(2**31)), library=library,
    )


def compose_gallery(views: Sequence[np.ndarray | None], size: tuple[int, int] = (1280, 720), *,
                    names: Sequence[str | None] | None = None, style: str = "zoom", theme: str = "dark",
                    noise: float = 2.0, seed: int = 0) -> SynthGallery:
    """A gallery frame from one picture per participant, for a class over time.

    Args:
        views: per tile, in tile order: a webcam picture (BGR uint8, any size;
            scaled to fill the tile) or None for a camera-off card. Cards (avatar
            and colour) depend on the participant's name, not on the frame.
        size: ``(width, height)`` of the frame in pixels.
        names: one label per tile (None entry: no label); the default names
            (the same for every frame) when None.
        style: the app, one of :data:`STYLES`.
        theme: one of :data:`THEMES`.
        noise: standard deviation in grey levels of fresh sensor noise added to
            each view, so consecutive frames differ as live video does.
        seed: fixes that noise.

    Returns:
        The frame (BGR uint8, shape (height, width, 3)) and its ground truth; live
        tiles are ``face`` tiles without face boxes (the views' faces are not
        known here).

    Raises:
        ValueError: no views or more than :data:`MAX_TILES`, a size, style, theme
            or names entry out of range.
    """
    n = len(views)
    _check_args(n, size, style, theme, 0.0, 0.0, None)
    rng = np.random.default_rng(seed)
    labels = tile_names(names, n, np.random.default_rng(0))
    W, H = size
    look, u, image, gap = _blank_page(size, style, theme)
    area = (gap, gap, W - 2 * gap, H - 4 * gap)
    grid, boxes = grid_layout(n, area, gap)
    tiles = []
    for i, (view, box, name) in enumerate(zip(views, boxes, labels)):
        _, _, w, h = box
        tile = np.empty((h, w, 3), np.uint8)
        tile[:] = look.card
        if view is not None:
            v = cv2.resize(view, (w, h), interpolation=cv2.INTER_AREA if view.shape[1] > w else cv2.INTER_LINEAR)
            if noise > 0:
                v = np.clip(v.astype(np.float32) + rng.normal(0, noise, v.shape), 0, 255).astype(np.uint8)
            tile[:] = v
            state = TileState.FACE
        else:
            key = int(hashlib.sha1((name or "").encode()).hexdigest()[:8], 16)
            plan = TilePlan(i, box, TileState.CAMERA_OFF, name, [], None, False)
            render_card(tile, plan, look, u, np.random.default_rng(key))
            state = TileState.CAMERA_OFF
        text = finish_tile(image, tile, box, name, look, u, muted=False, speaker=False)
        tiles.append(SynthTile(index=i, bbox=box, state=state, name=text, face_boxes=(), video_bbox=None))
    return SynthGallery(image=image, tiles=tuple(tiles), style=style, theme=theme, grid=grid,
                        area=area, gap=gap, bg=look.bg)


def crop_gallery(gallery: SynthGallery, margin: int = 0) -> SynthGallery:
    """The gallery alone: the screenshot cropped to its tiles' bounding box and
    ``margin`` pixels around it, as a region picked around the grid or a recording of
    the gallery shows it (tiles flush with the frame when ``margin`` is 0; a negative
    margin cuts that many pixels off the outer tiles, as a region picked by hand a
    little inside the grid does).

    Args:
        gallery: a rendered gallery (:func:`make_gallery`, :func:`compose_gallery`).
        margin: pixels kept around the grid on each side (the crop stops at the
            screenshot's edges); negative: pixels cut off the outer tiles, less than a
            quarter of the smallest tile's side.

    Returns:
        A new :class:`SynthGallery` whose image is the crop (a copy) and whose boxes
        (tiles, faces, videos, area) are moved into it and cut to it.

    Raises:
        ValueError: ``margin`` cuts a quarter of a tile or more, or the gallery has no
            tiles.
    """
    if not gallery.tiles:
        raise ValueError("the gallery has no tiles to crop to")
    if -margin * 4 >= min(min(t.bbox[2], t.bbox[3]) for t in gallery.tiles):
        raise ValueError(f"margin {margin} px cuts a quarter of a tile or more")
    W, H = gallery.size
    x0 = max(0, min(t.bbox[0] for t in gallery.tiles) - margin)
    y0 = max(0, min(t.bbox[1] for t in gallery.tiles) - margin)
    x1 = min(W, max(t.bbox[0] + t.bbox[2] for t in gallery.tiles) + margin)
    y1 = min(H, max(t.bbox[1] + t.bbox[3] for t in gallery.tiles) + margin)

    def moved(b: BBox) -> BBox:  # into the crop, cut to it
        a, c = max(0, b[0] - x0), max(0, b[1] - y0)
        return (a, c, min(x1 - x0, b[0] - x0 + b[2]) - a, min(y1 - y0, b[1] - y0 + b[3]) - c)

    tiles = tuple(SynthTile(index=t.index, bbox=moved(t.bbox), state=t.state, name=t.name,
                            face_boxes=tuple(moved(f) for f in t.face_boxes),
                            video_bbox=None if t.video_bbox is None else moved(t.video_bbox))
                  for t in gallery.tiles)
    ax, ay, aw, ah = gallery.area
    area = (max(0, ax - x0), max(0, ay - y0), min(aw, x1 - x0), min(ah, y1 - y0))
    return SynthGallery(image=gallery.image[y0:y1, x0:x1].copy(), tiles=tiles, style=gallery.style,
                        theme=gallery.theme, grid=gallery.grid, area=area, gap=gallery.gap, bg=gallery.bg)
