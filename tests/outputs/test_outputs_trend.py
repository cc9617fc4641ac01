"""The trend chart tells the truth: a series starts at the first digest that had items.

An empty first digest (a new installation's first run, a week every source failed) is
not history: drawn, it would show a surge from zero to this week.
"""

from __future__ import annotations

from datetime import UTC, datetime

from horizon.digest import Classification, Entry, Factors
from horizon.items import Item
from horizon.store import Store
from outputs.chart import trend_chart
from steps.pipeline import trend
from tests.outputs.golden import make_digest

AREAS = ["atrial-fibrillation", "asthma"]


def _entry(n: int, area: str) -> Entry:
    item = Item(id=f"ctgov:NCT{n:08d}", source="ctgov", type="trial", title=f"Trial {n}")
    return Entry(item=item, classification=Classification(item_id=item.id, scores={area: 0.9}, areas=(area,)),
                 factors=Factors(relevance=0.9, area_weight=1, impact=1, uk=1, recency=1, novelty=1))


def test_the_series_starts_at_the_first_digest_with_items(store_url):
    store = Store(store_url)
    try:
        at = datetime(2026, 11, 2, 7, tzinfo=UTC)
        store.upsert([_entry(n, "asthma").item for n in (1, 2)], now=at)  # a digest lists stored items
        store.record_digest("weekly", "2026-W45", "d/45", [], now=at)  # the first run: nothing matched
        store.record_digest("weekly", "2026-W46", "d/46", [], now=at)
        store.record_digest("weekly", "2026-W47", "d/47", [("ctgov:NCT00000001", 0.5, ["asthma"]),
                                                           ("ctgov:NCT00000002", 0.4, ["asthma"])], now=at)
        now = [_entry(3, "asthma"), _entry(4, "atrial-fibrillation")]
        series = trend(store, "weekly", "2026-W48", now, AREAS)
        assert series == {"asthma": (("2026-W47", 2), ("2026-W48", 1)),
                          "atrial-fibrillation": (("2026-W47", 0), ("2026-W48", 1))}
        assert trend(store, "other-ics", "2026-W48", now, AREAS) == {}  # one digest is no trend
    finally:
        store.close()


def test_the_chart_leaves_out_leading_empty_weeks_and_draws_nothing_without_history():
    empty_first = {"asthma": (("2026-W46", 0), ("2026-W47", 3), ("2026-W48", 1)),
                   "atrial-fibrillation": (("2026-W46", 0), ("2026-W47", 2), ("2026-W48", 2))}
    chart = trend_chart(make_digest(trend=empty_first))
    assert chart is not None and chart.weeks == ["2026-W47", "2026-W48"]
    only_now = {"asthma": (("2026-W47", 0), ("2026-W48", 4))}
    assert trend_chart(make_digest(trend=only_now)) is None  # zero, then this week: no surge drawn
