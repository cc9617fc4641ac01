"""Linking cost: alias-linking every stored item to every technology, a weekly batch's similarity
suggestions and name discovery; wall time and peak memory. Prints figures; asserts nothing.

Items recombine titles and summaries of the bundled dev set (a realistic vocabulary); every
tenth item names one of the synthetic technologies by an alias. The store is a temporary SQLite file.

    uv run python bench/linking.py [--items 100000] [--techs 500] [--batch 2000]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from classifiers.records import read_records
from classifiers.training import BUNDLED
from horizon.items import Item
from horizon.store import Store
from horizon.store_tech import Technologies
from horizon.tech import discover, similar
from horizon.tech.link import alias_index, link_store

NOW = datetime(2026, 11, 23, 7, tzinfo=UTC)


def technology(n: int) -> tuple[str, list[str]]:
    """A product name, a CamelCase spelling, an acronym and a plain phrase: every kind of alias."""
    return f"Product {n} Scope", [f"Scope{n}Pro", f"PS{n}X", f"scope {n} triage service"]


def items(start: int, n: int, techs: int, records: list, rng: random.Random) -> list[Item]:
    out = []
    for i in range(start, start + n):
        a, b = rng.randrange(len(records)), rng.randrange(len(records))
        title = records[a].title
        if i % 10 == 0:
            _, aliases = technology(rng.randrange(techs))
            title = f"{title}: {rng.choice(aliases)}"
        out.append(Item(id=f"bench:{i}", source=f"source{i % 8}", type="news", title=title,
                        summary=records[b].summary, published=date(2026, 11, 2)))
    return out


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--techs", type=int, default=500)
    parser.add_argument("--batch", type=int, default=2000, help="items in one weekly batch")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
          "(wall-clock figures assume the machine is otherwise idle)")
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'bench.db'}")
        records, rng = read_records(BUNDLED), random.Random(0)
        start = time.perf_counter()
        for n in range(0, args.items, 5000):  # a chunk at a time: the store holds them, not this process
            chunk = items(n, min(5000, args.items - n), args.techs, records, rng)
            store.upsert(chunk, now=NOW)
        batch = chunk[-args.batch:]
        print(f"stored {args.items:,} items in {time.perf_counter() - start:.1f} s (setup, not linking)")
        techs = Technologies(store)
        for n in range(args.techs):
            name, aliases = technology(n)
            techs.add(name, aliases, now=NOW)
        records = techs.all()
        print(f"peak memory before linking: {peak_mb():.0f} MB")

        start = time.perf_counter()
        index = alias_index(records)
        made = link_store(techs, now=NOW)
        took = time.perf_counter() - start
        print(f"alias-linked {args.items:,} stored items x {args.techs} technologies: {took:.1f} s "
              f"({args.items / took:,.0f} items/s), {made:,} links, peak memory {peak_mb():.0f} MB")

        start = time.perf_counter()
        rows = similar.suggest(records, batch, techs.known_pairs())
        took = time.perf_counter() - start
        print(f"similarity suggestions for a batch of {len(batch):,} x {args.techs}: {took:.1f} s, "
              f"{len(rows):,} suggestions, peak memory {peak_mb():.0f} MB")

        start = time.perf_counter()
        names = discover.recurring(batch, index)
        print(f"name discovery over the batch: {time.perf_counter() - start:.2f} s, {len(names)} names; "
              f"peak memory {peak_mb():.0f} MB")
        store.close()


if __name__ == "__main__":
    main()
