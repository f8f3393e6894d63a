"""Keep the C allocator from handing large freed buffers back to the kernel between frames.

Every analysed frame makes and frees the same large temporaries: OpenCV's and NumPy's
full-frame masks, integral images and copies (1-8 MB each at 1080p). glibc's malloc
serves a block that large with ``mmap`` (above a threshold that it raises only as far as
the largest block freed so far) and gives the top of its heap back to the kernel once
more than twice that lies free; the next frame's buffer is then fresh memory that the
kernel zeroes and maps page by page, which costs more than the work done in it. Measured
on 2026-12-01 (AMD EPYC, one core, OpenCV 5.1): ``grid_fit.Evidence`` on a 1280 x 720
frame touched 3,800 new pages per call (13 ms, of which 1.1 ms is the filters and
integrals themselves). With both thresholds fixed here, one run after the other, three
times each (``benchmarks/allocator.py``, thread time, least of 7 calls): ``TileFinder.find_layout`` on
synthetic 1080p galleries of 9 / 25 / 49 tiles 22.0 / 22.6 / 27.1 -> 15.7 / 16.4 / 21.3 ms,
the real 1080p ``real_test.png`` 20.2 -> 14.4 ms, its JPEG q50 copy (the fitted grid)
38.6 -> 34.0 ms; peak memory of ``benchmarks/agent.py`` the same (750 MB) and the 2-hour
soak (tests/test_soak.py) still grows under 20 MB.

:func:`keep_freed_memory` fixes both thresholds for the process (``mallopt``), as the
``MALLOC_MMAP_THRESHOLD_`` and ``MALLOC_TRIM_THRESHOLD_`` environment variables would at
start-up: blocks under 32 MiB (glibc's ceiling for the mmap threshold on 64-bit) come
from the heap, and up to 128 MiB of free heap is kept for the next frame. It is called
by the command line (the agent's process) and the benchmarks, not on import: a program
that uses the Python API chooses for itself. Other C libraries (musl) and other systems
are left as they are (the Windows and macOS allocators are not measured here).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

__all__ = ["keep_freed_memory", "MMAP_THRESHOLD", "TRIM_THRESHOLD"]

MMAP_THRESHOLD = 32 << 20
"""Bytes: blocks smaller than this come from the heap (glibc's DEFAULT_MMAP_THRESHOLD_MAX
on 64-bit, the most ``mallopt`` accepts)."""
TRIM_THRESHOLD = 128 << 20
"""Bytes of free memory at the top of the heap kept for reuse (glibc's default is twice
the mmap threshold)."""

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3  # glibc's malloc.h


def keep_freed_memory() -> bool:
    """Fix glibc's mmap and trim thresholds for this process (see the module docstring).

    Returns:
        True when both were set (Linux with glibc), False where the C library has no
        ``mallopt`` or refused a value; nothing is changed then.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # no glibc (musl has no mallopt)
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
