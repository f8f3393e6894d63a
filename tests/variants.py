"""Frame variants the real-data checks share (tests and benchmarks/perception_real.py):
a real screenshot re-saved as JPEG or rescaled, in memory. Plain Python: no pytest."""

from __future__ import annotations

import cv2
import numpy as np


def variant(image: np.ndarray, v: str) -> np.ndarray:
    """``image`` (BGR uint8) re-saved as JPEG (``"q50"``: quality 50), resized bicubic
    (``"x0.67"``: by 0.67) or by area averaging (``"a0.625"``: by 0.625, as a window
    made smaller is drawn: sharp, no ringing), in memory; ``"orig"``: as it is.

    Raises:
        ValueError: an unknown variant.
    """
    if v == "orig":
        return image
    if v.startswith("q"):
        ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(v[1:])])
        assert ok
        return cv2.imdecode(buf, cv2.IMREAD_COLOR)
    if v.startswith("x"):
        s = float(v[1:])
        return cv2.resize(image, None, fx=s, fy=s, interpolation=cv2.INTER_CUBIC)
    if v.startswith("a"):
        s = float(v[1:])
        return cv2.resize(image, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
    raise ValueError(f"unknown variant {v!r}")
