"""Name labels: the real Korean/English Zoom labels (hand-measured tiles), labels the
synthetic generator drew, tiles without a label, degenerate tiles, text cleaning,
and a clear error when no OCR backend is installed.

Accuracy is character accuracy: 1 - (edit distance / reference length), spaces
ignored (Tesseract's spacing between a number and a name varies and carries no
information). Thresholds sit a few points under the measured values (docstring of
:class:`~classmood.detectors.names.NameReader`) so that a real regression fails
while a one-character change of OCR version does not.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from classmood import synth
from classmood.detectors import names as N
from classmood.detectors.names import NameReader, clean_name
from classmood.errors import ClassMoodError, ModelError
from classmood.io import load_image
from classmood.types import Tile

# (tile box measured by hand, the label as written in the screenshot)
REAL_LABELS: dict[str, list[tuple[tuple[int, int, int, int], str]]] = {
    "real_test.png": [((105, 56, 856, 485), "이희래"), ((963, 60, 848, 477), "양예지(20200759)"),
                      ((109, 543, 848, 477), "김선경(20200756)"), ((963, 543, 848, 477), "이희래(20200998)")],
    "real_test2.png": [((23, 183, 620, 348), "이희래"), ((650, 183, 620, 348), "양예지"),
                       ((1278, 183, 620, 348), "Hyung Gyu Lee"), ((331, 534, 630, 359), "김선경(20200756)"),
                       ((964, 539, 620, 349), "20200756 김선경")],
    "real_test3.png": [((37, 14, 576, 324), "20200998 이희래"), ((619, 14, 576, 324), "이희래"),
                       ((37, 344, 576, 324), "20200759 양예지"), ((615, 340, 584, 332), "20190777 김선경")],
    "root_image2.png": [((59, 48, 564, 323), "20200759 양예지"), ((626, 54, 552, 311), "20200998 이희래"),
                        ((346, 374, 552, 310), "20190777 김선경")],
    "screenshot.png": [((199, 11, 384, 216), "20200759 양예지"), ((589, 11, 384, 216), "이희래"),
                       ((199, 233, 384, 216), "20200756 김선경"), ((589, 233, 384, 216), "20200998 이희래"),
                       ((199, 455, 384, 216), "20200456 이희래"), ((585, 451, 392, 224), "20190777 김선경")],
    "screenshot_j.png": [((75, 125, 357, 205), "20200759 양예지"), ((432, 129, 352, 201), "20200998 이희래"),
                         ((789, 129, 346, 199), "20190777 김선경"), ((78, 331, 350, 200), "20190723 이민정"),
                         ((432, 331, 352, 200), "20183233 dPwl"), ((787, 329, 350, 201), "2021456 이호연"),
                         ((432, 532, 349, 204), "20200756 김선경")],
    "zoom2.png": [((3, 59, 308, 176), "Courtney Henry"), ((313, 59, 307, 176), "Theresa Webb"),
                  ((3, 236, 308, 173), "Cody Fisher"), ((313, 236, 307, 173), "Warren Smith")],
}
_ROOT34 = [((67, 51, 372, 215), "20200759 양예지"), ((442, 57, 360, 203), "20200998 이희래"),
           ((811, 57, 360, 203), "20190777 김선경"), ((73, 269, 360, 202), "20190723 이민정"),
           ((442, 269, 360, 202), "20183233 dPwl"), ((811, 269, 360, 202), "2021456 이호연"),
           ((442, 480, 360, 203), "20200756 김선경")]
REAL_LABELS["root_image3.png"] = REAL_LABELS["root_image4.png"] = _ROOT34
_ZOOM1 = ["Monica Adebayo", "Josh Nelson", "Margaret Ramsey", "Korbin Montgomery",
          "Anastasia Rebkov", "Erica Holt", "Rafael Villanueva", "Alyssa Fletcher",
          "Rajesh Sharma", "Malia Ford", "Takuya Kato", "Dayami Yoshino",
          "Kiera Andrade", "Eddy Franklin", "Guadalupe Silva", "Geoff VonDoupe"]
REAL_LABELS["zoom1.png"] = [
    ((x, y, 223, 125), _ZOOM1[4 * r + c])
    for r, y in enumerate((40, 169, 298, 428)) for c, x in enumerate((49, 275, 502, 728))
]


def edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def char_accuracy(pairs: list[tuple[str | None, str]]) -> float:
    errors = sum(edit_distance((got or "").replace(" ", ""), ref.replace(" ", "")) for got, ref in pairs)
    return 1.0 - errors / sum(len(ref.replace(" ", "")) for _, ref in pairs)


def _have_tesseract_kor() -> bool:
    try:
        return "kor" in N._Tesseract().languages
    except ModelError:
        return False


needs_tesseract = pytest.mark.skipif(
    not _have_tesseract_kor(),
    reason="Tesseract with Korean not installed (apt-get install tesseract-ocr tesseract-ocr-kor)",
)


@pytest.fixture(scope="module")
def reader() -> NameReader:
    return NameReader()  # auto


@pytest.fixture(scope="module")
def real_reads(galleries_dir, reader) -> list[tuple[str, int, str | None, str]]:
    out = []
    for name, labels in REAL_LABELS.items():
        image = load_image(galleries_dir / name)
        for i, (box, ref) in enumerate(labels):
            out.append((name, i, reader.read(image, Tile(i, box)), ref))
    return out


# -- real screenshots -------------------------------------------------------------------
def test_label_is_found_on_every_real_tile(galleries_dir, reader):
    """The detector finds a text line at the bottom left of all 63 real tiles, low in
    the tile and inside it."""
    for name, labels in REAL_LABELS.items():
        image = load_image(galleries_dir / name)
        for i, (box, _) in enumerate(labels):
            found = reader.locate(image, Tile(i, box))
            assert found is not None, f"{name} tile {i}"
            x, y, w, h = found.bbox
            assert box[0] <= x < box[0] + 0.3 * box[2], f"{name} tile {i}: {found}"
            assert box[1] + 0.75 * box[3] <= y and y + h <= box[1] + box[3] + 2, f"{name} tile {i}"


@needs_tesseract
def test_real_labels_korean_and_english(real_reads):
    """Measured 0.962 (49/63 exact) with auto = Tesseract kor+eng + PP-OCR second opinion."""
    acc = char_accuracy([(got, ref) for _, _, got, ref in real_reads])
    exact = sum((got or "").replace(" ", "") == ref.replace(" ", "") for _, _, got, ref in real_reads)
    assert acc >= 0.93, acc
    assert exact >= 44, exact


@needs_tesseract
@pytest.mark.parametrize(
    "name,index,expected",
    [
        ("real_test3.png", 0, "20200998 이희래"),
        ("real_test2.png", 2, "Hyung Gyu Lee"),
        ("real_test2.png", 3, "김선경(20200756)"),
        ("real_test2.png", 4, "20200756 김선경"),  # the label of a camera-off card
        ("screenshot.png", 1, "이희래"),
        ("root_image3.png", 4, "20183233 dPwl"),
        ("zoom1.png", 0, "Monica Adebayo"),
        ("zoom1.png", 15, "Geoff VonDoupe"),
    ],
)
def test_real_labels_exact(real_reads, name, index, expected):
    got = next(g for n, i, g, _ in real_reads if n == name and i == index)
    assert got == expected


def test_rapidocr_reads_latin_labels(galleries_dir):
    """The fallback backend alone (PP-OCRv4, no Hangul) on zoom1's 16 English names:
    measured 0.98 character accuracy (12/16 exact)."""
    reader = NameReader("rapidocr")
    image = load_image(galleries_dir / "zoom1.png")
    pairs = [(reader.read(image, Tile(i, box)), ref) for i, (box, ref) in enumerate(REAL_LABELS["zoom1.png"])]
    assert reader.recognizer_name == "rapidocr"
    assert char_accuracy(pairs) >= 0.95


# -- synthetic labels ---------------------------------------------------------------------
@pytest.mark.parametrize("style", synth.STYLES)
def test_synthetic_labels(style, grace, reader):
    """Names the generator drew (1080p, every tile state, dark and light), and tiles
    it drew without a label: measured 0.96 character accuracy over all three apps,
    no text ever invented on an unlabelled tile."""
    states = ["face", "no_face", "camera_off", "photo"] * 2
    names = ["Emma Johnson", None, "Kenji Tanaka", "Priya Patel", None, "Samuel Osei",
             "Ines Costa", "Jonas Becker"]
    pairs, unlabelled = [], []
    for seed, theme in enumerate(synth.THEMES):
        g = synth.make_gallery([grace], 8, (1920, 1080), style=style, theme=theme,
                               states=states, names=names, seed=seed)
        for st in g.tiles:
            got = reader.read(g.image, Tile(st.index, st.bbox))
            (unlabelled.append(got) if st.name is None else pairs.append((got, st.name)))
    assert unlabelled and all(got is None for got in unlabelled), unlabelled
    assert char_accuracy(pairs) >= (0.9 if style == "zoom" else 0.8), pairs


# -- edge cases ---------------------------------------------------------------------------
def test_no_label_black_and_tiny_tiles(reader):
    card = np.full((360, 640, 3), 35, np.uint8)
    cv2.rectangle(card, (270, 130), (370, 230), (91, 24, 194), -1)
    assert reader.read(card, Tile(0, (0, 0, 640, 360))) is None  # a card with no label
    assert reader.read(np.zeros((360, 640, 3), np.uint8), Tile(0, (0, 0, 640, 360))) is None
    assert reader.read(card, Tile(0, (0, 0, 12, 6))) is None  # tiny
    assert reader.read(card, Tile(0, (630, 350, 64, 36))) is None  # mostly off the frame


def test_drawn_label_is_read(reader):
    """A Zoom-style label drawn by hand (dark box, white text, red mute icon first)."""
    tile = np.full((360, 640, 3), 35, np.uint8)
    cv2.rectangle(tile, (0, 334), (170, 360), (50, 50, 50), -1)
    cv2.line(tile, (5, 338), (17, 355), (60, 60, 230), 3)  # the mute icon's slash
    cv2.putText(tile, "Ada Lovelace", (24, 353), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (255, 255, 255), 1, cv2.LINE_AA)
    got = reader.read(tile, Tile(0, (0, 0, 640, 360)))
    assert got is not None and edit_distance(got, "Ada Lovelace") <= 1, got


def test_clean_name():
    assert clean_name("  이 희 래 \n") == "이희래"
    assert clean_name("김선경 ( 20200756 )") == "김선경(20200756)"
    assert clean_name("|| Hyung  Gyu Lee ~") == "Hyung Gyu Lee"
    assert clean_name("—") == ""


def test_backend_errors(monkeypatch):
    with pytest.raises(ValueError):
        NameReader("paddle")

    def unavailable(*_a, **_k):
        raise ModelError("not installed")

    monkeypatch.setattr(N, "_Tesseract", unavailable)
    monkeypatch.setattr(N, "_RapidRec", unavailable)
    reader = NameReader()  # loading is lazy: constructing never fails
    with pytest.raises(ClassMoodError, match="no OCR backend"):
        reader.read(np.zeros((360, 640, 3), np.uint8), Tile(0, (0, 0, 640, 360)))
