"""What the teacher chose, remembered in a small JSON file beside the session database
(``meeting.json``, next to the panel's ``panel.json``): the last list of windows (so that
``window=N`` means the window that was listed as N) and the last rectangle picked per
meeting app. Never a frame or a picture, nor a window's title (a mail's subject, a
document's name): window identities, app names and rectangles only, readable by the
user alone (mode 0600).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..display import Rect, clip_rect, format_rect
from .finder import Discovery
from .sources.meeting import meeting_app
from .sources.windows import WindowInfo

FILE_NAME = "meeting.json"
"""The file's name, in the session database's folder."""


def choices_path(db: Path | None = None) -> Path:
    """Where the choices are kept: beside ``db`` (default: the user's session database,
    :func:`~classmood.agent.store.default_db_path`)."""
    from .store import default_db_path

    return Path(db if db is not None else default_db_path()).parent / FILE_NAME


def _load(path: Path) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save(path: Path, data: dict) -> None:
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(json.dumps(data, ensure_ascii=False, indent=1))
        tmp.replace(path)
    except OSError:
        pass  # a preference: losing it costs the teacher one more choice, never the class


def save_listing(path: Path, discovery: Discovery) -> None:
    """Remember the numbered windows of a listing (``window=N`` picks N from it).

    Args:
        path: the choices file (:func:`choices_path`).
        discovery: what was listed; its windows are numbered 1, 2, ... in its order.
    """
    data = _load(path)
    data["listing"] = [{"number": n, "id": c.window.id, "app": c.app} for n, c in enumerate(discovery.windows(), 1)]
    _save(path, data)


def listed_window(path: Path, number: int) -> dict | None:
    """Window ``number`` of the last listing: ``{"number", "id", "app"}``, or None when
    there was no listing or it had no such number."""
    for entry in _load(path).get("listing") or ():
        if isinstance(entry, dict) and entry.get("number") == number and isinstance(entry.get("id"), int):
            return entry
    return None


def remember_region(path: Path, app: str, region: Rect, window: Rect | None = None) -> None:
    """Remember the rectangle last picked for ``app``.

    Args:
        path: the choices file.
        app: the meeting app (``"Zoom"``), or ``"screen"`` when the rectangle is in no
            app's window.
        region: the picked ``(x, y, w, h)``, virtual-screen pixels.
        window: the app's window rectangle at that time: the region is remembered as
            fractions of it (and so follows the window when it moves or is resized at
            the next class), else as it is on the screen.
    """
    data = _load(path)
    entry: dict = {"region": list(region)}
    if window is not None:
        wx, wy, ww, wh = window
        entry = {"part": [round((region[0] - wx) / ww, 5), round((region[1] - wy) / wh, 5),
                          round(region[2] / ww, 5), round(region[3] / wh, 5)]}
    data.setdefault("picked", {})[app] = entry
    _save(path, data)


def recalled_region(path: Path, app: str) -> dict | None:
    """The rectangle last picked for ``app``: ``{"part": [fx, fy, fw, fh]}`` (fractions
    0..1 of the app's window) or ``{"region": [x, y, w, h]}``; None when none was picked
    (or what is kept is not one of these)."""
    entry = (_load(path).get("picked") or {}).get(app)
    if not isinstance(entry, dict):
        return None
    part = entry.get("part")
    if part is not None:
        ok = (isinstance(part, list) and len(part) == 4 and all(isinstance(v, (int, float)) for v in part)
              and 0 <= part[0] < 1 and 0 <= part[1] < 1 and 0 < part[2] <= 1 and 0 < part[3] <= 1)
        return {"part": [float(v) for v in part]} if ok else None  # pixels of an older build: forgotten
    return entry


def recalled_parts(path: Path) -> dict[str, tuple[float, float, float, float]]:
    """Per meeting app, the part of its window picked last.

    Args:
        path: the choices file (:func:`choices_path`).

    Returns:
        ``{app: (fx, fy, fw, fh)}``, fractions of the app's window as
        :func:`recalled_region` checks them; apps with none (or a rectangle of the screen
        only) are left out; empty when the file is missing or unreadable.
    """
    out = {}
    for app in _load(path).get("picked") or {}:
        entry = recalled_region(path, app) if isinstance(app, str) else None
        if entry is not None and entry.get("part") is not None:
            out[app] = tuple(entry["part"])
    return out


@dataclass(frozen=True)
class Pick:
    """A rectangle the teacher dragged over the gallery (``classmood run --pick``, or the
    panel's "Pick the gallery"), placed among the desktop's windows: what to watch and
    what to remember. One code path for both (:func:`place_pick`, :func:`remember_pick`).

    Attributes:
        region: the picked ``(x, y, w, h)``, virtual-screen pixels.
        app: the meeting app whose window holds the whole rectangle (``"Zoom"``), or None.
        window: that window (then the rectangle is watched as a part of it, and
            followed when it moves or is resized), or None.
    """

    region: Rect
    app: str | None = None
    window: WindowInfo | None = None

    @property
    def part(self) -> tuple[float, float, float, float] | None:
        """The rectangle as fractions ``(fx, fy, fw, fh)`` of :attr:`window`'s size; None
        without a window."""
        if self.window is None:
            return None
        wx, wy, ww, wh = self.window.rect
        x, y, w, h = self.region
        return (round((x - wx) / ww, 5), round((y - wy) / wh, 5), round(w / ww, 5), round(h / wh, 5))

    def watch_options(self) -> dict:
        """What a screen source watches for it: ``{"window_id", "window_part"}`` (a part of
        the meeting window, followed) or ``{"region"}`` (a fixed rectangle of the screen);
        keyword arguments of :func:`~classmood.agent.sources.open_source` and
        :meth:`~classmood.agent.sources.ScreenSource.watch`."""
        if self.window is not None:
            return {"window_id": self.window.id, "window_part": self.part}
        return {"region": self.region}

    def describe(self) -> str:
        """For the teacher: ``"the rectangle you picked in the Zoom window, 600x400 at
        100,80 on the screen (followed when it moves; remembered for Zoom)"`` (screen
        pixels, said so: they would read as the window's own)."""
        if self.window is not None:
            return (f"the rectangle you picked in the {self.app} window, {format_rect(self.region)} on the screen "
                    f"(followed when it moves; remembered for {self.app})")
        return f"the rectangle you picked, {format_rect(self.region)} on the screen"


def place_pick(region: Rect, windows: Sequence[WindowInfo]) -> Pick:
    """Where a picked rectangle lies: in a meeting app's window when the topmost visible
    window under its centre is one and holds it whole.

    Args:
        region: the picked ``(x, y, w, h)``, virtual-screen pixels.
        windows: the desktop's windows, bottom of the stacking order first
            (:func:`~classmood.agent.sources.list_windows`); empty when they cannot be
            listed (then the rectangle is a fixed one of the screen). This process's own
            windows (the overlay over the gallery, the panel) are left out.

    Returns:
        The :class:`Pick`.
    """
    region = tuple(int(v) for v in region)  # type: ignore[assignment]
    cx, cy = region[0] + region[2] / 2, region[1] + region[3] / 2
    me = os.getpid()
    for w in reversed(list(windows)):  # the topmost window under the rectangle's centre
        if w.pid == me:
            continue  # ours: the overlay over the gallery, the panel
        x, y, ww, hh = w.rect
        if w.visible and x <= cx < x + ww and y <= cy < y + hh:
            app = meeting_app(w)
            if app is not None and ww > 0 and hh > 0 and clip_rect(region, w.rect) == region:
                return Pick(region, app, w)
            break
    return Pick(region)


def remember_pick(path: Path, pick: Pick) -> None:
    """Remember ``pick`` for its app (``"screen"`` when in no app's window), as
    :func:`remember_region` does: the next ``classmood run`` that finds the app's
    window watches the same part of it.

    Args:
        path: the choices file (:func:`choices_path`).
        pick: what was picked (:func:`place_pick`).
    """
    remember_region(path, pick.app or "screen", pick.region, pick.window.rect if pick.window else None)
