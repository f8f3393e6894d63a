"""The agent tests' X server (Xvfb, 1280x720), one per test module that asks for it."""

from __future__ import annotations

import pytest

from tests.xserver import start_xvfb, stop


@pytest.fixture(scope="module")
def xvfb():
    """A real X server for the module; its display name."""
    proc, display = start_xvfb((1280, 720))
    try:
        yield display
    finally:
        stop(proc)
