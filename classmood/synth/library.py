"""Portraits analysed for drawing: their ground-truth face boxes and person mattes,
found once per portrait by a library that owns its face finder.

*Ground-truth face boxes* are BlazeFace boxes (:class:`~classmood.detectors.faces.
FaceFinder`) detected on the clean, full-resolution source portrait and mapped
through the exact placement used to draw it (scale, mirror, shift, resize). They are
therefore in the same convention as the detector's output, but they are not
detections on the rendered image: after downscaling, noise and JPEG a tiny face may
be undetectable while its box is still the truth. Portraits in which no face is
found are never used for faces.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections import OrderedDict
from contextlib import nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, ContextManager, Sequence

import cv2
import numpy as np

from ..io import as_bgr
from .matte import person_matte
from .truth import Color, FBox

if TYPE_CHECKING:
    from ..detectors.faces import FaceFinder

MIN_FACE_PX = 24  # portraits whose face is smaller are not used (too blurry once scaled up)


@dataclass
class Portrait:
    """A usable portrait: pixels, face box, person matte, clothing colour and a
    lazily built image pyramid (so that big portraits shrink without aliasing)."""

    image: np.ndarray
    """BGR uint8, shape (h, w, 3); read-only by convention."""
    face: FBox
    """The ground-truth face box in portrait pixels."""
    matte: np.ndarray
    """float32 person matte in 0..1, a small copy of the portrait's shape (see
    :func:`~classmood.synth.matte.person_matte`)."""
    cloth: Color  # what the portrait's bottom rows wear
    skin: Color
    _levels: list[np.ndarray] | None = None

    def level_for(self, scale: float) -> np.ndarray:
        """The coarsest pyramid level of :attr:`image` (BGR uint8) that is still
        >= ~0.6x the wanted ``scale`` (drawn size / portrait size)."""
        if self._levels is None:
            self._levels = [self.image]
        k = 0
        while scale * (2 ** (k + 1)) < 1.2 and min(self._levels[k].shape[:2]) > 32:
            k += 1
            if k == len(self._levels):
                self._levels.append(cv2.pyrDown(self._levels[k - 1]))
        return self._levels[k]


class PortraitLibrary:
    """Finds and remembers what drawing a portrait needs: its face box and matte.

    Owns a BlazeFace face finder (opened at the first portrait it has not seen,
    ``min_score`` 0.5) and bounded caches keyed by portrait content (shape and a
    pixel hash), so each portrait is analysed once however many galleries and
    webcam views use it. Portraits are treated as read-only once passed in. Share
    one library across calls (and threads) to keep gallery synthesis fast; close
    it, or use it as a context manager, to free the face finder::

        with PortraitLibrary() as library:
            galleries = [make_gallery(portraits, 9, seed=s, library=library) for s in range(100)]
    """

    FACE_CACHE_MAX = 8192
    """Most face boxes remembered (least recently used forgotten first)."""
    MATTE_CACHE_MAX = 2048
    """Most mattes remembered."""

    def __init__(self) -> None:
        self._finder: FaceFinder | None = None
        self._lock = threading.Lock()
        self._faces: OrderedDict[tuple, FBox | None] = OrderedDict()
        self._mattes: OrderedDict[tuple, tuple[np.ndarray, tuple[Color, Color]]] = OrderedDict()
        self._keys: dict[int, tuple[weakref.ref[np.ndarray], tuple]] = {}

    def close(self) -> None:
        """Free the face finder and forget every analysis; the library stays usable
        (the next unseen portrait opens a new finder)."""
        with self._lock:
            finder, self._finder = self._finder, None
            self._faces.clear()
            self._mattes.clear()
            self._keys.clear()
        if finder is not None:
            finder.close()

    def __enter__(self) -> PortraitLibrary:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def face_box(self, portrait: np.ndarray) -> FBox | None:
        """The ground-truth face box of a portrait.

        Args:
            portrait: BGR (or gray) uint8 image of one person.

        Returns:
            ``(x, y, w, h)`` in portrait pixels (floats): the most confident
            BlazeFace face on the clean full-resolution image, or None when no face
            is found.

        Raises:
            InputError: ``portrait`` is not an image array.
        """
        img = as_bgr(portrait, where="portrait")
        return self._face_box(img, self._key(img))

    def usable(self, portraits: Sequence[np.ndarray], need: int, rng: np.random.Generator) -> list[Portrait]:
        """Up to ``need`` distinct portraits with a detectable face of at least
        :data:`MIN_FACE_PX` pixels, in a seeded random order (``rng`` draws one
        permutation of ``portraits``). Only the portraits visited are analysed, so
        passing a large collection costs no more than the few that are used.

        Raises:
            InputError: an entry of ``portraits`` is not an image array.
        """
        out: list[Portrait] = []
        for i in rng.permutation(len(portraits)):
            if len(out) >= need:
                break
            img = as_bgr(np.asarray(portraits[int(i)]), where=f"portrait {int(i)}")
            key = self._key(img)
            box = self._face_box(img, key)
            if box is not None and box[3] >= MIN_FACE_PX:
                matte, (cloth, skin) = self._matte(img, key, box)
                out.append(Portrait(img, box, matte, cloth, skin))
        return out

    def _key(self, img: np.ndarray) -> tuple:
        """A content key (shape + pixel hash). Hashing a portrait costs ~1 ms, so the
        key is remembered per array object while it lives."""
        hit = self._keys.get(id(img))
        if hit is not None and hit[0]() is img:
            return hit[1]
        digest = hashlib.blake2b(np.ascontiguousarray(img).data, digest_size=16).hexdigest()
        key = (img.shape, digest)
        keys = self._keys
        try:
            ref = weakref.ref(img, lambda _r, i=id(img): keys.pop(i, None))
        except TypeError:  # not weak-referenceable: just do not remember it
            return key
        keys[id(img)] = (ref, key)
        return key

    def _face_box(self, img: np.ndarray, key: tuple) -> FBox | None:
        with self._lock:
            if key in self._faces:
                self._faces.move_to_end(key)
                return self._faces[key]
            box = self._detect(img)
            self._faces[key] = box
            if len(self._faces) > self.FACE_CACHE_MAX:
                self._faces.popitem(last=False)
            return box

    def _detect(self, img: np.ndarray) -> FBox | None:
        """Best BlazeFace box on the clean portrait. Tight face crops (face filling the
        picture) are retried with a grey margin, as BlazeFace expects some context.
        Called with the lock held."""
        if self._finder is None:
            from ..detectors.faces import FaceFinder  # MediaPipe: imported on first need

            self._finder = FaceFinder(min_score=0.5)
        faces = self._finder.find(img)
        if faces:
            return tuple(float(v) for v in faces[0].bbox)  # type: ignore[return-value]
        h, w = img.shape[:2]
        p = max(h, w) // 4
        padded = cv2.copyMakeBorder(img, p, p, p, p, cv2.BORDER_CONSTANT, value=(128, 128, 128))
        faces = self._finder.find(padded)
        if not faces:
            return None
        x, y, bw, bh = faces[0].bbox
        x0, y0 = max(0.0, x - p), max(0.0, y - p)
        x1, y1 = min(float(w), x + bw - p), min(float(h), y + bh - p)
        if x1 - x0 < 4 or y1 - y0 < 4:
            return None
        return (x0, y0, x1 - x0, y1 - y0)

    def _matte(self, img: np.ndarray, key: tuple, face: FBox) -> tuple[np.ndarray, tuple[Color, Color]]:
        with self._lock:
            hit = self._mattes.get(key)
            if hit is not None:
                self._mattes.move_to_end(key)
                return hit
        out = person_matte(img, face)
        with self._lock:
            self._mattes[key] = out
            if len(self._mattes) > self.MATTE_CACHE_MAX:
                self._mattes.popitem(last=False)
        return out


def library_or_temporary(library: PortraitLibrary | None) -> ContextManager[PortraitLibrary]:
    """A context giving ``library`` itself (left open), or, when it is None, a new
    :class:`PortraitLibrary` that is closed on exit (one-off calls)."""
    return nullcontext(library) if library is not None else PortraitLibrary()


def portrait_face_box(portrait: np.ndarray, *, library: PortraitLibrary | None = None) -> FBox | None:
    """The ground-truth face box of a portrait: :meth:`PortraitLibrary.face_box`.

    Args:
        portrait: BGR (or gray) uint8 image of one person.
        library: remembers the answer for later calls; None: a temporary one
            (the portrait is detected afresh).

    Returns:
        ``(x, y, w, h)`` in portrait pixels, or None when no face is found.

    Raises:
        InputError: ``portrait`` is not an image array.
    """
    with library_or_temporary(library) as lib:
        return lib.face_box(portrait)
