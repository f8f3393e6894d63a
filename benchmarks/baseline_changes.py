"""How far a student's reading moves from their resting face when their expression changes,
measured on the shared photos of the same people (issue 19): the muxspace photos (LFW
names: the same person's neutral photo and their sad / angry / happy ones) and the NimStim
identities (neutral, angry, happy). Each photo is shown as a webcam tile
(:func:`classmood.synth.webcam_view`) and read as the product reads it (face finder,
aligner, face-quality gate, the served model). For every pair (a neutral photo, another
photo of the same person) it prints the change of the valence and of the probability of
the negative classes (angry + disgust + fear + sad), and the share of pairs each rule
would flag: the valence 0.30 below the resting one, and the negative probability
``NEGATIVE_RISE`` above it. neutral -> neutral (two resting photos of one person, often
in other light: a harsher resting variation than one webcam gives) is the false-alarm
side. Then the same on FER2013 PublicTest faces 7 or more of 10 FERPlus annotators agree on
(no same-person pairs there: every neutral face against every other face).

    python benchmarks/baseline_changes.py [--data ../shared/data] [--json out.json]

Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from classmood.agent.mood import MoodConfig, negative_probability, valence_of  # noqa: E402
from classmood.models.evaluate import product_face_cropper  # noqa: E402
from classmood.models.expression import ExpressionClassifier  # noqa: E402
from classmood.synth import webcam_view  # noqa: E402


def identity(path: Path, muxspace: bool) -> str | None:
    if not muxspace:
        return path.name[:3].upper()
    stem = path.stem
    if stem.startswith("facial-expressions_"):
        return None  # no identity
    return stem.rsplit("_", 1)[0]


def read(paths, crop, clf) -> dict[Path, np.ndarray]:
    out = {}
    for k, p in enumerate(paths):
        img = cv2.imread(str(p))
        if img is None:
            continue
        try:
            view = webcam_view(img, seed=1000 + k)
        except ValueError:  # no face found in the portrait: it cannot be drawn in a tile
            continue
        got = crop(view)
        if got is None:
            continue
        face, quality = got
        if quality.reason is not None:
            continue
        out[p] = clf.predict(face[None])[0]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    clf = ExpressionClassifier()
    cfg = MoodConfig()
    rows = []
    with product_face_cropper() as crop:
        for name, changes in (("muxspace", ("sad", "angry", "happy", "fear", "disgust", "surprise")),
                              ("nimstim", ("angry", "happy"))):
            root = args.data / "faces" / name
            if not root.is_dir():
                continue
            mux = name == "muxspace"
            by = defaultdict(lambda: defaultdict(list))
            for expr in ("neutral", *changes):
                for p in sorted((root / expr).iterdir()):
                    who = identity(p, mux)
                    if who is not None:
                        by[who][expr].append(p)
            people = [w for w, d in by.items() if d["neutral"] and any(d[e] for e in changes)]
            paths = sorted({p for w in people for e in by[w].values() for p in e})
            probs = read(paths, crop, clf)
            for who in people:
                for n in by[who]["neutral"]:
                    if n not in probs:
                        continue
                    for expr in ("neutral", *changes):
                        for q in by[who][expr]:
                            if q == n or q not in probs:
                                continue
                            rows.append({"set": name, "who": who, "to": expr,
                                         "dv": valence_of(probs[q]) - valence_of(probs[n]),
                                         "dneg": negative_probability(probs[q]) - negative_probability(probs[n]),
                                         "v0": valence_of(probs[n]), "neg0": negative_probability(probs[n])})
    print(f"| set | neutral -> | pairs (people) | valence change: median [p25, p75] | flagged by valence drop "
          f">= {cfg.negative_drop:.2f} | negative-probability rise: median [p25, p75] | flagged by rise >= "
          f"{cfg.negative_rise:.2f} | by either |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in ("muxspace", "nimstim"):
        for expr in ("neutral", "sad", "angry", "fear", "disgust", "surprise", "happy"):
            r = [x for x in rows if x["set"] == name and x["to"] == expr]
            if not r:
                continue
            dv = np.array([x["dv"] for x in r])
            dn = np.array([x["dneg"] for x in r])
            by_v = dv <= -cfg.negative_drop
            by_n = dn >= cfg.negative_rise
            q = lambda a: f"{np.median(a):+.2f} [{np.percentile(a, 25):+.2f}, {np.percentile(a, 75):+.2f}]"  # noqa
            print(f"| {name} | {expr} | {len(r)} ({len({x['who'] for x in r})}) | {q(dv)} | {by_v.mean():.0%} | "
                  f"{q(dn)} | {by_n.mean():.0%} | {(by_v | by_n).mean():.0%} |", flush=True)
    ferplus(args.data, clf, cfg)
    if args.json:
        args.json.write_text(json.dumps(rows))


def ferplus(data: Path, clf: ExpressionClassifier, cfg: MoodConfig) -> None:
    """Every clean neutral face of PublicTest against every clean face of each class (7 or
    more of 10 FERPlus votes): the share of pairs each rule flags."""
    import csv

    npz, votes_csv = data / "fer2013" / "fer2013_publictest.npz", data / "fer2013" / "ferplus" / "ferplus_votes.csv"
    if not (npz.is_file() and votes_csv.is_file()):
        return
    d = np.load(npz)
    with open(votes_csv, newline="") as f:
        votes = {r["npz_name"]: r for r in csv.DictReader(f) if r["npz_name"].startswith("PublicTest")}
    probs = clf.predict(d["images"])
    v = np.array([valence_of(p) for p in probs])
    neg = np.array([negative_probability(p) for p in probs])
    clean = {k: np.array([i for i, n in enumerate(d["names"]) if n in votes and int(votes[n][k]) >= 7])
             for k in ("neutral", "sadness", "anger", "happiness")}
    rest = clean["neutral"]
    print("\n| FER2013 PublicTest, FERPlus 7+ votes | pairs | valence falls >= "
          f"{cfg.negative_drop:.2f} | negative probability rises >= {cfg.negative_rise:.2f} |")
    print("| --- | --- | --- | --- |")
    for k, faces in clean.items():
        dv = (v[faces][:, None] - v[rest][None, :]).ravel()
        dn = (neg[faces][:, None] - neg[rest][None, :]).ravel()
        if k == "neutral":  # not a face against itself
            keep = ~np.eye(len(faces), dtype=bool).ravel()
            dv, dn = dv[keep], dn[keep]
        print(f"| neutral ({len(rest)}) -> {k} ({len(faces)}) | {len(dv)} | {np.mean(dv <= -cfg.negative_drop):.0%} | "
              f"{np.mean(dn >= cfg.negative_rise):.0%} |", flush=True)


if __name__ == "__main__":
    main()
