"""Bulk work with fewer garbage collections: building 100,000 items should not re-scan them all.

Why: Python's cyclic collector runs after every 700 new container objects, and its older
generations re-scan everything still alive. A stage that builds a week of items (parsing,
upserting, reading them back) creates millions of dicts, lists and models while the
previous stage's items are still alive, so at 30,000 items a quarter to a half of the
stage's CPU time was the collector finding nothing to free (bench/stages.py). Inside
``fewer_collections`` the first generation is collected after ``YOUNG`` new objects
instead, so reference cycles are still freed, just in fewer, larger passes.

The threshold is process-wide; nested and concurrent uses (fetch tasks run in threads)
share one count: the thresholds saved by the first to enter are restored when the last leaves.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG = 50_000  # first-generation threshold while inside (Python's default is 700)

_lock = threading.Lock()
_depth = 0
_saved: tuple[int, ...] = ()


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Raise the collector's first-generation threshold for the duration of a bulk step."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(max(YOUNG, _saved[0]), *_saved[1:])
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                gc.set_threshold(*_saved)
