"""Shared fixtures: where the shared data lives, and clean skips when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.variants import variant  # noqa: F401  (the tests import it from here)

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
def library():
    """One synth.PortraitLibrary for the run: each portrait's face and matte are found once."""
    from classmood.synth import PortraitLibrary

    with PortraitLibrary() as lib:
        yield lib


def box_inside(inner, outer) -> bool:
    """Whether box ``inner`` (x, y, w, h) lies wholly inside box ``outer``."""
    return (inner[0] >= outer[0] and inner[1] >= outer[1]
            and inner[0] + inner[2] <= outer[0] + outer[2] and inner[1] + inner[3] <= outer[1] + outer[3])


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
