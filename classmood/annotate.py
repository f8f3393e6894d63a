"""Draw perception results on a copy of the frame (for ``--save-annotated``).

A sink: it only reads a :class:`~classmood.types.GalleryResult`, never the detectors.
"""

from __future__ import annotations

import cv2
import numpy as np

from .types import GalleryResult, TileState

STATE_COLOURS_BGR: dict[TileState, tuple[int, int, int]] = {
    TileState.FACE: (80, 200, 60),  # green
    TileState.NO_FACE: (0, 165, 255),  # orange
    TileState.CAMERA_OFF: (160, 160, 160),  # grey
    TileState.PHOTO: (220, 120, 200),  # violet
}
KEYPOINT_COLOURS_BGR = [(255, 255, 0), (255, 255, 0), (0, 0, 255), (0, 255, 255), (255, 0, 255), (255, 0, 255)]


class GalleryAnnotator:
    """Tile boxes coloured by state with ``#id state score`` labels, face boxes, keypoints.

    Args:
        thickness: line width in pixels; None: scaled to the image (1 px per 400 px of
            its shorter side, at least 1).
    """

    def __init__(self, thickness: int | None = None) -> None:
        self.thickness = thickness

    def annotate(self, image: np.ndarray, result: GalleryResult) -> np.ndarray:
        """Draw ``result`` on a copy of ``image``.

        Args:
            image: the analysed frame, BGR uint8 of shape (H, W, 3).
            result: what was found in it (pixel coordinates of ``image``).

        Returns:
            A new BGR uint8 array of shape (H, W, 3); ``image`` is left unchanged.
        """
        out = image.copy()
        t = self.thickness or max(1, round(min(result.width, result.height) / 400))
        font_scale = max(0.4, min(result.width, result.height) / 1400)
        for tr in result.tiles:
            colour = STATE_COLOURS_BGR[tr.state]
            x, y, w, h = tr.tile.bbox
            cv2.rectangle(out, (x, y), (x + w - 1, y + h - 1), colour, t)
            label = f"#{tr.tile.index} {tr.state.value}"
            if tr.faces:
                label += f" {tr.faces[0].score:.2f}"
            (tw, th), base = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, font_scale, 1)
            cv2.rectangle(out, (x, y), (x + tw + 6, y + th + base + 6), colour, -1)
            cv2.putText(out, label, (x + 3, y + th + 3), cv2.FONT_HERSHEY_SIMPLEX, font_scale,
                        (0, 0, 0), 1, cv2.LINE_AA)
            for face in tr.faces:
                fx, fy, fw, fh = (int(round(v)) for v in face.bbox)
                cv2.rectangle(out, (fx, fy), (fx + fw, fy + fh), (255, 255, 255), t)
                for (kx, ky), c in zip(face.keypoints, KEYPOINT_COLOURS_BGR):
                    cv2.circle(out, (int(round(kx)), int(round(ky))), max(2, t + 1), c, -1)
        return out
