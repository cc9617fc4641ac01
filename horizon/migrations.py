"""Schema creation and upgrades for the store, one mechanism for SQLite and PostgreSQL.

``metadata.create_all`` creates any missing table (a fresh store starts at the
current schema), and ``STEPS`` brings an older store up to date: each entry is
keyed by the schema version it produces and changes *existing* tables (a new
table needs no step). The ``meta`` table records the version. Everything runs
in one transaction under an exclusive lock, so two runs opening the same store
at once (a weekly digest and an ad-hoc scan) never race to create or upgrade it.

To change an existing table: bump ``SCHEMA_VERSION`` in ``horizon/store.py`` and
add ``N: (step, ...)`` here, where each step takes a ``Connection``.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping, Sequence

from sqlalchemy import MetaData, Table, select, text, update
from sqlalchemy.engine import Connection, Engine

from horizon.errors import StoreError

Step = Callable[[Connection], None]


def _register_to_technologies(conn: Connection) -> None:
    from horizon.store_tech_migration import migrate_register  # beside the technology tables' module

    migrate_register(conn)


STEPS: Mapping[int, Sequence[Step]] = {  # version -> steps that upgrade a store from version - 1
    3: (_register_to_technologies,),
}


def upgrade(engine: Engine, metadata: MetaData, meta: Table, target: int, where: str,
            steps: Mapping[int, Sequence[Step]] | None = None) -> int:
    """Create missing tables and run the upgrade steps a store needs; returns the version it had."""
    steps = STEPS if steps is None else steps
    with engine.begin() as conn:
        exclusive(conn, "schema")
        metadata.create_all(conn)
        found = conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).scalar()
        if found is None:  # a fresh store: create_all made the current schema
            conn.execute(meta.insert(), {"key": "schema_version", "value": str(target)})
            return target
        version = int(found)
        if version > target:
            raise StoreError(
                f"{where}: store schema version {version} is newer than this program's "
                f"({target}); upgrade horizon-scanning or point store_url at another store"
            )
        for next_version in range(version + 1, target + 1):
            for step in steps.get(next_version, ()):
                step(conn)
        if version != target:
            conn.execute(update(meta).where(meta.c.key == "schema_version").values(value=str(target)))
        return version


def exclusive(conn: Connection, name: str) -> None:
    """Hold the store's lock called ``name`` until this transaction ends: one writer at a time.

    PostgreSQL: a transaction-scoped advisory lock (local to the database).
    SQLite: take the write lock now (``BEGIN IMMEDIATE``) rather than at the first
    write, so what the transaction read cannot change before it writes.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": zlib.crc32(f"horizon:{name}".encode())})
    elif conn.dialect.name == "sqlite" and not getattr(conn.connection.dbapi_connection, "in_transaction", True):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
