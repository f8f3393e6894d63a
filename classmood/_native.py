"""Keep native libraries' own stderr chatter (MediaPipe/LiteRT INFO lines, libpng
errors) off the user's terminal, where we print one clear line of our own instead."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from typing import Iterator


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Hold back what native code writes to file descriptor 2 while MediaPipe/LiteRT
    start and stop (a dozen INFO lines the user cannot act on). Python-level errors are
    unaffected; if the block fails, the captured text is written out after all."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real stderr (e.g. pythonw): nothing to quiet
        yield
        return
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 2)
        failed = True
        try:
            yield
            failed = False
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            if failed:
                tmp.seek(0)
                sys.stderr.write(tmp.read().decode("utf-8", "replace"))
