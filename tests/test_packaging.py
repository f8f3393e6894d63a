"""What `pip install` brings: one OpenCV build, name reading as an opt-in extra."""

from __future__ import annotations

import configparser
import re
import sys
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _requirements(field: str, section: str = "options") -> list[str]:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    return [re.split(r"[<>=!~;\[ ]", line.strip())[0].lower().replace("_", "-")
            for line in cfg[section][field].splitlines() if line.strip()]


def test_one_opencv_build_the_one_mediapipe_requires():
    ours = {r for r in _requirements("install_requires") if r.startswith("opencv")}
    assert ours == {"opencv-contrib-python"}
    try:
        needed = metadata.requires("mediapipe") or []
    except metadata.PackageNotFoundError:  # pragma: no cover - mediapipe is a dependency
        pytest.skip("mediapipe is not installed")
    theirs = {re.split(r"[<>=!~;\[ ]", r)[0].lower() for r in needed if r.lower().startswith("opencv")}
    assert theirs <= ours, f"mediapipe requires {theirs}; depend on that build only"


def test_name_reading_is_an_extra():
    assert "rapidocr-onnxruntime" not in _requirements("install_requires")
    assert "rapidocr-onnxruntime" in _requirements("names", "options.extras_require")


def test_missing_name_models_say_how_to_install(monkeypatch):
    from classmood.detectors import names as N
    from classmood.errors import ModelError

    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # import fails as if not installed
    with pytest.raises(ModelError) as exc:
        N.NameReader()
    msg = str(exc.value)
    assert "classmood[names]" in msg and "\n" not in msg
