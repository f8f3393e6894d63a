"""Shared fixtures: where the shared data lives, and clean skips when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("CLASSMOOD_DATA", ROOT.parent / "shared" / "data"))


def data_path(*parts: str) -> Path:
    """A path under the shared data folder; skips the test when it is not there."""
    p = DATA.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"shared data not found: {p} (set CLASSMOOD_DATA or place ../shared/data)")
    return p


@pytest.fixture(scope="session")
def grace():
    """A portrait that ships with matplotlib: tests that use it need no shared data."""
    pytest.importorskip("matplotlib")
    from classmood.synth import sample_portrait

    return sample_portrait()


@pytest.fixture(scope="session")
def galleries_dir() -> Path:
    return data_path("galleries")


@pytest.fixture(scope="session")
def faces_dir() -> Path:
    return data_path("faces")


@pytest.fixture(scope="session")
def fer_dir() -> Path:
    return data_path("fer2013")


@pytest.fixture(autouse=True)
def _session_db(tmp_path_factory, monkeypatch):
    """Sessions the tests store go to a throwaway database, never the user's own."""
    monkeypatch.setenv("CLASSMOOD_DB", str(tmp_path_factory.mktemp("db") / "classmood.db"))
