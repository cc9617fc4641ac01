"""Prefect tasks shared by the flows: one task per source or per stage, never per item."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.futures import wait
from prefect.states import State
from prefect.tasks import exponential_backoff

import scanners
from flows.deadline import RunDeadline
from horizon.config import Config, HttpSettings
from horizon.digest import Classification, SourceReport
from horizon.errors import AllSourcesFailed, RunBroken, SourceError
from horizon.failures import describe, in_words
from horizon.items import Item
from horizon.progress import report
from horizon.store import Store
from scanners import Scanner, ScanResult
from scanners.http import HttpClient, Validators
from steps.pipeline import latest_update

VALIDATORS_KEY = "http-validators"
  # where the store keeps ETag / Last-Modified between runs


def _transient_only(task, task_run, state) -> bool:
    """Retry a source only for failures that may pass: timeouts, refused connections, 5xx, 429."""
    err = state.result(raise_on_failure=False)
    return isinstance(err, SourceError) and err.transient


@dataclass(frozen=True)
class SourceRef:
    """What a fetch task needs, as plain data: it builds its own scanner and HTTP client.

    Nothing live (no client, session or lock) travels with a task, so a task runner
    can send it to another process or machine (Dask) and Prefect has little to walk.
    """

    source: str
    settings: dict[str, Any]  # the source's raw sources.yaml entry, validated again in the task
    http: HttpSettings
    validators: dict[str, dict[str, str]] = field(default_factory=dict)  # ETag / Last-Modified for its URLs
    throttled: bool = True  # take a slot of the host's Prefect rate limit before each request
    deadline: RunDeadline | None = None  # the run's: no request starts after it, none runs past it

    def scanner(self) -> Scanner:
        from flows.limits import HostThrottle

        cls, settings = scanners.settings_for(self.source, self.settings)
        throttle = HostThrottle() if self.throttled else None
        http = HttpClient(self.http, throttle=self.deadline.gate(throttle) if self.deadline else throttle,
                          validators=Validators(dict(self.validators)))
        if self.deadline is not None:
            http.time_left = self.deadline.remaining
        return cls(settings, http, source=self.source)


@dataclass
class Fetched(ScanResult):
    """A source's result plus the ETag / Last-Modified its responses carried, for the next run."""

    learned: dict[str, dict[str, str]] = field(default_factory=dict)


@task(name="fetch-source", cache_policy=NO_CACHE, retry_jitter_factor=0.5, retry_condition_fn=_transient_only)
def fetch_source(ref: SourceRef | Scanner, since: date) -> ScanResult:
    """Fetch everything a source has since ``since``; raise transient failures so Prefect retries.

    Given a ``SourceRef`` (what flows pass) the task builds its own scanner and client.
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


@task(name="store-items", cache_policy=NO_CACHE)
def store_items(store: Store, results: Sequence[ScanResult], now: datetime, watermarks: bool = True,
                validators: Validators | None = None) -> tuple[list[SourceReport], Counter[str]]:
    """Upsert each source's items with its watermark in one transaction per source.

    An ad-hoc scan passes ``watermarks=False``: it fetched only what matched its
    query, so moving a source's watermark would hide the rest from the next digest.
    ``validators`` (ETag / Last-Modified learned this run) are saved only after the
    items they vouch for are stored, so a 304 next time never hides an unstored item.
    """
    reports, counts = [], Counter()
    for result in results:
        for reason, n in result.counts.items():
            if n:
                counts[f"{result.source}/{reason}"] += n
        # A failed source keeps its old watermark, so nothing it missed is skipped next time.
        mark = latest_update(result.items) if result.ok and watermarks else None
        done = store.upsert(result.items, now=now, watermark=(result.source, mark) if mark else None)
        counts[f"{result.source}/new"] += len(done.new)
        if done.changed:
            counts[f"{result.source}/changed"] += len(done.changed)
        error = in_words(result.error) if result.error else result.error
        reports.append(SourceReport(name=result.source, ok=result.ok, fetched=len(result.items), error=error))
    if validators is not None:
        store.set_meta_value(VALIDATORS_KEY, validators.dumps())
    report(f"stored {sum(r.fetched for r in reports)} items")
    return reports, counts


@task(name="classify", cache_policy=NO_CACHE)
def classify(config: Config, store: Store, items: Sequence[Item], model_dir: str | None = None,
             sample: bool = False, shared: Store | None = None, ics=None) -> tuple[list[Classification], str]:
    """Retrain through the training job if reviewers added labels, then score every candidate item.

    Returns the verdicts and one line for the run summary on what the classifier learned.
    ``store`` may be one ICS's view (``horizon.store_icss.IcsStore``) and ``model_dir``
    its own model folder, so each ICS learns only from its own reviewers; ``shared`` is then
    the whole store, which holds the job queue, and ``ics`` (``horizon.icss.Ics``) the ICS whose
    training job it queues. The workspace's "Retrain now" runs the same
    job, so a weekly run and a reviewer never train at once. A sample run scores the bundled
    training items with models that did not see them, so it shows the model on unseen text.
    """
    from classifiers import ensure_current
    from flows.training_job import describe, run_training_job

    job = run_training_job(shared or store, config, by="weekly run", model_dir=model_dir, labels=store, ics=ics)
    classifier, _ = ensure_current(config.priorities, store, model_dir=model_dir, cv=0, unseen=sample)
    verdicts = classifier.classify(list(items))
    report(f"classified {len(verdicts)} items")
    return verdicts, describe(job)


OVERVIEWS_KEY = "nice-overviews"  # where the store keeps the NICE overviews read so far


def nice_sources(config: Config) -> tuple[tuple[str, str], ...]:
    """(source name, base URL) of every enabled NICE source: where its guidance pages are read."""
    from scanners.nice_pages import SITE

    return tuple((name, body.get("base_url") or SITE) for name, body in config.sources.items()
                 if (body.get("scanner") or name) == "nice" and body.get("enabled") is not False)


def read_nice_overviews(sources: Sequence[tuple[str, str]], store: Store, http,
                        items: Sequence[Item]) -> tuple[list[Item], Counter[str]]:
    """Summaries for NICE guidance that has none: one cached request per item to its guidance page."""
    from scanners.nice_pages import add_overviews, load_cache

    counts: Counter[str] = Counter()
    if not sources:
        return list(items), counts
    cache = load_cache(store.meta_value(OVERVIEWS_KEY))
    for name, base_url in sources:
        done = add_overviews(items, http, base_url, cache, source=name)
        items, cache = done.items, done.cache
        counts.update({f"{name}/{k}": n for k, n in done.counts.items()})
    store.set_meta_value(OVERVIEWS_KEY, json.dumps(cache, sort_keys=True))
    if counts:
        report("read NICE overviews: " + ", ".join(f"{k} {n}" for k, n in sorted(counts.items())))
    return list(items), counts


@task(name="nice-overviews", cache_policy=NO_CACHE)
def nice_overviews(config: Config, store: Store, http, items: Sequence[Item]) -> tuple[list[Item], Counter[str]]:
    """The ad-hoc scan's stage: ``read_nice_overviews`` for the configured NICE sources."""
    return read_nice_overviews(nice_sources(config), store, http, items)


def fetcher(config: Config):
    """``fetch_source`` with the configured whole-source retries."""
    http = config.settings.http
    delay = exponential_backoff(http.source_retry_delay) if http.source_retry_delay else 0
    return fetch_source.with_options(retries=http.source_retries, retry_delay_seconds=delay)


def fetch_all(config: Config, scanners: Sequence[Scanner], start_for: Callable[[Scanner], date],
              deadline: RunDeadline | None = None) -> list[ScanResult]:
    """Fetch every source concurrently, each from its own start date; a failed source becomes a failed result.

    Each task gets a ``SourceRef`` (plain data); what the sources' responses taught about
    ETag / Last-Modified comes back to the run's client, which ``store_items`` saves.
    A source still running at the run's ``deadline`` is reported as timed out.
    """
    fetch = fetcher(config)
    futures = {scanner.source: fetch.submit(source_ref(config, scanner, deadline), start_for(scanner))
               for scanner in scanners}
    late: set[str] = set()
    if deadline is not None and deadline.ends is not None:
        unfinished = wait(list(futures.values()), timeout=deadline.remaining()).not_done
        late = {source for source, future in futures.items() if future in unfinished}
    results = []
    for scanner in scanners:
        if scanner.source in late:  # not waited for: it stops at its next request (see RunDeadline.gate)
            results.append(ScanResult(source=scanner.source, error=deadline.reason))
            continue
        future = futures[scanner.source]
        value = settled(scanner.source, future.state, future.result(raise_on_failure=False))
        scanner.http.validators.learned.update(getattr(value, "learned", {}))
        results.append(value)
    return results


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
    return failed_result(source, value)


def source_ref(config: Config, scanner: Scanner, deadline: RunDeadline | None = None) -> SourceRef:
    """The plain-data description of a configured scanner, for a fetch task."""
    return SourceRef(source=scanner.source, settings=dict(config.sources[scanner.source]), http=scanner.http.settings,
                     validators=dict(scanner.http.validators.entries), throttled=scanner.http.throttle is not None,
                     deadline=deadline)


def failed_result(source: str, err: BaseException) -> ScanResult:
    """A source whose task failed for good: reported in the digest, never a crash of the run."""
    reason = err.reason if isinstance(err, SourceError) else describe(err)
    return ScanResult(source=source, error=in_words(reason))


def stop_if_every_source_failed(reports: Sequence[SourceReport]) -> None:
    """An empty digest that looks like a quiet week is worse than none: fail the run instead."""
    if reports and not any(r.ok for r in reports):
        raise AllSourcesFailed({r.name: r.error or "failed" for r in reports})
