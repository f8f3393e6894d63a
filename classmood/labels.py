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

PANEL_ORDER: tuple[str, ...] = ("happy", "surprise", "neutral", "sad", "fear", "angry", "disgust")
"""The seven classes in the order the panel lists them (pleasant first)."""

VALENCE: dict[str, float] = {"angry": -0.8, "disgust": -0.8, "fear": -0.6, "happy": 1.0, "sad": -0.8,
                             "surprise": 0.2, "neutral": 0.0}
"""Valence weight of each class, in [-1, 1]: the pleasure axis of Russell's circumplex model of
affect (Russell, 1980), rounded. A participant's valence is sum over classes of p(class) x weight."""

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


def negative_words(label: str | None, below_usual: bool) -> str:
    """How a participant who is negative looks, in a few words: ``looks sad``; ``looks
    neutral, below usual`` when they are negative against their own baseline
    (``below_usual``) rather than by the expression itself; ``looks more negative than
    usual`` / ``looks negative`` when the model gave no label (``uncertain``: it is unsure
    which expression, not the student)."""
    if label in (None, UNCERTAIN):
        return "looks more negative than usual" if below_usual else "looks negative"
    return f"looks {label}" + (", below usual" if below_usual else "")
