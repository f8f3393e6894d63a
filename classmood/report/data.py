"""The report's figures as data: :class:`ReportData` (what every file of the report
shows), the shapes of its entries, the report's thresholds (the agent's own, from
:class:`~classmood.agent.mood.MoodConfig`'s defaults), and the JSON document it becomes
(``report.json``, documented in ``classmood/report/SCHEMA.md``)."""

from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import dataclass, field
from typing import Any, TypedDict

import numpy as np

from .. import __version__
from ..agent.mood import MoodConfig
from ..agent.store import SessionInfo
from ..labels import LABELS, SHOWN_LABELS, UNCERTAIN

SCHEMA_VERSION = 1
"""Version of the JSON report's schema (``"schema_version"``)."""

_MOOD = MoodConfig()
NEGATIVE_DROP = _MOOD.negative_drop
"""A participant is *negative* while their valence is this much or more below their own
baseline (0.30) ..."""
NEGATIVE_AT = _MOOD.negative_below
"""... or at or below this whatever their baseline (-0.70, with a confident label): the live agent's rule
(:class:`classmood.agent.mood.ParticipantMood`), with its default thresholds."""
NEGATIVE_RISE = _MOOD.negative_rise
"""... or while their negative probability is this much above its usual (0.20; more where
their reading wandered at rest: the line stored with each observation is used)."""
BASELINE_S = _MOOD.baseline_s
"""Seconds with a face in view over which each participant's baseline is learnt (120)."""
MOMENT_DROP = 0.15
"""A valence-drop moment: the class valence change from its baselines at least this far
below its mean over the (up to) three intervals before."""
MOMENT_AWAY_SHARE = 0.2
"""An away moment: on average at least this share of the class (and at least one
participant) away during the interval."""


def negative(valence: np.ndarray, change: np.ndarray, label: np.ndarray | None = None,
             negative_change: np.ndarray | None = None, negative_line: np.ndarray | None = None,
             usual: np.ndarray | None = None) -> np.ndarray:
    """Where a participant is *negative*, by the live agent's rule: their valence
    ``change`` from their own learnt baseline at or below ``-NEGATIVE_DROP``, their
    negative probability's rise over its usual (``negative_change``) at or above their own
    line (``negative_line``, as stored), or their ``valence`` at or below ``NEGATIVE_AT``
    with a confident label unless their ``usual`` valence is at or below it too (their
    usual look, not a change: :func:`negative_as_usual`).

    Args:
        valence: float64 [N], stored smoothed valences (-1..1), NaN where none.
        change: float64 [N], the stored valence minus the learnt baseline, NaN where none
            (while it was being learnt; every row of a session stored before baselines:
            there only the absolute line counts).
        label: int8 [N], index into :data:`classmood.labels.LABELS` (-1: none), or None
            (every label confident). ``uncertain`` or none: the absolute line does not count.
        negative_change, negative_line: float64 [N] each, NaN where none (not learnt, or a
            session stored before schema 4: there that rule does not count), or None.
        usual: float64 [N], the participant's learnt baseline valence for each row (NaN
            where none is known), or None (none known anywhere).

    Returns:
        bool [N].
    """
    confident = np.ones(len(valence), bool) if label is None else (label >= 0) & (label != LABELS.index(UNCERTAIN))
    with np.errstate(invalid="ignore"):
        strongly = (valence <= NEGATIVE_AT) & confident
        changed = change <= -NEGATIVE_DROP
        if negative_change is not None and negative_line is not None:
            changed |= negative_change >= negative_line
        if usual is not None:
            strongly &= ~(usual <= NEGATIVE_AT)
        return strongly | changed


def negative_as_usual(valence: np.ndarray, change: np.ndarray, label: np.ndarray | None = None,
                      negative_change: np.ndarray | None = None, negative_line: np.ndarray | None = None,
                      usual: np.ndarray | None = None) -> np.ndarray:
    """Where a participant reads strongly negative as they usually do: valence at or below
    ``NEGATIVE_AT`` with a confident label while their ``usual`` valence is at or below it
    too, and not :func:`negative` (no fall from the usual, no rise of the negative
    probability): the live agent's note "has looked strongly negative since they joined / for
    12 min (their usual look)" (:func:`classmood.labels.negative_usual_words`). Arguments as :func:`negative`.

    Returns:
        bool [N] (all False when ``usual`` is None).
    """
    if usual is None:
        return np.zeros(len(valence), bool)
    confident = np.ones(len(valence), bool) if label is None else (label >= 0) & (label != LABELS.index(UNCERTAIN))
    with np.errstate(invalid="ignore"):
        return ((valence <= NEGATIVE_AT) & confident & (usual <= NEGATIVE_AT)
                & ~negative(valence, change, label, negative_change, negative_line, usual))


def usual_valence(valence: np.ndarray, change: np.ndarray, participant: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Each row's learnt baseline valence (``valence - change``); where none was known yet
    (the first minutes, ``change`` NaN), the participant's first one learnt later: the
    report knows the whole session, so a resting face that reads strongly negative is its
    usual look from the start.

    Args:
        valence, change: float64 [N], as :func:`negative`.
        participant: int [N], each row's participant index (>= 0).
        t: float64 [N], each row's session time (s).

    Returns:
        float64 [N], NaN where the participant's baseline was never known.
    """
    base = np.asarray(valence, np.float64) - np.asarray(change, np.float64)
    out = base.copy()
    known = np.isfinite(base)
    if not known.any():
        return out
    order = np.lexsort((t[known], participant[known]))  # by participant, then time
    kp, kb = participant[known][order], base[known][order]
    firsts = np.r_[True, kp[1:] != kp[:-1]]
    first = dict(zip(kp[firsts].tolist(), kb[firsts].tolist()))
    fill = ~known & np.isin(participant, kp[firsts])
    out[fill] = [first[int(i)] for i in participant[fill]]
    return out


def json_number(x: float | None, nd: int = 3) -> float | None:
    """``x`` rounded to ``nd`` decimals for the JSON (seconds 3, shares and valences 4);
    None for None, NaN or infinity."""
    return None if x is None or not math.isfinite(x) else round(float(x), nd)


class Stretch(TypedDict):
    """A participant's longest stretch in one state: seconds from the session start."""

    start_s: float
    duration_s: float
    clock: str  # start_s as a recording position (classmood.timefmt.clock)


class Participant(TypedDict):
    """One participant's figures over the report's window (seconds unless named)."""

    id: str
    name: str                     # "" unless names are shown
    first_seen_s: float | None
    last_seen_s: float | None
    in_class_s: float | None      # present + away + camera off
    present_s: float | None
    away_s: float | None
    camera_off_s: float | None
    present_share: float | None   # present_s / in_class_s
    expressions: dict[str, float] | None  # label -> share of labelled face time
    dominant_expression: str | None
    usual_expression: str | None  # the usual label learnt with their baseline (the one they had longest in the window)
    expressions_vs_usual: dict[str, float] | None  # SHOWN_LABELS -> share of labelled face time
    uncertain_s: float | None     # labelled face time with the label uncertain
    uncertain_share: float | None  # uncertain_s / labelled face time
    uncertain_reasons: dict[str, float] | None  # reason -> share of uncertain_s, largest first
    mean_valence: float | None    # time-weighted, while present (-1..1)
    mean_valence_change: float | None  # the same of valence minus their own baseline (0: as usual)
    negative_s: float | None      # total time negative (see negative())
    negative_as_usual_s: float | None  # total time strongly negative as usual (see negative_as_usual())
    longest_negative: Stretch | None
    longest_away: Stretch | None
    attention_s: float | None     # the sort key: max(longest negative, longest away)
    trend: list[float | None]     # per interval: mean valence (presence-only: present share)
    valence_change_trend: list[float | None] | None  # per interval: mean valence change (presence-only: None)


class Interval(TypedDict):
    """The class during one interval; the counts are mean numbers of participants."""

    index: int
    start_s: float | None
    end_s: float | None
    clock: str
    read_s: float | None          # seconds of it that were read (a recording's unreadable time left out)
    participants: float | None
    present: float | None
    away: float | None
    camera_off: float | None
    valence: float | None         # class valence (time-weighted class-mood valence)
    valence_change: float | None  # the class's change from its baselines, the same way
    expressions: dict[str, float] | None
    dominant_expression: str | None
    expressions_vs_usual: dict[str, float] | None  # SHOWN_LABELS -> share; None without usual labels


class Moment(TypedDict):
    """A stretch of consecutive intervals worth looking at again."""

    kind: str                     # "valence_drop" or "away"
    start_s: float | None
    end_s: float | None
    clock: str
    wall_clock: str | None        # local HH:MM:SS; None for a recording (its time of day is not known)
    value: float | None           # the largest drop, or away share, in it
    description: str


class AlertEpisode(TypedDict):
    """A live alert held over consecutive frames, as one episode."""

    kind: str
    participant: str | None       # None: class-wide
    name: str
    start_s: float | None         # when the condition began
    first_alert_s: float | None   # when the alert was first raised
    end_s: float | None           # its last frame
    longest_s: float | None       # how long it had lasted at most
    message: str


@dataclass
class ReportData:
    """Everything the report shows; :meth:`to_json` is the JSON file.

    Arrays are indexed ``[participant, interval, ...]`` with participants in the order
    of ``ids`` (most in need of attention first) and ``n_int = len(edges) - 1``
    intervals; seconds are seconds of the session (from its start).
    """

    info: SessionInfo
    names_shown: bool
    start_s: float
    end_s: float
    duration_s: float          # of the whole session (last frame + one step)
    step_s: float              # the session's median frame step
    interval_s: float
    edges: np.ndarray          # float64 [n_int + 1], interval edges
    ids: list[str]             # participants in the window
    names: list[str]           # "" unless names are shown
    present: np.ndarray        # float64 seconds [n_p, n_int, 3]: present, away, camera off
    labels: np.ndarray         # float64 seconds [n_p, n_int, len(LABELS)] while present
    valence: np.ndarray        # float64 mean valence [n_p, n_int], NaN without a face
    valence_change: np.ndarray  # float64 mean valence minus baseline [n_p, n_int], NaN when unknown
    class_valence: np.ndarray  # float64 [n_int] from the class-mood rows, NaN when unknown
    class_valence_change: np.ndarray  # float64 [n_int], the class's change from its baselines, likewise
    people: list[Participant]  # in the order of ids
    intervals: list[Interval]
    moments: list[Moment]
    alerts: list[AlertEpisode]
    model: dict[str, Any]      # see classmood.report.caveats.model_info
    caveats: list[str]
    frames_in_window: int
    observations_in_window: int
    read_s: np.ndarray | None = None
    """float64 [n_int]: the seconds of each interval that were read (a recording's
    unreadable stretches left out); None: all of them. Per-interval means divide by it."""
    unread: list[dict[str, Any]] = field(default_factory=list)
    """The stretches of the recording that could not be read: ``start_s``, ``end_s``
    (None: to the end of the file), ``clock``, ``to_end``."""
    baselines: bool = True
    """The headline figures are against the participants' baselines (valence changes):
    False only for a session with valences but none of their changes, stored before
    baselines existed; its headline figures are then the absolute valences."""
    shown: np.ndarray | None = None
    """float64 seconds [n_p, n_int, len(SHOWN_LABELS)] while present, the labels as shown
    against each participant's usual label (:data:`classmood.labels.SHOWN_LABELS`)."""
    reasons: np.ndarray | None = None
    """float64 seconds [n_p, n_int, len(UNCERTAIN_REASONS) + 1] with the label ``uncertain``,
    by reason (the last: not stored)."""
    usual_known: bool = False
    """The session stored the participants' usual labels (schema 4 and a baseline learnt):
    the mix shown is against them (``shown``), else the model's own labels (``labels``)."""
    generated_at: float = field(default_factory=time.time)

    @property
    def mix(self) -> tuple[np.ndarray, tuple[str, ...]]:
        """What the plots and tables show as the expression mix: ``(seconds [n_p, n_int,
        K], the K names)``, against each participant's usual label where known
        (``shown``, :data:`classmood.labels.SHOWN_LABELS`), else the model's labels."""
        if self.usual_known and self.shown is not None:
            return self.shown, SHOWN_LABELS
        return self.labels, LABELS

    @property
    def class_headline(self) -> np.ndarray:
        """float64 [n_int]: the class figure the plots and moments show, its valence
        change from its baselines (the absolute valence when ``baselines`` is False)."""
        return self.class_valence_change if self.baselines else self.class_valence

    @property
    def headline(self) -> np.ndarray:
        """float64 [n_p, n_int]: the participants' figure shown likewise."""
        return self.valence_change if self.baselines else self.valence

    @property
    def app_version(self) -> str:
        """The ClassMood version that recorded the session."""
        return self.info.app_version

    @property
    def presence_only(self) -> bool:
        """No expression recognition ran in the session."""
        return self.info.presence_only

    @property
    def cut_short(self) -> bool:
        """The session has no end time (the app stopped without ending it, or it runs),
        or its recording could not be read to the end (truncated or damaged)."""
        return self.info.ended_at is None or any(u["to_end"] for u in self.unread)

    def to_json(self) -> dict[str, Any]:
        """The JSON document (``"schema_version": 1``), as ``json.dump`` takes it."""
        info = self.info

        def iso(ts: float | None) -> str | None:
            return None if ts is None else dt.datetime.fromtimestamp(ts).astimezone().isoformat(timespec="seconds")

        return {
            "schema_version": SCHEMA_VERSION,
            "generated_at": iso(self.generated_at),
            "generator": f"classmood {__version__}",
            "session": {
                "id": info.id,
                "source": info.source,
                "started_at": info.started_at,
                "started_at_local": iso(info.started_at),
                "ended_at": info.ended_at,
                "ended_at_local": iso(info.ended_at),
                "cut_short": self.cut_short,
                "duration_s": json_number(self.duration_s),
                "frames": info.frames,
                "participants": info.participants,
                "presence_only": info.presence_only,
                "names_stored": info.names,
                "names_shown": self.names_shown,
                "app_version": self.app_version,
            },
            "settings": {
                "session": info.settings.to_dict(),
                "report": {"interval_s": self.interval_s, "start_s": json_number(self.start_s),
                           "end_s": json_number(self.end_s), "frame_step_s": json_number(self.step_s, 4),
                           "negative_drop": NEGATIVE_DROP, "negative_at_or_below": NEGATIVE_AT,
                           "baseline_s": BASELINE_S, "valence_vs_baseline": self.baselines,
                           "negative_rise": NEGATIVE_RISE, "expressions_vs_usual": self.usual_known,
                           "moment_valence_drop": MOMENT_DROP, "moment_away_share": MOMENT_AWAY_SHARE},
            },
            "model": self.model,
            "participants": self.people,
            "intervals": self.intervals,
            "moments": self.moments,
            "alerts": self.alerts,
            "caveats": self.caveats,
            "unread": self.unread,
        }
