"""The fetch step as Prefect tasks: one task per source (never per item), with Prefect's retries.

The bodies live in ``flows/fetching.py`` (no Prefect). The Prefect engine
(``flows/prefect_engine.py``), which the ``weekly-digest`` and ``adhoc-scan`` flows run
on, submits them to the flow's task runner and makes every other step a task itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.futures import wait
from prefect.states import State
from prefect.tasks import exponential_backoff

from flows import fetching
from flows.deadline import RunDeadline
from flows.fetching import VALIDATORS_KEY, Fetched, SourceRef, failed_result, gather, source_ref
from horizon.config import Config
from horizon.errors import RunBroken, SourceError
from horizon.failures import describe
from scanners import Scanner, ScanResult

__all__ = ["VALIDATORS_KEY", "Fetched", "SourceRef", "failed_result", "fetch_all", "fetch_source", "fetcher",
           "settled", "source_ref"]


def _transient_only(task, task_run, state) -> bool:
    """Retry a source only for failures that may pass: timeouts, refused connections, 5xx, 429."""
    err = state.result(raise_on_failure=False)
    return isinstance(err, SourceError) and err.transient


fetch_source = task(fetching.fetch_source, name="fetch-source", cache_policy=NO_CACHE, retry_jitter_factor=0.5,
                    retry_condition_fn=_transient_only)


def fetcher(config: Config):
    """``fetch_source`` with the configured whole-source retries (``fetching.retry_delays`` on the plain engine)."""
    http = config.settings.http
    delay = exponential_backoff(http.source_retry_delay) if http.source_retry_delay else 0
    return fetch_source.with_options(retries=http.source_retries, retry_delay_seconds=delay)


def fetch_all(config: Config, scanners: Sequence[Scanner], start_for: Callable[[Scanner], date],
              deadline: RunDeadline | None = None) -> list[ScanResult]:
    """Fetch every source as a task, concurrently, each from its own start date; a failed source is a failed result.

    Each task gets a ``SourceRef`` (plain data). A source still running at the run's
    ``deadline`` is reported as timed out.
    """
    fetch = fetcher(config)
    futures = {scanner.source: fetch.submit(source_ref(config, scanner, deadline), start_for(scanner))
               for scanner in scanners}
    late: set[str] = set()
    if deadline is not None and deadline.ends is not None:
        unfinished = wait(list(futures.values()), timeout=deadline.remaining()).not_done
        late = {source for source, future in futures.items() if future in unfinished}
    return gather(scanners, futures, late, deadline,
                  lambda source, future: settled(source, future.state, future.result(raise_on_failure=False)))


def settled(source: str, state: State, value: object) -> ScanResult:
    """A source's final result; raises if the run itself broke, so no half-made digest is published.

    A source that failed is reported in the digest. A task that *crashed*, or failed
    because Prefect itself did (its API gone mid-run), says nothing about the source:
    publishing would present a partial digest as whole.
    """
    if isinstance(value, ScanResult):
        return value
    orchestration = isinstance(value, BaseException) and type(value).__module__.split(".")[0] in ("prefect", "httpx")
    if state.is_crashed() or orchestration:
        why = describe(value) if isinstance(value, BaseException) else state.message or state.name
        raise RunBroken(f"{source}: the run broke while fetching ({why}); nothing was published, "
                        "so no partial digest went out; re-run the week")
    return failed_result(source, value)  # type: ignore[arg-type]  # a failed task hands back its exception
