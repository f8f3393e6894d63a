"""The label vocabulary: expression classes, presence words, valence weights, one palette.

A leaf module (it imports nothing of ClassMood), read by every stage that names or draws a
label: the expression model, the agent, the store, the overlay and the report.
"""

from __future__ import annotations

FER_CLASSES: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
"""FER2013's seven expression classes, label ids 0..6 in order (Goodfellow et al., 2013).
Every probability vector in ClassMood has shape [7] (or [N, 7]) in this order."""

UNCERTAIN = "uncertain"
"""The label shown when the top smoothed probability is under the confidence floor."""

LABELS: tuple[str, ...] = (*FER_CLASSES, UNCERTAIN)
"""Every label a participant can carry: the seven classes, then ``uncertain``."""

LOW_CONFIDENCE = "low confidence"
"""Why a readable face is ``uncertain``: the model's smoothed top probability is under the
confidence floor (:attr:`classmood.agent.mood.MoodConfig.uncertain_below`, or the dim-face
floor)."""

UNCERTAIN_REASONS: tuple[str, ...] = ("too small", "too dark", "covered", "blurred", "turned away", LOW_CONFIDENCE)
"""Why a face in view is ``uncertain``: the face-quality gate's reasons
(:mod:`classmood.detectors.face_quality`: the face cannot be read at all), then
:data:`LOW_CONFIDENCE` (it was read, the model was unsure). Stored with each observation
(``observations.uncertain_reason``) and counted in the report."""

LEARNING = "learning"
"""In the mix shown against the participants' usual labels: a label of someone whose usual
is not known yet (their first minutes in view)."""

USUAL = "usual"
"""What a participant's label is shown as when it is their own usual one (the label they
had at rest: the class of their median reading while their baseline was learnt): their
resting face, whatever the model calls it (:func:`relative_label`)."""

SHOWN_LABELS: tuple[str, ...] = (USUAL, *FER_CLASSES, UNCERTAIN, LEARNING)
"""Every label a participant is shown as against their usual one (:func:`relative_label`):
:data:`USUAL`, a FER2013 class (a change from the usual), ``uncertain``, and in a class mix
:data:`LEARNING` (someone whose usual is not known yet). The report's mix vs usual is indexed
in this order."""

PANEL_ORDER: tuple[str, ...] = ("happy", "surprise", "neutral", "sad", "fear", "angry", "disgust")
"""The seven classes in the order the panel lists them (pleasant first)."""

VALENCE: dict[str, float] = {"angry": -0.8, "disgust": -0.8, "fear": -0.6, "happy": 1.0, "sad": -0.8,
                             "surprise": 0.2, "neutral": 0.0}
"""Valence weight of each class, in [-1, 1]: the pleasure axis of Russell's circumplex model of
affect (Russell, 1980), rounded. A participant's valence is sum over classes of p(class) x weight."""

NEGATIVE_CLASSES: tuple[str, ...] = ("angry", "disgust", "fear", "sad")
"""The classes of negative valence (:data:`VALENCE` below 0): the probability a reading gives
them together is its *negative probability*, which the agent reads against each student's
usual (:func:`classmood.agent.mood.negative_probability`)."""

COLOURS: dict[str, str] = {
    # expressions (FER2013 classes)
    "happy": "#2e9e44",
    "surprise": "#c99700",
    "neutral": "#5f6b78",
    "sad": "#3a6fd8",
    "fear": "#8a4fd1",
    "angry": "#d63b2f",
    "disgust": "#7a8a12",
    "uncertain": "#8d949c",
    "usual": "#b9cde0",     # a participant's own usual label, whatever it is: a pale blue
    "learning": "#e6e9ed",  # a label of someone whose usual is not known yet
    # presence / tile states
    "present": "#1f8f8a",
    "away": "#e07b00",
    "camera_off": "#454b54",
}
"""The one palette (CSS hex colours): badges, the panel's bars, the report's plots and legend."""

PRESENCE_WORDS: dict[str, str] = {"away": "away", "camera_off": "camera off", "present": "present",
                                  "uncertain": "uncertain"}
"""How a presence (or ``uncertain``) is written for a teacher."""

VALENCE_CHANGE_WORDS = "valence vs usual"
"""How the class valence change is named for a teacher (the status lines, the summary,
the report): the mean over the faces in view of each participant's valence minus their
own baseline, their usual (resting) expression; 0 is the class as it usually looks,
below 0 more negative than usual."""


NEGATIVE_DROP = 0.30
"""A participant whose valence is this much or more below their own learnt baseline is
negative (:attr:`classmood.agent.mood.MoodConfig.negative_drop`'s default; the old absolute
line, -0.30, flags 23.7% of FER2013 PublicTest's neutral faces with the bundled model)."""

NEGATIVE_RISE = 0.20
"""A participant whose negative probability (angry + disgust + fear + sad, smoothed) is this
much or more above their own usual is negative
(:attr:`classmood.agent.mood.MoodConfig.negative_rise`'s default). Measured with the bundled
model on FER2013 PublicTest faces 7 or more of 10 FERPlus annotators agree on (898 neutral,
196 sad, 181 angry), every neutral face against every sad one: the valence fell 0.30 or more
for 61% of the sad faces, the negative probability rose 0.20 or more for 77% (angry 68% /
83%); between two neutral faces of different people 21% / 29% (a harsher comparison than one
student against their own resting face: ``benchmarks/baseline_changes.py``)."""

NEGATIVE_RISE_SPREADS = 4.0
"""... or this many times the participant's own spread of it at rest, where that is more
(:attr:`classmood.agent.mood.MoodConfig.negative_rise_spreads`)."""


LOOKS = {"angry": "angry", "disgust": "disgusted", "fear": "afraid", "happy": "happy", "sad": "sad",
         "surprise": "surprised", "neutral": "neutral"}
"""How each FER2013 class reads after "looks" (``looks afraid``, not ``looks fear``)."""


def negative_words(label: str | None, below_usual: bool, usual: str | None = None) -> str:
    """How a participant who is negative looks, in a few words: ``looks sad``, ``looks
    afraid`` (:data:`LOOKS`); ``looks
    neutral, below usual`` when they are negative against their own baseline
    (``below_usual``) rather than by the expression itself; ``looks more negative than
    usual`` when the label is their ``usual`` one (their reading moved, not their label)
    or when the model gave no label (``uncertain``: it is unsure which expression, not the
    student); ``looks negative`` with neither."""
    if label in (None, UNCERTAIN) or (usual is not None and label == usual):
        return "looks more negative than usual" if below_usual or label == usual else "looks negative"
    return f"looks {LOOKS.get(label, label)}" + (", below usual" if below_usual else "")


def negative_usual_words(since_joined: bool, length: str | None = None) -> str:
    """The note for a participant who reads strongly negative (valence at or below the agent's
    ``negative_below``) while their learnt usual is as negative: their resting face reads so,
    nothing changed (:class:`classmood.agent.mood.ParticipantMood`). Its words say only what is
    true of the run: ``has looked strongly negative since they joined (their usual look)``
    when the run began on the first frame they were seen (``since_joined``), else ``has
    looked strongly negative for 4 min 19 s (their usual look)`` (``length``: how long the
    run has lasted, as :func:`classmood.timefmt.duration` writes it), or without ``length``
    (the panel, whose row shows the length beside it) ``has looked strongly negative (their
    usual look)``. Never "all class": a student who joined late, or whose run began after
    minutes of other looks, has not looked so all class (the agent's, the summary's and the
    report's note all come from here)."""
    if since_joined:
        span = " since they joined"
    elif length is not None:
        span = f" for {length}"
    else:
        span = ""
    return f"has looked strongly negative{span} (their usual look)"


def relative_label(label: str | None, usual: str | None) -> str | None:
    """A participant's label as the teacher is shown it, against their own usual one:
    :data:`USUAL` when it is the label they usually show, else the label itself (a
    change from their usual); ``label`` unchanged when no usual is known, or for
    ``uncertain`` or None (nothing read)."""
    if label is None or label == UNCERTAIN or usual is None:
        return label
    return USUAL if label == usual else label


def change_direction(label: str, usual: str) -> int:
    """How ``label`` differs from the participant's ``usual`` label (both FER2013 classes):
    +1 more positive (a larger :data:`VALENCE` weight), -1 more negative, 0 neither (the same
    label, or another of the same weight: angry, disgust and sad are all -0.8)."""
    d = VALENCE[label] - VALENCE[usual]
    return 0 if abs(d) < 1e-9 else (1 if d > 0 else -1)


def change_words(label: str | None, usual: str | None, below_usual: bool = False) -> str | None:
    """The words for a label read against the participant's usual one, or None when there
    is nothing to compare (no usual, ``uncertain`` or no label): ``as usual``, or ``more
    negative than usual`` for their usual label while they read negative against their own
    usual (``below_usual``: their valence fell, or the negative expressions rose, past their
    line, and the top label did not change: a badge "as usual" beside the alert "looks more
    negative than usual" contradicted it); ``happy, above usual`` / ``sad, below usual``
    (more positive / negative than their usual, by :data:`VALENCE`); ``angry, unlike
    usual`` (another label of the same valence)."""
    shown = relative_label(label, usual)
    if shown is None or shown == UNCERTAIN or usual is None:
        return None
    if shown == USUAL:
        return "more negative than usual" if below_usual else "as usual"
    return f"{label}, " + {1: "above usual", -1: "below usual", 0: "unlike usual"}[change_direction(label, usual)]


def signed(x: float) -> str:
    """A valence or valence change as the outputs write it, two decimals with its sign:
    ``+0.12``, ``-0.05``; ``0.00`` for a value that rounds to zero (never ``-0.00``)."""
    text = f"{float(x):+.2f}"
    return "0.00" if text in ("+0.00", "-0.00") else text
