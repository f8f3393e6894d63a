"""Every parameter a library error can name has a flag in the CLI (or is the positional
``paths``), so a teacher always learns what to change; and no library message names a flag."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from classmood.cli.errors import FLAGS

PACKAGE = Path(__file__).resolve().parents[1] / "classmood"
POSITIONAL = {"paths"}
LIBRARY = [p for p in PACKAGE.rglob("*.py") if "cli" not in p.relative_to(PACKAGE).parts]


def _error_calls():
    for path in LIBRARY:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")).endswith("Error"):
                yield path, node


def test_every_option_a_library_error_names_has_a_flag():
    options = {}
    for path, call in _error_calls():
        for kw in call.keywords:
            if kw.arg == "option" and isinstance(kw.value, ast.Constant) and kw.value.value is not None:
                options.setdefault(kw.value.value, f"{path.relative_to(PACKAGE)}:{call.lineno}")
    assert options, "no library error names its parameter: the scan found nothing"
    missing = {o: where for o, where in options.items() if o not in FLAGS and o not in POSITIONAL}
    assert not missing, f"parameters without a flag in classmood/cli/errors.py FLAGS: {missing}"


def test_no_library_error_message_names_a_flag():
    flag = re.compile(r"(?<![\w-])--[a-z][a-z-]+")
    found = []
    for path, call in _error_calls():
        for arg in call.args[:1]:
            text = "".join(part.value for part in ast.walk(arg) if isinstance(part, ast.Constant) and isinstance(part.value, str))
            if flag.search(text):
                found.append(f"{path.relative_to(PACKAGE)}:{call.lineno}: {text[:80]}")
    assert not found, "library errors must name the parameter (option=...), not the flag:\n" + "\n".join(found)
