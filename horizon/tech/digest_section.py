"""The digest's opening sections: tracked technologies with new evidence this week, and stage reviews due.

Also names, on every entry, the tracked technologies it is evidence for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date

from horizon.digest import Digest, Novelty, TechDue, TechEvidence, TechNews
from horizon.items import Item
from horizon.store import Store
from horizon.store_tech import Technologies, Technology
from horizon.tech import profile


def with_technologies(store: Store, digest: Digest, batch: Sequence[Item], novelty: Mapping[str, Novelty],
                      as_of: date, keep: Callable[[Sequence[str]], set[str]] | None = None) -> Digest:
    """``digest`` with its technology sections filled from the links of this week's ``batch``.

    ``keep`` picks the technology ids one ICS of several tracks (``store_scopes.tech_visible``).
    """
    techs = Technologies(store)
    records = {t.id: t for t in techs.all()}
    if keep is not None:
        shown = keep(list(records))
        records = {i: t for i, t in records.items() if i in shown}
    if not records:
        return digest
    by_item = techs.techs_of([i.id for i in batch])
    arrived: dict[str, list[TechEvidence]] = {}
    for item in batch:
        for tech_id in (t for t in by_item.get(item.id, ()) if t in records):
            arrived.setdefault(tech_id, []).append(TechEvidence(
                item_id=item.id, title=item.title, url=item.url, source=item.source,
                kind=profile.evidence_kind(item), novelty=novelty.get(item.id, "new"), flags=item.extras.flags))
    tracked = []
    for tech_id, evidence in sorted(arrived.items(), key=lambda kv: (-len(kv[1]), records[kv[0]].name)):
        linked = store.get(techs.evidence_ids(tech_id))
        tracked.append(TechNews(tech_id=tech_id, name=records[tech_id].name, stage=records[tech_id].stage,
                                readiness=profile.build(list(linked.values())).readiness(), arrived=tuple(evidence)))
    due = [TechDue(tech_id=t.id, name=t.name, stage=t.stage, owner=t.owner, next_review=t.next_review)
           for t in sorted(techs.due(as_of), key=lambda t: (t.next_review, t.name))
           if t.id in records and t.next_review]  # due() returns only records with a review date
    names = {e.item.id: _names(by_item, records, [e.item, *e.also]) for e in digest.entries}
    entries = tuple(e.model_copy(update={"technologies": names[e.item.id]}) if names[e.item.id] else e
                    for e in digest.entries)
    return digest.model_copy(update={"tracked": tuple(tracked), "tech_due": tuple(due), "entries": entries})


def _names(by_item: Mapping[str, list[str]], records: Mapping[str, Technology],
           items: Sequence[Item]) -> tuple[str, ...]:
    ids = dict.fromkeys(t for i in items for t in by_item.get(i.id, ()) if t in records)
    return tuple(records[t].name for t in ids)
