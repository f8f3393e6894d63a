"""Keep native libraries' own stderr chatter (MediaPipe/LiteRT INFO lines, libpng
errors, FFmpeg and camera-driver warnings) off the user's terminal, where we print one
clear line of our own instead.

File descriptor 2 belongs to the whole process, not to a thread, so the redirect is one
process-wide mechanism: the private :class:`_Fd2Capture` (one instance, ``_CAPTURE``,
guarded by one lock) counts the :func:`quiet_native_stderr` blocks open in every thread.
The first block to enter points fd 2 at one capture file; the last to leave points it
back at the real stderr and empties the file. Blocks may nest and overlap across threads
(the webcam's reader thread wraps every ``cap.read()`` while the main thread starts
MediaPipe or LiteRT); no block restores fd 2 while another still needs it, and no file is
created per block (the capture file is made once and reused).
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import threading
from typing import Iterator, NamedTuple


class _Token(NamedTuple):
    """One open block: where the capture file ended when it entered, and the
    generation of the redirect it joined (a fork starts a new one in the child)."""

    start: int
    generation: int


def _flush_python_stderr() -> None:
    """Push text Python has buffered for ``sys.stderr`` to wherever fd 2 points now."""
    stream = sys.stderr
    if stream is None:  # pythonw: no stderr at all
        return
    try:
        stream.flush()
    except (OSError, ValueError, AttributeError):  # closed, or not a real stream
        pass


def _write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd`` (ignoring a stderr that went away)."""
    view = memoryview(data)
    try:
        while view:
            n = os.write(fd, view)
            if n <= 0:
                return
            view = view[n:]
    except OSError:
        pass


class _Fd2Capture:
    """The process-wide redirect of file descriptor 2.

    fd 2 is one per process, so this state is too: the module holds exactly one instance
    (``_CAPTURE``) and every field below is read and written only under ``_lock``. The
    lock is held for the bookkeeping of entering and leaving, never while a block's body
    runs.

    Fields:
        _depth: how many blocks are open, in all threads together.
        _saved: while ``_depth > 0``, a duplicate of the real fd 2 (what it pointed at
            before the first block entered); None otherwise.
        _fd: the capture file's descriptor: created on first use, kept for the life of
            the process, emptied whenever ``_depth`` returns to 0. Opened for appending,
            so text always lands at its end whatever reads it.
        _emitted: the captured byte ranges ``[start, end)`` already written out for a
            failing block, sorted and disjoint (each captured byte is written out at
            most once).
        _generation: bumped in a forked child, whose copy of the parent's open blocks
            can never leave; their tokens are then stale and leaving them does nothing.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._saved: int | None = None
        self._fd: int | None = None
        self._emitted: list[tuple[int, int]] = []
        self._generation = 0

    def enter(self) -> _Token | None:
        """Open one block: the first one redirects fd 2 to the capture file.

        Returns the block's token, or None when there is nothing to quiet (no real fd 2,
        e.g. under pythonw, or no capture file could be made): the block then runs as if
        unquieted and must not be left.
        """
        _flush_python_stderr()  # what Python wrote before the block still reaches the terminal
        with self._lock:
            if self._depth == 0:
                try:
                    fd = self._capture_fd()
                    saved = os.dup(2)
                except OSError:
                    return None
                try:
                    os.dup2(fd, 2)
                except OSError:
                    os.close(saved)
                    return None
                self._saved = saved
                self._emitted = []
            self._depth += 1
            return _Token(self._size(), self._generation)

    def leave(self, token: _Token, failed: bool) -> None:
        """Close one block; if it ``failed``, write out what was captured while it was
        open (and not written out already) to the real stderr; the last block to leave
        points fd 2 back at the real stderr and empties the capture file."""
        _flush_python_stderr()  # Python's text from inside the block goes to the capture, in order
        with self._lock:
            if token.generation != self._generation or self._depth == 0:
                return  # opened before a fork, in a thread this process does not have
            saved = self._saved
            assert saved is not None and self._fd is not None
            if failed:
                self._write_out(saved, token.start, self._size())
            self._depth -= 1
            if self._depth == 0:
                self._restore()

    def after_fork_in_child(self) -> None:
        """In a forked child: start over with a fresh lock and the real stderr back.

        The blocks open in the parent's other threads never end here, so the child must
        not wait for them; a block the forking thread itself was in finds its token stale
        and leaves without touching fd 2. The capture file is the parent's (shared across
        the fork), so the child drops its copy and makes its own on first use.
        """
        self._lock = threading.Lock()
        if self._depth > 0 and self._saved is not None:
            try:
                os.dup2(self._saved, 2)
                os.close(self._saved)
            except OSError:
                pass
        if self._fd is not None:
            try:
                os.close(self._fd)
            except OSError:
                pass
        self._fd = None
        self._saved = None
        self._depth = 0
        self._emitted = []
        self._generation += 1

    # ---------------------------------------------------------------- under the lock
    def _capture_fd(self) -> int:
        """The capture file's descriptor (made on first use: an anonymous temporary file)."""
        if self._fd is None:
            with tempfile.TemporaryFile() as tmp:
                fd = os.dup(tmp.fileno())  # ours (not inherited); the file object's own one is closed
            try:
                import fcntl

                fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_APPEND)
            except (ImportError, OSError):  # pragma: no cover - Windows
                pass
            self._fd = fd
        return self._fd

    def _size(self) -> int:
        assert self._fd is not None
        return os.fstat(self._fd).st_size

    def _write_out(self, fd: int, start: int, end: int) -> None:
        """Write captured bytes [start, end) to ``fd``, less those already written out."""
        if end <= start:
            return
        pos = start
        for a, b in self._emitted:  # sorted and disjoint: write the gaps between them
            if b <= pos:
                continue
            if a >= end:
                break
            if a > pos:
                _write_all(fd, self._read(pos, a))
            pos = b
        if end > pos:
            _write_all(fd, self._read(pos, end))
        # remember [start, end) as written, merged with the ranges it touches
        lo, hi, merged = start, end, []
        for a, b in self._emitted:
            if b < lo or a > hi:
                merged.append((a, b))
            else:
                lo, hi = min(lo, a), max(hi, b)
        merged.append((lo, hi))
        self._emitted = sorted(merged)

    def _read(self, start: int, end: int) -> bytes:
        """Captured bytes [start, end), without moving the shared file offset (POSIX)."""
        assert self._fd is not None
        fd, chunks, pos = self._fd, [], start
        pread = getattr(os, "pread", None)
        if pread is None:  # pragma: no cover - Windows: seek, read, seek back
            here = os.lseek(fd, 0, os.SEEK_CUR)
            os.lseek(fd, start, os.SEEK_SET)
            try:
                while pos < end:
                    chunk = os.read(fd, end - pos)
                    if not chunk:
                        break
                    chunks.append(chunk)
                    pos += len(chunk)
            finally:
                os.lseek(fd, here, os.SEEK_SET)
            return b"".join(chunks)
        while pos < end:
            chunk = pread(fd, end - pos, pos)
            if not chunk:
                break
            chunks.append(chunk)
            pos += len(chunk)
        return b"".join(chunks)

    def _restore(self) -> None:
        """Point fd 2 back at the real stderr and empty the capture file."""
        saved, self._saved = self._saved, None
        assert saved is not None and self._fd is not None
        try:
            os.dup2(saved, 2)
        finally:
            os.close(saved)
            try:
                os.ftruncate(self._fd, 0)
                os.lseek(self._fd, 0, os.SEEK_SET)
            except OSError:  # pragma: no cover - the file is ours; this does not happen
                pass
            self._emitted = []


NATIVE_LOGS_ENV = "CLASSMOOD_NATIVE_LOGS"
"""Set to ``1`` (``classmood --verbose`` does) to let native libraries' own log lines
through: :func:`quiet_native_stderr` then holds nothing back, and FFmpeg keeps its log
(see :mod:`classmood.io`). For debugging."""



def native_logs_wanted() -> bool:
    """Whether native libraries' own log lines should reach the terminal (``classmood
    --verbose``: :data:`NATIVE_LOGS_ENV` is ``1``)."""
    return os.environ.get(NATIVE_LOGS_ENV) == "1"


_CAPTURE = _Fd2Capture()
"""The one redirect of fd 2 in this process (see :class:`_Fd2Capture`)."""

if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_CAPTURE.after_fork_in_child)


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Hold back what is written to file descriptor 2 while the block runs (the dozen
    INFO lines MediaPipe/LiteRT print as they start and stop, a decoder's warnings: text
    the user cannot act on).

    - Blocks nest and may run in several threads at once: fd 2 stays redirected from the
      moment the first open block entered until the last one leaves, then points at the
      real stderr again (see :class:`_Fd2Capture`).
    - Everything written to fd 2 meanwhile is held back, whichever thread wrote it:
      fd 2 is process-wide, so a block in one thread also quiets native text from the
      others while it is open.
    - Python-level writes to ``sys.stderr`` go to fd 2 as well, so they are held back
      the same way while any block is open (``sys.stderr`` is flushed as a block enters,
      so text written before it still reaches the terminal, and as it leaves, so its own
      text is captured in order). Exceptions are unaffected: they propagate out of the
      block and are reported after it.
    - If the block raises, what was captured while it was open (from its entry to its
      exit, including text other threads wrote in that window, since fd-level writes
      cannot be told apart) is written to the real stderr after all, before the
      exception propagates; text already written out for another failing block is not
      written twice. Text captured while only successful blocks were open is dropped.
    - No real stderr (e.g. pythonw) or no temporary file: the block runs unquieted; so
      does every block while ``CLASSMOOD_NATIVE_LOGS=1`` (:data:`NATIVE_LOGS_ENV`).
    """
    token = None if native_logs_wanted() else _CAPTURE.enter()
    if token is None:
        yield
        return
    failed = True
    try:
        yield
        failed = False
    finally:
        _CAPTURE.leave(token, failed)
