"""Links between technology records and stored items: the evidence of a technology.

A link's status says how it came to be: ``alias`` (an alias matched), ``suggested``
(text similarity; waiting for a reviewer), ``confirmed`` or ``rejected`` (a reviewer
decided). A decided link is never overwritten by a later run, so a rejection sticks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, DateTime, Float, String, Table, Text, func, select
from sqlalchemy.engine import Engine

from horizon.errors import StoreError
from horizon.store import Store, as_utc, check_choice, insert_for, metadata, utcnow

if TYPE_CHECKING:
    from horizon.store_tech import Technology

LINK_STATES: tuple[str, ...] = ("alias", "suggested", "confirmed", "rejected")
EVIDENCE_STATES: frozenset[str] = frozenset({"alias", "confirmed"})  # links that count as evidence
DECIDED: frozenset[str] = frozenset({"confirmed", "rejected"})  # a reviewer's word: never overwritten

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


@dataclass(frozen=True, slots=True)
class TechLink:
    """One item linked to one technology: its status, how and by whom, and when (aware UTC)."""

    tech_id: str
    item_id: str
    status: str
    score: float | None  # the similarity of a suggestion; None otherwise
    how: str
    by: str
    at: datetime


class Links:
    """The link operations of ``horizon.store_tech.Technologies``."""

    engine: Engine
    store: Store
    if TYPE_CHECKING:  # provided by Technologies
        def require(self, tech_id: str) -> Technology: ...

    def add_links(self, rows: Iterable[dict], now: datetime | None = None) -> int:
        """Insert links (tech_id, item_id, status, how, score, by) that do not exist yet; returns how many.

        An ``alias`` link replaces a pending suggestion; nothing replaces a reviewer's decision.
        """
        now = now or utcnow()
        rows = [{"score": None, "by": "linker", **r, "at": now} for r in rows]
        if not rows:
            return 0
        insert = insert_for(self.engine)(tech_links)
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
        check_choice(status, ("confirmed", "rejected"), "link decision")
        self.require(tech_id)
        if not self.store.get([item_id]):
            raise StoreError(f"no stored item '{item_id}'")
        now = now or utcnow()
        insert = insert_for(self.engine)(tech_links)
        with self.engine.begin() as conn:
            conn.execute(insert.on_conflict_do_update(
                index_elements=[tech_links.c.tech_id, tech_links.c.item_id],
                set_={"status": status, "by": by, "at": now}),
                {"tech_id": tech_id, "item_id": item_id, "status": status, "score": None, "how": "by hand",
                 "by": by, "at": now})

    def links(self, tech_id: str | None = None, statuses: Iterable[str] | None = None) -> list[TechLink]:
        query = select(tech_links).order_by(tech_links.c.tech_id, tech_links.c.item_id)
        if tech_id is not None:
            query = query.where(tech_links.c.tech_id == tech_id)
        if statuses is not None:
            query = query.where(tech_links.c.status.in_(list(statuses)))
        with self.engine.connect() as conn:
            return [_link(r) for r in conn.execute(query)]

    def item_links(self, item_id: str) -> list[TechLink]:
        """Every link of one item, of any status."""
        with self.engine.connect() as conn:
            return [_link(r) for r in conn.execute(select(tech_links).where(tech_links.c.item_id == item_id))]

    def known_pairs(self) -> set[tuple[str, str]]:
        """Every (technology, item) pair with a link of any status: never suggested again."""
        with self.engine.connect() as conn:
            return {(r.tech_id, r.item_id) for r in conn.execute(select(tech_links.c.tech_id, tech_links.c.item_id))}

    def link_count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(tech_links)).scalar_one()

    def evidence_ids(self, tech_id: str) -> list[str]:
        return [r.item_id for r in self.links(tech_id, EVIDENCE_STATES)]

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


def _link(row) -> TechLink:
    return TechLink(tech_id=row.tech_id, item_id=row.item_id, status=row.status, score=row.score, how=row.how,
                    by=row.by, at=as_utc(row.at))
