"""The ``classmood`` command: a thin shell over the same objects the Python API uses.

Every error a user can cause is one line on stderr (what, where, what to do, and the
flag to change) and a non-zero exit; no tracebacks unless ``--debug``.

- :mod:`.app`: the parser and :func:`main` (the console script ``classmood``).
- One module per command, each registering its parser and its handler:
  :mod:`.analyze`, :mod:`.run`, :mod:`.sessions`, :mod:`.demo`, :mod:`.report`,
  :mod:`.evaluate`, :mod:`.train`.
- Shared by the commands: :mod:`.options` (options declared once, value checks),
  :mod:`.session` (the agent commands' options, pipeline, store and closing lines),
  :mod:`.text` (a frame as a table, a session's summary), :mod:`.errors` (exit statuses,
  the error line and the parameter -> flag table).
"""

from .app import main

__all__ = ["main"]
