"""Keep MODEL_CARD.md's measured figures equal to the shipped model's metadata.

The card's block between ``<!-- measured:start -->`` and ``<!-- measured:end -->`` is
generated from ``assets/emotion.json`` and ``assets/emotion.train_log.jsonl`` (the export
step calls :func:`update_card`); everything else in the card is written by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..labels import FER_CLASSES

HERE = Path(__file__).resolve().parent
CARD = HERE / "MODEL_CARD.md"
START, END = "<!-- measured:start -->", "<!-- measured:end -->"


def measured_block(meta: dict, log: list[dict]) -> str:
    """The card's measured block (between the markers, markers included) as Markdown.

    Args:
        meta: the model's ``.json`` (as the export writes it).
        log: its training log, one dict an epoch.
    """
    m, mf = meta["metrics"]["publictest"], meta["metrics"]["publictest_flip_average"]
    tr = meta["training"]
    minutes = sum(r.get("seconds", 0) for r in log) / 60
    lines = [
        START,
        f"Model `{meta['name']}`: {meta['arch']} width {meta['width']}, first-stage stride "
        f"{meta.get('first_stride', 1)}, {meta.get('blocks', 2)} blocks per stage; {meta['parameters']:,} "
        f"parameters, {meta.get('macs', 0) / 1e6:.1f} M multiply-adds per face; `emotion.tflite` float32 "
        f"(sha256 `{meta['sha256'][:16]}...`).",
        "",
    ]
    if "wise" in tr:  # no training of its own: the base, its teachers, the fine-tune
        lines += _wise_lines(tr["wise"], log, minutes)
    else:
        lines += [f"Training: {len(log)} of {tr['epochs']} planned epochs logged, {minutes:.0f} min in all; "
                  f"best PublicTest epoch {meta['metrics'].get('best_epoch')} (see `assets/emotion.train_log.jsonl`).",
                  ""]
        lines += _teacher_lines(meta)
    lines += [
        "| PublicTest (3,589 faces) | accuracy | macro-F1 | ECE before | ECE after (T) |",
        "| --- | --- | --- | --- | --- |",
        f"| as served | {m['accuracy']:.4f} | {m['macro_f1']:.4f} | {m['ece_before']:.4f} | "
        f"{m['ece_after']:.4f} (T={m['temperature']:.3f}) |",
        f"| flip-averaged (`flip_average=True`) | {mf['accuracy']:.4f} | {mf['macro_f1']:.4f} | "
        f"{mf['ece_before']:.4f} | {mf['ece_after']:.4f} (T={mf['temperature']:.3f}) |",
        "",
        "Per-class recall / precision (as served):",
        "",
        "| | " + " | ".join(FER_CLASSES) + " |",
        "| --- |" + " --- |" * len(FER_CLASSES),
        "| recall | " + " | ".join(f"{m['per_class'][c]['recall']:.3f}" for c in FER_CLASSES) + " |",
        "| precision | " + " | ".join(f"{m['per_class'][c]['precision']:.3f}" for c in FER_CLASSES) + " |",
        "",
        "Confusion matrix (rows: true label, columns: prediction):",
        "",
        "| true \\ predicted | " + " | ".join(FER_CLASSES) + " |",
        "| --- |" + " --- |" * len(FER_CLASSES),
    ]
    for c, row in zip(FER_CLASSES, m["confusion"]):
        lines.append(f"| {c} | " + " | ".join(str(v) for v in row) + " |")
    lines += ["", f"LiteRT vs PyTorch, 100 PublicTest faces: max |probability difference| = "
              f"{meta['metrics']['litert_vs_pytorch_max_abs_prob']:.1e}.", END]
    return "\n".join(lines)


def _teacher_lines(meta: dict, whose: str = "") -> list[str]:
    """A line for each teacher ``meta`` (a model's ``.json``) records, and their ensemble's;
    ``whose`` (e.g. ``"The base's"``) when they taught another model than this one."""
    one, all_ = (f"{whose} teacher", f"{whose} teachers") if whose else ("Teacher", "The teachers")
    lines = []
    for t in meta.get("teachers", []):
        where = f" on {t['device']}" if t.get("device") else ""
        lines += [f"{one} `{t['name']}` ({t['parameters']:,} parameters): PublicTest {t['accuracy']:.4f} "
                  f"flip-averaged, {t['epochs']} epochs, {t['minutes']:.0f} min{where} (`{t['log']}`).", ""]
    if "teacher_ensemble_accuracy" in meta:
        lines += [f"{all_} together (logits averaged, flip-averaged): PublicTest "
                  f"{meta['teacher_ensemble_accuracy']:.4f}.", ""]
    return lines


def _wise_lines(wise: dict, log: list[dict], minutes: float) -> list[str]:
    """The lineage of a WiSE-FT model (``training.wise``, as :mod:`.train.wise` records it):
    the interpolation, the base with its figures and teachers, the fine-tune with its log."""
    a, base, tuned = wise["alpha"], wise["base"], wise["tuned"]
    bm = base.get("model", {})
    name = f"`{bm['name']}`" if bm.get("name") else f"`{base['file']}`"
    lines = [f"Weights: {wise['method']} ({wise['source']}), no training of its own: {1 - a:g} x the base {name} + "
             f"{a:g} x its fine-tune `{tuned['file']}`, every floating-point tensor (BatchNorm running "
             "statistics included).", ""]
    if bm:
        btr, bmet = bm.get("training", {}), bm.get("metrics", {})
        served = (base.get("served_int8") or {}).get("publictest") or {}
        figures = [f"{bmet['publictest']['accuracy']:.4f} (float)"] if "publictest" in bmet else []
        figures += [f"{served['accuracy']:.4f} (int8)"] if served else []
        lines += [f"Base {name} (weights sha256 `{base['sha256'][:16]}...`): {btr.get('epochs')} epochs planned, "
                  f"best PublicTest epoch {bmet.get('best_epoch')}"
                  + (f"; PublicTest as served {' and '.join(figures)}." if figures else "."), ""]
        lines += _teacher_lines(bm, whose="The base's")
    tc, best = tuned.get("config", {}), tuned.get("best", {})
    btr = bm.get("training", {}) if bm else {}
    changed = [k for k in tc if k not in ("init", "teacher", "threads", "kd_temp", "kd_online") and btr
               and tc[k] != btr.get(k)]
    settings = ", ".join(f"{k} {tc[k]}" for k in changed)
    start = "the base" if tc.get("init") == base["file"] else f"`{tc.get('init')}`"
    lines += [f"Fine-tune `{tuned['file']}` (from {start}{'; ' + settings if settings else ''}): "
              f"{len(log)} of {tc.get('epochs')} planned epochs logged, {minutes:.0f} min in all; best PublicTest "
              f"epoch {best.get('epoch')} (see `assets/emotion.train_log.jsonl`).", ""]
    return lines


def update_card(meta_path: Path, log_path: Path, card: Path = CARD) -> None:
    """Rewrite ``card``'s measured block from the model's ``.json`` and training log (an
    empty log when there is none); the hand-written rest stays as it is."""
    meta = json.loads(Path(meta_path).read_text())
    log = [json.loads(line) for line in Path(log_path).read_text().splitlines() if line.strip()] \
        if Path(log_path).exists() else []
    text = card.read_text()
    i, j = text.index(START), text.index(END) + len(END)
    card.write_text(text[:i] + measured_block(meta, log) + text[j:])
