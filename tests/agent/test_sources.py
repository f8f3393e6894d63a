"""Frame sources: videos, image lists, the screen (under a real Xvfb X server), the
webcam, pacing of live sources, and the CLI's dispatch helper."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from classmood.agent import sources as S
from classmood.agent.sources import (
    ImageSource,
    ScreenSource,
    VideoSource,
    WebcamSource,
    list_monitors,
    open_source,
    parse_region,
)
from classmood.agent.sources.base import paced
from classmood.display import WAYLAND_MESSAGE
from classmood.errors import InputError
from classmood.types import Frame
from tests.conftest import data_path
from tests.xserver import free_display, use_display

N_FRAMES, FPS, W, H = 20, 10.0, 64, 48


def brightness(i: int) -> int:
    return 10 + i * 12


def write_video(path: Path, n: int = N_FRAMES, fps: float = FPS) -> Path:
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (W, H))
    assert out.isOpened()
    for i in range(n):
        out.write(np.full((H, W, 3), brightness(i), np.uint8))
    out.release()
    return path


def frame_number(image: np.ndarray) -> int:
    """Which frame of write_video this is, from its brightness."""
    return int(round((float(image.mean()) - 10) / 12))


@pytest.fixture
def video(tmp_path) -> Path:
    return write_video(tmp_path / "class.avi")


def one_line(exc) -> str:
    text = str(exc.value)
    assert "\n" not in text and "Traceback" not in text
    return text


# --------------------------------------------------------------------------- video
def test_video_reads_every_frame_in_order_with_timestamps(video):
    with VideoSource(video, every=0) as src:  # 0: every frame (the default is one per 0.5 s)
        assert not src.live
        assert src.duration_s == pytest.approx(N_FRAMES / FPS)
        assert src.description == "video class.avi (10.0 fps, 2.0 s)"
        frames = list(src)
    assert len(frames) == N_FRAMES
    assert [f.index for f in frames] == list(range(N_FRAMES))
    assert [f.timestamp for f in frames] == pytest.approx([i / FPS for i in range(N_FRAMES)])
    assert [frame_number(f.image) for f in frames] == list(range(N_FRAMES))
    for f in frames:
        assert f.image.shape == (H, W, 3) and f.image.dtype == np.uint8
        assert f.origin == (0, 0)


@pytest.mark.parametrize(
    "every, expected",
    [
        (0.25, [0, 3, 5, 8, 10, 13, 15, 18]),  # the first frame at or after 0, .25, .5, ...
        (0.5, [0, 5, 10, 15]),
        (1.0, [0, 10]),
        (5.0, [0]),
        (0.05, list(range(N_FRAMES))),  # finer than the frame rate: every frame
    ],
)
def test_video_every_keeps_one_frame_per_interval(video, every, expected):
    frames = list(VideoSource(video, every=every))
    assert [f.index for f in frames] == expected
    assert [frame_number(f.image) for f in frames] == expected  # the right pixels, not just labels
    assert [f.timestamp for f in frames] == pytest.approx([i / FPS for i in expected])


def test_video_can_be_read_twice_and_closed_early(video):
    src = VideoSource(video, every=0.5)
    assert [f.index for f in src] == [0, 5, 10, 15]
    assert [f.index for f in src] == [0, 5, 10, 15]
    it = iter(src)
    next(it)
    src.close()
    assert list(it) == []  # closing ends the iteration, no error


def test_truncated_video_ends_early_or_fails_at_open(video, tmp_path):
    data = video.read_bytes()
    for frac in (0.5, 0.8):
        cut = tmp_path / f"cut{int(frac * 100)}.avi"
        cut.write_bytes(data[: int(len(data) * frac)])
        try:
            src = VideoSource(cut, every=0)
        except InputError as exc:
            assert str(cut) in str(exc) and "\n" not in str(exc)
            continue
        frames = list(src)  # no exception on the missing end
        assert 0 < len(frames) < N_FRAMES
        assert [frame_number(f.image) for f in frames] == list(range(len(frames)))


def test_video_errors_are_one_clear_line(tmp_path, video):
    fake = tmp_path / "lecture.mp4"
    fake.write_text("this is a text file, not a video\n" * 20)
    with pytest.raises(InputError) as exc:
        VideoSource(fake)
    assert one_line(exc).startswith(f"{fake}: not a readable video")

    with pytest.raises(InputError) as exc:
        VideoSource(tmp_path / "missing.mp4")
    assert "no such file" in one_line(exc)

    with pytest.raises(InputError) as exc:
        VideoSource(tmp_path)
    assert "is a folder" in one_line(exc)

    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(InputError) as exc:
        VideoSource(empty)
    assert "empty" in one_line(exc)

    for bad in (-1, float("nan"), "soon"):  # 0 is every frame
        with pytest.raises(InputError) as exc:
            VideoSource(video, every=bad)
        assert "every" in one_line(exc)


def test_damaged_video_prints_only_our_line_and_leaves_opencv_logging_alone(tmp_path, capfd):
    """FFmpeg's and OpenCV's own lines about a damaged file stay off the terminal while
    it is read; OpenCV's log level is silenced only meanwhile, never process-wide."""
    level = cv2.utils.logging.getLogLevel()
    assert level != cv2.utils.logging.LOG_LEVEL_SILENT  # importing classmood changed nothing
    fake = tmp_path / "lecture.mp4"
    fake.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 200)
    with pytest.raises(InputError):
        VideoSource(fake)
    assert capfd.readouterr().err == ""
    assert cv2.utils.logging.getLogLevel() == level


def test_first_frame_undecodable_is_an_input_error(tmp_path):
    # A valid AVI container whose MJPG frames are garbage: it opens, nothing decodes.
    good = write_video(tmp_path / "good.avi").read_bytes()
    bad = bytearray(good)
    start = bad.find(b"\xff\xd8")  # the first JPEG inside the container
    assert start > 0
    i = start
    while (i := bad.find(b"\xff\xd8", i)) != -1:
        bad[i + 2 : i + 200] = b"\x00" * 198  # wipe each JPEG's headers and tables
        i += 2
    path = tmp_path / "garbage.avi"
    path.write_bytes(bytes(bad))
    with pytest.raises(InputError) as exc:
        VideoSource(path)
    assert one_line(exc).startswith(f"{path}: not a readable video (its first frame cannot be decoded")


@pytest.mark.parametrize("name, count, step", [("fer_test.mp4", 115, 0.04), ("single_face.avi", 67, 1 / 30)])
def test_shared_videos_read_fully(name, count, step):
    path = data_path("videos", name)
    with VideoSource(path, every=0) as src:
        frames = list(src)
        fps = src.fps
    assert len(frames) == count
    assert src.duration_s == pytest.approx(count / fps)
    ts = [f.timestamp for f in frames]
    assert ts[0] == 0 and all(b > a for a, b in zip(ts, ts[1:]))
    # the container's presentation times (fer_test.mp4: 40 ms steps, while its average rate is 24.7 fps)
    assert ts == pytest.approx([i * step for i in range(count)], abs=1e-6)
    assert len({f.image.shape for f in frames}) == 1


# --------------------------------------------------------------------------- images
COLORS = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]


def write_images(folder: Path) -> list[Path]:
    paths = []
    for i, c in enumerate(COLORS):
        p = folder / f"shot{i + 1}.png"
        cv2.imwrite(str(p), np.full((40, 60, 3), c, np.uint8))
        paths.append(p)
    return paths


def test_images_in_order_with_timestamps(tmp_path):
    paths = write_images(tmp_path)
    src = ImageSource(list(reversed(paths)), interval=2.0)
    assert not src.live and src.duration_s == 6.0
    assert src.description == "3 images (shot3.png ... shot1.png, one every 2 s)"
    frames = list(src)
    assert [f.timestamp for f in frames] == [0.0, 2.0, 4.0]
    assert [f.index for f in frames] == [0, 1, 2]
    assert [tuple(int(v) for v in f.image[0, 0]) for f in frames] == list(reversed(COLORS))
    assert [f.timestamp for f in ImageSource(paths)] == [0.0, 0.5, 1.0]


def test_images_errors(tmp_path):
    paths = write_images(tmp_path)
    corrupt = tmp_path / "broken.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 30)
    # alone: one clear error; in a list: skipped (said by warnings()), the rest read
    with pytest.raises(InputError) as exc:
        list(ImageSource([corrupt]))
    assert one_line(exc).startswith(f"{corrupt}: not a readable image")
    src = ImageSource([paths[0], corrupt, paths[1]])
    assert [(f.index, f.timestamp) for f in src] == [(0, 0.0), (2, 1.0)]
    assert [p for p, _ in src.skipped] == [corrupt] and src.unread() == [(0.5, 1.0)]
    assert src.warnings()[-1] == "2 of 3 images read" and str(corrupt) in src.warnings()[0]
    with pytest.raises(InputError, match="none of the 2 images could be read"):
        list(ImageSource([corrupt, corrupt]))

    # every path is checked before the first frame
    with pytest.raises(InputError) as exc:
        ImageSource([paths[0], tmp_path / "nope.png"])
    assert "nope.png: no such file" in one_line(exc)
    with pytest.raises(InputError):
        ImageSource([])
    with pytest.raises(InputError):
        ImageSource(paths, interval=0)


# --------------------------------------------------------------------------- pacing
class FakeClock:
    """A clock that only moves when someone sleeps (or the test says so)."""

    def __init__(self):
        self.t = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.t

    def sleep(self, s: float) -> None:
        assert s > 0
        self.sleeps.append(s)
        self.t += s


def run_paced(fps, work_s, n):
    """``n`` frames from paced with a consumer that works ``work_s`` seconds after
    each (a number, or one number per frame)."""
    clock = FakeClock()
    grabs = []

    def grab(ts, index):
        grabs.append(ts)
        return Frame(np.zeros((2, 2, 3), np.uint8), timestamp=ts, index=index)

    out = []
    for frame in paced(fps, clock, clock.sleep, grab, lambda: False):
        out.append(frame)
        if len(out) == n:
            break
        clock.t += work_s[len(out) - 1] if isinstance(work_s, list) else work_s  # processing
    return out, grabs, clock


def test_pacing_fast_consumer_waits_for_each_slot():
    frames, grabs, clock = run_paced(fps=2.0, work_s=0.1, n=4)
    assert [f.timestamp for f in frames] == pytest.approx([0.0, 0.5, 1.0, 1.5])
    assert clock.sleeps == pytest.approx([0.4, 0.4, 0.4])
    assert [f.index for f in frames] == [0, 1, 2, 3]


def test_pacing_slow_consumer_skips_instead_of_queueing():
    frames, grabs, clock = run_paced(fps=2.0, work_s=[1.2, 1.2, 0.01, 0.01, 0.01], n=6)
    # slots 0.5 and 1.0 were missed while the consumer worked: one fresh frame at 1.2,
    # and when it is fast again no burst of catch-up frames for the missed slots:
    # straight back to the 0.5 s grid
    assert [f.timestamp for f in frames] == pytest.approx([0.0, 1.2, 2.4, 2.5, 3.0, 3.5])
    assert len(grabs) == 6
    assert clock.sleeps == pytest.approx([0.09, 0.49, 0.49])
    frames, _, clock = run_paced(fps=2.0, work_s=0.7, n=4)
    assert [f.timestamp for f in frames] == pytest.approx([0.0, 0.7, 1.4, 2.1])


# --------------------------------------------------------------------------- screen
@pytest.fixture
def display(xvfb, monkeypatch):
    return use_display(monkeypatch, xvfb)


PATTERN = np.random.default_rng(7).integers(0, 256, (200, 300, 3), dtype=np.uint8)
WIN_TITLE = "ClassMood sources test pattern"
WIN_POS = (200, 150)
WIN_MOVED = (700, 400)

_SHOW = r"""
import os, sys, cv2, numpy as np
img = np.random.default_rng(7).integers(0, 256, (200, 300, 3), dtype=np.uint8)
name, flag = sys.argv[1], sys.argv[2]
cv2.namedWindow(name, cv2.WINDOW_AUTOSIZE | cv2.WINDOW_GUI_NORMAL)
cv2.moveWindow(name, 200, 150)
cv2.imshow(name, img)
for _ in range(5):
    cv2.waitKey(20)
print("shown", flush=True)
at = (200, 150)
while True:
    cv2.waitKey(30)
    want = (700, 400) if os.path.exists(flag) else (200, 150)
    if want != at:
        cv2.moveWindow(name, *want)
        at = want
"""


def _show_pattern(display: str, flag) -> subprocess.Popen | None:
    """Start the pattern window's process; None when HighGUI cannot open a window here."""
    env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb")
    env.pop("WAYLAND_DISPLAY", None)
    proc = subprocess.Popen([sys.executable, "-c", _SHOW, WIN_TITLE, str(flag)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    # "shown"; "" when HighGUI has no display support; nothing if it hangs
    ready, _, _ = select.select([proc.stdout], [], [], 30)
    if (proc.stdout.readline() if ready else "").strip() != "shown":
        proc.kill()
        proc.wait()
        return None
    return proc


@pytest.fixture(scope="module")
def pattern_window(xvfb, tmp_path_factory):
    """An OpenCV HighGUI window on the Xvfb screen at WIN_POS showing PATTERN; the
    path of a flag file that moves it to WIN_MOVED while it exists.

    HighGUI says "shown" before the X server has drawn the window, and now and then (on
    a loaded machine) the window is never drawn: wait until the screen really shows
    PATTERN, and start the window again if it does not within 5 s (3 tries)."""
    flag = tmp_path_factory.mktemp("win") / "move"
    proc = None
    try:
        for _ in range(3):
            proc = _show_pattern(xvfb, flag)
            if proc is None:
                pytest.skip("OpenCV HighGUI cannot open a window here (headless OpenCV?)")
            if _drawn(xvfb, timeout=5.0):
                break
            proc.kill()
            proc.wait()
            proc = None
        else:
            raise AssertionError(f"the test pattern window was not drawn on {xvfb} in 3 tries")
        yield flag
    finally:
        if proc is not None:
            proc.kill()
            proc.wait()


def _drawn(display: str, timeout: float) -> bool:
    """Whether the screen of ``display`` shows PATTERN at WIN_POS within ``timeout`` s."""
    import mss

    old = os.environ.get("DISPLAY")
    os.environ["DISPLAY"] = display
    try:
        with mss.MSS() as sct:
            t_end = time.monotonic() + timeout
            box = {"left": WIN_POS[0], "top": WIN_POS[1], "width": 300, "height": 200}
            while time.monotonic() < t_end:
                if np.array_equal(np.asarray(sct.grab(box))[:, :, :3], PATTERN):
                    return True
                time.sleep(0.05)
            return False
    finally:
        if old is None:
            os.environ.pop("DISPLAY", None)
        else:
            os.environ["DISPLAY"] = old


def first_frame(src):
    with src:
        return next(iter(src))


def test_list_monitors_and_monitor_out_of_range(display):
    assert list_monitors() == [(1, (0, 0, 1280, 720))]
    with pytest.raises(InputError) as exc:
        ScreenSource(monitor=3)
    assert one_line(exc) == "monitor 3 does not exist; monitors: 1 (1280x720 at 0,0)"
    assert exc.value.option == "monitor"
    with pytest.raises(InputError):
        ScreenSource(monitor=-1)


def test_screen_capture_shows_the_window_in_the_right_place(display, pattern_window):
    src = ScreenSource(fps=50)
    assert src.live and src.duration_s is None
    assert src.description == "screen 1 (1280x720 at 0,0)"
    frame = first_frame(src)
    assert frame.image.shape == (720, 1280, 3) and frame.origin == (0, 0)
    x, y = WIN_POS
    assert np.array_equal(frame.image[y : y + 200, x : x + 300], PATTERN)
    assert not frame.image[:y].any()  # the bare Xvfb root around it is black
    assert first_frame(ScreenSource(monitor=0)).image.shape == (720, 1280, 3)


def test_region_capture_size_origin_and_pixels(display, pattern_window):
    src = ScreenSource(region=(150, 100, 400, 300))
    assert src.description == "screen region 400x300 at 150,100"
    frame = first_frame(src)
    assert frame.image.shape == (300, 400, 3) and frame.origin == (150, 100)
    assert np.array_equal(frame.image[50:250, 50:350], PATTERN)

    for bad in [(1200, 700, 100, 100), (-10, 0, 100, 100), (0, 0, 1281, 720)]:
        with pytest.raises(InputError) as exc:
            ScreenSource(region=bad)
        assert "is not inside the screen (the screen is 1280x720 at 0,0)" in one_line(exc)
    with pytest.raises(InputError):
        ScreenSource(region=(0, 0, 0, 10))
    with pytest.raises(InputError) as exc:
        ScreenSource(monitor=1, region=(0, 0, 10, 10))
    assert "not monitor and region" in one_line(exc)
    assert exc.value.option is None  # two parameters conflict: no single one to blame


def wait_for_window_at(pos, timeout=10.0):
    deadline = time.monotonic() + timeout
    while S.find_window(WIN_TITLE)[1][:2] != pos:
        assert time.monotonic() < deadline, f"the test window did not move to {pos}"
        time.sleep(0.05)


def test_window_by_title_is_found_and_followed(display, pattern_window):
    if shutil.which("xdotool") is None:
        pytest.skip("xdotool is not installed (apt-get install xdotool)")
    clock = FakeClock()
    src = ScreenSource(window="sources TEST pattern", fps=2.0, clock=clock, sleep=clock.sleep)
    assert src.description == f"window '{WIN_TITLE}' (300x200 at 200,150)"
    with src:
        it = iter(src)
        frame = next(it)
        assert frame.origin == WIN_POS and np.array_equal(frame.image, PATTERN)

        pattern_window.write_text("move")  # the teacher drags the meeting window
        try:
            wait_for_window_at(WIN_MOVED)
            # the rectangle is looked up again within WINDOW_REFRESH_S of source time
            frames = [next(it) for _ in range(int(ScreenSource.WINDOW_REFRESH_S * 2) + 1)]
            assert frames[0].origin == WIN_POS  # not looked up on every frame
            assert frames[-1].origin == WIN_MOVED
            assert np.array_equal(frames[-1].image, PATTERN)
        finally:
            pattern_window.unlink()
            wait_for_window_at(WIN_POS)

    with pytest.raises(InputError) as exc:
        ScreenSource(window="no such meeting window")
    assert one_line(exc).startswith("no visible window with 'no such meeting window' in its title")
    assert "--" not in one_line(exc) and exc.value.option == "window"


def test_pacing_of_real_screen_capture(display):
    clock = FakeClock()
    src = ScreenSource(region=(0, 0, 64, 48), fps=4.0, clock=clock, sleep=clock.sleep)
    stamps = []
    with src:
        for frame in src:
            stamps.append(frame.timestamp)
            if len(stamps) == 5:
                break
            clock.t += 0.6 if len(stamps) == 2 else 0.05  # one slow step
    # 0.25 s slots; the slow step (0.6 s) drops the 0.5 and 0.75 slots
    assert stamps == pytest.approx([0.0, 0.25, 0.85, 1.0, 1.25])


def test_no_display_and_wayland_errors(monkeypatch, tmp_path):
    if not sys.platform.startswith("linux"):
        pytest.skip("X11 display checks are Linux-only")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("XDG_SESSION_TYPE", raising=False)
    with pytest.raises(InputError) as exc:
        ScreenSource()
    msg = one_line(exc)
    assert "DISPLAY is not set" in msg and "Xvfb" in msg and "classmood analyze FILE" in msg
    with pytest.raises(InputError):
        list_monitors()

    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    with pytest.raises(InputError) as exc:
        ScreenSource()
    assert one_line(exc) == WAYLAND_MESSAGE
    assert "not possible on Wayland" in WAYLAND_MESSAGE

    monkeypatch.delenv("WAYLAND_DISPLAY")
    monkeypatch.setenv("XDG_SESSION_TYPE", "wayland")
    with pytest.raises(InputError) as exc:
        ScreenSource()
    assert one_line(exc) == WAYLAND_MESSAGE

    # a DISPLAY where no X server answers
    n = free_display()
    monkeypatch.setenv("DISPLAY", f":{n}")
    monkeypatch.setenv("XDG_SESSION_TYPE", "x11")
    with pytest.raises(InputError) as exc:
        ScreenSource()
    assert one_line(exc).startswith(f"cannot connect to the X display ':{n}'")


def test_xwayland_black_screen_is_reported_as_wayland(display, pattern_window, monkeypatch):
    # A Wayland desktop's XWayland DISPLAY connects but shows nothing (all black).
    monkeypatch.setenv("XDG_SESSION_TYPE", "wayland")
    with pytest.raises(InputError) as exc:
        first_frame(ScreenSource(region=(900, 0, 100, 100)))  # bare black root
    assert one_line(exc) == WAYLAND_MESSAGE
    frame = first_frame(ScreenSource(region=(200, 150, 300, 200)))  # an X11 app's window
    assert np.array_equal(frame.image, PATTERN)


def test_a_capture_that_stays_black_is_one_warning_saying_why(display, pattern_window, monkeypatch, caplog):
    """A meeting app that draws its video through a hardware overlay, a minimised window or
    a locked screen give a black capture: after 5 s one warning line says so and what to
    do, and the frames go on (before: "0 participants", no hint)."""
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("XDG_SESSION_TYPE", "x11")
    clock = FakeClock()
    src = ScreenSource(region=(900, 0, 100, 100), fps=2.0, clock=clock, sleep=clock.sleep)  # bare black root
    with caplog.at_level("WARNING", logger="classmood"), src:
        frames = [f for f, _ in zip(src, range(20))]
    assert len(frames) == 20
    warned = [r.getMessage() for r in caplog.records]
    assert len(warned) == 1  # once, not every frame
    assert warned[0].startswith("the capture of screen region 100x100 at 900,0 has been all black for 5 s")
    assert "hardware acceleration" in warned[0] and "the analysis goes on" in warned[0]
    caplog.clear()
    clock = FakeClock()
    src = ScreenSource(region=(200, 150, 300, 200), fps=2.0, clock=clock, sleep=clock.sleep)  # a window
    with caplog.at_level("WARNING", logger="classmood"), src:
        assert len([f for f, _ in zip(src, range(20))]) == 20
    assert not caplog.records
    # on Wayland the line names the session as the likely cause
    msg = S.screen.blank_capture_message("screen 1 (0,0 1920x1080)", 6.0, black=True, wayland=True, window=False)
    assert "Wayland session" in msg and "X11/Xorg" in msg


# --------------------------------------------------------------------------- webcam
def test_webcam_that_cannot_be_opened():
    with pytest.raises(InputError) as exc:
        WebcamSource(63)
    assert one_line(exc) == ("webcam 63 could not be opened (no camera, or it is in use by "
                             "another program); try webcam 64")
    assert exc.value.option == "webcam"
    with pytest.raises(InputError):
        WebcamSource(0, fps=0)


def test_webcam_reader_gives_fresh_frames_and_ends_when_the_camera_stops(video):
    class FileCam(WebcamSource):  # a "camera" that delivers the test video, then stops
        FAILURES_TO_END = 3

        def _open_capture(self):
            return cv2.VideoCapture(str(video))

    src = FileCam(0, fps=50)
    assert src.live and src.description == f"webcam 0 ({W}x{H})"
    with src:
        frames = list(src)
    assert 1 <= len(frames) <= N_FRAMES
    numbers = [frame_number(f.image) for f in frames]
    assert numbers == sorted(set(numbers))  # never the same picture twice, never backwards
    assert all(f.image.shape == (H, W, 3) for f in frames)
    ts = [f.timestamp for f in frames]
    assert ts == sorted(ts) and ts[0] >= 0


def test_a_cover_in_screen_pixels_becomes_frame_pixels_clipped_to_the_capture():
    """Issue 20: another app's window over the followed meeting window is named in each
    frame's own pixels, cut to what is captured (the whole window, or the part the
    teacher picked in it)."""
    from classmood.agent.sources.screen import covered_in_frame
    from classmood.agent.sources.windows import part_of

    window = (100, 50, 800, 500)  # the meeting window on the screen
    notes = (600, 300, 400, 400)  # a notes window over its bottom right, reaching past it
    assert covered_in_frame([notes], window) == ((500, 250, 300, 250),)
    assert covered_in_frame([(0, 0, 150, 2000)], window) == ((0, 0, 50, 500),)  # over its left edge
    assert covered_in_frame([(950, 0, 100, 100), (100, 600, 50, 50)], window) == ()  # beside it, below it
    assert covered_in_frame([notes, notes], window) == ((500, 250, 300, 250),)  # once
    # a picked part of the window: 0.25,0.2,0.5,0.6 of it is 400x300 at 300,150 on the screen
    picked = part_of(window, (0.25, 0.2, 0.5, 0.6))
    assert picked == (300, 150, 400, 300)
    assert covered_in_frame([notes, (0, 0, 320, 160)], picked) == ((300, 150, 100, 150), (0, 0, 20, 10))
    assert covered_in_frame([(0, 0, 300, 1000)], picked) == ()  # over the window, not the part picked
    # on a monitor left of the primary one (negative screen coordinates)
    assert covered_in_frame([(-1900, 10, 300, 300)], (-1920, 0, 1000, 600)) == ((20, 10, 300, 300),)


# --------------------------------------------------------------------------- dispatch
def test_parse_region():
    assert parse_region("10,20,300,400") == (10, 20, 300, 400)
    assert parse_region(" -1920, 0 ,1920,1080") == (-1920, 0, 1920, 1080)
    for bad in ["1,2,3", "a,b,c,d", "1,2,3,4,5", "", "1.5,2,3,4"]:
        with pytest.raises(InputError) as exc:
            parse_region(bad)
        assert "expected X,Y,W,H" in one_line(exc) and "--" not in one_line(exc)
        assert exc.value.option == "region"
    for bad in ["0,0,0,10", "0,0,10,-5"]:
        with pytest.raises(InputError) as exc:
            parse_region(bad)
        assert "width and height must be above 0" in one_line(exc)


def test_open_source_files(tmp_path, video):
    src = open_source(paths=[video], every=0.5)
    assert isinstance(src, VideoSource) and [f.index for f in src] == [0, 5, 10, 15]
    upper = tmp_path / "CLASS.AVI"
    shutil.copy(video, upper)
    assert isinstance(open_source(paths=[str(upper)]), VideoSource)

    (tmp_path / "shots").mkdir()
    images = write_images(tmp_path / "shots")
    src = open_source(paths=images)
    assert isinstance(src, ImageSource) and src.interval == 0.5
    assert open_source(paths=images, every=3).interval == 3
    # a folder of screenshots, in natural order
    (tmp_path / "shots" / "shot10.png").write_bytes(images[0].read_bytes())
    src = open_source(paths=[tmp_path / "shots"])
    assert [p.name for p in src.paths] == ["shot1.png", "shot2.png", "shot3.png", "shot10.png"]

    with pytest.raises(InputError) as exc:
        open_source(paths=[video, upper])
    assert one_line(exc).startswith("give one video at a time")
    with pytest.raises(InputError) as exc:
        open_source(paths=[video, images[0]])
    assert "not both" in one_line(exc)
    with pytest.raises(InputError) as exc:
        open_source(paths=[video], monitor=1)
    assert "not both" in one_line(exc)
    with pytest.raises(InputError) as exc:
        open_source(paths=[tmp_path / "missing.mp4"])
    assert "no such file" in one_line(exc)
    empty = tmp_path / "empty_dir"
    empty.mkdir()
    with pytest.raises(InputError) as exc:
        open_source(paths=[empty])
    assert "holds no images" in one_line(exc)


def test_open_source_live(display, monkeypatch):
    src = open_source(region="0,0,320,240", fps=5)
    assert isinstance(src, ScreenSource) and src.rect == (0, 0, 320, 240) and src.fps == 5
    src.close()
    src = open_source()
    assert isinstance(src, ScreenSource) and src.description == "screen 1 (1280x720 at 0,0)"
    src.close()
    with pytest.raises(InputError) as exc:
        open_source(every=2)
    assert "every" in one_line(exc) and "--" not in one_line(exc)
    assert exc.value.option == "every"
    with pytest.raises(InputError) as exc:
        open_source(webcam=0, monitor=1)
    assert "not both" in one_line(exc)
    with pytest.raises(InputError) as exc:
        open_source(webcam=63)
    assert "webcam 63 could not be opened" in one_line(exc)
    with pytest.raises(InputError):
        open_source(fps=-1)


def test_a_bad_region_is_named_before_the_screen_is_opened(monkeypatch):
    """The region is checked first: with no display at all, a zero-width region is still
    reported as the region's fault (one check for text and tuples)."""
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    for region in [(0, 0, 0, 720), (0, 0, 1.5, 3), (1, 2, 3)]:
        with pytest.raises(InputError) as exc:
            ScreenSource(region=region)
        assert exc.value.option == "region" and "region" in str(exc.value)
