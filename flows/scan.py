"""The ad-hoc scan, composed once: fetch with the query, store, select, classify, rank by the query, publish.

Plain Python over the weekly run's steps (``flows/fetching.py``, ``flows/stages.py``,
``flows/publishing.py``); how each runs is the engine's (``flows/engine.py``). The
``adhoc-scan`` Prefect flow (``flows/adhoc_scan.py``) runs this with ``PrefectEngine``,
the local ``horizon scan`` with ``Plain`` (no Prefect at all). A scan stores what it
finds (so reviewers can find and label it) but never moves a source's watermark, since
it fetched only what matched its query, and is not recorded as a digest of the weekly series.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from flows.engine import Engine
from flows.kept import Kept, Tally
from flows.preflight import check_writable
from flows.publishing import publish, summary
from flows.setup import open_run
from flows.stages import classify, dedup, nice_sources, read_nice_overviews, stop_if_every_source_failed, store_items
from horizon.config import load_config
from horizon.digest import ScanInfo
from horizon.errors import InputError
from horizon.items import Item
from horizon.text import slug
from outputs.words import publisher
from scanners import Scanner, ScanResult
from steps.pipeline import DEFAULT_SCAN_DAYS, assemble, check_scan, mentions, narrow, scan_novelty, until_filter

QUERY_MAX = 500  # characters
LIMIT_MAX = 1000  # ranked entries


@dataclass(frozen=True)
class ScanRequest:
    """What to scan for, as plain data: the ``adhoc-scan`` flow's parameters."""

    query: str
    sources: Sequence[str] | None = None  # every enabled source if empty
    since: date | None = None  # a year before today if empty
    until: date | None = None  # no upper bound if empty
    areas: Sequence[str] | None = None  # every area if empty
    limit: int = 50
    config_dir: str | None = None
    out: str | None = None  # <output_dir>/scans/<time>-<query>/ if empty
    sample: bool = False

    def __post_init__(self) -> None:
        if not self.query.strip() or len(self.query) > QUERY_MAX:
            raise InputError(f"query: give 1 to {QUERY_MAX} characters of words to search for, got {self.query!r:.60}")
        if not 1 <= self.limit <= LIMIT_MAX:
            raise InputError(f"limit: give 1 to {LIMIT_MAX} entries, got {self.limit}")


def run_scan(request: ScanRequest, engine: Engine) -> dict:
    """Search the chosen sources for the query, classify and rank what they return, and publish it."""
    query, until = request.query, request.until
    config = load_config(request.config_dir)
    check_scan(config, request.areas, request.since, until)  # one line, no work done
    # An unwritable folder is found now, not after every source was searched.
    scans = config.settings.output_root(request.sample) / "scans"
    check_writable(Path(request.out) if request.out else scans)
    with open_run(request.config_dir, request.sample, only=list(request.sources or ()) or None, query=query,
                  throttle=engine.throttle) as run:
        config, store, as_of = run.config, run.store, run.as_of
        now = datetime.now(UTC)
        start = request.since or as_of - timedelta(days=DEFAULT_SCAN_DAYS)
        results = engine.fetch_all(config, run.scanners, lambda _scanner: start)
        tally = Tally()
        reports = tally.take("store-items", engine.step("store-items", store_items)(
            store, results, now, watermarks=False))
        stop_if_every_source_failed(reports)
        found = tally.take("select", matching(results, run.scanners, query, until))
        things = tally.take("dedup", dedup(found, list(config.sources)))
        items = tally.take("nice-overviews", engine.step("nice-overviews", read_nice_overviews)(
            nice_sources(config), store, run.http, things.items))
        novelty, history = scan_novelty(store, [i.id for i in items], now)
        verdicts, learned = tally.take("classify", engine.step("classify", classify)(config, store, items))
        notes = [*run.notes, f"Ad-hoc scan for “{query}” in {', '.join(r.name for r in reports) or 'no sources'}, "
                 f"items updated {start.isoformat()} to {until.isoformat() if until else 'now'}.",
                 *(n for r in results for n in r.notes), learned]
        digest = assemble(config, store, items, verdicts, novelty, history, as_of, now, reports, tally.counts,
                          start, notes, things.also, query=query)
        key = f"scan-{now.strftime('%Y%m%d-%H%M%S')}-{slug(query)}"
        digest = narrow(digest, f"Ad-hoc scan: {query}", key, request.areas, request.limit,
                        ScanInfo(query=query, since=start, until=until))
        directory = Path(request.out) if request.out else scans / key.removeprefix("scan-")
        paths = engine.step("publish-digest", publish)(store, digest, directory, config.settings.top_n,
                                                       record=False, leave=engine.leave)
        names = {a.id: a.name for a in digest.areas}
        top = [{"title": e.item.title, "url": e.item.url, "source": e.item.source, "publisher": publisher(e.item),
                "score": e.score, "match": e.factors.query, "areas": list(e.classification.areas),
                "area_names": [names.get(a, a) for a in e.classification.areas]} for e in digest.entries[:10]]
        done = summary(digest, paths, [], None)
        done.update(query=query, directory=str(directory), top=top,  # in place: published_since sees it too
                    since=start.isoformat(), until=until.isoformat() if until else None)
        return done


def matching(results: Sequence[ScanResult], scanners: Sequence[Scanner], query: str,
             until: date | None) -> Kept[list[Item]]:
    """What the sources returned that fits the scan: mentions the query (for sources that only list), by ``until``."""
    listed_only = {s.source for s in scanners if not s.searches}  # these return everything: filter here
    fetched = [i for r in results for i in (mentions(r.items, query) if r.source in listed_only else r.items)]
    counts = Counter({"dropped/no-mention": sum(len(r.items) for r in results) - len(fetched)})
    kept, counts["dropped/after-until"] = until_filter(fetched, until)
    return Kept(kept, counts)
