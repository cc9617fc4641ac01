"""Wall time, CPU time and peak memory of each digest writer at N entries, as the flow writes them.

    uv run python bench/writers.py                 # N = 10,000 and 100,000 entries
    uv run python bench/writers.py --entries 1000  # only this size

Why a child process per writer: the resident set only grows, so one process would report
the largest writer's peak for every writer after it. Each child builds the digest itself
(a forked copy would count the pages it touches as new memory), then runs
``outputs.write(digest, tmp, [fmt])`` (render and the atomic file write) while sampling its
RSS; "peak" is the most it grew above the built digest. "all" is every format in one
``outputs.write``, as ``publish-digest`` calls it.
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import os
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta

import outputs
from horizon.digest import AreaInfo, Classification, Digest, Entry, Factors, RunSummary, SourceReport
from horizon.items import Extras, Item

PAGE = os.sysconf("SC_PAGE_SIZE")
AREAS = tuple(AreaInfo(id=f"area-{i}", name=f"Priority area {i}", description="A synthetic area.") for i in range(8))
SOURCES = ("ctgov", "isrctn", "nice", "nhse-news", "hin-news", "health-press")
TYPES = {"ctgov": "trial", "isrctn": "trial", "nice": "guidance"}


def _item(i: int, source: str) -> Item:
    trial = TYPES.get(source) == "trial"
    return Item(
        id=f"{source}:{i:08d}", source=source, type=TYPES.get(source, "news"),
        title=f"Item {i}: a title of about the usual length about {AREAS[i % 8].name.lower()} and care",
        summary="A summary sentence that is long enough to wrap in a narrow column of text. " * 5,
        url=f"https://example.org/{source}/{i}",
        published=date(2026, 1, 1) + timedelta(days=i % 320),
        updated=date(2026, 11, 1) + timedelta(days=i % 22) if i % 3 else None,
        extras=Extras(status="RECRUITING", phase="PHASE3", conditions=("Condition A", "Condition B"),
                      sponsor="A university", enrolment=120 + i % 500) if trial else Extras(),
    )


def synthetic(n: int) -> Digest:
    """N ranked entries over eight areas: trials, guidance and news, some merged and some changed."""
    entries = []
    for i in range(n):
        source = SOURCES[i % len(SOURCES)]
        areas = (AREAS[i % 8].id,) + ((AREAS[(i + 3) % 8].id,) if i % 4 == 0 else ())
        verdict = Classification(item_id=f"{source}:{i:08d}", scores={a.id: 0.1 for a in AREAS} | dict.fromkeys(areas, 0.8),
                                 areas=areas, why={a: ("term", "other term") for a in areas})
        factors = Factors(relevance=0.8, area_weight=1, impact=0.8, uk=1, recency=1 - i / (2 * n), novelty=1)
        also = (_item(i, "isrctn"),) if source == "ctgov" and i % 5 == 0 else ()
        entries.append(Entry(item=_item(i, source), classification=verdict, factors=factors, also=also,
                             novelty="changed" if i % 10 == 0 else "new",
                             changes={"status": ("RECRUITING", "COMPLETED")} if i % 10 == 0 else {},
                             first_seen=datetime(2026, 11, 23, 6, tzinfo=UTC)))
    entries.sort(key=lambda e: -e.score)
    sources = tuple(SourceReport(name=s, ok=True, fetched=n // len(SOURCES)) for s in SOURCES)
    return Digest(title="Benchmark digest", week="2026-W48", generated=datetime(2026, 11, 23, 7, tzinfo=UTC),
                  areas=AREAS, entries=tuple(entries), summary=RunSummary(counts={"ctgov/fetched": n}, sources=sources))


def rss() -> int:
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[1]) * PAGE


def _measure(n: int, formats: list[str], results) -> None:
    """In the child: build the digest, write ``formats`` once sampling RSS every 5 ms; send back the figures."""
    digest = synthetic(n)
    gc.collect()
    base, peak, stop = rss(), [0], threading.Event()

    def sample() -> None:
        while not stop.wait(0.005):
            peak[0] = max(peak[0], rss())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    with tempfile.TemporaryDirectory() as tmp:
        wall, cpu = time.perf_counter(), time.process_time()
        paths = outputs.write(digest, tmp, formats)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        size = sum(p.stat().st_size for p in paths)
    stop.set()
    sampler.join()
    results.put((wall, cpu, max(peak[0], rss()) - base, size))


def measure(n: int, formats: list[str]) -> tuple[float, float, int, int]:
    context = multiprocessing.get_context("fork")  # the child inherits the imports
    results = context.Queue()
    child = context.Process(target=_measure, args=(n, formats, results))
    child.start()
    figures = results.get()
    child.join()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--formats", nargs="+", default=list(outputs.FORMATS))
    args = parser.parse_args()
    import openpyxl  # noqa: F401 - imported once here, so no writer's figures include the import

    for n in args.entries:
        started, before = time.perf_counter(), rss()
        digest = synthetic(n)
        built, grown = time.perf_counter() - started, rss() - before
        del digest
        print(f"\n{n:,} entries, {len(AREAS)} areas (the digest: {built:.1f} s to build, {grown / 2**20:,.0f} MB); "
              f"load average {os.getloadavg()[0]:.1f}")
        print(f"  {'format':8} {'wall s':>8} {'CPU s':>8} {'peak MB':>9} {'file MB':>9}")
        for label, formats in [*((f, [f]) for f in args.formats), ("all", args.formats)]:
            wall, cpu, peak, size = measure(n, formats)
            print(f"  {label:8} {wall:8.2f} {cpu:8.2f} {peak / 2**20:9.0f} {size / 2**20:9.1f}")

if __name__ == "__main__":
    main()
