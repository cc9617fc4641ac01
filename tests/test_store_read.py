"""Items read back from the store equal the items stored, on every backend and every read path.

SQLite's record text is parsed and validated by pydantic in one pass; what pydantic's JSON
parser refuses (an escaped lone surrogate, which ``json.loads`` accepts) is read the old way.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from horizon.items import Extras, Item
from horizon.store import Store

T0 = datetime(2026, 11, 16, 7, tzinfo=UTC)

ITEMS = [
    Item(id="ctgov:NCT00000001", source="ctgov", type="trial", title="Café trial — ≥18 years",
         summary="Line one. Ünïcode ✓", url="https://clinicaltrials.gov/study/NCT00000001",
         published=date(2026, 11, 1), updated=date(2026, 11, 10),
         extras=Extras(status="RECRUITING", phase="PHASE2/PHASE3", conditions=("Asthma", "COPD"),
                       countries=("United Kingdom",), xrefs=("isrctn:ISRCTN12345678",), results_posted=False,
                       completion=date(2028, 6, 1), completion_precision="month", completion_estimated=True,
                       enrolment=120, flags=("retracted",))),
    Item(id="nhse-news:https://example.org/a?b=1", source="nhse-news", type="news", title="Plain news"),
    Item(id="isrctn:ISRCTN00000002", source="isrctn", type="trial", title="Odd status", updated=date(2026, 11, 12),
         extras=Extras(status="ODD\ud800")),  # a lone surrogate: JSON-escaped on the way in
]


@pytest.fixture
def store(store_url):
    s = Store(store_url)
    yield s
    s.close()


def test_every_read_path_returns_the_items_as_stored(store):
    if store.engine.dialect.name == "postgresql":
        items = ITEMS[:2]  # PostgreSQL's json type refuses a lone surrogate outright
    else:
        items = ITEMS
    store.upsert(items, now=T0)
    expected = {i.id: i for i in items}
    assert store.get(list(expected)) == expected
    assert {i.id: i for i in store.items_since(None)} == expected
    assert {i.id: i for i in store.items_updated_since(date(2026, 11, 1))} == {
        i.id: i for i in items if i.updated and i.updated >= date(2026, 11, 1)}
    assert store.search("café") == [ITEMS[0]]


def test_a_re_run_of_what_was_read_back_finds_nothing_changed(store):
    store.upsert(ITEMS[:2], now=T0)
    again = store.upsert(list(store.get([i.id for i in ITEMS[:2]]).values()), now=T0)
    assert (again.new, again.changed, sorted(again.seen)) == ([], {}, sorted(i.id for i in ITEMS[:2]))
