"""Which ICS a reviewer label belongs to, so each ICS's classifier learns only from its own reviewers.

The existing ``labels`` table is left as it is (other tools write it); a label is
scoped by a row here. A label with no scope belongs to the first ICS of the
configuration, which is how a one-ICS store keeps working unchanged when a second
ICS is added. The review workspace scopes each judgement's labels to the ICS it was
made in (``horizon/store_scopes.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Column, Integer, String, Table, func, select

from horizon.store import Store, changes, items, metadata

label_scopes = Table(
    "label_scopes", metadata,
    Column("label_id", Integer, primary_key=True),
    Column("ics", String(60), nullable=False, index=True),
)


def scope_label(store: Store, label_id: int, ics: str) -> None:
    """Say that label ``label_id`` was given by a reviewer of ``ics``."""
    with store.engine.begin() as conn:
        conn.execute(label_scopes.delete().where(label_scopes.c.label_id == label_id))
        conn.execute(label_scopes.insert(), {"label_id": label_id, "ics": ics})


def ics_labels(store: Store, ics: str, default: bool) -> list[dict]:
    """The labels of one ICS; with ``default``, also every label no ICS claims."""
    with store.engine.connect() as conn:
        scopes = dict(conn.execute(select(label_scopes.c.label_id, label_scopes.c.ics)).all())

    def mine(label_id: int) -> bool:
        owner = scopes.get(label_id)
        return owner == ics or (owner is None and default)

    return [row for row in store.labels() if mine(row["id"])]


class IcsStore:
    """A view of the store in which ``labels()`` are one ICS's: what the classifier trains on."""

    def __init__(self, store: Store, ics: str, default: bool):
        self._store, self.ics, self.default = store, ics, default
        self.url = store.url  # the classifier keys its model folder by the store (classifiers.persist)

    def labels(self) -> list[dict]:
        return ics_labels(self._store, self.ics, self.default)

    def get(self, ids: Sequence[str]):
        return self._store.get(ids)


def news_since(store: Store, when: datetime) -> bool:
    """Whether any item was first seen, or changed, after ``when``: is a published digest still current?"""
    with store.engine.connect() as conn:
        new = conn.execute(select(func.count()).select_from(items).where(items.c.first_seen > when)).scalar_one()
        changed = conn.execute(select(func.count()).select_from(changes).where(changes.c.seen_at > when)).scalar_one()
    return bool(new or changed)


def published_at(store: Store, key: str, week: str) -> datetime | None:
    """When the digest of ``key`` and ``week`` was (last) published, if it was."""
    found = [d for d in store.digests(key) if d["week"] == week]
    when = found[0]["created_at"] if found else None
    return when.replace(tzinfo=UTC) if when is not None and when.tzinfo is None else when
