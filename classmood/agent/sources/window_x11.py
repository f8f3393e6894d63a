"""Visible windows whose title contains a text, on an X11 desktop (Linux, BSD), found
with xdotool."""

from __future__ import annotations

import re
import shutil
import subprocess

from ...display import Rect
from ...errors import InputError


def _ere_escape(text: str) -> str:
    """Escape a literal for a POSIX extended regex (what ``xdotool search --name`` takes)."""
    return re.sub(r"([.\[\]()*+?{}|^$\\])", r"\\\1", text)


def x11_windows(title: str) -> list[tuple[str, Rect]]:
    """The visible X11 windows whose title contains ``title`` (case-insensitive).

    Args:
        title: part of the window's title, taken literally.

    Returns:
        ``(full title, (x, y, w, h))`` for each window, in virtual-screen pixels; empty
        when none matches (or xdotool does not answer within 5 s).

    Raises:
        InputError: xdotool is not installed (``option="window"``).
    """
    exe = shutil.which("xdotool")
    if exe is None:
        raise InputError(
            "finding a window by its title needs xdotool on Linux; install it (sudo apt install "
            "xdotool), or capture a region X,Y,W,H or a monitor instead", option="window"
        )

    def run(*args: str) -> str:
        try:
            res = subprocess.run([exe, *args], capture_output=True, text=True, timeout=5,
                                 errors="replace")
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return res.stdout if res.returncode == 0 else ""

    found = []
    for wid in run("search", "--onlyvisible", "--name", _ere_escape(title)).split():
        if not wid.isdigit():
            continue
        geo = dict(line.split("=", 1) for line in run("getwindowgeometry", "--shell", wid).splitlines()
                   if "=" in line)
        try:
            rect = (int(geo["X"]), int(geo["Y"]), int(geo["WIDTH"]), int(geo["HEIGHT"]))
        except (KeyError, ValueError):
            continue
        found.append((run("getwindowname", wid).strip() or title, rect))
    return found
