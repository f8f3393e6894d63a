"""Webcam pictures: a person (or nobody) in a drawn room, with a webcam's white
balance, softness, sensor noise and compression."""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Sequence

import cv2
import numpy as np

from .library import PortraitLibrary, library_or_temporary
from .person import Placed, composite_person, face_center, face_h_for_width
from .rooms import room
from .truth import FBox


@lru_cache(maxsize=1)
def _noise_texture() -> np.ndarray:
    """A fixed 1408x1408x3 float32 field of unit Gaussian noise; frames take random
    windows of it (much faster than drawing fresh noise per frame, and
    deterministic). A read-only constant of the process (24 MB, ~0.1 s to make):
    it depends on nothing and holds no resource."""
    tex = np.random.default_rng(20240517).standard_normal((1408, 1408, 3), dtype=np.float32)
    tex.setflags(write=False)
    return tex


def _noise(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """Unit Gaussian noise, float32 (h, w, 3): a random window of the fixed field
    (tiled when the frame is larger). Read-only."""
    tex = _noise_texture()
    th, tw = tex.shape[:2]
    if h <= th and w <= tw:
        oy, ox = int(rng.integers(0, th - h + 1)), int(rng.integers(0, tw - w + 1))
        return tex[oy : oy + h, ox : ox + w]
    reps = (math.ceil(h / th), math.ceil(w / tw), 1)
    return np.tile(tex, reps)[:h, :w]


def degrade(frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Give a drawn frame the webcam look: white balance and exposure, lens
    softness, sensor noise and JPEG compression.

    Args:
        frame: float32 BGR (h, w, 3) in about 0..255.
        rng: draws every parameter of the look.

    Returns:
        BGR uint8 (h, w, 3).
    """
    gains = rng.uniform(0.9, 1.1, 3).astype(np.float32)
    contrast, bias = rng.uniform(0.85, 1.08), rng.uniform(-14, 12)
    frame = (frame * gains - 128.0) * contrast + 128.0 + bias
    frame = cv2.GaussianBlur(frame, (0, 0), rng.uniform(0.4, 1.0))
    h, w = frame.shape[:2]
    frame += _noise(h, w, rng) * rng.uniform(1.5, 5.0)
    out = np.clip(frame, 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(50, 90))])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR) if ok else out


def webcam_frame(vw: int, vh: int, people: Sequence[Placed], rng: np.random.Generator
                 ) -> tuple[np.ndarray, list[FBox]]:
    """A (vh, vw) BGR webcam frame showing ``people`` (0, 1 or 2) in a room, and the
    face boxes in frame pixels. Composed at the stream's resolution (a 640-1280 px
    webcam), then scaled to the tile as the app does."""
    cap = float(rng.choice([640, 960, 1280]))
    k = min(1.0, cap / max(vw, vh))
    sw, sh = max(16, round(vw * k)), max(16, round(vh * k))
    frame = room(sw, sh, rng, defocus=rng.uniform(0.3, 1.0) if people else 0.0,
                 empty_chair=not people and rng.random() < 0.5)
    boxes: list[FBox] = []
    if len(people) == 1:
        face_h = sh * rng.uniform(0.26, 0.42)
        face_h = min(face_h, face_h_for_width(people[0], 0.42 * sw))
        c = face_center(people[0], face_h, sw, sh, 0.5 + rng.uniform(-0.1, 0.1), rng.uniform(0.36, 0.5))
        boxes.append(composite_person(frame, people[0], face_h, c, None, rng))
    elif len(people) == 2:
        mid = sw / 2 + rng.uniform(-0.03, 0.03) * sw
        feather = max(2.0, 0.04 * sw)
        x = np.arange(sw, dtype=np.float32)
        left = np.clip((mid + feather - x) / (2 * feather), 0, 1)
        for person, cx, win in ((people[0], 0.27, left), (people[1], 0.73, 1.0 - left)):
            face_h = sh * rng.uniform(0.2, 0.3)
            face_h = min(face_h, face_h_for_width(person, 0.2 * sw))
            c = face_center(person, face_h, sw, sh, cx + rng.uniform(-0.04, 0.04), rng.uniform(0.35, 0.52))
            boxes.append(composite_person(frame, person, face_h, c, win, rng))
    out = degrade(frame, rng)
    if (sw, sh) != (vw, vh):
        interp = cv2.INTER_AREA if sw > vw else cv2.INTER_LINEAR
        out = cv2.resize(out, (vw, vh), interpolation=interp)
        fx_, fy_ = vw / sw, vh / sh
        boxes = [(x * fx_, y * fy_, w * fx_, h * fy_) for x, y, w, h in boxes]
    return out, boxes


def webcam_view(portrait: np.ndarray, size: tuple[int, int] = (640, 360), *, seed: int = 0,
                present: bool = True, library: PortraitLibrary | None = None) -> np.ndarray:
    """One participant's webcam picture: their room, with them in it or the same room
    empty (they stepped away). The room, the light, the framing and the person
    depend only on ``seed``.

    Args:
        portrait: BGR (or gray) uint8 image of the participant.
        size: ``(width, height)`` of the picture in pixels.
        seed: fixes the room, the light, the framing and the webcam look.
        present: draw the participant (else only their room).
        library: finds and remembers the portrait's face (share one across calls
            to analyse each portrait once); None: a temporary one.

    Returns:
        BGR uint8, shape (height, width, 3).

    Raises:
        ValueError: ``present`` and no face is found in the portrait.
        InputError: ``portrait`` is not an image array.
    """
    sw, sh = int(size[0]), int(size[1])
    frame = room(sw, sh, np.random.default_rng(seed), defocus=0.6)
    if present:
        rng = np.random.default_rng(seed + 1)
        with library_or_temporary(library) as lib:
            usable = lib.usable([portrait], 1, rng)
        if not usable:
            raise ValueError("no face found in the portrait: it cannot be drawn as a participant")
        person = Placed(usable[0], bool(rng.random() < 0.5))
        face_h = min(sh * rng.uniform(0.28, 0.40), face_h_for_width(person, 0.42 * sw))
        c = face_center(person, face_h, sw, sh, 0.5 + rng.uniform(-0.1, 0.1), rng.uniform(0.38, 0.5))
        composite_person(frame, person, face_h, c, None, rng)
    return degrade(frame, np.random.default_rng(seed + 2))
