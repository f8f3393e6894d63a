"""The served expression model is the float export in full int8 (issue 18's rule): the same
top class as the float file on at least 98% of PublicTest, accuracy as served within 0.3
points, calibrated (ECE after its temperature no worse than the float file's + 0.01), a
face's result independent of its batch. The float file itself matches PyTorch
(test_parity.py). PublicTest checks skip without the shared data."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from classmood.models import metrics
from classmood.models.expression import DEFAULT_MODEL, FLOAT_MODEL, ExpressionClassifier, softmax
from classmood.models.quantize import MAX_ACCURACY_DROP, MIN_AGREEMENT, compare


def _meta(path):
    return json.loads(path.with_suffix(".json").read_text())


def test_the_served_model_is_the_float_model_in_full_int8():
    meta = _meta(DEFAULT_MODEL)
    clf = ExpressionClassifier()
    assert clf.model_path == DEFAULT_MODEL and clf.quantized
    assert not ExpressionClassifier(FLOAT_MODEL).quantized
    assert meta["quantization"]["recipe"] == "static_wi8_ai8"
    assert meta["float_model"]["sha256"] == hashlib.sha256(FLOAT_MODEL.read_bytes()).hexdigest()
    assert meta["sha256"] == hashlib.sha256(DEFAULT_MODEL.read_bytes()).hexdigest()
    assert DEFAULT_MODEL.stat().st_size < FLOAT_MODEL.stat().st_size / 3


def test_a_faces_result_does_not_depend_on_its_batch():
    """Static activation scales: one face alone and among 48 others gives the same logits."""
    faces = np.random.default_rng(5).integers(0, 256, (49, 48, 48), dtype=np.uint8)
    clf = ExpressionClassifier()
    together = clf.logits(faces)
    alone = np.concatenate([clf.logits(f[None]) for f in faces[:7]])
    np.testing.assert_array_equal(alone, together[:7])
    np.testing.assert_array_equal(clf.logits(faces[::-1])[::-1], together)


def test_int8_against_float_on_publictest(fer_dir):
    d = np.load(fer_dir / "fer2013_publictest.npz")
    x, y = d["images"], d["labels"].astype(np.int64)
    got = compare(FLOAT_MODEL, DEFAULT_MODEL, x, y)
    assert got["top_class_agreement"] >= MIN_AGREEMENT
    assert got["accuracy_delta"] >= -MAX_ACCURACY_DROP
    recorded = _meta(DEFAULT_MODEL)["metrics"]
    assert got == pytest.approx(recorded["int8_vs_float"], abs=1e-6)
    # calibrated: the served probabilities' ECE, with the int8 file's own temperature
    probs = ExpressionClassifier().predict(x)
    ece = metrics.summary(y, probs)["ece"]
    assert ece == pytest.approx(recorded["publictest"]["ece_after"], abs=1e-4)
    assert ece <= _meta(FLOAT_MODEL)["metrics"]["publictest"]["ece_after"] + 0.01
    float_probs = softmax(ExpressionClassifier(FLOAT_MODEL).logits(x), _meta(FLOAT_MODEL)["temperature"])
    assert float((probs.argmax(1) == float_probs.argmax(1)).mean()) >= MIN_AGREEMENT
