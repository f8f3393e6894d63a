"""The architecture holds: import-linter checks the contracts in ``.importlinter`` (one
direction of flow, detectors free of models, the overlay only reading results, only the
store touching SQL). A broken contract fails here with import-linter's own report."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    pytest.importorskip("importlinter", reason="import-linter is in the test extra: pip install -e '.[test]'")
    r = subprocess.run([sys.executable, "-c", "import sys; from importlinter.cli import lint_imports; "
                        "sys.exit(lint_imports(config_filename='.importlinter', no_cache=True, no_logo=True))"],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert "0 broken" in r.stdout


def test_a_broken_contract_is_caught(tmp_path):
    """The check can fail: a contract the code breaks on purpose (the base types above the
    agent, which imports them) is reported as broken."""
    pytest.importorskip("importlinter", reason="import-linter is in the test extra: pip install -e '.[test]'")
    cfg = tmp_path / "bad.importlinter"
    cfg.write_text("[importlinter]\nroot_package = classmood\n\n[importlinter:contract:x]\nname = types above all\n"
                   "type = layers\nlayers =\n    classmood.types\n    classmood.agent\n")
    r = subprocess.run([sys.executable, "-c", "import sys; from importlinter.cli import lint_imports; "
                        f"sys.exit(lint_imports(config_filename={str(cfg)!r}, no_cache=True, no_logo=True))"],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode != 0 and "BROKEN" in r.stdout
