"""The overlay window and the class-mood panel: two pywebview windows.

- The **overlay**: frameless, always on top, transparent and click-through, exactly
  over the captured region (the gallery). It shows one small badge per participant in
  the corner of their tile away from the face, and a small "ClassMood analysing" pill.
  Its rectangles (:meth:`Overlay.mask_rects`, SCREEN pixels) are blanked out of every
  frame before analysis (``run_session(mask=overlay.mask_rects)``), so our own drawing
  never feeds back; on Windows and macOS the windows are also excluded from screen
  capture where the system allows it.
- The **panel**: a small ordinary window (movable, on top, NOT click-through) with the
  counts, the expression distribution, the class valence vs usual (each student against
  their own baseline) of the last 10 minutes, the attention list, and the controls:
  buttons and keys P (pause analysis), H (hide the overlay), E (presence only). Closing
  it stops the agent.

Data flows one way: :meth:`Overlay.update` (the agent's ``on_result``) builds the two
pages' JSON (:class:`~classmood.overlay.view_model.OverlayModel`) and a pump thread pushes
the newest one to each page with ``classmood.update(...)``; a slow page never holds
up analysis (only the newest payload is kept). The pages never call into analysis: the
panel's js_api can only flip the three flags of :class:`~classmood.overlay.view_model.Controls`.

Backend. The GUI loop owns the main thread (:func:`run_with_overlay` runs the agent in
a background thread). On Windows pywebview uses WebView2 (pythonnet, a dependency of
pywebview there), on macOS Cocoa's WKWebView (pyobjc, likewise). On Linux we use
**Qt: PyQt6 + PyQt6-WebEngine** (with qtpy), the ``overlay`` extra, because it is the
only backend that installs from pip alone into a fresh virtual environment: the
wheels bring Qt and its Chromium-based web engine; they need only the usual X11/xcb
client libraries from the system. It runs under Xvfb with a compositor (checked by
``tests/overlay``). GTK would need PyGObject built against system headers plus
Debian's WebKit2GTK, which pip cannot provide; it is still used when Qt is absent and
PyGObject with WebKit2 is installed. The price of Qt WebEngine is memory: see
``benchmarks/overlay.py``.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import subprocess
import sys
import threading
import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Sequence

from .._native import native_logs_wanted
from ..errors import ClassMoodError
from .clickthrough import backend_of, exclude_from_capture, make_click_through
from .layout import PANEL_COMPACT, PANEL_FULL, PANEL_TAB, Rect, overlaps, place_panel
from .view_model import ATTENTION_AFTER_S, HISTORY_S, Controls, OverlayModel, state_word
from .pages import page_html

log = logging.getLogger(__name__)

PANEL_SIZE = PANEL_FULL
"""The panel window's full (width, height), in screen pixels."""
PROBE_TIMEOUT_S = 60.0
PANEL_SETTLE_S = 2.0
"""Seconds after we place the panel in which what its window reports (the toolkit's own
moves, a clamp to its minimum size) is not taken for the teacher moving it."""


class OverlayUnavailable(ClassMoodError):
    """The overlay cannot be shown here (no display, no GUI backend); one line why."""


# --------------------------------------------------------------------------- backend
def _linux() -> bool:
    return sys.platform.startswith("linux")


def prepare_environment() -> None:
    """Settings Qt must see before it starts.

    OpenCV's wheels point ``QT_QPA_PLATFORM_PLUGIN_PATH`` and ``QT_QPA_FONTDIR`` at
    their own Qt 5 when ``cv2`` is imported: Qt 6 would load the wrong plugins, so those
    are dropped. The screen is read through X11 (mss), so Qt uses X11 too (``xcb``).
    Chromium (Qt WebEngine) refuses to run as root with its sandbox on. The web views
    are drawn with Qt Quick's software renderer (see below)."""
    for var in ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR"):
        value = os.environ.get(var, "")
        if "cv2" in value.replace("\\", "/").split("/"):
            del os.environ[var]
    if _linux() and os.environ.get("DISPLAY") and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "xcb"
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    if _linux():
        # Qt Quick's software scene graph for the web views: the pages are flat 2-D and
        # change twice a second; without a GPU (Mesa llvmpipe: VMs, remote desktops) the
        # OpenGL one costs 4x the CPU (benchmarks/overlay.py). QT_QUICK_BACKEND=opengl
        # (or rhi) overrides this.
        os.environ.setdefault("QT_QUICK_BACKEND", "software")
    if not native_logs_wanted():
        # Chromium's own log (a missing D-Bus, GPU probing) stays off the terminal unless
        # `classmood --verbose`: only fatal lines
        flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
        if "--log-level" not in flags:
            os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = (flags + " --log-level=3").strip()


def _quiet_qt() -> None:
    """Route Qt's own messages (Qt WebEngine's "Sandboxing disabled by user.", "Unable to
    detect GPU vendor", the Vulkan loader's, a profile released late at exit) to the
    ``classmood.overlay.qt`` logger at debug level instead of the terminal; kept as they
    are with ``classmood --verbose``."""
    if native_logs_wanted():
        return
    try:
        from PyQt6 import QtCore
    except ImportError:  # another GUI backend: nothing to route
        return
    qt_log = logging.getLogger("classmood.overlay.qt")

    def handler(kind, context, message) -> None:
        qt_log.debug("%s", message)

    QtCore.qInstallMessageHandler(handler)


def _has(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def linux_gui() -> str | None:
    """pywebview's GUI to use on Linux: ``qt`` when PyQt6/PySide6 with WebEngine and
    qtpy are installed, else ``gtk`` when PyGObject is, else None."""
    if _has("qtpy") and ((_has("PyQt6") and _has("PyQt6.QtWebEngineWidgets"))
                         or (_has("PySide6") and _has("PySide6.QtWebEngineWidgets"))):
        return "qt"
    if _has("gi"):
        return "gtk"
    return None


_PROBE = r"""
import sys
from qtpy import QtWebEngineWidgets  # noqa: F401  (must come before the QApplication)
from qtpy.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
print("ok", app.platformName(), flush=True)
"""


@lru_cache(maxsize=8)
def _probe_qt(display: str) -> str | None:
    """Start Qt (with WebEngine) in a child process: Qt aborts the whole process when
    it cannot open the display or misses a system library, so it is tried apart first.
    None when it works, else the reason."""
    try:
        proc = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True,
                              timeout=PROBE_TIMEOUT_S, env=dict(os.environ))
    except subprocess.TimeoutExpired:
        return f"Qt did not start within {PROBE_TIMEOUT_S:.0f} s"
    if proc.returncode == 0 and proc.stdout.startswith("ok"):
        return None
    lines = [ln.strip() for ln in proc.stderr.splitlines() if ln.strip()]
    hint = next((ln for ln in lines if "xcb" in ln and ("needed" in ln or "could not" in ln.lower())), None)
    hint = hint or (lines[-1] if lines else f"exit code {proc.returncode}")
    return f"Qt cannot open a window here ({hint[:200]})"


def overlay_unavailable() -> str | None:
    """Why the overlay cannot be shown here, in one line; None when it can."""
    try:
        import webview  # noqa: F401
    except ImportError:
        return "pywebview is not installed (pip install pywebview)"
    if _linux():
        display = os.environ.get("DISPLAY", "").strip()
        if not display:
            return "no X display (DISPLAY is not set)"
        gui = linux_gui()
        if gui is None:
            return ("no GUI backend for pywebview: install the overlay extra, "
                    "pip install 'classmood[overlay]' (PyQt6 and PyQt6-WebEngine)")
        if gui == "qt":
            prepare_environment()
            return _probe_qt(display)
    return None


NO_COMPOSITOR = ("no compositing window manager runs on this X display, so the transparent overlay would be "
                 "an opaque black window over the meeting (and ClassMood would read that instead of the class): "
                 "the badges are off and the panel shows the class; to see badges, turn the desktop's compositing "
                 "on or start a compositor (picom, xcompmgr)")
"""The one line said when :func:`compositor_missing` finds none."""


def compositor_missing(display: str | None = None) -> bool:
    """Whether an X11 display has no compositing manager (nobody owns the
    ``_NET_WM_CM_S<screen>`` selection, EWMH): transparent windows are drawn opaque there.
    False where it cannot be told (not X11, no python-xlib, the display does not open).
    ``display``: the X display name (default ``$DISPLAY``)."""
    if not _linux():
        return False
    name = (display if display is not None else os.environ.get("DISPLAY", "")).strip()
    if not name:
        return False
    try:
        from Xlib import X
        from Xlib import display as xdisplay

        d = xdisplay.Display(name)
    except Exception:
        return False
    try:
        atom = d.intern_atom(f"_NET_WM_CM_S{d.get_default_screen()}")
        return d.get_selection_owner(atom) in (X.NONE, None)
    except Exception:
        return False
    finally:
        d.close()


# --------------------------------------------------------------------------- geometry
def _monitors() -> list[Rect]:
    """The monitors' SCREEN rectangles (empty when they cannot be listed)."""
    try:
        from ..display import list_monitors

        return [r for _, r in list_monitors()]
    except Exception:
        return []


def screen_scale(monitors: Sequence[Rect], screens: Sequence[tuple[float, float]]) -> float | None:
    """Screen pixels per toolkit unit: the largest monitor's width in screen pixels (as
    captured: ``monitors``, SCREEN rectangles) over the largest screen's width in the GUI
    toolkit's units (``screens``: (width, height) each, pywebview's ``webview.screens``).
    GTK on a HiDPI monitor counts its logical pixels (2 for 200%); a DPI-aware Windows
    process counts screen pixels (1). None when either list is empty or the ratio is
    outside 0.5-4 (the two lists do not describe the same monitors)."""
    if not monitors or not screens:
        return None
    px = max(monitors, key=lambda m: m[2] * m[3])[2]
    units = max(screens, key=lambda s: s[0] * s[1])[0]
    if units <= 0:
        return None
    ratio = round(px / units, 2)
    return ratio if 0.5 <= ratio <= 4.0 else None


def _toolkit_scale(monitors: Sequence[Rect]) -> float | None:
    """:func:`screen_scale` from pywebview's screens (None when they cannot be listed)."""
    try:
        import webview

        return screen_scale(monitors, [(s.width, s.height) for s in webview.screens])
    except Exception:
        log.debug("the GUI toolkit's screens could not be listed", exc_info=True)
        return None


def default_panel_rect(region: Rect | None, size: tuple[int, int] = PANEL_SIZE,
                       monitors: list[Rect] | None = None, tiles: list[Rect] | None = None,
                       scale: float = 1.0) -> Rect:
    """Where the panel opens: where it hides no tile (:func:`~classmood.overlay.layout.place_panel`:
    beside the gallery when the screen has room, else a compact strip over the app's own
    margins); before the tiles are known the whole region counts as tiles. ``scale``:
    screen pixels per window unit (the sizes in screen pixels)."""
    return place_panel(region, tiles or [], _monitors() if monitors is None else monitors,
                       **_panel_sizes(scale, size))


def _panel_sizes(scale: float, full: tuple[int, int] = PANEL_FULL) -> dict[str, tuple[int, int]]:
    """The panel's three sizes in screen pixels (``place_panel``'s ``full``, ``compact``,
    ``tab``) at ``scale`` screen pixels per window unit."""
    return {k: (round(v[0] * scale), round(v[1] * scale))
            for k, v in (("full", full), ("compact", PANEL_COMPACT), ("tab", PANEL_TAB))}


def _load_panel(path: Path | None, monitors: list[Rect]) -> Rect | None:
    """The remembered panel rectangle, if it lies on a monitor there is now."""
    if path is None:
        return None
    try:
        r = tuple(int(v) for v in json.loads(path.read_text())["rect"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if len(r) != 4 or r[2] < 100 or r[3] < 40:
        return None
    if monitors and not any(m[0] <= r[0] and m[1] <= r[1] and r[0] + 100 <= m[0] + m[2] and r[1] + 40 <= m[1] + m[3]
                            for m in monitors):
        return None
    return r  # type: ignore[return-value]


# --------------------------------------------------------------------------- the overlay
class PanelApi:
    """What the panel page may call (pywebview js_api): flip a control flag, pick the
    gallery, read them. Nothing here reaches the analysis: a picked rectangle is handed
    to the agent's loop through :class:`~classmood.overlay.view_model.Controls`.

    Args:
        controls: the session's controls.
        picker: opens the region picker and returns the rectangle dragged, or None when
            cancelled; raises :class:`~classmood.errors.InputError` when it cannot open
            (default :func:`~classmood.overlay.picker.pick_region`, the one ``classmood
            run --pick`` opens).
    """

    def __init__(self, controls: Controls, picker: Callable[[], Rect | None] | None = None) -> None:
        self._controls = controls
        self._picker = picker

    def toggle(self, name: str) -> dict:
        """Flip the control ``name``; returns :meth:`status`."""
        self._controls.toggle(str(name))
        return self.status()

    def pick(self) -> dict:
        """Open the region picker (in a thread of its own: it returns at once) unless one
        is open or the session cannot watch another part of the screen (a webcam); the
        rectangle dragged goes to the agent's loop (:meth:`Controls.end_picking`).

        Returns:
            :meth:`status` (``picking`` true while the picker is open).
        """
        if self._controls.start_picking():
            threading.Thread(target=self._run_picker, name="classmood-picker", daemon=True).start()
        return self.status()

    def _run_picker(self) -> None:
        rect, message = None, ""
        try:
            if self._picker is None:
                from .picker import pick_region

                rect = pick_region()
            else:
                rect = self._picker()
            if rect is None:
                message = "No rectangle was picked (cancelled): the same part is watched."
        except ClassMoodError as exc:
            message = str(exc)
        except Exception as exc:  # never leave the panel saying "picking"
            log.warning("the region picker failed: %s", exc)
            message = f"The region picker failed: {exc}"
        finally:
            self._controls.end_picking(rect, message)

    def status(self) -> dict:
        """The controls' flags and the state word (``paused`` / ``analysing``)."""
        snap = self._controls.snapshot()
        snap["state"] = state_word(snap["paused"])
        return snap


class Overlay:
    """The agent's handle on the overlay and the panel.

    ``region``: the captured SCREEN rectangle (x, y, w, h) the overlay window covers
    (None: panel only, e.g. for a webcam). Use it as ``run_session(...,
    on_result=overlay.update, mask=overlay.mask_rects, stop=overlay.stop)`` and read
    ``overlay.controls`` (``paused``, ``hidden``, ``presence_only``) in the loop.

    Without windows (before :func:`run_with_overlay` attaches them, or in tests) it
    still computes everything; :attr:`payloads` holds the last JSON of each page.
    """

    def __init__(self, region: Rect | None, *, controls: Controls | None = None,
                 stop: threading.Event | None = None, history_s: float = HISTORY_S,
                 attention_after_s: float = ATTENTION_AFTER_S, panel_rect: Rect | None = None,
                 monitors: list[Rect] | None = None, panel_file: Path | None = None) -> None:
        self.region: Rect | None = None if region is None else tuple(int(v) for v in region)  # type: ignore[assignment]
        self.model = OverlayModel(controls, history_s=history_s, attention_after_s=attention_after_s)
        self.controls = self.model.controls
        self.stop = stop if stop is not None else threading.Event()
        self.monitors = _monitors() if monitors is None else list(monitors)
        self.panel_file = panel_file
        remembered = None if panel_rect else _load_panel(panel_file, self.monitors)
        # where the teacher put it last time, over the gallery: there once the first frame
        # was seen whole (what it covers is shown to the analysis as last seen: opened
        # there at once, the students under it were unseen from the start, "away")
        self._remembered = remembered if remembered and self.region and overlaps(remembered, self.region) else None
        if self._remembered:
            remembered = None
        # the panel stays where the caller or the teacher put it; else it moves to where it
        # hides no tile whenever the tiles change
        self.panel_pinned = bool(panel_rect or remembered)
        self.panel_rect: Rect = tuple(panel_rect or remembered or  # type: ignore
                                      default_panel_rect(self.region, monitors=self.monitors))
        self._panel_placed: Rect | None = None  # where we last put the window ourselves
        self._panel_settling = 0.0  # until then (monotonic s) the window's moves are ours
        self._tiles_key: tuple | None = None
        self.backend: str | None = None
        self.click_through = False
        self.excluded_from_capture = False
        self.scale = 1.0  # screen pixels per window unit (HiDPI)
        self.badges = self.region is not None
        """Whether the overlay window (badges, indicator) is shown over the region: not on
        an X display with no compositor (:data:`NO_COMPOSITOR`), where only the panel is."""
        self.payloads: dict[str, dict] = {"overlay": self.model.overlay_payload(), "panel": self.model.panel_payload()}
        self.pushed = {"overlay": 0, "panel": 0}
        self._windows: dict[str, Any] = {}
        self._cond = threading.Condition()
        self._pending: dict[str, str] = {}
        self._ops: list[Callable[[], None]] = []
        self._closed = False
        self._pump_thread: threading.Thread | None = None
        self.controls.subscribe(self._on_controls)

    # -- the agent's side ---------------------------------------------------------------
    def update(self, frame, result, notes: Sequence[str] | None = None) -> None:
        """Show ``result`` (of ``frame``): the agent's ``on_result``. Never blocks on
        the GUI. The overlay window follows the frame's rectangle on the screen (the
        watched window moved, the source switched to another window or a picked part).

        Args:
            frame: the analysed frame (its ``origin`` and size place the overlay).
            result: what was read in it.
            notes: what limits the reading now, in plain words, for the panel (None:
                as before; ``[]``: none any more).
        """
        if notes is not None:
            self.model.set_notes(notes)
        h, w = frame.image.shape[:2]
        ox, oy = (int(v) for v in frame.origin)
        if self.region is not None and (ox, oy, w, h) != self.region:
            self.region = (ox, oy, w, h)  # the meeting window moved or was resized: follow it
            self._schedule(self._fit_overlay)
        self.model.update(result, (ox, oy), (w, h), covered=getattr(frame, "covered", ()))
        if self._remembered is not None:  # the first frame was seen whole: the teacher's place
            self.panel_rect = self._panel_placed = self._remembered
            self.panel_pinned, self._remembered = True, None
            self._schedule(self._fit_panel)
        self._place_panel(result, (ox, oy))
        self._refresh()

    def _place_panel(self, result, origin: tuple[int, int]) -> None:
        """Move the panel to where it hides no tile, when the tiles changed (unless the
        teacher or the caller placed it)."""
        if self.panel_pinned or self.region is None:
            return
        boxes = [t.tile.bbox for t in result.gallery.tiles] + [p.bbox for p in result.participants if p.bbox]
        tiles = sorted({(int(b[0]) + origin[0], int(b[1]) + origin[1], int(b[2]), int(b[3])) for b in boxes})
        faces = [(f[0] + origin[0], f[1] + origin[1], f[2], f[3])
                 for f in (p.face_bbox for p in result.participants) if f is not None]
        key = (self.region, tuple(tiles), self.scale)  # a scale learnt later resizes it
        # placed again when the tiles change, or when a face itself came under a strip that
        # had to cover tiles (a gallery edge to edge over the screen); placed with the
        # faces' clearance, it does not move for a student who only nears it
        if key == self._tiles_key and not (self.panel_rect and any(overlaps(self.panel_rect, f) for f in faces)):
            return
        self._tiles_key = key
        # the panel's sizes are in window units: screen pixels x scale
        rect = place_panel(self.region, tiles, self.monitors, **_panel_sizes(self.scale or 1.0), faces=faces,
                           avoid=self.model.mask_rects())
        if rect != self.panel_rect:
            self.panel_rect = self._panel_placed = rect
            self._schedule(self._fit_panel)

    def _fit_panel(self) -> None:
        w = self._windows.get("panel")
        if w is None:
            return
        self._panel_placed = self.panel_rect
        self._placing()
        x, y, pw, ph = self._to_window_units(self.panel_rect)
        w.resize(pw, ph)
        w.move(x, y)

    def mask_rects(self) -> list[Rect]:
        """SCREEN rectangles that our windows cover on the captured region now (badges,
        the indicator, the panel where it overlaps): blank them before analysis."""
        if self.region is None:  # no overlay window (a webcam): nothing of ours is captured
            return []
        rects = self.model.mask_rects() if self.badges else []
        if overlaps(self.panel_rect, self.region):
            rects.append(self.panel_rect)
        return rects

    def clipped_badges(self) -> list[str] | None:
        """Ids of the participants whose badge text does not fit its box on screen (the
        page would cut it with an ellipsis); None without an overlay page. Asks the page
        (waits for it): call it from the agent's thread, never the GUI thread."""
        w = self._windows.get("overlay")
        if w is None:
            return None
        try:
            return list(w.evaluate_js("window.classmood.clipped()") or [])
        except Exception:  # the window is closing
            log.debug("asking the overlay page failed", exc_info=True)
            return None

    @property
    def paused(self) -> bool:
        """Analysis is paused (the panel's P)."""
        return self.controls.paused

    @property
    def hidden(self) -> bool:
        """The overlay is hidden (the panel's H)."""
        return self.controls.hidden

    @property
    def presence_only(self) -> bool:
        """Presence only, no expressions (the panel's E)."""
        return self.controls.presence_only

    # -- pushing to the pages -------------------------------------------------------------
    def _refresh(self) -> None:
        origin = None if self.region is None else self.region[:2]
        payloads = {"overlay": self.model.overlay_payload(origin), "panel": self.model.panel_payload()}
        with self._cond:
            self.payloads = payloads
            for key, data in payloads.items():
                self._pending[key] = ("window.classmood && window.classmood.update("
                                      + json.dumps(data, ensure_ascii=True, separators=(",", ":")) + ");")
            self._cond.notify_all()

    def _schedule(self, op: Callable[[], None]) -> None:
        with self._cond:
            self._ops.append(op)
            self._cond.notify_all()

    def _on_controls(self, snapshot: dict) -> None:
        if snapshot["paused"]:
            self.model.clear_badges()
        if "overlay" in self._windows:
            self._schedule(self._show_or_hide)
        self._refresh()

    def _show_or_hide(self) -> None:
        w = self._windows.get("overlay")
        if w is None:
            return
        if self.controls.hidden:
            w.hide()
        else:
            w.show()

    def _fit_overlay(self) -> None:
        w = self._windows.get("overlay")
        if w is None or self.region is None:
            return
        x, y, rw, rh = self._to_window_units(self.region)
        w.move(x, y)
        w.resize(rw, rh)

    def _to_window_units(self, r: Rect) -> Rect:
        s = self.scale or 1.0
        return (round(r[0] / s), round(r[1] / s), max(1, round(r[2] / s)), max(1, round(r[3] / s)))

    def _pump(self) -> None:
        """Push the newest payload to each page, and run window operations, off the
        agent's thread (evaluate_js waits for the page)."""
        for w in self._windows.values():
            w.events.loaded.wait(60)
        while True:
            with self._cond:
                while not (self._pending or self._ops or self._closed):
                    self._cond.wait()
                if self._closed:
                    return
                ops, self._ops = self._ops, []
                pending, self._pending = self._pending, {}
            for op in ops:
                try:
                    op()
                except Exception:  # a window being closed: nothing to do
                    log.debug("overlay window operation failed", exc_info=True)
            for key, script in pending.items():
                w = self._windows.get(key)
                if w is None:
                    continue
                try:
                    w.run_js(script)
                    self.pushed[key] += 1
                except Exception:
                    log.debug("pushing to the %s page failed", key, exc_info=True)

    # -- windows ----------------------------------------------------------------------------
    def _create_windows(self, webview, title: str = "ClassMood") -> None:
        """Create the pywebview windows (before ``webview.start``). On an X display with
        no compositor the overlay window is not made (it would be opaque: one warning,
        :data:`NO_COMPOSITOR`); the panel is."""
        if self.region is not None and compositor_missing():
            log.warning(NO_COMPOSITOR)
            self.badges = False
        if self.region is not None and self.badges:
            x, y, w, h = self.region
            ov = webview.create_window(
                f"{title} overlay", html=page_html("overlay"), x=x, y=y, width=w, height=h,
                frameless=True, easy_drag=False, on_top=True, transparent=True, focus=False,
                resizable=True, min_size=(1, 1), background_color="#000000", hidden=self.controls.hidden)
            ov.events.before_show += self._before_show_overlay
            self._windows["overlay"] = ov
        px, py, pw, ph = self.panel_rect
        self._panel_placed = self.panel_rect
        self._placing()
        panel = webview.create_window(
            title, html=page_html("panel"), js_api=PanelApi(self.controls), x=px, y=py, width=pw, height=ph,
            on_top=True, resizable=True, min_size=(32, 24), background_color="#151a21")
        panel.events.before_show += self._before_show_panel
        panel.events.moved += self._panel_moved
        panel.events.resized += self._panel_resized
        panel.events.closed += self._panel_closed
        self._windows["panel"] = panel

    def _before_show_overlay(self, window) -> None:
        # the GUI thread, native window made, not shown yet
        self.backend = backend_of(window)
        if self.backend == "qt":
            from .clickthrough.qt import device_pixel_ratio

            self.scale = device_pixel_ratio(window.native)
            if self.scale != 1.0 and self.region is not None:
                x, y, w, h = self._to_window_units(self.region)
                window.native.setGeometry(x, y, w, h)
        elif self.backend == "cocoa":
            try:
                self.scale = float(window.native.backingScaleFactor())
            except Exception:
                pass
        else:  # GTK counts logical pixels on a HiDPI monitor; Windows (DPI-aware) screen pixels
            self.scale = _toolkit_scale(self.monitors) or 1.0
            if self.scale != 1.0:  # placed again in the toolkit's units once shown
                self._schedule(self._fit_overlay)
        self.click_through = make_click_through(window)
        self.excluded_from_capture = exclude_from_capture(window)
        if not self.click_through:
            log.warning("the overlay could not be made click-through on this platform")

    def _before_show_panel(self, window) -> None:
        # positions and sizes in the toolkit's units: on a HiDPI screen (Qt's scale factor 2)
        # screen pixels are twice the window units (the panel opened off a 3840-px screen)
        backend = backend_of(window)
        if backend == "qt":
            from .clickthrough.qt import device_pixel_ratio

            self.scale = device_pixel_ratio(window.native)
            if self.scale != 1.0:
                if not self.panel_pinned and self._tiles_key is None:
                    # its first place, sized in window units at this scale (sized at scale 1,
                    # the strip was clamped to the window's minimum height, 8 px off a screen)
                    self.panel_rect = self._panel_placed = default_panel_rect(
                        self.region, monitors=self.monitors, scale=self.scale)
                window.native.setGeometry(*self._to_window_units(self.panel_rect))
        elif backend != "cocoa":
            self.scale = _toolkit_scale(self.monitors) or self.scale or 1.0
            if self.scale != 1.0:  # placed again in the toolkit's units once shown
                self._schedule(self._fit_panel)
        self._placing()  # shown from now: its first moves are the toolkit's
        exclude_from_capture(window)

    def _ours(self, rect: Rect) -> bool:
        """``rect`` (SCREEN) is where we put the panel (within the window units' rounding),
        or the window is still settling after we placed it (the toolkit's own moves and
        clamps to its minimum size are not the teacher's)."""
        if time.monotonic() < self._panel_settling:
            return True
        p, tol = self._panel_placed, 2 * (self.scale or 1.0) + 1
        return p is not None and all(abs(a - b) <= tol for a, b in zip(rect, p))

    def _placing(self) -> None:
        """We are about to move or resize the panel: what the window reports for a moment
        is ours."""
        self._panel_settling = time.monotonic() + PANEL_SETTLE_S

    def _panel_moved(self, x, y) -> None:
        s = self.scale or 1.0
        rect = (round(x * s), round(y * s), self.panel_rect[2], self.panel_rect[3])
        if not self._ours(rect[:2] + (self._panel_placed or rect)[2:]):
            self._pin_panel(rect)
        self.panel_rect = rect

    def _panel_resized(self, width, height) -> None:
        s = self.scale or 1.0
        rect = (self.panel_rect[0], self.panel_rect[1], round(width * s), round(height * s))
        if not self._ours((self._panel_placed or rect)[:2] + rect[2:]):
            self._pin_panel(rect)
        self.panel_rect = rect

    def _pin_panel(self, rect: Rect) -> None:
        """The teacher moved or resized the panel: it stays there, this time and next."""
        self.panel_pinned = True
        if self.panel_file is not None:
            try:
                self.panel_file.parent.mkdir(parents=True, exist_ok=True)
                self.panel_file.write_text(json.dumps({"rect": list(rect)}))
            except OSError:
                log.debug("could not remember the panel's place in %s", self.panel_file, exc_info=True)

    def _panel_closed(self) -> None:
        self.stop.set()  # closing the panel ends the session
        self._schedule(self._destroy_overlay)

    def _destroy_overlay(self) -> None:
        w = self._windows.pop("overlay", None)
        if w is not None:
            w.destroy()

    def _start_pump(self) -> None:
        self._pump_thread = threading.Thread(target=self._pump, name="classmood-overlay-pump", daemon=True)
        self._pump_thread.start()

    def close(self) -> None:
        """Close both windows (from any thread); the GUI loop then ends."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        for key in ("overlay", "panel"):
            w = self._windows.pop(key, None)
            if w is not None:
                try:
                    w.destroy()
                except Exception:
                    log.debug("closing the %s window failed", key, exc_info=True)


def run_with_overlay(region_rect: Rect | None, work: Callable[[Overlay], Any], *,
                     controls: Controls | None = None, stop: threading.Event | None = None,
                     title: str = "ClassMood", panel_rect: Rect | None = None,
                     history_s: float = HISTORY_S, attention_after_s: float = ATTENTION_AFTER_S,
                     panel_file: Path | None = None) -> Any:
    """Show the overlay over ``region_rect`` (SCREEN x, y, w, h; None: the panel only)
    and the panel, and run ``work(overlay)`` in a background thread while the GUI loop
    owns the main thread. Returns what ``work`` returned (re-raises what it raised).

    The windows close when ``work`` returns; closing the panel, Ctrl+C or the GUI
    ending otherwise sets ``overlay.stop`` (``stop`` if given) and waits for ``work``
    to return. ``panel_file``: where the panel's place is remembered once the teacher
    moves it (None: not remembered). Raises :class:`OverlayUnavailable` (before running
    anything) when no window can be shown here."""
    reason = overlay_unavailable()
    if reason is not None:
        raise OverlayUnavailable(reason)
    prepare_environment()
    import webview

    if _linux() and linux_gui() == "qt":
        _quiet_qt()

    overlay = Overlay(region_rect, controls=controls, stop=stop, panel_rect=panel_rect,
                      history_s=history_s, attention_after_s=attention_after_s,
                      panel_file=None if panel_rect else panel_file)
    overlay._create_windows(webview, title)
    outcome: dict[str, Any] = {}

    def run_work() -> None:
        try:
            outcome["value"] = work(overlay)
        except BaseException as exc:  # re-raised on the main thread
            outcome["error"] = exc
        finally:
            overlay.stop.set()
            overlay.close()

    worker = threading.Thread(target=run_work, name="classmood-agent", daemon=True)
    gui = linux_gui() if _linux() else None
    gate = threading.Lock()
    gui_done = []

    def started() -> None:  # pywebview's thread, as the GUI loop starts
        with gate:
            if gui_done:  # the GUI is already gone: do not start the work
                return
            overlay._start_pump()
            worker.start()

    try:
        webview.start(started, gui=gui, private_mode=True, debug=False)
    finally:
        overlay.stop.set()  # the GUI is gone (windows closed, Ctrl+C): the work ends at its next frame
        with gate:
            gui_done.append(True)
        if worker.ident is not None:
            worker.join()
        overlay.close()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")
