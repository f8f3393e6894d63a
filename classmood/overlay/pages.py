"""The overlay's and the panel's pages, from the HTML/CSS/JS files in ``assets/``.

Each page is returned as ONE self-contained HTML string (its stylesheet and script
inlined), so that the windows load it with no server, no file URL and no network. The
stylesheets get the one palette (:data:`classmood.labels.COLOURS`) as CSS custom
properties (``--c-happy``, ``--c-away``, ``--c-camera-off``, ...), never a copy of it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from ..labels import COLOURS

PAGES = ("overlay", "panel")


def asset(name: str) -> str:
    """The text of ``assets/<name>``."""
    return resources.files(__package__).joinpath("assets", name).read_text(encoding="utf-8")


def palette_css() -> str:
    """The palette as a CSS rule: ``:root { --c-<label>: <colour>; ... }``, ``_`` in a
    label written ``-`` (``--c-camera-off``)."""
    props = " ".join(f"--c-{label.replace('_', '-')}: {colour};" for label, colour in COLOURS.items())
    return f":root {{ {props} }}\n"


@lru_cache(maxsize=None)
def page_html(page: str) -> str:
    """The page ``overlay`` or ``panel`` as one HTML document with nothing external."""
    if page not in PAGES:
        raise ValueError(f"unknown page {page!r}; one of {', '.join(PAGES)}")
    html = asset(f"{page}.html")

    def css(m: re.Match) -> str:
        return f"<style>\n{palette_css()}{asset(m.group(1))}</style>"

    def js(m: re.Match) -> str:
        code = asset(m.group(1)).replace("</script", "<\\/script")
        return f"<script>\n{code}</script>"

    html = re.sub(r'<link rel="stylesheet" href="([\w.-]+\.css)">', css, html)
    html = re.sub(r'<script src="([\w.-]+\.js)"></script>', js, html)
    if re.search(r'\b(?:src|href)="(?!#)[^"]+"', html):
        raise RuntimeError(f"{page}.html still refers to an external file")
    return html
