"""The live database of innovations: technology records, their links to items, stage history, proposals.

Tables live on ``horizon.store.metadata`` (``create_all`` makes them); ``Technologies``
wraps a ``Store`` with the operations the linker, CLI, digest and workspace need.
A link's status says how it came to be: ``alias`` (an alias matched), ``suggested``
(text similarity; waiting for a reviewer), ``confirmed`` or ``rejected`` (a reviewer
decided). A decided link is never overwritten by a later run, so a rejection sticks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import JSON, Column, Date, DateTime, Float, Integer, String, Table, Text, func, select

from horizon.errors import StoreError
from horizon.store import STAGES, Store, _aware, _check, _insert_for, _json, metadata, utcnow
from horizon.store_tech_proposals import PROPOSAL_STATES, Proposals, tech_proposals  # noqa: F401 - re-exported

KINDS: tuple[str, ...] = ("device", "diagnostic", "digital", "ai", "medicine", "pathway", "other")
LINK_STATES: tuple[str, ...] = ("alias", "suggested", "confirmed", "rejected")
EVIDENCE_STATES: frozenset[str] = frozenset({"alias", "confirmed"})  # links that count as evidence
DECIDED: frozenset[str] = frozenset({"confirmed", "rejected"})  # a reviewer's word: never overwritten

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
tech_links = Table(
    "tech_links", metadata,
    Column("tech_id", String(100), primary_key=True),
    Column("item_id", String(200), primary_key=True, index=True),
    Column("status", String(16), nullable=False),
    Column("score", Float),  # similarity of a suggestion
    Column("how", Text, nullable=False),  # the alias that matched, "similarity", "by hand"
    Column("by", String(100), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)


def tech_slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:100] or "technology"


class Technologies(Proposals):
    """Technology records and their evidence links in one store."""

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
        _check(kind, KINDS, "technology kind")
        _check(stage, STAGES, "stage")
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

    def get(self, tech_id: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(technologies).where(technologies.c.id == tech_id)).first()
        return _record(row) if row else None

    def require(self, tech_id: str) -> dict:
        found = self.get(tech_id)
        if found is None:
            known = ", ".join(t["id"] for t in self.all()[:20]) or "none yet (add one with `horizon tech add`)"
            raise StoreError(f"no technology '{tech_id}'; known: {known}")
        return found

    def by_name(self, name: str) -> dict | None:
        wanted = name.strip().lower()
        return next((t for t in self.all() if t["name"].lower() == wanted), None)

    def all(self) -> list[dict]:
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
            _check(values["kind"], KINDS, "technology kind")
        self.require(tech_id)
        with self.engine.begin() as conn:
            conn.execute(technologies.update().where(technologies.c.id == tech_id)
                         .values(**values, updated_at=now or utcnow()))

    def add_aliases(self, tech_id: str, aliases: Iterable[str]) -> None:
        found = self.require(tech_id)
        self.update(tech_id, aliases=_unique([*found["aliases"], *aliases], found["name"]))

    def set_stage(self, tech_id: str, stage: str, by: str, why: str = "", now: datetime | None = None) -> None:
        """Move a technology to ``stage``; the change is logged with who, when and why."""
        _check(stage, STAGES, "stage")
        self.require(tech_id)
        now = now or utcnow()
        with self.engine.begin() as conn:
            conn.execute(technologies.update().where(technologies.c.id == tech_id).values(stage=stage, updated_at=now))
            conn.execute(tech_stage_log.insert(), {"tech_id": tech_id, "stage": stage, "by": by, "at": now, "why": why})

    def stage_history(self, tech_id: str) -> list[dict]:
        with self.engine.connect() as conn:
            query = select(tech_stage_log).where(tech_stage_log.c.tech_id == tech_id).order_by(tech_stage_log.c.id)
            return [{**r._mapping, "at": _aware(r.at)} for r in conn.execute(query)]

    def due(self, today: date) -> list[dict]:
        """Open technologies whose next review is on or before ``today``."""
        return [t for t in self.all() if t["next_review"] and t["next_review"] <= today
                and t["stage"] not in ("scaled", "stopped")]

    # -- links ----------------------------------------------------------------------------
    def add_links(self, rows: Iterable[dict], now: datetime | None = None) -> int:
        """Insert links (tech_id, item_id, status, how, score, by) that do not exist yet; returns how many.

        An ``alias`` link replaces a pending suggestion; nothing replaces a reviewer's decision.
        """
        now = now or utcnow()
        rows = [{"score": None, "by": "linker", **r, "at": now} for r in rows]
        if not rows:
            return 0
        insert = _insert_for(self.engine)(tech_links)
        before = self.link_count()
        with self.engine.begin() as conn:
            pending = {(r.tech_id, r.item_id) for r in conn.execute(
                select(tech_links.c.tech_id, tech_links.c.item_id).where(tech_links.c.status == "suggested"))}
            for start in range(0, len(rows), 500):
                conn.execute(insert.on_conflict_do_nothing(), rows[start:start + 500])
            for r in rows:
                if r["status"] == "alias" and (r["tech_id"], r["item_id"]) in pending:
                    conn.execute(tech_links.update().where(
                        tech_links.c.tech_id == r["tech_id"], tech_links.c.item_id == r["item_id"])
                        .values(status="alias", how=r["how"], score=None, at=now))
        return self.link_count() - before

    def decide(self, tech_id: str, item_id: str, status: str, by: str, now: datetime | None = None) -> None:
        """A reviewer confirms or rejects a link (or links an item by hand, confirmed)."""
        _check(status, ("confirmed", "rejected"), "link decision")
        self.require(tech_id)
        if not self.store.get([item_id]):
            raise StoreError(f"no stored item '{item_id}'")
        now = now or utcnow()
        insert = _insert_for(self.engine)(tech_links)
        with self.engine.begin() as conn:
            conn.execute(insert.on_conflict_do_update(
                index_elements=[tech_links.c.tech_id, tech_links.c.item_id],
                set_={"status": status, "by": by, "at": now}),
                {"tech_id": tech_id, "item_id": item_id, "status": status, "score": None, "how": "by hand",
                 "by": by, "at": now})

    def links(self, tech_id: str | None = None, statuses: Iterable[str] | None = None) -> list[dict]:
        query = select(tech_links).order_by(tech_links.c.tech_id, tech_links.c.item_id)
        if tech_id is not None:
            query = query.where(tech_links.c.tech_id == tech_id)
        if statuses is not None:
            query = query.where(tech_links.c.status.in_(list(statuses)))
        with self.engine.connect() as conn:
            return [{**r._mapping, "at": _aware(r.at)} for r in conn.execute(query)]

    def item_links(self, item_id: str) -> list[dict]:
        """Every link of one item, of any status."""
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(tech_links).where(tech_links.c.item_id == item_id))]

    def known_pairs(self) -> set[tuple[str, str]]:
        """Every (technology, item) pair with a link of any status: never suggested again."""
        with self.engine.connect() as conn:
            return {(r.tech_id, r.item_id) for r in conn.execute(select(tech_links.c.tech_id, tech_links.c.item_id))}

    def link_count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(tech_links)).scalar_one()

    def evidence_ids(self, tech_id: str) -> list[str]:
        return [r["item_id"] for r in self.links(tech_id, EVIDENCE_STATES)]

    def techs_of(self, item_ids: Sequence[str]) -> dict[str, list[str]]:
        """The technologies each item is evidence for: {item_id: [tech_id, ...]}."""
        out: dict[str, list[str]] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(item_ids), 500):
                query = select(tech_links.c.item_id, tech_links.c.tech_id).where(
                    tech_links.c.item_id.in_(list(item_ids[start:start + 500])),
                    tech_links.c.status.in_(list(EVIDENCE_STATES)))
                for r in conn.execute(query):
                    out.setdefault(r.item_id, []).append(r.tech_id)
        return out

    def merge(self, source_id: str, into_id: str, by: str, now: datetime | None = None) -> None:
        """Fold one record into another: its name and aliases become aliases, its links move."""
        source, target = self.require(source_id), self.require(into_id)
        now = now or utcnow()
        moved = {(r["item_id"]): r for r in self.links(source_id)}
        existing = {r["item_id"] for r in self.links(into_id)}
        with self.engine.begin() as conn:
            for item_id, r in moved.items():
                if item_id not in existing:
                    conn.execute(tech_links.insert(), {**r, "tech_id": into_id})
            conn.execute(tech_links.delete().where(tech_links.c.tech_id == source_id))
            conn.execute(technologies.delete().where(technologies.c.id == source_id))
            conn.execute(tech_stage_log.insert(), {"tech_id": into_id, "stage": target["stage"], "by": by, "at": now,
                                                   "why": f"merged '{source['name']}' into this record"})
        self.add_aliases(into_id, [source["name"], *source["aliases"]])

    def split(self, source_id: str, name: str, item_ids: Sequence[str], by: str, aliases: Sequence[str] = (),
              now: datetime | None = None) -> str:
        """Make a new record of some of one record's items (two products filed as one); returns its id.

        The items' links move to the new record, confirmed; the old record keeps a rejection of
        each, so alias matching never files them back under it.
        """
        source = self.require(source_id)
        linked = {r["item_id"] for r in self.links(source_id)}
        stray = sorted(set(item_ids) - linked)
        if not item_ids or stray:
            raise StoreError(f"split {source_id}: choose items linked to it (not linked: {', '.join(stray) or 'none'})")
        now = now or utcnow()
        new_id = self.add(name, aliases, kind=source["kind"], developer=source["developer"], areas=source["areas"],
                          stage=source["stage"], by=by, why=f"split from '{source['name']}'", now=now)
        for item_id in dict.fromkeys(item_ids):
            self.decide(new_id, item_id, "confirmed", by, now)
            self.decide(source_id, item_id, "rejected", by, now)
        with self.engine.begin() as conn:
            conn.execute(tech_stage_log.insert(), {"tech_id": source_id, "stage": source["stage"], "by": by,
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


def _record(row) -> dict:
    record = dict(row._mapping)
    record["aliases"], record["areas"] = list(_json(record["aliases"])), list(_json(record["areas"]))
    record["created_at"], record["updated_at"] = _aware(record["created_at"]), _aware(record["updated_at"])
    return record

