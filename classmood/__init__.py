"""ClassMood: a teacher-side agent that reads the video-class gallery.

Stages (one module each, plain typed data between them)::

    Source -> Frame -> detectors (tiles, faces) -> models (emotion probs)
           -> agent (tracker, mood) -> sinks (overlay, SQLite store, report)
"""

__version__ = "0.1.0"


def __getattr__(name: str):
    # classmood.Pipeline without importing OpenCV/MediaPipe/LiteRT on "import classmood"
    if name in ("Pipeline", "PipelineConfig"):
        from .agent import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'classmood' has no attribute {name!r}")
