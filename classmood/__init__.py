"""ClassMood: a teacher-side agent that reads the video-class gallery.

Stages (one job per module, small frozen dataclasses between them)::

    Source -> Frame -> detectors (tiles, faces, tile states) -> models (expression probs)
           -> agent (tracker, mood) -> sinks (overlay, SQLite store, report)

The public API, importable from here without deep paths (loaded on first use, so
``import classmood`` stays light)::

    from classmood import Pipeline, open_source, SessionStore, build_report
"""

from __future__ import annotations

from importlib import import_module

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    # the pipeline and where frames come from
    "Pipeline": "classmood.agent.pipeline",
    "PipelineConfig": "classmood.agent.pipeline",
    "open_source": "classmood.agent.sources",
    "Source": "classmood.agent.sources",
    # the result types (classmood.types)
    "Frame": "classmood.types",
    "FrameResult": "classmood.types",
    "GalleryResult": "classmood.types",
    "TileResult": "classmood.types",
    "Tile": "classmood.types",
    "TileState": "classmood.types",
    "Face": "classmood.types",
    "ParticipantResult": "classmood.types",
    "Presence": "classmood.types",
    "Alert": "classmood.types",
    "ClassSnapshot": "classmood.types",
    "FER_CLASSES": "classmood.labels",
    # the stages one by one
    "GalleryPerception": "classmood.detectors",
    "FaceAligner": "classmood.detectors",
    "ExpressionClassifier": "classmood.models.expression",
    # sinks
    "SessionStore": "classmood.agent.store",
    "build_report": "classmood.report",
    # errors
    "ClassMoodError": "classmood.errors",
    "InputError": "classmood.errors",
    "ModelError": "classmood.errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    # classmood.Pipeline etc. without importing OpenCV/MediaPipe/LiteRT on "import classmood"
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'classmood' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
