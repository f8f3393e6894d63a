"""Gallery perception: tiles, faces, tile states, name labels, face alignment."""

from .faces import FaceFinder

__all__ = ["FaceFinder"]
