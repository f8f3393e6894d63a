"""Full int8 against float32: PublicTest accuracy as served (one pass) and LiteRT ms per face
at batch 49 on one thread, same run, for the shipped model and/or training checkpoints.

    python benchmarks/int8.py                                   # the shipped float emotion.tflite (served as int8)
    python benchmarks/int8.py runs/w24s2/best.pt runs/w32s2/best.pt

Full int8 is ``ai_edge_quantizer``'s ``static_wi8_ai8`` (int8 weights per channel, int8
activations with scales calibrated on 512 Training faces, so a face's result does not
depend on the rest of its batch). Checkpoints are exported as the shipped model is
(litert-torch, float32). Needs the train extra, litert-torch and ai-edge-quantizer (see the
model card). Writes only to a temporary folder. Prints figures; asserts nothing.
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

from classmood.models.expression import FLOAT_MODEL  # noqa: E402
from classmood.models.quantize import CALIBRATION_FACES, full_int8  # noqa: E402


class Runner:
    """A .tflite at a fixed batch, float32 pixels in, float32 logits out (int8 files get
    their input quantised and their output dequantised with the file's own scales)."""

    def __init__(self, path: Path, batch: int) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.it = Interpreter(model_path=str(path), num_threads=1)
        self.inp, self.out = self.it.get_input_details()[0], self.it.get_output_details()[0]
        self.batch = 0
        self._resize(batch)

    def _resize(self, n: int) -> None:
        if n != self.batch:
            self.it.resize_tensor_input(self.inp["index"], [n, 1, 48, 48])
            self.it.allocate_tensors()
            self.batch = n

    def __call__(self, x: np.ndarray) -> np.ndarray:
        self._resize(len(x))
        if self.inp["dtype"] != np.float32:
            scale, zero = self.inp["quantization"]
            x = np.clip(np.round(x / scale + zero), -128, 127).astype(self.inp["dtype"])
        self.it.set_tensor(self.inp["index"], x)
        self.it.invoke()
        y = self.it.get_tensor(self.out["index"])
        if self.out["dtype"] != np.float32:
            scale, zero = self.out["quantization"]
            y = (y.astype(np.float32) - zero) * scale
        return y


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="*", type=Path, help=".tflite files or training checkpoints (.pt); "
                    "default: the shipped model")
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "fer2013"))
    ap.add_argument("--repeats", type=int, default=30)
    args = ap.parse_args()
    data = Path(args.data)
    if not (data / "fer2013_train.npz").is_file() or not (data / "fer2013_publictest.npz").is_file():
        raise SystemExit(f"int8: {data}: FER2013 not found; give --data DIR holding fer2013_train.npz "
                         "and fer2013_publictest.npz")
    train = np.load(data / "fer2013_train.npz")["images"]
    pub = np.load(data / "fer2013_publictest.npz")
    x, y = pub["images"].astype(np.float32)[:, None], pub["labels"]
    pick = np.random.default_rng(0).choice(len(train), CALIBRATION_FACES, replace=False)
    calibration = train[pick].astype(np.float32)[:, None]
    print(f"{'model':<28} {'kind':<6} {'as served':>9} {'ms/face b49':>12}   (PublicTest {len(y)} faces, one thread)")
    with tempfile.TemporaryDirectory() as tmp:
        for model in args.models or [FLOAT_MODEL]:
            if not model.is_file():
                raise SystemExit(f"int8: {model}: no such model file (give .tflite files or best.pt checkpoints)")
            label = model.parent.name if model.suffix == ".pt" else model.name
            src = Path(tmp) / f"{label}.tflite"
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                if model.suffix == ".pt":
                    from classmood.models.export import to_tflite
                    from classmood.models.weights import load_checkpoint

                    to_tflite(load_checkpoint(model)[0], src)
                else:
                    src.write_bytes(model.read_bytes())
                full_int8(src, src.with_suffix(".int8.tflite"), calibration)
            for kind, path in (("float", src), ("int8", src.with_suffix(".int8.tflite"))):
                run = Runner(path, 49)
                logits = np.concatenate([run(x[i : i + 49]) for i in range(0, len(x), 49)])
                acc = float((logits.argmax(1) == y).mean())
                ms = ms_per_face(run, x[:49], args.repeats)
                print(f"{label:<28} {kind:<6} {acc:>9.4f} {ms:>12.3f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
