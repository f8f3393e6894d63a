"""Snapshot ``classmood analyze --json`` on every shared gallery, case and video, and compare
two snapshots: the check that a refactor changed no result.

    python tools/analyze_snapshot.py take /tmp/before            # this checkout
    python tools/analyze_snapshot.py take /tmp/after --repo DIR  # another checkout
    python tools/analyze_snapshot.py compare /tmp/before /tmp/after

Each input is analysed by a fresh ``python -m classmood analyze FILE --json --no-store`` with
default options, ``--names`` added for the images in galleries/ (name reading). What
changes from run to run is dropped before comparing: ``timings_ms``, the store's
``session`` / ``db``, and native libraries' log lines on stderr. Exit status of ``compare``: 0 identical, 1 different.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMAGES = {".png", ".jpg", ".jpeg"}
VIDEOS = {".mp4", ".avi", ".mov", ".mkv", ".webm"}
VOLATILE = {"timings_ms", "session", "db"}
NATIVE_LOG = re.compile(r"^(WARNING: Logging before InitGoogle\(\)|[IWEF]\d{4} \d\d:\d\d:\d\d)")
"""Native libraries' own log lines (glog/absl from MediaPipe and LiteRT): they come and go
from run to run (e.g. LiteRT's "Input tensor memory is not aligned") and are not ours."""


def inputs(data: Path) -> list[tuple[Path, list[str]]]:
    """(file, extra options) for every image and video under the shared data's galleries,
    galleries2, cases and videos folders, in a fixed order."""
    out = []
    for sub in ("galleries", "galleries2", "cases", "videos"):
        for p in sorted((data / sub).rglob("*")):
            if p.suffix.lower() in IMAGES | VIDEOS and p.is_file():
                out.append((p, []))
                if sub == "galleries" and p.suffix.lower() in IMAGES:
                    out.append((p, ["--names"]))
    return out


def strip(obj):
    if isinstance(obj, dict):
        return {k: strip(v) for k, v in obj.items() if k not in VOLATILE}
    if isinstance(obj, list):
        return [strip(v) for v in obj]
    return obj


def take(out: Path, repo: Path, data: Path, jobs: int) -> int:
    out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=str(repo), CLASSMOOD_DB=str(out / "unused.db"))

    def one(item):
        path, extra = item
        name = str(path.relative_to(data)).replace("/", "__") + ("".join(extra) or "")
        r = subprocess.run([sys.executable, "-m", "classmood", "analyze", str(path), "--json", "--no-store", *extra],
                           cwd=repo, env=env, capture_output=True, text=True)
        lines = [strip(json.loads(line)) for line in r.stdout.splitlines() if line.startswith("{")]
        stderr = [ln for ln in r.stderr.strip().splitlines() if not NATIVE_LOG.match(ln)]
        (out / f"{name}.json").write_text(json.dumps({"rc": r.returncode, "stderr": stderr[-3:],
                                                      "lines": lines}, indent=1, sort_keys=True))
        return name, r.returncode, len(lines)

    with ThreadPoolExecutor(jobs) as ex:
        for name, rc, n in ex.map(one, inputs(data)):
            print(f"{name}: exit {rc}, {n} JSON lines", flush=True)
    return 0


def first_difference(a, b, where="$"):
    if type(a) is not type(b):
        return f"{where}: {a!r:.80} != {b!r:.80}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{where}.{k}: only in {'after' if k not in a else 'before'}"
            d = first_difference(a[k], b[k], f"{where}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{where}: {len(a)} items != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, f"{where}[{i}]")
            if d:
                return d
        return None
    return None if a == b else f"{where}: {a!r:.80} != {b!r:.80}"


def compare(before: Path, after: Path) -> int:
    names = sorted({p.name for p in before.glob("*.json")} | {p.name for p in after.glob("*.json")})
    names = [n for n in names if n != "unused.db"]
    bad = 0
    for n in names:
        if not (before / n).exists() or not (after / n).exists():
            print(f"{n}: missing in {'before' if not (before / n).exists() else 'after'}")
            bad += 1
            continue
        a, b = (json.loads((d / n).read_text()) for d in (before, after))
        for snap in (a, b):  # snapshots taken before native log lines were dropped at the source
            snap["stderr"] = [ln for ln in snap["stderr"] if not NATIVE_LOG.match(ln)]
        d = first_difference(a, b)
        if d:
            print(f"{n}: {d}")
            bad += 1
    print(f"{len(names) - bad} of {len(names)} identical")
    return 1 if bad else 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("take")
    t.add_argument("out", type=Path)
    t.add_argument("--repo", type=Path, default=ROOT)
    t.add_argument("--data", type=Path, default=Path(os.environ.get("CLASSMOOD_DATA", ROOT.parent / "shared" / "data")))
    t.add_argument("--jobs", type=int, default=2)
    c = sub.add_parser("compare")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    a = ap.parse_args(argv)
    if a.cmd == "take":
        if not a.data.is_dir():
            print(f"{a.data}: no shared data folder; pass --data DIR", file=sys.stderr)
            return 2
        return take(a.out, a.repo.resolve(), a.data.resolve(), a.jobs)
    return compare(a.before, a.after)


if __name__ == "__main__":
    sys.exit(main())
