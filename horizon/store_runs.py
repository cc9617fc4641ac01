"""Runs and what they leave behind: per-source watermarks, published digests, and small values.

A digest is recorded once per key and week (a re-run replaces it) with its ranked
items and the classifier's "why" per item, which the review workspace shows. Reads
return the frozen records below, not rows, so callers name fields the type checker knows.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.engine import Engine

from horizon.store_base import as_utc, from_json, insert_for, metadata, utcnow

meta = Table("meta", metadata, Column("key", String(64), primary_key=True), Column("value", Text, nullable=False))
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
# What the classifier said about each item of a digest, so the workspace can show "why".
digest_explanations = Table(
    "digest_explanations", metadata,
    Column("digest_id", Integer, ForeignKey("digests.id"), primary_key=True),
    Column("item_id", String(200), primary_key=True),
    Column("scores", JSON, nullable=False),
    Column("why", JSON, nullable=False),  # area id -> terms
)


@dataclass(frozen=True, slots=True)
class DigestRecord:
    """One published digest: its series, ISO week, where its files went, and when (aware UTC)."""

    id: int
    key: str
    week: str
    path: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DigestItemRecord:
    """One item of a digest: its rank, top score and the areas the digest put it in."""

    digest_id: int
    item_id: str
    rank: int
    score: float
    areas: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DigestExplanation:
    """What the classifier said about one item of a digest: score and "why" terms per area."""

    scores: dict[str, float]
    why: dict[str, list[str]]


class RunsStore:
    """The watermark, digest and meta-value operations of ``horizon.store.Store``."""

    engine: Engine

    # -- watermarks ----------------------------------------------------------------------
    def watermark(self, source: str) -> date | None:
        with self.engine.connect() as conn:
            return conn.execute(select(watermarks.c.updated).where(watermarks.c.source == source)).scalar()

    def _set_watermark(self, conn, source: str, updated: date, now: datetime) -> None:
        insert = insert_for(self.engine)(watermarks)
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
        return as_utc(value) if value else None

    def record_digest(self, key: str, week: str, path: str, ranked: Sequence[tuple[str, float, Sequence[str]]],
                      now: datetime | None = None, classifications: Sequence | None = None) -> int:
        """Publish (or re-publish) the digest of ``week``: exactly one per key and week.

        ``classifications`` (``Classification``s or dicts with item_id, scores, why) keep
        the classifier's "why" terms for the review workspace.
        """
        now = now or utcnow()
        with self.engine.begin() as conn:
            insert = insert_for(self.engine)(digests)
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

    def digest(self, digest_id: int | None = None) -> DigestRecord | None:
        """One digest by id, or the latest published one when ``digest_id`` is None."""
        with self.engine.connect() as conn:
            query = select(digests)
            query = (query.where(digests.c.id == digest_id) if digest_id is not None
                     else query.order_by(digests.c.created_at.desc(), digests.c.id.desc()).limit(1))
            row = conn.execute(query).first()
        return _digest(row) if row else None

    def digest_explanations(self, digest_id: int) -> dict[str, DigestExplanation]:
        """Per item of a digest, by item id: what the classifier said about it."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(digest_explanations).where(digest_explanations.c.digest_id == digest_id))
            return {r.item_id: DigestExplanation(scores=from_json(r.scores), why=from_json(r.why)) for r in rows}

    def digests(self, key: str | None = None) -> list[DigestRecord]:
        """Every published digest (of series ``key`` when given), oldest week first."""
        with self.engine.connect() as conn:
            query = select(digests).order_by(digests.c.week)
            if key is not None:
                query = query.where(digests.c.key == key)
            return [_digest(r) for r in conn.execute(query)]

    def digest_items(self, digest_id: int) -> list[DigestItemRecord]:
        """The items of a digest in rank order."""
        with self.engine.connect() as conn:
            query = select(digest_items).where(digest_items.c.digest_id == digest_id).order_by(digest_items.c.rank)
            return [DigestItemRecord(digest_id=r.digest_id, item_id=r.item_id, rank=r.rank, score=r.score,
                                     areas=tuple(from_json(r.areas))) for r in conn.execute(query)]

    # -- small values kept between runs ----------------------------------------------
    def meta_value(self, key: str) -> str | None:
        """A small value the pipeline keeps between runs, such as the HTTP validator cache."""
        with self.engine.connect() as conn:
            return conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar()

    def set_meta_value(self, key: str, value: str) -> None:
        with self.engine.begin() as conn:
            insert = insert_for(self.engine)(meta)
            conn.execute(insert.on_conflict_do_update(index_elements=[meta.c.key],
                                                      set_={"value": insert.excluded.value}),
                         {"key": key, "value": value})

    def secret(self, key: str) -> str:
        """A random secret kept in the store (made on first use), e.g. the session signing key."""
        with self.engine.begin() as conn:
            found = conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar()
            if found is None:
                found = secrets.token_urlsafe(48)
                conn.execute(insert_for(self.engine)(meta).on_conflict_do_nothing(), {"key": key, "value": found})
                found = conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar_one()
        return found


def _digest(row) -> DigestRecord:
    return DigestRecord(id=row.id, key=row.key, week=row.week, path=row.path, created_at=as_utc(row.created_at))


def _explanation(digest_id: int, verdict) -> dict:
    get = verdict.get if isinstance(verdict, Mapping) else (lambda key: getattr(verdict, key))
    why = {area: list(terms) for area, terms in (get("why") or {}).items()}
    return {"digest_id": digest_id, "item_id": get("item_id"), "scores": dict(get("scores") or {}), "why": why}
