"""tools/pack_fer2013.py restores every face and label exactly."""

import importlib.util
import lzma
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

TOOL = Path(__file__).resolve().parents[1] / "tools" / "pack_fer2013.py"


@pytest.fixture(scope="module")
def packer():
    spec = importlib.util.spec_from_file_location("pack_fer2013", TOOL)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_residuals_restore_exactly(packer):
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 256, (5, 48, 48), dtype=np.uint8)
    smooth = np.clip(np.cumsum(rng.integers(-3, 4, (5, 48, 48)), axis=2) + 128, 0, 255).astype(np.uint8)
    edges = np.zeros((2, 48, 48), np.uint8)
    edges[:, :, 24:] = 255
    for images in (noise, smooth, edges):
        assert np.array_equal(packer.restore(packer.residuals(images)), images)
    assert packer.residuals(smooth).astype(np.int8).std() < smooth.std()  # what makes it smaller


def test_pack_unpack_round_trip_and_a_damaged_pack_says_so(packer, tmp_path):
    rng = np.random.default_rng(1)
    src = tmp_path / "src"
    src.mkdir()
    for s, n in (("train", 20), ("publictest", 8)):
        np.savez(src / f"fer2013_{s}.npz", images=rng.integers(0, 256, (n, 48, 48), dtype=np.uint8),
                 labels=rng.integers(0, 7, n))
    packer.pack(src, tmp_path / "pack")
    packer.unpack(tmp_path / "pack", tmp_path / "data")
    for s in ("train", "publictest"):
        a, b = np.load(src / f"fer2013_{s}.npz"), np.load(tmp_path / "data" / f"fer2013_{s}.npz")
        assert np.array_equal(a["images"], b["images"]) and np.array_equal(a["labels"], b["labels"])
    blob = bytearray(lzma.decompress((tmp_path / "pack" / "train.xz").read_bytes()))
    blob[100] ^= 1
    (tmp_path / "pack" / "train.xz").write_bytes(lzma.compress(bytes(blob)))
    with pytest.raises(SystemExit, match="does not restore the packed faces"):
        packer.unpack(tmp_path / "pack", tmp_path / "data2")


def test_a_missing_folder_is_one_clear_line(tmp_path):
    for verb, what in (("pack", "fer2013_train.npz"), ("unpack", "fer2013_pack.json")):
        r = subprocess.run([sys.executable, str(TOOL), verb, str(tmp_path / "none"), str(tmp_path / "out")],
                           capture_output=True, text=True)
        assert r.returncode == 1 and "Traceback" not in r.stderr
        assert r.stderr.strip().count("\n") == 0 and what in r.stderr and "no such file" in r.stderr
