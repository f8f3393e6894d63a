"""Choose the expression network's shape by measurement: parameters, multiply-adds and
LiteRT ms per face (batch 1 and 49, one thread) of candidate shapes, each exported the way
the shipped model is (litert-torch, float32, dynamic batch). Weights are random: speed does
not depend on them. Needs the train extra and litert-torch (see the model card).

    python benchmarks/arch.py
    python benchmarks/arch.py --shapes 16/1/2 16/2/2 24/2/1      # width/first_stride/blocks

Prints figures; asserts nothing. Target: under 0.5 ms per face at batch 49 on one core.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from emotion import ms_per_face  # noqa: E402

DEFAULT = ["16/1/2", "12/1/2", "16/1/1", "24/2/2", "20/2/2", "32/2/1", "16/2/2", "24/2/1"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shapes", nargs="+", default=DEFAULT, help="width/first_stride/blocks (default: %(default)s)")
    ap.add_argument("--repeats", type=int, default=20)
    args = ap.parse_args()
    import torch

    from classmood.models.export import to_tflite
    from classmood.models.expression import ExpressionClassifier
    from classmood.models.network import ServedModel, build_model, count_macs

    torch.manual_seed(0)
    faces = np.random.default_rng(0).integers(0, 256, (49, 48, 48), dtype=np.uint8)
    print(f"{'width/stride/blocks':<20} {'params':>9} {'MMACs':>7} {'batch 1':>9} {'batch 49':>9}   (ms per face, one thread)")
    with tempfile.TemporaryDirectory() as tmp:
        for shape in args.shapes:
            w, fs, b = (int(v) for v in shape.split("/"))
            net = build_model("resnet", w, fs, b)
            params = sum(p.numel() for p in net.parameters())
            macs = count_macs(net) / 1e6
            path = Path(tmp) / f"{shape.replace('/', '_')}.tflite"
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                to_tflite(ServedModel(net).eval(), path)  # quiet: the converter's progress lines
            clf = ExpressionClassifier(path, threads=1)
            b1 = ms_per_face(clf.predict, faces[:1], args.repeats)
            b49 = ms_per_face(clf.predict, faces, args.repeats)
            print(f"{shape:<20} {params:>9,} {macs:>7.1f} {b1:>9.3f} {b49:>9.3f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
