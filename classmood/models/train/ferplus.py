"""FERPlus's annotator votes as soft targets, matched to FER2013 Training by name (numpy only).

FERPlus (Barsoum et al., 2016) had every FER2013 image relabelled by 10 annotators; the
shared copy (``<data>/ferplus/ferplus_votes.csv``, README beside it) gives the votes of
the images of ``fer2013_train.npz`` by their ``names``. Columns: ``neutral, happiness,
surprise, sadness, anger, disgust, fear, contempt, unknown, NF``.

- :func:`vote_distribution`: the votes over FER2013's seven classes, in
  :data:`classmood.labels.FER_CLASSES` order (angry, disgust, fear, happy, sad, surprise,
  neutral). **Contempt votes are dropped**, not counted as disgust: FER2013 has no
  contempt class, and the faces FERPlus annotators called contemptuous are mostly
  labelled angry, neutral and sad in FER2013 (of the 4,530 contempt votes on Training
  faces, 1,197 fall on angry, 1,023 on neutral, 854 on sad and only 327 on disgust
  faces), so mapping them to disgust would put disgust mass on faces FER2013 calls
  something else, in its rarest class. ``unknown`` and ``NF`` ("not a face") are not
  expressions: they are dropped from the distribution too and used by :func:`nonface`.
- :func:`nonface`: the drop rule, faces whose ``NF + unknown`` votes are a strict
  majority of their votes (21 of the 27,142 matched Training faces).
- :func:`match`: the votes of each face of a split by its name and FER2013 label (names
  are not unique: ``Training_8475486`` and ``Training_52789098`` each name two different
  faces of ``fer2013_train.npz``, told apart by their labels); faces FERPlus has no
  confident match for (1,567 of 28,709 Training) get no votes.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from ...errors import InputError
from ...labels import FER_CLASSES

VOTES_FILE = Path("ferplus") / "ferplus_votes.csv"
"""Where the votes are, relative to the FER2013 folder (``--data``)."""

COLUMNS = ("neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear", "contempt", "unknown", "NF")
"""FERPlus's vote columns, in its order."""

TO_FER = {"anger": "angry", "disgust": "disgust", "fear": "fear", "happiness": "happy", "sadness": "sad",
          "surprise": "surprise", "neutral": "neutral"}
"""FERPlus expression -> FER2013 class; ``contempt`` (dropped, see the module text),
``unknown`` and ``NF`` map to none."""


def vote_distribution(votes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Votes in :data:`COLUMNS` order ``[N, 10]`` -> the share of each FER2013 class
    float32 ``[N, 7]`` (:data:`~classmood.labels.FER_CLASSES` order; rows sum to 1) and
    whether a face has any expression vote at all, bool ``[N]`` (a face all ``unknown``,
    ``NF`` or ``contempt`` has none: its row is zeros)."""
    votes = np.asarray(votes, np.float32)
    out = np.zeros((len(votes), len(FER_CLASSES)), np.float32)
    for col, fer in TO_FER.items():
        out[:, FER_CLASSES.index(fer)] = votes[:, COLUMNS.index(col)]
    total = out.sum(1)
    has = total > 0
    out[has] /= total[has, None]
    return out, has


def nonface(votes: np.ndarray) -> np.ndarray:
    """bool ``[N]``: the faces whose ``NF`` + ``unknown`` votes are more than half of all
    their votes (the annotators mostly could not call it an expression, or a face)."""
    votes = np.asarray(votes, np.float32)
    bad = votes[:, COLUMNS.index("NF")] + votes[:, COLUMNS.index("unknown")]
    return 2 * bad > votes.sum(1)


def read_votes(path: Path) -> dict[tuple[str, int], np.ndarray]:
    """``ferplus_votes.csv`` -> ``{(npz_name, fer2013_label_id): votes int [10]}``
    (:data:`COLUMNS` order). A name and label listed twice keep the row with the higher
    ``match_corr``.

    Raises:
        InputError: no such file, or one without the FERPlus columns (``option="ferplus"``).
    """
    if not Path(path).is_file():
        raise InputError(f"{path}: no FERPlus votes there; the FERPlus options need "
                         f"<data>/{VOTES_FILE.as_posix()} (see its README)", option="ferplus")
    found: dict[tuple[str, int], tuple[float, np.ndarray]] = {}
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in ("npz_name", "fer2013_label_id", *COLUMNS) if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(f"{path}: not a FERPlus votes file (no column {', '.join(missing)})", option="ferplus")
        for row in reader:
            corr = float(row.get("match_corr") or 0.0)
            name = (row["npz_name"], int(row["fer2013_label_id"]))
            if name not in found or corr > found[name][0]:
                found[name] = (corr, np.array([int(row[c]) for c in COLUMNS], np.int64))
    return {k: v for k, (_, v) in found.items()}


def match(names: np.ndarray, labels: np.ndarray,
          votes: dict[tuple[str, int], np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The votes of each face of a split, by its name and FER2013 label.

    Args:
        names: the split's ``names`` str ``[N]`` (``fer2013_train.npz``'s).
        labels: their FER2013 labels int ``[N]``.
        votes: :func:`read_votes`'s table.

    Returns:
        votes int64 ``[N, 10]`` (zeros where FERPlus has no match) and bool ``[N]``, which
        faces were matched.
    """
    out = np.zeros((len(names), len(COLUMNS)), np.int64)
    found = np.zeros(len(names), bool)
    for i, (n, y) in enumerate(zip(np.asarray(names).astype(str), np.asarray(labels))):
        v = votes.get((n, int(y)))
        if v is not None:
            out[i], found[i] = v, True
    return out, found


def load_split_votes(folder: Path, names: np.ndarray | None,
                     labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The FERPlus votes of a split's faces: :func:`match` of the votes file in ``folder``
    (the FER2013 folder) on ``names`` and ``labels``.

    Raises:
        InputError: the split has no ``names`` to match by, or the votes file is missing
            or malformed (``option="ferplus"``).
    """
    if names is None:
        raise InputError(f"{folder}/fer2013_train.npz has no names array: the FERPlus votes are matched by "
                         "name (pack the data with tools/pack_fer2013.py)", option="ferplus")
    return match(names, labels, read_votes(Path(folder) / VOTES_FILE))


def soft_targets(labels: np.ndarray, votes: np.ndarray, matched: np.ndarray, weight: float,
                 smoothing: float) -> np.ndarray:
    """Each face's training target float32 ``[N, 7]``: ``(1 - w) x`` its label-smoothed
    FER2013 label ``+ w x`` its FERPlus vote distribution, ``w = weight`` where the face
    has FERPlus expression votes and 0 elsewhere (the label alone). With ``weight`` 0 it is
    exactly the target of ``CrossEntropyLoss(label_smoothing=smoothing)``."""
    k = len(FER_CLASSES)
    target = np.full((len(labels), k), smoothing / k, np.float32)
    target[np.arange(len(labels)), labels] += 1 - smoothing
    dist, has = vote_distribution(votes)
    w = (weight * (has & matched)).astype(np.float32)[:, None]
    return (1 - w) * target + w * dist
