"""Proposed technologies: names that recur across sources but belong to no record.

The team accepts one as a new record, merges it into an existing one (as an alias)
or ignores it; a decided name is never proposed again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Column, DateTime, String, Table, select
from sqlalchemy.engine import Engine

from horizon.errors import StoreError
from horizon.store import as_utc, check_choice, from_json, metadata, utcnow

if TYPE_CHECKING:
    from horizon.store_tech import Technology

PROPOSAL_STATES: tuple[str, ...] = ("proposed", "accepted", "ignored", "merged")

tech_proposals = Table(  # recurring names that belong to no record, for the team to decide on
    "tech_proposals", metadata,
    Column("name", String(200), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("item_ids", JSON, nullable=False),
    Column("tech_id", String(100)),
    Column("at", DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True, slots=True)
class TechProposal:
    """A recurring name, the items it appears in, what the team decided and the record it became (if any)."""

    name: str
    status: str
    item_ids: tuple[str, ...]
    tech_id: str | None
    at: datetime  # when it was proposed, or decided on (aware UTC)


class Proposals:
    """The proposal operations of ``horizon.store_tech.Technologies``."""

    engine: Engine
    if TYPE_CHECKING:  # provided by Technologies
        def add(self, name: str, aliases: Sequence[str] = (), *args: Any, **kwargs: Any) -> str: ...
        def require(self, tech_id: str) -> Technology: ...
        def add_aliases(self, tech_id: str, aliases: Iterable[str]) -> None: ...
        def add_links(self, rows: Iterable[dict], now: datetime | None = None) -> int: ...

    def propose(self, name: str, item_ids: Sequence[str], now: datetime | None = None) -> bool:
        """Record a recurring name; a name already decided on is never proposed again."""
        now = now or utcnow()
        with self.engine.begin() as conn:
            found = conn.execute(select(tech_proposals).where(tech_proposals.c.name == name)).first()
            if found is None:
                conn.execute(tech_proposals.insert(), {"name": name, "status": "proposed",
                                                       "item_ids": list(item_ids), "tech_id": None, "at": now})
                return True
            if found.status == "proposed":
                ids = list(dict.fromkeys([*from_json(found.item_ids), *item_ids]))
                conn.execute(tech_proposals.update().where(tech_proposals.c.name == name).values(item_ids=ids))
        return False

    def proposals(self, status: str | None = "proposed") -> list[TechProposal]:
        query = select(tech_proposals).order_by(tech_proposals.c.name)
        if status:
            query = query.where(tech_proposals.c.status == status)
        with self.engine.connect() as conn:
            return [TechProposal(name=r.name, status=r.status, item_ids=tuple(from_json(r.item_ids)), tech_id=r.tech_id,
                                 at=as_utc(r.at)) for r in conn.execute(query)]

    def decide_proposal(self, name: str, action: str, by: str, into: str | None = None,
                        now: datetime | None = None) -> str | None:
        """Accept (a new record), merge (an alias of ``into``) or ignore a proposal; returns the tech id."""
        check_choice(action, ("accept", "merge", "ignore"), "proposal action")
        with self.engine.connect() as conn:
            found = conn.execute(select(tech_proposals).where(tech_proposals.c.name == name)).first()
        if found is None or found.status != "proposed":
            raise StoreError(f"no open proposal '{name}'")
        tech_id = None
        if action == "accept":
            tech_id = self.add(name, [name], by=by, why="accepted from proposed names", now=now)
        elif action == "merge":
            if not into:
                raise StoreError("merging a proposal needs the technology to merge it into")
            tech_id = self.require(into).id
            self.add_aliases(tech_id, [name])
        if tech_id:
            self.add_links([{"tech_id": tech_id, "item_id": i, "status": "confirmed", "how": f"proposal '{name}'",
                             "by": by} for i in from_json(found.item_ids)], now=now)
        status = {"accept": "accepted", "merge": "merged", "ignore": "ignored"}[action]
        with self.engine.begin() as conn:
            conn.execute(tech_proposals.update().where(tech_proposals.c.name == name)
                         .values(status=status, tech_id=tech_id, at=now or utcnow()))
        return tech_id
