"""What limits the reading is said once (speaker view / screen share: only the filmstrip;
a full page of Zoom's gallery), and the choices file beside the session database keeps
the last listing and the last picked rectangle per app, and nothing else."""

from __future__ import annotations

import json

import cv2
import pytest

from classmood.agent.choices import (
    Pick,
    choices_path,
    listed_window,
    place_pick,
    recalled_region,
    remember_pick,
    remember_region,
    save_listing,
)
from classmood.agent.finder import Candidate, Discovery, Reading
from classmood.agent.limits import STEADY_FRAMES, STRIP_MESSAGE, STRIP_NOTE, ViewLimits, page_message, page_note
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
    lines = said(ViewLimits("Zoom"), [("gallery", tiles)] * (STEADY_FRAMES + 3))
    expected = page_message(tiles, "Zoom") if page else None
    assert [x for x in lines if x] == ([expected] if page else [])
    if page:
        assert expected == (f"the gallery shows {tiles} tiles, as many as one page of Zoom's gallery holds (49, or "
                            "25 with its smaller page setting): the class may span more pages and only this page is "
                            "read (page through the gallery, or set Zoom to show 49 per page); participants without "
                            "video may also be hidden (turn off Zoom's 'Hide non-video participants')")


def test_a_full_page_is_told_in_the_watched_apps_terms():
    """A newcomer's Meet window with 25 tiles was told to "set Zoom to show 49 per page"
    and to turn off Zoom's "Hide non-video participants": each app gets its own advice,
    and an app not known gets advice worded for any app, naming no app's setting."""
    meet = said(ViewLimits("Google Meet"), [("gallery", 25)] * STEADY_FRAMES)[-1]
    assert meet == ("the gallery shows 25 tiles, as many as Meet's tiled view shows (at most 49, as set in its "
                    "'Adjust view'): the class may span more pages and only this page is read (raise the number "
                    "of tiles in Meet's 'Adjust view' to 49); participants without video may also be hidden "
                    "(see Meet's 'Adjust view' settings)")
    teams = said(ViewLimits("Microsoft Teams"), [("gallery", 49)] * STEADY_FRAMES)[-1]
    assert "'Large gallery'" in teams and "Zoom" not in teams
    anyone = said(ViewLimits(), [("gallery", 49)] * STEADY_FRAMES)[-1]
    assert "set the meeting app to show more tiles at once" in anyone and "Hide non-video" not in anyone
    for app in ("Google Meet", "Microsoft Teams", "Webex", None):
        limits = ViewLimits(app)
        said(limits, [("gallery", 25)] * STEADY_FRAMES)
        assert limits.holding == page_note(25, app) and "Zoom" not in limits.holding
    assert page_note(25, "Google Meet") == ("The gallery shows a full page of 25: the class may have more pages, "
                                            "and only this one is read. Raise the number of tiles in Meet's "
                                            "'Adjust view' to 49.")


def test_the_limits_on_real_screenshots(perception_real):
    """The perception's own layouts on real screenshots: a Zoom speaker view and a screen
    share are told as filmstrip-only; Zoom's web gallery of 25 as a full page."""
    p, folder = perception_real
    for name, expected in [("zoom_websdk_speaker.png", STRIP_MESSAGE.format(layout="speaker")),
                           ("zoom_slava_filmstrip.png", STRIP_MESSAGE.format(layout="filmstrip")),
                           ("zoom_websdk_gallery25.png", page_message(25, "Zoom")),
                           ("zoom_evo_gallery23.png", None)]:
        g = p.analyze(cv2.imread(str(folder / name)))
        r = FrameResult(timestamp=0.0, gallery=g, participants=(), mood=MOOD)
        limits = ViewLimits("Zoom")
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


def test_the_panel_note_holds_while_the_limit_does():
    limits = ViewLimits()
    held = []
    for f in [("gallery", 9)] * 3 + [("speaker", 6)] * 4 + [("none", 0)] * 2 + [("gallery", 9)] * 3 \
            + [("gallery", 49)] * 3:
        limits.update(result(*f))
        held.append(limits.holding)
    strip = STRIP_NOTE.format(layout="speaker")
    assert strip == ("The meeting shows the speaker view or a screen share: only the filmstrip is read. "
                     "Switch it to gallery view to see everyone.")
    # from the frame the speaker view is steady, through frames with nothing to go by,
    # until the gallery is steady again; then a full page of 49
    assert held == [None] * 3 + [None, None, strip, strip] + [strip, strip] + [strip, strip, None] \
        + [None, None, page_note(49)]
    assert "a full page of 49" in held[-1] and "Page through the gallery" in held[-1]


def window(id, rect, wm_class="zoom", title="Zoom Meeting", visible=True, pid=1):
    return WindowInfo(id=id, title=title, wm_class=wm_class, rect=rect, visible=visible, pid=pid)


def test_a_pick_is_placed_in_the_meeting_window_that_holds_it(tmp_path):
    zoom = window(1, (100, 50, 1000, 600))
    viewer = window(2, (900, 400, 500, 400), wm_class="Eog", title="photo.jpg")
    # inside Zoom: a part of its window, followed when it moves, remembered for Zoom
    pick = place_pick((200, 110, 500, 300), [zoom, viewer])
    assert pick == Pick((200, 110, 500, 300), "Zoom", zoom)
    assert pick.part == (0.1, 0.1, 0.5, 0.5)
    assert pick.watch_options() == {"window_id": 1, "window_part": (0.1, 0.1, 0.5, 0.5)}
    assert pick.describe() == ("the rectangle you picked in the Zoom window, 500x300 at 200,110 on the screen "
                               "(followed when it moves; remembered for Zoom)")  # screen pixels, said so
    path = tmp_path / "meeting.json"
    remember_pick(path, pick)
    assert recalled_region(path, "Zoom") == {"part": [0.1, 0.1, 0.5, 0.5]}
    # its centre over the photo viewer on top of Zoom: a fixed rectangle of the screen
    over = place_pick((850, 450, 300, 200), [zoom, viewer])
    assert over == Pick((850, 450, 300, 200)) and over.watch_options() == {"region": (850, 450, 300, 200)}
    assert over.describe() == "the rectangle you picked, 300x200 at 850,450 on the screen"
    remember_pick(path, over)
    assert recalled_region(path, "screen") == {"region": [850, 450, 300, 200]}
    # reaching out of the Zoom window, or Zoom minimised, or no windows known: the screen's
    assert place_pick((50, 50, 500, 300), [zoom]).window is None
    assert place_pick((200, 110, 500, 300), [window(1, (100, 50, 1000, 600), visible=False)]).window is None
    assert place_pick((200, 110, 500, 300), []) == Pick((200, 110, 500, 300))
    # this process's own windows (the overlay over the gallery) are not the app's
    import os

    overlay = window(9, (100, 50, 1000, 600), wm_class="python3", title="ClassMood overlay", pid=os.getpid())
    assert place_pick((200, 110, 500, 300), [zoom, overlay]).app == "Zoom"
