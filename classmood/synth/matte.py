"""Person mattes: which pixels of a portrait are the person, so that they can be
composited into a drawn room."""

from __future__ import annotations

import cv2
import numpy as np

from .truth import Color, FBox

MATTE_SIDE = 160  # mattes are smooth: a small one, warped with the portrait, is enough


def person_matte(img: np.ndarray, face: FBox) -> tuple[np.ndarray, tuple[Color, Color]]:
    """Soft person matte of a portrait and the colours of its clothes and skin.

    Studio portraits (a near-uniform border, like NimStim's white) are keyed: the
    pixels close to the border colour and connected to the border are background.
    Other portraits (tight crops, real scenes) get a soft ellipse around the head.
    Either way the bottom rows fade out so that a drawn torso can continue the body.

    Args:
        img: the portrait, BGR uint8, shape (h, w, 3).
        face: its face box ``(x, y, w, h)`` in portrait pixels.

    Returns:
        ``(matte, (cloth, skin))``: the matte, float32 in 0..1 (1 = person), the
        portrait's aspect with its longer side :data:`MATTE_SIDE` pixels (at least
        8); ``cloth`` and ``skin`` are BGR colours (a default where the portrait
        shows none).
    """
    h, w = img.shape[:2]
    k = MATTE_SIDE / max(h, w)
    mw, mh = max(8, round(w * k)), max(8, round(h * k))
    small = cv2.resize(img, (mw, mh), interpolation=cv2.INTER_AREA).astype(np.float32)
    fx, fy, fw, fh = (v * k for v in face)
    border = np.concatenate([small[0], small[: int(mh * 0.6), 0], small[: int(mh * 0.6), -1]])
    bgc = np.median(border, axis=0)
    near = np.linalg.norm(small - bgc, axis=2) < 28.0
    keyable = float(np.mean(np.linalg.norm(border - bgc, axis=1) < 28.0)) > 0.8
    if keyable:
        _, lab = cv2.connectedComponents(near.astype(np.uint8), connectivity=4)
        edge = np.unique(np.concatenate([lab[0], lab[:, 0], lab[:, -1]]))
        bg = np.isin(lab, edge[edge > 0]) & near
        # below the chin studio portraits show a light collar or cape close to the
        # backdrop colour: keep it (it becomes the clothes) and soften the sides
        bg[int(fy + fh * 0.92) :] = False
        m = (~bg).astype(np.float32)
        m = cv2.erode(m, np.ones((3, 3), np.uint8))
        x = np.arange(mw, dtype=np.float32)
        side = np.clip(np.minimum(x, mw - 1 - x) / max(2.0, mw * 0.06), 0, 1)
        m[int(fy + fh * 0.92) :] *= side[None, :]
    else:
        yy, xx = np.mgrid[0:mh, 0:mw].astype(np.float32)
        cx, cy = fx + fw / 2, fy + fh * 0.45
        d = ((xx - cx) / (fw * 0.85)) ** 2 + ((yy - cy) / (fh * 0.95)) ** 2
        m = np.clip((1.25 - d) / 0.5, 0, 1)
        neck = (np.abs(xx - cx) < fw * 0.32) & (yy > cy)
        m = np.maximum(m, neck.astype(np.float32) * np.clip((mh - yy) / 4, 0, 1))
        # fade out inside a rounded square (squircle) within the picture, so that
        # tight crops show no crop rectangle and no corners
        u_ = (2 * xx / (mw - 1) - 1) ** 4 + (2 * yy / (mh - 1) - 1) ** 4
        edge = np.clip((1.0 - u_) / 0.45, 0, 1)
        m *= edge * edge * (3 - 2 * edge)
    m = cv2.GaussianBlur(m, (0, 0), 1.2)
    y_cloth = int(max(fy + fh * 1.02, mh * 0.85))
    low = m[y_cloth:] > 0.5
    cloth = np.median(small[y_cloth:][low], axis=0) if low.sum() > 8 else np.array([90.0, 80.0, 70.0])
    ramp = np.clip((mh - 1 - np.arange(mh, dtype=np.float32)) / max(2.0, mh * 0.06), 0, 1)
    m *= ramp[:, None]
    skin = small[int(fy + fh * 0.45) : int(fy + fh * 0.75), int(fx + fw * 0.3) : int(fx + fw * 0.7)]
    skin_c = np.median(skin.reshape(-1, 3), axis=0) if skin.size else np.array([120.0, 150.0, 190.0])
    return m, (tuple(int(v) for v in cloth), tuple(int(v) for v in skin_c))  # type: ignore[return-value]
