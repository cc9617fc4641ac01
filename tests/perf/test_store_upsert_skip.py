"""Store.upsert skips unchanged records cheaply: one id/fingerprint query, only last_seen moves."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update

from horizon.items import Extras, Item
from horizon.store import Store, items

T0 = datetime(2026, 11, 16, 7, tzinfo=UTC)


def trial(n: int, status: str = "RECRUITING", title: str | None = None) -> Item:
    return Item(id=f"ctgov:NCT{n:08d}", source="ctgov", type="trial", title=title or f"Trial {n}",
                updated=date(2026, 11, 10), extras=Extras(status=status))


def row(store: Store, n: int):
    with store.engine.connect() as conn:
        return conn.execute(select(items).where(items.c.id == f"ctgov:NCT{n:08d}")).one()


def test_an_unchanged_record_is_not_rewritten_but_its_last_seen_moves(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    store.upsert([trial(1), trial(2)], now=T0)
    # Mark the stored record: if the upsert rewrote it, the mark would be gone.
    with store.engine.begin() as conn:
        conn.execute(update(items).where(items.c.id == "ctgov:NCT00000001").values(type="marked"))
    later = T0 + timedelta(days=7)
    done = store.upsert([trial(1), trial(2, status="COMPLETED")], now=later)
    assert done.seen == ["ctgov:NCT00000001"] and set(done.changed) == {"ctgov:NCT00000002"}
    assert row(store, 1).type == "marked"  # same fingerprint: record left as it was
    assert row(store, 1).last_seen.replace(tzinfo=UTC) == later
    assert row(store, 2).record["extras"]["status"] == "COMPLETED"
    assert store.items_since(T0 + timedelta(days=1)) == [trial(2, status="COMPLETED")]
    store.close()


def test_a_changed_untracked_field_is_rewritten_without_being_news(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    store.upsert([trial(1)], now=T0)
    done = store.upsert([trial(1, title="Trial 1, retitled")], now=T0 + timedelta(days=7))
    assert done.seen == ["ctgov:NCT00000001"] and not done.changed and not done.new
    assert store.get(["ctgov:NCT00000001"])["ctgov:NCT00000001"].title == "Trial 1, retitled"
    store.close()
