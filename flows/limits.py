"""Per-host rate limits shared by every task and flow run: Prefect global concurrency limits.

Each host a source fetches from has a limit named ``host-<host>`` (dots become
dashes: ``host-clinicaltrials-gov``) with slots that decay at
``settings.http.requests_per_second``; the HTTP client takes a slot before every
request, so concurrent tasks and flow runs on any number of workers share one
budget per host. Limits are created explicitly by ``horizon setup-limits``
(Prefect may create implicit ones inactive, that is, not enforced). A host
without an active limit is fetched unthrottled, with one warning per run that
says how to fix it.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from urllib.parse import urlsplit

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate, GlobalConcurrencyLimitUpdate
from prefect.concurrency.sync import rate_limit
from prefect.exceptions import ObjectNotFound

from horizon.config import Config

ACQUIRE_TIMEOUT = 600  # seconds to wait for a slot before the request fails (and the source with it)


def limit_name(host: str) -> str:
    """The limit for a host (or ``host:port``): ``host-clinicaltrials-gov``; the port is ignored."""
    hostname = urlsplit(f"//{host}").hostname or host
    return "host-" + (re.sub(r"[^a-z0-9]+", "-", hostname.lower()).strip("-") or "unknown")


def configured_limits(config: Config) -> dict[str, float]:
    """Every configured source's host limit with its rate in requests per second."""
    rate = config.settings.http.requests_per_second
    hosts = {urlsplit(str(body.get("base_url", ""))).netloc for body in config.sources.values()}
    return {limit_name(host): rate for host in sorted(hosts) if host}


def slots_for(rate: float) -> int:
    """Burst size for a rate: at least one slot, about one second's worth of requests."""
    return max(1, math.ceil(rate))


def ensure_limits(limits: dict[str, float]) -> list[tuple[str, str]]:
    """Create or update each limit on the Prefect API, active and decaying; returns (name, what was done)."""
    done = []
    with get_client(sync_client=True) as client:
        for name, rate in limits.items():
            want = {"limit": slots_for(rate), "slot_decay_per_second": rate, "active": True}
            try:
                found = client.read_global_concurrency_limit_by_name(name)
            except ObjectNotFound:
                client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, **want))
                done.append((name, "created"))
                continue
            if (found.limit, found.slot_decay_per_second, found.active) == tuple(want.values()):
                done.append((name, "unchanged"))
            else:
                client.update_global_concurrency_limit(name, GlobalConcurrencyLimitUpdate(**want))
                done.append((name, "updated"))
    return done


class HostThrottle:
    """The HTTP client's throttle: take one slot of the host's limit before each request."""

    def __init__(self, timeout: float = ACQUIRE_TIMEOUT):
        self.timeout = timeout
        self._usable: dict[str, bool] = {}
        self._lock = threading.Lock()

    def __getstate__(self) -> dict:
        # A task sent to another process (a Dask worker) takes its settings, never the lock.
        return {"timeout": self.timeout}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["timeout"])

    def __call__(self, host: str) -> None:
        name = limit_name(host)
        with self._lock:
            if name not in self._usable:
                self._usable[name] = self._check(name, host)
        if self._usable[name]:
            rate_limit(name, occupy=1, timeout_seconds=self.timeout, strict=True)

    def _check(self, name: str, host: str) -> bool:
        """Whether the limit exists, is active and decays; warn once if not."""
        with get_client(sync_client=True) as client:
            try:
                found = client.read_global_concurrency_limit_by_name(name)
            except ObjectNotFound:
                problem = "does not exist"
            else:
                if not found.active:
                    problem = "is inactive"
                elif not found.slot_decay_per_second:
                    problem = "has no slot decay, so it cannot rate-limit"
                else:
                    return True
        _logger().warning(
            "Rate limit %r %s on the Prefect server: requests to %s are not rate-limited in this run. "
            "Run `horizon setup-limits` (with the same PREFECT_API_URL) to create it.", name, problem, host,
        )
        return False


def _logger() -> logging.Logger | logging.LoggerAdapter:
    """The run's logger (shown in the Prefect UI) when there is a run, else a plain one."""
    from prefect.exceptions import MissingContextError
    from prefect.logging import get_run_logger

    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("horizon.limits")
