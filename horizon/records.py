"""The workspace's records as its reads return them: users, judgements, labels, the register, training runs.

Frozen dataclasses rather than rows or dicts, so a caller names fields (``user.role``,
``judgement.areas``) the type checker knows; times are aware (UTC). ``dataclasses.asdict``
gives the dict a JSON endpoint or CSV export writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

CLOSED_STAGES: frozenset[str] = frozenset({"scaled", "stopped"})  # no review due


@dataclass(frozen=True)
class User:
    """A workspace user (``Store.user``, ``Store.users``)."""

    name: str
    password_hash: str  # argon2; never the password
    role: str
    created_at: datetime


@dataclass(frozen=True)
class Judgement:
    """A reviewer's call on an item (``Store.judgements``): the one record of their labels."""

    id: int
    item_id: str
    digest_id: int | None
    reviewer: str
    state: str  # relevant, not-relevant or uncertain
    areas: tuple[str, ...]  # the areas the reviewer says the item belongs to
    not_areas: tuple[str, ...]  # the areas they say it does not (proposed ones they unticked)
    note: str
    created_at: datetime


@dataclass(frozen=True)
class Label:
    """One reviewer label, read from their latest judgement (``Store.labels``): what the classifier trains on."""

    id: int  # its judgement's
    item_id: str
    area: str | None  # None: "relevant to no area at all"
    relevant: bool
    reviewer: str
    created_at: datetime


@dataclass(frozen=True)
class RegisterEntry:
    """An item on the innovation register (``Store.register_entries``, ``register_due``)."""

    item_id: str
    stage: str
    owner: str
    next_review: date | None
    notes: str
    created_at: datetime
    updated_at: datetime
    updated_by: str

    def due(self, today: date) -> bool:
        """Open, with its next review on or before ``today``: the digest reminds of it."""
        return self.next_review is not None and self.next_review <= today and self.stage not in CLOSED_STAGES


@dataclass(frozen=True)
class RegisterChange:
    """One change of a register entry (``Store.register_log``): the path from signal to scale."""

    id: int
    item_id: str
    stage: str
    owner: str
    next_review: date | None
    notes: str
    by: str
    at: datetime


@dataclass(frozen=True)
class TrainingRun:
    """One retraining of the classifier (``Store.training_runs``)."""

    id: int
    created_at: datetime
    by: str
    labels: int  # reviewer labels it used
    f1: float | None  # cross-validated micro F1; None when too few labels
    report: dict
