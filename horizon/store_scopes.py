"""Which ICS a user, judgement, register entry, technology record or training job belongs to.

With several ICSs (``icss.yaml``) the review workspace works in one ICS at a time. The
existing tables stay as they are (other modules write them); a row is scoped by a row
here (a judgement, and so the labels read from it, by ``judgement_scopes``). A row no ICS
claims belongs to the first ICS, so a one-ICS store keeps everything it had when a second
ICS is added. With one ICS nothing is scoped and nothing is filtered: the store works
exactly as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Column, Integer, String, Table, func, select
from sqlalchemy.sql.elements import ColumnElement

from horizon import migrations, store_jobs
from horizon.icss import Ics
from horizon.records import Judgement, RegisterEntry
from horizon.store import TRIAGE_STATES, Store, check_choice, judgement_scopes, judgements, metadata, utcnow
from horizon.store_jobs import training_jobs as jobs
from horizon.store_labels import Call, call
from horizon.store_workspace import insert_judgement, label_judgement

user_icss = Table(  # the ICSs a user works in; a user with no row works in the first
    "user_icss", metadata,
    Column("user", String(100), primary_key=True),
    Column("ics", String(60), primary_key=True),
)
register_scopes = Table(  # an item may be on several ICSs' registers (one entry: stage, owner, notes)
    "register_scopes", metadata,
    Column("item_id", String(200), primary_key=True),
    Column("ics", String(60), primary_key=True),
)
tech_scopes = Table(
    "tech_scopes", metadata,
    Column("tech_id", String(100), primary_key=True),
    Column("ics", String(60), primary_key=True),
)
job_scopes = Table(  # which ICS's model a training job fits
    "job_scopes", metadata,
    Column("job_id", Integer, primary_key=True),
    Column("ics", String(60), nullable=False, index=True),
)


# -- users ----------------------------------------------------------------------------------
def set_user_icss(store: Store, user: str, ics_ids: Sequence[str]) -> None:
    """The ICSs ``user`` works in, replacing any before."""
    with store.engine.begin() as conn:
        conn.execute(user_icss.delete().where(user_icss.c.user == user))
        if ics_ids:
            conn.execute(user_icss.insert(), [{"user": user, "ics": i} for i in dict.fromkeys(ics_ids)])


def users_icss(store: Store) -> dict[str, list[str]]:
    """Each user's named ICSs (users with none are missing: they work in the first)."""
    out: dict[str, list[str]] = {}
    with store.engine.connect() as conn:
        for user, ics in conn.execute(select(user_icss.c.user, user_icss.c.ics).order_by(user_icss.c.ics)):
            out.setdefault(user, []).append(ics)
    return out


def allowed_icss(store: Store, user: str, icss: Sequence[Ics]) -> list[Ics]:
    """The configured ICSs ``user`` may work in: a lone ICS; the first when none is named; else those named
    that icss.yaml still has (none, when it no longer has any of them)."""
    if len(icss) == 1:
        return list(icss)
    with store.engine.connect() as conn:
        named = set(conn.execute(select(user_icss.c.ics).where(user_icss.c.user == user)).scalars())
    return [i for i in icss if i.id in named] if named else [i for i in icss if i.first]


# -- ownership ----------------------------------------------------------------------------
def _owners(store: Store, table: Table, key: str, keys: Sequence | None = None) -> dict:
    """key -> set of ICSs that claim it (every claimed key when ``keys`` is None)."""
    column = table.c[key]
    out: dict = {}
    with store.engine.connect() as conn:
        chunks = [None] if keys is None else [list(keys)[i:i + 500] for i in range(0, len(keys), 500)]
        for chunk in chunks:
            query = select(column, table.c.ics)
            for k, ics in conn.execute(query if chunk is None else query.where(column.in_(chunk))):
                out.setdefault(k, set()).add(ics)
    return out


def _mine(ics: Ics, owners: set | None) -> bool:
    return ics.single or (ics.id in owners if owners else ics.first)


def _claim(store: Store, table: Table, key: str, value, ics: Ics) -> None:
    if ics.single:
        return
    with store.engine.begin() as conn:
        if conn.execute(select(table.c.ics).where(table.c[key] == value, table.c.ics == ics.id)).first() is None:
            conn.execute(table.insert(), {key: value, "ics": ics.id})


# -- judgements (and so labels) --------------------------------------------------------------
def judge(store: Store, ics: Ics, item_id: str, reviewer: str, state: str, areas: Sequence[str] = (),
          note: str = "", digest_id: int | None = None, proposed: Sequence[str] = (),
          now: datetime | None = None) -> int:
    """``Store.judge`` for one ICS: the judgement, and so its labels, are that ICS's.

    It replaces only the reviewer's call on the item in this ICS, so a reviewer of two
    ICSs who judges an item in each teaches each ICS's classifier its own call.
    """
    if ics.single:
        return store.judge(item_id, reviewer, state, areas, note, digest_id=digest_id, proposed=proposed, now=now)
    check_choice(state, TRIAGE_STATES, "triage state")
    return _scoped(store, ics, item_id, reviewer, call(state, areas, proposed), note, digest_id, now)


def add_label(store: Store, ics: Ics, item_id: str, area: str | None, relevant: bool, reviewer: str,
              now: datetime | None = None) -> int:
    """``horizon label --ics``: the reviewer's current judgement of the item in ``ics`` plus this label."""
    if ics.single:
        return store.add_label(item_id, area, relevant, reviewer, now=now)
    with store.engine.begin() as conn:  # read and write in one transaction, under the judgements lock
        judgement_id = label_judgement(conn, item_id, area, relevant, reviewer, now, scope=_in(ics))
        conn.execute(judgement_scopes.insert(), {"judgement_id": judgement_id, "ics": ics.id})
    return judgement_id


def _scoped(store: Store, ics: Ics, item_id: str, reviewer: str, made: Call, note: str, digest_id: int | None,
            now: datetime | None) -> int:
    with store.engine.begin() as conn:
        judgement_id = insert_judgement(conn, item_id, reviewer, made, note, digest_id, now)
        conn.execute(judgement_scopes.insert(), {"judgement_id": judgement_id, "ics": ics.id})
    return judgement_id


def current_judgements(store: Store, ics: Ics,
                       item_ids: Sequence[str] | None = None) -> dict[str, dict[str, Judgement]]:
    """``Store.current_judgements`` within one ICS: the latest judgement per item and reviewer there."""
    rows = store.judgements(item_ids)
    owners = {} if ics.single else _owners(store, judgement_scopes, "judgement_id", [r.id for r in rows])
    out: dict[str, dict[str, Judgement]] = {}
    for row in rows:
        if _mine(ics, owners.get(row.id)):
            out.setdefault(row.item_id, {})[row.reviewer] = row
    return out


def judgement_ids(store: Store, ics: Ics, among: Sequence[int] | None = None) -> set[int] | None:
    """The ids of this ICS's judgements (of ``among``); None for a lone ICS: every judgement is its."""
    if ics.single:
        return None
    if among is None:
        with store.engine.connect() as conn:
            among = conn.execute(select(judgements.c.id)).scalars().all()
    owners = _owners(store, judgement_scopes, "judgement_id", among)
    return {i for i in among if _mine(ics, owners.get(i))}


def judgement_count(store: Store, ics: Ics) -> int:
    """How many judgements ``ics`` has: what its retraining counts."""
    if ics.single:
        return store_jobs.judgement_count(store)
    joined = judgements.outerjoin(judgement_scopes, judgement_scopes.c.judgement_id == judgements.c.id)
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(joined).where(_in(ics))).scalar_one()


def _in(ics: Ics) -> ColumnElement[bool]:
    """Judgements of ``ics``, on ``judgements`` outer-joined to ``judgement_scopes``: scoped to it, or (the
    first ICS) to none."""
    mine = judgement_scopes.c.ics == ics.id
    return mine | judgement_scopes.c.ics.is_(None) if ics.first else mine


# -- the register and technologies -------------------------------------------------------------
def register_entries(store: Store, ics: Ics, item_ids: Sequence[str] | None = None) -> list[RegisterEntry]:
    entries = store.register_entries(item_ids)
    owners = {} if ics.single else _owners(store, register_scopes, "item_id", [e.item_id for e in entries])
    return [e for e in entries if _mine(ics, owners.get(e.item_id))]


def register_due(store: Store, ics: Ics, today: date) -> list[RegisterEntry]:
    """``Store.register_due`` for one ICS: the register reminders its digest shows."""
    return [e for e in register_entries(store, ics) if e.due(today)]


def claim_register(store: Store, ics: Ics, item_id: str) -> None:
    """The item is on ``ics``'s register (as well as any other's it was on)."""
    _claim(store, register_scopes, "item_id", item_id, ics)


def tech_visible(store: Store, ics: Ics, tech_ids: Sequence[str]) -> set[str]:
    """Which of these technology records are ``ics``'s."""
    owners = {} if ics.single else _owners(store, tech_scopes, "tech_id", tech_ids)
    return {t for t in tech_ids if _mine(ics, owners.get(t))}


def claim_tech(store: Store, ics: Ics, tech_id: str) -> None:
    _claim(store, tech_scopes, "tech_id", tech_id, ics)


# -- training jobs ----------------------------------------------------------------------------
def request_job(store: Store, ics: Ics, by: str, reason: str, judgements_seen: int) -> int:
    """``store_jobs.request`` for one ICS: one queued job per ICS covers every new label of it."""
    if ics.single:
        return store_jobs.request(store, by, reason, judgements_seen)
    with store.engine.begin() as conn:
        migrations.exclusive(conn, "training")
        queued = conn.execute(select(jobs.c.id).join(job_scopes, job_scopes.c.job_id == jobs.c.id)
                              .where(jobs.c.state == "queued", job_scopes.c.ics == ics.id)
                              .order_by(jobs.c.id).limit(1)).scalar()
        if queued is not None:
            return queued
        job_id = conn.execute(jobs.insert(), {
            "state": "queued", "requested_by": by, "reason": reason[:200], "requested_at": utcnow(),
            "judgements_seen": judgements_seen}).inserted_primary_key[0]  # type: ignore[index]
        conn.execute(job_scopes.insert(), {"job_id": job_id, "ics": ics.id})
        return int(job_id)


def job_ics(store: Store, job_id: int) -> str | None:
    """The ICS a job trains (None: the first, or the lone one)."""
    with store.engine.connect() as conn:
        return conn.execute(select(job_scopes.c.ics).where(job_scopes.c.job_id == job_id)).scalar()


def retrain_due(store: Store, ics: Ics, every: int) -> tuple[bool, int]:
    """Whether ``every`` judgements came in for ``ics`` since its last job asked, and how many it has."""
    count = judgement_count(store, ics)
    if ics.single:
        return count - store_jobs.last_judgements_seen(store) >= every, count
    owners = _owners(store, job_scopes, "job_id")
    with store.engine.connect() as conn:
        rows = conn.execute(select(jobs.c.id, jobs.c.judgements_seen))
        seen = max((n for i, n in rows if _mine(ics, owners.get(i))), default=0)
    return count - seen >= every, count
