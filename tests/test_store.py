"""The store: idempotent upserts, change tracking, watermarks, one digest per week."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from horizon.errors import StoreError
from horizon.items import Extras, Item
from horizon.store import Store
from horizon.store_runs import DigestItemRecord

T0 = datetime(2026, 11, 16, 7, tzinfo=UTC)


def trial(n: int, status: str = "RECRUITING", updated: date = date(2026, 11, 10)) -> Item:
    return Item(id=f"ctgov:NCT{n:08d}", source="ctgov", type="trial", title=f"Trial {n}",
                updated=updated, extras=Extras(status=status))


@pytest.fixture
def store(store_url):
    """A store on each backend (SQLite, PostgreSQL): the same code must behave the same on both."""
    s = Store(store_url)
    yield s
    s.close()


def test_rerunning_the_same_batch_never_duplicates(store):
    batch = [trial(n) for n in range(50)]
    first = store.upsert(batch, now=T0)
    again = store.upsert(batch, now=T0 + timedelta(hours=1))
    assert len(first.new) == 50 and not first.changed
    assert again.new == [] and len(again.seen) == 50
    assert store.count() == 50


def test_a_repeated_id_within_one_response_is_stored_once(store):
    assert store.upsert([trial(1), trial(1)], now=T0).new == ["ctgov:NCT00000001"]
    assert store.count() == 1


def test_a_status_change_is_recorded_as_a_change(store):
    store.upsert([trial(1)], now=T0)
    result = store.upsert([trial(1, status="COMPLETED")], now=T0 + timedelta(days=7))
    assert result.changed == {"ctgov:NCT00000001": {"status": ("RECRUITING", "COMPLETED")}}
    assert store.history(["ctgov:NCT00000001"], T0) == {"ctgov:NCT00000001": {"status": ("RECRUITING", "COMPLETED")}}
    assert store.get(["ctgov:NCT00000001"])["ctgov:NCT00000001"].extras.status == "COMPLETED"


def test_a_cosmetic_re_post_is_seen_not_changed(store):
    """The sponsor edits the record (its last-update date moves, the summary is reworded): nothing that matters."""
    store.upsert([trial(1)], now=T0)
    edited = trial(1, updated=date(2026, 11, 20)).model_copy(update={"summary": "Reworded by the sponsor."})
    result = store.upsert([edited], now=T0 + timedelta(days=7))
    assert result.changed == {} and result.seen == ["ctgov:NCT00000001"] and not result.new
    assert store.history(["ctgov:NCT00000001"], T0) == {}  # so the digest never calls it "changed"


def test_first_seen_is_kept_and_last_seen_moves(store):
    store.upsert([trial(1)], now=T0)
    store.upsert([trial(1)], now=T0 + timedelta(days=7))
    assert store.first_seen(["ctgov:NCT00000001"])["ctgov:NCT00000001"] == T0


def test_watermark_only_moves_forward(store):
    store.upsert([trial(1)], now=T0, watermark=("ctgov", date(2026, 11, 10)))
    store.upsert([trial(2)], now=T0, watermark=("ctgov", date(2026, 11, 1)))  # an overlap re-fetch
    assert store.watermark("ctgov") == date(2026, 11, 10)
    assert store.watermark("isrctn") is None


def test_republishing_a_week_replaces_its_digest_instead_of_adding_one(store):
    store.upsert([trial(1), trial(2)], now=T0)
    store.record_digest("ics", "2026-W47", "/d/1", [("ctgov:NCT00000001", 0.5, ["cardiovascular"])], now=T0)
    store.record_digest("ics", "2026-W47", "/d/2", [("ctgov:NCT00000002", 0.4, ["diabetes"])], now=T0)
    (only,) = store.digests("ics")
    assert (only.key, only.week, only.path, only.created_at) == ("ics", "2026-W47", "/d/2", T0)  # aware UTC
    assert store.digest_items(only.id) == [DigestItemRecord(only.id, "ctgov:NCT00000002", 1, 0.4, ("diabetes",))]
    assert store.digest() == store.digest(only.id) == only


def test_items_since_the_previous_digest_are_new_or_changed(store):
    store.upsert([trial(1), trial(2)], now=T0)
    store.record_digest("ics", "2026-W47", "/d", [], now=T0 + timedelta(hours=1))
    later = T0 + timedelta(days=7)
    store.upsert([trial(2, status="COMPLETED"), trial(3)], now=later)
    cutoff = store.previous_digest_time("ics", "2026-W48")
    assert cutoff == T0 + timedelta(hours=1)
    assert [i.id for i in store.items_since(cutoff)] == ["ctgov:NCT00000002", "ctgov:NCT00000003"]
    assert store.previous_digest_time("ics", "2026-W47") is None  # re-running week 47 sees all again


def test_a_corrupt_store_file_is_one_clear_error(tmp_path):
    path = tmp_path / "store.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="cannot open the store .* move a corrupt file aside"):
        Store(f"sqlite:///{path}")


def test_a_missing_store_directory_is_one_clear_error(tmp_path):
    with pytest.raises(StoreError, match="directory does not exist"):
        Store(f"sqlite:///{tmp_path / 'nope' / 'store.db'}")
