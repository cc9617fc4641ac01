"""Items and their history: every item ever seen, and each change of a field between runs.

Writes are batched idempotent upserts in one transaction per source, together with that
source's watermark, so a re-run or a crashed run never duplicates or loses an item.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from pydantic import ValidationError
from sqlalchemy import JSON, Column, Date, DateTime, ForeignKey, Integer, String, Table, Text, func, select, type_coerce
from sqlalchemy.engine import Engine

from horizon import migrations
from horizon.bulk import fewer_collections
from horizon.items import Item, changes_between, fingerprint_of
from horizon.store_base import as_utc, from_json, insert_for, metadata, utcnow

items = Table(
    "items", metadata,
    Column("id", String(200), primary_key=True),
    Column("source", String(64), nullable=False, index=True),
    Column("type", String(32), nullable=False),
    Column("updated", Date),
    Column("fingerprint", String(32), nullable=False),
    Column("record", JSON, nullable=False),
    Column("first_seen", DateTime(timezone=True), nullable=False, index=True),
    Column("last_seen", DateTime(timezone=True), nullable=False),
)
changes = Table(
    "changes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", String(200), ForeignKey("items.id"), nullable=False, index=True),
    Column("seen_at", DateTime(timezone=True), nullable=False, index=True),
    Column("field", String(64), nullable=False),
    Column("before", Text, nullable=False),
    Column("after", Text, nullable=False),
)

# The record as the driver returns it: SQLite's JSON text is parsed and validated by pydantic in one
# pass (``stored_item``), not decoded by SQLAlchemy first; PostgreSQL's driver hands back the decoded value.
RECORD = type_coerce(items.c.record, Text).label("record")


def stored_item(value) -> Item:
    """A stored record as an Item; text that pydantic's JSON parser refuses is read as before."""
    if isinstance(value, str):
        try:
            return Item.model_validate_json(value)
        except ValidationError:
            pass  # e.g. an escaped lone surrogate, which json.loads accepts: the old path decides
    return Item.model_validate(from_json(value))


@dataclass
class Upserted:
    """What one batch did: which ids were new, which changed, and how."""

    new: list[str] = field(default_factory=list)
    changed: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    seen: list[str] = field(default_factory=list)


class ItemsStore:
    """The item operations of ``horizon.store.Store``."""

    engine: Engine
    if TYPE_CHECKING:  # provided by RunsStore
        def _set_watermark(self, conn, source: str, updated: date, now: datetime) -> None: ...

    @fewer_collections()  # thousands of rows at once: see horizon.bulk
    def upsert(self, batch: Iterable[Item], now: datetime | None = None,
               watermark: tuple[str, date] | None = None) -> Upserted:
        """Insert new items, update changed ones, record what changed; one transaction.

        Unchanged items (same fingerprint as stored) only get ``last_seen`` moved: their
        records are neither read back nor rewritten, so a re-run costs one id/hash query.
        """
        now = now or utcnow()
        unique = {item.id: item for item in batch}  # a response may repeat an id
        records = {item_id: item.model_dump(mode="json") for item_id, item in unique.items()}  # dumped once
        prints = {item_id: fingerprint_of(record) for item_id, record in records.items()}
        result = Upserted()
        with self.engine.begin() as conn:
            migrations.exclusive(conn, "items")  # concurrent runs: read, compare and write as one
            stored = self._fingerprints(conn, list(unique))
            differ = [i for i in unique if i in stored and stored[i] != prints[i]]
            existing = self._records(conn, differ)
            rows, unchanged = [], []
            for item_id, item in unique.items():
                if item_id not in stored:
                    result.new.append(item_id)
                elif item_id in existing:
                    diff = changes_between(existing[item_id], item)
                    if diff:
                        result.changed[item_id] = diff
                    else:
                        result.seen.append(item_id)
                else:
                    result.seen.append(item_id)
                    unchanged.append(item_id)
                    continue
                rows.append(self._row(item, now, prints[item_id], records[item_id]))
            if rows:
                self._upsert_rows(conn, rows)
            for start in range(0, len(unchanged), 500):
                conn.execute(items.update().where(items.c.id.in_(unchanged[start:start + 500])).values(last_seen=now))
            change_rows = [
                {"item_id": i, "seen_at": now, "field": f, "before": b, "after": a}
                for i, diff in result.changed.items() for f, (b, a) in diff.items()
            ]
            if change_rows:
                conn.execute(changes.insert(), change_rows)
            if watermark:
                self._set_watermark(conn, watermark[0], watermark[1], now)
        return result

    def _row(self, item: Item, now: datetime, fingerprint: str | None = None, record: dict | None = None) -> dict:
        record = item.model_dump(mode="json") if record is None else record
        return {
            "id": item.id, "source": item.source, "type": item.type, "updated": item.updated,
            "fingerprint": fingerprint or fingerprint_of(record), "record": record,
            "first_seen": now, "last_seen": now,
        }

    def _upsert_rows(self, conn, rows: list[dict]) -> None:
        insert = insert_for(self.engine)(items)
        stmt = insert.on_conflict_do_update(
            index_elements=[items.c.id],
            set_={c: insert.excluded[c] for c in ("source", "type", "updated", "fingerprint", "record", "last_seen")},
        )
        for start in range(0, len(rows), 500):
            conn.execute(stmt, rows[start:start + 500])

    def _fingerprints(self, conn, ids: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for start in range(0, len(ids), 500):
            query = select(items.c.id, items.c.fingerprint).where(items.c.id.in_(ids[start:start + 500]))
            found.update((row.id, row.fingerprint) for row in conn.execute(query))
        return found

    def _records(self, conn, ids: Sequence[str]) -> dict[str, Item]:
        found: dict[str, Item] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            for row in conn.execute(select(items.c.id, RECORD).where(items.c.id.in_(chunk))):
                found[row.id] = stored_item(row.record)
        return found

    def get(self, ids: Sequence[str]) -> dict[str, Item]:
        with self.engine.connect() as conn:
            return self._records(conn, list(ids))

    def count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(items)).scalar_one()

    def items_since(self, cutoff: datetime | None, seen_from: datetime | None = None) -> list[Item]:
        """Items first seen or changed after ``cutoff`` (all seen since ``seen_from`` when no cutoff)."""
        with self.engine.connect() as conn:
            if cutoff is None:
                earliest = seen_from or datetime.min.replace(tzinfo=UTC)
                query = select(RECORD).where(items.c.last_seen >= earliest)
            else:
                changed = select(changes.c.item_id).where(changes.c.seen_at > cutoff)
                query = select(RECORD).where((items.c.first_seen > cutoff) | items.c.id.in_(changed))
            return [stored_item(r.record) for r in conn.execute(query.order_by(items.c.id))]

    def items_updated_since(self, since: date) -> list[Item]:
        with self.engine.connect() as conn:
            query = select(RECORD).where(items.c.updated >= since).order_by(items.c.id)
            return [stored_item(r.record) for r in conn.execute(query)]

    def history(self, ids: Sequence[str], after: datetime | None) -> dict[str, dict[str, tuple[str, str]]]:
        """Changes recorded after ``after``, per item: first 'before', last 'after'."""
        out: dict[str, dict[str, tuple[str, str]]] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(ids), 500):
                query = select(changes).where(changes.c.item_id.in_(ids[start:start + 500]))
                if after is not None:
                    query = query.where(changes.c.seen_at > after)
                for row in conn.execute(query.order_by(changes.c.id)):
                    fields = out.setdefault(row.item_id, {})
                    before = fields[row.field][0] if row.field in fields else row.before
                    fields[row.field] = (before, row.after)
        return out

    def first_seen(self, ids: Sequence[str]) -> dict[str, datetime]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(items.c.id, items.c.first_seen).where(items.c.id.in_(list(ids))))
            return {r.id: as_utc(r.first_seen) for r in rows}

    def search(self, text: str, limit: int = 200) -> list[Item]:
        """Items whose title or summary contains ``text`` (case-insensitive), newest first."""
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        title, summary = items.c.record["title"].as_string(), items.c.record["summary"].as_string()
        query = (select(RECORD)
                 .where(title.ilike(pattern, escape="\\") | summary.ilike(pattern, escape="\\"))
                 .order_by(items.c.updated.desc(), items.c.id).limit(limit))
        with self.engine.connect() as conn:
            return [stored_item(r.record) for r in conn.execute(query)]
