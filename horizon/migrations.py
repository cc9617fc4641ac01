"""Schema creation and upgrades for the store through Alembic, one mechanism for SQLite and PostgreSQL.

The revisions are in ``horizon/alembic/versions`` (docs/store.md says how to add one).
Opening a store:

- a fresh store: ``metadata.create_all`` makes the current schema, stamped at the head;
- a store from before Alembic (``meta.schema_version`` but no ``alembic_version``): stamped
  at the revision its version matches (``LEGACY``), then upgraded;
- any other store: upgraded to the head. A revision this program does not know means a
  newer program made the store, which is refused in one line.

Everything runs in one transaction under an exclusive lock, so two runs opening the
same store at once (a weekly digest and an ad-hoc scan) never race to create or upgrade
it, and a revision that fails leaves the store as it was. ``meta.schema_version`` is then
set to ``SCHEMA_VERSION``, above any version a program from before Alembic knows, so such
a program refuses the store rather than misreading it.
"""

from __future__ import annotations

import functools
import tempfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import MetaData, Table, create_engine, inspect, select, text, update
from sqlalchemy.engine import Connection, Engine

from horizon.errors import StoreError

SCRIPTS = Path(__file__).parent / "alembic"
LEGACY: Mapping[int, str] = {1: "0001", 3: "0002"}  # meta.schema_version before Alembic -> the revision it is


def alembic_config(connection: Connection | None, metadata: MetaData, scripts: Path = SCRIPTS) -> Config:
    """Alembic's configuration from Python: works installed and from any working directory."""
    config = Config()
    config.set_main_option("script_location", str(scripts))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["connection"] = connection
    config.attributes["metadata"] = metadata
    return config


def upgrade(engine: Engine, metadata: MetaData, meta: Table, marker: int, where: str,
            scripts: Path = SCRIPTS) -> str | None:
    """Create the store or bring it to the head revision; returns the revision it had (None: a fresh store)."""
    with engine.begin() as conn:
        exclusive(conn, "schema")
        config = alembic_config(conn, metadata, scripts)
        revisions = _revisions(str(scripts))
        head = revisions.get_current_head()
        found = MigrationContext.configure(conn).get_current_revision()
        if found == head:
            return found
        if found is not None:
            try:
                revisions.get_revision(found)
            except CommandError:  # Alembic's way of saying it has no such revision
                raise StoreError(
                    f"{where}: store schema revision {found} is newer than this program's ({head}); "
                    "upgrade horizon-scanning or point store_url at another store"
                ) from None
        elif (version := _legacy_version(conn, meta)) is None:
            metadata.create_all(conn)
            command.stamp(config, "head")
        elif version in LEGACY:
            found = LEGACY[version]
            command.stamp(config, found)
        else:
            raise StoreError(
                f"{where}: store schema version {version} is none this program knows ({', '.join(map(str, LEGACY))}); "
                "upgrade horizon-scanning or point store_url at another store"
            )
        command.upgrade(config, "head")
        _set_marker(conn, meta, marker)
        return found


def new_revision(message: str, metadata: MetaData, scripts: Path = SCRIPTS) -> Path:
    """Write the next revision: what ``metadata`` has that the revisions do not make, found by Alembic.

    The revisions run on a scratch SQLite database, which Alembic then compares with
    ``metadata``; read the file it writes and add what it cannot know (data to move).
    """
    with tempfile.TemporaryDirectory() as scratch:
        engine = create_engine(f"sqlite:///{Path(scratch) / 'head.db'}")
        try:
            with engine.begin() as conn:
                config = alembic_config(conn, metadata, scripts)
                command.upgrade(config, "head")
                head = ScriptDirectory.from_config(config).get_current_head()
                written = command.revision(config, message=message, autogenerate=True,
                                           rev_id=f"{int(head or 0) + 1:04d}")
        finally:
            engine.dispose()
    assert written is not None and not isinstance(written, list)
    return Path(written.path)


def run_env(context: Any) -> None:
    """The body of ``horizon/alembic/env.py``: migrate on the connection ``upgrade`` passed in."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise StoreError("the store's revisions run on the store's own connection: open a Store, "
                         "or write a revision with scripts/new_migration.py")
    context.configure(connection=connection, target_metadata=context.config.attributes["metadata"],
                      render_as_batch=True)  # SQLite changes a column by copying its table
    with context.begin_transaction():  # the caller's transaction: Alembic commits nothing itself
        context.run_migrations()


@functools.cache
def _revisions(scripts: str) -> ScriptDirectory:
    """Read once per process: every open of an up-to-date store asks only for the head."""
    return ScriptDirectory(scripts)


def _legacy_version(conn: Connection, meta: Table) -> int | None:
    if not inspect(conn).has_table(meta.name):
        return None
    found = conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).scalar()
    return None if found is None else int(found)


def _set_marker(conn: Connection, meta: Table, marker: int) -> None:
    if conn.execute(update(meta).where(meta.c.key == "schema_version").values(value=str(marker))).rowcount == 0:
        conn.execute(meta.insert(), {"key": "schema_version", "value": str(marker)})


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
