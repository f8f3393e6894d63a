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


def foreign_window(image: np.ndarray, box: tuple[int, int, int, int], dark: bool = False,
                   shadow: bool = False) -> np.ndarray:
    """A copy of ``image`` (BGR uint8) with an app's dialog drawn at ``box`` (x, y, w, h,
    inside the image): a flat panel (light 246 or dark 45 grey) with a title bar, lines of
    text and two buttons, and with ``shadow`` a soft drop shadow below it (a poll, an
    in-meeting app, another app's window lying over the gallery; issue 16)."""
    out = image.copy()
    x, y, w, h = box
    if shadow:
        m = np.zeros(out.shape[:2], np.float32)
        m[y + 4:y + h + 4, x:x + w] = 1.0
        m = cv2.GaussianBlur(m, (0, 0), 6)
        out[:] = (out.astype(np.float32) * (1 - 0.45 * m[..., None])).astype(np.uint8)
    bg, fg, bar = ((45, 45, 48), (230, 230, 230), (60, 60, 64)) if dark else \
        ((246, 246, 246), (40, 40, 40), (230, 230, 232))
    out[y:y + h, x:x + w] = bg
    tb = max(14, h // 8)
    out[y:y + tb, x:x + w] = bar
    cv2.rectangle(out, (x, y), (x + w - 1, y + h - 1), (120, 120, 120) if dark else (200, 200, 200), 1)
    fs = max(0.35, h / 400)
    cv2.putText(out, "Poll: Are you ready?", (x + 8, y + tb - 4), cv2.FONT_HERSHEY_SIMPLEX, fs, fg, 1, cv2.LINE_AA)
    ly, k = y + tb + int(20 * fs / 0.5), 0
    while ly < y + h - int(0.3 * h):
        cv2.putText(out, f"Lorem ipsum dolor sit amet {17 * k % 100}", (x + 10, ly), cv2.FONT_HERSHEY_SIMPLEX,
                    fs * 0.8, fg, 1, cv2.LINE_AA)
        ly, k = ly + int(22 * fs / 0.5), k + 1
    bw, bh = max(30, w // 4), max(12, h // 9)
    for k in range(2):
        bx, by = x + w - (k + 1) * (bw + 10), y + h - bh - 10
        cv2.rectangle(out, (bx, by), (bx + bw, by + bh), (215, 120, 40) if k == 0 else (150, 150, 150), -1)
    return out
