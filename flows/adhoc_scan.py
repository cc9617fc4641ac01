"""An ad-hoc scan: one query across chosen sources and dates, classified, ranked and published.

Analysts run it from the command line (``horizon scan``) or the Prefect UI (the
``adhoc-scan`` deployment). It shares every stage with the weekly digest; it
stores what it finds (so reviewers can find and label it) but never moves a
source's watermark, since it fetched only what matched its query, and is not
recorded as a digest of the weekly series.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated

from prefect import flow
from prefect.task_runners import ThreadPoolTaskRunner
from pydantic import Field

from flows.publish import publish, summary
from flows.setup import open_run
from flows.tasks import classify, fetch_all, nice_overviews, stop_if_every_source_failed, store_items
from horizon.config import load_config
from horizon.digest import ScanInfo
from horizon.text import slug
from steps.pipeline import (
    DEFAULT_SCAN_DAYS,
    assemble,
    check_scan,
    mentions,
    narrow,
    one_per_thing,
    scan_novelty,
    until_filter,
)

Query = Annotated[str, Field(min_length=1, max_length=500, pattern=r"\S")]
Limit = Annotated[int, Field(ge=1, le=1000)]


@flow(name="adhoc-scan", task_runner=ThreadPoolTaskRunner(max_workers=4), log_prints=True)
def adhoc_scan(
    query: Query,
    sources: list[str] | None = None,
    since: date | None = None,
    until: date | None = None,
    areas: list[str] | None = None,
    limit: Limit = 50,
    config_dir: str | None = None,
    out: str | None = None,
    sample: bool = False,
) -> dict:
    """Search the chosen sources for a query, classify and rank what they return, and publish it.

    Args:
        query: What to look for, in plain words (e.g. "atrial fibrillation "
                                                      "screening"); each source gets it in its own query syntax.
        sources: Source names from sources.yaml to search; every enabled source if empty.
        since: Only items updated on or after this date; a year before today if empty.
        until: Only items updated on or before this date; no upper bound if empty.
        areas: Priority area ids to keep (e.g. ["cardiovascular"]); every area if empty.
        limit: At most this many ranked entries in the result (1 to 1000).
        config_dir: Directory with priorities.yaml, sources.yaml and settings.yaml; the bundled defaults if empty.
        out: Directory for the result files; `<output_dir>/scans/<time>-<query>/` from settings.yaml if empty.
        sample: Run offline against the recorded responses bundled with the package.
    """
    check_scan(load_config(config_dir), areas, since, until)  # a wrong area or range: one line, no work done
    with open_run(config_dir, sample, only=sources or None, query=query) as run:
        config, store, as_of = run.config, run.store, run.as_of
        now = datetime.now(UTC)
        start = since or as_of - timedelta(days=DEFAULT_SCAN_DAYS)
        results = fetch_all(config, run.scanners, lambda _scanner: start)
        stored = store_items(store, results, now, watermarks=False)
        reports, counts = stored.kept, stored.counts
        stop_if_every_source_failed(reports)
        listed_only = {s.source for s in run.scanners if not s.searches}  # these return everything: filter here
        fetched = [i for r in results for i in (mentions(r.items, query) if r.source in listed_only else r.items)]
        counts["dropped/no-mention"] = sum(len(r.items) for r in results) - len(fetched)
        fetched, counts["dropped/after-until"] = until_filter(fetched, until)
        items, also, counts["dropped/duplicate"] = one_per_thing(fetched, list(config.sources))
        read = nice_overviews(config, store, run.http, items)
        items = read.kept
        counts.update(read.counts)
        novelty, history = scan_novelty(store, [i.id for i in items], now)
        verdicts, learned = classify(config, store, items).kept
        notes = [*run.notes, f"Ad-hoc scan for “{query}” in {', '.join(r.name for r in reports) or 'no sources'}, "
                 f"items updated {start.isoformat()} to {until.isoformat() if until else 'now'}.",
                 *(n for r in results for n in r.notes), learned]
        digest = assemble(config, store, items, verdicts, novelty, history, as_of, now, reports, counts, start,
                          notes, also, query=query)
        stamp = now.strftime("%Y%m%d-%H%M%S")
        key = f"scan-{stamp}-{slug(query)}"
        digest = narrow(digest, "Ad-hoc scan: "
                                f"{query}", key, areas, limit, ScanInfo(query=query, since=start, until=until))
        directory = Path(out) if out else Path(config.settings.output_dir) / "scans" / key.removeprefix("scan-")
        paths = publish(store, digest, directory, config.settings.top_n, record=False)
        top = [{"title": e.item.title, "url": e.item.url, "source": e.item.source, "score": e.score,
                "areas": list(e.classification.areas)} for e in digest.entries[:10]]
        return {**summary(digest, paths, [], None), "query": query, "directory": str(directory), "top": top}
