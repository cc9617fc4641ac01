"""A tiny hook for progress: stages report steps; the CLI shows them as a progress bar.

Flows run in the CLI's process, so a module-level reporter reaches every task
thread. Without a reporter (a worker, a test) reports are dropped.
"""

from __future__ import annotations

from collections.abc import Callable

Reporter = Callable[[str], None]
_reporter: Reporter | None = None


def set_reporter(reporter: Reporter | None) -> None:
    global _reporter
    _reporter = reporter


def report(step: str) -> None:
    """One step done, e.g. 'fetched ctgov: 46 items'."""
    if _reporter is not None:
        _reporter(step)
