"""Read a participant's name label (bottom-left of the tile).

Two steps, each with the tool that measured best on the real Korean/English Zoom
screenshots (see ``tests/detectors/test_names.py`` and the numbers in
:class:`NameReader`):

1. **Find the label.** PP-OCRv4's text *detector* (the ONNX model shipped inside the
   ``rapidocr_onnxruntime`` wheel) runs on the tile's bottom-left strip only, upscaled
   so that small labels are ~3x their size: it finds the text line whatever is behind
   it (a dark box on video, white text on video in Meet, a grey card). The line
   nearest the bottom that starts near the left edge is the label; a red mute icon in
   front of it is dropped.
2. **Read it.** Tesseract 5 (``kor+eng`` LSTM models, through libtesseract's C API in
   process: no subprocess per tile) on that line alone, as a single text line. PP-OCRv4's
   recogniser (also in the rapidocr wheel) is the fallback when Tesseract or its Korean
   model is not installed: it reads Latin letters and digits well but has no Hangul.

Reading names is personal data: the product keeps it off unless the teacher turns it on.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import os
import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, Sequence

import cv2
import numpy as np

from ..errors import ClassMoodError, ModelError
from ..geometry import BBox
from ..types import Tile

__all__ = ["NameReader", "LabelBox", "find_label", "BACKENDS"]

BACKENDS = ("auto", "tesseract", "rapidocr")

# The strip searched for the label: labels are a fixed pixel size in the app (~12-20 px
# tall at 100% scaling), in the bottom ~15% of a big tile and the bottom ~30% of a small
# one, and never wider than ~80% of the tile.
_STRIP_MIN_H = 32
_STRIP_FRAC_H = 0.25
_STRIP_FRAC_W = 0.8
_DET_TARGET_H = 96  # the strip is upscaled to about this height (at most 3x) for detection
_DET_THRESH = 0.3  # DB probability threshold (PP-OCR's default)
_DET_MIN_SCORE = 0.6  # mean probability inside a text region
_UNCLIP = 1.6  # PP-OCR's expansion of the shrunk text kernel back to the text box
# The line fed to the recogniser: text ~40 px tall, a margin of 15% of its height.
# Swept on the 63 real labels (Tesseract kor+eng character accuracy): height 30/36/42
# px -> 0.914/0.927/0.938; margin 0.10/0.15/0.20/0.25/0.35 -> 0.936/0.927/0.933/0.894/
# 0.904 (a wide margin takes in the label box's rim, read as letters).
_OCR_TEXT_H = 40
_SECOND_OPINION_BELOW = 0.5  # Tesseract confidence under which PP-OCR is asked too
_PAD = 0.15


@dataclass(frozen=True)
class LabelBox:
    """Where the name label's text is, in full-frame pixels, and the detector's score."""

    bbox: BBox
    score: float


# -- locating -------------------------------------------------------------------------
class _TextDetector:
    """PP-OCRv4 DB text detector (ONNX) from the rapidocr_onnxruntime wheel."""

    def __init__(self) -> None:
        path = _rapidocr_model("ch_PP-OCRv4_det_infer.onnx")
        import onnxruntime as ort

        so = ort.SessionOptions()
        so.intra_op_num_threads = 2
        so.log_severity_level = 3
        try:
            self._sess = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types
            raise ModelError(f"{path}: not a usable text-detection model ({exc})") from None
        self._input = self._sess.get_inputs()[0].name
        self._lock = threading.Lock()

    def probability(self, bgr: np.ndarray) -> np.ndarray:
        """Per-pixel text probability of ``bgr`` (same size)."""
        h, w = bgr.shape[:2]
        ph, pw = (h + 31) // 32 * 32, (w + 31) // 32 * 32
        x = np.zeros((ph, pw, 3), np.float32)
        x[:h, :w] = bgr.astype(np.float32) / 127.5 - 1.0
        with self._lock:
            p = self._sess.run(None, {self._input: x.transpose(2, 0, 1)[None]})[0]
        return p[0, 0, :h, :w]


def _rapidocr_model(name: str) -> Path:
    try:
        import rapidocr_onnxruntime
    except ImportError:
        raise ModelError(
            "reading name labels needs the optional OCR models (rapidocr_onnxruntime), which are "
            "not installed; install the names extra: pip install 'classmood[names]' "
            "(from a clone: pip install -e '.[names]')"
        ) from None
    path = Path(rapidocr_onnxruntime.__file__).parent / "models" / name
    if not path.is_file():
        raise ModelError(f"{path}: OCR model missing from rapidocr_onnxruntime; reinstall it")
    return path


def _strip_box(tile: BBox, frame_w: int, frame_h: int) -> BBox | None:
    x, y, w, h = tile
    sh = int(min(h, max(_STRIP_MIN_H, _STRIP_FRAC_H * h)))
    sw = int(w * _STRIP_FRAC_W)
    x0, y0 = max(0, x), max(0, y + h - sh)
    x1, y1 = min(frame_w, x + sw), min(frame_h, y + h)
    if x1 - x0 < 16 or y1 - y0 < 8:
        return None
    return (x0, y0, x1 - x0, y1 - y0)


def _red_mask(bgr: np.ndarray) -> np.ndarray:
    hsv = cv2.cvtColor(bgr, cv2.COLOR_BGR2HSV)
    # Zoom's icon is ~(60, 60, 230) BGR: pure red, strongly saturated. Skin and warm
    # video behind the label are far less saturated.
    return ((hsv[..., 0] <= 6) | (hsv[..., 0] >= 174)) & (hsv[..., 1] > 140) & (hsv[..., 2] > 120)


def _is_red_icon(bgr: np.ndarray) -> bool:
    """Zoom's and Meet's muted-microphone icon is red: drop it from the label."""
    if bgr.size == 0:
        return False
    return float(_red_mask(bgr).mean()) > 0.12


def find_label(detector: _TextDetector, image_bgr: np.ndarray, tile: Tile) -> LabelBox | None:
    """The name label's text line in ``tile``, or None when there is none."""
    H, W = image_bgr.shape[:2]
    strip_box = _strip_box(tile.bbox, W, H)
    if strip_box is None:
        return None
    sx, sy, sw, sh = strip_box
    strip = image_bgr[sy : sy + sh, sx : sx + sw]
    s = min(3.0, max(1.0, _DET_TARGET_H / sh))
    big = cv2.resize(strip, None, fx=s, fy=s, interpolation=cv2.INTER_CUBIC) if s > 1 else strip
    prob = detector.probability(big)
    n, lab, stats, _ = cv2.connectedComponentsWithStats((prob > _DET_THRESH).astype(np.uint8))
    boxes: list[tuple[float, float, float, float, float]] = []
    for i in range(1, n):
        bx, by, bw, bh, area = (int(v) for v in stats[i])
        if bw < 3 or bh < 3:
            continue
        score = float(prob[lab == i].mean())
        if score < _DET_MIN_SCORE:
            continue
        d = area * _UNCLIP / (2 * (bw + bh))  # PP-OCR's unclip distance for a rectangle
        x0, y0 = (bx - d) / s, (by - d) / s
        x1, y1 = (bx + bw + d) / s, (by + bh + d) / s
        crop = strip[max(0, int(y0)) : int(np.ceil(y1)), max(0, int(x0)) : int(np.ceil(x1))]
        if _is_red_icon(crop):
            continue
        boxes.append((max(0.0, x0), max(0.0, y0), min(sw, x1), min(sh, y1), score))
    line = _label_line(boxes, tile.bbox[2])
    if line is None:
        return None
    x0, y0, x1, y1, score = line
    return LabelBox(
        bbox=(sx + int(x0), sy + int(y0), max(1, int(round(x1 - x0))), max(1, int(round(y1 - y0)))),
        score=score,
    )


def _label_line(
    boxes: Sequence[tuple[float, float, float, float, float]], tile_w: int
) -> tuple[float, float, float, float, float] | None:
    """Join text boxes on the lowest row that starts near the left edge into one line."""
    starts = [b for b in boxes if b[0] <= 0.3 * tile_w]
    if not starts:
        return None
    first = max(starts, key=lambda b: (b[3], -b[0]))  # the lowest line at the left
    x0, y0, x1, y1, score = first
    for b in sorted(boxes, key=lambda b: b[0]):
        if b is first:
            continue
        h = max(y1 - y0, b[3] - b[1])
        overlap = min(y1, b[3]) - max(y0, b[1])
        if overlap >= 0.5 * min(y1 - y0, b[3] - b[1]) and b[0] - x1 <= 1.5 * h and b[2] > x1:
            x1, y0, y1 = b[2], min(y0, b[1]), max(y1, b[3])
            score = min(score, b[4])
    return x0, y0, x1, y1, score


def _line_image(image_bgr: np.ndarray, box: BBox) -> np.ndarray:
    """The label line as dark text on a light background, ~40 px tall, padded."""
    x, y, w, h = box
    pad = max(2, int(round(_PAD * h)))
    H, W = image_bgr.shape[:2]
    crop = image_bgr[max(0, y - pad) : min(H, y + h + pad), max(0, x - pad) : min(W, x + w + pad)]
    gray = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    # A red mute icon joined to the text would be read as a stray letter: paint it
    # with the label's background.
    red = _red_mask(crop)
    if red.any():
        red = cv2.dilate(red.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
        gray[red] = int(np.median(gray[~red])) if (~red).any() else 0
    scale = _OCR_TEXT_H / max(1, h)
    if abs(scale - 1.0) > 0.05:
        interp = cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=interp)
    # Labels are light text on a darker box (or on video): make the text the dark part.
    if _text_is_light(gray):
        gray = 255 - gray
    gray = cv2.normalize(gray, None, 0, 255, cv2.NORM_MINMAX)
    b = max(8, _OCR_TEXT_H // 3)
    return cv2.copyMakeBorder(gray, b, b, b, b, cv2.BORDER_CONSTANT, value=255)


def _text_is_light(gray: np.ndarray) -> bool:
    """The text is the minority of extreme pixels; compare the bright and dark tails."""
    lo, hi = np.percentile(gray, [10, 90])
    mid = (lo + hi) / 2
    return float((gray > mid).mean()) < 0.5


# -- recognisers ----------------------------------------------------------------------
class _Recognizer(Protocol):
    name: str

    def read(self, line_gray: np.ndarray) -> tuple[str, float]:
        """Text and confidence in [0, 1] of one dark-on-light text line."""


class _Tesseract:
    """libtesseract (5.x) through its C API, loaded once; thread-safe via a lock."""

    name = "tesseract"
    PSM_SINGLE_LINE = 7

    def __init__(self, languages: str | None = None) -> None:
        # Tesseract's OpenMP threads only fight over the CPU for one short line (and
        # with the face detector): one thread is several times faster here.
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        libname = ctypes.util.find_library("tesseract") or "libtesseract.so.5"
        try:
            lib = ctypes.CDLL(libname)
        except OSError:
            raise ModelError(
                "Tesseract is not installed (libtesseract not found); install it "
                "(Debian/Ubuntu: apt-get install tesseract-ocr tesseract-ocr-kor)"
            ) from None
        self._lib = lib
        self._declare(lib)
        datapath = _tessdata_dir()
        if datapath is None:
            raise ModelError("Tesseract language data not found; install tesseract-ocr-eng")
        have = {Path(p).stem for p in glob.glob(str(datapath / "*.traineddata"))}
        langs = languages or "+".join(lang for lang in ("kor", "eng") if lang in have)
        if not langs or any(lang not in have for lang in langs.split("+")):
            raise ModelError(
                f"Tesseract language data for {languages or 'kor/eng'} not found in {datapath}; "
                "install tesseract-ocr-kor and tesseract-ocr-eng"
            )
        self.languages = langs
        self._api = lib.TessBaseAPICreate()
        rc = lib.TessBaseAPIInit3(self._api, str(datapath).encode(), langs.encode())
        if rc != 0:
            lib.TessBaseAPIDelete(self._api)
            raise ModelError(f"Tesseract could not load {langs} from {datapath}")
        lib.TessBaseAPISetPageSegMode(self._api, self.PSM_SINGLE_LINE)
        lib.TessBaseAPISetVariable(self._api, b"debug_file", os.devnull.encode())
        self._lock = threading.Lock()

    @staticmethod
    def _declare(lib: ctypes.CDLL) -> None:
        p, c, i = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
        lib.TessBaseAPICreate.restype = p
        lib.TessBaseAPIInit3.argtypes = [p, c, c]
        lib.TessBaseAPIInit3.restype = i
        lib.TessBaseAPISetPageSegMode.argtypes = [p, i]
        lib.TessBaseAPISetVariable.argtypes = [p, c, c]
        lib.TessBaseAPISetImage.argtypes = [p, ctypes.c_void_p, i, i, i, i]
        lib.TessBaseAPISetSourceResolution.argtypes = [p, i]
        lib.TessBaseAPIGetUTF8Text.argtypes = [p]
        lib.TessBaseAPIGetUTF8Text.restype = ctypes.c_void_p
        lib.TessDeleteText.argtypes = [ctypes.c_void_p]
        lib.TessBaseAPIMeanTextConf.argtypes = [p]
        lib.TessBaseAPIMeanTextConf.restype = i
        lib.TessBaseAPIClear.argtypes = [p]
        lib.TessBaseAPIEnd.argtypes = [p]
        lib.TessBaseAPIDelete.argtypes = [p]

    def read(self, line_gray: np.ndarray) -> tuple[str, float]:
        img = np.ascontiguousarray(line_gray, dtype=np.uint8)
        h, w = img.shape
        lib = self._lib
        with self._lock:
            lib.TessBaseAPISetImage(self._api, img.ctypes.data, w, h, 1, w)
            lib.TessBaseAPISetSourceResolution(self._api, 300)
            ptr = lib.TessBaseAPIGetUTF8Text(self._api)
            text = ctypes.string_at(ptr).decode("utf-8", "replace") if ptr else ""
            if ptr:
                lib.TessDeleteText(ptr)
            conf = lib.TessBaseAPIMeanTextConf(self._api)
            lib.TessBaseAPIClear(self._api)
        return text, max(0.0, min(1.0, conf / 100.0))

    def close(self) -> None:
        api, self._api = getattr(self, "_api", None), None
        if api:
            self._lib.TessBaseAPIEnd(api)
            self._lib.TessBaseAPIDelete(api)

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


def _tessdata_dir() -> Path | None:
    cands = []
    if os.environ.get("TESSDATA_PREFIX"):
        env = Path(os.environ["TESSDATA_PREFIX"])
        cands += [env, env / "tessdata"]
    cands += [Path(p) for p in sorted(glob.glob("/usr/share/tesseract-ocr/*/tessdata"), reverse=True)]
    cands += [Path("/usr/share/tessdata"), Path("/usr/local/share/tessdata"),
              Path("/opt/homebrew/share/tessdata")]
    for c in cands:
        if c.is_dir() and any(c.glob("*.traineddata")):
            return c
    return None


class _RapidRec:
    """PP-OCRv4 text-line recogniser from the rapidocr_onnxruntime wheel (no Hangul)."""

    name = "rapidocr"

    def __init__(self) -> None:
        _rapidocr_model("ch_PP-OCRv4_rec_infer.onnx")  # a clear error if it is missing
        from rapidocr_onnxruntime import RapidOCR

        self._ocr = RapidOCR(intra_op_num_threads=2)
        self._lock = threading.Lock()

    def read(self, line_gray: np.ndarray) -> tuple[str, float]:
        bgr = cv2.cvtColor(line_gray, cv2.COLOR_GRAY2BGR)
        with self._lock:
            result, _ = self._ocr(bgr, use_det=False, use_cls=False, use_rec=True)
        if not result:
            return "", 0.0
        text, score = result[0][0], result[0][1]
        return str(text), float(score)


# -- cleaning -------------------------------------------------------------------------
_KEEP = re.compile(r"[^0-9A-Za-z\u00C0-\u024F\uAC00-\uD7A3\u3131-\u318E\u4E00-\u9FFF ()\-.'_&@]")
_CJK = re.compile(r"[\u3400-\u9FFF\uF900-\uFAFF]")
_HANGUL_GAP = re.compile(r"(?<=[\uAC00-\uD7A3]) (?=[\uAC00-\uD7A3])")


def clean_name(text: str) -> str:
    """Normalise OCR output: NFC, drop stray symbols (icon and edge noise), join the
    spaces Tesseract puts between Hangul syllables, collapse whitespace."""
    t = unicodedata.normalize("NFC", text).replace("\n", " ").strip()
    t = _KEEP.sub("", t)
    t = re.sub(r"\s+", " ", t).strip()
    t = _HANGUL_GAP.sub("", t)
    t = re.sub(r"\s*\(\s*", "(", t)
    t = re.sub(r"\s*\)", ")", t)
    t = t.strip(" -._'")
    return t


def _meaningful(text: str) -> int:
    return sum(ch.isalnum() for ch in text)


# -- public ---------------------------------------------------------------------------
class NameReader:
    """Read the name label of a tile.

    ``backend``: ``"tesseract"`` (Tesseract 5 with ``kor+eng``; needs the Debian
    packages ``tesseract-ocr tesseract-ocr-kor tesseract-ocr-eng``), ``"rapidocr"``
    (PP-OCRv4 recogniser from the rapidocr_onnxruntime wheel: Latin and digits, no
    Hangul) or ``"auto"`` (Tesseract when installed, else rapidocr). Models load on
    the first :meth:`read`. ``min_confidence``: below it the answer is None.

    Raises:
        ModelError: the optional OCR models are not installed (the ``names`` extra).
        ValueError: an unknown ``backend``.

    Measured on the 63 labels of the 10 real screenshots (hand-measured tiles;
    character accuracy = 1 - edit distance / length, spaces ignored): Tesseract
    kor+eng 0.938 (48/63 exact), rapidocr 0.802 (17/63: digits and Latin right, every
    Hangul name lost), ``auto`` 0.962 (49/63): Tesseract, with PP-OCR as a second
    opinion on the lines Tesseract is unsure of (< 0.5 confidence) when PP-OCR read no
    CJK. See tests/detectors/test_names.py.
    """

    def __init__(self, backend: str = "auto", min_confidence: float = 0.5) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
        self.backend = backend
        self.min_confidence = float(min_confidence)
        _rapidocr_model("ch_PP-OCRv4_det_infer.onnx")  # the names extra is installed, or one clear error now
        self._detector: _TextDetector | None = None
        self._recognizer: _Recognizer | None = None
        self._fallback: _Recognizer | bool | None = None
        self._lock = threading.Lock()

    # lazy loading, with one clear error when nothing can read
    def _load(self) -> tuple[_TextDetector, _Recognizer]:
        with self._lock:
            if self._detector is None:
                self._detector = _TextDetector()
            if self._recognizer is None:
                self._recognizer = _make_recognizer(self.backend)
        return self._detector, self._recognizer

    @property
    def recognizer_name(self) -> str:
        """Which recogniser is in use (loads the models)."""
        return self._load()[1].name

    def locate(self, image_bgr: np.ndarray, tile: Tile) -> LabelBox | None:
        """Where the label's text line is (None when there is no label)."""
        detector, _ = self._load()
        return find_label(detector, image_bgr, tile)

    def read(self, image_bgr: np.ndarray, tile: Tile) -> str | None:
        """The label's text, cleaned, or None when there is no readable label."""
        found = self.read_with_confidence(image_bgr, tile)
        return None if found is None else found[0]

    def read_with_confidence(self, image_bgr: np.ndarray, tile: Tile) -> tuple[str, float] | None:
        """``(text, confidence)`` or None (no label, unreadable, or below ``min_confidence``)."""
        detector, recognizer = self._load()
        label = find_label(detector, image_bgr, tile)
        if label is None or label.bbox[3] < 5:
            return None
        line = _line_image(image_bgr, label.bbox)
        text, conf = recognizer.read(line)
        text = clean_name(text)
        if conf < _SECOND_OPINION_BELOW and self._second is not None:
            # Tesseract unsure (blurry, small Latin labels): PP-OCR's recogniser reads
            # Latin better; trust it only when it read no CJK (it has no Hangul and
            # turns Hangul into Chinese characters).
            text2, conf2 = self._second.read(line)
            text2 = clean_name(text2)
            if conf2 > conf and not _CJK.search(text2):
                text, conf = text2, conf2
        if _meaningful(text) < 1 or conf < self.min_confidence:
            return None
        return text, conf

    @property
    def _second(self) -> "_Recognizer | None":
        """In ``auto`` mode with Tesseract, the PP-OCR recogniser as a second opinion."""
        if self.backend != "auto" or not isinstance(self._recognizer, _Tesseract):
            return None
        if self._fallback is None:
            try:
                self._fallback = _RapidRec()
            except (ModelError, ImportError):
                self._fallback = False
        return self._fallback or None


def _make_recognizer(backend: str) -> _Recognizer:
    if backend == "tesseract":
        return _Tesseract()
    if backend == "rapidocr":
        return _RapidRec()
    errors = []
    for make in (_Tesseract, _RapidRec):
        try:
            return make()
        except ModelError as exc:
            errors.append(str(exc))
    raise ClassMoodError("no OCR backend for name labels: " + " | ".join(errors))
