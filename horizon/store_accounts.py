"""Sign-in state kept server-side: account ids, sessions, and failed sign-ins.

A session is a row here, not a signed cookie: signing out, a password change, a
role change or removing the user deletes the rows, and a copied cookie stops
working at once. Sessions are bound to an account *id*, which is new whenever a
user is (re-)created, so a deleted user's cookie never comes back to life when
the same name is added again. The cookie holds a random token; the store keeps
only its SHA-256, so reading the database gives no usable session.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Column, DateTime, Integer, String, Table, UniqueConstraint, delete, select, update

from horizon import migrations
from horizon.store import Store, metadata, utcnow
from horizon.store_base import as_utc

accounts = Table(
    "accounts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, index=True),
    Column("user_created_at", DateTime(timezone=True), nullable=False),  # which incarnation of the name
    UniqueConstraint("name", "user_created_at", name="uq_account_incarnation"),
)
sessions = Table(
    "sessions", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("account_id", Integer, nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)
login_failures = Table(
    "login_failures", metadata,
    Column("name", String(100), primary_key=True),
    Column("address", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failure", DateTime(timezone=True), nullable=False),
    Column("locked_until", DateTime(timezone=True)),
)


@dataclass(frozen=True)
class Session:
    """A live session: whose it is and until when."""

    account_id: int
    name: str
    expires_at: datetime


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def account_id(store: Store, name: str) -> int | None:
    """The id of the user called ``name`` as it exists now; None if there is no such user."""
    user = store.user(name)
    if user is None:
        return None
    born = user.created_at
    with store.engine.begin() as conn:
        migrations.exclusive(conn, "accounts")
        rows = conn.execute(select(accounts.c.id, accounts.c.user_created_at).where(accounts.c.name == name)).all()
        for row_id, created in rows:
            if as_utc(created) == born:
                return row_id
        # An older user of the same name: its sessions die with it.
        for row_id, _ in rows:
            conn.execute(delete(sessions).where(sessions.c.account_id == row_id))
        conn.execute(delete(accounts).where(accounts.c.name == name))
        made = conn.execute(accounts.insert(), {"name": name, "user_created_at": born})
        return made.inserted_primary_key[0]  # type: ignore[index]


def start_session(store: Store, name: str, lifetime: timedelta, now: datetime | None = None) -> str:
    """A new session for ``name``; returns the token for the cookie (the store keeps only its hash)."""
    found = account_id(store, name)
    if found is None:
        raise ValueError(f"no user '{name}'")
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    with store.engine.begin() as conn:
        conn.execute(delete(sessions).where(sessions.c.expires_at < now))  # tidy up as we go
        conn.execute(sessions.insert(), {"token_hash": _hash(token), "account_id": found, "created_at": now,
                                         "expires_at": now + lifetime})
    return token


def session(store: Store, token: str, now: datetime | None = None) -> Session | None:
    """The live session of a cookie's token, or None (unknown, ended, expired or its user is gone)."""
    if not token:
        return None
    now = now or utcnow()
    with store.engine.connect() as conn:
        row = conn.execute(
            select(sessions.c.account_id, sessions.c.expires_at, accounts.c.name, accounts.c.user_created_at)
            .join(accounts, accounts.c.id == sessions.c.account_id)
            .where(sessions.c.token_hash == _hash(token))).first()
    if row is None or as_utc(row.expires_at) <= now:
        return None
    user = store.user(row.name)
    if user is None or user.created_at != as_utc(row.user_created_at):
        return None  # the account this session belonged to no longer exists
    return Session(account_id=row.account_id, name=row.name, expires_at=as_utc(row.expires_at))


def end_session(store: Store, token: str) -> None:
    """Sign-out: this session ends, whoever holds a copy of its cookie."""
    with store.engine.begin() as conn:
        conn.execute(delete(sessions).where(sessions.c.token_hash == _hash(token)))


def end_sessions(store: Store, name: str) -> int:
    """End every session of every account called ``name``; how many ended."""
    with store.engine.begin() as conn:
        ids = select(accounts.c.id).where(accounts.c.name == name).scalar_subquery()
        return conn.execute(delete(sessions).where(sessions.c.account_id.in_(ids))).rowcount


def set_password(store: Store, name: str, password_hash: str, address: str | None = None) -> int:
    """A new password for ``name``: failed sign-ins are forgiven (from ``address``, or every address) and
    every session ends, so a copied cookie is worth nothing; how many sessions ended."""
    store.update_user(name, password_hash=password_hash)
    clear_failures(store, name, address)
    return end_sessions(store, name)


def sessions_of(store: Store, name: str) -> int:
    """How many sessions the user called ``name`` has open (for the admin's list and tests)."""
    with store.engine.connect() as conn:
        ids = select(accounts.c.id).where(accounts.c.name == name).scalar_subquery()
        return len(conn.execute(select(sessions.c.token_hash).where(sessions.c.account_id.in_(ids))).all())


# -- failed sign-ins -------------------------------------------------------------------------
@dataclass(frozen=True)
class Failures:
    """Failed sign-ins for one name from one address."""

    failures: int
    locked_until: datetime | None


def failures(store: Store, name: str, address: str) -> Failures:
    with store.engine.connect() as conn:
        row = conn.execute(select(login_failures.c.failures, login_failures.c.locked_until).where(
            login_failures.c.name == name, login_failures.c.address == address)).first()
    if row is None:
        return Failures(0, None)
    return Failures(row.failures, as_utc(row.locked_until) if row.locked_until else None)


FORGET_AFTER = timedelta(hours=24)  # a day without failures starts the count again


def record_failure(store: Store, name: str, address: str, lock_for: Callable[[int], timedelta | None],
                   now: datetime) -> Failures:
    """Count one more failure; ``lock_for(failures)`` says how long to lock (a timedelta, or None)."""
    with store.engine.begin() as conn:
        migrations.exclusive(conn, "login_failures")
        where = (login_failures.c.name == name) & (login_failures.c.address == address)
        row = conn.execute(select(login_failures.c.failures, login_failures.c.last_failure).where(where)).first()
        fresh = row is None or now - as_utc(row.last_failure) > FORGET_AFTER
        count = 1 if fresh or row is None else row.failures + 1
        wait = lock_for(count)
        until = now + wait if wait else None
        values = {"failures": count, "last_failure": now, "locked_until": until}
        if row is None:
            conn.execute(login_failures.insert(), {"name": name, "address": address, **values})
        else:
            conn.execute(update(login_failures).where(where).values(**values))
    return Failures(count, until)


def clear_failures(store: Store, name: str, address: str | None = None) -> None:
    """A correct password (from that address), or an admin's reset (every address)."""
    with store.engine.begin() as conn:
        where = login_failures.c.name == name
        if address is not None:
            where &= login_failures.c.address == address
        conn.execute(delete(login_failures).where(where))

