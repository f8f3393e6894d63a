import numpy as np
import pytest

from classmood.models import metrics
from classmood.models.expression import softmax
from classmood.labels import FER_CLASSES


def test_confusion_and_summary_on_a_hand_example():
    labels = np.array([0, 0, 3, 3, 3, 6])
    probs = np.eye(7, dtype=np.float32)[[0, 3, 3, 3, 6, 6]]
    s = metrics.summary(labels, probs)
    assert s["n"] == 6
    assert s["accuracy"] == pytest.approx(4 / 6)
    assert s["confusion"][0] == [1, 0, 0, 1, 0, 0, 0]
    assert s["confusion"][3][3] == 2 and s["confusion"][3][6] == 1
    assert s["per_class"]["angry"]["recall"] == 0.5
    assert s["per_class"]["happy"]["precision"] == pytest.approx(2 / 3, abs=1e-4)
    # macro-F1 over the three classes that occur: angry 2/3, happy 2/3, neutral 2/3
    assert s["macro_f1"] == pytest.approx(2 / 3, abs=1e-4)
    assert set(s["per_class"]) == set(FER_CLASSES)


def test_temperature_fit_recovers_the_temperature_that_made_the_labels():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, size=(20000, 7))
    true_t = 2.5
    p = softmax(logits, true_t).astype(np.float64)
    labels = np.array([rng.choice(7, p=row / row.sum()) for row in p])
    t = metrics.fit_temperature(logits, labels)
    assert t == pytest.approx(true_t, rel=0.05)
    assert metrics.nll(logits, labels, t) < metrics.nll(logits, labels, 1.0)
    # calibrated probabilities have a small ECE, overconfident ones a large one
    assert metrics.expected_calibration_error(labels, softmax(logits, t)) < 0.02
    assert metrics.expected_calibration_error(labels, softmax(logits, 1.0)) > 0.1


def test_ece_of_a_perfect_and_a_wrong_confident_classifier():
    labels = np.array([1, 2, 3])
    assert metrics.expected_calibration_error(labels, np.eye(7)[labels]) == 0.0
    assert metrics.expected_calibration_error(labels, np.eye(7)[[0, 0, 0]]) == 1.0
