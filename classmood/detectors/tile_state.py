"""Tile state: live face, live but empty, camera-off card, or still profile photo.

Why layout and not appearance: one frame of a still profile photo and one frame of a
live webcam look alike to a face detector. What differs is how the app draws them.
A camera-off tile is a *card*: a flat, UI-drawn colour (exact pixel values, a
neutral grey in Zoom, Meet and Teams) filling the tile, with a small centred thing
on it: the name in big text, an initials square/circle in a flat saturated colour,
or a small photographic square/circle (the profile photo). Live video instead fills
the tile (or, letterboxed, a full-height band between flat bars) with camera
content: sensor noise, lighting gradients, compression: never one exact colour.

So the classifier measures, inside the tile and away from its name label:

1. the tile's card colour: the commonest colour of a ring just inside the tile edge;
2. ``flat``: the fraction of pixels within a couple of levels of that colour;
3. the bounding box of everything else (the "content"): its size, whether it is
   centred and whether it spans the tile from top to bottom (a letterboxed video);
4. inside that box, how photographic the content is: the colour entropy and the
   share of the two commonest colours (flat fill + text vs. a photo's many colours).

Across frames, :class:`StillnessMonitor` adds what one frame cannot show: a profile
photo never changes, while live video on screen always does (sensor noise alone changes
most pixels in every frame); a recording's codec holds still pictures too, so stillness
counts only while another tile of the frame moves. ``classify(..., still_seconds=...)``
turns a face tile whose content has not changed for
:attr:`TileStateClassifier.photo_still_s` such seconds into ``photo``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass
from typing import Any, Hashable, Mapping, Sequence

import cv2
import numpy as np

from ..geometry import inner_region
from ..types import Face, Tile, TileState

__all__ = ["TileFeatures", "TileStateClassifier", "StillnessMonitor"]

# A profile photo drawn to the card's full height is square (width / height between the
# flat bars 1.01-1.02 measured on three real Zoom screenshots); a letterboxed camera is 4:3
# (1.33; as low as 1.15 measured on synthetic tiles whose wall nears the card colour),
# 3:4 (0.75), 16:9 or a phone's 9:16 (0.56).
_SQUARE_PHOTO = (0.92, 1.08)

HOLD_SHARE = 0.25
"""A tile whose picture shows less than this share of its samples (the rest under our own
windows, ignored) gives no evidence of stillness either way: its still seconds hold."""

# Analysis grid: tiles are sampled (nearest, never averaged: averaging would smooth
# camera noise into a fake flat colour) to at most this many pixels on the long side.
_SAMPLE_LONG_SIDE = 320
_CHROMA_BLOCK = 16
"""Pixels: JPEG's and H.264's colour block at 4:2:0 (two 8 px blocks of half-resolution
colour), how far a coloured edge's colour bleeds into a flat area."""
_BORDER_SEARCH = 12
"""Pixels from a tile's edge searched for an active-speaker border (Zoom's is 3-7 px, and
a tile box may start a few pixels outside it)."""
_JPEG_BLOCK = 9
"""Pixels of a neighbour's JPEG ringing inside a tile's edge: one 8 x 8 block (and the
pixel a fitted box may be off), whatever the tile's size."""

_LUMA = np.array([0.114, 0.587, 0.299])
"""BT.601 luma weights of B, G, R (OpenCV's BGR2GRAY)."""
CHROMA_TOL = 6
"""Levels a card pixel's channels may stray from its brightness change (see :func:`_near`):
twice the 3 levels that H.264 at CRF 40 moved a Zoom card's grey in blue; an initials
disc, coloured text or a photo's skin differs from a grey card by tens of levels."""
ONE_COLOUR_LEVELS = 2
"""Grey levels around a card's brightness that lossy capture leaves it in. Measured: a Zoom
card through H.264 at CRF 40 is flat in 16 px blocks whose levels step by one (33 above the
name, 34 below) and rings to +2 beside the name's rows; within 2 levels on every side of the
ring: 0.87-1.0 for the shared real cards at PNG, JPEG q50 and H.264 CRF 40 (within 1 level:
0.64-1.0, and 0.74 at CRF 40, read as a wall). A camera's wall passes it too when its noise is
even (2 levels of sensor noise, no gradient: 0.88-0.89; 1 level and a gradient of 3 levels
across the tile: 0.81-0.82, of 6: 0.86-0.88, the second-least side taken): what tells a wall
from a card after lossy capture is ``TileFeatures.ring_smooth`` (0.48 and 0.68-0.72 there)."""


@dataclass(frozen=True)
class TileFeatures:
    """What :meth:`TileStateClassifier.explain` measured on one tile (for debugging,
    tests and tuning; fractions are of the analysed pixels, boxes tile-relative)."""

    card_color: tuple[int, int, int]
    """BGR mode of the ring just inside the tile edge."""
    card_neutral: bool
    """The card colour is a neutral grey (what every app draws its cards in)."""
    ring_flat: float
    """Fraction of the ring within ``tol`` of the card colour."""
    ring_exact: float
    """Fraction of the ring *exactly* the card colour: an app draws its cards in one
    exact colour; a camera never produces one (noise, gradients)."""
    ring_one_colour: float
    """The second least, over the ring's sides (the least with under three sides to judge),
    of the share of its card-coloured pixels whose
    brightness is within ``ONE_COLOUR_LEVELS`` grey levels of the ring's median: a UI colour
    after lossy capture (a level or two of codec noise, the same on every side); a camera's
    wall has sensor noise and a lighting gradient."""
    ring_smooth: float
    """Share of side-by-side pairs of card-coloured ring samples whose brightness differs
    by at most one grey level: a UI colour is smooth from pixel to pixel even where a codec
    moved it (in steps between 8-16 px blocks); a camera's wall has sensor noise in every
    pixel."""
    bars_only: bool
    """Only the ring's left and right sides are flat: content fills the tile's height
    between two flat bars (a letterboxed video, or a profile photo that fills the card's
    height)."""
    flat: float
    """Fraction of the tile (label corner excluded) within ``tol`` of the card colour."""
    content_box: tuple[float, float, float, float] | None
    """Bounding box (x, y, w, h) of the non-card content, as fractions of the tile."""
    content_offset: float
    """Distance of the content box's centre from the tile centre (fraction of size)."""
    spans_height: bool
    """The content runs from the top to the bottom of the tile (letterboxed video)."""
    window_aspect: float
    """Width / height of what lies between the flat bars when the content spans the
    height (0 otherwise): the bars are the columns of card colour from top to bottom."""
    touches_edge: bool
    """The content reaches the edge of the analysed area (a card's content never does)."""
    entropy: float
    """Colour entropy (bits, 4 bits per channel) of the content pixels."""
    top2: float
    """Share of the content pixels in the two commonest colours."""
    dominance: float
    """Share of the content's core pixels within 12 levels of its commonest colour:
    high for a flat fill or text, low for a photo."""
    squareness: float
    """Content box aspect (short side / long side)."""
    fill: float
    """Share of the content box that is content (a square ~1, a circle ~0.79)."""
    faces_in_content: int
    """Detected faces whose centre lies inside the content box."""
    state: TileState
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """Every feature as plain JSON values (the state as its string)."""
        d = asdict(self)
        d["state"] = self.state.value
        return d


class TileStateClassifier:
    """Classify a tile as face / no_face / camera_off / photo from one frame (and,
    optionally, how long its content has been still).

    Thresholds (measured on real Zoom screenshots and synthetic Zoom/Meet/Teams
    galleries, see ``tests/detectors/test_tile_state.py``):

    ``tol``: a pixel belongs to the card when its brightness is within ``tol`` levels
    of the card colour's (and its colour a grey like the card's: :func:`_near`); apps draw cards in exact colours, a lossy screen capture
    moves them by a level or two. ``min_flat``: a card tile has at least this
    fraction of card-coloured pixels (an initials square or a photo covers at most
    ~15% of a tile, a big name less). ``min_ring_flat``/``min_ring_exact``: the ring
    just inside the tile edge is card colour (within ``tol`` / exactly) at least this
    often; camera footage of a plain wall is flat but never exact. ``min_ring_one_colour``:
    after lossy capture (a re-saved screenshot, a recording) the card is no longer exact but
    its brightness stays within ``ONE_COLOUR_LEVELS`` of one grey on every side of the ring
    but one (0.87-1.0 on the 111 real camera-off cards of the shared screenshots, PNG and
    JPEG q50, and on Zoom cards through H.264 at CRF 40; a camera's wall with 1 level of noise
    and a gradient of 3 levels across it 0.81-0.82, of 6 levels 0.86-0.88: see
    ``ONE_COLOUR_LEVELS``). ``min_ring_smooth``: and it is smooth from pixel to pixel
    (``TileFeatures.ring_smooth``: >= 0.87 on the same real cards and captures; a camera's
    wall with 1 level of sensor noise 0.68-0.72, 2 levels 0.48). ``photo_dominance``:
    content whose commonest colour covers less than this share is a photo (measured
    on 1,479 synthetic card contents, PNG and JPEG q70/q90: initials and names
    >= 0.81, photos <= 0.51). ``photo_squareness``: a profile photo is a square or
    a circle (short/long side >= 0.77 measured); a wide line of content is a name
    (<= 0.39). ``photo_still_s``: a face tile unchanged for this long
    is a photo.
    """

    def __init__(
        self,
        tol: int = 3,
        min_flat: float = 0.6,
        min_ring_flat: float = 0.75,
        min_ring_exact: float = 0.5,
        min_ring_one_colour: float = 0.85,
        min_ring_smooth: float = 0.8,
        photo_squareness: float = 0.6,
        photo_dominance: float = 0.66,
        photo_still_s: float = 4.0,
    ) -> None:
        self.tol = int(tol)
        self.min_flat = float(min_flat)
        self.min_ring_flat = float(min_ring_flat)
        self.min_ring_exact = float(min_ring_exact)
        self.min_ring_one_colour = float(min_ring_one_colour)
        self.min_ring_smooth = float(min_ring_smooth)
        self.photo_squareness = float(photo_squareness)
        self.photo_dominance = float(photo_dominance)
        self.photo_still_s = float(photo_still_s)

    # -- public -----------------------------------------------------------------------
    def classify(
        self,
        image_bgr: np.ndarray,
        tile: Tile,
        faces: Sequence[Face],
        still_seconds: float | None = None,
    ) -> TileState:
        """The tile's state.

        Args:
            image_bgr: the frame, BGR uint8 of shape (H, W, 3).
            tile: the tile to classify (its box in frame pixels).
            faces: the detector's faces in this tile (full-frame pixels).
            still_seconds: how long the tile's pixels have not changed (from
                :class:`StillnessMonitor`); a face tile still for ``photo_still_s``
                seconds becomes ``photo``. None: not known (one frame).

        Returns:
            ``face`` / ``no_face`` for live video, ``camera_off`` for a name or initials
            card, ``photo`` for a still profile photo.
        """
        tile = _inside_border(image_bgr, tile)
        crop = tile.crop(image_bgr)
        if crop.shape[0] >= 8 and crop.shape[1] >= 8 and self._edge_is_live(crop):
            # Fast path (most tiles): the first two layout rules already say "live
            # video", so the full measurement could not change the answer.
            state = TileState.FACE if faces else TileState.NO_FACE
            if state is TileState.FACE and still_seconds is not None and still_seconds >= self.photo_still_s:
                return TileState.PHOTO
            return state
        return self._explain_inside(image_bgr, tile, faces, still_seconds).state

    def _edge_is_live(self, crop: np.ndarray) -> bool:
        """The tile's edge ring is not one flat neutral UI grey: it shows video.
        Exactly the first two rules of :meth:`_decide_layout`, on the ring alone."""
        sides = _ring_sides(crop)
        card = _mode_color(np.concatenate(sides))
        if max(card) - min(card) > 12:
            return True
        ring_flat, lr_flat = _ring_flatness(sides, card, self.tol)
        if ring_flat >= self.min_ring_flat:
            return False
        if lr_flat < self.min_ring_flat:
            return True
        # flat side bars, content filling the height between them: only a square window
        # can be a profile photo (:meth:`_letterbox`); a camera's 4:3, 16:9 or 9:16 is video
        lo, hi = _SQUARE_PHOTO
        return not 0.8 * lo <= _top_window_aspect(crop, card, self.tol) <= 1.2 * hi

    def explain(
        self,
        image_bgr: np.ndarray,
        tile: Tile,
        faces: Sequence[Face],
        still_seconds: float | None = None,
    ) -> TileFeatures:
        """Like :meth:`classify`, with every measured feature and the reason. A tile
        framed by a coloured border (the active speaker's) is measured inside it
        (:func:`_inside_border`); the content box is then a fraction of that part."""
        return self._explain_inside(image_bgr, _inside_border(image_bgr, tile), faces, still_seconds)

    def _explain_inside(self, image_bgr: np.ndarray, tile: Tile, faces: Sequence[Face],
                        still_seconds: float | None) -> TileFeatures:
        """:meth:`explain` of a tile already taken inside its border."""
        crop = tile.crop(image_bgr)
        faces = list(faces)
        if crop.shape[0] < 8 or crop.shape[1] < 8:
            # Too small to measure a layout: trust the face detector alone.
            state = TileState.FACE if faces else TileState.NO_FACE
            return _features_without_layout(state, "tile too small to measure its layout")
        f = self._measure(crop, tile, faces)
        state, reason = self._decide(f, bool(faces), still_seconds)
        return TileFeatures(**{**asdict(f), "state": state, "reason": reason})

    # -- measuring --------------------------------------------------------------------
    def _measure(self, crop: np.ndarray, tile: Tile, faces: list[Face]) -> TileFeatures:
        h, w = crop.shape[:2]
        y0, y1, x0, x1, ly, lx = inner_region(h, w)
        s, valid, ys, xs = _sample(crop, with_coords=True)

        strips = _ring_strips(s.shape[0], s.shape[1])
        sides = [s[rs, cs][valid[rs, cs]] for rs, cs in strips]
        ring_px = np.concatenate(sides)
        card = _mode_color(ring_px)
        card_a = np.array(card, np.int16)
        ring_flat, lr_flat = _ring_flatness(sides, card, self.tol)
        bars_only = ring_flat < self.min_ring_flat <= lr_flat
        used = sides[2:] if bars_only else sides
        ring_exact = float((ring_px == card_a).all(axis=1).mean()) if len(ring_px) else 0.0
        ring_one_colour = _one_colour(used, card_a, self.tol)
        near = _near(s, card_a, self.tol)
        ring_smooth = _smoothness(s, near, strips)
        flat = float(near[valid].mean())

        content = valid & ~near
        ly_rows = int(np.searchsorted(ys, ly))  # first sampled row of the label band
        depth = _edge_depth(*s.shape[:2])
        step = max(1, int(ys[1] - ys[0])) if len(ys) > 1 else 1
        content = _trim_bleed(content, valid, max(2 * depth, -(-_JPEG_BLOCK // step)))
        content, large = _components(content, ly_rows, depth)
        box, offset, spans, touches, squareness, fill = _content_geometry(
            content, large, ys, xs, h, w, ly
        )
        window_aspect = _window_aspect(near, valid, xs, h) if spans or bars_only else 0.0
        entropy, top2, dominance = 0.0, 1.0, 1.0
        n_in = 0
        if box is not None:
            bx, by, bw, bh = box
            px0, py0 = int(bx * w), int(by * h)
            px1, py1 = int(np.ceil((bx + bw) * w)), int(np.ceil((by + bh) * h))
            region = crop[py0:py1, px0:px1]
            entropy, top2, dominance = _colour_stats(region, card, self.tol)
            tx, ty = tile.bbox[0], tile.bbox[1]
            for fc in faces:
                cx = fc.bbox[0] + fc.bbox[2] / 2 - tx
                cy = fc.bbox[1] + fc.bbox[3] / 2 - ty
                n_in += int(px0 <= cx <= px1 and py0 <= cy <= py1)
        return TileFeatures(
            card_color=card,
            card_neutral=max(card) - min(card) <= 12,
            ring_flat=ring_flat,
            ring_exact=ring_exact,
            ring_one_colour=ring_one_colour,
            ring_smooth=ring_smooth,
            bars_only=bool(bars_only),
            flat=flat,
            content_box=box,
            content_offset=offset,
            spans_height=spans,
            window_aspect=window_aspect,
            touches_edge=touches,
            entropy=entropy,
            top2=top2,
            dominance=dominance,
            squareness=squareness,
            fill=fill,
            faces_in_content=n_in,
            state=TileState.NO_FACE,
            reason="",
        )

    # -- deciding ---------------------------------------------------------------------
    def _decide(
        self, f: TileFeatures, has_faces: bool, still_seconds: float | None
    ) -> tuple[TileState, str]:
        state, reason = self._decide_layout(f, has_faces, still_seconds)
        if (
            state is TileState.FACE
            and still_seconds is not None
            and still_seconds >= self.photo_still_s
        ):
            return TileState.PHOTO, (
                f"{reason}; but unchanged for {still_seconds:.1f} s "
                f"(>= {self.photo_still_s} s): a still photo"
            )
        return state, reason

    def _decide_layout(
        self, f: TileFeatures, has_faces: bool, still_seconds: float | None = None
    ) -> tuple[TileState, str]:
        live = TileState.FACE if has_faces else TileState.NO_FACE
        if not f.card_neutral:
            return live, "tile edge is not a neutral UI grey: live video"
        if f.ring_flat < self.min_ring_flat and not f.bars_only:
            return live, f"tile edge is not flat ({f.ring_flat:.2f} < {self.min_ring_flat}): live video"
        if f.ring_exact < self.min_ring_exact and (f.ring_one_colour < self.min_ring_one_colour
                                                   or f.ring_smooth < self.min_ring_smooth):
            return live, (
                f"tile edge is flat but not one colour (exact {f.ring_exact:.2f} < "
                f"{self.min_ring_exact}; within {ONE_COLOUR_LEVELS} grey levels on every side "
                f"{f.ring_one_colour:.2f}, min {self.min_ring_one_colour}; smooth from pixel to pixel "
                f"{f.ring_smooth:.2f}, min {self.min_ring_smooth}): a plain wall on camera"
            )
        if f.bars_only or f.spans_height:
            return self._letterbox(f, live, still_seconds)
        if f.flat < self.min_flat:
            return live, f"too little flat card colour ({f.flat:.2f} < {self.min_flat}): live video"
        if f.content_box is None:
            # Every app writes the name or initials on a camera-off card: a tile with
            # nothing on it is video of nothing (a wall, a covered camera, darkness).
            return live, "one flat colour and nothing on it: live video of a plain scene"
        if f.touches_edge:
            return live, "content reaches the tile edge: live video, not a card's centred content"
        if f.squareness < self.photo_squareness:
            return TileState.CAMERA_OFF, (
                f"flat card with a line of content (aspect {f.squareness:.2f}): a name"
            )
        if f.dominance < self.photo_dominance:
            return TileState.PHOTO, (
                f"a small photographic patch on a flat card (no dominant colour: "
                f"{f.dominance:.2f} < {self.photo_dominance})"
            )
        return TileState.CAMERA_OFF, (
            f"flat card with flat content (dominant colour {f.dominance:.2f}): a name or initials"
        )


    def _letterbox(
        self, f: TileFeatures, live: TileState, still_seconds: float | None
    ) -> tuple[TileState, str]:
        """Content fills the tile's height between two flat bars of the card colour.

        Live video letterboxed into the tile has a camera's aspect (4:3 webcam 1.33,
        16:9 1.78, a phone's portrait 0.56); a profile photo that Zoom draws to the card's
        full height is square (1.01-1.02 measured on real Zoom screenshots), but so is a
        square live video (a real Zoom screenshot shows one). One frame cannot tell them
        apart, so it is live video; across frames a square patch that has not changed for
        a second is the photo (the general rule waits ``photo_still_s``). A square patch
        with no face is a profile picture at once (a default avatar, a logo: a real Zoom
        recording's two camera-off cards): square live video of an empty place is rare,
        and its participant is not there either way."""
        if f.content_box is None or not f.spans_height:
            return live, "edge flat only at the sides, but nothing fills the height: live video"
        bx, _, bw, _ = f.content_box
        centred = abs(bx + bw / 2 - 0.5) <= 0.05
        square = _SQUARE_PHOTO[0] <= f.window_aspect <= _SQUARE_PHOTO[1]
        if centred and square and f.dominance < self.photo_dominance:
            if live is TileState.NO_FACE:
                # no face in it: a default avatar, a logo, a pet's picture; an empty square
                # live video would be someone away, not there either way
                return TileState.PHOTO, (
                    f"a square picture (aspect {f.window_aspect:.2f}) with no face fills the "
                    "card's height between flat bars: a profile picture"
                )
            if still_seconds is not None and still_seconds >= min(1.0, self.photo_still_s):
                return TileState.PHOTO, (
                    f"a square photographic patch (aspect {f.window_aspect:.2f}) fills the "
                    f"card's height between flat bars, unchanged for {still_seconds:.1f} s: "
                    "a profile photo"
                )
            return live, (
                f"a square patch (aspect {f.window_aspect:.2f}) between flat bars: a profile "
                "photo or square live video; live until it stays still"
            )
        return live, "content spans the tile's height between flat bars: letterboxed video"


def _inside_border(image_bgr: np.ndarray, tile: Tile) -> Tile:
    """``tile`` without its active-speaker border, when it has one, and without the
    ``_CHROMA_BLOCK`` px inside it where lossy capture bleeds the border's colour into the
    tile (a camera-off card's flat grey became "not one colour" and the ringing "content
    spanning the height": a real Zoom card read as away at JPEG q90 and q50). A border is
    a band of clearly coloured lines (saturation >= 60 of 255, value >= 90: Zoom's pale
    yellow is 86) of one colour family (hues within 30 of 180: Zoom's runs from yellow to
    green, 30-45) within the outer ``_BORDER_SEARCH`` px of at least two sides (a tile box
    fitted on a compressed frame may lie a few pixels inside the border on the others).
    Every side is then moved in by its border's width and the colour block. Otherwise
    ``tile`` itself."""
    crop = tile.crop(image_bgr)
    h, w = crop.shape[:2]
    depth = min(_BORDER_SEARCH, h // 8, w // 8)
    if depth < 3:
        return tile
    sx, sy = max(1, w // 64), max(1, h // 64)  # ~64 samples along each line are plenty
    sides = [crop[:depth, ::sx], crop[h - depth:, ::sx][::-1],      # top, bottom, left, right;
             crop[::sy, :depth].transpose(1, 0, 2),                  # outermost line first
             crop[::sy, w - depth:][:, ::-1].transpose(1, 0, 2)]
    hsv = cv2.cvtColor(np.ascontiguousarray(np.concatenate(sides, axis=1)), cv2.COLOR_BGR2HSV)
    sat = (hsv[..., 1] >= 60) & (hsv[..., 2] >= 90)  # (depth, all sides' samples)
    ends = np.cumsum([side.shape[1] for side in sides])
    shares = np.add.reduceat(sat, np.r_[0, ends[:-1]], axis=1) / np.diff(np.r_[0, ends])  # (depth, 4)
    lines = shares >= 0.6
    if (lines.sum(axis=0) >= 2).sum() < 2:  # most tiles: no coloured frame at all
        return tile
    widths, hues = [], []
    for k, start in enumerate(np.r_[0, ends[:-1]]):
        border = np.flatnonzero(lines[:, k])
        if len(border) >= 2:
            part, on = hsv[border, start:ends[k]], sat[border, start:ends[k]]
            widths.append(int(border[-1]) + 1)
            hues.append(float(np.median(part[..., 0][on])))
        else:
            widths.append(0)
    if len(hues) < 2 or max(hues) - min(hues) > 30:  # no frame, or several colours: a picture
        return tile
    bleed = _CHROMA_BLOCK if min(h, w) - 2 * (max(widths) + _CHROMA_BLOCK) >= 48 else 1
    top, bottom, left, right = (wd + bleed for wd in widths)
    x, y, bw, bh = tile.bbox
    return dataclasses.replace(tile, bbox=(x + left, y + top, bw - left - right, bh - top - bottom))


def _sample(crop: np.ndarray, with_coords: bool = False):
    """The tile's inner region on a grid of at most ``_SAMPLE_LONG_SIDE`` samples on
    the long side (nearest sampling keeps exact colours), as int16, and the mask of
    samples outside the name-label corner."""
    h, w = crop.shape[:2]
    step = max(1, int(np.ceil(max(h, w) / _SAMPLE_LONG_SIDE)))
    y0, y1, x0, x1, ly, lx = inner_region(h, w)
    ys = np.arange(y0, y1, step)
    xs = np.arange(x0, x1, step)
    s = crop[y0:y1:step, x0:x1:step].astype(np.int16)
    valid = ~((ys[:, None] >= ly) & (xs[None, :] < lx))  # drop the label corner
    if with_coords:
        return s, valid, ys, xs
    return s, valid


def _window_aspect(near: np.ndarray, valid: np.ndarray, xs: np.ndarray, height_px: int) -> float:
    """Width / height (pixels) of the part of the tile between its flat side bars: the
    columns on the left and right that are card colour (``near``) from top to bottom
    (98% of their valid samples), measured inwards from each side."""
    n = valid.sum(axis=0)
    share = np.where(n > 0, (near & valid).sum(axis=0) / np.maximum(n, 1), 1.0)
    bar = share >= 0.98
    left = int(np.argmin(bar)) if not bar.all() else len(bar)
    right = int(np.argmin(bar[::-1])) if not bar.all() else 0
    c0, c1 = left, len(bar) - right
    if c1 <= c0:
        return 0.0
    x0 = int(xs[c0])
    x1 = int(xs[c1 - 1]) + (int(xs[1] - xs[0]) if len(xs) > 1 else 1)
    return (x1 - x0) / max(1, height_px)


def _edge_depth(sh: int, sw: int) -> int:
    """Samples next to the analysed area's edge that are not the tile's own: a
    neighbour's edge or the gap bleeding in where the tile box is a pixel or two off, an
    active-speaker border, JPEG ringing along the gap (3% of the short side)."""
    return max(1, int(round(0.03 * min(sh, sw))))


def _trim_bleed(content: np.ndarray, valid: np.ndarray, depth: int) -> np.ndarray:
    """``content`` without what lies outside the innermost clean line (at most 15% content)
    among the ``depth`` outer lines of each side: a neighbour's video, the gap and their
    JPEG ringing (up to a JPEG block into the card at quality 50) where the tile box runs a
    few pixels past the card (a box fitted on a compressed or rescaled frame), and a rim of
    outer lines much fuller than the line inside them (a card's edge smeared by a codec).
    Content that
    runs on inwards past that band (video, letterboxed video's top) has no clean line there
    and is left alone."""
    out = content.copy()
    rows, cols = out.shape
    if rows <= 4 * depth or cols <= 4 * depth:
        return out
    row_share = np.where(valid.sum(1) > 0, content.sum(1) / np.maximum(1, valid.sum(1)), 1.0)
    col_share = np.where(valid.sum(0) > 0, content.sum(0) / np.maximum(1, valid.sum(0)), 1.0)

    def clean(share: np.ndarray) -> int:
        """How many outer lines to drop: up to and with the innermost clean one, or the
        outer lines that are mostly content where the line inside them is at most half as
        much (a rim along the edge: a card's lighter 1 px rim that a video codec smeared a
        few pixels in, beside a long name that leaves no line clean)."""
        k = np.flatnonzero(share[:depth] <= 0.15)
        if len(k) and share[: k[-1]].max(initial=0.0) > 0.15:
            return int(k[-1]) + 1
        n = 0
        while n < min(depth, len(share) - 1) and share[n] >= 0.6:
            n += 1
        return n if n and share[n] <= 0.5 * share[:n].min() else 0

    out[: clean(row_share)] = False
    b = clean(row_share[::-1])
    if b:
        out[rows - b :] = False
    out[:, : clean(col_share)] = False
    r = clean(col_share[::-1])
    if r:
        out[:, cols - r :] = False
    return out


def _ring_strips(sh: int, sw: int) -> list[tuple[slice, slice]]:
    """(rows, cols) of the ring's four sides (top, bottom, left, right) on the sample
    grid: a band ~6% of the short side wide, :func:`_edge_depth` inside the edge."""
    r = max(2, int(round(0.06 * min(sh, sw))))
    d = _edge_depth(sh, sw)
    if min(sh, sw) - 2 * d < 2 * r + 1:
        d = 0
    top, bottom = slice(d, d + r), slice(max(d + r, sh - d - r), max(d + r, sh - d))
    middle = slice(d + r, max(d + r, sh - d - r))
    across = slice(d, max(d, sw - d))
    return [
        (top, across),
        (bottom, across),
        (middle, slice(d, d + r)),
        (middle, slice(max(d + r, sw - d - r), max(d + r, sw - d))),
    ]


def _ring_sides(crop: np.ndarray) -> list[np.ndarray]:
    """The ring's four sides (top, bottom, left, right; see :func:`_ring_strips`) on the
    :func:`_sample` grid, label corner left out, each int16 (N, 3); read from the edge
    strips alone (the fast path need not touch the middle)."""
    h, w = crop.shape[:2]
    step = max(1, int(np.ceil(max(h, w) / _SAMPLE_LONG_SIDE)))
    y0, y1, x0, x1, ly, lx = inner_region(h, w)
    ys = np.arange(y0, y1, step)
    xs = np.arange(x0, x1, step)
    sv = crop[y0:y1:step, x0:x1:step]  # a view: nothing copied yet
    parts = []
    for rows, cols in _ring_strips(*sv.shape[:2]):
        keep = ~((ys[rows][:, None] >= ly) & (xs[cols][None, :] < lx))
        parts.append(sv[rows, cols][keep].astype(np.int16))
    return parts


def _one_colour(sides: list[np.ndarray], card: np.ndarray, tol: int) -> float:
    """The second least (the least with under three sides to judge), over ``sides`` (each
    int16 (N, 3)), of the share of its card-coloured
    pixels (within ``tol``) whose brightness (grey level, BT.601 luma) is within
    :data:`ONE_COLOUR_LEVELS` of their median brightness (one median for all sides, so a
    lighting gradient shows): capture noise on a UI colour, against a camera's noise and
    gradient. Brightness, not each channel: a video codec moves a flat grey's colour by 2-3
    levels from one 16 px block to the next (4:2:0 chroma, coarsely quantised: a real Zoom
    card through H.264 at CRF 40 read (34, 34, 32) on one side and (34, 34, 34) on the next,
    0.00 within a level per channel). Content reaching into the ring (a long name) is left
    out; a side with too little card colour left to judge is skipped."""
    flat = [_near(p, card, tol) for p in sides]
    luma = [np.rint(p[f] @ _LUMA) for p, f in zip(sides, flat)]  # grey levels, as cv2's gray
    pooled = np.concatenate(luma)
    if len(pooled) == 0:
        return 0.0
    centre = float(np.median(pooled))  # the centre of the noise (the exact mode can sit off it)
    shares = []
    for p, f, y in zip(sides, flat, luma):
        if len(p) and f.mean() >= 0.3:
            shares.append(float((np.abs(y - centre) <= ONE_COLOUR_LEVELS).mean()))
    if len(shares) >= 3:
        # a lighting gradient moves two opposite sides (and a light source the sides near
        # it); one side alone off is the codec smearing the card's rim or the gap into the
        # ring (a Zoom card through H.264 at CRF 40: 0.79 on one side, >= 0.98 on three)
        return sorted(shares)[1]
    return min(shares) if shares else 0.0


def _smoothness(s: np.ndarray, near: np.ndarray, strips: list[tuple[slice, slice]]) -> float:
    """Share of horizontally adjacent pairs of samples in the ring ``strips`` of ``s``
    (int16 (h, w, 3), the :func:`_sample` grid), both card-coloured (``near``, bool (h, w):
    :func:`_near`), whose grey levels differ by at most one (see ``TileFeatures.ring_smooth``);
    0.0 when there are no such pairs."""
    same = total = 0
    for rows, cols in strips:
        part, card = s[rows, cols], near[rows, cols]
        if part.shape[1] < 2:
            continue
        y = np.rint(part @ _LUMA)
        pair = card[:, 1:] & card[:, :-1]
        total += int(pair.sum())
        same += int((pair & (np.abs(y[:, 1:] - y[:, :-1]) <= 1)).sum())
    return same / total if total else 0.0


def _top_window_aspect(crop: np.ndarray, card: tuple[int, int, int], tol: int) -> float:
    """Width / height of what lies between the side bars, read off the ring's top side
    alone (columns not mostly ``card``-coloured there, over the tile's height): a quick
    estimate of :func:`_window_aspect` for the fast path."""
    h, w = crop.shape[:2]
    step = max(1, int(np.ceil(max(h, w) / _SAMPLE_LONG_SIDE)))
    y0, y1, x0, x1, _, _ = inner_region(h, w)
    sv = crop[y0:y1:step, x0:x1:step]
    rows, cols = _ring_strips(*sv.shape[:2])[0]
    top = sv[rows, cols].astype(np.int16)
    if top.size == 0:
        return 0.0
    near = _near(top, np.array(card, np.int16), tol).mean(axis=0)
    return float((near < 0.9).sum() * step) / max(1, h)


def _near(pixels: np.ndarray, card: np.ndarray, tol: int) -> np.ndarray:
    """Which ``pixels`` (int16 (..., 3) BGR) are the card colour ``card`` (int16 (3,)) as
    lossy capture leaves it: brightness (BT.601 luma) within ``tol`` levels, and each
    channel within ``CHROMA_TOL`` of that brightness change (a grey stays a grey). Colour is
    held loosely because a video codec quantises it coarsely: H.264 at CRF 40 turned a
    real Zoom card's (34, 34, 34) into (31, 34, 32) over whole 16 px blocks, 3 levels off in
    blue, which a per-channel test of 3 levels read as content reaching the card's corner
    (a wall on camera). Bool array of the leading shape."""
    d = (pixels - card).astype(np.float32)
    b, g, r = d[..., 0], d[..., 1], d[..., 2]
    dl = np.float32(_LUMA[0]) * b + np.float32(_LUMA[1]) * g + np.float32(_LUMA[2]) * r
    # per channel, not a reduction over the last axis of 3 (numpy's slowest case)
    chroma = np.maximum(np.maximum(np.abs(b - dl), np.abs(g - dl)), np.abs(r - dl))
    return (np.abs(dl) <= tol) & (chroma <= CHROMA_TOL)


def _ring_flatness(sides: list[np.ndarray], card: tuple[int, int, int], tol: int) -> tuple[float, float]:
    """Share of the whole ring, and the least share of its left and right sides, within
    ``tol`` levels of ``card``."""
    c = np.array(card, np.int16)
    near = [_near(p, c, tol) for p in sides]
    n = sum(len(x) for x in near)
    ring = float(sum(int(x.sum()) for x in near) / n) if n else 0.0
    lr = min((float(x.mean()) if len(x) else 0.0) for x in near[2:])
    return ring, lr


def _features_without_layout(state: TileState, reason: str) -> TileFeatures:
    return TileFeatures(
        card_color=(0, 0, 0), card_neutral=False, ring_flat=0.0, ring_exact=0.0, ring_one_colour=0.0, ring_smooth=0.0,
        bars_only=False, flat=0.0, content_box=None,
        content_offset=0.0, spans_height=False, window_aspect=0.0, touches_edge=False, entropy=0.0, top2=1.0,
        dominance=1.0, squareness=0.0, fill=0.0, faces_in_content=0, state=state, reason=reason,
    )


def _mode_color(pixels: np.ndarray) -> tuple[int, int, int]:
    """The commonest exact colour of ``pixels`` (N, 3)."""
    if len(pixels) == 0:
        return (0, 0, 0)
    p = pixels.astype(np.int64)
    keys = (p[:, 0] << 16) | (p[:, 1] << 8) | p[:, 2]
    vals, counts = np.unique(keys, return_counts=True)
    k = int(vals[np.argmax(counts)])
    return ((k >> 16) & 255, (k >> 8) & 255, k & 255)


def _components(mask: np.ndarray, ly_rows: int, edge: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Split content into what counts and what is large.

    Components are found on the mask dilated by one pixel, so that the letters of a
    name join into words (on a big tile the sampled strokes of a letter are a few
    pixels). Returns ``(kept, large)``: ``kept`` drops specks (under 0.15% of the
    analysed pixels: JPEG ringing, stray pixels, a neighbour's edge bleeding in) and
    the top rim of a tall name label (a strip that touches the left edge, lies in
    the bottom third and ends at the label band) and anything lying wholly within
    ``edge`` samples of one side (a neighbour's edge, an active-speaker border, gap
    ringing: see :func:`_edge_depth`); ``large`` keeps only components
    of at least 1% (a video frame, a photo, an initials square), which are what the
    edge tests look at, so that a few specks near the border cannot make a card
    look like video.
    """
    if not mask.any():
        return mask, mask
    grown = cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8))
    n, lab, stats, _ = cv2.connectedComponentsWithStats(grown, connectivity=8)
    area = stats[:, cv2.CC_STAT_AREA]
    top, left = stats[:, cv2.CC_STAT_TOP], stats[:, cv2.CC_STAT_LEFT]
    bottom = top + stats[:, cv2.CC_STAT_HEIGHT]
    rows, cols = mask.shape
    label_rim = (left <= max(1, int(0.03 * cols))) & (top >= 0.66 * rows) & (bottom >= ly_rows - 2)
    along_edge = np.zeros(n, bool)
    e = edge + 1  # the dilation grows a line by one sample
    if edge > 0 and rows > 2 * e and cols > 2 * e:
        # a component with no pixel further than ``e`` from the edge: lines along one
        # side, or a whole frame (an active-speaker border a pixel or two inside the box)
        inner = np.bincount(lab[e:-e, e:-e].ravel(), minlength=n)
        along_edge = inner == 0
    keep = (area >= max(3, 0.0015 * mask.size)) & ~label_rim & ~along_edge
    big = keep & (area >= 0.01 * mask.size)
    keep[0] = big[0] = False
    return keep[lab] & mask, big[lab] & mask


def _content_geometry(
    content: np.ndarray, large: np.ndarray, ys: np.ndarray, xs: np.ndarray, h: int, w: int, ly: int
) -> tuple[tuple[float, float, float, float] | None, float, bool, bool, float, float]:
    """Box of the content (fractions of the tile), its centre offset, whether it
    spans the tile's height, whether it touches an edge, its squareness and fill.
    The two edge tests look only at ``large`` components."""
    if content.sum() < 4:
        return None, 0.0, False, False, 0.0, 0.0
    rows = np.flatnonzero(content.any(axis=1))
    cols = np.flatnonzero(content.any(axis=0))
    r0, r1, c0, c1 = rows[0], rows[-1], cols[0], cols[-1]
    py0, py1 = int(ys[r0]), int(ys[r1]) + 1
    px0, px1 = int(xs[c0]), int(xs[c1]) + 1
    box = (px0 / w, py0 / h, (px1 - px0) / w, (py1 - py0) / h)
    cx, cy = (px0 + px1) / 2 / w, (py0 + py1) / 2 / h
    offset = float(max(abs(cx - 0.5), abs(cy - 0.5)))
    spans = touches = False
    if large.any():
        lrows = np.flatnonzero(large.any(axis=1))
        lcols = np.flatnonzero(large.any(axis=0))
        ch, cw = large.shape
        # Letterboxed video: content starts at the top edge of the analysed area and
        # runs down to the name-label band. A card's name, initials or photo sits in
        # the middle and never touches the top.
        spans = lrows[0] <= 0.03 * ch and (int(ys[lrows[-1]]) + 1) >= 0.95 * max(1, ly)
        er, ec = max(1, int(0.03 * ch)), max(1, int(0.03 * cw))
        # A name is a centred line that may run close to the sides of a small card
        # (long names, a blurred name); reaching the top, or the sides with anything
        # taller than a line, is video.
        line = (py1 - py0) < 0.5 * (px1 - px0) and abs((py0 + py1) / 2 / h - 0.5) < 0.15
        touches = lrows[0] < er or (not line and (lcols[0] < ec or lcols[-1] >= cw - ec))
    side_px = (px1 - px0, py1 - py0)
    squareness = min(side_px) / max(1, max(side_px))
    fill = float(content[r0 : r1 + 1, c0 : c1 + 1].mean())
    return box, offset, bool(spans), bool(touches), float(squareness), fill


def _colour_stats(region: np.ndarray, card: tuple[int, int, int], tol: int) -> tuple[float, float, float]:
    """Colour statistics of the content in ``region`` (a box on the card).

    The region is median-filtered (3x3) and its content mask eroded by ~5% of its
    side first: that removes what screen-capture JPEG and antialiasing add to a flat
    fill (ringing, a blended rim against the card), which otherwise looks "varied".
    Returns the colour entropy (bits, 16 levels per channel), the share of the two
    commonest colours, and ``dominance``: the share of pixels within 12 levels of the
    commonest colour. A flat initials square/circle or big text is one dominant
    colour (dominance >= 0.8 measured); a photo has none (<= 0.5 measured).
    """
    if region.shape[0] < 3 or region.shape[1] < 3:
        return 0.0, 1.0, 1.0
    step = max(1, int(np.ceil(max(region.shape[:2]) / 200)))
    reg = cv2.medianBlur(np.ascontiguousarray(region[::step, ::step]), 3).astype(np.int16)
    mask = (np.abs(reg - np.array(card, np.int16)).max(axis=2) > max(tol, 12)).astype(np.uint8)
    k = max(1, min(reg.shape[:2]) // 20)
    core = cv2.erode(mask, np.ones((2 * k + 1, 2 * k + 1), np.uint8)) > 0
    r = reg[core] if core.sum() >= 16 else reg[mask > 0]
    if len(r) < 16:
        return 0.0, 1.0, 1.0
    q = (r >> 4).astype(np.int64)
    keys = (q[:, 0] << 8) | (q[:, 1] << 4) | q[:, 2]
    counts = np.bincount(keys, minlength=4096).astype(np.float64)
    p = counts[counts > 0] / len(keys)
    entropy = float(-(p * np.log2(p)).sum())
    top2 = float(np.sort(p)[-2:].sum())
    mode = r[keys == int(np.argmax(counts))].mean(axis=0)
    dominance = float((np.abs(r - mode).max(axis=1) <= 12).mean())
    return entropy, top2, dominance


class StillnessMonitor:
    """How long each tile's content has stayed the same while the picture was live.

    A profile photo is a still image drawn by the app: frame after frame its pixels
    are identical (up to a level or two of screen-capture compression), while live
    video on screen changes with camera noise alone. But a recording's codec holds a
    still picture too: between two keyframes it repeats every unchanged block exactly,
    and at a keyframe every tile changes at once (a real 2 fps class with a keyframe
    every 6 s: mean change 0.1-0.3 grey levels between keyframes, 1.2-2.2 at each). A
    still live student and a profile photo then look the same, and pixel identity
    alone turned a whole still class into photos for 4 of every 6 s. So stillness is
    measured against the rest of the frame: a tile's clock runs only over an interval
    in which it stayed the same while another tile of the frame changed (the picture
    was live then, so this tile really did not move); when nothing changed anywhere
    (a codec holding the frame, a paused or still recording) the clock stops, and any
    change of the tile starts it again. A still tile therefore needs another tile
    that moves beside it: one tile alone, or a frame of nothing but still pictures,
    never becomes still here (the layout rules still see a profile picture). And one look
    proves little: stillness counts only once the clock has run over ``min_looks``
    intervals between analysed frames (a coarse sampling step, or an unreadable stretch of
    a recording, is one long interval in which a codec may have held every still tile).

    A tile counts as changed when more than ``changed_frac`` of its pixels moved by
    more than ``level`` grey levels, compared at a moderate resolution (no averaging
    that would hide noise). Keys are the caller's (a participant id, a position); the
    name-label corner and the tile edge are ignored (mute icon, speaker border). A
    tile whose size changes (new layout) starts again.
    """

    def __init__(self, level: int = 4, changed_frac: float = 0.01, max_side: int = 160,
                 min_looks: int = 3) -> None:
        self.level = int(level)
        self.changed_frac = float(changed_frac)
        self.max_side = int(max_side)
        self.min_looks = int(min_looks)
        # key -> (signature, ignored samples or None, seconds still, intervals the clock ran in)
        self._last: dict[Hashable, tuple[np.ndarray, np.ndarray | None, float, int]] = {}
        self._t: float | None = None

    def update(self, tiles: Mapping[Hashable, np.ndarray], timestamp: float,
               ignore: Mapping[Hashable, np.ndarray] | None = None) -> dict[Hashable, float]:
        """Feed one frame: every tile it shows (keys not given are forgotten).

        Args:
            tiles: the caller's name for each tile (a participant id, a position) ->
                its pixels, uint8 BGR (h, w, 3) or gray (h, w). Give every tile of the
                frame, faceless and camera-off ones too: they are the evidence that
                the picture is live.
            timestamp: the frame's time in seconds; a time earlier than the last
                frame's starts every tile again.
            ignore: per key, a bool (h, w) mask of pixels that are not the picture in
                this frame (the overlay's own badges, blanked before analysis): a pixel
                ignored in this frame or the last is no evidence of change either way
                (a badge that grows or shrinks with its text would otherwise make a
                still tile "move" and the still tiles beside it "photos").

        Returns:
            For each key, the seconds its content has been still while another tile
            changed (0.0 on its first frame, whenever it changed, and until the clock
            has run over ``min_looks`` intervals).
        """
        t = float(timestamp)
        if self._t is None or t < self._t:
            self._last.clear()
        dt = 0.0 if self._t is None else t - self._t
        self._t = t
        sigs = {k: self._signature(px) for k, px in tiles.items()}
        ignored = {k: (self._signature(ignore[k].view(np.uint8)) > 0 if ignore is not None and k in ignore
                       and ignore[k].any() else None) for k in sigs}
        changed: dict[Hashable, bool | str | None] = {}  # "hold": no evidence
        for k, sig in sigs.items():
            prev = self._last.get(k)
            if prev is None or prev[0].shape != sig.shape:
                changed[k] = None  # new here: nothing to compare with
                continue
            diff = np.abs(sig.astype(np.int16) - prev[0].astype(np.int16)) > self.level
            skip = ignored[k] if prev[1] is None else (prev[1] if ignored[k] is None else prev[1] | ignored[k])
            if skip is None:
                changed[k] = float(diff.mean()) > self.changed_frac
            else:
                n = int((~skip).sum())
                # a tile mostly under our own windows (the panel moved over it) shows too
                # little to say whether it is still: it keeps its count, neither growing
                # (a covered student turned into a "photo") nor starting again
                changed[k] = "hold" if n < HOLD_SHARE * skip.size else float(diff[~skip].sum()) / n > self.changed_frac
        n_changed = sum(c is True for c in changed.values())
        out: dict[Hashable, float] = {}
        for k, sig in sigs.items():
            c = changed[k]
            if c is None or c is True:
                still, looks = 0.0, 0
            else:
                _, _, still, looks = self._last[k]
                if n_changed > 0 and c is False:  # another tile moved: the picture was live meanwhile
                    still, looks = still + dt, looks + 1
            self._last[k] = (sig, ignored[k], still, looks)
            out[k] = self._counted(still, looks)
        for gone in set(self._last) - set(sigs):
            del self._last[gone]
        return out

    def still_seconds(self, key: Hashable) -> float:
        """The last answer of :meth:`update` for ``key`` (0.0 if never seen)."""
        prev = self._last.get(key)
        return 0.0 if prev is None else self._counted(prev[2], prev[3])

    def _counted(self, still: float, looks: int) -> float:
        """The seconds a tile counts as still: none until ``min_looks`` intervals."""
        return still if looks >= self.min_looks else 0.0

    def reset(self) -> None:
        """Forget every tile (a new class)."""
        self._last.clear()
        self._t = None

    def _signature(self, tile_pixels: np.ndarray) -> np.ndarray:
        t = tile_pixels
        h, w = t.shape[:2]
        y0, y1, x0, x1, ly, lx = inner_region(h, w)
        t = t[y0:min(y1, ly), x0:x1] if ly - y0 >= 4 else t[y0:y1, x0:x1]
        step = max(1, int(np.ceil(max(t.shape[:2]) / self.max_side)))
        t = np.ascontiguousarray(t[::step, ::step])  # sampled first: gray is per pixel
        if t.ndim == 3:
            return cv2.cvtColor(t, cv2.COLOR_BGR2GRAY) if t.size else np.zeros(t.shape[:2], np.uint8)
        return t
