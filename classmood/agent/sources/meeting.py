"""Which meeting app a window belongs to, by what identifies it in any language: its
window class and its process (Zoom, Microsoft Teams, Webex), or, for a browser window,
the markers its tab's title carries whatever the page's language (Google Meet's meeting
code, "Jitsi Meet", "BigBlueButton", "Microsoft Teams").

A window's title is the last thing to trust: Zoom titles its meeting window "Zoom
Meeting", "Zoom 회의", "Reunión de Zoom" or "Zoom-Meeting" depending on its language, and
Teams and Webex title theirs by the meeting's name. Pure functions over
:class:`~classmood.agent.sources.windows.WindowInfo`: no desktop needed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .windows import WindowInfo


@dataclass(frozen=True)
class MeetingApp:
    """How one meeting app's windows identify themselves.

    Attributes:
        name: the app for the user (``"Zoom"``).
        classes: window classes, lower case (X11 ``WM_CLASS``, the Windows window class,
            the macOS owning application's name).
        processes: executable names, lower case, without ``.exe``.
        title: for an app that runs in a browser tab: a pattern the tab's title matches
            (the browser puts the page's title in its window's title); None for a
            desktop app.
    """

    name: str
    classes: frozenset[str] = frozenset()
    processes: frozenset[str] = frozenset()
    title: re.Pattern | None = None


DESKTOP_APPS: tuple[MeetingApp, ...] = (
    MeetingApp("Zoom", frozenset({"zoom", "zoom.real", "zoom.us", "zpcontentviewwndclass",
                                  "confmultitabcontentwndclass", "zoom workplace"}),
               frozenset({"zoom", "zoom.real", "zoom.us", "zoomwebview"})),
    MeetingApp("Microsoft Teams", frozenset({"teams", "ms-teams", "microsoft teams", "microsoft teams - preview",
                                             "teams-for-linux", "msteams", "teams2"}),
               frozenset({"teams", "ms-teams", "msteams", "teams-for-linux", "microsoft teams"})),
    MeetingApp("Webex", frozenset({"webex", "ciscocollabhost", "cisco webex meetings", "webexmta", "atmgr",
                                   "ciscowebexstart"}),
               frozenset({"webex", "ciscocollabhost", "webexmta", "atmgr", "ciscowebexstart",
                          "cisco webex meetings"})),
)
"""The meeting apps that run as desktop apps, recognised by window class or process."""

BROWSERS: frozenset[str] = frozenset({
    "google-chrome", "google-chrome-beta", "google-chrome-unstable", "chromium", "chromium-browser", "firefox",
    "firefox-esr", "navigator", "microsoft-edge", "microsoft-edge-beta", "msedge", "brave-browser", "brave",
    "vivaldi-stable", "vivaldi", "opera", "chrome", "chrome_widgetwin_1", "mozillawindowclass", "google chrome",
    "safari", "microsoft edge", "brave browser", "arc", "librewolf",
})
"""Browsers' window classes and process names, lower case (a meeting in a tab)."""

WEB_APPS: tuple[MeetingApp, ...] = (
    # "Meet - abc-defg-hij", "Meet: abc-defg-hij", "Google Meet": the meeting code is in
    # every language's title
    MeetingApp("Google Meet", title=re.compile(r"(^|\W)meet\s*[-:–—]\s*[a-z]{3}-[a-z]{4}-[a-z]{3}\b"
                                               r"|\bgoogle meet\b|\b[a-z]{3}-[a-z]{4}-[a-z]{3}\b", re.I)),
    MeetingApp("Jitsi Meet", title=re.compile(r"\bjitsi\b", re.I)),
    MeetingApp("BigBlueButton", title=re.compile(r"\bbig\s*blue\s*button\b", re.I)),
    MeetingApp("Microsoft Teams (web)", title=re.compile(r"\bmicrosoft teams\b|\|\s*teams\b", re.I)),
)
"""The meeting apps that run in a browser tab, recognised by their tab's title."""


def _names(value: str) -> set[str]:
    """A class or process as the lower-case names to look up (``"Zoom.exe"`` -> zoom.exe, zoom)."""
    v = value.strip().lower()
    out = {v}
    if v.endswith(".exe"):
        out.add(v[:-4])
    return out


def is_browser(window: WindowInfo) -> bool:
    """Whether ``window`` is a web browser's (by its class or process)."""
    return bool((_names(window.wm_class) | _names(window.process)) & BROWSERS)


def meeting_app(window: WindowInfo) -> str | None:
    """The meeting app ``window`` belongs to.

    Args:
        window: a desktop window (its class, process and, for a browser, title are read).

    Returns:
        The app's name (one of :data:`DESKTOP_APPS`' or :data:`WEB_APPS`' ``name``), or
        None when the window is no meeting app's.
    """
    names = _names(window.wm_class) | _names(window.process)
    for app in DESKTOP_APPS:
        if names & (app.classes | app.processes):
            return app.name
    if names & BROWSERS:
        for app in WEB_APPS:
            if app.title is not None and app.title.search(window.title or ""):
                return app.name
    return None


def window_name(window: WindowInfo) -> str:
    """A window as the teacher knows it, for ClassMood's lines.

    Args:
        window: the window.

    Returns:
        ``"the Zoom window 'Zoom 회의'"`` for a meeting app's window (its app's name, not
        its raw window class), else ``"the window eog 'a.jpg'"``.
    """
    app = meeting_app(window)
    if app:
        return f"the {app} window {window.title!r}" if window.title else f"the {app} window"
    return f"the window {window.label()}"
