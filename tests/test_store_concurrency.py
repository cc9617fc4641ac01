"""Two runs on one store at once (a weekly digest and an ad-hoc scan): nothing lost, nothing twice.

Each run has its own ``Store`` (its own engine and connections), as two flow runs
in two processes would. Runs on SQLite and on PostgreSQL (see ``store_url``).
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from horizon import store_scopes
from horizon.config import DEFAULT_DIR, load_config
from horizon.icss import Ics
from horizon.items import Extras, Item
from horizon.store import Store, changes, items
from horizon.store_icss import ics_labels

T0 = datetime(2026, 11, 16, 7, tzinfo=UTC)


def trial(n: int, status: str = "RECRUITING") -> Item:
    return Item(id=f"ctgov:NCT{n:08d}", source="ctgov", type="trial", title=f"Trial {n}",
                updated=date(2026, 11, 10), extras=Extras(status=status))


def at_once(*jobs):
    """Run each job in its own thread, all released together; returns their results."""
    barrier = threading.Barrier(len(jobs))

    def go(job):
        barrier.wait(timeout=60)
        return job()

    with ThreadPoolExecutor(len(jobs)) as pool:
        return [f.result(timeout=300) for f in [pool.submit(go, job) for job in jobs]]


def test_stores_opened_at_once_on_a_fresh_database_all_work(store_url):
    stores = at_once(*[lambda: Store(store_url)] * 4)
    try:
        assert [s.count() for s in stores] == [0, 0, 0, 0]
    finally:
        for s in stores:
            s.close()


def test_concurrent_runs_upserting_overlapping_items_store_each_once_and_record_each_change_once(store_url):
    seed = Store(store_url)
    seed.upsert([trial(n) for n in range(200)], now=T0)  # last week's items, all recruiting
    weekly, scan = Store(store_url), Store(store_url)
    later = T0 + timedelta(days=7)

    def run(store, ids, mark):
        done = []
        for start in range(0, len(ids), 10):  # a run writes in batches, as sources finish
            batch = [trial(n, "COMPLETED" if n < 200 else "RECRUITING") for n in ids[start:start + 10]]
            done.append(store.upsert(batch, now=later, watermark=("ctgov", mark)))
        return done

    try:
        # Both runs see items 100-199 complete, in the same order at the same time (the race a lock
        # must prevent), and each also brings items the other does not.
        overlap = list(range(100, 200))
        a, b = at_once(lambda: run(weekly, overlap + list(range(0, 100)) + list(range(200, 300)), date(2026, 11, 20)),
                       lambda: run(scan, overlap + list(range(300, 400)), date(2026, 11, 22)))
        assert seed.count() == 400
        new = Counter(i for r in a + b for i in r.new)
        changed = Counter(i for r in a + b for i in r.changed)
        assert set(new) == {trial(n).id for n in range(200, 400)} and max(new.values()) == 1
        assert set(changed) == {trial(n).id for n in range(200)} and max(changed.values()) == 1
        with seed.engine.connect() as conn:
            per_item = dict(conn.execute(select(changes.c.item_id, func.count()).group_by(changes.c.item_id)).all())
            assert conn.execute(select(func.count(func.distinct(items.c.id)))).scalar_one() == 400
        assert len(per_item) == 200 and set(per_item.values()) == {1}  # one status change each, not two
        assert all(i.extras.status == "COMPLETED" for i in seed.get([trial(n).id for n in range(200)]).values())
        assert seed.watermark("ctgov") == date(2026, 11, 22)  # the later watermark wins, whoever wrote last
        assert seed.first_seen([trial(5).id])[trial(5).id] == T0
    finally:
        for s in (seed, weekly, scan):
            s.close()


def test_concurrent_publishing_of_one_week_leaves_one_whole_digest(store_url):
    stores = [Store(store_url) for _ in range(4)]
    stores[0].upsert([trial(n) for n in range(40)], now=T0)
    lists = [[(trial(n).id, 1.0 - n / 100, ["cardiovascular"]) for n in range(k * 10, k * 10 + 10)] for k in range(4)]
    try:
        at_once(*[lambda s=s, ranked=ranked: s.record_digest("ics", "2026-W48", "/d", ranked, now=T0)
                  for s, ranked in zip(stores, lists)])
        (digest,) = stores[0].digests("ics")
        shown = [r.item_id for r in stores[0].digest_items(digest.id)]
        assert shown in [[i for i, _, _ in ranked] for ranked in lists]  # one run's list, never a mix
    finally:
        for s in stores:
            s.close()


AREAS = ("cardiovascular", "diabetes", "respiratory")


def _label_every_item_at_once(store_url, label):
    """Three `horizon label` runs at once, each its own store, each giving the same reviewer one area on each
    of 15 items; the areas of rob's current judgement of each item."""
    stores = [Store(store_url) for _ in AREAS]
    try:
        at_once(*[lambda s=s, area=area: [label(s, f"ctgov:NCT{n:08d}", area) for n in range(15)]
                  for s, area in zip(stores, AREAS)])
        return stores[0], {i: set(by["rob"].areas) for i, by in stores[0].current_judgements().items()}
    finally:
        for s in stores[1:]:
            s.close()


def test_labels_given_at_once_for_one_reviewer_and_item_all_survive(store_url):
    store, areas = _label_every_item_at_once(
        store_url, lambda s, item_id, area: s.add_label(item_id, area, True, "rob", now=T0))
    try:
        assert areas == {f"ctgov:NCT{n:08d}": set(AREAS) for n in range(15)}  # none dropped by a concurrent label
        assert len(store.labels()) == 15 * len(AREAS)
    finally:
        store.close()


def test_labels_given_at_once_in_one_ics_all_survive_in_that_ics(store_url):
    config = load_config(DEFAULT_DIR)
    lungs = Ics("lungs", config, None, Path("."), single=False, first=False)
    store, _ = _label_every_item_at_once(
        store_url, lambda s, item_id, area: store_scopes.add_label(s, lungs, item_id, area, True, "rob", now=T0))
    try:
        current = store_scopes.current_judgements(store, lungs)
        assert {i: set(by["rob"].areas) for i, by in current.items()} == {
            f"ctgov:NCT{n:08d}": set(AREAS) for n in range(15)}
        assert sorted({r.area for r in ics_labels(store, "lungs", False)}) == sorted(AREAS)
    finally:
        store.close()


def test_a_workspace_call_made_while_a_label_is_given_is_never_overwritten(store_url):
    """A label merges into the reviewer's current judgement; a call landing between its read and its write
    would be lost (the label's judgement, the later, would not have it)."""
    judging, labelling = Store(store_url), Store(store_url)
    ids = [f"ctgov:NCT{n:08d}" for n in range(15)]
    try:
        at_once(lambda: [judging.judge(i, "rob", "relevant", ["cardiovascular"], now=T0) for i in ids],
                lambda: [labelling.add_label(i, "diabetes", True, "rob", now=T0) for i in ids])
        current = judging.current_judgements()
        assert all("cardiovascular" in current[i]["rob"].areas for i in ids)  # the call stands, label or not
    finally:
        judging.close()
        labelling.close()
