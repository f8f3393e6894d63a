"""What limits the reading is said once (speaker view / screen share: only the filmstrip;
a full page of Zoom's gallery), and the choices file beside the session database keeps
the last listing and the last picked rectangle per app, and nothing else."""

from __future__ import annotations

import json

import cv2
import pytest

from classmood.agent.choices import (
    choices_path,
    listed_window,
    recalled_region,
    remember_region,
    save_listing,
)
from classmood.agent.finder import Candidate, Discovery, Reading
from classmood.agent.limits import PAGE_MESSAGE, STEADY_FRAMES, STRIP_MESSAGE, ViewLimits
from classmood.agent.sources import WindowInfo
from classmood.types import ClassSnapshot, FrameResult, GalleryResult, Tile, TileResult, TileState
from tests.conftest import data_path


MOOD = ClassSnapshot(participants=0, present=0, away=0, camera_off=0)


def result(layout: str, tiles: int) -> FrameResult:
    boxes = tuple(TileResult(tile=Tile(index=i, bbox=(i * 10, 0, 10, 10)), state=TileState.NO_FACE, faces=())
                  for i in range(tiles))
    g = GalleryResult(width=1000, height=600, tiles=boxes, layout=layout, layout_method="gap")
    return FrameResult(timestamp=0.0, gallery=g, participants=(), mood=MOOD)


def said(limits: ViewLimits, frames) -> list:
    return [limits.update(result(*f)) for f in frames]


def test_speaker_view_is_said_once_when_steady_and_again_after_a_gallery():
    limits = ViewLimits()
    lines = said(limits, [("gallery", 9)] * 3 + [("speaker", 6)] * (STEADY_FRAMES + 5))
    strip = STRIP_MESSAGE.format(layout="speaker")
    assert lines.count(strip) == 1 and lines.index(strip) == 3 + STEADY_FRAMES - 1
    assert "switch to gallery view to see everyone" in strip and "only the filmstrip is visible" in strip
    # one misread frame during a switch is not worth a line
    assert said(ViewLimits(), [("filmstrip", 5), ("gallery", 9)] * 4) == [None] * 8
    # back to the gallery, then a screen share: said again
    lines = said(limits, [("gallery", 9)] * STEADY_FRAMES + [("filmstrip", 5)] * STEADY_FRAMES)
    assert lines[-1] == STRIP_MESSAGE.format(layout="filmstrip") and lines.count(None) == len(lines) - 1


@pytest.mark.parametrize("tiles, page", [(49, True), (25, True), (24, False), (48, False), (16, False)])
def test_a_full_page_of_zooms_gallery_is_said(tiles, page):
    lines = said(ViewLimits(), [("gallery", tiles)] * (STEADY_FRAMES + 3))
    expected = PAGE_MESSAGE.format(tiles=tiles) if page else None
    assert [x for x in lines if x] == ([expected] if page else [])
    if page:
        assert f"the gallery shows {tiles} tiles" in expected and "may span more pages" in expected
        assert "participants without video may also be hidden" in expected


def test_the_limits_on_real_screenshots(perception_real):
    """The perception's own layouts on real screenshots: a Zoom speaker view and a screen
    share are told as filmstrip-only; Zoom's web gallery of 25 as a full page."""
    p, folder = perception_real
    for name, expected in [("zoom_websdk_speaker.png", STRIP_MESSAGE.format(layout="speaker")),
                           ("zoom_slava_filmstrip.png", STRIP_MESSAGE.format(layout="filmstrip")),
                           ("zoom_websdk_gallery25.png", PAGE_MESSAGE.format(tiles=25)),
                           ("zoom_evo_gallery23.png", None)]:
        g = p.analyze(cv2.imread(str(folder / name)))
        r = FrameResult(timestamp=0.0, gallery=g, participants=(), mood=MOOD)
        limits = ViewLimits()
        lines = [limits.update(r) for _ in range(STEADY_FRAMES)]
        assert lines[-1] == expected, name


@pytest.fixture(scope="module")
def perception_real():
    folder = data_path("galleries2")
    from classmood.detectors.gallery import GalleryPerception

    with GalleryPerception(still_photos=False) as p:
        yield p, folder


def test_choices_file_beside_the_database(tmp_path, monkeypatch):
    assert choices_path(tmp_path / "x" / "class.db") == tmp_path / "x" / "meeting.json"
    monkeypatch.setenv("CLASSMOOD_DB", str(tmp_path / "db" / "classmood.db"))
    assert choices_path() == tmp_path / "db" / "meeting.json"


def test_listing_and_picked_regions_are_remembered(tmp_path):
    path = tmp_path / "meeting.json"
    assert listed_window(path, 1) is None and recalled_region(path, "Zoom") is None
    zoom = WindowInfo(id=0x200000, title="Zoom 회의", wm_class="zoom", rect=(0, 0, 800, 500))
    eog = WindowInfo(id=0x400000, title="a.jpg", wm_class="Eog", rect=(900, 0, 300, 300))
    d = Discovery((Candidate("window", zoom.rect, window=zoom, app="Zoom", reading=Reading("gallery", "gap", 9, 9, True)),
                   Candidate("monitor", (0, 0, 1280, 720), monitor=1),
                   Candidate("window", eog.rect, window=eog, reading=Reading("single", "frame", 1, 1))))
    save_listing(path, d)
    assert listed_window(path, 1)["id"] == 0x200000 and listed_window(path, 2)["id"] == 0x400000
    assert listed_window(path, 3) is None
    remember_region(path, "Zoom", (100, 80, 600, 400), window=(50, 40, 800, 500))
    remember_region(path, "screen", (0, 0, 640, 360))
    # a part of the window as fractions of it: at the next class the window may be smaller
    assert recalled_region(path, "Zoom") == {"part": [0.0625, 0.08, 0.75, 0.8]}
    assert recalled_region(path, "screen") == {"region": [0, 0, 640, 360]}
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data) == {"listing", "picked"}  # window identities and rectangles, never a picture
    text = path.read_text(encoding="utf-8")
    assert "Zoom 회의" not in text and "a.jpg" not in text  # no window's title (a mail's subject)
    assert (path.stat().st_mode & 0o777) == 0o600  # the user's alone
    data["picked"]["Zoom"] = {"part": [50, 40, 600, 400]}  # pixels, as an older build kept them
    path.write_text(json.dumps(data))
    assert recalled_region(path, "Zoom") is None
    path.write_text("{not json")
    assert listed_window(path, 1) is None  # a damaged file is a forgotten choice, not an error
