"""Synthetic video-class gallery screenshots with exact ground truth.

Real gallery screenshots are few and unlabelled, so the tile finder, the state
classifier and the face pipeline are swept over synthetic galleries that look like
Zoom, Google Meet and Microsoft Teams: the same grid rules (near-square grids of
16:9 tiles that maximise tile size, a centred last row, constant gaps), the same
flat UI colours, letterboxed webcams, camera-off cards, small profile photos, name
labels, an active-speaker border and optional window chrome around the grid.

Every tile comes with its exact rectangle, state, label text and face boxes.

*Ground-truth face boxes* are BlazeFace boxes (:class:`~classmood.detectors.faces.
FaceFinder`) detected once on the clean, full-resolution source portrait (cached per
portrait by a hash of its pixels) and mapped through the exact placement used to
draw it (scale, mirror, shift, resize). They are therefore in the same convention
as the detector's output, but they are not detections on the rendered image:
after downscaling, noise and JPEG a tiny face may be undetectable while its box is
still the truth. Portraits in which no face is found are never used for faces.

The generator never reads files itself (except :func:`load_portraits`, which the
caller points at a folder): any list of BGR portraits works, e.g. matplotlib's
``grace_hopper.jpg`` sample. Output is fully determined by the inputs and ``seed``.
"""

from __future__ import annotations

import hashlib
import math
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Sequence

import cv2
import numpy as np

from .errors import InputError
from .io import as_bgr, load_image
from .types import BBox, TileState

__all__ = [
    "DEFAULT_NAMES",
    "STYLES",
    "THEMES",
    "MAX_TILES",
    "SynthTile",
    "SynthGallery",
    "grid_shape",
    "grid_layout",
    "make_gallery",
    "random_gallery",
    "load_portraits",
    "portrait_face_box",
    "style_colors",
]

Color = tuple[int, int, int]  # BGR
FBox = tuple[float, float, float, float]  # (x, y, w, h) in float pixels

STYLES = ("zoom", "meet", "teams")
THEMES = ("dark", "light")
MAX_SIDE = 7
MAX_TILES = MAX_SIDE * MAX_SIDE  # Zoom, Meet and Teams all stop at 7 x 7 per page
MIN_SIZE = (320, 200)
MAX_SIZE = (7680, 4320)
MIN_FACE_PX = 24  # portraits whose face is smaller are not used (too blurry once scaled up)
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")

DEFAULT_NAMES: tuple[str, ...] = (
    "Emma Johnson", "Liam Smith", "Sofia Garcia", "Noah Williams", "Aisha Khan",
    "Wei Chen", "Mateo Rossi", "Priya Patel", "Lucas Martin", "Hannah Schmidt",
    "Kenji Tanaka", "Fatima Ali", "Olivia Brown", "Ethan Davis", "Mia Wilson",
    "Jonas Becker", "Chloe Dubois", "Diego Hernandez", "Amara Okafor", "Yuna Kim",
    "Arjun Mehta", "Isabella Moreno", "Samuel Osei", "Leah Cohen", "Omar Haddad",
    "Grace Lee", "Daniel Novak", "Elena Petrova", "Jakub Kowalski", "Nora Lindqvist",
    "Tomas Silva", "Zara Ahmed", "Ryan O'Connor", "Anna Nguyen", "Felix Wagner",
    "Maya Singh", "Lucia Romero", "Kofi Mensah", "Sara Bianchi", "Ben Carter",
    "Ines Costa", "Hugo Laurent", "Emily Clark", "Adam Nowak", "Layla Hassan",
    "Jin Park", "Ava Thompson", "Leo Fischer", "Mei Lin", "Carlos Ruiz",
    "Julia Weber", "Nikhil Rao", "Eva Horvat", "Oscar Berg", "Lina Yilmaz",
    "Mark Evans", "Rosa Diaz", "Tariq Aziz", "Ella Murphy", "Ivan Popov",
)


# --------------------------------------------------------------------------------------
# Ground-truth records
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SynthTile:
    """Ground truth for one rendered tile (all boxes in full-image pixels)."""

    index: int
    """Reading order: rows top to bottom, left to right within a row."""
    bbox: BBox
    """The exact tile rectangle."""
    state: TileState
    name: str | None
    """The exact text drawn in the name label (possibly shortened with '...'), or
    None when the tile has no label."""
    face_boxes: tuple[BBox, ...]
    """Visible faces (empty unless the state is face or photo); see the module doc
    for how they are obtained."""
    video_bbox: BBox | None
    """The live-video rectangle (differs from ``bbox`` when letterboxed); None for
    camera-off and photo tiles."""


@dataclass(frozen=True, eq=False)
class SynthGallery:
    """A rendered gallery screenshot and its ground truth."""

    image: np.ndarray
    """BGR uint8, shape (H, W, 3)."""
    tiles: tuple[SynthTile, ...]
    style: str
    theme: str
    grid: tuple[int, int]
    """(rows, cols) of the layout."""
    area: BBox = (0, 0, 1, 1)
    """The meeting area the grid was centred in (the image minus chrome)."""
    gap: int = 0
    """Pixels between neighbouring tiles (and the outer margin)."""
    bg: Color = (0, 0, 0)
    """The flat background colour of the meeting area (gaps and margins)."""

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the image."""
        return int(self.image.shape[1]), int(self.image.shape[0])


# --------------------------------------------------------------------------------------
# Styles and colours (measured on real screenshots where we have them)
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Look:
    """Geometry and colours of one app in one theme. Lengths are at 1080p scale."""

    bg: Color  # meeting-area background: gaps and margins
    card: Color  # tile colour: camera-off cards and letterbox bars
    card_text: Color  # big name on camera-off cards
    speaker: Color  # active-speaker border
    chrome: Color  # title/tool bars
    chrome_text: Color
    gap: float  # px between tiles
    radius: float  # tile corner radius
    speaker_px: float
    label_box: bool  # a dark box behind the name (Zoom, Teams) or text on the video (Meet)
    avatar: str  # "square_or_name" (Zoom), "circle" (Meet: one letter), "circle2" (Teams)
    photo_shape: str  # "square" or "circle"


_LOOKS: dict[tuple[str, str], _Look] = {
    # Zoom: measured on real Zoom screenshots: bg 26, cards/bars 34-35, 6-7 px gaps
    # at 1080p, a yellow-green speaker border ~3 px drawn over the tile edge.
    ("zoom", "dark"): _Look(
        bg=(26, 26, 26), card=(35, 35, 35), card_text=(255, 255, 255),
        speaker=(117, 227, 211), chrome=(26, 26, 26), chrome_text=(220, 220, 220),
        gap=6, radius=0, speaker_px=3, label_box=True, avatar="square_or_name",
        photo_shape="square"),
    ("zoom", "light"): _Look(
        bg=(242, 242, 242), card=(226, 226, 226), card_text=(40, 40, 40),
        speaker=(60, 200, 120), chrome=(250, 250, 250), chrome_text=(50, 50, 50),
        gap=6, radius=0, speaker_px=3, label_box=True, avatar="square_or_name",
        photo_shape="square"),
    # Google Meet: #202124 background, #3c4043 cards, wide gaps, rounded tiles.
    ("meet", "dark"): _Look(
        bg=(36, 33, 32), card=(67, 64, 60), card_text=(255, 255, 255),
        speaker=(248, 180, 138), chrome=(36, 33, 32), chrome_text=(232, 234, 237),
        gap=10, radius=10, speaker_px=3, label_box=False, avatar="circle",
        photo_shape="circle"),
    ("meet", "light"): _Look(
        bg=(244, 243, 241), card=(224, 220, 218), card_text=(33, 32, 32),
        speaker=(232, 115, 26), chrome=(255, 255, 255), chrome_text=(64, 60, 60),
        gap=10, radius=10, speaker_px=3, label_box=False, avatar="circle",
        photo_shape="circle"),
    # Microsoft Teams: #1f1f1f stage with #292929 tiles (dark), #f5f5f5 (light).
    ("teams", "dark"): _Look(
        bg=(31, 31, 31), card=(41, 41, 41), card_text=(255, 255, 255),
        speaker=(245, 133, 127), chrome=(41, 41, 41), chrome_text=(230, 230, 230),
        gap=6, radius=5, speaker_px=2, label_box=True, avatar="circle2",
        photo_shape="circle"),
    ("teams", "light"): _Look(
        bg=(245, 245, 245), card=(232, 232, 232), card_text=(36, 36, 36),
        speaker=(167, 100, 98), chrome=(255, 255, 255), chrome_text=(36, 36, 36),
        gap=6, radius=5, speaker_px=2, label_box=True, avatar="circle2",
        photo_shape="circle"),
}


def style_colors(style: str, theme: str = "dark") -> dict[str, Color]:
    """The flat colours of a style: ``bg`` (gaps), ``card`` (camera-off cards and
    letterbox bars) and ``speaker`` (active-speaker border), BGR."""
    look = _look(style, theme)
    return {"bg": look.bg, "card": look.card, "speaker": look.speaker}


def _look(style: str, theme: str) -> _Look:
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}, got {style!r}")
    if theme not in THEMES:
        raise ValueError(f"theme must be one of {THEMES}, got {theme!r}")
    return _LOOKS[(style, theme)]


# Saturated avatar colours (Zoom initials squares, Meet circles) and Teams pastels.
_AVATAR_COLORS: tuple[Color, ...] = (
    (86, 27, 201), (183, 110, 14), (56, 142, 60), (0, 120, 230), (160, 52, 142),
    (145, 110, 0), (48, 48, 200), (120, 90, 40), (60, 130, 200), (180, 60, 100),
)
_TEAMS_PASTELS: tuple[tuple[Color, Color], ...] = (  # (circle, initials)
    ((222, 204, 240), (120, 60, 150)), ((200, 228, 205), (50, 110, 60)),
    ((240, 220, 196), (140, 90, 30)), ((196, 214, 244), (40, 80, 160)),
    ((230, 206, 222), (120, 50, 110)), ((200, 232, 240), (40, 110, 130)),
)


# --------------------------------------------------------------------------------------
# Layout
# --------------------------------------------------------------------------------------
def _tile_size(rows: int, cols: int, area_w: int, area_h: int, aspect: float, gap: int) -> tuple[int, int]:
    """Largest integer (w, h) of ``aspect`` tiles such that the grid fits the area."""
    w_lim = (area_w - (cols - 1) * gap) / cols
    h_lim = (area_h - (rows - 1) * gap) / rows
    w = math.floor(min(w_lim, h_lim * aspect))
    h = min(math.floor(h_lim), round(w / aspect))
    return max(0, w), max(0, h)


def grid_shape(
    n_tiles: int, area_w: int, area_h: int, aspect: float = 16 / 9, *, gap: int = 0,
    max_side: int = MAX_SIDE,
) -> tuple[int, int]:
    """(rows, cols) the apps choose for ``n_tiles`` tiles of ``aspect`` in the area.

    Like Zoom/Meet/Teams, try every column count and keep the grid whose tiles are
    largest; ties go to the grid with fewer empty slots, then fewer rows (wider).
    """
    if not 1 <= n_tiles <= max_side * max_side:
        raise ValueError(f"n_tiles must be in 1..{max_side * max_side}, got {n_tiles}")
    if area_w <= 0 or area_h <= 0:
        raise ValueError(f"area must be positive, got {area_w}x{area_h}")
    best: tuple[tuple[float, int, int], tuple[int, int]] | None = None
    for cols in range(1, min(n_tiles, max_side) + 1):
        rows = math.ceil(n_tiles / cols)
        if rows > max_side:
            continue
        w_lim = (area_w - (cols - 1) * gap) / cols
        h_lim = (area_h - (rows - 1) * gap) / rows
        tile_w = min(w_lim, h_lim * aspect)
        key = (round(tile_w, 6), -(rows * cols - n_tiles), -rows)
        if best is None or key > best[0]:
            best = (key, (rows, cols))
    assert best is not None
    return best[1]


def grid_layout(
    n_tiles: int, area: BBox, gap: int, aspect: float = 16 / 9, max_side: int = MAX_SIDE
) -> tuple[tuple[int, int], list[BBox]]:
    """``((rows, cols), boxes)``: tile rectangles in reading order, the grid centred
    in ``area`` and an incomplete last row centred horizontally."""
    ax, ay, aw, ah = area
    rows, cols = grid_shape(n_tiles, aw, ah, aspect, gap=gap, max_side=max_side)
    tw, th = _tile_size(rows, cols, aw, ah, aspect, gap)
    if tw < 8 or th < 8:
        raise ValueError(f"{n_tiles} tiles do not fit in a {aw}x{ah} area")
    grid_w = cols * tw + (cols - 1) * gap
    grid_h = rows * th + (rows - 1) * gap
    x0, y0 = ax + (aw - grid_w) // 2, ay + (ah - grid_h) // 2
    boxes: list[BBox] = []
    for r in range(rows):
        in_row = min(cols, n_tiles - r * cols)
        rx = x0 + ((cols - in_row) * (tw + gap)) // 2
        for c in range(in_row):
            boxes.append((rx + c * (tw + gap), y0 + r * (th + gap), tw, th))
    return (rows, cols), boxes


# --------------------------------------------------------------------------------------
# Portraits and their ground-truth face boxes
# --------------------------------------------------------------------------------------
_FINDER = None
_FINDER_LOCK = threading.Lock()
_FACE_CACHE: "OrderedDict[tuple, FBox | None]" = OrderedDict()
_FACE_CACHE_MAX = 8192


_KEY_BY_ID: dict[int, tuple["weakref.ref[np.ndarray]", tuple]] = {}


def _portrait_key(img: np.ndarray) -> tuple:
    """A content key (shape + pixel hash). Hashing a portrait costs ~1 ms, so the key
    is remembered per array object while it lives: portraits are treated as
    read-only once passed in."""
    hit = _KEY_BY_ID.get(id(img))
    if hit is not None and hit[0]() is img:
        return hit[1]
    digest = hashlib.blake2b(np.ascontiguousarray(img).data, digest_size=16).hexdigest()
    key = (img.shape, digest)
    try:
        ref = weakref.ref(img, lambda _r, i=id(img): _KEY_BY_ID.pop(i, None))
    except TypeError:  # not weak-referenceable: just do not remember it
        return key
    _KEY_BY_ID[id(img)] = (ref, key)
    return key


def _detect_face(img: np.ndarray) -> FBox | None:
    """Best BlazeFace box on the clean portrait. Tight face crops (face filling the
    picture) are retried with a grey margin, as BlazeFace expects some context."""
    global _FINDER
    if _FINDER is None:
        from .detectors.faces import FaceFinder

        _FINDER = FaceFinder(min_score=0.5)
    faces = _FINDER.find(img)
    if faces:
        return tuple(float(v) for v in faces[0].bbox)  # type: ignore[return-value]
    h, w = img.shape[:2]
    p = max(h, w) // 4
    padded = cv2.copyMakeBorder(img, p, p, p, p, cv2.BORDER_CONSTANT, value=(128, 128, 128))
    faces = _FINDER.find(padded)
    if not faces:
        return None
    x, y, bw, bh = faces[0].bbox
    x0, y0 = max(0.0, x - p), max(0.0, y - p)
    x1, y1 = min(float(w), x + bw - p), min(float(h), y + bh - p)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    return (x0, y0, x1 - x0, y1 - y0)


def portrait_face_box(portrait: np.ndarray) -> FBox | None:
    """The ground-truth face box ``(x, y, w, h)`` of a portrait (its most confident
    BlazeFace face on the clean full-resolution image), or None when no face is
    found. Cached by pixel hash, so each portrait is detected once per process."""
    img = as_bgr(portrait, where="portrait")
    return _face_box(img, _portrait_key(img))


def _face_box(img: np.ndarray, key: tuple) -> FBox | None:
    with _FINDER_LOCK:
        if key in _FACE_CACHE:
            _FACE_CACHE.move_to_end(key)
            return _FACE_CACHE[key]
        box = _detect_face(img)
        _FACE_CACHE[key] = box
        if len(_FACE_CACHE) > _FACE_CACHE_MAX:
            _FACE_CACHE.popitem(last=False)
        return box


def load_portraits(folder: str | Path, limit: int | None = None, seed: int = 0) -> list[np.ndarray]:
    """Read the images under ``folder`` (recursively) as BGR arrays: a seeded random
    choice of ``limit`` of them (all when None), in a deterministic order.
    Unreadable files are skipped; a folder with no readable image is an error."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"{root}: not a folder of portrait images; check the path")
    paths = sorted(
        (p for p in root.rglob("*") if p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file()),
        key=lambda p: p.relative_to(root).as_posix(),
    )
    order = np.random.default_rng(seed).permutation(len(paths))
    out: list[np.ndarray] = []
    for i in order:
        if limit is not None and len(out) >= limit:
            break
        try:
            out.append(load_image(paths[i]))
        except InputError:
            continue
    if not out:
        raise InputError(f"{root}: no readable portrait images (.jpg, .png, ...) found")
    return out


def sample_portrait() -> np.ndarray:
    """Grace Hopper's portrait from matplotlib's bundled sample data, as BGR: a real
    face photo that every install has, for galleries built without any data set."""
    from matplotlib import cbook

    return load_image(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))


_MATTE_SIDE = 160  # mattes are smooth: a small one, warped with the portrait, is enough
_MATTE_CACHE: "OrderedDict[tuple, tuple[np.ndarray, tuple[Color, Color]]]" = OrderedDict()
_MATTE_CACHE_MAX = 2048


def _matte(img: np.ndarray, face: FBox) -> tuple[np.ndarray, tuple[Color, Color]]:
    """Soft person matte (small float32, 1 = person) and the (clothing, skin) colours.

    Studio portraits (a near-uniform border, like NimStim's white) are keyed: the
    pixels close to the border colour and connected to the border are background.
    Other portraits (tight crops, real scenes) get a soft ellipse around the head.
    Either way the bottom rows fade out so that a drawn torso can continue the body.
    """
    h, w = img.shape[:2]
    k = _MATTE_SIDE / max(h, w)
    mw, mh = max(8, round(w * k)), max(8, round(h * k))
    small = cv2.resize(img, (mw, mh), interpolation=cv2.INTER_AREA).astype(np.float32)
    fx, fy, fw, fh = (v * k for v in face)
    border = np.concatenate([small[0], small[: int(mh * 0.6), 0], small[: int(mh * 0.6), -1]])
    bgc = np.median(border, axis=0)
    near = np.linalg.norm(small - bgc, axis=2) < 28.0
    keyable = float(np.mean(np.linalg.norm(border - bgc, axis=1) < 28.0)) > 0.8
    if keyable:
        _, lab = cv2.connectedComponents(near.astype(np.uint8), connectivity=4)
        edge = np.unique(np.concatenate([lab[0], lab[:, 0], lab[:, -1]]))
        bg = np.isin(lab, edge[edge > 0]) & near
        # below the chin studio portraits show a light collar or cape close to the
        # backdrop colour: keep it (it becomes the clothes) and soften the sides
        bg[int(fy + fh * 0.92) :] = False
        m = (~bg).astype(np.float32)
        m = cv2.erode(m, np.ones((3, 3), np.uint8))
        x = np.arange(mw, dtype=np.float32)
        side = np.clip(np.minimum(x, mw - 1 - x) / max(2.0, mw * 0.06), 0, 1)
        m[int(fy + fh * 0.92) :] *= side[None, :]
    else:
        yy, xx = np.mgrid[0:mh, 0:mw].astype(np.float32)
        cx, cy = fx + fw / 2, fy + fh * 0.45
        d = ((xx - cx) / (fw * 0.85)) ** 2 + ((yy - cy) / (fh * 0.95)) ** 2
        m = np.clip((1.25 - d) / 0.5, 0, 1)
        neck = (np.abs(xx - cx) < fw * 0.32) & (yy > cy)
        m = np.maximum(m, neck.astype(np.float32) * np.clip((mh - yy) / 4, 0, 1))
        # fade out inside a rounded square (squircle) within the picture, so that
        # tight crops show no crop rectangle and no corners
        u_ = (2 * xx / (mw - 1) - 1) ** 4 + (2 * yy / (mh - 1) - 1) ** 4
        edge = np.clip((1.0 - u_) / 0.45, 0, 1)
        m *= edge * edge * (3 - 2 * edge)
    m = cv2.GaussianBlur(m, (0, 0), 1.2)
    y_cloth = int(max(fy + fh * 1.02, mh * 0.85))
    low = m[y_cloth:] > 0.5
    cloth = np.median(small[y_cloth:][low], axis=0) if low.sum() > 8 else np.array([90.0, 80.0, 70.0])
    ramp = np.clip((mh - 1 - np.arange(mh, dtype=np.float32)) / max(2.0, mh * 0.06), 0, 1)
    m *= ramp[:, None]
    skin = small[int(fy + fh * 0.45) : int(fy + fh * 0.75), int(fx + fw * 0.3) : int(fx + fw * 0.7)]
    skin_c = np.median(skin.reshape(-1, 3), axis=0) if skin.size else np.array([120.0, 150.0, 190.0])
    return m, (tuple(int(v) for v in cloth), tuple(int(v) for v in skin_c))  # type: ignore[return-value]


def _portrait_matte(img: np.ndarray, key: tuple, face: FBox) -> tuple[np.ndarray, tuple[Color, Color]]:
    with _FINDER_LOCK:
        hit = _MATTE_CACHE.get(key)
        if hit is not None:
            _MATTE_CACHE.move_to_end(key)
            return hit
    out = _matte(img, face)
    with _FINDER_LOCK:
        _MATTE_CACHE[key] = out
        if len(_MATTE_CACHE) > _MATTE_CACHE_MAX:
            _MATTE_CACHE.popitem(last=False)
    return out


@dataclass
class _Portrait:
    """A usable portrait: pixels, face box, person matte, clothing colour and a
    lazily built image pyramid (so that big portraits shrink without aliasing)."""

    image: np.ndarray
    face: FBox
    matte: np.ndarray
    cloth: Color  # what the portrait's bottom rows wear
    skin: Color
    _levels: list[np.ndarray] | None = None

    def level_for(self, scale: float) -> np.ndarray:
        """The coarsest pyramid level that is still >= ~0.6x the wanted scale."""
        if self._levels is None:
            self._levels = [self.image]
        k = 0
        while scale * (2 ** (k + 1)) < 1.2 and min(self._levels[k].shape[:2]) > 32:
            k += 1
            if k == len(self._levels):
                self._levels.append(cv2.pyrDown(self._levels[k - 1]))
        return self._levels[k]


# --------------------------------------------------------------------------------------
# Drawing helpers
# --------------------------------------------------------------------------------------
_FONT = cv2.FONT_HERSHEY_SIMPLEX
_FONT_BOLD = cv2.FONT_HERSHEY_DUPLEX


@lru_cache(maxsize=8)
def _cap_height(font: int) -> float:
    return float(cv2.getTextSize("H", font, 1.0, 1)[0][1])


def _font_scale(px: float, font: int = _FONT) -> float:
    return max(0.05, px / _cap_height(font))


def _text_width(text: str, px: float, font: int = _FONT, thickness: int = 1) -> int:
    return int(cv2.getTextSize(text, font, _font_scale(px, font), thickness)[0][0])


def _put_text(img: np.ndarray, text: str, x: int, baseline_y: int, px: float, color: Color,
              font: int = _FONT, thickness: int = 1) -> None:
    cv2.putText(img, text, (int(x), int(baseline_y)), font, _font_scale(px, font), color,
                max(1, int(thickness)), cv2.LINE_AA)


def _fit_text(text: str, max_w: int, px: float, font: int = _FONT, thickness: int = 1) -> str:
    """``text`` shortened with '...' until it fits ``max_w`` pixels ('' if nothing fits)."""
    if _text_width(text, px, font, thickness) <= max_w:
        return text
    for n in range(len(text) - 1, 0, -1):
        t = text[:n].rstrip() + "..."
        if _text_width(t, px, font, thickness) <= max_w:
            return t
    return ""


def _rounded_rect(img: np.ndarray, x: int, y: int, w: int, h: int, r: int, color: Color) -> None:
    """Filled rectangle with rounded corners."""
    r = int(max(0, min(r, w // 2, h // 2)))
    if r == 0:
        cv2.rectangle(img, (x, y), (x + w - 1, y + h - 1), color, -1)
        return
    cv2.rectangle(img, (x + r, y), (x + w - 1 - r, y + h - 1), color, -1)
    cv2.rectangle(img, (x, y + r), (x + w - 1, y + h - 1 - r), color, -1)
    for cx, cy in ((x + r, y + r), (x + w - 1 - r, y + r), (x + r, y + h - 1 - r), (x + w - 1 - r, y + h - 1 - r)):
        cv2.circle(img, (cx, cy), r, color, -1, cv2.LINE_AA)


def _blend_rect(img: np.ndarray, x: int, y: int, w: int, h: int, color: Color, alpha: float) -> None:
    """Semi-transparent filled rectangle (clipped to the image)."""
    H, W = img.shape[:2]
    x0, y0, x1, y1 = max(0, x), max(0, y), min(W, x + w), min(H, y + h)
    if x1 <= x0 or y1 <= y0:
        return
    roi = img[y0:y1, x0:x1]
    over = np.empty_like(roi)
    over[:] = color
    cv2.addWeighted(over, alpha, roi, 1.0 - alpha, 0.0, dst=roi)


@lru_cache(maxsize=64)
def _corner_alpha(r: int) -> np.ndarray:
    """Anti-aliased coverage (r x r, float32) of a top-left rounded corner of radius r."""
    m = np.zeros((2 * r + 2, 2 * r + 2), np.uint8)
    cv2.circle(m, (r, r), r, 255, -1, cv2.LINE_AA)
    a = m[:r, :r].astype(np.float32) / 255.0
    a.setflags(write=False)
    return a


def _round_corners(tile: np.ndarray, r: int, bg: Color) -> None:
    """Paint the outside of rounded corners with the background colour, in place."""
    h, w = tile.shape[:2]
    r = int(min(r, w // 2, h // 2))
    if r < 2:
        return
    a = _corner_alpha(r)[..., None]
    bgv = np.array(bg, np.float32)
    for flip_y in (False, True):
        for flip_x in (False, True):
            ys = slice(h - r, h) if flip_y else slice(0, r)
            xs = slice(w - r, w) if flip_x else slice(0, r)
            aa = a[::-1] if flip_y else a
            aa = aa[:, ::-1] if flip_x else aa
            patch = tile[ys, xs].astype(np.float32)
            tile[ys, xs] = (patch * aa + bgv * (1.0 - aa) + 0.5).astype(np.uint8)


@lru_cache(maxsize=1)
def _noise_texture() -> np.ndarray:
    """A fixed 1408x1408x3 field of unit Gaussian noise; frames take random windows
    of it (much faster than drawing fresh noise per frame, and deterministic)."""
    tex = np.random.default_rng(20240517).standard_normal((1408, 1408, 3), dtype=np.float32)
    tex.setflags(write=False)
    return tex


def _noise(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    tex = _noise_texture()
    th, tw = tex.shape[:2]
    if h <= th and w <= tw:
        oy, ox = int(rng.integers(0, th - h + 1)), int(rng.integers(0, tw - w + 1))
        return tex[oy : oy + h, ox : ox + w]
    reps = (math.ceil(h / th), math.ceil(w / tw), 1)
    return np.tile(tex, reps)[:h, :w]


def _initials(name: str | None, letters: int = 2) -> str:
    parts = [p for p in (name or "").replace("(", " ").split() if p[:1].isalnum()]
    if not parts:
        return "?"
    if letters == 1 or len(parts) == 1:
        return parts[0][0].upper()
    return (parts[0][0] + parts[-1][0]).upper()


# --------------------------------------------------------------------------------------
# Procedural rooms (no faces: only gradients, rectangles and a few blobs)
# --------------------------------------------------------------------------------------
_WALLS: tuple[Color, ...] = (
    (196, 210, 222), (225, 228, 230), (170, 180, 186), (200, 214, 206), (214, 200, 190),
    (150, 170, 190), (226, 222, 212), (120, 130, 140), (180, 196, 214), (205, 205, 200),
)
_WOODS: tuple[Color, ...] = ((60, 95, 140), (45, 70, 105), (90, 130, 170), (40, 50, 60), (210, 212, 214))
_BOOKS: tuple[Color, ...] = (
    (40, 40, 160), (150, 70, 30), (40, 120, 40), (30, 160, 200), (110, 40, 110),
    (200, 200, 200), (30, 30, 30), (80, 110, 160),
)


def _jitter(c: Color, rng: np.random.Generator, amount: int = 12) -> Color:
    d = rng.integers(-amount, amount + 1, size=3)
    return tuple(int(np.clip(v + dv, 0, 255)) for v, dv in zip(c, d))  # type: ignore[return-value]


def _room(w: int, h: int, rng: np.random.Generator, *, defocus: float = 0.0,
          empty_chair: bool = False) -> np.ndarray:
    """A plausible room behind a webcam, float32 (h, w, 3) BGR.

    Drawn at a low resolution and upsampled, which gives the soft look of webcam
    optics for free; ``defocus`` (0..1) blurs it further as behind a person."""
    rw = int(min(w, 320))
    rh = max(8, round(rw * h / w))
    wall = np.array(_jitter(rng.choice(np.array(_WALLS)).tolist(), rng, 10), np.float32)
    yy = np.linspace(0.0, 1.0, rh, dtype=np.float32)[:, None]
    xx = np.linspace(0.0, 1.0, rw, dtype=np.float32)[None, :]
    lx, ly = rng.uniform(0.1, 0.9), rng.uniform(-0.2, 0.3)
    light = 1.12 - 0.45 * np.sqrt((xx - lx) ** 2 + (yy - ly) ** 2) * rng.uniform(0.5, 1.0)
    img = np.clip(light[..., None] * wall[None, None, :], 0, 255).astype(np.uint8)

    floor_y = int(rh * rng.uniform(0.72, 0.92))
    if rng.random() < 0.7:  # floor or desk edge
        img[floor_y:] = _jitter(tuple(rng.choice(np.array(_WOODS)).tolist()), rng, 15)
    if rng.random() < 0.35:  # ceiling with light panels (laptop looking up)
        cy = int(rh * rng.uniform(0.08, 0.22))
        img[:cy] = np.clip(img[:cy].astype(np.int16) + 18, 0, 255).astype(np.uint8)
        for _ in range(int(rng.integers(1, 4))):
            px, pw = int(rng.uniform(0, rw)), int(rw * rng.uniform(0.08, 0.2))
            cv2.rectangle(img, (px, 0), (px + pw, max(1, cy // 2)), (250, 250, 250), -1)
    items = rng.permutation(["door", "window", "shelf", "picture", "plant", "cabinet"])
    for item in items[: int(rng.integers(1, 4))]:
        _room_item(img, str(item), floor_y, rng)
    if empty_chair or rng.random() < 0.2:
        _chair(img, rng)
    if defocus > 0:
        k = max(1.0, defocus * rw / 60.0)
        img = cv2.GaussianBlur(img, (0, 0), k)
    out = cv2.resize(img, (w, h), interpolation=cv2.INTER_LINEAR)
    return out.astype(np.float32)


def _room_item(img: np.ndarray, item: str, floor_y: int, rng: np.random.Generator) -> None:
    rh, rw = img.shape[:2]
    x = int(rng.uniform(-0.05, 0.85) * rw)
    if item == "door":
        dw, dh = int(rw * rng.uniform(0.14, 0.22)), int(floor_y * rng.uniform(0.7, 0.9))
        top = floor_y - dh
        color = _jitter(tuple(rng.choice(np.array(_WOODS)).tolist()), rng)
        cv2.rectangle(img, (x - 2, top - 2), (x + dw + 2, floor_y), (235, 235, 235), -1)
        cv2.rectangle(img, (x, top), (x + dw, floor_y), color, -1)
        cv2.circle(img, (x + dw - max(2, dw // 8), top + dh // 2), max(1, dw // 20), (170, 170, 180), -1)
    elif item == "window":
        ww, wh = int(rw * rng.uniform(0.18, 0.35)), int(rh * rng.uniform(0.25, 0.45))
        top = int(rh * rng.uniform(0.08, 0.3))
        sky = _jitter((245, 230, 205), rng, 10)
        cv2.rectangle(img, (x - 3, top - 3), (x + ww + 3, top + wh + 3), (240, 240, 240), -1)
        cv2.rectangle(img, (x, top), (x + ww, top + wh), sky, -1)
        cv2.line(img, (x + ww // 2, top), (x + ww // 2, top + wh), (230, 230, 230), 2)
        if rng.random() < 0.5:
            cv2.line(img, (x, top + wh // 2), (x + ww, top + wh // 2), (230, 230, 230), 2)
        if rng.random() < 0.5:  # a blind
            cv2.rectangle(img, (x, top), (x + ww, top + int(wh * rng.uniform(0.2, 0.6))), (200, 208, 214), -1)
    elif item == "shelf":  # a board with lying book stacks and boxes (rows of upright
        # spines make BlazeFace see faces, so they are left out)
        sw = int(rw * rng.uniform(0.18, 0.32))
        sy = int(rh * rng.uniform(0.3, 0.55))
        bx = x + int(rng.integers(0, 6))
        while bx < x + sw - 10:
            kind, top = rng.random(), sy
            if kind < 0.6:
                for _ in range(int(rng.integers(2, 5))):
                    bw_, bh_ = int(rng.integers(10, 18)), int(rng.integers(2, 4))
                    col = tuple(int(v) for v in rng.choice(np.array(_BOOKS)))
                    cv2.rectangle(img, (bx, top - bh_), (bx + bw_, top - 1), col, -1)
                    top -= bh_
            else:
                bw_ = int(rng.integers(10, 20))
                cv2.rectangle(img, (bx, sy - int(rng.integers(6, 14))), (bx + bw_, sy - 1),
                              _jitter((170, 190, 200), rng, 40), -1)
            bx += bw_ + int(rng.integers(4, 16))
        cv2.rectangle(img, (x - 2, sy), (x + sw, sy + 3), _jitter((70, 100, 140), rng), -1)
    elif item == "picture":
        pw, ph = int(rw * rng.uniform(0.1, 0.2)), int(rh * rng.uniform(0.12, 0.25))
        top = int(rh * rng.uniform(0.1, 0.35))
        cv2.rectangle(img, (x - 2, top - 2), (x + pw + 2, top + ph + 2), (30, 30, 30), -1)
        cv2.rectangle(img, (x, top), (x + pw, top + ph), _jitter((150, 170, 120), rng, 60), -1)
        cv2.rectangle(img, (x, top + ph // 2), (x + pw, top + ph), _jitter((90, 120, 100), rng, 40), -1)
    elif item == "plant":
        px, base = x + 10, floor_y
        cv2.rectangle(img, (px - 6, base - 14), (px + 6, base), _jitter((60, 80, 150), rng), -1)
        for _ in range(6):
            cx, cy = px + int(rng.integers(-14, 15)), base - 14 - int(rng.integers(4, 30))
            axes = (int(rng.integers(4, 10)), int(rng.integers(2, 5)))
            cv2.ellipse(img, (cx, cy), axes, float(rng.uniform(0, 180)), 0, 360, _jitter((50, 120, 50), rng, 20), -1)
    elif item == "cabinet":
        cw, ch = int(rw * rng.uniform(0.2, 0.35)), int(rh * rng.uniform(0.2, 0.35))
        cv2.rectangle(img, (x, floor_y - ch), (x + cw, floor_y), _jitter((200, 200, 200), rng, 30), -1)
        cv2.line(img, (x + cw // 2, floor_y - ch), (x + cw // 2, floor_y), (120, 120, 120), 1)


def _chair(img: np.ndarray, rng: np.random.Generator) -> None:
    """An office chair back seen from the webcam (what an away student leaves)."""
    rh, rw = img.shape[:2]
    cw, ch = int(rw * rng.uniform(0.3, 0.45)), int(rh * rng.uniform(0.45, 0.65))
    cx = int(rw * rng.uniform(0.35, 0.65))
    color = _jitter((35, 35, 38), rng, 15)
    x0, y0 = cx - cw // 2, rh - ch
    _rounded_rect(img, x0, y0, cw, ch + 10, max(2, cw // 5), color)


# --------------------------------------------------------------------------------------
# Webcam frames
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Placed:
    portrait: _Portrait
    flip: bool


def _affine(src_w: int, src_h: int, pw: int, ph: int, s: float, tx: float, ty: float, flip: bool) -> np.ndarray:
    """Map an array of (src_w, src_h) pixels that represents the whole (pw, ph)
    portrait to the frame: x' = tx + s*x (mirrored: x' = tx + s*(pw - x))."""
    sx, sy = s * pw / src_w, s * ph / src_h
    if flip:
        return np.array([[-sx, 0.0, tx + s * pw], [0.0, sy, ty]], np.float32)
    return np.array([[sx, 0.0, tx], [0.0, sy, ty]], np.float32)


_CLOTHES: tuple[Color, ...] = (
    (40, 40, 40), (90, 60, 30), (150, 150, 150), (60, 90, 50), (30, 30, 110), (200, 200, 200),
    (120, 80, 60), (70, 50, 90), (170, 130, 90), (60, 60, 60),
)


def _draw_torso(frame: np.ndarray, face: FBox, person: "_Portrait", rng: np.random.Generator) -> None:
    """Neck, shoulders and chest under a face box (frame pixels), shaded, in place;
    the portrait's own neck and collar fade into it. Clothes continue the
    portrait's when it shows them, else come from a palette."""
    fx, fy, fw, fh = face
    H, W = frame.shape[:2]
    # work in the region below the face only (full-frame masks cost ~1 ms per tile)
    x0 = int(max(0, fx + fw / 2 - fw * 1.8))
    y0 = int(max(0, fy + fh * 0.6))
    x1 = int(min(W, fx + fw / 2 + fw * 1.8 + 2))
    if x1 - x0 < 2 or y0 >= H:
        return
    frame = frame[y0:, x0:x1]
    fx, fy = fx - x0, fy - y0
    h, w = frame.shape[:2]
    cx = fx + fw / 2
    top = fy + fh * rng.uniform(1.3, 1.45)  # shoulder line
    ax, ay = fw * rng.uniform(1.4, 1.65), fh * rng.uniform(0.55, 0.75)
    own = rng.random() < 0.7
    cloth = _jitter(person.cloth if own else _CLOTHES[int(rng.integers(len(_CLOTHES)))], rng, 6)
    skin = cloth if own else person.skin  # the portrait's collar continues as a high neck
    neck = np.zeros((h, w), np.uint8)
    cv2.rectangle(neck, (round(cx - fw * 0.24), round(fy + fh * 0.75)), (round(cx + fw * 0.24), round(top + ay * 0.5)), 255, -1)
    body = np.zeros((h, w), np.uint8)
    # neck base, sloping trapezius, a rounded shoulder (quarter ellipse), straight down
    half = ax / fw
    rel = [(-0.3, 0.0), (-0.9, 0.22)]
    for t in np.linspace(0.0, np.pi / 2, 6):
        rel.append((-(0.9 + (half - 0.9) * np.sin(t)), 0.22 + 0.9 * (1 - np.cos(t))))
    rel.append((-half, 99.0))
    pts = [(cx + dx * fw, top + dy * ay) for dx, dy in rel]
    pts += [(2 * cx - x, y) for x, y in reversed(pts)]
    cv2.fillPoly(body, [np.array([[round(x), round(min(y, h + 1))] for x, y in pts], np.int32)], 255, cv2.LINE_AA)
    sig = max(0.8, fw * 0.03)
    xs = np.abs(np.arange(w, dtype=np.float32) - cx) / max(ax, 1.0)
    shade = np.clip(1.0 - 0.3 * xs * xs, 0.55, 1.0)[None, :, None]
    for mask, color in ((neck, skin), (body, cloth)):
        a = (cv2.GaussianBlur(mask, (0, 0), sig).astype(np.float32) / 255.0)[..., None]
        frame *= 1.0 - a
        frame += a * (shade * np.array(color, np.float32)[None, None, :])


def _composite_person(frame: np.ndarray, person: _Placed, face_h: float, center: tuple[float, float],
                      window: np.ndarray | None, rng: np.random.Generator) -> FBox:
    """Draw a portrait (over a drawn torso) into ``frame`` (float32, in place) so
    that its face box has height ``face_h`` and centre ``center``; returns the face
    box in frame pixels."""
    P = person.portrait
    ph, pw = P.image.shape[:2]
    fx, fy, fw, fh = P.face
    if person.flip:
        fx = pw - fx - fw
    s = face_h / fh
    tx = center[0] - s * (fx + fw / 2)
    ty = center[1] - s * (fy + fh / 2)
    box = (tx + s * fx, ty + s * fy, s * fw, s * fh)
    H, W = frame.shape[:2]
    if window is None:
        _draw_torso(frame, box, P, rng)
    else:  # the torso must stay on this person's side of the frame
        part = frame.copy()
        _draw_torso(part, box, P, rng)
        wv = window[None, :, None]
        frame *= 1.0 - wv
        frame += part * wv
    level = P.level_for(s)
    lh, lw = level.shape[:2]
    warped = cv2.warpAffine(level, _affine(lw, lh, pw, ph, s, tx, ty, person.flip), (W, H),
                            flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    mh, mw = P.matte.shape[:2]
    alpha = cv2.warpAffine(P.matte, _affine(mw, mh, pw, ph, s, tx, ty, person.flip), (W, H),
                           flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    if window is not None:
        alpha *= window[None, :]
    a = alpha[..., None]
    frame *= 1.0 - a
    frame += warped.astype(np.float32) * a
    return box


def _degrade(frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Webcam look: white balance and exposure, lens softness, sensor noise, codec."""
    gains = rng.uniform(0.9, 1.1, 3).astype(np.float32)
    contrast, bias = rng.uniform(0.85, 1.08), rng.uniform(-14, 12)
    frame = (frame * gains - 128.0) * contrast + 128.0 + bias
    frame = cv2.GaussianBlur(frame, (0, 0), rng.uniform(0.4, 1.0))
    h, w = frame.shape[:2]
    frame += _noise(h, w, rng) * rng.uniform(1.5, 5.0)
    out = np.clip(frame, 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(50, 90))])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR) if ok else out


def _webcam_frame(vw: int, vh: int, people: Sequence[_Placed], rng: np.random.Generator
                  ) -> tuple[np.ndarray, list[FBox]]:
    """A (vh, vw) BGR webcam frame showing ``people`` (0, 1 or 2) in a room, and the
    face boxes in frame pixels. Composed at the stream's resolution (a 640-1280 px
    webcam), then scaled to the tile as the app does."""
    cap = float(rng.choice([640, 960, 1280]))
    k = min(1.0, cap / max(vw, vh))
    sw, sh = max(16, round(vw * k)), max(16, round(vh * k))
    frame = _room(sw, sh, rng, defocus=rng.uniform(0.3, 1.0) if people else 0.0,
                  empty_chair=not people and rng.random() < 0.5)
    boxes: list[FBox] = []
    if len(people) == 1:
        face_h = sh * rng.uniform(0.26, 0.42)
        face_h = min(face_h, _face_h_for_width(people[0], 0.42 * sw))
        c = _center(people[0], face_h, sw, sh, 0.5 + rng.uniform(-0.1, 0.1), rng.uniform(0.36, 0.5))
        boxes.append(_composite_person(frame, people[0], face_h, c, None, rng))
    elif len(people) == 2:
        mid = sw / 2 + rng.uniform(-0.03, 0.03) * sw
        feather = max(2.0, 0.04 * sw)
        x = np.arange(sw, dtype=np.float32)
        left = np.clip((mid + feather - x) / (2 * feather), 0, 1)
        for person, cx, win in ((people[0], 0.27, left), (people[1], 0.73, 1.0 - left)):
            face_h = sh * rng.uniform(0.2, 0.3)
            face_h = min(face_h, _face_h_for_width(person, 0.2 * sw))
            c = _center(person, face_h, sw, sh, cx + rng.uniform(-0.04, 0.04), rng.uniform(0.35, 0.52))
            boxes.append(_composite_person(frame, person, face_h, c, win, rng))
    out = _degrade(frame, rng)
    if (sw, sh) != (vw, vh):
        interp = cv2.INTER_AREA if sw > vw else cv2.INTER_LINEAR
        out = cv2.resize(out, (vw, vh), interpolation=interp)
        fx_, fy_ = vw / sw, vh / sh
        boxes = [(x * fx_, y * fy_, w * fx_, h * fy_) for x, y, w, h in boxes]
    return out, boxes


def _face_h_for_width(person: _Placed, max_w: float) -> float:
    _, _, fw, fh = person.portrait.face
    return max_w * fh / fw


def _center(person: _Placed, face_h: float, sw: int, sh: int, fx_rel: float, fy_rel: float) -> tuple[float, float]:
    """Face centre at the relative position, clamped so the face stays in frame."""
    _, _, fw, fh = person.portrait.face
    hw, hh = face_h * fw / fh / 2 + 2, face_h / 2 + 2
    cx = min(max(fx_rel * sw, hw), sw - hw)
    cy = min(max(fy_rel * sh, hh), sh - hh)
    return cx, cy


# --------------------------------------------------------------------------------------
# Tiles
# --------------------------------------------------------------------------------------
@dataclass
class _TilePlan:
    index: int
    bbox: BBox
    state: TileState
    name: str | None
    people: list[_Placed]
    video_aspect: float | None  # None: the video fills the tile
    speaker: bool


def _video_rect(tw: int, th: int, aspect: float | None) -> BBox:
    if aspect is None or aspect >= tw / th:
        return (0, 0, tw, th)
    vw = max(8, round(th * aspect))
    return ((tw - vw) // 2, 0, vw, th)


def _to_bbox(box: FBox, clip: BBox) -> BBox | None:
    """Round a float box to integer pixels, clipped to ``clip``."""
    x, y, w, h = box
    cx, cy, cw, ch = clip
    x0, y0 = max(round(x), cx), max(round(y), cy)
    x1, y1 = min(round(x + w), cx + cw), min(round(y + h), cy + ch)
    if x1 - x0 < 1 or y1 - y0 < 1:
        return None
    return (int(x0), int(y0), int(x1 - x0), int(y1 - y0))


def _render_live(tile: np.ndarray, plan: _TilePlan, rng: np.random.Generator) -> tuple[BBox, list[FBox]]:
    th, tw = tile.shape[:2]
    vx, vy, vw, vh = _video_rect(tw, th, plan.video_aspect)
    frame, boxes = _webcam_frame(vw, vh, plan.people, rng)
    tile[vy : vy + vh, vx : vx + vw] = frame
    return (vx, vy, vw, vh), [(x + vx, y + vy, w, h) for x, y, w, h in boxes]


def _render_card(tile: np.ndarray, plan: _TilePlan, look: _Look, u: float, rng: np.random.Generator) -> None:
    """Camera off: Zoom shows the name in big text or an initials square; Meet one
    letter in a circle; Teams two initials in a pastel circle."""
    th, tw = tile.shape[:2]
    cx, cy = tw // 2, th // 2
    if look.avatar == "square_or_name" and rng.random() < 0.55 and plan.name:
        px = min(th * 0.085, 30 * u * 1.4)
        text = _fit_text(plan.name, int(tw * 0.86), px, _FONT_BOLD, 2)
        if text:
            tx = cx - _text_width(text, px, _FONT_BOLD, 2) // 2
            _put_text(tile, text, tx, int(cy + px / 2), px, look.card_text, _FONT_BOLD, max(1, round(px / 14)))
        return
    color = tuple(int(v) for v in _AVATAR_COLORS[int(rng.integers(len(_AVATAR_COLORS)))])
    if look.avatar == "square_or_name":
        side = int(th * rng.uniform(0.26, 0.32))
        cv2.rectangle(tile, (cx - side // 2, cy - side // 2), (cx - side // 2 + side, cy - side // 2 + side), color, -1)
        letters, text_color, px = _initials(plan.name), (255, 255, 255), side * 0.3
    elif look.avatar == "circle":
        side = int(th * rng.uniform(0.3, 0.38))
        cv2.circle(tile, (cx, cy), side // 2, color, -1, cv2.LINE_AA)
        letters, text_color, px = _initials(plan.name, 1), (255, 255, 255), side * 0.42
    else:
        circle, text_color = _TEAMS_PASTELS[int(rng.integers(len(_TEAMS_PASTELS)))]
        side = int(th * rng.uniform(0.3, 0.36))
        cv2.circle(tile, (cx, cy), side // 2, circle, -1, cv2.LINE_AA)
        letters, px = _initials(plan.name), side * 0.3
    tx = cx - _text_width(letters, px, _FONT) // 2
    _put_text(tile, letters, tx, int(cy + px / 2), px, text_color, _FONT, max(1, round(px / 12)))


def _render_photo(tile: np.ndarray, plan: _TilePlan, look: _Look, rng: np.random.Generator) -> list[FBox]:
    """Camera off with a still profile photo shown small in the middle of the card."""
    th, tw = tile.shape[:2]
    person = plan.people[0]
    img, (fx, fy, fw, fh) = person.portrait.image, person.portrait.face
    ph, pw = img.shape[:2]
    c = min(max(fw, fh) * rng.uniform(1.8, 2.4), pw, ph)
    cx0 = min(max(fx + fw / 2 - c / 2, 0.0), pw - c)
    cy0 = min(max(fy + fh / 2 - c / 2, 0.0), ph - c)
    x0, y0, ci = int(round(cx0)), int(round(cy0)), int(c)
    crop = img[y0 : y0 + ci, x0 : x0 + ci]
    if person.flip:
        crop = crop[:, ::-1]
    side = max(8, int(th * rng.uniform(0.25, 0.33)))
    small = cv2.resize(crop, (side, side), interpolation=cv2.INTER_AREA)
    px0, py0 = (tw - side) // 2, (th - side) // 2
    roi = tile[py0 : py0 + side, px0 : px0 + side]
    if look.photo_shape == "circle":
        m = np.zeros((side, side), np.uint8)
        cv2.circle(m, (side // 2, side // 2), side // 2, 255, -1, cv2.LINE_AA)
        a = (m.astype(np.float32) / 255.0)[..., None]
        roi[:] = (small * a + roi * (1 - a) + 0.5).astype(np.uint8)
    else:
        roi[:] = small
    k = side / ci
    bx = (fx - x0) if not person.flip else (x0 + ci - (fx + fw))
    return [(px0 + bx * k, py0 + (fy - y0) * k, fw * k, fh * k)]


_MIC_RED: Color = (60, 60, 230)
# Zoom/Teams label box: 60% of a dark grey, so it reads ~(44,44,44) on a camera-off
# card (as measured on Zoom) and darkens bright video behind the name
_LABEL_BOX: Color = (50, 50, 50)


def _draw_label(tile: np.ndarray, name: str, look: _Look, u: float, muted: bool) -> str | None:
    """Name label at the bottom left; returns the exact text drawn (None if none fits)."""
    th, tw = tile.shape[:2]
    px = float(np.clip(11.5 * u, 6.0, th * 0.09))
    pad = max(2, round(px * 0.45))
    icon = round(px * 1.2) if muted else 0
    box_h = round(px + 2 * pad + px * 0.35)
    text = _fit_text(name, int(tw * 0.8) - icon - 2 * pad, px)
    if not text or box_h > th // 2:
        return None
    text_w = _text_width(text, px)
    if look.label_box:
        x0, y0 = (0, th - box_h) if look.radius == 0 else (round(4 * u), th - box_h - round(4 * u))
        _blend_rect(tile, x0, y0, text_w + icon + 2 * pad, box_h, _LABEL_BOX, 0.6)
        tx, base = x0 + pad + icon, y0 + pad + round(px)
        if muted:
            _mic_off(tile, x0 + pad + icon // 2 - 1, y0 + box_h // 2, px)
        _put_text(tile, text, tx, base, px, (255, 255, 255))
    else:  # Meet: white text with a soft shadow directly on the video
        x0, base = round(10 * u), th - round(10 * u)
        if muted:
            _mic_off(tile, x0 + icon // 2, base - round(px / 2), px)
        _put_text(tile, text, x0 + icon + 1, base + 1, px, (20, 20, 20))
        _put_text(tile, text, x0 + icon, base, px, (255, 255, 255))
    return text


def _mic_off(img: np.ndarray, cx: int, cy: int, px: float) -> None:
    r = max(2, round(px * 0.35))
    cv2.rectangle(img, (cx - r // 2, cy - r), (cx + r // 2, cy + r // 3), _MIC_RED, -1)
    cv2.line(img, (cx - r, cy - r), (cx + r, cy + r), _MIC_RED, max(1, round(px / 8)), cv2.LINE_AA)


def _draw_speaker(tile: np.ndarray, look: _Look, u: float) -> None:
    t = max(2, round(look.speaker_px * u))
    th, tw = tile.shape[:2]
    for k in range(t):  # cv2 centres thick lines on the edge; draw t nested 1 px frames
        cv2.rectangle(tile, (k, k), (tw - 1 - k, th - 1 - k), look.speaker, 1)


# --------------------------------------------------------------------------------------
# Chrome: title bar, in-meeting bars, toolbar, taskbar
# --------------------------------------------------------------------------------------
def _icon(img: np.ndarray, kind: str, cx: int, cy: int, s: int, color: Color) -> None:
    """Small monochrome toolbar glyphs (mic, camera, people, chat, ...)."""
    t = max(1, s // 8)
    if kind == "mic":
        _rounded_rect(img, cx - s // 4, cy - s // 2, s // 2, int(s * 0.7), s // 4, color)
        cv2.ellipse(img, (cx, cy), (s // 2, s // 2), 0, 0, 180, color, t, cv2.LINE_AA)
    elif kind == "camera":
        cv2.rectangle(img, (cx - s // 2, cy - s // 3), (cx + s // 6, cy + s // 3), color, -1)
        pts = np.array([[cx + s // 6, cy], [cx + s // 2, cy - s // 3], [cx + s // 2, cy + s // 3]], np.int32)
        cv2.fillPoly(img, [pts], color, cv2.LINE_AA)
    elif kind == "people":
        cv2.circle(img, (cx - s // 5, cy - s // 4), max(1, s // 5), color, -1, cv2.LINE_AA)
        cv2.ellipse(img, (cx - s // 5, cy + s // 3), (s // 3, s // 4), 0, 180, 360, color, -1, cv2.LINE_AA)
        cv2.rectangle(img, (cx + s // 5, cy - s // 3), (cx + s // 2, cy + s // 3), color, t)
    elif kind == "chat":
        _rounded_rect(img, cx - s // 2, cy - s // 3, s, int(s * 0.6), s // 6, color)
        pts = np.array([[cx - s // 4, cy + s // 4], [cx - s // 3, cy + s // 2], [cx, cy + s // 4]], np.int32)
        cv2.fillPoly(img, [pts], color)
    elif kind == "share":
        _rounded_rect(img, cx - s // 2, cy - s // 2, s, s, s // 5, (60, 180, 50))
        cv2.arrowedLine(img, (cx, cy + s // 3), (cx, cy - s // 3), (255, 255, 255), t, cv2.LINE_AA, 0, 0.4)
    elif kind == "record":
        cv2.circle(img, (cx, cy), s // 2, color, t, cv2.LINE_AA)
        cv2.circle(img, (cx, cy), max(1, s // 4), color, -1, cv2.LINE_AA)
    elif kind == "grid":
        q = max(1, s // 4)
        for dx in (-q - 1, 1):
            for dy in (-q - 1, 1):
                cv2.rectangle(img, (cx + dx, cy + dy), (cx + dx + q - 1, cy + dy + q - 1), color, -1)
    else:  # generic: a square outline with a dot
        cv2.rectangle(img, (cx - s // 2, cy - s // 2), (cx + s // 2, cy + s // 2), color, t)
        cv2.circle(img, (cx, cy), max(1, s // 6), color, -1)


def _title_bar(img: np.ndarray, y: int, h: int, title: str, bg: Color, fg: Color, u: float) -> None:
    W = img.shape[1]
    img[y : y + h] = bg
    px = max(6.0, h * 0.38)
    cv2.rectangle(img, (round(8 * u), y + h // 4), (round(8 * u) + h // 2, y + h // 4 + h // 2), (230, 140, 30), -1)
    _put_text(img, title, round(8 * u) + h, y + h // 2 + round(px / 2), px, fg)
    for k, glyph in enumerate(("close", "max", "min")):
        cx = W - round((22 + 46 * k) * u)
        r = max(3, round(5 * u))
        if glyph == "close":
            cv2.line(img, (cx - r, y + h // 2 - r), (cx + r, y + h // 2 + r), fg, 1, cv2.LINE_AA)
            cv2.line(img, (cx - r, y + h // 2 + r), (cx + r, y + h // 2 - r), fg, 1, cv2.LINE_AA)
        elif glyph == "max":
            cv2.rectangle(img, (cx - r, y + h // 2 - r), (cx + r, y + h // 2 + r), fg, 1)
        else:
            cv2.line(img, (cx - r, y + h // 2), (cx + r, y + h // 2), fg, 1)


def _taskbar(img: np.ndarray, h: int, rng: np.random.Generator, u: float) -> None:
    H, W = img.shape[:2]
    y = H - h
    bg = [(32, 32, 32), (235, 222, 211), (60, 40, 20)][int(rng.integers(3))]
    fg = (240, 240, 240) if sum(bg) < 384 else (20, 20, 20)
    img[y:] = bg
    s = max(6, round(h * 0.45))
    cy = y + h // 2
    x = round(14 * u)
    q = s // 2 - 1
    for dx in (0, q + 2):  # start button
        for dy in (0, q + 2):
            cv2.rectangle(img, (x + dx, cy - s // 2 + dy), (x + dx + q, cy - s // 2 + dy + q), (215, 120, 0), -1)
    x += round(46 * u)
    for _ in range(int(rng.integers(6, 16))):
        color = _AVATAR_COLORS[int(rng.integers(len(_AVATAR_COLORS)))]
        _rounded_rect(img, x, cy - s // 2, s, s, max(1, s // 5), color)
        x += round(40 * u)
        if x > W * 0.6:
            break
    px = max(6.0, h * 0.25)
    clock = f"{int(rng.integers(8, 13))}:{int(rng.integers(0, 60)):02d} AM"
    _put_text(img, clock, W - round(20 * u) - _text_width(clock, px), cy + round(px / 2), px, fg)


def _zoom_chrome(img: np.ndarray, look: _Look, u: float, rng: np.random.Generator, top: int, bottom: int) -> tuple[int, int]:
    W = img.shape[1]
    # in-meeting top strip: security shield at left, "View" at right
    h = round(40 * u)
    img[top : top + h] = look.bg
    s = round(14 * u)
    cv2.circle(img, (round(20 * u), top + h // 2), s // 2 + 1, (80, 190, 40), -1, cv2.LINE_AA)
    px = 11 * u
    _icon(img, "grid", W - round(70 * u), top + h // 2, s, look.chrome_text)
    _put_text(img, "View", W - round(58 * u), top + h // 2 + round(px / 2), px, look.chrome_text)
    top += h
    # bottom toolbar
    h = round(72 * u)
    y = bottom - h
    img[y:bottom] = look.chrome
    buttons = [("mic", "Mute"), ("camera", "Stop Video"), ("people", "Participants"), ("chat", "Chat"),
               ("share", "Share Screen"), ("record", "Record"), ("generic", "Reactions"), ("generic", "Apps")]
    s = round(22 * u)
    px = 10.5 * u
    xs = [round(35 * u), round(110 * u)] + [round(W / 2 + (k - 2.5) * 95 * u) for k in range(6)]
    for (kind, label), cx in zip(buttons, xs):
        _icon(img, kind, cx, y + round(28 * u), s, look.chrome_text)
        tw_ = _text_width(label, px)
        _put_text(img, label, cx - tw_ // 2, y + round(58 * u), px, look.chrome_text)
    bw, bh = round(62 * u), round(28 * u)
    _rounded_rect(img, W - bw - round(14 * u), y + (h - bh) // 2, bw, bh, round(6 * u), (40, 40, 200))
    _put_text(img, "Leave", W - bw - round(14 * u) + round(12 * u), y + h // 2 + round(px / 2), px, (255, 255, 255))
    return top, y


def _meet_chrome(img: np.ndarray, look: _Look, u: float, rng: np.random.Generator, top: int, bottom: int) -> tuple[int, int]:
    W = img.shape[1]
    code = "".join(chr(97 + int(rng.integers(26))) for _ in range(10))
    code = f"{code[:3]}-{code[3:7]}-{code[7:]}"
    # address bar
    h = round(38 * u)
    bar = (60, 56, 53) if look.bg[0] < 128 else (240, 240, 240)
    img[top : top + h] = bar
    _rounded_rect(img, round(110 * u), top + round(5 * u), W - round(220 * u), h - round(10 * u), (h - round(10 * u)) // 2,
                  (36, 33, 32) if look.bg[0] < 128 else (255, 255, 255))
    _put_text(img, f"meet.google.com/{code}", round(135 * u), top + h // 2 + round(5 * u), 11 * u, look.chrome_text)
    top += h
    # bottom bar: time | code, round buttons, red hang-up pill
    h = round(80 * u)
    y = bottom - h
    img[y:bottom] = look.bg
    px = 12 * u
    _put_text(img, f"10:{int(rng.integers(0, 60)):02d} AM | {code}", round(24 * u), y + h // 2 + round(px / 2), px,
              look.chrome_text)
    r = round(20 * u)
    btn = (67, 64, 60) if look.bg[0] < 128 else (218, 220, 224)
    for k, kind in enumerate(("mic", "camera", "generic", "chat", "share")):
        cx = round(W / 2 + (k - 2.5) * 56 * u)
        cv2.circle(img, (cx, y + h // 2), r, btn, -1, cv2.LINE_AA)
        _icon(img, kind, cx, y + h // 2, round(r * 0.9), look.chrome_text)
    _rounded_rect(img, round(W / 2 + 3 * 56 * u - r * 1.3), y + h // 2 - r, round(2.6 * r), 2 * r, r, (53, 67, 234))
    for k, kind in enumerate(("people", "chat", "generic")):
        _icon(img, kind, W - round((40 + 48 * k) * u), y + h // 2, round(20 * u), look.chrome_text)
    return top, y


def _teams_chrome(img: np.ndarray, look: _Look, u: float, rng: np.random.Generator, top: int, bottom: int) -> tuple[int, int]:
    W = img.shape[1]
    h = round(52 * u)
    img[top : top + h] = look.chrome
    px = 12 * u
    timer = f"{int(rng.integers(0, 2)):02d}:{int(rng.integers(0, 60)):02d}:{int(rng.integers(0, 60)):02d}"
    _put_text(img, timer, round(18 * u), top + h // 2 + round(px / 2), px, look.chrome_text)
    labels = ("Chat", "People", "Raise", "React", "View", "More", "Camera", "Mic", "Share")
    kinds = ("chat", "people", "generic", "generic", "grid", "generic", "camera", "mic", "share")
    x = W - round(140 * u) - len(labels) * round(58 * u)
    for kind, label in zip(kinds, labels):
        _icon(img, kind, x, top + round(20 * u), round(16 * u), look.chrome_text)
        pl = 9 * u
        _put_text(img, label, x - _text_width(label, pl) // 2, top + round(44 * u), pl, look.chrome_text)
        x += round(58 * u)
    bw, bh = round(90 * u), round(32 * u)
    _rounded_rect(img, W - bw - round(20 * u), top + (h - bh) // 2, bw, bh, round(4 * u), (60, 52, 196))
    _put_text(img, "Leave", W - bw + round(4 * u), top + h // 2 + round(px / 2), px, (255, 255, 255))
    cv2.line(img, (0, top + h - 1), (W - 1, top + h - 1), tuple(int(v * 0.8) for v in look.chrome), 1)
    return top + h, bottom


_TITLES = {"zoom": "Zoom Meeting", "meet": "Meet - Google Chrome", "teams": "Meeting | Microsoft Teams"}


def _draw_chrome(img: np.ndarray, style: str, look: _Look, u: float, rng: np.random.Generator) -> tuple[int, int]:
    """Window chrome around the meeting area; returns its (top, bottom) rows."""
    H = img.shape[0]
    top, bottom = 0, H
    if rng.random() < 0.6:
        th_ = max(14, round(32 * u))
        _taskbar(img, max(16, round(40 * u)), rng, u)
        bottom = H - max(16, round(40 * u))
    else:
        th_ = max(14, round(30 * u))
    dark_title = look.bg[0] < 128 and rng.random() < 0.5
    title_bg = (32, 32, 32) if dark_title else (255, 255, 255)
    title_fg = (230, 230, 230) if dark_title else (20, 20, 20)
    _title_bar(img, 0, th_, _TITLES[style], title_bg, title_fg, u)
    top = th_
    draw: Callable[..., tuple[int, int]] = {"zoom": _zoom_chrome, "meet": _meet_chrome, "teams": _teams_chrome}[style]
    return draw(img, look, u, rng, top, bottom)


# --------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------
def _check_args(n_tiles: int, size: tuple[int, int], style: str, theme: str, letterbox: float,
                two_people: float, active_speaker: int | None) -> None:
    if not 1 <= n_tiles <= MAX_TILES:
        raise ValueError(f"n_tiles must be in 1..{MAX_TILES}, got {n_tiles}")
    W, H = size
    if not (MIN_SIZE[0] <= W <= MAX_SIZE[0] and MIN_SIZE[1] <= H <= MAX_SIZE[1]):
        raise ValueError(f"size must be between {MIN_SIZE} and {MAX_SIZE} (width, height), got {size}")
    _look(style, theme)
    for what, v in (("letterbox", letterbox), ("two_people", two_people)):
        if not 0.0 <= v <= 1.0:
            raise ValueError(f"{what} must be a fraction in [0, 1], got {v}")
    if active_speaker is not None and not 0 <= active_speaker < n_tiles:
        raise ValueError(f"active_speaker must be a tile index in 0..{n_tiles - 1}, got {active_speaker}")


def _pick(rng: np.random.Generator, candidates: list[int], fraction: float) -> set[int]:
    """Exactly round(fraction * len) of the candidates, chosen at random."""
    k = int(round(fraction * len(candidates)))
    return {candidates[i] for i in rng.permutation(len(candidates))[:k]}


def _usable_portraits(portraits: Sequence[np.ndarray], need: int, rng: np.random.Generator) -> list[_Portrait]:
    """Up to ``need`` distinct portraits with a detectable face, in a seeded random
    order. Only the portraits visited are analysed, so passing a large collection
    costs no more than the few that are used."""
    out: list[_Portrait] = []
    for i in rng.permutation(len(portraits)):
        if len(out) >= need:
            break
        img = as_bgr(np.asarray(portraits[int(i)]), where=f"portrait {int(i)}")
        key = _portrait_key(img)
        box = _face_box(img, key)
        if box is not None and box[3] >= MIN_FACE_PX:
            matte, (cloth, skin) = _portrait_matte(img, key, box)
            out.append(_Portrait(img, box, matte, cloth, skin))
    return out


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
    seed: int = 0,
) -> SynthGallery:
    """Render a gallery screenshot of ``n_tiles`` participants and its ground truth.

    ``portraits``: BGR (or gray) arrays of single people; those in which no face is
    found are skipped (an error only if face/photo tiles need one). ``size`` is
    (width, height). ``states`` gives each tile's state (all ``face`` when None).
    ``letterbox``: the fraction of live tiles whose webcam is 4:3 / 3:4 / 9:16 inside
    the 16:9 tile, between bars of the card colour. ``two_people``: the fraction of
    face tiles showing two people. ``chrome``: draw a title bar, the app's toolbars
    and (for some seeds) a taskbar around the grid. ``names``: one label per tile
    (None entry: no label); a seeded choice of :data:`DEFAULT_NAMES` when None.
    """
    _check_args(n_tiles, size, style, theme, letterbox, two_people, active_speaker)
    look = _look(style, theme)
    rng = np.random.default_rng(seed)
    st = [TileState.FACE] * n_tiles if states is None else [TileState(s) for s in states]
    if len(st) != n_tiles:
        raise ValueError(f"states has {len(st)} entries for {n_tiles} tiles")
    labels = _names(names, n_tiles, rng)

    W, H = size
    u = float(np.clip(min(W / 1920, H / 1080), 0.5, 2.0))
    image = np.empty((H, W, 3), np.uint8)
    image[:] = look.bg
    top, bottom = _draw_chrome(image, style, look, u, rng) if chrome else (0, H)
    gap = max(2, round(look.gap * u))
    area = (gap, top + gap, W - 2 * gap, bottom - top - 2 * gap)
    grid, boxes = grid_layout(n_tiles, area, gap)

    plans = _plan_tiles(portraits, boxes, st, labels, letterbox, two_people, active_speaker, rng)
    tiles = tuple(_render_tile(image, p, look, u, rng) for p in plans)
    return SynthGallery(image=image, tiles=tiles, style=style, theme=theme, grid=grid,
                        area=area, gap=gap, bg=look.bg)


def _names(names: Sequence[str | None] | None, n: int, rng: np.random.Generator) -> list[str | None]:
    if names is None:
        return [DEFAULT_NAMES[i] for i in rng.permutation(len(DEFAULT_NAMES))[:n]]
    if len(names) < n:
        raise ValueError(f"names has {len(names)} entries for {n} tiles")
    out = list(names[:n])
    for nm in out:
        if nm is not None and not nm.isascii():
            raise ValueError(f"names must be ASCII (OpenCV text), got {nm!r}")
    return out


def _plan_tiles(portraits: Sequence[np.ndarray], boxes: list[BBox], states: list[TileState],
                labels: list[str | None], letterbox: float, two_people: float,
                active_speaker: int | None, rng: np.random.Generator) -> list[_TilePlan]:
    """Decide, before drawing, who appears where and how (so that the random draws
    for layout decisions do not depend on image size)."""
    needs = [i for i, s in enumerate(states) if s in (TileState.FACE, TileState.PHOTO)]
    live = [i for i, s in enumerate(states) if s in (TileState.FACE, TileState.NO_FACE)]
    boxed = _pick(rng, live, letterbox)
    pairs = _pick(rng, [i for i in live if states[i] is TileState.FACE], two_people)
    usable = _usable_portraits(portraits, len(needs) + len(pairs), rng) if needs else []
    if needs and not usable:
        raise ValueError("no portrait with a detectable face: face/photo tiles cannot be drawn")
    order = list(range(len(usable)))
    cursor = 0
    plans = []
    for i, (box, state) in enumerate(zip(boxes, states)):
        people: list[_Placed] = []
        if state in (TileState.FACE, TileState.PHOTO):
            for k in range(2 if i in pairs else 1):
                por = usable[int(order[cursor % len(order)])]
                cursor += 1
                flip = bool(rng.random() < 0.5) if k == 0 else not people[0].flip
                people.append(_Placed(por, flip))
        shapes = [4 / 3] if i in pairs else [4 / 3, 4 / 3, 3 / 4, 9 / 16]  # pairs need width
        aspect = float(rng.choice(shapes)) if i in boxed else None
        plans.append(_TilePlan(i, box, state, labels[i], people, aspect, i == active_speaker))
    return plans


def _render_tile(image: np.ndarray, plan: _TilePlan, look: _Look, u: float, rng: np.random.Generator) -> SynthTile:
    x, y, w, h = plan.bbox
    tile = np.empty((h, w, 3), np.uint8)
    tile[:] = look.card
    video: BBox | None = None
    faces: list[FBox] = []
    if plan.state in (TileState.FACE, TileState.NO_FACE):
        video, faces = _render_live(tile, plan, rng)
    elif plan.state is TileState.PHOTO:
        faces = _render_photo(tile, plan, look, rng)
    else:
        _render_card(tile, plan, look, u, rng)
    muted = bool(rng.random() < 0.4)
    text = _draw_label(tile, plan.name, look, u, muted) if plan.name else None
    if plan.speaker:
        _draw_speaker(tile, look, u)
    if look.radius > 0:
        _round_corners(tile, max(2, round(look.radius * u)), look.bg)
    image[y : y + h, x : x + w] = tile
    clip = video if video is not None else (0, 0, w, h)
    gt = [b for b in (_to_bbox(f, clip) for f in faces) if b is not None]
    return SynthTile(
        index=plan.index,
        bbox=plan.bbox,
        state=plan.state,
        name=text,
        face_boxes=tuple((bx + x, by + y, bw, bh) for bx, by, bw, bh in gt),
        video_bbox=None if video is None else (video[0] + x, video[1] + y, video[2], video[3]),
    )


# --------------------------------------------------------------------------------------
# Random realistic cases for sweeps
# --------------------------------------------------------------------------------------
_SIZES: tuple[tuple[int, int], ...] = (
    (640, 400), (1024, 640), (1232, 679), (1244, 705), (1280, 720), (1366, 768), (1440, 900),
    (1536, 864), (1600, 900), (1920, 1080), (1920, 1200), (2560, 1440), (3840, 2160),
)


def random_gallery(portraits: Sequence[np.ndarray], rng: np.random.Generator) -> SynthGallery:
    """A random but realistic gallery for test sweeps: app, theme, size, class size
    (mostly small classes), a mix of states dominated by live faces, some
    letterboxed webcams, occasional pairs, speaker border and chrome."""
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
        chrome=bool(rng.random() < 0.5), seed=int(rng.integers(2**31)),
    )


# --------------------------------------------------------------------------------------
# A class over time: the same people in the same rooms, frame after frame
# --------------------------------------------------------------------------------------
def webcam_view(portrait: np.ndarray, size: tuple[int, int] = (640, 360), *, seed: int = 0,
                present: bool = True) -> np.ndarray:
    """One participant's webcam picture (BGR, ``size`` = (w, h)): their room, with them
    in it (``present``) or the same room empty (they stepped away). The room, the
    light, the framing and the person depend only on ``seed``."""
    sw, sh = int(size[0]), int(size[1])
    frame = _room(sw, sh, np.random.default_rng(seed), defocus=0.6)
    if present:
        rng = np.random.default_rng(seed + 1)
        usable = _usable_portraits([portrait], 1, rng)
        if not usable:
            raise ValueError("no face found in the portrait: it cannot be drawn as a participant")
        person = _Placed(usable[0], bool(rng.random() < 0.5))
        face_h = min(sh * rng.uniform(0.28, 0.40), _face_h_for_width(person, 0.42 * sw))
        c = _center(person, face_h, sw, sh, 0.5 + rng.uniform(-0.1, 0.1), rng.uniform(0.38, 0.5))
        _composite_person(frame, person, face_h, c, None, rng)
    return _degrade(frame, np.random.default_rng(seed + 2))


def compose_gallery(views: Sequence[np.ndarray | None], size: tuple[int, int] = (1280, 720), *,
                    names: Sequence[str | None] | None = None, style: str = "zoom", theme: str = "dark",
                    noise: float = 2.0, seed: int = 0) -> SynthGallery:
    """A gallery frame from one picture per participant, in tile order: a webcam view
    (scaled to fill the tile, plus fresh sensor noise of ``noise`` grey levels so
    consecutive frames differ as live video does) or None for a camera-off card.
    Cards (initials colour) depend on the participant's name, not on the frame."""
    n = len(views)
    _check_args(n, size, style, theme, 0.0, 0.0, None)
    look = _look(style, theme)
    rng = np.random.default_rng(seed)
    labels = _names(names, n, np.random.default_rng(0))
    W, H = size
    u = float(np.clip(min(W / 1920, H / 1080), 0.5, 2.0))
    image = np.empty((H, W, 3), np.uint8)
    image[:] = look.bg
    gap = max(2, round(look.gap * u))
    area = (gap, gap, W - 2 * gap, H - 4 * gap)
    grid, boxes = grid_layout(n, area, gap)
    tiles = []
    for i, (view, box, name) in enumerate(zip(views, boxes, labels)):
        x, y, w, h = box
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
            plan = _TilePlan(i, box, TileState.CAMERA_OFF, name, [], None, False)
            _render_card(tile, plan, look, u, np.random.default_rng(key))
            state = TileState.CAMERA_OFF
        text = _draw_label(tile, name, look, u, False) if name else None
        if look.radius > 0:
            _round_corners(tile, max(2, round(look.radius * u)), look.bg)
        image[y : y + h, x : x + w] = tile
        tiles.append(SynthTile(index=i, bbox=box, state=state, name=text, face_boxes=(), video_bbox=None))
    return SynthGallery(image=image, tiles=tuple(tiles), style=style, theme=theme, grid=grid,
                        area=area, gap=gap, bg=look.bg)
