"""How the weekly composition (``flows/week.py``) runs its steps: plainly here, or on Prefect.

An engine decides only *how* a step runs: whether each is a task, how sources and ICSs
run concurrently, how a failed source or channel is retried, whether artifacts are
left. *What* runs, in which order, with which counts, is the composition's, so both
engines give the same digest. ``Plain`` imports no Prefect and starts no API server: the
local ``horizon digest`` and the fault suite use it. ``flows/prefect_engine.py`` is the
full engine, for the ``weekly-digest`` flow and its deployments.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from flows.deadline import RunDeadline
from flows.fetching import fetch_with_retries, gather, settle_plain, source_ref
from flows.runners import THREADS
from flows.throttle import LOCAL
from horizon.config import Config
from outputs.artifacts import Artifacts
from scanners import Scanner, ScanResult

if TYPE_CHECKING:
    from flows.ics_digest import DigestRef, IcsDone

F = TypeVar("F", bound=Callable[..., Any])


class Engine(Protocol):
    throttle: str  # whose per-host limits the run's requests take (flows.throttle)

    def fetch_all(self, config: Config, scanners: Sequence[Scanner], start_for: Callable[[Scanner], date],
                  deadline: RunDeadline | None = None) -> list[ScanResult]:
        """Every source concurrently, each retried on transient failures; a failed source is a failed result."""

    def step(self, name: str, fn: F) -> F:
        """``fn`` as the run's step ``name`` (on Prefect: a task run of that name)."""

    def attempt(self, name: str, fn: Callable[..., Any], retries: int, delay: float,
                *args: Any) -> tuple[bool, Any]:
        """``fn(*args)`` retried ``retries`` times ``delay`` s apart: (True, value), or (False, the last error)."""

    def each_ics(self, ref: DigestRef, ics_ids: Sequence[str]) -> list[IcsDone]:
        """Each ICS's digest (``flows.ics_digest.digest_for``), concurrently."""

    def leave(self, made: Artifacts) -> None:
        """Leave a digest's artifacts where the engine shows runs (Prefect's UI), if anywhere."""


class Plain:
    """The run in this process, without Prefect: threads for sources and ICSs, retries as Prefect's."""

    throttle = LOCAL

    def __init__(self, sleep: Callable[[float], None] = time.sleep):
        self.sleep = sleep

    def fetch_all(self, config: Config, scanners: Sequence[Scanner], start_for: Callable[[Scanner], date],
                  deadline: RunDeadline | None = None) -> list[ScanResult]:
        pool = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="fetch")
        futures = {s.source: pool.submit(fetch_with_retries, source_ref(config, s, deadline, self.throttle),
                                         start_for(s), self.sleep) for s in scanners}
        pool.shutdown(wait=False)  # a source still running at the deadline is not waited for
        late: set[str] = set()
        if deadline is not None and deadline.ends is not None:
            unfinished = wait(list(futures.values()), timeout=deadline.remaining()).not_done
            late = {source for source, future in futures.items() if future in unfinished}
        return gather(scanners, futures, late, deadline, settle_plain)

    def step(self, name: str, fn: F) -> F:
        return fn

    def attempt(self, name: str, fn: Callable[..., Any], retries: int, delay: float,
                *args: Any) -> tuple[bool, Any]:
        for left in range(retries, -1, -1):
            try:
                return True, fn(*args)
            except Exception as err:  # noqa: BLE001 - as a Prefect task: any failure is retried, then reported
                if not left:
                    return False, err
                self.sleep(delay)
        raise AssertionError("unreachable")

    def each_ics(self, ref: DigestRef, ics_ids: Sequence[str]) -> list[IcsDone]:
        from flows.ics_digest import digest_for

        if len(ics_ids) == 1:
            return [digest_for(ref, ics_ids[0], self)]
        with ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="ics") as pool:
            return list(pool.map(lambda ics_id: digest_for(ref, ics_id, self), ics_ids))

    def leave(self, made: Artifacts) -> None:
        """No Prefect API, no artifacts: the digest's files and the store hold everything they show."""
