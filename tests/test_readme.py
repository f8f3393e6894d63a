"""The README's Python examples run as written, on small real inputs (a newcomer's copy of
the first one read a recording with ``still_photos=True``, the live-capture default, and so
took still students in a recording for profile photos): each ```python block of README.md
is run with its placeholder file names swapped for files of the shared data, and its
pipeline must be configured as ``classmood analyze`` configures one for that input."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from .conftest import ROOT, data_path

PLACEHOLDERS = {
    "class.mp4": ("videos", "fer_test.mp4"),     # a recording
    "shot1.png": ("galleries", "zoom1.png"),     # screenshots
    "shot2.png": ("galleries", "zoom2.png"),
}
"""The file names the README's examples use -> the shared-data file each stands for."""

VIDEO = re.compile(r"\.(mp4|avi|mkv|mov|webm)$")


def readme_blocks() -> list[str]:
    """The README's ```python blocks, in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


def test_the_readme_has_python_examples_using_only_known_placeholders():
    blocks = readme_blocks()
    assert len(blocks) >= 2  # a recording and screenshots
    for code in blocks:
        names = re.findall(r"""["']([^"']+\.(?:mp4|avi|mkv|mov|webm|png|jpg|jpeg))["']""", code)
        assert names and set(names) <= set(PLACEHOLDERS), names  # each stands for a real file here


@pytest.mark.parametrize("k", range(len(readme_blocks())))
def test_the_readme_python_example_runs(k):
    code = readme_blocks()[k]
    inputs = []
    for name, parts in PLACEHOLDERS.items():
        if f'"{name}"' in code:
            real = data_path(*parts)  # skips cleanly without the shared data
            code = code.replace(f'"{name}"', repr(str(real)))
            inputs.append(name)
    namespace: dict = {"__name__": f"readme_example_{k}"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, f"README.md python block {k + 1}", "exec"), namespace)  # noqa: S102
    assert out.getvalue().strip(), "the example printed nothing: no frame was analysed"
    pipe = namespace["pipe"]
    # as classmood analyze chooses (cli.session.Options.pipeline): no profile photo from
    # stillness in a recording, whose codec repeats a still student's tile exactly
    recording = any(VIDEO.search(n) for n in inputs)
    assert pipe.config.still_photos is (not recording), (inputs, pipe.config.still_photos)
