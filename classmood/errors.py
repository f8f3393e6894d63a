"""Errors a user can cause. Each carries one clear line: what, where, what to do.

Library errors speak in the library's terms (a parameter, a file, a database); they never
name a command-line flag. Where a different value of one parameter would fix the problem,
the error names that parameter in ``option`` (e.g. ``"db"``, ``"region"``), and the CLI
adds which flag sets it (see ``classmood.cli``).
"""

from __future__ import annotations


class ClassMoodError(Exception):
    """A problem with the user's input or environment, reported as one line, no traceback.

    Args:
        message: what went wrong, where, and what to do, in one line.
        option: the name of the API parameter whose value is at fault (``"db"``,
            ``"region"``, ``"window"``, ...), or None. The CLI maps it to its flag.
    """

    def __init__(self, message: str = "", *, option: str | None = None) -> None:
        super().__init__(message)
        self.option = option


class InputError(ClassMoodError):
    """An input file, frame or setting that cannot be used."""


class ModelError(ClassMoodError):
    """A model file that is missing, corrupt or of the wrong shape."""
