"""The rows below each area's top entries: labelled as what they are, without a bare score.

Backfill is not "new", so the table is "Also in <area>", not "Also new in"; each row says
new, changed or backfill in words. A score alone means nothing to a reader: it stays
behind "Why this rank" on full entries and in the CSV, XLSX and JSON digests.
"""

from __future__ import annotations

import html
import re

import pytest

import outputs
from horizon.digest import Classification, Entry, Factors
from horizon.items import Item
from tests.outputs.golden import make_digest


def _entry(n: int, novelty: str) -> Entry:
    item = Item(id=f"ctgov:NCT{n:08d}", source="ctgov", type="trial", title=f"Trial number {n}")
    return Entry(item=item, novelty=novelty,
                 classification=Classification(item_id=item.id, scores={"asthma": 0.9}, areas=("asthma",)),
                 factors=Factors(relevance=0.9, area_weight=1, impact=0.4, uk=1, recency=0.1 + n / 100,
                                 novelty=0.4 if novelty == "backfill" else 1.0))


@pytest.mark.parametrize("fmt", ["html", "md", "text"])
def test_rows_below_the_top_say_what_they_are_and_show_no_bare_score(fmt):
    entries = tuple(sorted((_entry(1, "new"), _entry(2, "backfill"), _entry(3, "backfill")), key=lambda e: -e.score))
    rendered = outputs.get(fmt)(top_n=1).render(make_digest(entries=entries)).decode()
    seen = html.unescape(re.sub(r"<details.*?</details>|<[^>]+>", " ", rendered, flags=re.S))
    seen = " ".join(re.sub(r"\\(.)", r"\1", seen).split())
    assert "Also new in" not in seen and re.search(r"Also in Asthma\b", seen)
    rows = seen[seen.index("Also in Asthma"):]
    assert rows.count("backfill trial") == 2  # each row's label is its own
    scores = {f"{e.score:.3f}" for e in entries[1:]}  # the rows' entries
    assert not [s for s in scores if s in rows], scores


def test_a_scans_why_line_leaves_out_the_novelty_it_does_not_score_and_always_shows_the_query_match():
    from horizon.digest import ScanInfo
    from outputs import entry_view

    seen = _entry(1, "seen").model_copy(update={"factors": Factors(relevance=0.9, area_weight=1, impact=0.4, uk=1,
                                                                   recency=0.5, novelty=1.0, query=1.0)})
    scan = make_digest(entries=(seen,)).model_copy(update={"scan": ScanInfo(query="trial number")})
    view = entry_view.of(scan, seen)
    assert view.novelty == "seen before"  # shown, as the docs say
    assert "novelty" not in view.factors and view.factors.endswith("query match 1.00")
    weekly = entry_view.of(make_digest(entries=(seen,)), seen).factors
    assert "novelty 1.00" in weekly and "query match" not in weekly
