"""LiteRT serves exactly what PyTorch trained (skipped without the train extra)."""

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="parity needs PyTorch: pip install -e '.[train]'")

from classmood.models.expression import FLOAT_MODEL, ExpressionClassifier, softmax  # noqa: E402
from classmood.models.weights import load_npz  # noqa: E402


def test_litert_matches_pytorch_on_100_publictest_faces(fer_dir):
    path = FLOAT_MODEL  # the float export matches PyTorch; the served int8 file is tested against it
    meta = json.loads(path.with_suffix(".json").read_text())
    model = load_npz(path.with_suffix(".npz"), meta["training"])
    x = np.load(fer_dir / "fer2013_publictest.npz")["images"][:100]
    with torch.no_grad():
        ref = model(torch.from_numpy(x.astype(np.float32)[:, None])).numpy()
    clf = ExpressionClassifier(path, standardize=False)  # the graph itself, as PyTorch runs it
    t = clf.temperature
    p_torch, p_lite = softmax(ref, t), clf.predict(x)
    assert np.abs(p_torch - p_lite).max() < 1e-4
    assert (p_torch.argmax(1) == p_lite.argmax(1)).all()
