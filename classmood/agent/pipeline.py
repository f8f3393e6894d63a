"""The agent's pipeline: one frame in, a :class:`~classmood.types.FrameResult` out.

    frame -> perception (tiles, states, faces; only where something changed)
          -> alignment + one batched expression call for every face
          -> tracker (stable participant ids) -> per-participant smoothing
          -> class mood and alerts

The CLI, the overlay and the Python API all drive this one object::

    from classmood import Pipeline
    with Pipeline() as pipe:
        result = pipe.process(frame_bgr, timestamp=12.5)
        for p in result.participants:
            print(p.id, p.presence, p.label, p.confidence)
        print(result.mood.valence_change, result.mood.alerts)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Sequence

import cv2
import numpy as np

from ..detectors.align import FaceAligner
from ..detectors.face_quality import DIM_CONFIDENCE, MIN_FACE_PX, TOO_SMALL, FaceQuality, assess_many
from ..detectors.gallery import GalleryPerception
from ..io import as_bgr
from ..geometry import BBox
from ..labels import UNCERTAIN
from ..types import Face, FrameResult, ParticipantResult, Presence, TileResult, TileState
from .mood import ClassMoodMeter, MoodConfig, ParticipantMood
from .summary import stretch_seconds
from .tracker import ParticipantTracker

_PRESENCE = {
    TileState.FACE: Presence.PRESENT,
    TileState.NO_FACE: Presence.AWAY,
    TileState.CAMERA_OFF: Presence.CAMERA_OFF,
    TileState.PHOTO: Presence.CAMERA_OFF,
}


@dataclass(frozen=True)
class PipelineConfig:
    """How much work per frame, and how results are smoothed (see :class:`MoodConfig`)."""

    incremental: bool = True
    """Work only where something changed (False: every stage on every frame)."""
    layout_every_s: float = 10.0
    """Seconds between tile-grid searches when the gaps between tiles did not change."""
    faces_every_s: float = 3.0
    """Seconds between face searches in a tile whose picture did not change."""
    change_level: float = 3.0
    """Mean absolute change (grey levels, of a gray thumbnail) that makes a tile changed."""
    min_face_score: float = 0.5
    """BlazeFace's detection threshold, in (0, 1)."""
    still_photos: bool = True
    """A face tile unchanged for seconds while others move is a profile photo. True for
    live capture; False for recordings: a codec repeats a still student's tile exactly
    (and, with noise quantised away, everything but a few tiles), so a still class read
    as photos (a newcomer's 10 fps recording: students camera off 8-19 s of 30)."""
    mood: MoodConfig = field(default_factory=MoodConfig)
    """Smoothing, labels and alerts."""


PERSON_FACE_RATIO = 0.5
"""A second face in a tile is another person in the class when it is at least this wide
relative to the tile's largest face: people sharing one camera sit at about the same
distance (0.81-0.95 measured in cases/presence/multi_face_tiles.png); a face far behind
(a sibling walking past, a picture on the wall) is smaller."""


MIN_READABLE_FACE_PX = MIN_FACE_PX
"""A face narrower than this (detector box, frame pixels) is too small to read an expression
from: it is present, its label is ``uncertain`` and ``too_small`` says why
(:data:`classmood.detectors.face_quality.MIN_FACE_PX`, with its measurement)."""


def main_face(faces: Sequence[Face]) -> Face | None:
    """The participant's face in a tile: the largest (a sibling walking behind is not
    the student)."""
    return max(faces, key=lambda f: f.bbox[2] * f.bbox[3]) if faces else None


def people_in_tile(faces: Sequence[Face]) -> list[Face]:
    """The faces of the people a tile shows: the main face (:func:`main_face`) first, then
    every other face at least ``PERSON_FACE_RATIO`` as wide, left to right (two or three
    students sharing a camera each count and are classified; the face finder keeps a
    second face in a tile only when a second look confirms it:
    :meth:`classmood.detectors.faces.FaceFinder.confirm`)."""
    main = main_face(faces)
    if main is None:
        return []
    others = [f for f in faces if f is not main and f.bbox[2] >= PERSON_FACE_RATIO * main.bbox[2]]
    return [main] + sorted(others, key=lambda f: f.bbox[0])


def person_regions(tile_bbox: BBox, faces: Sequence[Face]) -> list[BBox]:
    """Each person's part of a tile, in the order of ``faces``: the tile cut into full-height
    bands halfway between neighbouring face centres (the whole tile for one face)."""
    if len(faces) <= 1:
        return [tile_bbox]
    x, y, w, h = tile_bbox
    centres = sorted((f.bbox[0] + f.bbox[2] / 2, k) for k, f in enumerate(faces))
    cuts = [x] + [int(round((a + b) / 2)) for (a, _), (b, _) in zip(centres, centres[1:])] + [x + w]
    out: list[BBox] = [tile_bbox] * len(faces)
    for j, (_, k) in enumerate(centres):
        x0, x1 = max(x, cuts[j]), min(x + w, cuts[j + 1])
        out[k] = (x0, y, max(1, x1 - x0), h)
    return out


class Pipeline:
    """Everything the agent does to one frame, with memory across frames.

    ``names``: read participants' name labels (personal data: off unless the teacher
    turns it on). ``presence_only``: never load or run the expression model; presence,
    attention and away alerts only. ``classifier`` and ``perception`` may be given
    (tests, benchmarks, a shared model); otherwise the bundled ones are used.
    """

    def __init__(self, *, names: bool = False, presence_only: bool = False,
                 config: PipelineConfig | None = None, classifier=None,
                 perception: GalleryPerception | None = None) -> None:
        self.config = config or PipelineConfig()
        self.names = names
        self.presence_only = presence_only
        self.perception = perception or GalleryPerception(names=names, min_face_score=self.config.min_face_score,
                                                          still_photos=self.config.still_photos)
        self.aligner = FaceAligner()
        if presence_only:
            self.classifier = None
        else:
            self.classifier = classifier if classifier is not None else self._load_classifier()
        self._classifier_backup = self.classifier
        self.tracker = ParticipantTracker()
        self.meter = ClassMoodMeter(self.config.mood)
        self._moods: dict[str, ParticipantMood] = {}
        self._shown: dict[str, ParticipantResult] = {}  # each participant's last result with a tile
        self._unseen = _Unseen()
        self._last_t: float | None = None
        self.frames = 0

    # -- lifecycle --------------------------------------------------------------------
    def close(self) -> None:
        """Free the native face detector (the pipeline cannot process afterwards)."""
        self.perception.close()

    def __enter__(self) -> "Pipeline":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def set_presence_only(self, on: bool) -> None:
        """Switch the expression model off (on=True) or back on mid-session. Switching
        it back on loads the model if this pipeline started in presence-only mode."""
        if on:
            self.presence_only, self.classifier = True, None
            return
        if self.classifier is None:
            self.classifier = self._classifier_backup or self._load_classifier()
        self.presence_only = False

    def _load_classifier(self):
        """The bundled expression model (imported only when expressions are on)."""
        from ..models.expression import ExpressionClassifier

        return ExpressionClassifier()

    def reset(self) -> None:
        """Start a new class: forget participants, smoothing, layouts and timestamps."""
        self.perception.reset()
        self.tracker.reset()
        self.meter = ClassMoodMeter(self.config.mood)
        self._moods.clear()
        self._shown.clear()
        self._unseen = _Unseen()
        self._last_t = None
        self.frames = 0

    def new_view(self) -> None:
        """The frames now show another part of the screen (a region the teacher picked
        mid-class): forget what was learnt of the picture (the layout, still tiles), keep
        the class: its participants (the tracker finds each again by their tile's
        appearance, which does not depend on where the tile is or how large), their
        baselines and the class mood. Those not in the new part are left from its first
        frame (:meth:`ParticipantTracker.new_view`: not held, as on a misread frame)."""
        self.perception.reset()
        self.tracker.new_view()

    # -- the work ---------------------------------------------------------------------
    def process(self, frame_bgr: np.ndarray, timestamp: float,
                mask: Sequence[BBox] = ()) -> FrameResult:
        """Analyse one frame taken at ``timestamp`` seconds (monotonic within a session).

        Args:
            frame_bgr: the frame, uint8 (H, W, 3) BGR; gray, BGRA and 16-bit frames are
                converted.
            timestamp: seconds since the session started; never less than the last.
            mask: rectangles ``(x, y, w, h)`` in frame pixels that are not the class:
                what we drew ourselves on the screen (the overlay's badges) and other
                apps' windows lying over the meeting (:attr:`Frame.covered
                <classmood.types.Frame.covered>`) must never be analysed; they are shown
                to the analysis as last seen uncovered (:class:`_Unseen`).

        Returns:
            The frame's tiles, participants (one per tile, one per person where several
            share a camera: :func:`people_in_tile`; stable ids), class mood and per-stage
            timings in milliseconds. On a frame whose layout disagrees with the steady one
            (:mod:`classmood.agent.tracker`, "suspect frames": a misread, a reflow's
            first frame), a tile that matched nobody known has no participant yet (it
            is one from the next frame if seen again), and participants whose tile is
            missing from it are held, not left: each is given as last shown with no
            tile (``bbox``, ``tile_index``, ``tile_state``, ``face_bbox`` and ``probs``
            None: nothing drawn for them, nothing read), their presence, labels and
            smoothing as they were, after the frame's tiles' participants. A tile that
            another app's window found over the gallery hides (``TileResult.covered``) with
            no face seen is not "away": its participant is held the same way (one never
            shown yet is not a participant yet).

        Raises:
            InputError: ``frame_bgr`` is not an image (one line, from
                :func:`classmood.io.as_bgr`).
            ValueError: ``timestamp`` is not finite, or goes back in the session.
        """
        t0 = time.perf_counter()
        image = as_bgr(frame_bgr)
        t = float(timestamp)
        if not np.isfinite(t):
            raise ValueError(f"timestamp must be a finite number of seconds, got {timestamp}")
        if self._last_t is not None and t < self._last_t:
            raise ValueError(f"timestamps must not go back in a session: {t} after {self._last_t}")
        if mask:
            image = self._unseen.fill(image, mask)
        else:
            self._unseen.remember(image)
        cfg = self.config
        if cfg.incremental:
            gallery = self.perception.update(image, t, layout_every_s=cfg.layout_every_s,
                                             faces_every_s=cfg.faces_every_s, change_level=cfg.change_level,
                                             ignore=mask)
        else:
            gallery = self.perception.analyze(image, timestamp=t)
        timings = {k: v for k, v in gallery.timings_ms.items() if k != "total"}

        # the people in each live tile, and one batched expression call for all their faces
        t1 = time.perf_counter()
        # (faces too small, too dark, blurred or turned away are present but not read:
        # detectors/face_quality.py)
        people = [people_in_tile(tr.faces) if tr.state is TileState.FACE else [] for tr in gallery.tiles]
        keys = [(i, k) for i, ps in enumerate(people) for k in range(len(ps))
                if ps[k].bbox[2] >= MIN_READABLE_FACE_PX]
        faces = [people[i][k] for i, k in keys]
        probs_of: dict[tuple[int, int], np.ndarray] = {}
        quality_of: dict[tuple[int, int], FaceQuality] = {}
        if self.classifier is not None and faces:
            crops = self.aligner.align_many(image, faces)
            quality_of = dict(zip(keys, assess_many(crops, faces)))
            read = [j for j, key in enumerate(keys) if quality_of[key].readable]
            t2 = time.perf_counter()
            timings["align"] = (t2 - t1) * 1000.0
            probs = self.classifier.predict(crops[read]) if read else []
            timings["classify"] = (time.perf_counter() - t2) * 1000.0
            probs_of = {keys[j]: pr for j, pr in zip(read, probs)}

        t3 = time.perf_counter()
        ids = self.tracker.update(image, gallery.tiles, t)
        timings["track"] = (time.perf_counter() - t3) * 1000.0

        t4 = time.perf_counter()
        participants = []
        under: set[str] = set()  # participants whose tile a foreign window hides: held
        for i, (pid, tr) in enumerate(zip(ids, gallery.tiles)):
            if pid is None:  # a suspect frame's tile that matched nobody: not a participant yet
                continue
            if tr.covered and tr.state is not TileState.FACE:
                # another app's window found over the tile (GalleryResult.covered) and no
                # face seen: not "away"; held as last shown, as under live masking (never
                # shown yet: not a participant yet, as a suspect frame's new tile)
                under.add(pid)
                continue
            # the tile's participant is its main person; others sharing the camera get
            # their own ids (the tile's id and their place left to right among the others)
            regions = person_regions(tr.tile.bbox, people[i])
            for k in range(max(1, len(people[i]))):
                face = people[i][k] if people[i] else None
                participants.append(self._participant(
                    pid if k == 0 else f"{pid}.{k}", pid, tr, probs_of.get((i, k)), t,
                    face, regions[k] if people[i] else tr.tile.bbox, quality_of.get((i, k))))
        self._shown.update((p.id, p) for p in participants)
        seen = {p.id for p in participants}
        # held on a suspect frame: as last shown, with no tile (their mood learns nothing)
        held = set(self.tracker.held) | under
        participants += [replace(p, tile_index=None, bbox=None, tile_state=None, face_bbox=None, probs=None)
                         for pid, p in self._shown.items()
                         if pid not in seen and pid.split(".")[0] in held and p.presence is not Presence.LEFT]
        seen = {p.id for p in participants}
        for pid, m in self._moods.items():  # gone from the gallery: left (not shown)
            if pid not in seen and m.presence is not Presence.LEFT:
                m.update(t, Presence.LEFT, None)
        participants = tuple(participants)
        mood = self.meter.update(t, participants, presence_only=self.presence_only)
        timings["mood"] = (time.perf_counter() - t4) * 1000.0
        timings["total"] = (time.perf_counter() - t0) * 1000.0
        self._last_t = t
        self.frames += 1
        return FrameResult(timestamp=t, gallery=gallery, participants=participants, mood=mood,
                           timings_ms=timings, presence_only=self.presence_only)

    def _participant(self, pid: str, tile_id: str, tr: TileResult, probs: np.ndarray | None, t: float,
                     face: Face | None, bbox: BBox, quality: FaceQuality | None = None) -> ParticipantResult:
        m = self._moods.get(pid)
        if m is None:
            m = self._moods[pid] = ParticipantMood(self.config.mood)
        raw = _PRESENCE[tr.state]
        dim = quality is not None and quality.dim
        presence = m.update(t, raw, probs, min_confidence=DIM_CONFIDENCE if dim else None)
        track = self.tracker.tracks[tile_id]
        # no expression is read from a face that cannot be read (too small, too dark,
        # blurred, turned away): say why, show no stale label or valence
        why = None
        if not self.presence_only and face is not None and presence is Presence.PRESENT:
            why = TOO_SMALL if face.bbox[2] < MIN_READABLE_FACE_PX else (quality.reason if quality else None)
        small = why == TOO_SMALL
        expressions = not (self.presence_only or why)
        shown = expressions and presence is Presence.PRESENT
        return ParticipantResult(
            id=pid,
            tile_index=tr.tile.index,
            bbox=bbox,
            tile_state=tr.state,
            presence=presence,
            name=(track.name if self.names and pid == tile_id else None),
            face_bbox=None if face is None else face.bbox,
            probs=probs,
            smoothed=m.smoothed if shown else None,
            label=UNCERTAIN if why else (m.label if expressions else None),
            confidence=m.confidence if expressions else 0.0,
            valence=m.valence if shown else None,
            baseline_valence=m.baseline.value if shown else None,
            valence_change=m.valence_change if shown else None,
            baseline_learnt=shown and m.baseline.learnt,
            usual_label=m.baseline.usual_label if expressions and presence is Presence.PRESENT else None,
            negative_change=m.negative_change if shown else None,
            negative_line=m.baseline.negative_line if shown else None,
            # how long each run has lasted: the one definition the report's stretches use too
            away_s=0.0 if m.away_since is None else stretch_seconds(m.away_since, t),
            negative_s=0.0 if (m.negative_since is None or not expressions) else stretch_seconds(m.negative_since, t),
            negative_usual_s=(0.0 if (m.negative_usual_since is None or not expressions)
                              else stretch_seconds(m.negative_usual_since, t)),
            negative_usual_since_joined=expressions and m.negative_usual_since_joined,
            too_small=small,
            unreadable=why,
        )


class _Unseen:
    """What lies under our own windows (the overlay's badges, the panel the teacher moved
    over the gallery) and under other apps' windows over the meeting (slides, notes):
    shown to the analysis as it was when last seen uncovered, so that
    the students under them keep their tiles, faces and state instead of turning into
    blank "away" tiles and a changed layout (a newcomer dragged the panel over four
    students: four new ids, away, and the gallery read as a speaker view). Where nothing
    was seen yet, the rectangle is filled with its border's colour (:func:`_masked`).
    Holds the last frame's pixels in memory only (never stored); pixels inside a
    rectangle are never taken into what is shown later (:meth:`remember`), so a covering
    window's picture is never analysed, not even as "last seen"."""

    def __init__(self) -> None:
        self.frame: np.ndarray | None = None
        self.seen: np.ndarray | None = None  # bool (H, W): the pixel was seen uncovered

    def remember(self, image: np.ndarray, rects: Sequence[tuple[int, int, int, int]] = ()) -> None:
        """Keep ``image``'s pixels but those inside ``rects`` ((x0, y0, x1, y1) each),
        where what was seen before stays."""
        if self.frame is not None and self.frame.shape != image.shape and rects:
            # the window changed size while something covered it: what was seen under the
            # cover is the best guess of it, scaled to the new size (dropped, the cover was
            # filled flat and the students under it turned "away" and new ids; a newcomer's
            # resize under slides)
            h, w = image.shape[:2]
            self.frame = cv2.resize(self.frame, (w, h), interpolation=cv2.INTER_AREA)
            self.seen = cv2.resize(self.seen.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST) > 0
        if self.frame is None or self.frame.shape != image.shape:
            self.frame = image.copy()
            self.seen = np.ones(image.shape[:2], bool)
            for x0, y0, x1, y1 in rects:
                self.seen[y0:y1, x0:x1] = False
            return
        saved = [(r, self.frame[r[1]:r[3], r[0]:r[2]].copy(), self.seen[r[1]:r[3], r[0]:r[2]].copy())
                 for r in rects]
        np.copyto(self.frame, image)
        self.seen[...] = True
        for (x0, y0, x1, y1), px, seen in saved:
            self.frame[y0:y1, x0:x1] = px
            self.seen[y0:y1, x0:x1] = seen

    def fill(self, image: np.ndarray, rects: Sequence[BBox]) -> np.ndarray:
        """A copy of ``image`` with each rectangle as last seen uncovered (its border's
        colour where it never was); the uncovered pixels are remembered."""
        h, w = image.shape[:2]
        boxes = [(max(0, int(x)), max(0, int(y)), min(w, int(x + bw)), min(h, int(y + bh))) for x, y, bw, bh in rects]
        boxes = [b for b in boxes if b[2] > b[0] and b[3] > b[1]]
        if self.frame is not None and self.frame.shape == image.shape:
            for x0, y0, x1, y1 in boxes:
                if _ring_change(image, self.frame, (x0, y0, x1, y1)) > STALE_RING_LEVEL:
                    # the picture around it changed wholesale (the tiles reordered, a camera
                    # switched): what was under it then belongs to another picture
                    self.seen[y0:y1, x0:x1] = False
        self.remember(image, boxes)
        out = _masked(image, boxes)
        for x0, y0, x1, y1 in boxes:
            known = self.seen[y0:y1, x0:x1]
            out[y0:y1, x0:x1][known] = self.frame[y0:y1, x0:x1][known]
        return out


STALE_RING_LEVEL = 24.0
"""Grey levels (mean absolute difference, 0-255) by which the pixels just around a covered
rectangle may differ from when they were last seen before what was remembered under it
is taken as another picture's (:meth:`_Unseen.fill`): camera noise and a student moving
beside a badge change them by a few levels; a reorder puts another tile there (a card
where a face was: 60 or more). The demo's class on screen, after its reorder, showed its
camera-off cards with the previous occupant's face pasted under the badges: read as
empty rooms ("away"), a new id for one of them (13 participants for 12)."""


def _ring_change(a: np.ndarray, b: np.ndarray, box: tuple[int, int, int, int], width: int = 2) -> float:
    """The mean absolute difference (grey levels) of two frames' pixels in a ring ``width``
    pixels wide just outside ``box`` ((x0, y0, x1, y1)); 0 where the box fills the frame."""
    h, w = a.shape[:2]
    x0, y0, x1, y1 = box
    ox0, oy0, ox1, oy1 = max(0, x0 - width), max(0, y0 - width), min(w, x1 + width), min(h, y1 + width)
    outer = np.ones((oy1 - oy0, ox1 - ox0), bool)
    outer[y0 - oy0:y1 - oy0, x0 - ox0:x1 - ox0] = False
    if not outer.any():
        return 0.0
    da = a[oy0:oy1, ox0:ox1][outer].astype(np.int16)
    db = b[oy0:oy1, ox0:ox1][outer].astype(np.int16)
    return float(np.abs(da - db).mean())


def _masked(image: np.ndarray, boxes: Sequence[tuple[int, int, int, int]]) -> np.ndarray:
    """A copy with each box ((x0, y0, x1, y1), inside the image, not empty) filled from its
    surroundings (inpainting by the box's border colour), so masked badges look like
    neither a face nor a card."""
    out = image.copy()
    h, w = out.shape[:2]
    for x0, y0, x1, y1 in boxes:
        ring = np.concatenate([
            out[max(0, y0 - 1), x0:x1], out[min(h - 1, y1), x0:x1],
            out[y0:y1, max(0, x0 - 1)], out[y0:y1, min(w - 1, x1)]])
        out[y0:y1, x0:x1] = np.median(ring, axis=0).astype(np.uint8) if len(ring) else 0
    return out


__all__ = ["Pipeline", "PipelineConfig", "MIN_READABLE_FACE_PX", "main_face", "people_in_tile",
           "person_regions"]
