"""How Zoom, Google Meet and Microsoft Teams look: flat UI colours and tile geometry
per app and theme (measured on real screenshots where we have them)."""

from __future__ import annotations

from dataclasses import dataclass

from .truth import Color

STYLES = ("zoom", "meet", "teams")
THEMES = ("dark", "light")


@dataclass(frozen=True)
class Look:
    """Geometry and colours of one app in one theme. Lengths are at 1080p scale."""

    bg: Color  # meeting-area background: gaps and margins
    card: Color  # tile colour: camera-off cards and letterbox bars
    card_text: Color  # big name on camera-off cards
    speaker: Color  # active-speaker border
    chrome: Color  # title/tool bars
    chrome_text: Color
    gap: float  # px between tiles
    radius: float  # tile corner radius
    speaker_px: float
    label_box: bool  # a dark box behind the name (Zoom, Teams) or text on the video (Meet)
    avatar: str  # "square_or_name" (Zoom), "circle" (Meet: one letter), "circle2" (Teams)
    photo_shape: str  # "square" or "circle"


LOOKS: dict[tuple[str, str], Look] = {
    # Zoom: measured on real Zoom screenshots: bg 26, cards/bars 34-35, 6-7 px gaps
    # at 1080p, a yellow-green speaker border ~3 px drawn over the tile edge.
    ("zoom", "dark"): Look(
        bg=(26, 26, 26), card=(35, 35, 35), card_text=(255, 255, 255),
        speaker=(117, 227, 211), chrome=(26, 26, 26), chrome_text=(220, 220, 220),
        gap=6, radius=0, speaker_px=3, label_box=True, avatar="square_or_name",
        photo_shape="square"),
    ("zoom", "light"): Look(
        bg=(242, 242, 242), card=(226, 226, 226), card_text=(40, 40, 40),
        speaker=(60, 200, 120), chrome=(250, 250, 250), chrome_text=(50, 50, 50),
        gap=6, radius=0, speaker_px=3, label_box=True, avatar="square_or_name",
        photo_shape="square"),
    # Google Meet: #202124 background, #3c4043 cards, wide gaps, rounded tiles.
    ("meet", "dark"): Look(
        bg=(36, 33, 32), card=(67, 64, 60), card_text=(255, 255, 255),
        speaker=(248, 180, 138), chrome=(36, 33, 32), chrome_text=(232, 234, 237),
        gap=10, radius=10, speaker_px=3, label_box=False, avatar="circle",
        photo_shape="circle"),
    ("meet", "light"): Look(
        bg=(244, 243, 241), card=(224, 220, 218), card_text=(33, 32, 32),
        speaker=(232, 115, 26), chrome=(255, 255, 255), chrome_text=(64, 60, 60),
        gap=10, radius=10, speaker_px=3, label_box=False, avatar="circle",
        photo_shape="circle"),
    # Microsoft Teams: #1f1f1f stage with #292929 tiles (dark), #f5f5f5 (light).
    ("teams", "dark"): Look(
        bg=(31, 31, 31), card=(41, 41, 41), card_text=(255, 255, 255),
        speaker=(245, 133, 127), chrome=(41, 41, 41), chrome_text=(230, 230, 230),
        gap=6, radius=5, speaker_px=2, label_box=True, avatar="circle2",
        photo_shape="circle"),
    ("teams", "light"): Look(
        bg=(245, 245, 245), card=(232, 232, 232), card_text=(36, 36, 36),
        speaker=(167, 100, 98), chrome=(255, 255, 255), chrome_text=(36, 36, 36),
        gap=6, radius=5, speaker_px=2, label_box=True, avatar="circle2",
        photo_shape="circle"),
}


def look_of(style: str, theme: str) -> Look:
    """The :class:`Look` of one app in one theme.

    Args:
        style: one of :data:`STYLES` (``"zoom"``, ``"meet"``, ``"teams"``).
        theme: one of :data:`THEMES` (``"dark"``, ``"light"``).

    Raises:
        ValueError: an unknown style or theme.
    """
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}, got {style!r}")
    if theme not in THEMES:
        raise ValueError(f"theme must be one of {THEMES}, got {theme!r}")
    return LOOKS[(style, theme)]


def style_colors(style: str, theme: str = "dark") -> dict[str, Color]:
    """The flat colours of a style: ``bg`` (gaps), ``card`` (camera-off cards and
    letterbox bars) and ``speaker`` (active-speaker border), BGR.

    Raises:
        ValueError: an unknown style or theme.
    """
    app = look_of(style, theme)
    return {"bg": app.bg, "card": app.card, "speaker": app.speaker}


# Saturated avatar colours (Zoom initials squares, Meet circles) and Teams pastels.
AVATAR_COLORS: tuple[Color, ...] = (
    (86, 27, 201), (183, 110, 14), (56, 142, 60), (0, 120, 230), (160, 52, 142),
    (145, 110, 0), (48, 48, 200), (120, 90, 40), (60, 130, 200), (180, 60, 100),
)
TEAMS_PASTELS: tuple[tuple[Color, Color], ...] = (  # (circle, initials)
    ((222, 204, 240), (120, 60, 150)), ((200, 228, 205), (50, 110, 60)),
    ((240, 220, 196), (140, 90, 30)), ((196, 214, 244), (40, 80, 160)),
    ((230, 206, 222), (120, 50, 110)), ((200, 232, 240), (40, 110, 130)),
)
