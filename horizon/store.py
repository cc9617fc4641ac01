"""The item store: every item ever seen, what changed, which digest showed it, and labels.

The review workspace adds users, reviewers' judgements (which also write ``labels``,
the classifier's training rows), the innovation register and training runs.

SQLAlchemy Core over SQLite by default or PostgreSQL by URL. Writes are batched
idempotent upserts in one transaction per source, together with that source's
watermark, so a re-run or a crashed run never duplicates or loses an item.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError

from horizon import migrations
from horizon.bulk import fewer_collections
from horizon.errors import StoreError
from horizon.items import Item, changes_between, fingerprint_of

ROLES: tuple[str, ...] = ("viewer", "reviewer", "admin")  # each may do what the ones before it may
TRIAGE_STATES: tuple[str, ...] = ("relevant", "not-relevant", "uncertain")
STAGES: tuple[str, ...] = ("signal", "assessing", "piloting", "evaluating", "scaled", "stopped")
CLOSED_STAGES: frozenset[str] = frozenset({"scaled", "stopped"})  # no review due

SCHEMA_VERSION = 3  # 3: innovation-register entries became technology records (horizon/store_tech.py)
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


# What the classifier said about each item of a digest, so the workspace can show "why".
digest_explanations = Table(
    "digest_explanations", metadata,
    Column("digest_id", Integer, ForeignKey("digests.id"), primary_key=True),
    Column("item_id", String(200), primary_key=True),
    Column("scores", JSON, nullable=False),
    Column("why", JSON, nullable=False),  # area id -> terms
)
users = Table(
    "users", metadata,
    Column("name", String(100), primary_key=True),
    Column("password_hash", Text, nullable=False),  # argon2; never the password
    Column("role", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
judgements = Table(
    "judgements", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", String(200), nullable=False, index=True),
    Column("digest_id", Integer),
    Column("reviewer", String(100), nullable=False, index=True),
    Column("state", String(16), nullable=False),
    Column("areas", JSON, nullable=False),  # the areas the reviewer says the item belongs to
    Column("note", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
register = Table(
    "register", metadata,
    Column("item_id", String(200), primary_key=True),
    Column("stage", String(16), nullable=False),
    Column("owner", String(100), nullable=False),
    Column("next_review", Date),
    Column("notes", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(100), nullable=False),
)
register_log = Table(  # every change of a register entry: the path from signal to scale
    "register_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", String(200), nullable=False, index=True),
    Column("stage", String(16), nullable=False),
    Column("owner", String(100), nullable=False),
    Column("next_review", Date),
    Column("notes", Text, nullable=False),
    Column("by", String(100), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)
training_runs = Table(
    "training_runs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("by", String(100), nullable=False),
    Column("labels", Integer, nullable=False),
    Column("f1", Float),  # cross-validated micro F1; None when too few labels
    Column("report", JSON, nullable=False),
)


@dataclass
class Upserted:
    """What one batch did: which ids were new, which changed, and how."""

    new: list[str] = field(default_factory=list)
    changed: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    seen: list[str] = field(default_factory=list)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Store:
    """Items, their history, digests and labels in one SQL database."""

    def __init__(self, url: str):
        self.url = url
        self.engine = _engine(url)
        self._migrate()

    # -- items -------------------------------------------------------------------------
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
        insert = _insert_for(self.engine)(items)
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
                earliest = seen_from or datetime.min.replace(tzinfo=UTC)
                query = select(items.c.record).where(items.c.last_seen >= earliest)
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
                      now: datetime | None = None, classifications: Sequence | None = None) -> int:
        """Publish (or re-publish) the digest of ``week``: exactly one per key and week.

        ``classifications`` (``Classification``s or dicts with item_id, scores, why) keep
        the classifier's "why" terms for the review workspace.
        """
        now = now or utcnow()
        with self.engine.begin() as conn:
            insert = _insert_for(self.engine)(digests)
            conn.execute(insert.on_conflict_do_update(
                index_elements=[digests.c.key, digests.c.week], set_={"created_at": now, "path": path},
            ), {"key": key, "week": week, "created_at": now, "path": path})
            digest_id = conn.execute(
                select(digests.c.id).where(digests.c.key == key, digests.c.week == week)).scalar_one()
            conn.execute(digest_items.delete().where(digest_items.c.digest_id == digest_id))
            rows = [{"digest_id": digest_id, "item_id": i, "rank": n, "score": s, "areas": list(a)}
                    for n, (i, s, a) in enumerate(ranked, 1)]
            if rows:
                conn.execute(digest_items.insert(), rows)
            conn.execute(digest_explanations.delete().where(digest_explanations.c.digest_id == digest_id))
            explained = [_explanation(digest_id, c) for c in classifications or ()]
            if explained:
                conn.execute(digest_explanations.insert(), list({r["item_id"]: r for r in explained}.values()))
        return digest_id

    def digest(self, digest_id: int | None = None) -> dict | None:
        """One digest by id, or the latest published one when ``digest_id`` is None."""
        with self.engine.connect() as conn:
            query = select(digests)
            query = (query.where(digests.c.id == digest_id) if digest_id is not None
                     else query.order_by(digests.c.created_at.desc(), digests.c.id.desc()).limit(1))
            row = conn.execute(query).first()
        return dict(row._mapping) if row else None

    def digest_explanations(self, digest_id: int) -> dict[str, dict]:
        """Per item of a digest: {"scores": {area: score}, "why": {area: [terms]}}."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(digest_explanations).where(digest_explanations.c.digest_id == digest_id))
            return {r.item_id: {"scores": _json(r.scores), "why": _json(r.why)} for r in rows}

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

    def search(self, text: str, limit: int = 200) -> list[Item]:
        """Items whose title or summary contains ``text`` (case-insensitive), newest first."""
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        title, summary = items.c.record["title"].as_string(), items.c.record["summary"].as_string()
        query = (select(items.c.record)
                 .where(title.ilike(pattern, escape="\\") | summary.ilike(pattern, escape="\\"))
                 .order_by(items.c.updated.desc(), items.c.id).limit(limit))
        with self.engine.connect() as conn:
            return [Item.model_validate(_json(r.record)) for r in conn.execute(query)]

    # -- users -----------------------------------------------------------------------------
    def add_user(self, name: str, password_hash: str, role: str, now: datetime | None = None) -> None:
        """Create a user; ``password_hash`` must already be hashed (argon2)."""
        _check(role, ROLES, "role")
        if self.user(name) is not None:
            raise StoreError(f"user '{name}' already exists; choose another name or change that user")
        with self.engine.begin() as conn:
            conn.execute(users.insert(), {"name": name, "password_hash": password_hash, "role": role,
                                          "created_at": now or utcnow()})

    def update_user(self, name: str, password_hash: str | None = None, role: str | None = None) -> None:
        if role is not None:
            _check(role, ROLES, "role")
        values = {k: v for k, v in (("password_hash", password_hash), ("role", role)) if v is not None}
        with self.engine.begin() as conn:
            if values and not conn.execute(users.update().where(users.c.name == name).values(**values)).rowcount:
                raise StoreError(f"no user '{name}'")

    def delete_user(self, name: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(users.delete().where(users.c.name == name))

    def user(self, name: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.name == name)).first()
        return dict(row._mapping) if row else None

    def users(self) -> list[dict]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(users).order_by(users.c.name))]

    def meta_value(self, key: str) -> str | None:
        """A small value the pipeline keeps between runs, such as the HTTP validator cache."""
        with self.engine.connect() as conn:
            return conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar()

    def set_meta_value(self, key: str, value: str) -> None:
        with self.engine.begin() as conn:
            insert = _insert_for(self.engine)(meta)
            conn.execute(insert.on_conflict_do_update(index_elements=[meta.c.key],
                                                      set_={"value": insert.excluded.value}),
                         {"key": key, "value": value})

    def secret(self, key: str) -> str:
        """A random secret kept in the store (made on first use), e.g. the session signing key."""
        with self.engine.begin() as conn:
            found = conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar()
            if found is None:
                found = secrets.token_urlsafe(48)
                conn.execute(_insert_for(self.engine)(meta).on_conflict_do_nothing(), {"key": key, "value": found})
                found = conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar_one()
        return found

    # -- judgements ------------------------------------------------------------------------
    def judge(self, item_id: str, reviewer: str, state: str, areas: Sequence[str] = (), note: str = "",
              digest_id: int | None = None, proposed: Sequence[str] = (), now: datetime | None = None) -> int:
        """Record a reviewer's judgement and make it their labels for the item (the latest wins).

        relevant: a positive label per area, a negative one per ``proposed`` area they removed;
        not-relevant: one "no area" label; uncertain: no label (it is for discussion).
        """
        _check(state, TRIAGE_STATES, "triage state")
        now = now or utcnow()
        areas = list(dict.fromkeys(areas)) if state == "relevant" else []
        rows: list[dict] = []
        if state == "relevant":
            rows = [{"area": a, "relevant": True} for a in areas]
            rows += [{"area": a, "relevant": False} for a in dict.fromkeys(proposed) if a not in areas]
        elif state == "not-relevant":
            rows = [{"area": None, "relevant": False}]
        with self.engine.begin() as conn:
            judgement_id = conn.execute(judgements.insert(), {
                "item_id": item_id, "digest_id": digest_id, "reviewer": reviewer, "state": state,
                "areas": areas, "note": note, "created_at": now}).inserted_primary_key[0]  # type: ignore[index]
            conn.execute(labels.delete().where(labels.c.item_id == item_id, labels.c.reviewer == reviewer))
            if rows:
                conn.execute(labels.insert(), [{**r, "item_id": item_id, "reviewer": reviewer, "created_at": now}
                                               for r in rows])
        return judgement_id

    def judgements(self, item_ids: Sequence[str] | None = None) -> list[dict]:
        """Every judgement (of these items), oldest first."""
        query = select(judgements).order_by(judgements.c.id)
        out: list[dict] = []
        with self.engine.connect() as conn:
            chunks = [None] if item_ids is None else [list(item_ids)[i:i + 500] for i in range(0, len(item_ids), 500)]
            for chunk in chunks:
                q = query if chunk is None else query.where(judgements.c.item_id.in_(chunk))
                out += [{**r._mapping, "areas": _json(r.areas), "created_at": _aware(r.created_at)}
                        for r in conn.execute(q)]
        return sorted(out, key=lambda r: r["id"])

    def current_judgements(self, item_ids: Sequence[str] | None = None) -> dict[str, dict[str, dict]]:
        """The latest judgement per item and reviewer: {item_id: {reviewer: judgement}}."""
        out: dict[str, dict[str, dict]] = {}
        for row in self.judgements(item_ids):
            out.setdefault(row["item_id"], {})[row["reviewer"]] = row
        return out

    # -- innovation register -----------------------------------------------------------------
    def save_register(self, item_id: str, stage: str, owner: str, next_review: date | None, notes: str,
                      by: str, now: datetime | None = None) -> None:
        """Add an item to the innovation register or update its entry; every change is logged."""
        _check(stage, STAGES, "stage")
        now = now or utcnow()
        values = {"stage": stage, "owner": owner, "next_review": next_review, "notes": notes}
        with self.engine.begin() as conn:
            insert = _insert_for(self.engine)(register)
            conn.execute(insert.on_conflict_do_update(
                index_elements=[register.c.item_id], set_={**values, "updated_at": now, "updated_by": by},
            ), {"item_id": item_id, **values, "created_at": now, "updated_at": now, "updated_by": by})
            conn.execute(register_log.insert(), {"item_id": item_id, **values, "by": by, "at": now})

    def register_entries(self, item_ids: Sequence[str] | None = None) -> list[dict]:
        """Register entries, soonest review first (entries without a date last)."""
        query = select(register).order_by(register.c.next_review.is_(None), register.c.next_review, register.c.item_id)
        if item_ids is not None:
            query = query.where(register.c.item_id.in_(list(item_ids)))
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def register_log(self, item_id: str) -> list[dict]:
        with self.engine.connect() as conn:
            query = select(register_log).where(register_log.c.item_id == item_id).order_by(register_log.c.id)
            return [dict(r._mapping) for r in conn.execute(query)]

    def register_due(self, today: date) -> list[dict]:
        """Open register entries whose next review is on or before ``today``: the digest's reminder."""
        return [e for e in self.register_entries()
                if e["next_review"] is not None and e["next_review"] <= today and e["stage"] not in CLOSED_STAGES]

    # -- training runs -----------------------------------------------------------------------
    def add_training_run(self, by: str, labels_used: int, f1: float | None, report: Mapping,
                         now: datetime | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(training_runs.insert(), {"created_at": now or utcnow(), "by": by, "labels": labels_used,
                                                  "f1": f1, "report": json.loads(json.dumps(report, default=str))})

    def training_runs(self) -> list[dict]:
        with self.engine.connect() as conn:
            return [{**r._mapping, "report": _json(r.report), "created_at": _aware(r.created_at)}
                    for r in conn.execute(select(training_runs).order_by(training_runs.c.id))]

    # -- schema --------------------------------------------------------------------------
    def _migrate(self) -> None:
        try:
            migrations.upgrade(self.engine, metadata, meta, SCHEMA_VERSION, where=store_label(self.url))
        except DatabaseError as err:
            disk = any(w in str(err.orig).lower() for w in ("disk", "full", "readonly", "read-only"))
            hint = ("check there is free disk space and the file is writable" if disk
                    else "check store_url, or move a corrupt file aside to start a new store")
            raise StoreError(
                f"{store_label(self.url)}: cannot open the store ({type(err.orig).__name__}: {err.orig}); {hint}"
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
        raise StoreError(f"store_url {store_label(url)!r} is not a usable database URL: {err}") from err
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA busy_timeout=30000")  # first: switching to WAL waits for other openers too
            _wal(cur)
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
    elif engine.dialect.name != "postgresql":
        raise StoreError(f"store_url {store_label(url)!r}: only sqlite and postgresql are supported")
    return engine


def _wal(cur, tries: int = 300) -> None:
    """Switch to WAL. SQLite answers "locked" at once, without the busy wait, while another opener switches."""
    for attempt in range(tries):
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or attempt == tries - 1:
                raise
            time.sleep(0.1)


def _insert_for(engine: Engine):
    return postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert


def _check(value: str, allowed: Sequence[str], what: str) -> None:
    if value not in allowed:
        raise StoreError(f"unknown {what} '{value}'; valid: {', '.join(allowed)}")


def _explanation(digest_id: int, verdict) -> dict:
    get = verdict.get if isinstance(verdict, Mapping) else (lambda key: getattr(verdict, key))
    why = {area: list(terms) for area, terms in (get("why") or {}).items()}
    return {"digest_id": digest_id, "item_id": get("item_id"), "scores": dict(get("scores") or {}), "why": why}


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def store_label(url: str) -> str:
    """The URL without its password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - never let a malformed URL (or its password) into an error message
        return "<store_url>"


# Tables kept in their own modules join ``metadata`` here, before any store is opened.
from horizon import store_accounts, store_delivery, store_icss, store_jobs, store_review, store_scopes, store_tech  # noqa: E402,F401
