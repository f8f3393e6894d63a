"""What the overlay and the panel pages are given, built from FrameResults (pure, no GUI).

Data flows one way: the agent calls :meth:`OverlayModel.update` with each
:class:`~classmood.types.FrameResult`; the model keeps the class valence change of the
last 10 minutes (:class:`ValenceHistory`: each student's valence against their own
baseline, their usual expression, averaged; 0 is the class as it usually looks) and
turns the newest result into two plain JSON
objects, one per page (:meth:`OverlayModel.overlay_payload`,
:meth:`OverlayModel.panel_payload`). The pages never call back into analysis: the
panel's buttons only flip the three flags of :class:`Controls` (pause, hide the overlay,
presence only), which the agent's loop reads.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from typing import Callable, Iterable, Iterator, Sequence

from ..geometry import contains
from ..labels import (COLOURS, LEARNING, PANEL_ORDER, PRESENCE_WORDS, UNCERTAIN, USUAL,
                      negative_usual_words, negative_words, signed)
from ..timefmt import duration
from ..types import FrameResult, Presence
from .layout import Badge, Rect, indicator_rect, place_badges

HISTORY_S = 600.0
"""The panel's valence line covers the last 10 minutes."""
VALENCE_HINT = ("vs. usual: each student's valence against their own usual (resting) expression; "
                "0 = the class looks as it usually does, below 0 = more negative than usual")
"""What the panel's valence figure is, in plain words (its tooltip)."""
LEARNING_HINT = ("learning each student's usual (resting) expression over their first 2 minutes in view; "
                 "the figure against it shows after that")
"""The tooltip while no one's usual is known yet (the figure reads "learning")."""
MIX_WORDS = {USUAL: "as usual", LEARNING: "learning"}
"""How the panel names the rows of the mix against the students' usual labels that are not
a label: a label row there is the students whose label changed from their usual to it."""
MIX_TITLES = {"labels": "Expressions now", "vs_usual": "Expressions vs usual"}
"""The panel's title of the mix: the model's labels (no one's usual known yet), or against
each student's usual label."""
ATTENTION_AFTER_S = 30.0
"""Who has been away or negative for this long (without a break) is on the attention list."""


# --------------------------------------------------------------------------- valence history
class ValenceHistory:
    """The class valence (the panel's: its change from the baselines) over the last
    ``window_s`` seconds of session time: a ring buffer of ``(t, valence)`` (valence
    None: nobody's expression was known then).

    Points older than ``window_s`` before the newest one are dropped on every
    :meth:`add`; ``max_points`` bounds the memory whatever the frame rate."""

    def __init__(self, window_s: float = HISTORY_S, max_points: int = 12000) -> None:
        if not window_s > 0:
            raise ValueError(f"window_s must be > 0, got {window_s}")
        self.window_s = float(window_s)
        self._points: deque[tuple[float, float | None]] = deque(maxlen=int(max_points))

    def __len__(self) -> int:
        return len(self._points)

    def clear(self) -> None:
        """Drop every point."""
        self._points.clear()

    @property
    def now(self) -> float | None:
        """The newest timestamp (None when empty)."""
        return self._points[-1][0] if self._points else None

    def add(self, t: float, valence: float | None) -> None:
        """Add the class valence at session time ``t`` (seconds); a valence outside [-1, 1]
        is clipped, a non-finite one kept as None; a ``t`` before the newest point starts
        over (a new session)."""
        t = float(t)
        if self._points and t < self._points[-1][0]:  # a new session (time went back): start over
            self._points.clear()
        v = None if valence is None or not math.isfinite(float(valence)) else max(-1.0, min(1.0, float(valence)))
        self._points.append((t, v))
        cut = t - self.window_s
        while self._points and self._points[0][0] < cut:
            self._points.popleft()

    def points(self) -> list[tuple[float, float | None]]:
        """The kept ``(t, valence)`` points, oldest first."""
        return list(self._points)

    def binned(self, bins: int = 300) -> list[float | None]:
        """The mean valence in ``bins`` equal slices of the window, oldest first, ending
        at the newest point; None where there is no known valence."""
        now = self.now
        sums = [0.0] * bins
        counts = [0] * bins
        if now is None:
            return [None] * bins
        width = self.window_s / bins
        for t, v in self._points:
            if v is None:
                continue
            i = bins - 1 - int((now - t) / width)
            if 0 <= i < bins:
                sums[i] += v
                counts[i] += 1
        return [s / c if c else None for s, c in zip(sums, counts)]

    def svg_path(self, width: float = 600.0, height: float = 100.0, bins: int = 300) -> str:
        """An SVG path (``d``) of the binned valence: x from 0 (``window_s`` ago) to
        ``width`` (now), y from 0 (valence +1) to ``height`` (-1). A slice with no
        valence breaks the line. Empty string when there is nothing to draw."""
        vals = self.binned(bins)
        step = width / bins
        parts: list[str] = []
        pen_down = False
        for i, v in enumerate(vals):
            if v is None:
                pen_down = False
                continue
            x = (i + 0.5) * step
            y = (1.0 - v) * height / 2.0
            parts.append(f"{'L' if pen_down else 'M'}{x:.1f} {y:.1f}")
            pen_down = True
        # a lone point (one slice between gaps) is drawn as a short dash
        out = []
        for j, p in enumerate(parts):
            out.append(p)
            if p[0] == "M" and (j + 1 == len(parts) or parts[j + 1][0] == "M"):
                x, y = p[1:].split()
                out.append(f"L{float(x) + step:.1f} {y}")
        return " ".join(out)


# --------------------------------------------------------------------------- controls
class Controls:
    """The teacher's three switches, and the rectangle picked over the gallery, shared by
    the panel (which flips and picks) and the agent's loop (which reads them); thread-safe.

    ``paused``: analysis stops (frames are skipped, badges cleared) until resumed.
    ``hidden``: the overlay window is hidden (the panel stays). ``presence_only``: no
    expression recognition: presence, cameras and away only. When the session was
    started presence-only (``expressions_allowed=False``) it cannot be switched off.

    Picking (``can_pick``: the session watches the screen, so it can watch another part
    of it): the panel marks :meth:`start_picking` while the region picker is open and
    hands the rectangle over with :meth:`end_picking`; the agent's loop takes it with
    :meth:`take_pick` and watches it from its next frame on. ``message`` is the last
    word on a pick for the panel (cancelled, the picker cannot open, what is watched now).
    """

    FLAGS = ("paused", "hidden", "presence_only")

    def __init__(self, *, presence_only: bool = False, expressions_allowed: bool = True,
                 can_pick: bool = False) -> None:
        self.expressions_allowed = bool(expressions_allowed)
        self.can_pick = bool(can_pick)
        self._flags = {"paused": False, "hidden": False,
                       "presence_only": bool(presence_only) or not self.expressions_allowed}
        self._picking = False
        self._picked: Rect | None = None
        self._message = ""
        self._unseen = ""
        self._covered = ""
        self._cond = threading.Condition()
        self._listeners: list[Callable[[dict], None]] = []

    def _check(self, name: str) -> None:
        if name not in self.FLAGS:
            raise ValueError(f"unknown control {name!r}; one of {', '.join(self.FLAGS)}")

    def get(self, name: str) -> bool:
        """The flag ``name`` (one of :attr:`FLAGS`); ValueError for another name."""
        self._check(name)
        with self._cond:
            return self._flags[name]

    @property
    def paused(self) -> bool:
        """Analysis is paused."""
        return self.get("paused")

    @property
    def hidden(self) -> bool:
        """The overlay window is hidden."""
        return self.get("hidden")

    @property
    def presence_only(self) -> bool:
        """No expression recognition: presence only."""
        return self.get("presence_only")

    def set(self, name: str, value: bool) -> bool:
        """Set flag ``name``; returns its value afterwards (presence-only stays on when
        expressions are not allowed)."""
        self._check(name)
        value = bool(value)
        if name == "presence_only" and not self.expressions_allowed:
            value = True
        with self._cond:
            changed = self._flags[name] != value
            self._flags[name] = value
            self._cond.notify_all()
            snap = self._snapshot()
            listeners = list(self._listeners)
        if changed:
            for fn in listeners:
                fn(snap)
        return value

    def toggle(self, name: str) -> bool:
        """Flip the flag ``name``; returns its value afterwards."""
        self._check(name)
        with self._cond:
            current = self._flags[name]
        return self.set(name, not current)

    def _snapshot(self) -> dict:
        return {**self._flags, "expressions_allowed": self.expressions_allowed, "can_pick": self.can_pick,
                "picking": self._picking, "message": self._message, "unseen": self._unseen,
                "covered": self._covered}

    def set_unseen(self, words: str | None) -> None:
        """Say that the meeting cannot be seen now (its window minimised, closed, off the
        screen or nearly all covered), or that it can again; the panel shows it, the indicator no
        longer claims to analyse, and the listeners are told only when it changes.

        Args:
            words: what is wrong and what to do, in plain words; None or "": it is seen.
        """
        self._say("_unseen", words)

    @property
    def unseen(self) -> str:
        """What :meth:`set_unseen` said last ("" while the meeting is seen)."""
        with self._cond:
            return self._unseen

    def set_covered(self, words: str | None) -> None:
        """Say that part of the meeting is covered by another window now (the students
        under it are shown as last seen; the others are still read), or that it no
        longer is; the panel shows it first among its notes and keeps its counts, and
        the listeners are told only when it changes.

        Args:
            words: what covers it, what that means and what to do, in plain words
                (:attr:`ScreenSource.covered_note
                <classmood.agent.sources.ScreenSource.covered_note>`); None or "": it is not.
        """
        self._say("_covered", words)

    @property
    def covered(self) -> str:
        """What :meth:`set_covered` said last ("" while nothing covers the meeting)."""
        with self._cond:
            return self._covered

    def _say(self, attr: str, words: str | None) -> None:
        """Set one of the plain-words notes (``_unseen``, ``_covered``); the listeners are
        told only when it changes."""
        words = str(words or "")
        with self._cond:
            if words == getattr(self, attr):
                return
            setattr(self, attr, words)
        self._changed()

    def _changed(self) -> None:
        """Tell the listeners (outside the lock)."""
        with self._cond:
            self._cond.notify_all()
            snap = self._snapshot()
            listeners = list(self._listeners)
        for fn in listeners:
            fn(snap)

    # -- the rectangle picked over the gallery ------------------------------------------
    def start_picking(self) -> bool:
        """The panel opens the region picker.

        Returns:
            True when it may (the session can watch another part of the screen and no
            picker is open yet): it is marked open; False otherwise.
        """
        with self._cond:
            if not self.can_pick or self._picking:
                return False
            self._picking = True
            self._message = ""
        self._changed()
        return True

    def end_picking(self, rect: Rect | None, message: str = "") -> None:
        """The picker closed.

        Args:
            rect: ``(x, y, w, h)``, screen pixels, to be watched from the agent's next
                frame on; None: nothing was picked.
            message: for the panel: why not (cancelled, the picker cannot open here).
        """
        with self._cond:
            self._picking = False
            if rect is not None:
                self._picked = tuple(int(v) for v in rect)  # type: ignore[assignment]
            self._message = str(message)
        self._changed()

    def take_pick(self) -> Rect | None:
        """For the agent's loop: the rectangle picked since the last call.

        Returns:
            ``(x, y, w, h)``, screen pixels, once; None when nothing new was picked.
        """
        with self._cond:
            rect, self._picked = self._picked, None
        return rect

    def say(self, message: str) -> None:
        """Set the panel's word on the last pick.

        Args:
            message: what is watched now, or why the pick was not taken.
        """
        with self._cond:
            self._message = str(message)
        self._changed()

    @property
    def picking(self) -> bool:
        """The region picker is open."""
        with self._cond:
            return self._picking

    def snapshot(self) -> dict:
        """The flags, ``expressions_allowed``, ``can_pick``, ``picking`` and ``message``,
        as a dict (what the panel shows)."""
        with self._cond:
            return self._snapshot()

    def subscribe(self, fn: Callable[[dict], None]) -> None:
        """Call ``fn(snapshot)`` after every change (on the thread that made it)."""
        with self._cond:
            self._listeners.append(fn)

    def _holding(self) -> bool:
        return self._flags["paused"] or self._picking

    def wait_while_paused(self, stop: threading.Event | None = None, poll_s: float = 0.2) -> None:
        """Block while paused or while the region picker is open (returns at once when
        neither, or as soon as ``stop`` is set)."""
        with self._cond:
            while self._holding() and not (stop is not None and stop.is_set()):
                self._cond.wait(poll_s)

    def gate(self, frames: Iterable, stop: threading.Event | None = None) -> Iterator:
        """``frames``, minus those that come while paused or while the region picker is
        open (it covers the screen with a still picture of it): a frame taken before or
        during a pause is dropped and the next, fresh one is given after resuming."""
        for frame in frames:
            if stop is not None and stop.is_set():
                return
            with self._cond:
                holding = self._holding()
            if holding:
                self.wait_while_paused(stop)
                continue
            yield frame


# --------------------------------------------------------------------------- payloads
def state_word(paused: bool, unseen: bool = False) -> str:
    """What the indicator and the panel say the agent is doing: ``paused``, ``not visible``
    (the meeting cannot be seen: :meth:`Controls.set_unseen`) or ``analysing``."""
    return "paused" if paused else "not visible" if unseen else "analysing"


def _who(p) -> str:
    """How a participant is named on the panel: their name when read, else their id."""
    return p.name or p.id


class OverlayModel:
    """The newest result, as the overlay and panel pages show it (pure; thread-safe).

    ``attention_after_s``: who has been away or negative this long is listed (the
    agent's alerts, at 60 s by default, are always listed and marked)."""

    def __init__(self, controls: Controls | None = None, *, history_s: float = HISTORY_S,
                 attention_after_s: float = ATTENTION_AFTER_S) -> None:
        self.controls = controls or Controls()
        self.history = ValenceHistory(history_s)
        self.attention_after_s = float(attention_after_s)
        self._lock = threading.Lock()
        self._result: FrameResult | None = None
        self._origin = (0, 0)
        self._size: tuple[int, int] | None = None
        self._badges: list[Badge] = []
        self._previous: list[Badge] = []
        self._indicator: Rect | None = None  # SCREEN rectangle
        self._notes: list[str] = []
        self.frames = 0

    def set_notes(self, notes: Iterable[str]) -> None:
        """Set what limits the reading now (the panel shows it while it is set).

        Args:
            notes: plain words, a sentence or two each (a speaker view, a full gallery
                page); empty ones are left out; none: nothing limits it.
        """
        notes = [str(n) for n in notes if n]
        with self._lock:
            self._notes = notes

    # -- input ------------------------------------------------------------------------
    def update(self, result: FrameResult, origin: tuple[int, int] = (0, 0),
               size: tuple[int, int] | None = None, covered: Sequence[Rect] = ()) -> None:
        """Take the newest result; ``origin`` is the frame's top-left on the screen and
        ``size`` its (width, height) (default: the gallery's); ``covered``: frame-pixel
        rectangles (x, y, w, h) where another app's window lies over the meeting
        (:attr:`Frame.covered <classmood.types.Frame.covered>`): no badge is drawn for a
        participant whose tile's centre is under one (it would float over that window)."""
        presence_only = result.presence_only or self.controls.presence_only
        ox, oy = int(origin[0]), int(origin[1])
        size = size or (result.gallery.width, result.gallery.height)
        shown = [p for p in result.participants
                 if p.bbox is None or not any(contains(c, _centre(p.bbox)) for c in covered)]
        badges = place_badges(shown, (ox, oy), presence_only)
        avoid = [p.face_bbox for p in result.participants if p.face_bbox is not None]
        avoid += [(b.rect[0] - ox, b.rect[1] - oy, b.rect[2], b.rect[3]) for b in badges]
        ind = indicator_rect(size, avoid)
        with self._lock:
            self._previous = self._badges
            self._badges = badges
            self._indicator = None if ind is None else (ind[0] + ox, ind[1] + oy, ind[2], ind[3])
            self._result = result
            self._origin = (ox, oy)
            self._size = (int(size[0]), int(size[1]))
            self.history.add(result.timestamp, None if presence_only else result.mood.valence_change)
            self.frames += 1

    def clear_badges(self) -> None:
        """Forget the drawn badges (on pause: stale badges would mislead)."""
        with self._lock:
            self._previous = self._badges
            self._badges = []

    # -- output -----------------------------------------------------------------------
    @property
    def result(self) -> FrameResult | None:
        """The newest FrameResult (None before the first)."""
        return self._result

    @property
    def badges(self) -> list[Badge]:
        """The badges drawn now (SCREEN rectangles)."""
        with self._lock:
            return list(self._badges)

    def mask_rects(self) -> list[Rect]:
        """SCREEN rectangles the overlay may be showing now: the current badges, the
        previous ones (the page may not have repainted yet) and the indicator; none
        while the overlay is hidden."""
        if self.controls.hidden:
            return []
        with self._lock:
            rects = [b.rect for b in self._badges] + [b.rect for b in self._previous]
            if self._indicator is not None:
                rects.append(self._indicator)
        out: list[Rect] = []
        for r in rects:
            if r not in out:
                out.append(r)
        return out

    def overlay_payload(self, window_origin: tuple[int, int] | None = None) -> dict:
        """For the overlay page: badges and the indicator, relative to the overlay
        window's top-left on the screen (default: the frame's origin)."""
        status = self.controls.snapshot()
        with self._lock:
            origin = self._origin if window_origin is None else (int(window_origin[0]), int(window_origin[1]))
            badges = [] if status["paused"] or status["unseen"] else [b.to_dict(origin) for b in self._badges]
            ind = self._indicator
        indicator = None
        if ind is not None and not status["unseen"]:  # nothing claimed where the meeting is not
            word = "presence only" if status["presence_only"] and not status["paused"] else state_word(status["paused"])
            indicator = {"x": ind[0] - origin[0], "y": ind[1] - origin[1], "w": ind[2], "h": ind[3],
                         "state": state_word(status["paused"]), "text": f"ClassMood {word}"}
        return {"badges": badges, "indicator": indicator, "status": status}

    def attention(self) -> list[dict]:
        """Who needs a look: participants away or negative for ``attention_after_s`` or
        longer, or named in an alert; longest first; then the notes (``negative_usual``:
        strongly negative as the student usually looks, not a change), longest first."""
        r = self._result
        if r is None:
            return []
        presence_only = r.presence_only or self.controls.presence_only
        alerted = {(a.participant, a.kind) for a in r.mood.alerts if a.participant is not None}
        rows: dict[tuple[str, str], dict] = {}
        for p in r.participants:
            if p.presence is Presence.AWAY and (p.away_s >= self.attention_after_s or (p.id, "away") in alerted):
                rows[(p.id, "away")] = {"key": f"{p.id}:away", "id": p.id, "who": _who(p), "kind": "away",
                                        "what": PRESENCE_WORDS["away"], "seconds": round(float(p.away_s), 1),
                                        "alert": (p.id, "away") in alerted}
            if not presence_only and (p.negative_s >= self.attention_after_s or (p.id, "negative") in alerted):
                rows[(p.id, "negative")] = {"key": f"{p.id}:negative", "id": p.id, "who": _who(p),
                                            "kind": "negative",
                                            "what": negative_words(p.label, p.below_usual(), p.usual_label),
                                            "seconds": round(float(p.negative_s), 1),
                                            "alert": (p.id, "negative") in alerted}
            if not presence_only and (p.id, "negative_usual") in alerted:  # a note: listed after the rest
                rows[(p.id, "negative_usual")] = {"key": f"{p.id}:negative_usual", "id": p.id, "who": _who(p),
                                                  "kind": "negative_usual",
                                                  # the length is in the row's own column
                                                  "what": negative_usual_words(p.negative_usual_since_joined),
                                                  "seconds": round(float(p.negative_usual_s), 1), "alert": False}
        for a in r.mood.alerts:  # an alert for someone not in this frame's list (kept as the agent says)
            if a.participant is not None and (a.participant, a.kind) not in rows and a.kind in ("away", "negative"):
                if a.kind == "negative" and presence_only:
                    continue
                what = PRESENCE_WORDS["away"] if a.kind == "away" else "looks negative"
                rows[(a.participant, a.kind)] = {"key": f"{a.participant}:{a.kind}", "id": a.participant,
                                                 "who": a.participant, "kind": a.kind, "what": what,
                                                 "seconds": round(float(a.since_s), 1), "alert": True}
        out = sorted(rows.values(), key=lambda d: (d["kind"] == "negative_usual", -d["seconds"], d["who"], d["kind"]))
        for d in out:
            d["duration"] = duration(d["seconds"], compact=True)
        return out

    def panel_payload(self) -> dict:
        """For the panel page: counts, the expression distribution now (``distribution``:
        rows of ``label``, ``text``, ``share``, ``pct``, ``count``, ``color``; against each
        student's usual label once anyone's is known, ``mix`` ``"vs_usual"``: rows
        ``usual`` (as usual), each label a change to, ``uncertain`` and ``learning``; before,
        ``mix`` ``"labels"``: the model's labels; ``mix_title`` the section's title), the class valence
        change from its baselines now and over the last 10 minutes (``valence``: ``now``,
        its ``text``, the line's ``path``, ``window_s``, ``hint`` what the figure is in
        plain words, the section's tooltip; None when presence-only),
        the attention list, ``notes`` (what limits the reading now, :meth:`set_notes`)
        and the controls' state. While the meeting cannot be seen
        (:meth:`Controls.set_unseen`), the state is ``not visible``, the notes begin with
        why and what to do, and no counts, mix or attention are given (nothing is read).
        While part of it is covered (:meth:`Controls.set_covered`), the counts go on (the
        students under the cover as last seen) and the notes begin with what covers it."""
        status = self.controls.snapshot()
        status["state"] = state_word(status["paused"], bool(status["unseen"]))
        r = self._result
        with self._lock:
            notes = list(self._notes)
        if status["unseen"]:  # nothing is read: no counts of an empty picture, the reason first
            notes = [status["unseen"]] + [n for n in notes if n != status["unseen"]]
            r = None
        elif status["covered"]:  # partly covered: the visible class is read, the rest as last seen
            notes = [status["covered"]] + [n for n in notes if n != status["covered"]]
        if r is None:
            return {"t": None, "status": status, "counts": None, "distribution": [], "valence": None,
                    "attention": [], "class_alerts": [], "notes": notes}
        presence_only = r.presence_only or status["presence_only"]
        m = r.mood
        counts = {"participants": m.participants, "present": m.present, "away": m.away,
                  "camera_off": m.camera_off}
        dist = []
        vs_usual = bool(m.usual_distribution)
        if not presence_only:
            shares = m.usual_distribution if vs_usual else m.distribution
            labels = [USUAL, *PANEL_ORDER, UNCERTAIN, LEARNING] if vs_usual else [*PANEL_ORDER, UNCERTAIN]
            labels += [k for k in shares if k not in labels]
            labelled = sum(1 for p in r.participants if p.presence is Presence.PRESENT and p.label is not None)
            for k in labels:
                share = float(shares.get(k, 0.0))
                dist.append({"label": k, "text": MIX_WORDS.get(k, k) if vs_usual else k, "share": round(share, 4),
                             "pct": int(round(100 * share)), "count": int(round(share * labelled)),
                             "color": COLOURS.get(k, COLOURS[UNCERTAIN])})
        with self._lock:
            path = "" if presence_only else self.history.svg_path()
        valence = None
        if not presence_only:
            c = m.valence_change
            learning = c is None and m.valence is not None  # faces read, no one's usual learnt yet
            valence = {"now": None if c is None else round(float(c), 3),
                       "text": "learning" if learning else "-" if c is None else signed(c), "path": path,
                       "window_s": self.history.window_s,
                       "hint": LEARNING_HINT if learning else VALENCE_HINT}
        class_alerts = [{"kind": a.kind, "text": a.message} for a in m.alerts if a.participant is None]
        return {"t": round(float(r.timestamp), 2), "clock": duration(r.timestamp, compact=True), "status": status,
                "presence_only": presence_only, "counts": counts, "distribution": dist,
                "mix": "labels" if presence_only or not vs_usual else "vs_usual",
                "mix_title": MIX_TITLES["vs_usual" if vs_usual and not presence_only else "labels"],
                "valence": valence,
                "attention": self.attention(), "class_alerts": class_alerts, "notes": notes}


def _centre(box) -> tuple[float, float]:
    return box[0] + box[2] / 2.0, box[1] + box[3] / 2.0
