"""Hand-built FrameResults and synthetic galleries for the overlay tests (no shared data:
the only face is matplotlib's bundled portrait)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from classmood.synth import grid_layout
from classmood.types import Alert, ClassSnapshot, FrameResult, GalleryResult, ParticipantResult, Presence, TileState

NAMES = ["Ana Lopez", "Bob Kim", "Cyril Roy", "Diana Park", "Edgar Soto", "Fatima Ali", "Gustav Berg",
         "Hugo Silva", "Ivy Chen"]
LABELS = ["happy", "neutral", "sad", "surprise", "angry", "fear", "disgust", "uncertain"]
VAL = {"happy": 0.8, "neutral": 0.0, "sad": -0.6, "surprise": 0.2, "angry": -0.7, "fear": -0.5, "disgust": -0.6,
       "uncertain": 0.0}


def participant(i: int, bbox, presence: str = "present", label: str | None = "neutral", *,
                face=None, confidence: float = 0.7, name: str | None = None, away_s: float = 0.0,
                negative_s: float = 0.0, baseline: float = 0.0) -> ParticipantResult:
    """A participant with the valence of ``label`` (``VAL``) while present, read against
    their ``baseline`` (their usual valence: the change is the valence minus it)."""
    pres = Presence(presence)
    state = {"present": TileState.FACE, "away": TileState.NO_FACE, "camera_off": TileState.CAMERA_OFF,
             "left": None}[presence]
    if face is None and pres is Presence.PRESENT and bbox is not None:
        x, y, w, h = bbox
        face = (x + w * 0.38, y + h * 0.2, w * 0.24, h * 0.45)
    valence = VAL.get(label or "", 0.0) if pres is Presence.PRESENT and label else None
    return ParticipantResult(
        id=f"P{i + 1:02d}", tile_index=i, bbox=bbox, tile_state=state, presence=pres, name=name,
        face_bbox=face if pres is Presence.PRESENT else None,
        label=label if pres is Presence.PRESENT else None, confidence=confidence if pres is Presence.PRESENT else 0.0,
        valence=valence, baseline_valence=None if valence is None else baseline,
        valence_change=None if valence is None else valence - baseline,
        baseline_learnt=valence is not None,
        away_s=away_s, negative_s=negative_s)


def mood_of(participants, alerts=(), presence_only=False) -> ClassSnapshot:
    shown = [p for p in participants if p.presence is not Presence.LEFT]
    present = [p for p in shown if p.presence is Presence.PRESENT]
    dist: dict[str, float] = {}
    if not presence_only and present:
        for p in present:
            if p.label:
                dist[p.label] = dist.get(p.label, 0.0) + 1.0 / len(present)
    vals = [p.valence for p in present if p.valence is not None]
    changes = [p.valence_change for p in present if p.valence_change is not None]
    return ClassSnapshot(participants=len(shown), present=len(present),
                     away=sum(p.presence is Presence.AWAY for p in shown),
                     camera_off=sum(p.presence is Presence.CAMERA_OFF for p in shown), distribution=dist,
                     valence=(float(np.mean(vals)) if vals and not presence_only else None), alerts=tuple(alerts),
                     valence_change=(float(np.mean(changes)) if changes and not presence_only else None))


def frame_result(participants, t: float = 0.0, size=(1280, 720), alerts=(), presence_only=False) -> FrameResult:
    parts = tuple(participants)
    if presence_only:
        parts = tuple(replace(p, label=None, confidence=0.0, valence=None, baseline_valence=None, valence_change=None,
                              negative_s=0.0) for p in parts)
    return FrameResult(timestamp=t, gallery=GalleryResult(width=size[0], height=size[1], tiles=()),
                       participants=parts, mood=mood_of(parts, alerts, presence_only), presence_only=presence_only)


def grid_tiles(n: int, size=(1280, 720), gap: int = 8):
    _, boxes = grid_layout(n, (gap, gap, size[0] - 2 * gap, size[1] - 2 * gap), gap, max_side=8)
    return boxes


def class_sequence(n: int = 12, steps: int = 40, dt: float = 0.5, size=(1280, 720), names: bool = True):
    """A recorded-like class: ``n`` participants over ``steps`` frames. P03 steps away at
    step 5 (away 0.5 s per frame, 20 s head start), P05 turns sad from the start (with a
    60 s head start, so an alert), the camera of the last one is off, labels of the others
    cycle. Yields FrameResults."""
    boxes = grid_tiles(n, size)
    for k in range(steps):
        t = 100.0 + k * dt
        ps, alerts = [], []
        for i in range(n):
            name = NAMES[i % len(NAMES)] + (f" {i // len(NAMES) + 1}" if i >= len(NAMES) else "") if names else None
            if i == n - 1:
                ps.append(participant(i, boxes[i], "camera_off", name=name))
            elif i == 2 and k >= 5:
                away = 20.0 + (k - 5) * dt
                ps.append(participant(i, boxes[i], "away", name=name, away_s=away))
                if away >= 60:
                    alerts.append(Alert("away", f"P{i + 1:02d}", away, f"{name or 'P03'} away"))
            elif i == 4:
                neg = 60.0 + k * dt
                ps.append(participant(i, boxes[i], "present", "sad", name=name, negative_s=neg, confidence=0.8))
                alerts.append(Alert("negative", f"P{i + 1:02d}", neg, f"{name or 'P05'} looks sad"))
            else:
                ps.append(participant(i, boxes[i], "present", LABELS[(i + k // 8) % 4], name=name,
                                      confidence=0.55 + 0.03 * (i % 10)))
        yield frame_result(ps, t, size, alerts=sorted(alerts, key=lambda a: -a.since_s))
