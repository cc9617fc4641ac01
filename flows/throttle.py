"""Per-host request limits for a run: Prefect's shared limits, or this process's own.

A run on the Prefect engine takes a slot of the host's global concurrency limit before
each request (``flows/limits.py``), shared with every other flow run. A local run
without a Prefect API (``flows/engine.Plain``) has no one to share with, so it keeps the
same budget in the process: a burst of about one second's requests, refilled at
``http.requests_per_second``. A sample run is served locally and never throttled.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from horizon.config import HttpSettings

Throttle = Callable[[str], None]
PREFECT, LOCAL, NONE = "prefect", "local", ""


class LocalThrottle:
    """A token bucket per host, as Prefect's limits: ``ceil(rate)`` slots decaying at ``rate`` a second."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.rate, self.burst = rate, max(1.0, float(-(-rate // 1)))
        self.clock, self.sleep = clock, sleep
        self._hosts: dict[str, tuple[float, float]] = {}  # host -> (tokens, when); below zero: reserved
        self._lock = threading.Lock()

    def __call__(self, host: str) -> None:
        name = urlsplit(f"//{host}").hostname or host  # the port is ignored, as in limits.limit_name
        with self._lock:
            now = self.clock()
            tokens, then = self._hosts.get(name, (self.burst, now))
            tokens = min(self.burst, tokens + (now - then) * self.rate) - 1
            self._hosts[name] = (tokens, now)
        if tokens < 0:
            self.sleep(-tokens / self.rate)


_LOCAL: dict[float, LocalThrottle] = {}  # one per rate in this process: every source of a run shares it
_LOCAL_LOCK = threading.Lock()


def host_throttle(kind: str, http: HttpSettings) -> Throttle | None:
    """The throttle of a ``kind`` of run: ``PREFECT``, ``LOCAL`` or ``NONE``."""
    if kind == PREFECT:
        from flows.limits import HostThrottle  # imports Prefect: only runs on its engine pay for it

        return HostThrottle()
    if kind == LOCAL:
        with _LOCAL_LOCK:
            return _LOCAL.setdefault(http.requests_per_second, LocalThrottle(http.requests_per_second))
    return None
