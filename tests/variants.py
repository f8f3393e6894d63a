"""Frame variants the real-data checks share (tests and benchmarks/perception_real.py):
a real screenshot re-saved as JPEG or rescaled, in memory. Plain Python: no pytest."""

from __future__ import annotations

import os
import subprocess
import tempfile

import cv2
import numpy as np


def variant(image: np.ndarray, v: str) -> np.ndarray:
    """``image`` (BGR uint8) re-saved as JPEG (``"q50"``: quality 50), resized bicubic
    (``"x0.67"``: by 0.67) or by area averaging (``"a0.625"``: by 0.625, as a window
    made smaller is drawn: sharp, no ringing), or as a recording's keyframe (``"h28"``:
    one H.264 intra frame, libx264 at CRF 28, 4:2:0, :func:`h264`); ``"orig"``: as it is.

    Raises:
        ValueError: an unknown variant.
        ModuleNotFoundError: an ``h`` variant without imageio-ffmpeg (the test extra).
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
    if v.startswith("h"):
        return h264([image], int(v[1:]))[0]
    raise ValueError(f"unknown variant {v!r}")


def h264(frames: list[np.ndarray], crf: int, fps: int = 10, gop: int = 10) -> list[np.ndarray]:
    """``frames`` (BGR uint8, one size) as a recording shows them: encoded by libx264 at
    ``crf`` (4:2:0 colour, a keyframe every ``gop`` frames) with imageio-ffmpeg's FFmpeg and
    decoded by OpenCV; an odd width or height is padded by repeating the last line for the
    codec and cut back after."""
    import imageio_ffmpeg  # the test extra: OpenCV's wheels write no H.264

    h, w = frames[0].shape[:2]
    ph, pw = h + h % 2, w + w % 2
    fd, path = tempfile.mkstemp(suffix=".mp4")
    os.close(fd)
    try:
        raw = b"".join(np.ascontiguousarray(cv2.copyMakeBorder(f, 0, ph - h, 0, pw - w, cv2.BORDER_REPLICATE)).tobytes()
                       for f in frames)
        subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "rawvideo",
                        "-pix_fmt", "bgr24", "-s", f"{pw}x{ph}", "-r", str(fps), "-i", "-", "-c:v", "libx264",
                        "-crf", str(crf), "-g", str(gop), "-pix_fmt", "yuv420p", path], input=raw, check=True)
        cap = cv2.VideoCapture(path)
        out = []
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            out.append(frame[:h, :w])
        cap.release()
    finally:
        os.unlink(path)
    return out
