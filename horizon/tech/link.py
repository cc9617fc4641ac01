"""The linking step: connect a batch of items (or every stored item) to the technologies they are about.

One call per batch, as the weekly flow's one task: alias links, similarity
suggestions and recurring-name proposals, counted for the run summary.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import Text, cast, or_, select

from horizon.items import Item
from horizon.store import items as items_table
from horizon.store_items import RECORD, stored_item
from horizon.store_tech import Technologies, Technology
from horizon.tech import discover, similar
from horizon.tech.aliases import AliasIndex


def alias_index(techs: Sequence[Technology]) -> AliasIndex:
    return AliasIndex({t.id: [t.name, *t.aliases] for t in techs})


def alias_rows(index: AliasIndex, batch: Sequence[Item]) -> list[dict]:
    """One ``alias`` link row per (technology, item) whose text names the technology."""
    rows = []
    for item in batch:
        for tech_id, alias in index.match(item.text).items():
            rows.append({"tech_id": tech_id, "item_id": item.id, "status": "alias", "how": f"alias '{alias}'"})
    return rows


def link_batch(techs: Technologies, batch: Sequence[Item], now: datetime | None = None,
               suggest: bool = True, propose: bool = True) -> Counter[str]:
    """Link ``batch``; returns counts such as ``tech/alias-links 12``, ``tech/suggested 3``."""
    records = techs.all()
    counts: Counter[str] = Counter()
    if not batch:
        return counts
    index = alias_index(records)
    rows = alias_rows(index, batch)
    counts["tech/alias-links"] = techs.add_links(rows, now=now)
    if suggest and records:
        skip = techs.known_pairs()
        suggested = similar.suggest(records, batch, skip)
        counts["tech/suggested"] = techs.add_links(suggested, now=now)
    if propose:
        counts["tech/proposed"] = sum(techs.propose(name, ids, now=now)
                                      for name, ids in discover.recurring(batch, index).items())
    return counts


MAX_PREFILTER_WORDS = 32  # more LIKE conditions than this cost more than reading every item once


def prefilter_words(index: AliasIndex) -> set[str] | None:
    """The lower-case first words of every alias, when the store can be asked for items containing them.

    Only ASCII letters and digits: JSON never escapes them, so a stored record that contains the
    word (in any case) is a superset of the items an alias can match. None: read every item.
    """
    words = {w for w in [*index.by_first, *(pair[0] for pair in index.by_pair)]}
    if len(words) > MAX_PREFILTER_WORDS or not all(w.isascii() and w.isalnum() for w in words):
        return None
    return words


def stored_items(techs: Technologies, chunk: int = 2000, words: set[str] | None = None) -> Iterator[list[Item]]:
    """Every stored item (or those whose record contains one of ``words``), a chunk at a time."""
    query = select(RECORD).order_by(items_table.c.id)
    if words is not None:
        text = cast(items_table.c.record, Text)
        query = query.where(or_(*(text.ilike(f"%{w}%") for w in sorted(words))))
    with techs.engine.connect() as conn:
        result = conn.execution_options(yield_per=chunk).execute(query)
        for part in result.partitions(chunk):
            yield [stored_item(r.record) for r in part]


def link_store(techs: Technologies, now: datetime | None = None, only: Sequence[str] | None = None) -> int:
    """Alias-link every stored item (past and new) to every technology, or to ``only`` these; returns new links.

    For a few technologies the store returns only the items that contain an alias's first word.
    """
    records = [t for t in techs.all() if only is None or t.id in only]
    if not records:
        return 0
    index = alias_index(records)
    words = prefilter_words(index)
    if words == set():
        return 0
    made = 0
    for part in stored_items(techs, words=words):
        made += techs.add_links(alias_rows(index, part), now=now)
    return made


def decide_proposal(techs: Technologies, name: str, action: str, by: str, into: str | None = None,
                    now: datetime | None = None) -> str | None:
    """Accept, merge or ignore a proposed name; the record it went to is then alias-linked to the whole store.

    The proposal holds only the items of the batch that proposed it; older items naming it are evidence too.
    """
    tech_id = techs.decide_proposal(name, action, by=by, into=into, now=now)
    if tech_id:
        link_store(techs, now=now, only=[tech_id])
    return tech_id
