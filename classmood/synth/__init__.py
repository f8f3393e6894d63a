"""Synthetic video-class gallery screenshots with exact ground truth.

Real gallery screenshots are few and unlabelled, so the tile finder, the state
classifier and the face pipeline are swept over synthetic galleries that look like
Zoom, Google Meet and Microsoft Teams: the same grid rules (near-square grids of
16:9 tiles that maximise tile size, a centred last row, constant gaps), the same
flat UI colours, letterboxed webcams, camera-off cards, small profile photos, name
labels, an active-speaker border and optional window chrome around the grid.

Every tile comes with its exact rectangle, state, label text and face boxes. Face
boxes are BlazeFace boxes found on the clean source portrait and mapped through
the exact placement used to draw it (see :mod:`classmood.synth.library`).

The generator never reads files itself (except :func:`load_portraits`, which the
caller points at a folder): any list of BGR portraits works, e.g. matplotlib's
``grace_hopper.jpg`` sample (:func:`sample_portrait`). Output is fully determined
by the inputs and ``seed``.

Finding a portrait's face and matte is the costly part; a
:class:`PortraitLibrary` owns the face finder and remembers both per portrait.
Pass one library to every call that draws people (``library=``) to analyse each
portrait once; without it each call analyses the portraits it uses afresh.

Modules, in drawing order: :mod:`.layout` (grid rules), :mod:`.looks` (app colours
and geometry), :mod:`.chrome` (window and toolbars), :mod:`.tiles` (one tile:
video, card, photo, label), :mod:`.webcam` (a webcam picture), :mod:`.person`
(a person in it), :mod:`.rooms` (the room behind), :mod:`.library` and
:mod:`.matte` (portrait analysis), :mod:`.portraits` (portrait images),
:mod:`.names`, :mod:`.draw` (primitives), :mod:`.truth` (ground-truth records),
:mod:`.gallery` (whole screenshots) and :mod:`.layouts` (speaker view, and a
filmstrip beside a shared slide: tiles of mixed sizes, the slide no tile).
"""

from __future__ import annotations

from .gallery import compose_gallery, crop_gallery, make_gallery, random_gallery
from .layout import MAX_TILES, grid_layout, grid_shape
from .layouts import MAX_STRIP, STRIPS, make_filmstrip_share, make_speaker_view
from .library import PortraitLibrary, portrait_face_box
from .avatars import draw_avatar_row
from .looks import STYLES, THEMES, style_colors
from .names import DEFAULT_NAMES
from .portraits import load_portraits, sample_portrait
from .truth import SynthGallery, SynthTile
from .webcam import webcam_view

__all__ = [
    "DEFAULT_NAMES",
    "STYLES",
    "THEMES",
    "MAX_TILES",
    "MAX_STRIP",
    "STRIPS",
    "SynthTile",
    "SynthGallery",
    "PortraitLibrary",
    "grid_shape",
    "grid_layout",
    "make_gallery",
    "random_gallery",
    "make_speaker_view",
    "make_filmstrip_share",
    "compose_gallery",
    "crop_gallery",
    "draw_avatar_row",
    "webcam_view",
    "load_portraits",
    "sample_portrait",
    "portrait_face_box",
    "style_colors",
]
