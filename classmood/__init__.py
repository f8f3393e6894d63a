"""ClassMood: a teacher-side agent that reads the video-class gallery.

Stages (one module each, plain typed data between them)::

    Source -> Frame -> detectors (tiles, faces) -> models (emotion probs)
           -> agent (tracker, mood) -> sinks (overlay, SQLite store, report)
"""

__version__ = "0.1.0"
