"""Over time: per-participant smoothing, labels that do not flicker, and the class mood.

**Smoothing.** Each participant's expression probabilities are an exponential moving
average with a half-life in seconds (default 2 s): a new frame ``dt`` seconds after
the last one gets weight ``1 - 0.5 ** (dt / half_life)``, so the result does not depend
on the frame rate. After a gap longer than ``reset_after_s`` (the face was away) the
average starts again from the new frame.

**Labels.** The label shown is the smoothed top class, or ``uncertain`` when its
smoothed probability is under ``uncertain_below`` (the model unsure which expression: its
valence still counts, in the class figures too, a face split between sad and angry being
negative either way; a face that could not be read has none). A new label replaces the shown
one only after it has led for ``confirm_frames`` consecutive analysed frames, so a
label never changes because of one frame; so does a change between present and away (a
missed face). A camera switched off or on is shown at once: the app's card is no detector's
guess, and a recording's timeline then has the change where it happened.

**Valence** of a participant is ``sum_c p_c * v_c`` over the smoothed probabilities
with the weights in :data:`classmood.labels.VALENCE` (happy +1, surprise +0.2, neutral 0,
fear -0.6, angry / disgust / sad -0.8: the pleasure axis of Russell's circumplex model
of affect, Russell 1980, rounded); it lies in [-1, 1].

**Baseline.** People's resting faces differ, and FER models read many resting faces as
sad or angry: on FER2013 PublicTest faces labelled neutral the bundled model's mean
valence is -0.102 and 23.7% read at or below -0.3 (the previous release, -0.114 and 25.5%);
of the first 96 muxspace neutral photos shown as webcam tiles, 59 read at or below -0.3
with the previous release. So each participant's valence is also
read against their own resting valence, their *baseline*: the median of their smoothed
valence over their first ``baseline_s`` seconds with a face in view (a median of all of
them: a greeting smile or a laugh in those minutes, shorter than half of them, does not
move it). Until then nothing is read against it (``baseline_min_s``, by default the same
2 minutes: a baseline shown earlier, the median so far, took a class's greeting smiles for
their usual and showed the class at -0.9 "vs usual" for a minute); nobody is flagged against
a baseline still being learnt.
Afterwards the baseline follows slowly, and only readings near it (within
``negative_drop``, and the negative probability within the participant's line; a
half-life of ``baseline_half_life_s``): a slow drift is taken in, a
student who stays angry or sad is not (they stay flagged). A participant unseen for
``baseline_reset_s`` learns it again when back. ``valence_change`` is valence minus
baseline.

The **class valence change** (``ClassSnapshot.valence_change``), the headline figure of
the panel, the status line and the report, is the mean ``valence_change`` of the
participants whose face is in view: 0 is the class as it usually looks, below 0 more
negative than usual; None until someone's baseline is shown (``baseline_min_s``). The
absolute class valence (the mean valence) is kept beside it in the stored data and the
JSON.

A participant is *negative* while their valence is ``negative_drop`` or more below
their learnt baseline, or at or below ``negative_below`` with a confident label (not
``uncertain``) whatever their baseline (a face strongly negative in absolute terms,
which a baseline learnt while the student was already upset must not hide), unless their
learnt baseline is itself at or below ``negative_below``: a face that reads strongly negative
at rest (on a newcomer's recording a resting Colin Powell photo read angry, -0.75, all class)
is then *negative as usual* (:attr:`ParticipantMood.negative_usual_since`), not a change: a
lower-key note, "has looked strongly negative since they joined (their usual look)" when the run
began on the first frame they were seen, else "... for 4 min 19 s (their usual look)"
(:func:`classmood.labels.negative_usual_words`: never "all class", which a student who joined
late, or whose run began after minutes of other looks, has not), instead of the
alert "looks more negative than usual". Before the usual is learnt, a strongly negative face
is held, not counted: once it is learnt, the run is that note (counted from its start) or a
change (counted from its start), whichever the usual says. Time a face
could not be read (:mod:`classmood.detectors.face_quality`) for longer than
``reset_after_s`` ends a negative run: only time seen negative counts.

**Alerts.** A participant negative, or away (camera on, nobody in view), for
``negative_alert_s`` / ``away_alert_s`` seconds without a break (and the note
``negative_usual`` for one negative as usual as long, listed after the alerts); and a sharp drop in
the class valence change: the mean of the last ``drop_window_s`` seconds at least
``drop_by`` below the mean of the ``drop_baseline_s`` seconds before (with at least
``drop_min_faces`` faces in view whose baselines are learnt), or below 0, the class's usual,
while the baselines were learnt less than ``drop_window_s + drop_baseline_s / 2`` seconds
ago (before, a change in the two minutes after the usuals were learnt could not fire: a
newcomer's class at -0.32 vs usual for 90 s gave no alert). Its message gives the largest
fall measured in the episode so far ("class valence vs usual fell by 0.32 within 30 s").
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from ..labels import (FER_CLASSES, LEARNING, NEGATIVE_CLASSES, NEGATIVE_DROP, NEGATIVE_RISE, NEGATIVE_RISE_SPREADS,
                      UNCERTAIN, VALENCE, negative_usual_words, negative_words)
from ..timefmt import duration
from ..types import Alert, ClassSnapshot, ParticipantResult, Presence

_V = np.array([VALENCE[c] for c in FER_CLASSES], np.float32)
"""The valence weights as a float32 vector of shape [7], FER2013 order."""
_NEG = np.array([c in NEGATIVE_CLASSES for c in FER_CLASSES], np.float32)
"""1 for the negative classes (:data:`classmood.labels.NEGATIVE_CLASSES`), float32 [7]."""


def valence_of(probs: np.ndarray) -> float:
    """A participant's valence: ``sum_c p_c * v_c`` with the weights of :data:`VALENCE`.

    Args:
        probs: expression probabilities, shape [7], FER2013 order (any float dtype).

    Returns:
        The valence, in [-1, 1] when ``probs`` sums to 1.
    """
    return float(np.dot(np.asarray(probs, np.float32), _V))


def negative_probability(probs: np.ndarray) -> float:
    """The probability of the negative classes together (angry, disgust, fear, sad:
    :data:`classmood.labels.NEGATIVE_CLASSES`).

    Args:
        probs: expression probabilities, shape [7], FER2013 order (any float dtype).

    Returns:
        A probability in [0, 1] when ``probs`` sums to 1.
    """
    return float(np.dot(np.asarray(probs, np.float32), _NEG))


@dataclass(frozen=True)
class MoodConfig:
    """How results are smoothed over time and when alerts fire.

    The defaults are ClassMood's design choices for a live class (they are not fitted
    to data): a label must hold for two analysed frames, a teacher is alerted after a
    full minute, and a valence drop compares the last half minute with two minutes of
    baseline. Times are seconds of session time, probabilities and valences unitless.

    Raises:
        ValueError: ``half_life_s`` <= 0, ``uncertain_below`` outside (0, 1),
            ``confirm_frames`` < 1, ``negative_drop`` <= 0, or ``baseline_s`` or
            ``baseline_half_life_s`` <= 0.
    """

    half_life_s: float = 2.0
    """Half-life (s) of the exponential moving average of expression probabilities."""
    reset_after_s: float = 10.0
    """A face unseen for longer than this (s) starts its average afresh."""
    uncertain_below: float = 0.40
    """A smoothed top probability under this is shown as ``uncertain``."""
    confirm_frames: int = 2
    """Analysed frames in a row a new label or presence must lead before it is shown."""
    negative_drop: float = NEGATIVE_DROP
    """A participant is negative while their valence is this much or more below their own
    baseline (the old absolute line, -0.30, flags 23.7% of PublicTest's neutral faces)."""
    negative_rise: float = NEGATIVE_RISE
    """A participant is negative while their negative probability (angry + disgust + fear +
    sad) is this much or more above their own usual, or ``negative_rise_spreads`` times their
    own spread where that is more (:data:`classmood.labels.NEGATIVE_RISE`, where it was
    measured)."""
    negative_rise_spreads: float = NEGATIVE_RISE_SPREADS
    """The negative probability's rise that counts, in units of the participant's own
    spread at rest (:attr:`ValenceBaseline.negative_spread`), where more than
    ``negative_rise``: a face whose reading wanders at rest is not flagged for wandering."""
    negative_below: float = -0.70
    """A participant is negative while their valence is at or below this with a confident
    label, whatever their baseline. On FER2013 PublicTest with the bundled model (one frame
    each): 0.5% of neutral faces, 23.1% of angry, 11.9% of sad and 48.2% of disgust ones
    (-0.65: 1.6% of neutral; with the previous release 2.0%, and resting web faces read
    confidently angry were alerted all class long: a newcomer, 2 of 45 muxspace neutral
    photos)."""
    baseline_s: float = 120.0
    """Seconds with a face in view over which a participant's baseline is learnt."""
    baseline_min_s: float = 120.0
    """Seconds of face time after which the baseline so far (the median so far) is shown
    (``valence_change``); at most ``baseline_s``. Flags always wait for the learnt one."""
    baseline_half_life_s: float = 600.0
    """Half-life (s of face time) with which a learnt baseline follows the valence, from
    readings within ``negative_drop`` of it only."""
    baseline_reset_s: float = 600.0
    """A participant unseen for longer than this (s) learns their baseline again."""
    negative_alert_s: float = 60.0
    """Seconds negative without a break before a ``negative`` alert."""
    away_alert_s: float = 60.0
    """Seconds away (camera on, nobody in view) without a break before an ``away`` alert."""
    drop_window_s: float = 30.0
    """The recent window (s) of the class valence-drop alert."""
    drop_baseline_s: float = 120.0
    """The baseline (s) before the recent window that it is compared with."""
    drop_by: float = 0.25
    """The fall in mean class valence (baseline minus recent) that raises the alert."""
    drop_min_faces: int = 3
    """Class valences from frames with fewer faces in view than this are not counted."""

    def __post_init__(self) -> None:
        if self.half_life_s <= 0:
            raise ValueError(f"half_life_s must be > 0, got {self.half_life_s}")
        if not 0 < self.uncertain_below < 1:
            raise ValueError(f"uncertain_below must be in (0, 1), got {self.uncertain_below}")
        if self.confirm_frames < 1:
            raise ValueError(f"confirm_frames must be >= 1, got {self.confirm_frames}")
        if self.negative_drop <= 0:
            raise ValueError(f"negative_drop must be > 0, got {self.negative_drop}")
        if not 0 <= self.baseline_min_s <= self.baseline_s:
            raise ValueError(f"baseline_min_s must be in [0, baseline_s], got {self.baseline_min_s}")
        if self.baseline_s <= 0 or self.baseline_half_life_s <= 0:
            raise ValueError(f"baseline_s and baseline_half_life_s must be > 0, got {self.baseline_s}, "
                             f"{self.baseline_half_life_s}")


class ValenceBaseline:
    """One participant's usual (see the module's **Baseline**): the median of their
    smoothed valence over their first ``cfg.baseline_s`` seconds with a face in view,
    then followed slowly; over the same seconds, the median and the spread of their
    negative probability (:func:`negative_probability`), and the class of their median
    reading (their *usual label*). Valences are unitless in [-1, 1], probabilities in [0, 1],
    times seconds of session time.

    ``value`` is the valence baseline: the median so far while learning (None before
    ``baseline_min_s`` of face time), the learnt one afterwards; ``learnt`` is True once
    ``baseline_s`` seconds of face time have been seen. ``negative`` (the usual negative
    probability), ``negative_spread`` (its robust standard deviation over the learning
    seconds: 1.4826 x the median absolute deviation) and ``usual_label`` (the FER2013
    class of their median reading while learning: the argmax of each class's median
    smoothed probability, so a greeting smile shorter than half of those seconds is not
    it; None when no probabilities were given) are None until ``learnt``.
    """

    def __init__(self, cfg: MoodConfig) -> None:
        self.cfg = cfg
        self._samples: list[float] = []
        self._neg_samples: list[float] = []
        self._probs: list[np.ndarray] = []
        self._face_s = 0.0
        self._last_t: float | None = None
        self.value: float | None = None
        self.negative: float | None = None
        self.negative_spread: float | None = None
        self.usual_label: str | None = None
        self.learnt = False

    @property
    def negative_line(self) -> float | None:
        """How far above the usual negative probability a reading is *negative* for this
        participant: ``cfg.negative_rise``, or ``cfg.negative_rise_spreads`` times their own
        spread where that is more (a face whose reading wanders at rest needs a larger
        rise); None until learnt."""
        if not self.learnt or self.negative_spread is None:
            return None
        return max(self.cfg.negative_rise, self.cfg.negative_rise_spreads * self.negative_spread)

    def update(self, t: float, valence: float, probs: np.ndarray | None = None) -> float | None:
        """Take one frame's smoothed valence (and smoothed probabilities, float [7] in
        FER2013 order) at session time ``t`` (s); returns :attr:`value`. Face time between two
        readings counts up to ``reset_after_s``; after a gap longer than
        ``baseline_reset_s`` the baseline is learnt again."""
        cfg = self.cfg
        if self._last_t is not None and t - self._last_t > cfg.baseline_reset_s:
            self.reset()
        dt = 0.0 if self._last_t is None else min(max(0.0, t - self._last_t), cfg.reset_after_s)
        self._last_t = t
        self._face_s += dt
        negative = None if probs is None else negative_probability(probs)
        if not self.learnt:
            self._samples.append(valence)
            if probs is not None:
                self._probs.append(np.asarray(probs, np.float32))
                self._neg_samples.append(float(negative))
            if self._face_s >= cfg.baseline_min_s:  # (the median only once it is shown)
                self.value = float(np.median(self._samples))
            if self._face_s >= cfg.baseline_s:
                if self._neg_samples:
                    neg = np.asarray(self._neg_samples, np.float64)
                    self.negative = float(np.median(neg))
                    self.negative_spread = float(1.4826 * np.median(np.abs(neg - self.negative)))
                if self._probs:
                    self.usual_label = FER_CLASSES[int(np.argmax(np.median(np.stack(self._probs), axis=0)))]
                self.learnt, self._samples, self._neg_samples, self._probs = True, [], [], []
            return self.value
        # a reading near the usual on both counts (not negative by either rule): follow it
        line = self.negative_line
        near_negative = (negative is None or self.negative is None or line is None
                         or abs(negative - self.negative) < line)
        if abs(valence - float(self.value)) <= cfg.negative_drop and near_negative:
            a = 1.0 - 0.5 ** (dt / cfg.baseline_half_life_s)
            self.value = float(self.value) + a * (valence - float(self.value))
            if negative is not None and self.negative is not None:
                self.negative = self.negative + a * (negative - self.negative)
        return self.value

    def reset(self) -> None:
        """Forget the baseline (it is learnt again from the next reading)."""
        self._samples, self._neg_samples, self._probs, self._face_s, self._last_t = [], [], [], 0.0, None
        self.value, self.learnt = None, False
        self.negative = self.negative_spread = self.usual_label = None


class ParticipantMood:
    """The temporal state of one participant: smoothed probabilities, the shown label
    with its hysteresis, and how long they have been away or negative.

    ``smoothed`` is float32 of shape [7] (FER2013 order) or None before any face;
    ``away_since`` / ``negative_since`` are the session time (s) the current run of
    being away / negative began, None when not away / negative; ``negative_usual_since``
    the same for reading strongly negative (at or below ``negative_below``) while their
    learnt usual is as strongly negative (their usual look: not counted as negative);
    ``first_t`` the session time they were first seen (any presence), None before.
    """

    def __init__(self, cfg: MoodConfig) -> None:
        self.cfg = cfg
        self.first_t: float | None = None
        self.smoothed: np.ndarray | None = None
        self.last_face_t: float | None = None
        self.label: str | None = None
        self.presence: Presence | None = None
        self._pending: str | None = None
        self._pending_n = 0
        self._pending_presence: Presence | None = None
        self._pending_presence_n = 0
        self.away_since: float | None = None
        self.negative_since: float | None = None
        self.negative_usual_since: float | None = None
        self._early_since: float | None = None  # strongly negative before the usual was learnt
        self.baseline = ValenceBaseline(cfg)

    def update(self, t: float, presence: Presence, probs: np.ndarray | None,
               min_confidence: float | None = None) -> Presence:
        """Feed one analysed frame of this participant.

        Args:
            t: the frame's time, seconds since the session started.
            presence: what this frame shows (before confirmation).
            probs: this frame's expression probabilities, float shape [7] in FER2013
                order, or None (no face, an unreadable face, or presence-only).
            min_confidence: the smoothed confidence a label needs this frame, when more
                than ``uncertain_below`` (a dim face:
                :data:`classmood.detectors.face_quality.DIM_CONFIDENCE`).

        Returns:
            The presence to show: a change between present and away, like a change of
            label, needs ``confirm_frames`` frames in a row (a face detector misses a
            face now and then); a camera switched off or on (the app's card appears or
            goes) and a tile that is gone or new show at once.
        """
        if self.first_t is None:
            self.first_t = t
        shown = self._confirm_presence(presence)
        self.away_since = (self.away_since if self.away_since is not None else t) \
            if shown is Presence.AWAY else None
        if shown is not Presence.PRESENT:
            if self.last_face_t is None or t - self.last_face_t > self.cfg.reset_after_s:
                self._forget()
            self.label = None
            self.negative_since = self.negative_usual_since = self._early_since = None
            return shown
        if presence is Presence.PRESENT and probs is not None:
            self._update_probs(t, np.asarray(probs, np.float32), min_confidence)
        return shown

    def _confirm_presence(self, presence: Presence) -> Presence:
        # a camera switched off or on is the app's own card appearing or going: one
        # frame shows it (the wait is for a face detector's misses)
        switched = Presence.CAMERA_OFF in (presence, self.presence)
        if (self.presence in (None, Presence.LEFT) or presence is Presence.LEFT or presence is self.presence
                or switched):
            self.presence = presence
            self._pending_presence, self._pending_presence_n = None, 0
            return presence
        self._pending_presence_n = self._pending_presence_n + 1 if presence is self._pending_presence else 1
        self._pending_presence = presence
        if self._pending_presence_n >= self.cfg.confirm_frames:
            self.presence = presence
            self._pending_presence, self._pending_presence_n = None, 0
        return self.presence

    def _update_probs(self, t: float, probs: np.ndarray, min_confidence: float | None = None) -> None:
        cfg = self.cfg
        if self.smoothed is None or self.last_face_t is None or t - self.last_face_t > cfg.reset_after_s:
            self.smoothed = probs.copy()
            self.label = None
            self.negative_since = self.negative_usual_since = self._early_since = None  # only time seen negative counts
        else:
            dt = max(0.0, t - self.last_face_t)
            a = 1.0 - 0.5 ** (dt / cfg.half_life_s)
            self.smoothed = (1 - a) * self.smoothed + a * probs
        self.last_face_t = t
        top = int(np.argmax(self.smoothed))
        need = max(cfg.uncertain_below, min_confidence or 0.0)
        candidate = FER_CLASSES[top] if self.smoothed[top] >= need else UNCERTAIN
        if self.label is None:  # first sight (or back after a while): show it at once
            self.label, self._pending, self._pending_n = candidate, None, 0
        elif candidate == self.label:
            self._pending, self._pending_n = None, 0
        else:
            self._pending_n = self._pending_n + 1 if candidate == self._pending else 1
            self._pending = candidate
            if self._pending_n >= cfg.confirm_frames:
                self.label, self._pending, self._pending_n = candidate, None, 0
        v = valence_of(self.smoothed)
        base = self.baseline.update(t, v, self.smoothed)
        strongly = v <= cfg.negative_below and candidate != UNCERTAIN
        below_usual = self.baseline.learnt and v - float(base) <= -cfg.negative_drop
        change, line = self.negative_change, self.baseline.negative_line
        rise = change is not None and line is not None and change >= line
        # strongly negative, and so is their learnt usual: their usual look, not a change
        usual_look = (strongly and not (below_usual or rise) and self.baseline.learnt
                      and float(base) <= cfg.negative_below)
        early = self._early_since
        if usual_look:
            # a run begun before the usual was learnt carries over
            start = self.negative_usual_since if self.negative_usual_since is not None else early
            self.negative_usual_since = t if start is None else start
            self.negative_since = self._early_since = None
        elif strongly and not self.baseline.learnt:
            # before the usual is known a strongly negative face may be the student's
            # resting look (a newcomer's resting photos at -0.70/-0.71 were alerted for
            # the whole 2 minutes of learning, then noted as their usual look): held, and
            # told once the usual says which it is
            self._early_since = t if early is None else early
            self.negative_since = None
        elif strongly or below_usual or rise:
            start = self.negative_since if self.negative_since is not None else early
            self.negative_since = t if start is None else start
            self.negative_usual_since = self._early_since = None
        else:
            self.negative_since = self.negative_usual_since = self._early_since = None

    @property
    def negative_usual_since_joined(self) -> bool:
        """The run of reading strongly negative as usual began on the first frame this
        participant was seen (its note may say "since they joined"); False without a run."""
        return (self.negative_usual_since is not None and self.first_t is not None
                and self.negative_usual_since <= self.first_t)

    def _forget(self) -> None:
        self.smoothed = None
        self.label = None
        self._pending, self._pending_n = None, 0

    @property
    def confidence(self) -> float:
        """The smoothed probability of the label shown (a new label waits two frames, so
        the top class may differ for a frame), else the smoothed top probability; in [0, 1]
        (0.0 before any face)."""
        if self.smoothed is None:
            return 0.0
        if self.label in FER_CLASSES:
            return float(self.smoothed[FER_CLASSES.index(self.label)])
        return float(self.smoothed.max())

    @property
    def valence(self) -> float | None:
        """The valence of the smoothed probabilities, in [-1, 1] (None before any face)."""
        return None if self.smoothed is None else valence_of(self.smoothed)

    @property
    def valence_change(self) -> float | None:
        """The valence minus the participant's baseline, in [-2, 2] (None before any face)."""
        v, b = self.valence, self.baseline.value
        return None if v is None or b is None else v - b

    @property
    def negative_change(self) -> float | None:
        """The smoothed negative probability minus the participant's usual one, in [-1, 1]
        (None before any face, and until the baseline is learnt)."""
        b = self.baseline.negative
        return None if self.smoothed is None or b is None else negative_probability(self.smoothed) - b


class ClassMoodMeter:
    """Class-level figures and alerts for one frame, from its participants; keeps the
    class valence change of the last ``drop_window_s + drop_baseline_s`` seconds for the
    valence-drop alert."""

    def __init__(self, cfg: MoodConfig) -> None:
        self.cfg = cfg
        self._history: deque[tuple[float, float]] = deque()
        self._drop_since: float | None = None
        self._drop_peak: float | None = None

    def update(self, t: float, participants: tuple[ParticipantResult, ...] | list[ParticipantResult],
               presence_only: bool = False) -> ClassSnapshot:
        """The class in the frame at ``t`` (seconds since the session started).

        Args:
            t: the frame's time in seconds; frames come in time order.
            participants: every participant of the frame, with their smoothed label,
                valence and away / negative durations.
            presence_only: no expressions: no distribution, valence or negative alert.

        Returns:
            Counts by presence, the label distribution among labelled faces in view
            (shares summing to 1) and the same against each one's usual label
            (``usual_distribution``: empty while nobody's usual is known), the mean valence, the mean change from the
            participants' baselines and the alerts, longest first, then the notes
            (``negative_usual``: strongly negative as usual), longest first.
        """
        cfg = self.cfg
        present = [p for p in participants if p.presence is Presence.PRESENT]
        away = [p for p in participants if p.presence is Presence.AWAY]
        off = [p for p in participants if p.presence is Presence.CAMERA_OFF]
        labelled = [p for p in present if p.label is not None]
        dist: dict[str, float] = {}
        if labelled and not presence_only:
            for c in (*FER_CLASSES, UNCERTAIN):
                k = sum(1 for p in labelled if p.label == c)
                if k:
                    dist[c] = k / len(labelled)
        usual: dict[str, float] = {}
        if labelled and not presence_only and any(p.usual_label is not None for p in labelled):
            for p in labelled:  # against each one's usual label; someone still learning theirs apart
                k = p.shown_label if p.usual_label is not None or p.label == UNCERTAIN else LEARNING
                usual[k] = usual.get(k, 0.0) + 1.0 / len(labelled)
        vals = [p.valence for p in present if p.valence is not None]
        valence = float(np.mean(vals)) if vals and not presence_only else None
        changes = [p.valence_change for p in present if p.valence_change is not None]
        change = float(np.mean(changes)) if changes and not presence_only else None
        learnt = [p.valence_change for p in present if p.valence_change is not None and p.baseline_learnt]

        alerts: list[Alert] = []
        notes: list[Alert] = []  # lower-key: after the alerts whatever their length
        for p in participants:
            who = p.name or p.id
            if p.presence is Presence.AWAY and p.away_s >= cfg.away_alert_s:
                alerts.append(Alert("away", p.id, p.away_s, f"{who} away for {duration(p.away_s)}"))
            if not presence_only and p.negative_s >= cfg.negative_alert_s:
                words = negative_words(p.label, p.below_usual(cfg.negative_drop), p.usual_label)
                alerts.append(Alert("negative", p.id, p.negative_s, f"{who} {words} for {duration(p.negative_s)}"))
            if not presence_only and p.negative_usual_s >= cfg.negative_alert_s:
                words = negative_usual_words(p.negative_usual_since_joined, duration(p.negative_usual_s))
                notes.append(Alert("negative_usual", p.id, p.negative_usual_s, f"{who} {words}"))
        drop = self._valence_drop(t, float(np.mean(learnt)) if learnt else None, len(learnt))
        if drop is not None:
            alerts.append(drop)
        alerts.sort(key=lambda a: -a.since_s)
        alerts += sorted(notes, key=lambda a: -a.since_s)
        return ClassSnapshot(participants=len(participants), present=len(present), away=len(away),
                         camera_off=len(off), distribution=dist, valence=valence, valence_change=change,
                         alerts=tuple(alerts), usual_distribution=usual)

    def _valence_drop(self, t: float, valence: float | None, faces: int) -> Alert | None:
        # ``valence``: the class valence change (a participant joining with a resting face
        # the model reads as sad lowers the mean valence, not the change)
        cfg = self.cfg
        hist = self._history
        if valence is not None and faces >= cfg.drop_min_faces:
            hist.append((t, valence))
        while hist and hist[0][0] < t - cfg.drop_window_s - cfg.drop_baseline_s:
            hist.popleft()
        recent = [v for s, v in hist if s > t - cfg.drop_window_s]
        before = [v for s, v in hist if s <= t - cfg.drop_window_s]
        if len(recent) < 2 or not hist or hist[0][0] > t - cfg.drop_window_s + 1e-6 * cfg.drop_window_s:
            self._drop_since = self._drop_peak = None  # no full recent window yet
            return None
        if len(before) >= 2 and hist[0][0] <= t - cfg.drop_window_s - cfg.drop_baseline_s / 2:
            level = float(np.mean(before))
        else:
            # the usuals were learnt under half a baseline ago: the class's usual (0) is the
            # level (a change within 2 minutes of them could not fire before)
            level = 0.0
        fall = level - float(np.mean(recent))
        if fall < cfg.drop_by:
            self._drop_since = self._drop_peak = None
            return None
        self._drop_since = self._drop_since if self._drop_since is not None else t
        self._drop_peak = fall if self._drop_peak is None else max(self._drop_peak, fall)
        return Alert("valence_drop", None, t - self._drop_since,
                     f"class valence vs usual fell by {self._drop_peak:.2f} within {duration(cfg.drop_window_s)}")
