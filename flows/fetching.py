"""Fetching every source, as plain Python: the step both engines run, and how they gather it.

``fetch_source`` fetches one source from a ``SourceRef`` (plain data) and raises a
transient failure so it can be retried: by Prefect's task retries on its engine
(``flows/tasks.py``), by ``fetch_with_retries`` on the plain one (``flows/engine.py``),
the same number of times (``http.source_retries``) with the same growing delay.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import scanners
from flows.deadline import RunDeadline
from flows.throttle import PREFECT, host_throttle
from horizon.config import Config, HttpSettings
from horizon.errors import SourceError
from horizon.failures import describe, in_words
from horizon.progress import report
from scanners import Scanner, ScanResult
from scanners.http import HttpClient, Validators

VALIDATORS_KEY = "http-validators"  # where the store keeps ETag / Last-Modified between runs
JITTER = 0.5  # each retry delay varies by up to half, as Prefect's retry_jitter_factor=0.5


@dataclass(frozen=True)
class SourceRef:
    """What a fetch needs, as plain data: it builds its own scanner and HTTP client.

    Nothing live (no client, session or lock) travels with it, so a task runner can send
    it to another process or machine (Dask) and Prefect has little to walk.
    """

    source: str
    settings: dict[str, Any]  # the source's raw sources.yaml entry, validated again in the task
    http: HttpSettings
    validators: dict[str, dict[str, str]] = field(default_factory=dict)  # ETag / Last-Modified for its URLs
    throttle: str = PREFECT  # whose per-host limits: flows.throttle PREFECT, LOCAL or NONE (the sample)
    deadline: RunDeadline | None = None  # the run's: no request starts after it, none runs past it

    def scanner(self) -> Scanner:
        cls, settings = scanners.settings_for(self.source, self.settings)
        throttle = host_throttle(self.throttle, self.http)
        http = HttpClient(self.http, throttle=self.deadline.gate(throttle) if self.deadline else throttle,
                          validators=Validators(dict(self.validators)))
        if self.deadline is not None:
            http.time_left = self.deadline.remaining
        return cls(settings, http, source=self.source)


@dataclass
class Fetched(ScanResult):
    """A source's result plus the ETag / Last-Modified its responses carried, for the next run."""

    learned: dict[str, dict[str, str]] = field(default_factory=dict)


def fetch_source(ref: SourceRef | Scanner, since: date) -> ScanResult:
    """Fetch everything a source has since ``since``; raise a transient failure so it is retried.

    Given a ``SourceRef`` (what flows pass) it builds its own scanner and client.
    Past the run's deadline a failure is final: no retry would be waited for.
    """
    scanner = ref.scanner() if isinstance(ref, SourceRef) else ref
    try:
        result = scanner.scan(since)
    finally:
        if isinstance(ref, SourceRef):
            scanner.http.close()
    deadline = ref.deadline if isinstance(ref, SourceRef) else None
    if result.error and deadline is not None and deadline.passed():
        result.error, result.transient = deadline.reason, False
    if result.error and result.transient:
        raise SourceError(scanner.source, result.error, transient=True)
    report(f"fetched {scanner.source}: {len(result.items)} items" + (f" ({result.error})" if result.error else ""))
    return Fetched(**vars(result), learned=dict(scanner.http.validators.learned))


def retry_delays(http: HttpSettings) -> list[float]:
    """The wait before each whole-source retry: ``source_retry_delay`` doubling, as Prefect's exponential_backoff."""
    return [http.source_retry_delay * 2 ** n for n in range(http.source_retries)]


def fetch_with_retries(ref: SourceRef, since: date, sleep: Callable[[float], None] = time.sleep) -> ScanResult:
    """``fetch_source``, retried on transient failures ``http.source_retries`` times; then the failure stands."""
    for delay in [*retry_delays(ref.http), None]:
        try:
            return fetch_source(ref, since)
        except SourceError as err:
            if not err.transient or delay is None:
                raise
            wait = random.uniform(delay * (1 - JITTER), delay * (1 + JITTER)) if delay else 0.0
            if ref.deadline is not None and (left := ref.deadline.remaining()) is not None:
                wait = min(wait, left)  # past the deadline the next attempt fails at once, for good
            report(f"{ref.source}: {err.reason}; trying again in {wait:.0f} s")
            sleep(wait)
    raise AssertionError("unreachable")


def source_ref(config: Config, scanner: Scanner, deadline: RunDeadline | None = None,
               throttle: str = PREFECT) -> SourceRef:
    """The plain-data description of a configured scanner, for a fetch task."""
    return SourceRef(source=scanner.source, settings=dict(config.sources[scanner.source]), http=scanner.http.settings,
                     validators=dict(scanner.http.validators.entries),
                     throttle=throttle if scanner.http.throttle is not None else "", deadline=deadline)


def failed_result(source: str, err: BaseException) -> ScanResult:
    """A source whose fetch failed for good: reported in the digest, never a crash of the run."""
    reason = err.reason if isinstance(err, SourceError) else describe(err)
    return ScanResult(source=source, error=in_words(reason))


def gather(scanners_: Sequence[Scanner], futures: dict[str, Any], late: set[str], deadline: RunDeadline | None,
           settle: Callable[[str, Any], ScanResult]) -> list[ScanResult]:
    """Each source's result in configured order; a source still running at the deadline is timed out.

    ``settle`` turns an engine's finished future into a result (or raises if the run broke).
    What the responses taught about ETag / Last-Modified goes back to the run's client.
    """
    results = []
    for scanner in scanners_:
        if scanner.source in late and deadline is not None:  # not waited for: it stops at its next request
            results.append(ScanResult(source=scanner.source, error=deadline.reason))
            continue
        value = settle(scanner.source, futures[scanner.source])
        scanner.http.validators.learned.update(getattr(value, "learned", {}))
        results.append(value)
    return results


def settle_plain(source: str, future: Future) -> ScanResult:
    """A thread's fetch: its result, or the failure that ended it, as a failed source."""
    try:
        return future.result()
    except Exception as err:  # noqa: BLE001 - any failure of one source is that source's, reported in the digest
        return failed_result(source, err)
