"""The review workspace's records: users, reviewers' judgements, the register, training runs.

Judgements are the one record of reviewers' calls. The classifier's training rows
(``labels()``) are read from them: each reviewer's latest judgement of an item, per ICS,
is their labels for it (``horizon/store_labels.py``). Reads return the frozen records of
``horizon/records.py``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from sqlalchemy import JSON, Column, Date, DateTime, Float, Integer, String, Table, Text, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.elements import ColumnElement

from horizon import migrations
from horizon.errors import StoreError
from horizon.records import Judgement, Label, RegisterChange, RegisterEntry, TrainingRun, User
from horizon.store_base import as_utc, check_choice, from_json, insert_for, metadata, utcnow
from horizon.store_labels import Call, call, labels_of, with_label

ROLES: tuple[str, ...] = ("viewer", "reviewer", "admin")  # each may do what the ones before it may
TRIAGE_STATES: tuple[str, ...] = ("relevant", "not-relevant", "uncertain")
STAGES: tuple[str, ...] = ("signal", "assessing", "piloting", "evaluating", "scaled", "stopped")

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
    Column("not_areas", JSON, nullable=False),  # areas the reviewer says it does not (proposed ones they unticked)
    Column("note", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
judgement_scopes = Table(  # the ICS a judgement was made in (none: the first ICS's, or the lone one's)
    "judgement_scopes", metadata,
    Column("judgement_id", Integer, primary_key=True),
    Column("ics", String(60), nullable=False, index=True),
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


def insert_judgement(conn: Connection, item_id: str, reviewer: str, made: Call, note: str,
                     digest_id: int | None, now: datetime | None) -> int:
    """Add a judgement (``made``: its state, areas and not_areas) in ``conn``'s transaction; its id.

    Under the judgements lock, so no judgement lands between ``label_judgement``'s read and write.
    """
    migrations.exclusive(conn, "judgements")
    return conn.execute(judgements.insert(), {
        "item_id": item_id, "digest_id": digest_id, "reviewer": reviewer, "state": made.state,
        "areas": list(made.areas), "not_areas": list(made.not_areas), "note": note,
        "created_at": now or utcnow()}).inserted_primary_key[0]  # type: ignore[index]


def judgement_of(row) -> Judgement:
    """The record of a ``judgements`` row."""
    return Judgement(row.id, row.item_id, row.digest_id, row.reviewer, row.state, tuple(from_json(row.areas)),
                     tuple(from_json(row.not_areas)), row.note, as_utc(row.created_at))


def _user(row) -> User:
    return User(row.name, row.password_hash, row.role, as_utc(row.created_at))


def label_judgement(conn: Connection, item_id: str, area: str | None, relevant: bool, reviewer: str,
                    now: datetime | None, scope: ColumnElement[bool] | None = None) -> int:
    """``horizon label`` in ``conn``'s transaction: a judgement that is the reviewer's current one plus this label.

    The current judgement is read and the new one written under the judgements lock, so two
    labels given at once for the same reviewer and item both count (apart, the later write
    would copy a current judgement that lacks the other label). ``scope``: a condition on
    ``judgement_scopes`` choosing one ICS's judgements (None: every judgement counts).
    """
    migrations.exclusive(conn, "judgements")
    query = select(judgements).where(judgements.c.item_id == item_id, judgements.c.reviewer == reviewer)
    if scope is not None:
        scoped = judgements.outerjoin(judgement_scopes, judgement_scopes.c.judgement_id == judgements.c.id)
        query = query.select_from(scoped).where(scope)
    row = conn.execute(query.order_by(judgements.c.id.desc()).limit(1)).first()
    current = judgement_of(row) if row else None
    return insert_judgement(conn, item_id, reviewer, with_label(current, area, relevant),
                            current.note if current else "", None, now)


class WorkspaceStore:
    """The workspace operations of ``horizon.store.Store``."""

    engine: Engine

    # -- labels (read from judgements) ---------------------------------------------------------
    def add_label(self, item_id: str, area: str | None, relevant: bool, reviewer: str,
                  now: datetime | None = None) -> int:
        """``horizon label``: a judgement that is the reviewer's current one of the item plus this label."""
        with self.engine.begin() as conn:
            return label_judgement(conn, item_id, area, relevant, reviewer, now)

    def labels(self) -> list[Label]:
        """Every ICS's reviewer labels: those of each reviewer's latest judgement per item and ICS, oldest first."""
        with self.engine.connect() as conn:
            scopes = dict(conn.execute(select(judgement_scopes.c.judgement_id, judgement_scopes.c.ics)).all())
        return labels_of(self.judgements(), scopes)

    # -- users -----------------------------------------------------------------------------
    def add_user(self, name: str, password_hash: str, role: str, now: datetime | None = None) -> None:
        """Create a user; ``password_hash`` must already be hashed (argon2)."""
        check_choice(role, ROLES, "role")
        if self.user(name) is not None:
            raise StoreError(f"user '{name}' already exists; choose another name or change that user")
        with self.engine.begin() as conn:
            conn.execute(users.insert(), {"name": name, "password_hash": password_hash, "role": role,
                                          "created_at": now or utcnow()})

    def update_user(self, name: str, password_hash: str | None = None, role: str | None = None) -> None:
        if role is not None:
            check_choice(role, ROLES, "role")
        values = {k: v for k, v in (("password_hash", password_hash), ("role", role)) if v is not None}
        with self.engine.begin() as conn:
            if values and not conn.execute(users.update().where(users.c.name == name).values(**values)).rowcount:
                raise StoreError(f"no user '{name}'")

    def delete_user(self, name: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(users.delete().where(users.c.name == name))

    def user(self, name: str) -> User | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.name == name)).first()
        return _user(row) if row else None

    def users(self) -> list[User]:
        with self.engine.connect() as conn:
            return [_user(r) for r in conn.execute(select(users).order_by(users.c.name))]

    # -- judgements ------------------------------------------------------------------------
    def judge(self, item_id: str, reviewer: str, state: str, areas: Sequence[str] = (), note: str = "",
              digest_id: int | None = None, proposed: Sequence[str] = (), now: datetime | None = None) -> int:
        """Record a reviewer's judgement; their latest one of an item is their labels for it.

        relevant: the areas ticked, and the ``proposed`` areas they unticked (``not_areas``);
        not-relevant: no area at all; uncertain: no label (it is for discussion).
        """
        check_choice(state, TRIAGE_STATES, "triage state")
        with self.engine.begin() as conn:
            return insert_judgement(conn, item_id, reviewer, call(state, areas, proposed), note, digest_id, now)

    def judgements(self, item_ids: Sequence[str] | None = None) -> list[Judgement]:
        """Every judgement (of these items), oldest first."""
        query = select(judgements).order_by(judgements.c.id)
        out: list[Judgement] = []
        with self.engine.connect() as conn:
            chunks = [None] if item_ids is None else [list(item_ids)[i:i + 500] for i in range(0, len(item_ids), 500)]
            for chunk in chunks:
                q = query if chunk is None else query.where(judgements.c.item_id.in_(chunk))
                out += [judgement_of(r) for r in conn.execute(q)]
        return sorted(out, key=lambda r: r.id)

    def current_judgements(self, item_ids: Sequence[str] | None = None) -> dict[str, dict[str, Judgement]]:
        """The latest judgement per item and reviewer: {item_id: {reviewer: judgement}}."""
        out: dict[str, dict[str, Judgement]] = {}
        for row in self.judgements(item_ids):
            out.setdefault(row.item_id, {})[row.reviewer] = row
        return out

    # -- innovation register -----------------------------------------------------------------
    def save_register(self, item_id: str, stage: str, owner: str, next_review: date | None, notes: str,
                      by: str, now: datetime | None = None) -> None:
        """Add an item to the innovation register or update its entry; every change is logged."""
        check_choice(stage, STAGES, "stage")
        now = now or utcnow()
        values = {"stage": stage, "owner": owner, "next_review": next_review, "notes": notes}
        with self.engine.begin() as conn:
            insert = insert_for(self.engine)(register)
            conn.execute(insert.on_conflict_do_update(
                index_elements=[register.c.item_id], set_={**values, "updated_at": now, "updated_by": by},
            ), {"item_id": item_id, **values, "created_at": now, "updated_at": now, "updated_by": by})
            conn.execute(register_log.insert(), {"item_id": item_id, **values, "by": by, "at": now})

    def register_entries(self, item_ids: Sequence[str] | None = None) -> list[RegisterEntry]:
        """Register entries, soonest review first (entries without a date last)."""
        query = select(register).order_by(register.c.next_review.is_(None), register.c.next_review, register.c.item_id)
        if item_ids is not None:
            query = query.where(register.c.item_id.in_(list(item_ids)))
        with self.engine.connect() as conn:
            return [RegisterEntry(r.item_id, r.stage, r.owner, r.next_review, r.notes, as_utc(r.created_at),
                                  as_utc(r.updated_at), r.updated_by) for r in conn.execute(query)]

    def register_log(self, item_id: str) -> list[RegisterChange]:
        with self.engine.connect() as conn:
            query = select(register_log).where(register_log.c.item_id == item_id).order_by(register_log.c.id)
            return [RegisterChange(r.id, r.item_id, r.stage, r.owner, r.next_review, r.notes, r.by, as_utc(r.at))
                    for r in conn.execute(query)]

    def register_due(self, today: date) -> list[RegisterEntry]:
        """Open register entries whose next review is on or before ``today``: the digest's reminder."""
        return [e for e in self.register_entries() if e.due(today)]

    # -- training runs -----------------------------------------------------------------------
    def add_training_run(self, by: str, labels_used: int, f1: float | None, report: Mapping,
                         now: datetime | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(training_runs.insert(), {"created_at": now or utcnow(), "by": by, "labels": labels_used,
                                                  "f1": f1, "report": json.loads(json.dumps(report, default=str))})

    def training_runs(self) -> list[TrainingRun]:
        with self.engine.connect() as conn:
            return [TrainingRun(r.id, as_utc(r.created_at), r.by, r.labels, r.f1, from_json(r.report) or {})
                    for r in conn.execute(select(training_runs).order_by(training_runs.c.id))]
