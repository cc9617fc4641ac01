"""Linking cost on a large store: wall time and peak memory of each way items get linked to technologies.

Measured on a store of N items (default 100,000) and T technologies (default 500):

- the weekly step (``link_batch``, the flow's one ``link-technologies`` task): a batch of new
  items alias-linked, similarity suggestions over the batch, recurring names proposed;
- alias-linking the whole store to every technology (``link_store``: a first run over an
  old store, or seeding T technologies at once);
- one technology added later (``link_store(only=[id])``: ``horizon tech add``, the workspace).

Items recombine titles and summaries of the bundled dev set (a realistic vocabulary); every
tenth names one of the synthetic technologies by an alias; each technology's description is
a dev-set title, so similarity finds candidates. Each measurement runs in a fresh process
(spawned), so its peak resident memory is the step's own plus the interpreter and libraries,
printed separately; setting the store up is never measured. The store is a temporary SQLite file.

    uv run python bench/linking.py [--items 100000] [--techs 500] [--batch 2000]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import resource
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

NOW = datetime(2026, 11, 23, 7, tzinfo=UTC)


def technology(n: int) -> tuple[str, list[str]]:
    """A product name, a CamelCase spelling, an acronym and a plain phrase: every kind of alias."""
    return f"Product {n} Scope", [f"Scope{n}Pro", f"PS{n}X", f"scope {n} triage service"]


def items(start: int, n: int, techs: int, prefix: str = "bench") -> list:
    """Items ``start`` .. ``start + n``, each the same in every process (seeded by its number)."""
    from classifiers.records import read_records
    from classifiers.training import BUNDLED
    from horizon.items import Item

    records, out = read_records(BUNDLED), []
    for i in range(start, start + n):
        rng = random.Random(f"{prefix}{i}")
        a, b = rng.randrange(len(records)), rng.randrange(len(records))
        title = records[a].title
        if i % 10 == 0:
            _, aliases = technology(rng.randrange(techs))
            title = f"{title}: {rng.choice(aliases)}"
        out.append(Item(id=f"{prefix}:{i}", source=f"source{i % 8}", type="news", title=title,
                        summary=records[b].summary, published=date(2026, 11, 2)))
    return out


def peak_mb() -> float:
    """This process's peak resident memory. Linux's VmHWM is the program's own (``ru_maxrss`` of a
    spawned child starts at its parent's size at the fork, so it would count the set-up)."""
    try:
        status = Path("/proc/self/status").read_text()
        return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(step: str, url: str, args: dict) -> dict:
    """Run one step in this (fresh) process: its wall time, what it made, memory before and at peak."""
    from horizon.store import Store
    from horizon.store_tech import Technologies
    from horizon.tech.link import link_batch, link_store

    store = Store(url)
    techs = Technologies(store)
    batch = items(0, args["batch"], args["techs"], prefix="week") if step == "weekly" else []
    if batch:
        store.upsert(batch, now=NOW)  # the flow's store-items task, before linking: not measured
    base = peak_mb()
    start = time.perf_counter()
    if step == "weekly":
        made = dict(link_batch(techs, batch, now=NOW))
    elif step == "store":
        made = {"alias links": link_store(techs, now=NOW)}
    else:
        made = {"alias links": link_store(techs, now=NOW, only=[techs.add("Late Scope", ["Scope7Pro", "PS7X"], now=NOW)])}
    took = time.perf_counter() - start
    store.close()
    return {"took": took, "made": made, "base": base, "peak": peak_mb()}


def setup(url: str, n_items: int, n_techs: int, batch: int) -> None:
    """The store the steps measure: N items and T technologies (the week's batch comes later)."""
    from classifiers.records import read_records
    from classifiers.training import BUNDLED
    from horizon.store import Store
    from horizon.store_tech import Technologies

    store = Store(url)
    start = time.perf_counter()
    for n in range(0, n_items, 5000):  # a chunk at a time: the store holds them, not this process
        store.upsert(items(n, min(5000, n_items - n), n_techs), now=NOW)
    titles = [r.title for r in read_records(BUNDLED)]
    techs = Technologies(store)
    for n in range(n_techs):
        name, aliases = technology(n)
        techs.add(name, aliases, description=titles[n % len(titles)], now=NOW)
    store.close()
    print(f"set up {n_items:,} items and {n_techs} technologies in "
          f"{time.perf_counter() - start:.0f} s (not measured)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--techs", type=int, default=500)
    parser.add_argument("--batch", type=int, default=2000, help="new items in one weekly batch")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
          "(wall-clock figures assume the machine is otherwise idle)")
    spawn = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        setup(url, args.items, args.techs, args.batch)
        steps = [("store", f"alias-link all {args.items:,} stored items x {args.techs} technologies"),
                 ("one", f"one technology added later, over {args.items:,} stored items"),
                 ("weekly", f"weekly step: a batch of {args.batch:,} new items, the store's links known")]
        for step, label in steps:
            with spawn.Pool(1) as pool:
                r = pool.apply(measure, (step, url, vars(args)))
            made = ", ".join(f"{k.removeprefix('tech/')} {v:,}" for k, v in r["made"].items())
            print(f"{label}: {r['took']:.1f} s; {made}; peak memory {r['peak']:.0f} MB "
                  f"({r['base']:.0f} MB before the step: interpreter, libraries, store)")


if __name__ == "__main__":
    main()
