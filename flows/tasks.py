"""Prefect tasks shared by the flows: one task per source or per stage, never per item."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date, datetime

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff

from horizon.config import Config
from horizon.digest import Classification, SourceReport
from horizon.errors import SourceError
from horizon.items import Item
from horizon.pipeline import latest_update
from horizon.http import Validators
from horizon.progress import report
from horizon.store import Store
from scanners import ScanResult, Scanner

VALIDATORS_KEY = "http-validators"  # where the store keeps ETag / Last-Modified between runs


def _transient_only(task, task_run, state) -> bool:  # noqa: ANN001 - Prefect's callback signature
    """Retry a source only for failures that may pass: timeouts, refused connections, 5xx, 429."""
    err = state.result(raise_on_failure=False)
    return isinstance(err, SourceError) and err.transient


@task(name="fetch-source", cache_policy=NO_CACHE, retry_jitter_factor=0.5, retry_condition_fn=_transient_only)
def fetch_source(scanner: Scanner, since: date) -> ScanResult:
    """Fetch everything a source has since ``since``; raise transient failures so Prefect retries."""
    result = scanner.scan(since)
    if result.error and result.transient:
        raise SourceError(scanner.source, result.error, transient=True)
    report(f"fetched {scanner.source}: {len(result.items)} items" + (f" ({result.error})" if result.error else ""))
    return result


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
        reports.append(SourceReport(name=result.source, ok=result.ok, fetched=len(result.items), error=result.error))
    if validators is not None:
        store.set_meta_value(VALIDATORS_KEY, validators.dumps())
    report(f"stored {sum(r.fetched for r in reports)} items")
    return reports, counts


@task(name="classify", cache_policy=NO_CACHE)
def classify(config: Config, store: Store, items: Sequence[Item]) -> tuple[list[Classification], str]:
    """Retrain if reviewers added labels since the last model, then score every candidate item.

    Returns the verdicts and one line for the run summary on what the classifier learned.
    """
    from classifiers import ensure_current

    # Cross-validated F1 before/after is worth its cost only when there are reviewer labels.
    classifier, trained = ensure_current(config.priorities, store, cv=5 if store.labels() else 0)
    verdicts = classifier.classify(list(items))
    report(f"classified {len(verdicts)} items")
    return verdicts, learning_note(trained)


OVERVIEWS_KEY = "nice-overviews"  # where the store keeps the NICE overviews read so far


@task(name="nice-overviews", cache_policy=NO_CACHE)
def nice_overviews(config: Config, store: Store, http, items: Sequence[Item]) -> tuple[list[Item], Counter[str]]:  # noqa: ANN001
    """Summaries for NICE guidance that has none: one cached request per item to its guidance page."""
    from scanners.nice_pages import SITE, add_overviews, load_cache

    counts: Counter[str] = Counter()
    cache = load_cache(store.meta_value(OVERVIEWS_KEY))
    for name, body in config.sources.items():
        if (body.get("scanner") or name) != "nice" or body.get("enabled") is False:
            continue
        done = add_overviews(items, http, body.get("base_url") or SITE, cache, source=name)
        items, cache = done.items, done.cache
        counts.update({f"{name}/{k}": n for k, n in done.counts.items()})
    store.set_meta_value(OVERVIEWS_KEY, json.dumps(cache, sort_keys=True))
    if counts:
        report("read NICE overviews: " + ", ".join(f"{k} {n}" for k, n in sorted(counts.items())))
    return list(items), counts


def learning_note(trained) -> str:  # noqa: ANN001 - classifiers.TrainingReport
    """'Classifier retrained on 12 reviewer labels (3 new): cross-validated macro F1 0.88 -> 0.90.'"""
    def f1(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.2f}"

    if not trained.retrained:
        return f"Classifier up to date: {trained.items} labelled items, {trained.store_labels} from reviewers."
    if not trained.store_labels:
        return f"Classifier trained on the {trained.items} bundled labelled items; no reviewer labels yet."
    return (f"Classifier retrained on {trained.items} labelled items, {trained.store_labels} from reviewers "
            f"({trained.new_labels} new): cross-validated macro F1 {f1(trained.cv_macro_f1_before)} -> "
            f"{f1(trained.cv_macro_f1_after)}.")


def fetcher(config: Config):
    """``fetch_source`` with the configured whole-source retries."""
    http = config.settings.http
    delay = exponential_backoff(http.source_retry_delay) if http.source_retry_delay else 0
    return fetch_source.with_options(retries=http.source_retries, retry_delay_seconds=delay)


def fetch_all(config: Config, scanners: Sequence[Scanner], start_for: Callable[[Scanner], date]) -> list[ScanResult]:
    """Fetch every source concurrently, each from its own start date; a failed source becomes a failed result."""
    fetch = fetcher(config)
    futures = {scanner.source: fetch.submit(scanner, start_for(scanner)) for scanner in scanners}
    results = []
    for source, future in futures.items():
        value = future.result(raise_on_failure=False)
        results.append(value if isinstance(value, ScanResult) else failed_result(source, value))
    return results


def failed_result(source: str, err: BaseException) -> ScanResult:
    """A source whose task failed for good: reported in the digest, never a crash of the run."""
    reason = err.reason if isinstance(err, SourceError) else f"{type(err).__name__}: {err}"
    return ScanResult(source=source, error=reason)
