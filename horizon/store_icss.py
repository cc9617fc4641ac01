"""Each ICS's reviewer labels, so each ICS's classifier learns only from its own reviewers.

A label is read from a judgement (``horizon/store_labels.py``), so it belongs to the ICS
its judgement was made in (``judgement_scopes``). A judgement with no scope belongs to the
first ICS of the configuration, which is how a one-ICS store keeps working unchanged when
a second ICS is added. The review workspace scopes each judgement to the ICS it was made in
(``horizon/store_scopes.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select

from horizon.store import Store, changes, items, judgement_scopes
from horizon.store_labels import labels_of


def scope_label(store: Store, label_id: int, ics: str) -> None:
    """Say that label ``label_id`` (its judgement's id, as ``labels()`` gives it) was given in ``ics``."""
    with store.engine.begin() as conn:
        conn.execute(judgement_scopes.delete().where(judgement_scopes.c.judgement_id == label_id))
        conn.execute(judgement_scopes.insert(), {"judgement_id": label_id, "ics": ics})


def ics_labels(store: Store, ics: str, default: bool) -> list[dict]:
    """The labels of one ICS (its reviewers' latest judgements there); with ``default``, also of judgements no
    ICS claims."""
    with store.engine.connect() as conn:
        scopes = dict(conn.execute(select(judgement_scopes.c.judgement_id, judgement_scopes.c.ics)).all())
    mine = [j for j in store.judgements() if scopes.get(j["id"]) == ics or (j["id"] not in scopes and default)]
    return labels_of(mine, {})


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
    return next((d.created_at for d in store.digests(key) if d.week == week), None)
