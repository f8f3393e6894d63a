"""Finding the meeting by itself (issue 20), on real X windows (Xvfb): meeting windows
titled and classed as each app does in English, Korean, Spanish and German, beside photo
viewer and video player windows showing faces; the right window is chosen, `run --list`
names it first, and the chosen window is followed when it moves, is resized, minimised,
closed and reopened. The pure parts (which app a window is, the ranking, the view
limits) are checked on tables."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import time

import cv2
import numpy as np
import pytest

from classmood.agent.finder import Candidate, Discovery, Reading, discover, is_still, listing, rank, regular_grid
from classmood.agent.sources import ScreenSource, WindowInfo, get_window, list_windows, meeting_app
from classmood.agent.sources.windows import monitor_of
from classmood.errors import InputError
from tests.xserver import env_for, start_xvfb, stop, use_display
from tests.xwindows import open_window

from . import classvideo

SCREEN = (1600, 900)
MEETING_RECT = (20, 20, 960, 600)
VIEWER_RECT = (1000, 20, 420, 420)
PLAYER_RECT = (1000, 460, 580, 400)


# --------------------------------------------------------------------------- which app (pure)
def win(title="", wm_class="", process="", **kw) -> WindowInfo:
    return WindowInfo(id=kw.pop("id", 1), title=title, wm_class=wm_class, process=process, **kw)


@pytest.mark.parametrize("window, app", [
    (win("Zoom Meeting", "zoom"), "Zoom"),
    (win("Zoom 회의", "zoom"), "Zoom"),
    (win("Reunión de Zoom", "zoom.real"), "Zoom"),
    (win("Zoom-Meeting", "zoom"), "Zoom"),
    (win("", "", "Zoom.exe"), "Zoom"),  # Windows: the process
    (win("Réunion Zoom", "ZPContentViewWndClass", "zoom.exe"), "Zoom"),
    (win("Mathe 7b | Microsoft Teams", "", "ms-teams.exe"), "Microsoft Teams"),
    (win("Besprechung: Klasse 7b", "teams-for-linux"), "Microsoft Teams"),
    (win("Clase de historia", "", "CiscoCollabHost.exe"), "Webex"),
    (win("Meet - abc-defg-hij - Google Chrome", "Google-chrome"), "Google Meet"),
    (win("Meet: abc-defg-hij - Chromium", "Chromium"), "Google Meet"),
    (win("abc-defg-hij - Google Meet — Mozilla Firefox", "firefox"), "Google Meet"),
    (win("Jitsi Meet — Mozilla Firefox", "firefox-esr"), "Jitsi Meet"),
    (win("BigBlueButton - Klasse 5 - Microsoft Edge", "microsoft-edge"), "BigBlueButton"),
    (win("Besprechung | Microsoft Teams - Brave", "brave-browser"), "Microsoft Teams (web)"),
    (win("Unterricht - Meet", "", "chrome.exe"), None),  # no meeting code: not told from any page
    (win("Zoom Meeting", "Eog"), None),  # a photo viewer showing a file named so
    (win("How to use Zoom - YouTube - Google Chrome", "Google-chrome"), None),
    (win("vacation.jpg", "feh"), None),
    (win("lecture.mp4 - VLC media player", "vlc"), None),
])
def test_meeting_app_by_class_process_or_tab(window, app):
    assert meeting_app(window) == app


def test_monitor_of_a_window_is_the_one_showing_most_of_it():
    monitors = [(1, (0, 0, 1280, 720)), (2, (1280, 0, 1920, 1080))]
    assert monitor_of((100, 100, 400, 300), monitors) == 1
    assert monitor_of((1100, 100, 800, 300), monitors) == 2  # 180 px on 1, 620 on 2
    assert monitor_of((5000, 0, 10, 10), monitors) == 0


# --------------------------------------------------------------------------- ranking (pure)
GRID9 = [(x * 320, y * 180, 310, 172) for y in range(3) for x in range(3)]


def test_regular_grid():
    assert regular_grid(GRID9)
    assert regular_grid(GRID9[:6] + [(320, 360, 310, 172)])  # a centred last row of one
    assert not regular_grid(GRID9[:7] + [(320, 540, 310, 172)])  # a lone tile in a middle row
    assert not regular_grid([(40, 30, 260, 260), (330, 90, 220, 220), (600, 20, 250, 250), (210, 330, 240, 240)])
    assert not regular_grid(GRID9[:1])
    assert regular_grid([(0, 0, 200, 112), (0, 120, 200, 112), (0, 240, 200, 112)])  # a strip in one column


def cand(kind="window", app=None, reading=None, area=(800, 600), **kw) -> Candidate:
    return Candidate(kind, (0, 0, *area), window=win(app or "x") if kind == "window" else None, app=app,
                     reading=reading, **kw)


GALLERY9 = Reading("gallery", "gap", 9, 9, True)
FOUR_PHOTOS = Reading("gallery", "gap", 4, 4, False)  # a viewer's page with four photos: no grid
ONE_FACE = Reading("single", "frame", 1, 1, False)
SPEAKER = Reading("speaker", "faces", 6, 6, False)


def test_a_meeting_app_outranks_content_and_a_gallery_outranks_faces():
    zoom_speaker = cand(app="Zoom", reading=SPEAKER)
    viewer = cand(reading=FOUR_PHOTOS, area=(1600, 900))
    single = cand(reading=ONE_FACE, area=(1600, 900))
    unknown_gallery = cand(reading=GALLERY9)
    monitor = cand("monitor", reading=Reading("gallery", "gap", 12, 12, True), area=(1920, 1080))
    assert rank([viewer, single, monitor, unknown_gallery, zoom_speaker]) == [
        zoom_speaker, unknown_gallery, monitor, viewer, single]
    assert not FOUR_PHOTOS.is_gallery and not ONE_FACE.is_gallery and GALLERY9.is_gallery
    # among several meeting windows the gallery with the most participants wins
    small = cand(app="Zoom", reading=Reading("gallery", "gap", 4, 4, True))
    big = cand(app="Zoom", reading=Reading("gallery", "gap", 16, 15, True), area=(400, 300))
    assert rank([small, big])[0] is big
    # a minimised meeting window cannot be watched: it comes after what can be seen
    hidden = cand(app="Zoom", reading=None)
    assert rank([hidden, viewer]) == [viewer, hidden]


def test_a_meeting_windows_speaker_view_is_named_by_its_layout_not_as_no_grid():
    """A newcomer's --list called Teams' stage over its strip "no meeting's tile grid": the
    meeting app's own window is named by the layout perception read, also where tiles were
    found around faces; a window of no meeting app with faces and no grid still is not."""
    teams = cand(app="Teams", reading=SPEAKER)
    assert teams.describe() == "speaker, 6 participants (6 faces)"
    assert "it shows speaker, 6 participants" in teams.why()
    assert cand(reading=SPEAKER).describe() == "no meeting's tile grid, 6 participants (6 faces)"
    assert cand(app="Zoom", reading=GALLERY9).describe() == "gallery, 9 participants (9 faces)"
    assert cand(app="Zoom", reading=None).describe() == "minimised or off the screen"
    lines = listing(Discovery((teams, cand(reading=FOUR_PHOTOS)), 0.0))
    assert "speaker, 6 participants (6 faces)" in lines[0] and "no meeting's tile grid" in lines[1]


# --------------------------------------------------------------------------- real windows (Xvfb)
@pytest.fixture(scope="module")
def screen():
    proc, display = start_xvfb(SCREEN)
    try:
        yield display
    finally:
        stop(proc)


@pytest.fixture
def display(screen, monkeypatch):
    return use_display(monkeypatch, screen)


@pytest.fixture(scope="module")
def pictures(tmp_path_factory, faces_dir):
    """A live 3x3 class gallery (nine portraits, classvideo), one face photo, and a photo
    viewer's page with four faces spread over it (no grid)."""
    folder = tmp_path_factory.mktemp("pictures")
    _, gallery, _ = next(classvideo.frames(classvideo.portraits(faces_dir)))
    cv2.imwrite(str(folder / "gallery.png"), gallery)
    photos = sorted(faces_dir.glob("muxspace/*/*.jpg"))[:40:10]
    cv2.imwrite(str(folder / "face.png"), cv2.imread(str(photos[0])))
    page = np.full((600, 900, 3), 235, np.uint8)
    for p, (x, y, s) in zip(photos, [(40, 30, 260), (330, 90, 220), (600, 20, 250), (210, 330, 240)]):
        page[y:y + s, x:x + s] = cv2.resize(cv2.imread(str(p)), (s, s))
    cv2.imwrite(str(folder / "four.png"), page)
    # the same class at another meeting: the app shows the gallery smaller, at the bottom
    # right of its window (another layout), nothing but its dark background at the top left
    h, w = gallery.shape[:2]
    moved = np.full_like(gallery, 30)
    small = cv2.resize(gallery, (int(w * 0.6), int(h * 0.6)), interpolation=cv2.INTER_AREA)
    moved[h - small.shape[0]:, w - small.shape[1]:] = small
    cv2.imwrite(str(folder / "moved.png"), moved)
    # a live class of four (the top left 2x2 of the gallery), and a contact sheet of nine
    # face photos in rows, as an image viewer shows a folder: it reads as a gallery too
    cv2.imwrite(str(folder / "four_live.png"), gallery[:478, :850])
    sheet = np.full((620, 900, 3), 240, np.uint8)
    every = sorted(faces_dir.glob("muxspace/*/*.jpg"))
    for k in range(9):
        r, c = divmod(k, 3)
        sheet[20 + r * 200:200 + r * 200, 30 + c * 290:290 + c * 290] = cv2.resize(cv2.imread(str(every[k * 7])),
                                                                                    (260, 180))
    cv2.imwrite(str(folder / "sheet.png"), sheet)
    return folder


@pytest.fixture(scope="module")
def perception():
    from classmood.detectors.gallery import GalleryPerception

    with GalleryPerception(still_photos=False) as p:
        yield p


@pytest.fixture
def distractors(display, pictures):
    """A photo viewer showing one face and a video player showing four faces."""
    viewer = open_window(display, "portrait.jpg - Image Viewer", "Eog", pictures / "face.png", VIEWER_RECT)
    player = open_window(display, "family.mp4 - VLC media player", "vlc", pictures / "four.png", PLAYER_RECT)
    yield viewer, player
    viewer.close()
    player.close()


MEETINGS = [
    # (title, WM_CLASS, the app): the title in English, Korean, Spanish and German
    ("Zoom Meeting", "zoom", "Zoom"),
    ("Zoom 회의", "zoom", "Zoom"),
    ("Reunión de Zoom", "zoom", "Zoom"),
    ("Zoom-Meeting", "zoom", "Zoom"),
    ("Klasse 7b | Microsoft Teams", "teams-for-linux", "Microsoft Teams"),
    ("수학 수업 - Webex", "webex", "Webex"),
    ("Meet - abc-defg-hij - Google Chrome", "Google-chrome", "Google Meet"),
    ("Meet: abc-defg-hij - Google Chrome", "Google-chrome", "Google Meet"),  # Spanish UI
    ("Jitsi Meet — Mozilla Firefox", "firefox", "Jitsi Meet"),
    ("BigBlueButton - Klasse 5 — Mozilla Firefox", "firefox", "BigBlueButton"),
]


@pytest.mark.parametrize("title, wm_class, app", MEETINGS)
def test_the_meeting_window_is_chosen_beside_windows_with_faces(display, pictures, distractors, perception,
                                                                title, wm_class, app):
    meeting = open_window(display, title, wm_class, pictures / "gallery.png", MEETING_RECT)
    try:
        windows = {w.id: w for w in list_windows()}
        assert windows[meeting.id].title == title and windows[meeting.id].wm_class == wm_class
        assert windows[meeting.id].rect == MEETING_RECT and windows[meeting.id].visible
        d = discover(perception.analyze)
        best = d.best
        assert best.kind == "window" and best.window.id == meeting.id and best.app == app
        assert best.reading.is_gallery and best.reading.tiles == 9
        others = {c.window.id: c for c in d.windows() if c.window.id != meeting.id}
        assert set(others) == {distractors[0].id, distractors[1].id}
        assert all(c.app is None for c in others.values())
        assert others[distractors[0].id].reading.tiles == 1  # the one face of the photo viewer
    finally:
        meeting.close()


def test_with_no_app_known_the_gallery_wins_by_content(display, pictures, distractors, perception):
    """A meeting in a browser tab whose title names no app (a school's own page): the
    window that reads as a gallery of participants wins over windows with faces."""
    meeting = open_window(display, "7b Geschichte – Schulportal - Google Chrome", "Google-chrome",
                          pictures / "gallery.png", MEETING_RECT)
    try:
        d = discover(perception.analyze)
        assert d.best.window.id == meeting.id and d.best.app is None
        assert d.best.reading.is_gallery and d.best.reading.tiles == 9
        (monitor,) = [c for c in d.candidates if c.kind == "monitor"]
        assert monitor.rect == (0, 0, *SCREEN) and monitor.reading.tiles >= 9  # the whole screen, read too
    finally:
        meeting.close()


def test_the_issue_case_korean_zoom_beside_four_faces(display, pictures, perception):
    """Issue 20's report: Zoom in Korean with a live 3x3 gallery, beside another app's
    window showing four faces (one participant was read watching the monitor)."""
    meeting = open_window(display, "Zoom 회의", "zoom", pictures / "gallery.png", (0, 0, 900, 560))
    other = open_window(display, "family.mp4 - VLC media player", "vlc", pictures / "four.png", (920, 0, 660, 440))
    try:
        d = discover(perception.analyze)
        assert d.best.window.id == meeting.id and d.best.reading.tiles == 9
    finally:
        meeting.close()
        other.close()


def test_a_still_contact_sheet_ranks_below_a_live_gallery(display, pictures, perception):
    """No meeting app on the screen (a school's own page in a browser): an image viewer's
    contact sheet of nine face photos reads as a gallery of nine, more than the live class
    of four, and was chosen. Captured again 0.4 s later, the live gallery has changed
    (camera noise) and the photos have not: the live one wins, and the sheet is listed
    as a still picture."""
    sheet = open_window(display, "Photos 2025 - Image Viewer", "Eog", pictures / "sheet.png", (700, 20, 900, 620),
                        noise=0)
    live = open_window(display, "Klasse 7b - Schulportal - Chromium", "Chromium", pictures / "four_live.png",
                       (20, 20, 640, 360))
    try:
        for rect in [(700, 20, 900, 620), (20, 20, 640, 360)]:
            drawn(display, rect)
        d = discover(perception.analyze)
        assert d.best.window.id == live.id and d.best.reading.tiles == 4 and d.best.reading.still is False
        (viewer,) = [c for c in d.windows() if c.window.id == sheet.id]
        assert viewer.reading.is_gallery and viewer.reading.tiles == 9 and viewer.reading.still is True
        assert viewer.reading.describe() == "gallery, 9 participants (9 faces), a still picture (no live video)"
        # what it costs: one more capture of each gallery-like candidate, 0.4 s after it was read
        assert d.seconds < 5.0
    finally:
        sheet.close()
        live.close()


def drawn(display, rect, timeout=20.0):
    """Wait until the window at ``rect`` has drawn its picture down to its last rows (its
    X background is black until then: a capture meanwhile reads half a gallery)."""
    import mss

    x, y, w, h = rect
    deadline = time.monotonic() + timeout
    with mss.MSS(display=display) as sct:
        while time.monotonic() < deadline:
            bottom = np.asarray(sct.grab({"left": x, "top": y + h - 8, "width": w, "height": 8}))[..., :3]
            if bottom.mean() > 20:
                return
            time.sleep(0.1)
    raise AssertionError(f"the window at {rect} did not draw its picture")


def test_is_still_and_the_rank_of_a_still_gallery():
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, (120, 160, 3), dtype=np.uint8)
    assert is_still(frame, frame.copy())
    noisy = np.clip(frame.astype(int) + rng.integers(-4, 5, frame.shape), 0, 255).astype(np.uint8)
    assert not is_still(frame, noisy)  # camera noise of a few grey levels
    pointer = frame.copy()
    pointer[10:14, 10:14] = 255 - pointer[10:14, 10:14]  # a 4x4 change: under 0.2% of the picture
    assert is_still(frame, pointer)
    assert not is_still(frame, frame[:100])  # resized meanwhile
    live4 = cand(reading=Reading("gallery", "gap", 4, 4, True, still=False))
    still9 = cand(reading=Reading("gallery", "gap", 9, 9, True, still=True))
    one_face = cand(reading=ONE_FACE)
    assert rank([still9, one_face, live4]) == [live4, still9, one_face]
    unchecked = cand(reading=GALLERY9)  # not checked: as live
    assert rank([still9, unchecked]) == [unchecked, still9]


def test_a_minimised_meeting_is_listed_not_chosen(display, pictures, distractors, perception):
    meeting = open_window(display, "Zoom Meeting", "zoom", pictures / "gallery.png", MEETING_RECT)
    try:
        subprocess.run(["xdotool", "windowunmap", "--sync", str(meeting.id)], env=env_for(display), check=True,
                       timeout=10)
        assert get_window(meeting.id).minimised
        d = discover(perception.analyze)
        (zoom,) = [c for c in d.windows() if c.window.id == meeting.id]
        assert zoom.app == "Zoom" and zoom.reading is None
        assert d.best is None or d.best.window is None or d.best.window.id != meeting.id
    finally:
        meeting.close()


def run_cli(display, tmp_path, *args, timeout=180):
    env = env_for(display, CLASSMOOD_DB=str(tmp_path / "classmood.db"))
    return subprocess.run([sys.executable, "-m", "classmood", "run", *args], env=env, capture_output=True,
                          text=True, timeout=timeout, encoding="utf-8")


def test_run_list_names_the_meeting_first_and_run_window_n_watches_it(display, pictures, distractors, tmp_path):
    meeting = open_window(display, "Zoom 회의", "zoom", pictures / "gallery.png", MEETING_RECT)
    try:
        r = run_cli(display, tmp_path, "--list")
        assert r.returncode == 0, r.stderr
        lines = r.stdout.splitlines()
        assert lines[0].startswith("3 windows and 1 screen, 4 read in ")
        assert lines[1].split()[:3] == ["window", "1", "Zoom:"]
        assert "'Zoom 회의' [zoom] (960x600 at 20,20, screen 1)" in lines[1]
        assert "gallery, 9 participants" in lines[1]
        assert "'portrait.jpg - Image Viewer' [Eog]" in r.stdout and "monitor 1" in r.stdout
        assert (tmp_path / "meeting.json").exists()

        r = run_cli(display, tmp_path, "--window", "1", "--no-overlay", "--presence-only", "--duration", "3",
                    "--no-store")
        assert r.returncode == 0, r.stderr
        assert "classmood: analysing the Zoom window 'Zoom 회의' (960x600 at 20,20); stop with Ctrl+C" in r.stderr
        r = run_cli(display, tmp_path, "--window", "7", "--no-overlay", "--no-store")
        assert r.returncode == 2 and "Traceback" not in r.stderr
        assert r.stderr.strip() == ("classmood: error: there is no window 7 in the list of windows; see the list "
                                    "with: classmood run --list (--window N|TITLE)")
    finally:
        meeting.close()


def test_window_n_of_a_list_whose_window_closed_is_one_clear_error(display, pictures, tmp_path):
    """``--window N`` after window N closed: one line naming N and its app, not an X id
    (a closed window's id may also be given to another app's window: that is refused too,
    not watched in its place)."""
    meeting = open_window(display, "Zoom 회의", "zoom", pictures / "gallery.png", MEETING_RECT)
    try:
        assert run_cli(display, tmp_path, "--list").returncode == 0
    finally:
        meeting.close()
    r = run_cli(display, tmp_path, "--window", "1", "--no-overlay", "--no-store")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip() == ("classmood: error: window 1 of the list was a Zoom window that is closed now; list "
                                "the windows again: classmood run --list (--window N|TITLE)")


def test_run_with_no_option_says_what_it_watches_and_why(display, pictures, distractors, tmp_path):
    meeting = open_window(display, "Reunión de Zoom", "zoom", pictures / "gallery.png", MEETING_RECT)
    try:
        r = run_cli(display, tmp_path, "--no-overlay", "--presence-only", "--duration", "3", "--json")
        assert r.returncode == 0, r.stderr
        said = [line for line in r.stderr.splitlines() if line.startswith("classmood: watching")]
        assert len(said) == 1
        assert said[0].startswith("classmood: watching the Zoom window 'Reunión de Zoom' (960x600 at 20,20): "
                                  "it is a Zoom window and it reads as gallery, 9 participants (")
        assert said[0].endswith("; all of them: classmood run --list); stop with Ctrl+C")
        assert not [line for line in r.stderr.splitlines() if line.startswith("classmood: analysing")]  # said once
        import json

        frames = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{\"frame")]
        assert frames and all(f["frame"] == {"width": 960, "height": 600} for f in frames)
        assert max(len(f["tiles"]) for f in frames) == 9
        # then one line with the session's summary, as analyze --json prints
        (last,) = [json.loads(line) for line in r.stdout.splitlines() if line.startswith('{"summary"')]
        assert len(last["summary"]["participants"]) == 9 and last["session"] == 1
        assert last["db"] == str(tmp_path / "classmood.db")
    finally:
        meeting.close()


def test_with_two_meeting_windows_the_start_line_names_the_other_and_why(display, pictures, tmp_path):
    """Two Zoom windows, a class of nine and a meeting of four: the one line says what is
    watched, that the other is open too and why this one (a newcomer's start line did
    not say the others were there)."""
    meeting = open_window(display, "Zoom Meeting", "zoom", pictures / "gallery.png", MEETING_RECT)
    other = open_window(display, "Zoom", "zoom", pictures / "four_live.png", (1000, 20, 560, 320))
    try:
        r = run_cli(display, tmp_path, "--no-overlay", "--presence-only", "--duration", "2", "--no-store")
        assert r.returncode == 0, r.stderr
        (said,) = [line for line in r.stderr.splitlines() if line.startswith("classmood: watching")]
        assert said.startswith("classmood: watching the Zoom window 'Zoom Meeting' (960x600 at 20,20): it is a "
                               "Zoom window and it reads as gallery, 9 participants ("), said
        assert "; also open: the Zoom window 'Zoom' (" in said and " 4 participants (" in said, said
        assert "): this one shows the most participants (chosen among " in said, said
    finally:
        meeting.close()
        other.close()


def test_a_part_picked_last_time_is_watched_and_counted_as_itself(display, pictures, tmp_path):
    """A part of the Zoom window picked at an earlier class (four of the nine tiles) is
    watched again, and the start line counts what that part shows, not the whole window
    (it said 9 participants while 4 were watched)."""
    from classmood.agent.choices import remember_region

    x, y, _, _ = MEETING_RECT
    remember_region(tmp_path / "meeting.json", "Zoom", (x, y, 636, 395), window=MEETING_RECT)
    meeting = open_window(display, "Zoom Meeting", "zoom", pictures / "gallery.png", MEETING_RECT)
    try:
        r = run_cli(display, tmp_path, "--no-overlay", "--presence-only", "--duration", "3", "--json", "--no-store")
        assert r.returncode == 0, r.stderr
        said = [line for line in r.stderr.splitlines() if line.startswith("classmood: watching")]
        assert len(said) == 1
        assert said[0].startswith("classmood: watching the part you picked last of the Zoom window 'Zoom Meeting' "
                                  "(636x395 at 20,20 on the screen): it is a Zoom window and it reads as gallery, "
                                  "4 participants ("), said
        assert ("; pick again: classmood run --pick, the whole window: classmood run --window 1 (chosen among "
                in said[0])
        assert len([line for line in r.stderr.splitlines() if "picked last" in line]) == 1  # one line, not two
        frames = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{\"frame")]
        assert frames and all(f["frame"] == {"width": 636, "height": 395} for f in frames)
        assert max(len(f["tiles"]) for f in frames) == 4
    finally:
        meeting.close()


def test_a_part_picked_last_time_that_shows_no_one_now_falls_back_to_the_whole_window(display, pictures, tmp_path):
    """The app lays the gallery out elsewhere this time: the part picked last shows only
    its background, while the whole window reads as the gallery. The whole window is
    watched, and one line says why and how to pick again (a newcomer's class read as
    nobody, the pick applied whatever the layout)."""
    from classmood.agent.choices import recalled_region, remember_region

    x, y, w, h = MEETING_RECT
    remember_region(tmp_path / "meeting.json", "Zoom", (x, y, 365, 228), window=MEETING_RECT)
    meeting = open_window(display, "Zoom Meeting", "zoom", pictures / "moved.png", MEETING_RECT)
    try:
        r = run_cli(display, tmp_path, "--no-overlay", "--presence-only", "--duration", "3", "--json", "--no-store")
        assert r.returncode == 0, r.stderr
        lines = [line for line in r.stderr.splitlines() if "picked last" in line]
        assert lines == ["classmood: the part of the Zoom window you picked last shows no participant now, while the "
                         "whole window reads as gallery, 9 participants (8 faces): watching the whole window (pick "
                         "the gallery again: 'Pick the gallery' in the panel, or classmood run --pick)"], r.stderr
        said = [line for line in r.stderr.splitlines() if line.startswith("classmood: watching")]
        assert said[0].startswith("classmood: watching the Zoom window 'Zoom Meeting' (960x600 at 20,20): it is a "
                                  "Zoom window and it reads as gallery, 9 participants")
        frames = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{\"frame")]
        assert frames and all(f["frame"] == {"width": 960, "height": 600} for f in frames)
        assert max(len(f["tiles"]) for f in frames) == 9
        # the pick stays remembered: it may fit the next class's layout
        assert recalled_region(tmp_path / "meeting.json", "Zoom") is not None
    finally:
        meeting.close()


# --------------------------------------------------------------------------- following the window
class Clock:
    """A source clock that steps 0.6 s on every sleep, so window checks (every 2 s) come
    every few frames without waiting."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t

    def sleep(self, s: float) -> None:
        self.t += max(s, 0.6)
        time.sleep(0.05)


def test_duration_and_ctrl_c_end_the_class_while_the_window_is_gone(display, pictures, tmp_path):
    """Closing the meeting is how a class ends: with the watched window closed (or
    minimised), no frame comes, yet ``--duration`` and Ctrl+C (SIGINT, as SIGTERM) still
    end the run on time, with the summary printed and the session stored. (A newcomer's
    run with --duration 48 and the window closed at 36 s was still running at 661 s.)"""
    import signal as _signal

    meeting = open_window(display, "Zoom Meeting", "zoom", pictures / "gallery.png", MEETING_RECT)
    try:
        proc = subprocess.Popen([sys.executable, "-m", "classmood", "run", "--no-overlay",  # found by itself
                                 "--presence-only", "--duration", "8", "--db", str(tmp_path / "a.db")],
                                env=env_for(display, CLASSMOOD_DB=str(tmp_path / "classmood.db")), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        time.sleep(4)
        meeting.close()
        t0 = time.monotonic()
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0 and "Traceback" not in err, err
        assert time.monotonic() - t0 < 20  # --duration 8 from the start, not "when a frame comes"
        assert "was closed, so no participant can be seen" in err
        assert "participants" in out  # the summary
        # the time the window could not be seen is in the record, and the report says so
        from classmood.agent.store import SessionStore

        with SessionStore(tmp_path / "a.db", readonly=True) as store:
            (info,) = store.sessions()
            (hole,) = store.unread(info.id)
            assert 3.0 <= hole.start_s <= 6.0 and 7.0 <= hole.end_s <= 9.0
        page = next((tmp_path / "reports").rglob("report.html")).read_text(encoding="utf-8")
        assert "Not seen:</b> the meeting window could not be seen" in page
    finally:
        meeting.close()
    meeting = open_window(display, "Zoom Meeting", "zoom", pictures / "gallery.png", MEETING_RECT)
    try:
        proc = subprocess.Popen([sys.executable, "-m", "classmood", "run", "--window", "Zoom", "--no-overlay",
                                 "--presence-only", "--db", str(tmp_path / "b.db")],
                                env=env_for(display, CLASSMOOD_DB=str(tmp_path / "classmood.db")), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        time.sleep(5)
        xdo(display, "windowunmap", "--sync", str(meeting.id))  # minimised: no frame comes
        time.sleep(2)
        proc.send_signal(_signal.SIGINT)  # the teacher presses Ctrl+C once
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0 and "Traceback" not in err, err
        assert "participants" in out and "stored in" in err
    finally:
        meeting.close()


def test_started_before_the_meeting_it_watches_the_meeting_once_it_shows(display, pictures, distractors, tmp_path):
    """Started before the class (only a photo viewer and a video player with faces on the
    screen), ClassMood watches what reads best meanwhile and says it will switch; the
    Zoom window that opens a few seconds later is watched from then on, with one line
    (a newcomer's run stayed on a video player's face after Zoom opened)."""
    import json as _json

    proc = subprocess.Popen([sys.executable, "-m", "classmood", "run", "--no-overlay", "--presence-only",
                             "--duration", "14", "--json", "--db", str(tmp_path / "s.db")],
                            env=env_for(display, CLASSMOOD_DB=str(tmp_path / "classmood.db")),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
    meeting = None
    try:
        time.sleep(5)
        meeting = open_window(display, "Zoom Meeting", "zoom", pictures / "gallery.png", MEETING_RECT)
        out, err = proc.communicate(timeout=90)
        assert proc.returncode == 0 and "Traceback" not in err, err
        said = [line for line in err.splitlines() if line.startswith("classmood: watching")]
        assert len(said) == 1 and "a meeting app's window is watched as soon as one shows" in said[0], err
        assert "the Zoom window 'Zoom Meeting' is on the screen now: watching it instead of" in err
        frames = [_json.loads(line) for line in out.splitlines() if line.startswith("{\"frame")]
        assert frames[-1]["frame"] == {"width": 960, "height": 600} and len(frames[-1]["tiles"]) == 9
        # the class is read from the meeting's window on: the faces in the video player and
        # the photo viewer before it showed are no students of it (a newcomer's class got 24
        # participants for 16, some angry)
        from classmood.agent.store import SessionStore

        with SessionStore(tmp_path / "s.db", readonly=True) as store:
            (info,) = store.sessions()
            assert info.source == "window zoom (960x600 at 20,20)" and info.participants == 9
            assert min(m.t for m in store.moods(info.id)) >= 4.0
    finally:
        if proc.poll() is None:
            proc.kill()
        if meeting is not None:
            meeting.close()


def xdo(display, *args):
    subprocess.run(["xdotool", *args], env=env_for(display), check=True, timeout=10)


def frames_until(it, test, limit=40):
    for _ in range(limit):
        f = next(it)
        if test(f):
            return f
    raise AssertionError("the source never showed what was expected")


def test_the_chosen_window_is_followed_moved_resized_minimised_closed_and_reopened(display, pictures, caplog):
    caplog.set_level(logging.INFO, logger="classmood")
    meeting = open_window(display, "Zoom 회의", "zoom", pictures / "gallery.png", (0, 0, 800, 500))
    reopened = None
    clock = Clock()
    try:
        src = ScreenSource(window_id=meeting.id, fps=2.0, clock=clock, sleep=clock.sleep)
        assert src.description == "the Zoom window 'Zoom 회의' (800x500 at 0,0)"
        with src:
            it = iter(src)
            first = next(it)
            assert first.origin == (0, 0) and first.image.shape == (500, 800, 3)
            assert first.image.mean() > 20  # the gallery, not the black root

            xdo(display, "windowmove", "--sync", str(meeting.id), "700", "300")  # the teacher drags it
            f = frames_until(it, lambda f: f.origin == (700, 300))
            assert f.image.shape == (500, 800, 3)
            xdo(display, "windowsize", "--sync", str(meeting.id), "640", "400")  # and makes it smaller
            f = frames_until(it, lambda f: f.image.shape == (400, 640, 3))
            assert f.origin == (700, 300)

            caplog.clear()
            xdo(display, "windowunmap", "--sync", str(meeting.id))  # minimised
            threading.Timer(1.5, xdo, (display, "windowmap", "--sync", str(meeting.id))).start()
            # no frame while it is hidden: the one after the warning comes once it is back
            warned = lambda: any("minimised" in r.getMessage() for r in caplog.records)  # noqa: E731
            # (the test window repaints every 0.15 s, not on being mapped again: the frame taken
            # the moment it is back may still be its black background)
            f = frames_until(it, lambda f: warned() and f.image.mean() > 20)
            assert f.origin == (700, 300)
            said = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
            assert said[0] == ("the Zoom window 'Zoom 회의' is minimised or hidden, so no participant can be seen; "
                               "bring it back up on the screen (the analysis goes on and resumes then)")
            assert said[1].startswith("the Zoom window 'Zoom 회의' is back at 640x400 at 700,300")
            assert len(said) == 2  # one line each, not one per frame

            caplog.clear()
            opened: list = []
            meeting.close()  # the meeting window closes ...
            threading.Timer(2.0, lambda: opened.append(
                open_window(display, "Zoom Meeting", "zoom", pictures / "gallery.png", (100, 50, 720, 450)))).start()
            # ... and Zoom opens another one (followed maybe before open_window returns here)
            f = frames_until(it, lambda f: f.origin == (100, 50) and opened)
            reopened = opened[0]
            assert f.image.shape == (450, 720, 3) and src.window.id == reopened.id
            said = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
            assert said[0].startswith("the Zoom window 'Zoom 회의' was closed, so no participant can be seen; "
                                      "reopen the meeting")
            assert len(said) == 1  # the good news that follows is no warning
            news = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
            assert news[-1] == ("the Zoom window 'Zoom 회의' was closed; the same class shows in the Zoom window "
                                "'Zoom Meeting' at 720x450 at 100,50: watching it there")
    finally:
        meeting.close()
        if reopened is not None:
            reopened.close()


def test_a_picked_part_of_the_window_follows_it_when_it_is_resized(display, pictures):
    """The rectangle a teacher picked in the meeting window is kept as fractions of the
    window: in a smaller window at the next class it is the same part of the gallery,
    not the same pixels (a newcomer's 930x540 pick cut a 640x400 window's gallery to 9 of
    16 students)."""
    meeting = open_window(display, "Zoom Meeting", "zoom", pictures / "gallery.png", (0, 0, 800, 500))
    clock = Clock()
    try:
        src = ScreenSource(window_id=meeting.id, window_part=(0.25, 0.2, 0.5, 0.6), fps=2.0, clock=clock,
                           sleep=clock.sleep)
        with src:
            it = iter(src)
            f = next(it)
            assert f.origin == (200, 100) and f.image.shape == (300, 400, 3)
            xdo(display, "windowsize", "--sync", str(meeting.id), "400", "250")
            f = frames_until(it, lambda f: f.image.shape != (300, 400, 3))
            assert f.origin == (100, 50) and f.image.shape == (150, 200, 3)
        with pytest.raises(InputError, match="fractions of the window"):
            ScreenSource(window_id=meeting.id, window_part=(50, 40, 600, 400))
    finally:
        meeting.close()


def test_a_meeting_window_covered_by_another_is_said_once(display, pictures, caplog):
    """Slides or a photo viewer over part of the meeting window: what covers it is not the
    class (a newcomer's slides over Zoom read as "1 participant", away), so each frame
    names where it lies in its pixels (not read: the students under it are kept as last
    seen), one line says so and what to do, and one line when it is clear again."""
    caplog.set_level(logging.INFO, logger="classmood")
    meeting = open_window(display, "Zoom Meeting", "zoom", pictures / "gallery.png", (0, 0, 800, 500))
    slides = None
    clock = Clock()
    try:
        src = ScreenSource(window_id=meeting.id, fps=2.0, clock=clock, sleep=clock.sleep)
        with src:
            it = iter(src)
            next(it)
            slides = open_window(display, "lesson.odp - LibreOffice Impress", "libreoffice-impress",
                                 pictures / "face.png", (400, 250, 500, 400))
            said = lambda: [r.getMessage() for r in caplog.records if "covered" in r.getMessage()]  # noqa: E731
            f = frames_until(it, lambda f: said())
            assert f.covered == ((400, 250, 400, 250),)  # the slides' part inside the window, frame pixels
            assert said() == ["the Zoom window 'Zoom Meeting' is 25% covered by libreoffice-impress "
                              "'lesson.odp - LibreOffice Impress': the students under it are not read, and are "
                              "kept as last seen until it moves (the others are read as usual); bring the meeting "
                              "to the front or move the other window away"]
            for _ in range(6):  # said once, not every frame
                assert next(it).covered == ((400, 250, 400, 250),)
            assert len(said()) == 1
            slides.close()
            frames_until(it, lambda f: len(said()) == 2)  # (that frame still masks what covered it a frame ago)
            assert next(it).covered == ()
            assert said()[1] == "the Zoom window 'Zoom Meeting' is no longer covered"
    finally:
        meeting.close()
        if slides is not None:
            slides.close()


def test_each_check_of_the_followed_window_lists_the_windows_once(display, pictures, monkeypatch):
    """Every 2 s the followed window is looked up again, what covers it checked and, were
    it closed, a replacement looked for: one enumeration of the desktop's windows serves
    all three (it asked X for the window and then for every window: about 14 ms a check
    with six windows on Xvfb, 8 ms now). What covers it is also looked up just after each
    picture (issue 20: a window opened over the meeting is masked from the first frame
    that shows it), with that one listing too. The real lookups run; they are only
    counted."""
    from classmood.agent.sources import screen as screen_module

    calls = []
    real_list, real_get = screen_module.list_windows, screen_module.get_window
    monkeypatch.setattr(screen_module, "list_windows", lambda *a: calls.append("list") or real_list(*a))
    monkeypatch.setattr(screen_module, "get_window", lambda *a: calls.append("get") or real_get(*a))
    meeting = open_window(display, "Zoom Meeting", "zoom", pictures / "gallery.png", (0, 0, 800, 500))
    clock = Clock()
    try:
        with ScreenSource(window_id=meeting.id, fps=2.0, clock=clock, sleep=clock.sleep) as src:
            it = iter(src)
            calls.clear()
            for _ in range(20):  # 0.6 s a frame on the clock: several checks, 2 s apart
                next(it)
            checks = calls.count("list")
            assert checks >= 20 + 3 and calls == ["list"] * checks  # one after each frame, one each check
            xdo(display, "windowmove", "--sync", str(meeting.id), "100", "60")  # still followed
            assert frames_until(it, lambda f: f.origin == (100, 60)).image.shape == (500, 800, 3)
    finally:
        meeting.close()


def test_a_window_that_is_gone_or_minimised_at_the_start_is_one_clear_error(display, pictures):
    meeting = open_window(display, "Zoom Meeting", "zoom", pictures / "gallery.png", MEETING_RECT)
    try:
        xdo(display, "windowunmap", "--sync", str(meeting.id))
        with pytest.raises(InputError) as exc:
            ScreenSource(window_id=meeting.id)
        assert str(exc.value) == ("the Zoom window 'Zoom Meeting' is minimised; bring it up on the screen, then "
                                  "start again") and exc.value.option == "window"
    finally:
        meeting.close()
    with pytest.raises(InputError) as exc:
        ScreenSource(window_id=meeting.id)
    assert "does not exist (it was closed)" in str(exc.value)


# --------------------------------------------------------------------------- a wide screen (two monitors' worth)
def test_on_a_wide_screen_the_meeting_on_the_right_half_is_chosen_and_followed_across(pictures, monkeypatch,
                                                                                      perception):
    proc, display = start_xvfb((2560, 720))
    try:
        use_display(monkeypatch, display)
        viewer = open_window(display, "portrait.jpg - Image Viewer", "Eog", pictures / "face.png", (40, 40, 500, 500))
        meeting = open_window(display, "Zoom-Meeting", "zoom", pictures / "gallery.png", (1500, 60, 960, 600))
        try:
            d = discover(perception.analyze)
            assert d.best.window.id == meeting.id and d.best.rect == (1500, 60, 960, 600)
            clock = Clock()
            with ScreenSource(window_id=meeting.id, clock=clock, sleep=clock.sleep) as src:
                it = iter(src)
                assert next(it).origin == (1500, 60)
                xdo(display, "windowmove", "--sync", str(meeting.id), "100", "60")  # to the left half
                f = frames_until(it, lambda f: f.origin == (100, 60))
                assert f.image.shape == (600, 960, 3) and f.image.mean() > 20
        finally:
            viewer.close()
            meeting.close()
    finally:
        stop(proc)


def test_a_meeting_window_dragged_and_resized_during_the_class_stores_only_its_students(display, pictures, tmp_path):
    """The teacher drags the meeting window across the screen in small steps and resizes
    it, as one does with the mouse, during the class: every frame is taken where the
    window is then (its geometry asked before and after each grab), so the stored class
    has its 9 students, not students invented from pictures of the old rectangle (a
    newcomer's dragged 23-student window was stored with 34 participants)."""
    meeting = open_window(display, "Zoom Meeting", "zoom", pictures / "gallery.png", MEETING_RECT)
    try:
        proc = subprocess.Popen([sys.executable, "-m", "classmood", "run", "--no-overlay", "--presence-only",
                                 "--duration", "20", "--fps", "4", "--db", str(tmp_path / "m.db")],
                                env=env_for(display, CLASSMOOD_DB=str(tmp_path / "classmood.db")),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
        try:
            time.sleep(5)
            wid = str(meeting.id)
            for k in range(1, 16):  # a drag: 15 steps of 30 px to the right and 10 px down
                xdo(display, "windowmove", "--sync", wid, str(20 + 30 * k), str(20 + 10 * k))
                time.sleep(0.2)
            for k in range(1, 5):  # smaller, in steps, then larger again
                xdo(display, "windowsize", "--sync", wid, str(960 - 60 * k), str(600 - 40 * k))
                time.sleep(0.3)
            for k in range(1, 9):  # and dragged back while it is smaller
                xdo(display, "windowmove", "--sync", wid, str(470 - 50 * k), str(170 - 15 * k))
                time.sleep(0.2)
            xdo(display, "windowsize", "--sync", wid, "960", "600")
            out, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == 0 and "Traceback" not in err, err
        from classmood.agent.store import SessionStore

        with SessionStore(tmp_path / "m.db", readonly=True) as store:
            (info,) = store.sessions()
            assert info.participants == 9, (info, err)
    finally:
        meeting.close()


def _reader(src, frames: list, stop: threading.Event) -> threading.Thread:
    """A thread (not started) that iterates ``src`` into ``frames`` until ``stop``."""
    def iterate():
        for f in src:
            frames.append(f)
            if stop.is_set():
                return

    return threading.Thread(target=iterate, daemon=True)


def _until(test, why, limit: float = 60.0) -> None:
    """Wait until ``test()`` holds; past ``limit`` seconds, fail with ``why()``."""
    deadline = time.monotonic() + limit
    while not test():
        assert time.monotonic() < deadline, why()
        time.sleep(0.05)


def test_the_panel_says_while_the_meeting_window_is_minimised_or_covered(display, pictures):
    """While the followed window is minimised no frame comes, so the panel is told by the
    source's state, not by results: it says the Zoom window is minimised and what to do,
    its state is "not visible" (not a green "analysing"), it shows no counts (not "0
    present" and "Nobody right now"), and the overlay's tag no longer claims to analyse;
    once the window is back, all of that is gone. Partly covered, it says what covers it
    and that those students are shown as last seen, and keeps counting (it said the whole
    class was "not visible" when a quarter was covered); nearly all covered, it is "not
    visible" again."""
    from classmood.cli.run import tell_unseen
    from classmood.overlay.view_model import Controls, OverlayModel

    meeting = open_window(display, "Zoom Meeting", "zoom", pictures / "gallery.png", (0, 0, 800, 500))
    slides = None
    controls, stop = Controls(), threading.Event()
    model = OverlayModel(controls)
    clock = Clock()
    src = ScreenSource(window_id=meeting.id, fps=2.0, clock=clock, sleep=clock.sleep)
    frames = []

    def until(test):
        _until(test, controls.snapshot)

    reader = _reader(src, frames, stop)
    try:
        reader.start()
        tell_unseen(src, controls, stop, every_s=0.05)
        until(lambda: len(frames) >= 2)
        assert controls.unseen == ""
        xdo(display, "windowunmap", "--sync", str(meeting.id))
        until(lambda: controls.unseen)
        words = ("The Zoom window is minimised or hidden: no one can be seen, and nothing is counted now. "
                 "Bring it back up on the screen: the analysis goes on by itself.")
        assert controls.unseen == words
        panel = model.panel_payload()
        assert panel["status"]["state"] == "not visible" and panel["notes"][0] == words
        assert panel["counts"] is None and panel["attention"] == []
        assert model.overlay_payload()["indicator"] is None
        xdo(display, "windowmap", "--sync", str(meeting.id))
        until(lambda: not controls.unseen)
        assert model.panel_payload()["status"]["state"] == "analysing"
        slides = open_window(display, "lesson.odp - LibreOffice Impress", "libreoffice-impress",
                             pictures / "face.png", (400, 250, 500, 400))
        until(lambda: controls.covered)
        words = ("The Zoom window is 25% covered by libreoffice-impress 'lesson.odp - LibreOffice Impress': the "
                 "students under it cannot be seen and are shown as last seen until it moves; the others are "
                 "counted as usual. Bring the meeting to the front, or move the other window away.")
        assert controls.covered == words and controls.unseen == ""
        panel = model.panel_payload()
        assert panel["status"]["state"] == "analysing" and panel["notes"][0] == words
        xdo(display, "windowmove", "--sync", str(slides.id), "0", "0")  # over nearly all of it
        xdo(display, "windowsize", "--sync", str(slides.id), "800", "480")
        until(lambda: controls.unseen)
        assert controls.unseen == ("The Zoom window is 97% covered by libreoffice-impress 'lesson.odp - LibreOffice "
                                   "Impress': almost no one can be seen, and nothing is counted now. Bring the "
                                   "meeting to the front, or move the other window away.")
        assert controls.covered == "" and model.panel_payload()["status"]["state"] == "not visible"
        slides.close()
        until(lambda: not controls.unseen and not controls.covered)
    finally:
        stop.set()
        src.interrupt()
        reader.join(10)
        src.close()
        meeting.close()
        if slides is not None:
            slides.close()


def test_another_class_in_the_same_apps_window_is_not_merged_when_the_meeting_closes(display, pictures, caplog):
    """Two Zoom windows: the class of nine (followed) and a meeting of four. The class's
    window closes: the other one does not show the class, so it is not read (a newcomer's
    class of 23 got the other meeting's 5 merged in: 28 stored); one line says so, once,
    and the class's window reopened is watched again."""
    caplog.set_level(logging.INFO, logger="classmood")
    meeting = open_window(display, "Zoom Meeting", "zoom", pictures / "gallery.png", (0, 0, 800, 500))
    other = open_window(display, "Zoom Meeting", "zoom", pictures / "four_live.png", (820, 0, 600, 340))
    reopened = None
    clock = Clock()
    src = ScreenSource(window_id=meeting.id, fps=2.0, clock=clock, sleep=clock.sleep)
    frames, stop = [], threading.Event()

    def until(test):
        _until(test, lambda: [r.getMessage() for r in caplog.records])

    said = lambda: [r.getMessage() for r in caplog.records if "does not show the class" in r.getMessage()]  # noqa: E731
    reader = _reader(src, frames, stop)
    try:
        reader.start()
        until(lambda: len(frames) >= 3)
        meeting.close()
        until(lambda: said())
        n = len(frames)
        for _ in range(4):  # a few more checks, 2 s apart on the source's clock
            t = clock.t
            until(lambda: clock.t >= t + 2.5)
        assert len(frames) == n and len(said()) == 1
        assert said()[0] == ("the Zoom window 'Zoom Meeting' (600x340 at 820,0) is open, but it does not show the "
                             "class that was watched, so it is not read: ClassMood waits for the meeting's window to "
                             "come back (to watch the other one, stop with Ctrl+C and run again)")
        reopened = open_window(display, "Zoom Meeting", "zoom", pictures / "gallery.png", (40, 60, 800, 500))
        until(lambda: any(f.origin == (40, 60) and f.image.mean() > 20 for f in frames))
        assert all(f.origin != (820, 0) for f in frames)  # never a frame of the other meeting
    finally:
        stop.set()
        src.interrupt()
        reader.join(10)
        src.close()
        for w in (meeting, other, reopened):
            if w is not None:
                w.close()


def test_a_window_over_part_of_the_meeting_keeps_the_students_under_it_as_last_seen(display, pictures, tmp_path,
                                                                                    caplog):
    """Issue 20: slides opened over four tiles of a real 23-student Zoom gallery. The
    screen source knows which of its pixels show the other window and says so with each
    frame; the run loop masks them as it masks the overlay, so the four students under it
    keep their tiles, ids and last state (read unmasked, the gallery was re-fitted to 19
    tiles and their four ids were gone), the class stays 23, stored so, and the panel
    keeps its counts, its first note saying what is covered and what to do. Moved over
    nearly all of the window, the meeting is "not visible" with no counts and no frames
    (an unseen stretch, which ``classmood run`` stores as not read); closed, all is read
    again."""
    from classmood.agent.pipeline import Pipeline
    from classmood.agent.runner import run_session
    from classmood.agent.store import SessionStore
    from classmood.cli.run import tell_unseen
    from classmood.overlay.view_model import Controls, OverlayModel
    from tests.conftest import data_path

    caplog.set_level(logging.INFO, logger="classmood")
    gallery = data_path("galleries2", "zoom_evo_gallery23.png")
    meeting = open_window(display, "Zoom Meeting", "zoom", gallery, (0, 0, 960, 600))
    slides = None
    controls, stop = Controls(), threading.Event()
    model = OverlayModel(controls)
    clock = Clock()
    src = ScreenSource(window_id=meeting.id, fps=2.0, clock=clock, sleep=clock.sleep)
    store = SessionStore(tmp_path / "m.db")
    store.start_session(source=src.stored_as, presence_only=True)
    seen: list = []  # (frame, result)

    def on_result(frame, result):
        seen.append((frame, result))
        model.update(result, frame.origin)

    def until(test):
        _until(test, lambda: (len(seen), controls.snapshot(), [r.getMessage() for r in caplog.records]), limit=120)

    loop = threading.Thread(target=lambda: run_session(src, pipeline, store, stop=stop, on_result=on_result),
                            daemon=True)
    with Pipeline(presence_only=True) as pipeline:
        try:
            tell_unseen(src, controls, stop, every_s=0.05)
            loop.start()
            until(lambda: len(seen) >= 8 and len(seen[-5][1].participants) == 23)  # drawn for a while
            before = seen[-1][1]
            ids = {p.id for p in before.participants}
            present = {p.id for p in before.participants if p.presence.value == "present"}
            assert len(ids) == 23 and len(present) >= 21 and before.mood.participants == 23
            assert all(not f.covered for f, _ in seen)

            # the slides over the tiles of the 4th and 5th rows' two right-hand columns
            slides = open_window(display, "lesson.odp - LibreOffice Impress", "libreoffice-impress",
                                 pictures / "face.png", (560, 236, 440, 240))
            until(lambda: any(f.covered for f, _ in seen))
            start = next(k for k, (f, _) in enumerate(seen) if f.covered)
            until(lambda: len(seen) >= start + 30)  # 18 s on the source's clock: a layout search or more
            under = seen[start:start + 30]
            assert all(f.covered == ((560, 236, 400, 240),) for f, _ in under)  # frame pixels, cut at the window
            story = [(k, f.covered, len(r.gallery.tiles), sorted({p.id for p in r.participants} ^ ids))
                     for k, (f, r) in enumerate(seen[start - 4:start + 30], start - 4)]
            for _, r in under:
                assert {p.id for p in r.participants} == ids and r.mood.participants == 23, story
                assert len(r.gallery.tiles) == 23
                assert {p.id for p in r.participants if p.presence.value == "present"} >= present
            words = ("The Zoom window is 17% covered by libreoffice-impress 'lesson.odp - LibreOffice Impress': the "
                     "students under it cannot be seen and are shown as last seen until it moves; the others are "
                     "counted as usual. Bring the meeting to the front, or move the other window away.")
            until(lambda: controls.covered)
            assert controls.covered == words and controls.unseen == ""
            panel = model.panel_payload()
            assert panel["status"]["state"] == "analysing" and panel["notes"][0] == words
            assert panel["counts"]["participants"] == 23 and panel["counts"]["present"] >= len(present)
            said = [r.getMessage() for r in caplog.records if "covered" in r.getMessage()]
            assert said == ["the Zoom window 'Zoom Meeting' is 17% covered by libreoffice-impress 'lesson.odp - "
                            "LibreOffice Impress': the students under it are not read, and are kept as last seen "
                            "until it moves (the others are read as usual); bring the meeting to the front or move "
                            "the other window away"]

            # the slides made larger, over nearly all of the meeting: not visible, as when minimised
            xdo(display, "windowmove", "--sync", str(slides.id), "0", "0")
            xdo(display, "windowsize", "--sync", str(slides.id), "960", "560")
            until(lambda: controls.unseen)
            assert controls.unseen == ("The Zoom window is 93% covered by libreoffice-impress 'lesson.odp - "
                                       "LibreOffice Impress': almost no one can be seen, and nothing is counted now. "
                                       "Bring the meeting to the front, or move the other window away.")
            assert controls.covered == ""
            panel = model.panel_payload()
            assert panel["status"]["state"] == "not visible" and panel["counts"] is None
            assert panel["notes"][0] == controls.unseen and model.overlay_payload()["indicator"] is None
            n, t = len(seen), clock.t
            until(lambda: clock.t >= t + 5)  # several checks on the source's clock: no frame
            assert len(seen) == n
            slides.close()
            until(lambda: not controls.unseen and len(seen) >= n + 3)
            assert not seen[-1][0].covered and model.panel_payload()["status"]["state"] == "analysing"
            assert {p.id for p in seen[-1][1].participants} == ids
            said = [r.getMessage() for r in caplog.records if "covered" in r.getMessage()]
            assert len(said) == 3 and said[1].startswith("the Zoom window 'Zoom Meeting' is 93% covered by ")
            assert said[2] == "the Zoom window 'Zoom Meeting' is no longer covered"
            assert not any("is back at" in r.getMessage() for r in caplog.records)  # the cover's lines say it
            (stretch,) = src.unseen_stretches()  # the time it was covered: for the report's "not read"
            assert stretch[1] - stretch[0] >= 4
        finally:
            stop.set()
            src.interrupt()
            if loop.is_alive():
                loop.join(30)
            src.close()
            store.close()
            meeting.close()
            if slides is not None:
                slides.close()
    with SessionStore(tmp_path / "m.db", readonly=True) as db:
        (info,) = db.sessions()
        assert info.participants == 23
        rows = db.observations(info.id)
        assert {o.participant for o in rows} == ids
        assert not {o.participant for o in rows if o.presence == "away"} & present  # no one there stored as away
