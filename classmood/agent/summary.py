"""What a class came to: per participant time present and expression shares, and the
class's figures over the whole session. Fed one FrameResult at a time; reads nothing
else (the report builds the same from the store)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..labels import FER_CLASSES
from ..types import FrameResult, Presence
from .mood import UNCERTAIN


@dataclass
class _Acc:
    name: str | None = None
    first_seen: float = 0.0
    last_seen: float = 0.0
    seconds: dict[str, float] = field(default_factory=dict)  # presence -> s
    labels: dict[str, float] = field(default_factory=dict)   # label -> s while present

    def add(self, presence: str, label: str | None, dt: float) -> None:
        self.seconds[presence] = self.seconds.get(presence, 0.0) + dt
        if presence == Presence.PRESENT.value and label is not None:
            self.labels[label] = self.labels.get(label, 0.0) + dt


class SessionSummary:
    """Accumulates FrameResults; ``to_dict()`` is the final summary.

    Each frame counts for the time until the next one (the last frame for the typical
    step), so the figures are in seconds of class whatever the frame rate.
    """

    def __init__(self) -> None:
        self._acc: dict[str, _Acc] = {}
        self._last: FrameResult | None = None
        self._steps: list[float] = []
        self._valence_t = 0.0
        self._valence_sum = 0.0
        self._presence_only = False
        self.frames = 0

    def add(self, result: FrameResult) -> None:
        if self._last is not None:
            dt = max(0.0, result.timestamp - self._last.timestamp)
            self._steps.append(dt)
            self._count(self._last, dt)
        self._last = result
        self._presence_only = result.presence_only
        self.frames += 1
        for p in result.participants:
            a = self._acc.get(p.id)
            if a is None:
                a = self._acc[p.id] = _Acc(first_seen=result.timestamp)
            a.last_seen = result.timestamp
            if p.name:
                a.name = p.name

    def _count(self, r: FrameResult, dt: float) -> None:
        for p in r.participants:
            self._acc[p.id].add(p.presence.value, p.label, dt)
        if r.mood.valence is not None:
            self._valence_t += dt
            self._valence_sum += r.mood.valence * dt

    def to_dict(self) -> dict[str, Any]:
        """``{"frames", "duration_s", "participants": [{"id", "name", "present_s", "away_s",
        "camera_off_s", "expressions": {label: share}}], "mood": {...}}``."""
        import copy

        acc = copy.deepcopy(self._acc)
        v_t, v_sum = self._valence_t, self._valence_sum
        step = sorted(self._steps)[len(self._steps) // 2] if self._steps else 0.0  # a typical step
        if self._last is not None:  # the last frame counts for a typical step
            for p in self._last.participants:
                acc[p.id].add(p.presence.value, p.label, step)
            if self._last.mood.valence is not None:
                v_t += step
                v_sum += self._last.mood.valence * step
        people = []
        for pid, a in sorted(acc.items(), key=lambda kv: kv[0]):
            seen = sum(a.labels.values())
            shares = {} if self._presence_only or seen <= 0 else {
                c: round(a.labels.get(c, 0.0) / seen, 4) for c in (*FER_CLASSES, UNCERTAIN) if a.labels.get(c)}
            people.append({
                "id": pid,
                "name": a.name,
                "present_s": round(a.seconds.get("present", 0.0), 2),
                "away_s": round(a.seconds.get("away", 0.0), 2),
                "camera_off_s": round(a.seconds.get("camera_off", 0.0), 2),
                "first_seen_s": round(a.first_seen, 2),
                "last_seen_s": round(a.last_seen, 2),
                "expressions": shares,
            })
        last = self._last
        return {
            "frames": self.frames,
            "duration_s": round(0.0 if last is None else last.timestamp + step, 2),
            "participants": people,
            "mood": {
                "mean_valence": None if v_t <= 0 else round(v_sum / v_t, 4),
                "last": None if last is None else last.mood.to_dict(),
            },
        }
