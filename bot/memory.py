"""Giving freed memory back to the system.

glibc keeps what Python and the native libraries free in its heap for reuse: after an index
build (token lists, Chroma's buffers) or a start-up (the texts' word vectors, Chroma's float
lists) that is tens of megabytes a long-running server never needs again. `malloc_trim` returns
the free pages; elsewhere (macOS, musl) there is nothing to do.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache


@lru_cache(maxsize=1)
def _malloc_trim():
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


def release_freed_memory() -> None:
    """Return the heap's free pages to the system (glibc only; a few milliseconds)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
