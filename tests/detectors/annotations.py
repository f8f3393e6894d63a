"""Hand annotations of the real Zoom screenshots in the shared data (``galleries/``):
the tile states in reading order, and a few tile boxes read off the images."""

from __future__ import annotations

from classmood.types import TileState

F, OFF = TileState.FACE, TileState.CAMERA_OFF

REAL_STATES = {
    # file: tile states in reading order
    "real_test.png": [F, F, F, F],
    "real_test2.png": [F, F, F, F, OFF],
    "real_test3.png": [F, OFF, F, F],
    "root_image2.png": [F, F, F],
    "root_image3.png": [F] * 7,
    "root_image4.png": [F] * 7,
    "screenshot.png": [F, OFF, F, F, F, F],
    "screenshot_j.png": [F] * 7,
    "zoom1.png": [F] * 16,
    "zoom2.png": [F] * 4,
}

REAL_COUNTS = {name: len(states) for name, states in REAL_STATES.items()}
"""Tiles per screenshot."""

REAL_BOXES = {
    "real_test.png": {2: (109, 543, 848, 477)},          # letterboxed tile, bars included
    "real_test2.png": {3: (331, 534, 630, 359), 4: (964, 539, 620, 349)},  # centred last row
    "zoom1.png": {0: (49, 40, 223, 126), 15: (728, 427, 223, 126)},
    "zoom2.png": {1: (312, 60, 308, 175)},                 # 2 px gap bridged by the green border
    "screenshot_j.png": {6: (432, 534, 349, 202)},
}
"""A few tile boxes per screenshot, by reading-order index: (x, y, w, h), +-6 px, borders
included where Zoom draws the active speaker."""
