"""The item store: every item ever seen, what changed, which digest showed it, and labels.

SQLAlchemy Core over SQLite by default or PostgreSQL by URL. Writes are batched
idempotent upserts in one transaction per source, together with that source's
watermark, so a re-run or a crashed run never duplicates or loses an item.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from sqlalchemy import (
    JSON, Boolean, Column, Date, DateTime, Float, ForeignKey, Integer, MetaData, String, Table, Text,
    UniqueConstraint, create_engine, event, func, select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError, OperationalError

from horizon import migrations
from horizon.errors import StoreError
from horizon.items import Item, changes_between

SCHEMA_VERSION = 1
metadata = MetaData()

meta = Table("meta", metadata, Column("key", String(64), primary_key=True), Column("value", Text, nullable=False))
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
watermarks = Table(
    "watermarks", metadata,
    Column("source", String(64), primary_key=True),
    Column("updated", Date, nullable=False),
    Column("run_at", DateTime(timezone=True), nullable=False),
)
digests = Table(
    "digests", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(100), nullable=False),
    Column("week", String(10), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("path", Text, nullable=False),
    UniqueConstraint("key", "week", name="uq_digest_key_week"),
)
digest_items = Table(
    "digest_items", metadata,
    Column("digest_id", Integer, ForeignKey("digests.id"), primary_key=True),
    Column("item_id", String(200), ForeignKey("items.id"), primary_key=True),
    Column("rank", Integer, nullable=False),
    Column("score", Float, nullable=False),
    Column("areas", JSON, nullable=False),
)
labels = Table(
    "labels", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", String(200), nullable=False, index=True),
    Column("area", String(64)),  # None with relevant=False: "no area at all"
    Column("relevant", Boolean, nullable=False),
    Column("reviewer", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


@dataclass
class Upserted:
    """What one batch did: which ids were new, which changed, and how."""

    new: list[str] = field(default_factory=list)
    changed: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    seen: list[str] = field(default_factory=list)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Store:
    """Items, their history, digests and labels in one SQL database."""

    def __init__(self, url: str):
        self.url = url
        self.engine = _engine(url)
        self._migrate()

    # -- items -------------------------------------------------------------------------
    def upsert(self, batch: Iterable[Item], now: datetime | None = None,
               watermark: tuple[str, date] | None = None) -> Upserted:
        """Insert new items, update changed ones, record what changed; one transaction."""
        now = now or utcnow()
        unique = {item.id: item for item in batch}  # a response may repeat an id
        result = Upserted()
        with self.engine.begin() as conn:
            migrations.exclusive(conn, "items")  # concurrent runs: read, compare and write as one
            existing = self._records(conn, list(unique))
            rows = []
            for item_id, item in unique.items():
                old = existing.get(item_id)
                if old is None:
                    result.new.append(item_id)
                elif old.fingerprint() != item.fingerprint():
                    diff = changes_between(old, item)
                    if diff:
                        result.changed[item_id] = diff
                    else:
                        result.seen.append(item_id)
                else:
                    result.seen.append(item_id)
                rows.append(self._row(item, now))
            if rows:
                self._upsert_rows(conn, rows)
            change_rows = [
                {"item_id": i, "seen_at": now, "field": f, "before": b, "after": a}
                for i, diff in result.changed.items() for f, (b, a) in diff.items()
            ]
            if change_rows:
                conn.execute(changes.insert(), change_rows)
            if watermark:
                self._set_watermark(conn, watermark[0], watermark[1], now)
        return result

    def _row(self, item: Item, now: datetime) -> dict:
        return {
            "id": item.id, "source": item.source, "type": item.type, "updated": item.updated,
            "fingerprint": item.fingerprint(), "record": item.model_dump(mode="json"),
            "first_seen": now, "last_seen": now,
        }

    def _upsert_rows(self, conn, rows: list[dict]) -> None:
        insert = _insert_for(self.engine)(items)
        stmt = insert.on_conflict_do_update(
            index_elements=[items.c.id],
            set_={c: insert.excluded[c] for c in ("source", "type", "updated", "fingerprint", "record", "last_seen")},
        )
        for start in range(0, len(rows), 500):
            conn.execute(stmt, rows[start:start + 500])

    def _records(self, conn, ids: Sequence[str]) -> dict[str, Item]:
        found: dict[str, Item] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            for row in conn.execute(select(items.c.id, items.c.record).where(items.c.id.in_(chunk))):
                found[row.id] = Item.model_validate(_json(row.record))
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
                query = select(items.c.record).where(items.c.last_seen >= (seen_from or datetime.min.replace(tzinfo=timezone.utc)))
            else:
                changed = select(changes.c.item_id).where(changes.c.seen_at > cutoff)
                query = select(items.c.record).where((items.c.first_seen > cutoff) | items.c.id.in_(changed))
            return [Item.model_validate(_json(r.record)) for r in conn.execute(query.order_by(items.c.id))]

    def items_updated_since(self, since: date) -> list[Item]:
        with self.engine.connect() as conn:
            query = select(items.c.record).where(items.c.updated >= since).order_by(items.c.id)
            return [Item.model_validate(_json(r.record)) for r in conn.execute(query)]

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
            return {r.id: _aware(r.first_seen) for r in rows}

    # -- watermarks ----------------------------------------------------------------------
    def watermark(self, source: str) -> date | None:
        with self.engine.connect() as conn:
            return conn.execute(select(watermarks.c.updated).where(watermarks.c.source == source)).scalar()

    def _set_watermark(self, conn, source: str, updated: date, now: datetime) -> None:
        insert = _insert_for(self.engine)(watermarks)
        stmt = insert.on_conflict_do_update(
            index_elements=[watermarks.c.source],
            set_={"updated": func.max(insert.excluded.updated, watermarks.c.updated)
                  if self.engine.dialect.name == "sqlite"
                  else func.greatest(insert.excluded.updated, watermarks.c.updated),
                  "run_at": insert.excluded.run_at},
        )
        conn.execute(stmt, {"source": source, "updated": updated, "run_at": now})

    # -- digests -------------------------------------------------------------------------
    def previous_digest_time(self, key: str, week: str) -> datetime | None:
        """When the last digest before ``week`` was published: the cutoff for 'new'."""
        with self.engine.connect() as conn:
            value = conn.execute(
                select(func.max(digests.c.created_at)).where(digests.c.key == key, digests.c.week < week)
            ).scalar()
        return _aware(value) if value else None

    def record_digest(self, key: str, week: str, path: str, ranked: Sequence[tuple[str, float, Sequence[str]]],
                      now: datetime | None = None) -> int:
        """Publish (or re-publish) the digest of ``week``: exactly one per key and week."""
        now = now or utcnow()
        with self.engine.begin() as conn:
            insert = _insert_for(self.engine)(digests)
            conn.execute(insert.on_conflict_do_update(
                index_elements=[digests.c.key, digests.c.week], set_={"created_at": now, "path": path},
            ), {"key": key, "week": week, "created_at": now, "path": path})
            digest_id = conn.execute(select(digests.c.id).where(digests.c.key == key, digests.c.week == week)).scalar_one()
            conn.execute(digest_items.delete().where(digest_items.c.digest_id == digest_id))
            rows = [{"digest_id": digest_id, "item_id": i, "rank": n, "score": s, "areas": list(a)}
                    for n, (i, s, a) in enumerate(ranked, 1)]
            if rows:
                conn.execute(digest_items.insert(), rows)
        return digest_id

    def digests(self, key: str | None = None) -> list[dict]:
        with self.engine.connect() as conn:
            query = select(digests).order_by(digests.c.week)
            if key is not None:
                query = query.where(digests.c.key == key)
            return [dict(r._mapping) for r in conn.execute(query)]

    def digest_items(self, digest_id: int) -> list[dict]:
        with self.engine.connect() as conn:
            query = select(digest_items).where(digest_items.c.digest_id == digest_id).order_by(digest_items.c.rank)
            return [dict(r._mapping) for r in conn.execute(query)]

    # -- labels --------------------------------------------------------------------------
    def add_label(self, item_id: str, area: str | None, relevant: bool, reviewer: str,
                  now: datetime | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(labels.insert(), {"item_id": item_id, "area": area, "relevant": relevant,
                                           "reviewer": reviewer, "created_at": now or utcnow()})

    def labels(self) -> list[dict]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(labels).order_by(labels.c.id))]

    # -- schema --------------------------------------------------------------------------
    def _migrate(self) -> None:
        try:
            migrations.upgrade(self.engine, metadata, meta, SCHEMA_VERSION, where=_safe_url(self.url))
        except DatabaseError as err:
            raise StoreError(
                f"{_safe_url(self.url)}: cannot open the store ({type(err.orig).__name__}: {err.orig}); "
                "check store_url, or move a corrupt file aside to start a new store"
            ) from err

    def close(self) -> None:
        self.engine.dispose()


def _engine(url: str) -> Engine:
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        path = Path(url.removeprefix("sqlite:///"))
        if not path.parent.exists():
            raise StoreError(f"{path}: the store's directory does not exist; create it or change store_url")
    try:
        engine = create_engine(url, future=True, pool_pre_ping=True)
    except Exception as err:  # SQLAlchemy raises several types for a bad URL
        raise StoreError(f"store_url {_safe_url(url)!r} is not a usable database URL: {err}") from err
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # noqa: ANN001 - DBAPI hook
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()
    elif engine.dialect.name != "postgresql":
        raise StoreError(f"store_url {_safe_url(url)!r}: only sqlite and postgresql are supported")
    return engine


def _insert_for(engine: Engine):
    return postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _safe_url(url: str) -> str:
    """The URL without its password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<store_url>"
