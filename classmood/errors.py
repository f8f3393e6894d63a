"""Errors a user can cause. Each carries one clear line: what, where, what to do."""


class ClassMoodError(Exception):
    """A problem with the user's input or environment, reported as one line, no traceback."""


class InputError(ClassMoodError):
    """An input file or frame that cannot be used."""


class ModelError(ClassMoodError):
    """A model file that is missing, corrupt or of the wrong shape."""
