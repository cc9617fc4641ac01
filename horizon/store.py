"""The item store: every item ever seen, what changed, which digest showed it, and the workspace's records.

SQLAlchemy Core over SQLite by default or PostgreSQL by URL. ``Store`` is the facade;
its operations live beside their tables, by concern:

- ``horizon/store_items.py``: items and their change history (upsert, get, search);
- ``horizon/store_runs.py``: watermarks, digests and their explanations, meta values;
- ``horizon/store_workspace.py``: users, judgements (the reviewers' labels), the register, training runs.

Every table is defined on ``metadata`` (``horizon/store_base.py``); these three modules' tables are
importable from here, the others (accounts, deliveries, jobs, technologies, scopes) from their modules.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError

from horizon import migrations
from horizon.errors import StoreError
from horizon.records import CLOSED_STAGES
from horizon.store_base import as_utc, check_choice, from_json, insert_for, metadata, store_label, utcnow
from horizon.store_items import ItemsStore, Upserted, changes, items
from horizon.store_runs import RunsStore, _explanation, digest_explanations, digest_items, digests, meta, watermarks
from horizon.store_workspace import (
    ROLES,
    STAGES,
    TRIAGE_STATES,
    WorkspaceStore,
    judgement_scopes,
    judgements,
    register,
    register_log,
    training_runs,
    users,
)

__all__ = [
    "CLOSED_STAGES",
    "ROLES",
    "SCHEMA_VERSION",
    "STAGES",
    "TRIAGE_STATES",
    "Store",
    "StoreError",
    "Upserted",
    "_explanation",
    "as_utc",
    "changes",
    "check_choice",
    "digest_explanations",
    "digest_items",
    "digests",
    "from_json",
    "insert_for",
    "items",
    "judgement_scopes",
    "judgements",
    "meta",
    "metadata",
    "register",
    "register_log",
    "store_label",
    "training_runs",
    "users",
    "utcnow",
    "watermarks",
]

# Kept in meta.schema_version: above every version a program from before Alembic knows (1, 3), so such a
# program refuses the store. The schema itself is the Alembic revision (horizon/migrations.py).
SCHEMA_VERSION = 4


class Store(ItemsStore, RunsStore, WorkspaceStore):
    """Items, their history, digests and the workspace's records in one SQL database."""

    def __init__(self, url: str):
        self.url = url
        self.engine = _engine(url)
        self._migrate()

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


# Tables kept in their own modules join ``metadata`` here, before any store is opened.
from horizon import store_accounts, store_delivery, store_icss, store_jobs, store_review, store_scopes, store_tech  # noqa: E402,F401
