"""The run's own deadline: after it, no source starts another request and the digest goes out.

Per-request timeouts bound one request; a source that fails slowly, page after page and
retry after retry, is bounded only by this. Sources still running when it passes are
reported as timed out (what they fetched is not stored, so their watermark stays and
nothing is skipped next week) and the digest is published with everything else.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from horizon.errors import SourceError

Gate = Callable[[str], None]


class RunDeadline:
    """``seconds`` from now (None: no deadline), on the wall clock: a fetch task in another
    process (a Dask worker) gets the same deadline as plain data."""

    def __init__(self, seconds: float | None, clock: Callable[[], float] = time.time):
        self.seconds, self.clock = seconds, clock
        self.ends = clock() + seconds if seconds else None

    def remaining(self) -> float | None:
        return None if self.ends is None else max(0.0, self.ends - self.clock())

    def passed(self) -> bool:
        return self.ends is not None and self.clock() >= self.ends

    @property
    def reason(self) -> str:
        return (f"timed out: still running when the run's deadline passed ({self.seconds:g} s, "
                "run_deadline in settings.yaml)")

    def gate(self, throttle: Gate | None = None) -> Gate:
        """A per-request hook for the HTTP client: refuse new requests once the deadline passed."""
        def check(host: str) -> None:
            if self.passed():
                raise SourceError("run", self.reason)
            if throttle is not None:
                throttle(host)
        return check
