"""The live database of innovations: technology records and their stage history.

Tables live on ``horizon.store.metadata`` (``create_all`` makes them); ``Technologies``
wraps a ``Store`` with the operations the linker, CLI, digest and workspace need: the
records here, their links to items (``store_tech_links``) and proposed names
(``store_tech_proposals``). Reads return the frozen records below, not rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime

from sqlalchemy import JSON, Column, Date, DateTime, Integer, String, Table, Text, select

from horizon.errors import StoreError
from horizon.store import STAGES, Store, as_utc, check_choice, from_json, metadata, utcnow
from horizon.store_tech_links import (  # noqa: F401 - re-exported
    DECIDED,
    EVIDENCE_STATES,
    LINK_STATES,
    Links,
    TechLink,
    tech_links,
)
from horizon.store_tech_proposals import (  # noqa: F401 - re-exported
    PROPOSAL_STATES,
    Proposals,
    TechProposal,
    tech_proposals,
)

KINDS: tuple[str, ...] = ("device", "diagnostic", "digital", "ai", "medicine", "pathway", "other")

technologies = Table(
    "technologies", metadata,
    Column("id", String(100), primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("aliases", JSON, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("developer", String(200), nullable=False),
    Column("areas", JSON, nullable=False),
    Column("description", Text, nullable=False),
    Column("stage", String(16), nullable=False),
    Column("owner", String(100), nullable=False),
    Column("next_review", Date),
    Column("notes", Text, nullable=False),  # evaluation notes
    Column("outcome", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
tech_stage_log = Table(  # every stage change: who, when, why
    "tech_stage_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tech_id", String(100), nullable=False, index=True),
    Column("stage", String(16), nullable=False),
    Column("by", String(100), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("why", Text, nullable=False),
)


@dataclass(frozen=True, slots=True)
class Technology:
    """One tracked technology: what it is, where it stands, who owns it; times aware (UTC)."""

    id: str
    name: str
    aliases: tuple[str, ...]
    kind: str
    developer: str
    areas: tuple[str, ...]
    description: str
    stage: str
    owner: str
    next_review: date | None
    notes: str  # evaluation notes
    outcome: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class StageChange:
    """One entry of a technology's stage history: the stage it moved to, who moved it, when and why."""

    tech_id: str
    stage: str
    by: str
    at: datetime
    why: str


def tech_slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:100] or "technology"


class Technologies(Links, Proposals):
    """Technology records, their evidence links and proposed names in one store."""

    def __init__(self, store: Store):
        self.store, self.engine = store, store.engine

    # -- records --------------------------------------------------------------------------
    def add(self, name: str, aliases: Sequence[str] = (), kind: str = "other", developer: str = "",
            areas: Sequence[str] = (), description: str = "", stage: str = "signal", owner: str = "",
            by: str = "cli", why: str = "added", now: datetime | None = None, tech_id: str | None = None) -> str:
        """Create a record (its first stage is logged); returns its id."""
        name = name.strip()
        if not name:
            raise StoreError("a technology needs a name")
        check_choice(kind, KINDS, "technology kind")
        check_choice(stage, STAGES, "stage")
        now = now or utcnow()
        tech_id = tech_id or tech_slug(name)
        if self.get(tech_id) or self.by_name(name):
            raise StoreError(f"technology '{name}' already exists (id {tech_id}); add aliases to it instead")
        with self.engine.begin() as conn:
            conn.execute(technologies.insert(), {
                "id": tech_id, "name": name, "aliases": _unique(aliases, name), "kind": kind,
                "developer": developer, "areas": list(dict.fromkeys(areas)), "description": description,
                "stage": stage, "owner": owner, "next_review": None, "notes": "", "outcome": "",
                "created_at": now, "updated_at": now})
            conn.execute(tech_stage_log.insert(), {"tech_id": tech_id, "stage": stage, "by": by, "at": now,
                                                   "why": why})
        return tech_id

    def get(self, tech_id: str) -> Technology | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(technologies).where(technologies.c.id == tech_id)).first()
        return _record(row) if row else None

    def require(self, tech_id: str) -> Technology:
        found = self.get(tech_id)
        if found is None:
            known = ", ".join(t.id for t in self.all()[:20]) or "none yet (add one with `horizon tech add`)"
            raise StoreError(f"no technology '{tech_id}'; known: {known}")
        return found

    def by_name(self, name: str) -> Technology | None:
        wanted = name.strip().lower()
        return next((t for t in self.all() if t.name.lower() == wanted), None)

    def all(self) -> list[Technology]:
        with self.engine.connect() as conn:
            return [_record(r) for r in conn.execute(select(technologies).order_by(technologies.c.name))]

    def update(self, tech_id: str, now: datetime | None = None, **values) -> None:
        """Change descriptive fields, owner, review date, notes or outcome (not the stage: see ``set_stage``)."""
        allowed = {"aliases", "kind", "developer", "areas", "description", "owner", "next_review", "notes",
                   "outcome", "name"}
        unknown = sorted(set(values) - allowed)
        if unknown:
            raise StoreError(f"cannot update '{unknown[0]}' of a technology; valid: {', '.join(sorted(allowed))}")
        if "kind" in values:
            check_choice(values["kind"], KINDS, "technology kind")
        self.require(tech_id)
        with self.engine.begin() as conn:
            conn.execute(technologies.update().where(technologies.c.id == tech_id)
                         .values(**values, updated_at=now or utcnow()))

    def add_aliases(self, tech_id: str, aliases: Iterable[str]) -> None:
        found = self.require(tech_id)
        self.update(tech_id, aliases=_unique([*found.aliases, *aliases], found.name))

    def set_stage(self, tech_id: str, stage: str, by: str, why: str = "", now: datetime | None = None) -> None:
        """Move a technology to ``stage``; the change is logged with who, when and why."""
        check_choice(stage, STAGES, "stage")
        self.require(tech_id)
        now = now or utcnow()
        with self.engine.begin() as conn:
            conn.execute(technologies.update().where(technologies.c.id == tech_id).values(stage=stage, updated_at=now))
            conn.execute(tech_stage_log.insert(), {"tech_id": tech_id, "stage": stage, "by": by, "at": now, "why": why})

    def stage_history(self, tech_id: str) -> list[StageChange]:
        with self.engine.connect() as conn:
            query = select(tech_stage_log).where(tech_stage_log.c.tech_id == tech_id).order_by(tech_stage_log.c.id)
            return [StageChange(tech_id=r.tech_id, stage=r.stage, by=r.by, at=as_utc(r.at), why=r.why)
                    for r in conn.execute(query)]

    def due(self, today: date) -> list[Technology]:
        """Open technologies whose next review is on or before ``today``."""
        return [t for t in self.all() if t.next_review and t.next_review <= today
                and t.stage not in ("scaled", "stopped")]

    def merge(self, source_id: str, into_id: str, by: str, now: datetime | None = None) -> None:
        """Fold one record into another: its name and aliases become aliases, its links move."""
        source, target = self.require(source_id), self.require(into_id)
        now = now or utcnow()
        moved = {r.item_id: r for r in self.links(source_id)}
        existing = {r.item_id for r in self.links(into_id)}
        with self.engine.begin() as conn:
            for item_id, r in moved.items():
                if item_id not in existing:
                    conn.execute(tech_links.insert(), {**asdict(r), "tech_id": into_id})
            conn.execute(tech_links.delete().where(tech_links.c.tech_id == source_id))
            conn.execute(technologies.delete().where(technologies.c.id == source_id))
            conn.execute(tech_stage_log.insert(), {"tech_id": into_id, "stage": target.stage, "by": by, "at": now,
                                                   "why": f"merged '{source.name}' into this record"})
        self.add_aliases(into_id, [source.name, *source.aliases])

    def split(self, source_id: str, name: str, item_ids: Sequence[str], by: str, aliases: Sequence[str] = (),
              now: datetime | None = None) -> str:
        """Make a new record of some of one record's items (two products filed as one); returns its id.

        The items' links move to the new record, confirmed; the old record keeps a rejection of
        each, so alias matching never files them back under it.
        """
        source = self.require(source_id)
        linked = {r.item_id for r in self.links(source_id)}
        stray = sorted(set(item_ids) - linked)
        if not item_ids or stray:
            raise StoreError(f"split {source_id}: choose items linked to it (not linked: {', '.join(stray) or 'none'})")
        now = now or utcnow()
        new_id = self.add(name, aliases, kind=source.kind, developer=source.developer, areas=source.areas,
                          stage=source.stage, by=by, why=f"split from '{source.name}'", now=now)
        for item_id in dict.fromkeys(item_ids):
            self.decide(new_id, item_id, "confirmed", by, now)
            self.decide(source_id, item_id, "rejected", by, now)
        with self.engine.begin() as conn:
            conn.execute(tech_stage_log.insert(), {"tech_id": source_id, "stage": source.stage, "by": by,
                                                   "at": now, "why": f"split {len(set(item_ids))} items into '{name}'"})
        return new_id


def _unique(aliases: Iterable[str], name: str) -> list[str]:
    """Aliases without blanks or repeats; the name itself always matches, so it is not repeated here."""
    seen, out = {name.strip().lower()}, []
    for given in aliases:
        alias = " ".join(str(given).split())
        if alias and alias.lower() not in seen:
            seen.add(alias.lower())
            out.append(alias)
    return out


def _record(row) -> Technology:
    return Technology(id=row.id, name=row.name, aliases=tuple(from_json(row.aliases)), kind=row.kind,
                      developer=row.developer, areas=tuple(from_json(row.areas)), description=row.description,
                      stage=row.stage, owner=row.owner, next_review=row.next_review, notes=row.notes,
                      outcome=row.outcome, created_at=as_utc(row.created_at), updated_at=as_utc(row.updated_at))

