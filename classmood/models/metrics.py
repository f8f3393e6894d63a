"""Classification metrics and probability calibration (numpy only)."""

from __future__ import annotations

import math

import numpy as np

from ..labels import FER_CLASSES


def confusion(labels: np.ndarray, preds: np.ndarray, k: int = len(FER_CLASSES)) -> np.ndarray:
    """``[k, k]`` counts, rows = true label, columns = prediction."""
    m = np.zeros((k, k), np.int64)
    np.add.at(m, (np.asarray(labels, np.int64), np.asarray(preds, np.int64)), 1)
    return m


def summary(labels: np.ndarray, probs: np.ndarray) -> dict:
    """Accuracy, macro-F1 (over classes present in labels or predictions), per-class
    recall/precision/F1/support, the confusion matrix and the expected calibration error.

    Args:
        labels: true classes int ``[N]`` (0..6).
        probs: probabilities float ``[N, 7]`` in :data:`FER_CLASSES` order.

    Returns:
        ``n``, ``accuracy``, ``macro_f1``, ``ece`` (0..1), ``per_class`` (class name ->
        ``recall``, ``precision``, ``f1`` rounded to 4 places and ``support``) and
        ``confusion`` (7x7 lists of counts, rows true, columns predicted).
    """
    labels = np.asarray(labels, np.int64)
    preds = probs.argmax(1) if len(probs) else np.zeros(0, np.int64)
    m = confusion(labels, preds)
    tp = np.diag(m).astype(float)
    support, predicted = m.sum(1), m.sum(0)
    recall = np.divide(tp, support, out=np.zeros_like(tp), where=support > 0)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    f1 = np.divide(2 * precision * recall, precision + recall, out=np.zeros_like(tp), where=(precision + recall) > 0)
    seen = (support + predicted) > 0
    n = int(len(labels))
    return {
        "n": n,
        "accuracy": float(tp.sum() / n) if n else 0.0,
        "macro_f1": float(f1[seen].mean()) if seen.any() else 0.0,
        "per_class": {c: {"recall": round(float(recall[i]), 4), "precision": round(float(precision[i]), 4),
                          "f1": round(float(f1[i]), 4), "support": int(support[i])}
                      for i, c in enumerate(FER_CLASSES)},
        "confusion": m.tolist(),
        "ece": expected_calibration_error(labels, probs) if n else 0.0,
    }


def expected_calibration_error(labels: np.ndarray, probs: np.ndarray, bins: int = 15) -> float:
    """ECE of the top-class confidence, ``bins`` equal-width bins (Guo et al. 2017):
    labels int ``[N]``, probabilities ``[N, K]`` -> 0..1."""
    conf = probs.max(1)
    correct = probs.argmax(1) == np.asarray(labels)
    edges = np.linspace(0, 1, bins + 1)
    idx = np.clip(np.digitize(conf, edges[1:-1]), 0, bins - 1)
    ece = 0.0
    for b in range(bins):
        sel = idx == b
        if sel.any():
            ece += sel.mean() * abs(correct[sel].mean() - conf[sel].mean())
    return float(ece)


def nll(logits: np.ndarray, labels: np.ndarray, temperature: float) -> float:
    """Mean negative log-likelihood (nats) of ``labels`` int ``[N]`` under
    ``softmax(logits / temperature)``, logits ``[N, K]``."""
    z = logits.astype(np.float64) / temperature
    z -= z.max(1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(1, keepdims=True))
    return float(-logp[np.arange(len(labels)), labels].mean())


def fit_temperature(logits: np.ndarray, labels: np.ndarray, lo: float = 0.05, hi: float = 20.0) -> float:
    """The temperature minimising the negative log-likelihood (golden-section search on
    log T between ``lo`` and ``hi``; the NLL is unimodal in T) of ``labels`` int ``[N]``
    under logits ``[N, K]``."""
    labels = np.asarray(labels, np.int64)
    a, b = math.log(lo), math.log(hi)
    g = (math.sqrt(5) - 1) / 2
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = nll(logits, labels, math.exp(c)), nll(logits, labels, math.exp(d))
    for _ in range(60):
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = nll(logits, labels, math.exp(c))
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = nll(logits, labels, math.exp(d))
    return float(math.exp((a + b) / 2))
