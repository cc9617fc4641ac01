"""Everything known about one technology, gathered once for the CLI, the dossier and the workspace."""

from __future__ import annotations

from dataclasses import dataclass, field

from horizon.items import Item
from horizon.store_tech import EVIDENCE_STATES, StageChange, TechLink, Technologies, Technology
from horizon.tech import profile as profiles
from horizon.tech.profile import EVIDENCE_KINDS, Profile


def summary(techs: Technologies, record: Technology) -> dict:
    """The ``horizon tech list`` line: id, name, stage, areas, evidence counts, linked item ids."""
    ids = techs.evidence_ids(record.id)
    found = techs.store.get(ids)
    built = profiles.build(list(found.values()))
    return {"id": record.id, "name": record.name, "stage": record.stage, "areas": list(record.areas),
            "evidence": {k: built.counts[k] for k in EVIDENCE_KINDS}, "items": sorted(found)}


@dataclass
class Dossier:
    record: Technology
    profile: Profile
    history: list[StageChange]
    suggested: list[tuple[Item, TechLink]] = field(default_factory=list)  # (item, link) awaiting a reviewer
    rejected: list[tuple[Item, TechLink]] = field(default_factory=list)
    links: dict[str, TechLink] = field(default_factory=dict)  # item id -> its link
    area_names: dict[str, str] = field(default_factory=dict)


def dossier(techs: Technologies, record: Technology, priorities=None) -> Dossier:
    rows = techs.links(record.id)
    found = techs.store.get([r.item_id for r in rows])
    evidence = [found[r.item_id] for r in rows if r.status in EVIDENCE_STATES and r.item_id in found]
    by_status: dict[str, list[tuple[Item, TechLink]]] = {"suggested": [], "rejected": []}
    for r in rows:
        if r.status in by_status and r.item_id in found:
            by_status[r.status].append((found[r.item_id], r))
    by_status["suggested"].sort(key=lambda p: -(p[1].score or 0))
    names = {a.id: a.name for a in priorities.areas} if priorities is not None else {}
    return Dossier(record=record, profile=profiles.build(evidence), history=techs.stage_history(record.id),
                   suggested=by_status["suggested"], rejected=by_status["rejected"],
                   links={r.item_id: r for r in rows}, area_names=names)
