"""Wall time, CPU time and peak memory of each stage before classification, without Prefect or HTTP.

Why: the end-to-end bench (bench/e2e.py) needs minutes and a quiet machine; this one
isolates what issue 16 asks to shrink. ``bench/synth.py`` renders a week of N items in
the sources' real formats (pages exactly as its server would answer them), then, in one
process: every page goes through its scanner's ``parse`` (inside ``fewer_collections``,
as ``Scanner.scan`` runs it); the items are upserted into a fresh SQLite store one source
at a time, as ``store-items`` does; ``candidates`` selects
the week; ``one_per_thing`` groups duplicates; ``assemble`` ranks and wraps the digest
(verdicts are invented from each item's id, since classification is not measured here).
The store is then upserted again with the same items (a re-run of the same week).

    uv run python bench/stages.py --items 10000 100000
    uv run python bench/stages.py --items 100000 --profile dedup   # cProfile of one stage

Memory is the resident set sampled every few milliseconds (peak while the stage ran).
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import pstats
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import probe
import synth

from horizon.bulk import fewer_collections
from horizon.config import DEFAULT_DIR, load_config
from horizon.digest import Classification
from horizon.items import Item
from horizon.store import Store
from scanners import REGISTRY
from scanners.http import HttpClient
from steps.pipeline import assemble, candidates, iso_week, latest_update, one_per_thing

AS_OF = date(2026, 11, 30)
BASE = "http://bench.invalid"
FEED_TYPE = "application/rss+xml; charset=UTF-8"


def pages(week: synth.Week) -> dict[str, list[tuple[bytes, dict[str, str]]]]:
    """Every response a first run of the week would receive, per source, as (body, headers)."""
    out: dict[str, list[tuple[bytes, dict[str, str]]]] = {}
    for source in synth.SHARES:
        got: list[tuple[bytes, dict[str, str]]] = []
        if source == "ctgov":
            token = "p0"
            while token:
                body, _ = synth.respond(week, "/ctgov/api/v2/studies", {"pageSize": ["1000"], "pageToken": [token]})
                got.append((body, {}))
                token = f"p{int(token[1:]) + 1000}" if b"nextPageToken" in body else ""
        elif source == "isrctn":
            total = len(week.records["isrctn"])
            got.append((synth.respond(week, "/isrctn", {"limit": [str(total)]})[0], {}))
        elif source == "nice":
            page = 1
            while True:
                body, _ = synth.respond(week, "/nice", {"ps": ["100"], "pa": [str(page)]})
                got.append((body, {}))
                if b"Next page" not in body:
                    break
                page += 1
        else:
            for page in range(1, len(week.records[source]) // synth.FEED_PAGE + 2):
                body, kind = synth.respond(week, f"/{source}/feed/", {"paged": [str(page)]})
                got.append((body, {"Content-Type": kind}))
        out[source] = got
    return out


class Sampler:
    """The largest resident set seen since ``reset``."""

    def __init__(self) -> None:
        self.peak = probe.rss()
        self._stop = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, probe.rss())

    def reset(self) -> None:
        self.peak = probe.rss()


def measure(name: str, fn: Callable[[], Any], sampler: Sampler, figures: dict, profile: str | None) -> Any:
    gc.collect()
    sampler.reset()
    wall, cpu = time.perf_counter(), time.process_time()
    if profile == name:
        profiler = cProfile.Profile()
        result = profiler.runcall(fn)
    else:
        result = fn()
    figures[name] = (time.perf_counter() - wall, time.process_time() - cpu, max(sampler.peak, probe.rss()))
    if profile == name:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    return result


def verdicts(items: list[Item], area_ids: list[str]) -> list[Classification]:
    """A deterministic stand-in for the classifier: most items in one area, some in none."""
    out = []
    for item in items:
        h = int(hashlib.sha1(item.id.encode()).hexdigest()[:8], 16)
        scores = {a: ((h >> n) % 100) / 100 for n, a in enumerate(area_ids)}
        chosen = tuple(a for a in area_ids if scores[a] >= 0.9)
        out.append(Classification(item_id=item.id, scores=scores, areas=chosen))
    return out


def run(n: int, profile: str | None) -> dict:
    week = synth.synthesise(n, AS_OF)
    responses = pages(week)
    config = load_config(DEFAULT_DIR)
    settings = synth.sources_yaml(BASE)["sources"]
    sampler = Sampler()
    figures: dict[str, tuple[float, float, int]] = {}

    def parse_all() -> dict[str, list[Item]]:
        found: dict[str, list[Item]] = {}
        for source, got in responses.items():
            raw = dict(settings[source])
            cls = REGISTRY[raw.pop("scanner", source)]
            scanner = cls(cls.Settings.model_validate(raw), HttpClient(), source=source)
            seen: dict[str, Item] = {}
            for body, headers in got:
                for item in scanner.parse_response(body, headers).items:
                    seen.setdefault(item.id, item)
            found[source] = list(seen.values())
        return found

    found = measure("parse", fewer_collections()(parse_all), sampler, figures, profile)
    parsed = sum(map(len, found.values()))
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/store.db")
        now = datetime(2026, 11, 30, 6, tzinfo=UTC)

        def store_all() -> None:
            for source, got in found.items():
                mark = latest_update(got)
                store.upsert(got, now=now, watermark=(source, mark) if mark else None)

        measure("store", store_all, sampler, figures, profile)
        chosen, novelty, history = measure(
            "select", lambda: candidates(store, "default", iso_week(AS_OF)), sampler, figures, profile)
        leads, also, merged = measure(
            "dedup", lambda: one_per_thing(chosen, list(settings)), sampler, figures, profile)
        said = verdicts(leads, config.priorities.ids)
        digest = measure("rank+assemble", lambda: assemble(
            config, store, leads, said, novelty, history, AS_OF, now, [], Counter(), also=also),
            sampler, figures, profile)
        measure("store again", store_all, sampler, figures, profile)
        store.close()
    return {"items": parsed, "selected": len(chosen), "merged": merged, "entries": len(digest.entries),
            "figures": figures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, nargs="+", default=[10_000])
    parser.add_argument("--profile", choices=["parse", "store", "select", "dedup", "rank+assemble", "store again"])
    args = parser.parse_args()
    for n in args.items:
        out = run(n, args.profile)
        print(f"\n{n:,} items: parsed {out['items']:,}, selected {out['selected']:,}, merged {out['merged']:,}, "
              f"digest entries {out['entries']:,}")
        print(f"{'stage':<14} {'wall s':>8} {'CPU s':>8} {'peak MB':>8}")
        for stage, (wall, cpu, peak) in out["figures"].items():
            print(f"{stage:<14} {wall:>8.2f} {cpu:>8.2f} {peak / 1e6:>8.0f}")


if __name__ == "__main__":
    main()
