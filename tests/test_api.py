"""The one public API: what the README's Python example needs comes from ``classmood``."""

from __future__ import annotations

import subprocess
import sys

import classmood


def test_every_public_name_resolves():
    for name in classmood.__all__:
        assert getattr(classmood, name) is not None, name


def test_public_names_are_the_stage_objects():
    from classmood.agent.pipeline import Pipeline
    from classmood.agent.sources import open_source
    from classmood.agent.store import SessionStore
    from classmood.models.expression import ExpressionClassifier
    from classmood.report import build_report
    from classmood.types import FrameResult

    assert classmood.Pipeline is Pipeline and classmood.open_source is open_source
    assert classmood.SessionStore is SessionStore and classmood.build_report is build_report
    assert classmood.ExpressionClassifier is ExpressionClassifier and classmood.FrameResult is FrameResult


def test_import_is_light():
    """``import classmood`` loads no OpenCV, MediaPipe or LiteRT (the CLI's --help stays fast)."""
    code = "import sys, classmood; print(sorted(m for m in ('cv2', 'mediapipe', 'ai_edge_litert') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_unknown_name_is_an_attribute_error():
    try:
        classmood.NoSuchThing  # noqa: B018
    except AttributeError as exc:
        assert "NoSuchThing" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("classmood.NoSuchThing resolved")


def test_cli_start_is_light():
    """The CLI's parser loads no OpenCV or numpy (``classmood --help`` answers at once)."""
    code = ("import sys, classmood.cli.app; "
            "print(sorted(m for m in ('cv2', 'numpy', 'mediapipe') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
