"""What the report says about its own figures: the expression model with its measured
accuracy, and the caveats in plain words (expressions are not feelings, the model's
limits, what presence means, the law)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..labels import FER_CLASSES
from .data import BASELINE_S, NEGATIVE_AT, json_number


def model_info(presence_only: bool) -> dict[str, Any]:
    """What the report says about the expression model.

    Args:
        presence_only: the session recognised no expressions (the model was not used).

    Returns:
        ``{"used", "file", "name", "test"}``: whether it was used, the shipped model's
        file and name, and its measured accuracy (None if not found) as ``{"split",
        "faces", "accuracy", "macro_f1", "chance", "recall": {class: recall},
        "split_also_chose_the_model"}``; ``"error"`` too when its card could not be read.
    """
    from ..models.expression import DEFAULT_MODEL, ModelInfo

    out: dict[str, Any] = {"used": not presence_only, "file": DEFAULT_MODEL.name, "name": None, "test": None}
    try:
        mi = ModelInfo.load(DEFAULT_MODEL)
    except Exception as e:  # noqa: BLE001 - a report without the figure is still a report
        out["error"] = str(e)
        return out
    out["name"] = mi.name
    for key, split, chose in (("privatetest", "FER2013 PrivateTest", False),
                              ("publictest", "FER2013 PublicTest", True)):
        m = mi.metrics.get(key)
        if isinstance(m, dict) and "accuracy" in m:
            per = m.get("per_class") or {}
            faces = m.get("n") or (int(np.sum(m["confusion"])) if "confusion" in m else
                                   int(sum(v.get("support", 0) for v in per.values())) or None)
            out["test"] = {
                "split": split,
                "faces": faces,
                "accuracy": json_number(m["accuracy"], 4),
                "macro_f1": json_number(m.get("macro_f1"), 4),
                "chance": round(1 / len(FER_CLASSES), 4),
                "recall": {c: json_number(v.get("recall"), 4) for c, v in per.items()} or None,
                "split_also_chose_the_model": chose,
            }
            break
    return out


def caveats(model: dict[str, Any], presence_only: bool, baselines: bool = True) -> list[str]:
    """The caveats shown at the end of the report, in plain words: what expressions can
    and cannot tell, the model's measured accuracy (from :func:`model_info`), what
    presence means, what valence against each student's usual can miss, and the law (the
    EU AI Act's Art. 5(1)(f)) with the presence-only mode. A presence-only session's list
    says instead of the expression caveats that no expression recognition ran; without
    ``baselines`` (a session stored before them) nothing is said of them."""
    out = []
    if presence_only:
        out.append("This session was recorded in presence-only mode: no expression recognition ran, so this "
                   "report has no expression sections and shows presence only.")
    else:
        out += [
            "Expressions are not feelings. The model reads the configuration of a face in a video frame (a smile, "
            "a frown, raised brows); it cannot tell whether a student is confused, bored, tired or thinking hard. "
            "A 'sad' or 'angry' face is often concentration, a poor camera angle or bad light.",
            "The model learned from FER2013: small grayscale photos found by web search, many of them posed, "
            "labelled by annotators who agree with each other only about two times in three. Webcam faces seen "
            "from the side or from below, in dim light or against a window, with glasses, masks or hands on the "
            "face look different, and it is less accurate on them.",
        ]
        test = model.get("test")
        if test:
            rec = {c: r for c, r in (test.get("recall") or {}).items() if r is not None}
            best = sorted(rec, key=lambda c: -rec[c])[:2]
            worst = sorted(rec, key=lambda c: rec[c])[:2]
            s = (f"Accuracy: on the {test['split']} split ({test['faces']:,} labelled faces) the model "
                 f"({model.get('name')}) names the right one of the 7 expressions for "
                 f"{test['accuracy']:.0%} of the faces (chance is {test['chance']:.0%}"
                 + (f"; macro-F1 {test['macro_f1']:.2f}" if test.get("macro_f1") is not None else "") + ").")
            if best and worst:
                s += (" It finds " + " and ".join(f"{c} {rec[c]:.0%}" for c in best) + " of the time, but only "
                      + " and ".join(f"{c} {rec[c]:.0%}" for c in worst) + ".")
            if test.get("split_also_chose_the_model"):
                s += " That split was also used to choose the model, so the figure is if anything optimistic."
            s += " On classroom video expect it to be lower."
            out.append(s)
        else:
            out.append("Accuracy: no measured accuracy was found for the expression model "
                       f"({model.get('file')}); treat every expression figure with care.")
        if baselines:
            out.append(f"Valence vs usual compares each student with their own first {BASELINE_S / 60:g} minutes in "
                       "view: a student already upset then looks 'as usual' while they stay so (a strongly "
                       f"negative face, valence at or below {NEGATIVE_AT:g}, counts as negative whatever their "
                       "usual), and a student who comes back after a long absence is compared with a usual learnt "
                       "anew.")
        out.append("Use these figures for the class as a whole and over minutes, as a hint about when to look "
                   "again at the recording, never to judge, grade or discipline one student.")
    out += [
        "Presence: 'away' means the camera was on with nobody in view; a student can be listening off camera. "
        "'Camera off' means a name card or a still photo was shown.",
        "Law: in the EU, the AI Act (Regulation (EU) 2024/1689) Article 5(1)(f) prohibits AI systems that infer "
        "the emotions of people in education institutions (and workplaces), except for medical or safety reasons. "
        "ClassMood offers a presence-only mode (--presence-only) that records presence, cameras and away time "
        "with no expression recognition at all: use it where that rule or a similar one applies, and tell "
        "students what is recorded.",
    ]
    return out
