"""Linking the whole store for a few technologies (``horizon tech add``, the workspace, accepted names):
the store is asked only for items that contain an alias's first word, and finds exactly what a full
scan finds, on SQLite and PostgreSQL, whatever the JSON encoding does to the text around the word."""

from __future__ import annotations

from horizon.store import Store
from horizon.store_tech import Technologies
from horizon.tech.link import link_store, prefilter_words
from tests.tech.conftest import NOW, item

ITEMS = [
    item("rss:1", "news", "Two lines", "The first line.\nDERM triage went live"),  # "\n" is escaped in JSON
    item("rss:2", "news", "Quoted", 'Clinicians said "DERM" helped'),  # so is the quote before the word
    item("rss:3", "news", "Dermatology backlog", "derm nurses and DERMATOLOGY clinics"),  # not the product
    item("rss:4", "news", "Bavarian practices use Süßtest", "A test with a name in German"),
    item("rss:5", "news", "Unrelated", "Nothing about skin at all"),
    item("rss:6", "news", "Café", "Un cafédERM, a word that merely ends in the letters"),
]


def test_a_few_technologies_link_the_same_items_as_a_full_scan(store_url):
    store = Store(store_url)
    try:
        store.upsert(ITEMS, now=NOW)
        techs = Technologies(store)
        derm = techs.add("DERM", ["Skin Analytics"], now=NOW)
        german = techs.add("Süßtest", now=NOW)
        assert link_store(techs, now=NOW, only=[derm]) == 2
        assert sorted(techs.evidence_ids(derm)) == ["rss:1", "rss:2"]
        assert link_store(techs, now=NOW, only=[german]) == 1  # a word JSON may escape: the full scan
        assert techs.evidence_ids(german) == ["rss:4"]
    finally:
        store.close()


def test_the_store_is_filtered_only_by_words_json_never_escapes():
    from horizon.tech.aliases import AliasIndex

    assert prefilter_words(AliasIndex({"a": ["DERM", "lead-I ECG"], "b": ["FeNO"]})) == {"derm", "lead", "feno"}
    assert prefilter_words(AliasIndex({"a": ["DERM"], "b": ["Süßtest"]})) is None  # non-ASCII: scan everything
    many = AliasIndex({f"t{n}": [f"Product{n}"] for n in range(100)})
    assert prefilter_words(many) is None  # a hundred LIKEs cost more than reading every item once
