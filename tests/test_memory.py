"""classmood._memory.keep_freed_memory: a frame's large temporaries are made and freed
again and again; with the thresholds fixed, the next frame's buffers reuse the memory
freed by the last one instead of fresh pages from the kernel. Each scenario runs in a
fresh interpreter (the thresholds are process-wide), counting minor page faults."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import json, resource, sys
import numpy as np
from classmood._memory import keep_freed_memory
tuned = keep_freed_memory() if sys.argv[1] == "tuned" else None

def frame():
    # what one frame of the layout search holds at once: three integral images of a
    # 1280 x 720 frame (3.7 MB each), written through, then freed
    kept = [np.ones((721, 1281), np.int32) for _ in range(3)]
    return sum(int(k[-1, -1]) for k in kept)

for _ in range(3):
    frame()  # warm: the heap grows to its working size once
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    frame()
faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 20
print(json.dumps({"tuned": tuned, "faults": faults}))
"""


def _faults(mode: str) -> dict:
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(SCRIPT), mode], cwd=ROOT,
                         capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt: Linux only")
def test_freed_frame_buffers_are_reused_not_mapped_again():
    default, tuned = _faults("default"), _faults("tuned")
    if tuned["tuned"] is False:
        pytest.skip("this C library has no mallopt (not glibc)")
    # 11 MB of fresh pages is ~2,700 faults a frame; reused memory needs none
    assert default["faults"] > 1000, default
    assert tuned["faults"] < 50, tuned


def test_the_command_line_fixes_the_thresholds(monkeypatch, capsys):
    from classmood.cli import app

    calls = []
    monkeypatch.setattr(app, "keep_freed_memory", lambda: calls.append(1) or True)
    assert app.main([]) == 2  # no command: the help, exit 2
    assert calls == [1]
