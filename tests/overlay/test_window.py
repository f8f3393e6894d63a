"""The overlay's window plumbing without a screen: backend checks, Qt's environment,
the click-through dispatch (and Qt's flag, offscreen, in a child process)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import types

import pytest

from classmood.overlay import clickthrough, window as W
from classmood.overlay.pages import page_html

from .conftest import ROOT


def test_pages_are_self_contained():
    for name in ("overlay", "panel"):
        html = page_html(name)
        assert "<style>" in html and "<script>" in html and "classmood" in html
        assert "http://" not in html and "https://" not in html and 'src="' not in html and 'href="' not in html
    with pytest.raises(ValueError):
        page_html("report")


def test_overlay_unavailable_reasons(monkeypatch):
    if not sys.platform.startswith("linux"):
        pytest.skip("the X11 checks are Linux-only")
    monkeypatch.delenv("DISPLAY", raising=False)
    assert W.overlay_unavailable() == "no X display (DISPLAY is not set)"
    monkeypatch.setenv("DISPLAY", ":12345")
    monkeypatch.setattr(W, "linux_gui", lambda: None)
    reason = W.overlay_unavailable()
    assert "no GUI backend" in reason and "pip install 'classmood[overlay]'" in reason
    with pytest.raises(W.OverlayUnavailable) as exc:
        W.run_with_overlay((0, 0, 100, 100), lambda ov: None)
    assert str(exc.value) == reason
    # a display where no X server answers: Qt is tried in a child process, never here
    monkeypatch.setattr(W, "linux_gui", lambda: "qt")
    if not W._has("qtpy"):
        pytest.skip("Qt is not installed")
    W._probe_qt.cache_clear()
    reason = W.overlay_unavailable()
    assert reason is not None and reason.startswith("Qt cannot open a window here") and "\n" not in reason


def test_prepare_environment_for_qt(monkeypatch):
    cv2_dir = os.path.join("venv", "site-packages", "cv2", "qt", "plugins")
    monkeypatch.setenv("QT_QPA_PLATFORM_PLUGIN_PATH", cv2_dir)
    monkeypatch.setenv("QT_QPA_FONTDIR", os.path.join("x", "cv2", "qt", "fonts"))
    monkeypatch.setenv("DISPLAY", ":1")
    for var in ("QT_QPA_PLATFORM", "QT_QUICK_BACKEND", "QTWEBENGINE_DISABLE_SANDBOX"):
        monkeypatch.delenv(var, raising=False)
    W.prepare_environment()
    assert "QT_QPA_PLATFORM_PLUGIN_PATH" not in os.environ and "QT_QPA_FONTDIR" not in os.environ
    if sys.platform.startswith("linux"):
        assert os.environ["QT_QPA_PLATFORM"] == "xcb" and os.environ["QT_QUICK_BACKEND"] == "software"
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        assert os.environ["QTWEBENGINE_DISABLE_SANDBOX"] == "1"
    monkeypatch.setenv("QT_QPA_PLATFORM_PLUGIN_PATH", "/opt/my/qt/plugins")  # the user's own: kept
    monkeypatch.setenv("QT_QUICK_BACKEND", "opengl")
    W.prepare_environment()
    assert os.environ["QT_QPA_PLATFORM_PLUGIN_PATH"] == "/opt/my/qt/plugins"
    assert os.environ["QT_QUICK_BACKEND"] == "opengl"


def test_click_through_dispatch():
    def win(gui_name, native=object()):
        return types.SimpleNamespace(gui=types.SimpleNamespace(__name__=gui_name), native=native)

    assert clickthrough.backend_of(win("webview.platforms.qt")) == "qt"
    assert clickthrough.backend_of(win("webview.platforms.gtk")) == "gtk"
    assert clickthrough.backend_of(win("webview.platforms.winforms")) == "winforms"
    assert clickthrough.backend_of(win("webview.platforms.cocoa")) == "cocoa"
    assert clickthrough.backend_of(win("webview.platforms.android")) == "unknown"
    assert clickthrough.make_click_through(win("webview.platforms.android")) is False
    assert clickthrough.exclude_from_capture(win("webview.platforms.android")) is False
    with pytest.raises(RuntimeError):
        clickthrough.make_click_through(win("webview.platforms.qt", native=None))

    class NSWindow:  # what the macOS module calls
        def setIgnoresMouseEvents_(self, on):
            self.ignores = on

        def setSharingType_(self, kind):
            self.sharing = kind

    ns = NSWindow()
    assert clickthrough.make_click_through(win("webview.platforms.cocoa", ns)) and ns.ignores is True
    assert clickthrough.exclude_from_capture(win("webview.platforms.cocoa", ns)) and ns.sharing == 0


def test_gtk_click_through_sets_an_empty_input_shape():
    pytest.importorskip("cairo", reason="pycairo is not installed (only the GTK backend uses it)")

    def win(gui_name, native):
        return types.SimpleNamespace(gui=types.SimpleNamespace(__name__=gui_name), native=native)

    class GtkWindow:
        def set_accept_focus(self, on):
            self.focus = on

        def input_shape_combine_region(self, region):
            self.region = region

        def get_window(self):
            return None

    g = GtkWindow()
    assert clickthrough.make_click_through(win("webview.platforms.gtk", g)) and g.focus is False
    assert g.region.is_empty()


_QT_CHILD = r"""
from classmood.overlay.window import prepare_environment
prepare_environment()
from qtpy.QtWidgets import QApplication, QMainWindow, QWidget
from qtpy import QtCore
from classmood.overlay.clickthrough import qt as ct
app = QApplication([])
w = QMainWindow()
w.setCentralWidget(QWidget())
w.show()
assert not ct.is_click_through(w)
assert ct.make_click_through(w)
app.processEvents()
Qt = QtCore.Qt
print(ct.is_click_through(w), bool(w.windowFlags() & Qt.WindowType.WindowDoesNotAcceptFocus),
      w.isVisible(), w.centralWidget().testAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents),
      ct.device_pixel_ratio(w))
"""


def test_qt_click_through_flags_offscreen():
    pytest.importorskip("qtpy", reason="Qt is not installed (pip install 'classmood[overlay]')")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", _QT_CHILD], env=env, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0 and "platform plugin" in proc.stderr:
        pytest.skip(f"Qt cannot start here: {proc.stderr.strip().splitlines()[-1]}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["True", "True", "True", "True", "1.0"]


def test_screen_scale_from_the_monitors_measured_both_ways():
    """Screen pixels per toolkit unit: GTK at 200% lists a 3840-px monitor as 1920 wide (2.0),
    a DPI-aware Windows process lists screen pixels (1.0), 150% gives 1.5; the largest
    monitor decides on a desk of two; lists that do not describe the same monitors give None."""
    from classmood.overlay.window import screen_scale

    assert screen_scale([(0, 0, 3840, 2160)], [(1920, 1080)]) == 2.0
    assert screen_scale([(0, 0, 1920, 1080)], [(1920, 1080)]) == 1.0
    assert screen_scale([(0, 0, 2880, 1620)], [(1920, 1080)]) == 1.5
    assert screen_scale([(0, 0, 1280, 1024), (1280, 0, 3840, 2160)], [(1280, 1024), (1920, 1080)]) == 2.0
    assert screen_scale([], [(1920, 1080)]) is None and screen_scale([(0, 0, 1920, 1080)], []) is None
    assert screen_scale([(0, 0, 1920, 1080)], [(200, 100)]) is None


def test_with_no_compositor_the_overlay_is_not_made_and_the_panel_is(monkeypatch, caplog):
    """A newcomer on plain X (no compositing manager): the "transparent" overlay was an
    opaque black window over the meeting, ClassMood read its own overlay and showed 0
    participants, with no word why. With no owner of _NET_WM_CM_S0 the overlay window
    is not made (one warning line), the panel is, and no badge place is masked."""
    import logging
    import shutil

    from tests.xserver import start_xvfb, stop

    if shutil.which("xcompmgr") is None:
        pytest.skip("xcompmgr is not installed (apt-get install xcompmgr)")
    server, display = start_xvfb((800, 600), "+extension", "Composite", lo=600)
    comp = None
    try:
        assert W.compositor_missing(display)
        comp = subprocess.Popen(["xcompmgr"], env=dict(os.environ, DISPLAY=display),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while W.compositor_missing(display) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not W.compositor_missing(display)
        stop(comp)
        comp = None

        made = []

        class _Events:
            def __getattr__(self, name):
                return self

            def __iadd__(self, handler):
                return self

        class _Webview:
            def create_window(self, title, **kw):
                made.append(title)
                return types.SimpleNamespace(events=_Events())

        monkeypatch.setenv("DISPLAY", display)
        caplog.set_level(logging.WARNING, logger="classmood")
        ov = W.Overlay((0, 0, 640, 360), monitors=[(0, 0, 800, 600)], panel_rect=(650, 0, 140, 300))
        ov._create_windows(_Webview())
        assert made == ["ClassMood"]  # the panel only
        assert not ov.badges and ov.mask_rects() == []
        assert [r.getMessage() for r in caplog.records] == [W.NO_COMPOSITOR]
    finally:
        if comp is not None:
            stop(comp)
        stop(server)
    assert not W.compositor_missing("")  # no display: cannot be told, not "missing"
