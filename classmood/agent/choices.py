"""What the teacher chose, remembered in a small JSON file beside the session database
(``meeting.json``, next to the panel's ``panel.json``): the last list of windows (so that
``window=N`` means the window that was listed as N) and the last rectangle picked per
meeting app. Never a frame or a picture: window identities, titles and rectangles only.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..display import Rect
from .finder import Discovery

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
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
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
    data["listing"] = [
        {"number": n, "id": c.window.id, "title": c.window.title, "class": c.window.wm_class, "app": c.app}
        for n, c in enumerate(discovery.windows(), 1)
    ]
    _save(path, data)


def listed_window(path: Path, number: int) -> dict | None:
    """Window ``number`` of the last listing: ``{"number", "id", "title", "class", "app"}``,
    or None when there was no listing or it had no such number."""
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
        window: the app's window rectangle at that time: the region is remembered
            relative to it (and so follows the window), else as it is on the screen.
    """
    data = _load(path)
    entry: dict = {"region": list(region)}
    if window is not None:
        entry = {"part": [region[0] - window[0], region[1] - window[1], region[2], region[3]]}
    data.setdefault("picked", {})[app] = entry
    _save(path, data)


def recalled_region(path: Path, app: str) -> dict | None:
    """The rectangle last picked for ``app``: ``{"part": [dx, dy, w, h]}`` (relative to the
    app's window) or ``{"region": [x, y, w, h]}``; None when none was picked."""
    entry = (_load(path).get("picked") or {}).get(app)
    return entry if isinstance(entry, dict) else None
