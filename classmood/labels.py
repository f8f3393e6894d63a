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


def negative_words(label: str | None, valence_change: float | None) -> str:
    """How a participant who is negative looks, in a few words: ``looks sad``, or ``looks
    neutral, below usual`` when they are negative against their own baseline (their
    valence below their usual: ``valence_change`` < 0) rather than by the expression
    itself."""
    words = f"looks {label or 'negative'}"
    return words + (", below usual" if valence_change is not None and valence_change < 0 else "")
