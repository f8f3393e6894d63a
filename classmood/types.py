"""Plain typed data passed between ClassMood's stages.

Every stage takes and returns these small frozen dataclasses; none reaches into
another stage's internals. Boxes are ``(x, y, w, h)`` in pixels of the full frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Mapping

import numpy as np

from .geometry import BBox
from .labels import FER_CLASSES, LOW_CONFIDENCE, NEGATIVE_DROP, UNCERTAIN, relative_label

KEYPOINT_NAMES = (
    "right_eye",
    "left_eye",
    "nose_tip",
    "mouth_center",
    "right_ear_tragion",
    "left_ear_tragion",
)
"""BlazeFace's six keypoints, in its order. Right/left are the *subject's*: the
subject's right eye appears on the image's left in an unmirrored picture."""


def _check_bbox(bbox: tuple, what: str) -> None:
    if len(bbox) != 4:
        raise ValueError(f"{what}: bbox must be (x, y, w, h), got {bbox!r}")
    if bbox[2] <= 0 or bbox[3] <= 0:
        raise ValueError(f"{what}: bbox width and height must be positive, got {bbox!r}")


class TileState(str, Enum):
    """What a participant tile shows."""

    FACE = "face"
    """Live video with at least one face."""
    NO_FACE = "no_face"
    """Live video, nobody in view (the student is away)."""
    CAMERA_OFF = "camera_off"
    """A name or initials card: the camera is off."""
    PHOTO = "photo"
    """Camera off, a still profile photo shown small in the middle of the tile."""

    def __str__(self) -> str:  # "face", not "TileState.FACE"
        return self.value


@dataclass(frozen=True)
class Tile:
    """One participant tile found in a gallery view.

    ``index`` is the reading order (rows top to bottom, left to right in a row).
    """

    index: int
    bbox: BBox

    def __post_init__(self) -> None:
        _check_bbox(self.bbox, "Tile")
        if self.index < 0:
            raise ValueError(f"Tile: index must be >= 0, got {self.index}")

    @property
    def area(self) -> int:
        return self.bbox[2] * self.bbox[3]

    def crop(self, image: np.ndarray) -> np.ndarray:
        """The tile's pixels (a view, not a copy), clipped to the image."""
        x, y, w, h = self.bbox
        return image[max(0, y) : y + h, max(0, x) : x + w]


@dataclass(frozen=True, eq=False)
class Face:
    """One detected face, in full-frame pixel coordinates.

    ``keypoints`` is a float32 array of shape (6, 2) of (x, y) points in the order
    of :data:`KEYPOINT_NAMES`.
    """

    bbox: tuple[float, float, float, float]
    score: float
    keypoints: np.ndarray

    def __post_init__(self) -> None:
        _check_bbox(self.bbox, "Face")
        kp = np.asarray(self.keypoints, dtype=np.float32)
        if kp.shape != (6, 2):
            raise ValueError(f"Face: keypoints must have shape (6, 2), got {kp.shape}")
        if not 0.0 <= float(self.score) <= 1.0:
            raise ValueError(f"Face: score must be in [0, 1], got {self.score}")
        kp.setflags(write=False)
        object.__setattr__(self, "keypoints", kp)

    @property
    def center(self) -> tuple[float, float]:
        """The box's centre (x, y), frame pixels."""
        x, y, w, h = self.bbox
        return x + w / 2, y + h / 2

    @property
    def right_eye(self) -> np.ndarray:
        return self.keypoints[0]

    @property
    def left_eye(self) -> np.ndarray:
        return self.keypoints[1]

    def to_dict(self) -> dict[str, Any]:
        return {
            "bbox": [round(float(v), 1) for v in self.bbox],
            "score": round(float(self.score), 4),
            "keypoints": {
                name: [round(float(x), 1), round(float(y), 1)]
                for name, (x, y) in zip(KEYPOINT_NAMES, self.keypoints)
            },
        }


@dataclass(frozen=True)
class TileResult:
    """Everything perception knows about one tile in one frame."""

    tile: Tile
    state: TileState
    faces: tuple[Face, ...] = ()
    name: str | None = None
    changed: bool = True
    """False when the tile's picture is the same as when it was last looked at (within
    capture noise: a gray thumbnail's mean change under the live agent's change level), so
    that later stages may reuse what they measured on it; True when it changed, or is not
    known (a single frame)."""
    covered: bool = False
    """True when foreign content found in the frame lies over this tile (another app's
    dialog or window, a poll, a self-view picture-in-picture: :attr:`GalleryResult.covered`):
    what the tile shows there is not the participant, so a tile under it with no face
    seen is not "away" (the agent holds the participant as last seen uncovered)."""

    def __post_init__(self) -> None:
        if self.state is TileState.FACE and not self.faces:
            raise ValueError("TileResult: state 'face' needs at least one face")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.tile.index,
            "bbox": list(self.tile.bbox),
            "state": self.state.value,
            "name": self.name,
            "faces": [f.to_dict() for f in self.faces],
            **({"covered": True} if self.covered else {}),
        }


@dataclass(frozen=True)
class GalleryResult:
    """Perception's answer for one frame: every tile, its state, faces and name."""

    width: int
    height: int
    tiles: tuple[TileResult, ...]
    timings_ms: Mapping[str, float] = field(default_factory=dict)
    layout: str | None = None
    """The kind of layout the tiles make: ``"gallery"``, ``"speaker"``, ``"filmstrip"``,
    ``"mixed"``, ``"single"`` or ``"none"`` (see
    :func:`classmood.detectors.face_layout.layout_kind`); None when not known."""
    layout_method: str | None = None
    """How the tiles were found: ``"gap"`` (cut on exact gap-colour lines), ``"grid"`` (a
    regular grid fitted to straight edges), ``"faces"`` (a region around every face
    found in the frame, when no grid fits), ``"avatars"`` (only a row of camera-off
    avatar discs), ``"frame"`` (the whole frame, one camera); None when not known. Avatar
    tiles beside a grid or faces layout keep that layout's method."""
    covered: tuple[tuple[int, int, int, int], ...] = ()
    """Foreign windows (x, y, w, h, frame pixels) found lying over the gallery (a dialog, a
    poll, another app's window, a self-view picture-in-picture: a fitted grid that holds
    around them, :func:`classmood.detectors.grid_fit.foreign_window`); the tiles under them
    are kept and marked (:attr:`TileResult.covered`). Empty when none was found."""

    @property
    def faces(self) -> list[Face]:
        return [f for t in self.tiles for f in t.faces]

    def to_dict(self) -> dict[str, Any]:
        return {
            "frame": {"width": self.width, "height": self.height},
            "layout": self.layout,
            "layout_method": self.layout_method,
            "tiles": [t.to_dict() for t in self.tiles],
            **({"covered": [list(c) for c in self.covered]} if self.covered else {}),
            "timings_ms": {k: round(float(v), 2) for k, v in self.timings_ms.items()},
        }


# --------------------------------------------------------------------------- agent
@dataclass(frozen=True, eq=False)
class Frame:
    """One picture from a source: BGR uint8 pixels and when it was taken.

    ``timestamp`` is seconds since the source started (video: the position in the
    file); ``origin`` is the screen position of the image's top-left pixel (screen
    capture; (0, 0) otherwise), so an overlay can be drawn exactly over it.
    ``covered``: rectangles ``(x, y, w, h)`` of the image's own pixels (relative to its
    top-left, inside it) that show another app's window lying over the captured meeting
    window (slides, notes, a browser), not the meeting: the analysis must not read them
    (the run loop masks them as it masks the overlay's own drawing). Empty for other
    sources and while nothing covers the window.
    """

    image: np.ndarray
    timestamp: float
    index: int = 0
    origin: tuple[int, int] = (0, 0)
    covered: tuple[tuple[int, int, int, int], ...] = ()

    def __post_init__(self) -> None:
        img = self.image
        if not isinstance(img, np.ndarray) or img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
            shape = getattr(img, "shape", None)
            raise ValueError(f"Frame: image must be BGR uint8 (H, W, 3), got {shape}")
        if not np.isfinite(self.timestamp) or self.timestamp < 0:
            raise ValueError(f"Frame: timestamp must be a finite number of seconds >= 0, got {self.timestamp}")
        h, w = img.shape[:2]
        for r in self.covered:
            if (len(r) != 4 or r[2] <= 0 or r[3] <= 0 or r[0] < 0 or r[1] < 0
                    or r[0] + r[2] > w or r[1] + r[3] > h):
                raise ValueError(f"Frame: a covered rectangle must lie inside the {w}x{h} image, got {r}")


class Presence(str, Enum):
    """Where a participant is, as the agent sees it (after smoothing)."""

    PRESENT = "present"
    """A face is in view."""
    AWAY = "away"
    """Camera on, nobody in view."""
    CAMERA_OFF = "camera_off"
    """A name/initials card or a still profile photo."""
    LEFT = "left"
    """No tile any more (left the meeting, or off the visible page)."""

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, eq=False)
class ParticipantResult:
    """One tracked participant in one frame.

    ``probs`` are this frame's expression probabilities (FER2013 order; None without a
    face or in presence-only mode); ``smoothed`` their moving average over time.
    ``label`` is the expression to show: a FER2013 class, ``"uncertain"`` when the
    smoothed confidence is low, or None (no face, or presence-only). ``away_s`` and
    ``negative_s`` are how long the participant has been away / negative without a break.
    ``bbox`` is the participant's tile, or their part of it (a full-height band) when
    several people share the camera; those others have the tile participant's id with
    ``.1``, ``.2`` ... added. A participant held on a suspect frame (their tile missing
    from a frame whose layout disagrees with the steady one: :mod:`classmood.agent.tracker`)
    has no tile: ``tile_index``, ``bbox``, ``tile_state``, ``face_bbox`` and ``probs`` are
    None, the rest as last shown.
    """

    id: str
    tile_index: int | None
    bbox: BBox | None
    tile_state: TileState | None
    presence: Presence
    name: str | None = None
    face_bbox: tuple[float, float, float, float] | None = None
    probs: np.ndarray | None = None
    smoothed: np.ndarray | None = None
    label: str | None = None
    confidence: float = 0.0
    valence: float | None = None
    baseline_valence: float | None = None
    """The participant's resting valence, learnt over their first minutes in view
    (:class:`classmood.agent.mood.ValenceBaseline`); None without a face shown."""
    valence_change: float | None = None
    """``valence`` minus ``baseline_valence``: below 0, more negative than this student
    usually looks."""
    baseline_learnt: bool = False
    """The baseline is learnt (``baseline_s`` of face time seen); before, it is the median
    so far (provisional, shown from ``baseline_min_s``) and nobody is flagged against it."""
    away_s: float = 0.0
    negative_s: float = 0.0
    negative_usual_s: float = 0.0
    """How long, without a break, the participant has read strongly negative (valence at or
    below the agent's ``negative_below``) while their learnt usual is itself that negative:
    their usual look, not a change, so not counted in ``negative_s``
    (:class:`classmood.agent.mood.ParticipantMood`); 0 otherwise."""
    negative_usual_since_joined: bool = False
    """That run began on the first frame the participant was seen (the note says "since
    they joined"; otherwise it gives the run's length: never "all class")."""
    too_small: bool = False
    """The face is too small to read an expression from (narrower than
    :data:`classmood.agent.pipeline.MIN_READABLE_FACE_PX`): present, label ``uncertain``,
    no probabilities."""
    unreadable: str | None = None
    """Why no expression is read from the face in view, or None: ``"too small"``, ``"too
    dark"``, ``"covered"``, ``"blurred"`` or ``"turned away"``
    (:mod:`classmood.detectors.face_quality`).
    Such a face is present, labelled ``uncertain``, with no probabilities or valence."""

    usual_label: str | None = None
    """The FER2013 class of this participant's median reading while their baseline was
    learnt (the argmax of each class's median smoothed probability), their usual (resting)
    label whatever the model calls it; None until learnt (or when
    every reading then was ``uncertain``). What the teacher is shown is read against it
    (:attr:`shown_label`)."""
    negative_change: float | None = None
    """Their smoothed negative probability (angry + disgust + fear + sad, in [0, 1]) minus
    their usual one, in [-1, 1]; None until the baseline is learnt
    (:func:`classmood.agent.mood.negative_probability`)."""
    negative_line: float | None = None
    """The rise of ``negative_change`` that makes this participant negative: the agent's
    ``negative_rise``, or more for a face whose reading wanders at rest
    (:attr:`classmood.agent.mood.ValenceBaseline.negative_line`); None until learnt."""

    def below_usual(self, drop: float = NEGATIVE_DROP) -> bool:
        """Whether the participant reads negative against their own learnt usual (the
        agent's "negative against their usual"): their valence ``drop`` or more below
        their baseline (``drop``: :attr:`classmood.agent.mood.MoodConfig.negative_drop`), or
        their negative probability ``negative_line`` or more above its usual."""
        if not self.baseline_learnt:
            return False
        fell = self.valence_change is not None and self.valence_change <= -drop
        rose = (self.negative_change is not None and self.negative_line is not None
                and self.negative_change >= self.negative_line)
        return fell or rose

    @property
    def shown_label(self) -> str | None:
        """The label as the teacher is shown it: ``"usual"`` when it is the participant's
        usual label, else the label (a change from their usual, or the model's reading
        while no usual is known; :func:`classmood.labels.relative_label`)."""
        return relative_label(self.label, self.usual_label)

    @property
    def uncertain_reason(self) -> str | None:
        """Why the label is ``uncertain``: the face-quality reason (``unreadable``), else
        ``"low confidence"`` (the face was read, the model was unsure); None when the label
        is not ``uncertain``."""
        if self.label != UNCERTAIN:
            return None
        return self.unreadable or LOW_CONFIDENCE

    def to_dict(self) -> dict[str, Any]:
        def _p(a):
            return None if a is None else {c: round(float(v), 4) for c, v in zip(FER_CLASSES, a)}

        return {
            "id": self.id,
            "name": self.name,
            "tile": self.tile_index,
            "bbox": None if self.bbox is None else list(self.bbox),
            "state": None if self.tile_state is None else self.tile_state.value,
            "presence": self.presence.value,
            "face_bbox": None if self.face_bbox is None else [round(float(v), 1) for v in self.face_bbox],
            "probs": _p(self.probs),
            "smoothed": _p(self.smoothed),
            "label": self.label,
            "confidence": round(float(self.confidence), 4),
            "valence": None if self.valence is None else round(float(self.valence), 4),
            "baseline_valence": None if self.baseline_valence is None else round(float(self.baseline_valence), 4),
            "valence_change": None if self.valence_change is None else round(float(self.valence_change), 4),
            "baseline_learnt": bool(self.baseline_learnt),
            "away_s": round(float(self.away_s), 2),
            "negative_s": round(float(self.negative_s), 2),
            "negative_usual_s": round(float(self.negative_usual_s), 2),
            "negative_usual_since_joined": bool(self.negative_usual_since_joined),
            "too_small": bool(self.too_small),
            "unreadable": self.unreadable,
            "uncertain_reason": self.uncertain_reason,
            "usual_label": self.usual_label,
            "shown_label": self.shown_label,
            "negative_change": None if self.negative_change is None else round(float(self.negative_change), 4),
            "negative_line": None if self.negative_line is None else round(float(self.negative_line), 4),
        }


@dataclass(frozen=True)
class Alert:
    """Something the teacher should look at: ``kind`` is ``negative``, ``away`` or
    ``valence_drop``, or the lower-key note ``negative_usual`` (strongly negative, as the
    participant usually looks: listed after the alerts); ``participant`` is None for
    class-wide alerts."""

    kind: str
    participant: str | None
    since_s: float
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "participant": self.participant,
                "since_s": round(float(self.since_s), 1), "message": self.message}


@dataclass(frozen=True)
class ClassSnapshot:
    """The class in one frame: who is there, the expression mix and the valence index.

    ``distribution`` is the share of each label among participants with a face
    (FER2013 classes plus ``uncertain``); ``valence`` in [-1, 1] is the mean of the
    present participants' valence (None when nobody's expression is known);
    ``valence_change`` the mean of their change from their own baselines
    (:attr:`ParticipantResult.valence_change`), the figure to show: 0 is the class as it
    usually looks.
    """

    participants: int
    present: int
    away: int
    camera_off: int
    distribution: Mapping[str, float] = field(default_factory=dict)
    valence: float | None = None
    alerts: tuple[Alert, ...] = ()
    valence_change: float | None = None
    usual_distribution: Mapping[str, float] = field(default_factory=dict)
    """The mix as the teacher is shown it, against each participant's usual label: the
    share of ``"usual"`` (their usual label), of each label that is a change from it, of
    ``uncertain``, and of ``"learning"`` (a label of someone whose usual is not known yet);
    shares summing to 1 over the labelled faces in view. Empty while nobody's usual is
    known (then ``distribution`` is what there is to show)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "participants": self.participants,
            "present": self.present,
            "away": self.away,
            "camera_off": self.camera_off,
            "distribution": {k: round(float(v), 4) for k, v in self.distribution.items()},
            "valence": None if self.valence is None else round(float(self.valence), 4),
            "valence_change": None if self.valence_change is None else round(float(self.valence_change), 4),
            "usual_distribution": {k: round(float(v), 4) for k, v in self.usual_distribution.items()},
            "alerts": [a.to_dict() for a in self.alerts],
        }


@dataclass(frozen=True, eq=False)
class FrameResult:
    """Everything the agent knows after one frame; what every sink reads."""

    timestamp: float
    gallery: GalleryResult
    participants: tuple[ParticipantResult, ...]
    mood: ClassSnapshot
    timings_ms: Mapping[str, float] = field(default_factory=dict)
    presence_only: bool = False

    def to_dict(self) -> dict[str, Any]:
        d = self.gallery.to_dict()
        d["timestamp"] = round(float(self.timestamp), 3)
        d["participants"] = [p.to_dict() for p in self.participants]
        d["mood"] = self.mood.to_dict()
        d["timings_ms"] = {k: round(float(v), 2) for k, v in self.timings_ms.items()}
        d["presence_only"] = self.presence_only
        return d
