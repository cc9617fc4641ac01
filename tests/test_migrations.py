"""Schema upgrades: one mechanism (create_all + versioned steps) on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect, select, update

from horizon import migrations
from horizon.store import SCHEMA_VERSION, Store, meta, metadata


def version(engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).scalar_one())


def test_a_fresh_store_starts_at_the_current_version_without_running_steps(store_url):
    ran = []
    engine = create_engine(store_url)
    try:
        got = migrations.upgrade(engine, metadata, meta, SCHEMA_VERSION, "test", steps={SCHEMA_VERSION: [ran.append]})
        assert got == SCHEMA_VERSION and version(engine) == SCHEMA_VERSION and ran == []
        assert {"items", "changes", "watermarks", "digests", "meta"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_an_older_store_runs_each_missing_step_once_in_order(store_url):
    Store(store_url).close()
    engine = create_engine(store_url)
    ran = []

    def add_note(conn):
        ran.append("add_note")
        conn.exec_driver_sql("ALTER TABLE items ADD COLUMN note TEXT")

    def fill_note(conn):
        ran.append("fill_note")
        conn.exec_driver_sql("UPDATE items SET note = 'x'")

    steps = {SCHEMA_VERSION + 1: [add_note], SCHEMA_VERSION + 2: [fill_note]}
    try:
        with engine.begin() as conn:  # a store one version behind
            conn.execute(update(meta).where(meta.c.key == "schema_version").values(value=str(SCHEMA_VERSION)))
        assert migrations.upgrade(engine, metadata, meta, SCHEMA_VERSION + 2, "test", steps) == SCHEMA_VERSION
        assert ran == ["add_note", "fill_note"] and version(engine) == SCHEMA_VERSION + 2
        assert "note" in {c["name"] for c in inspect(engine).get_columns("items")}
        migrations.upgrade(engine, metadata, meta, SCHEMA_VERSION + 2, "test", steps)
        assert ran == ["add_note", "fill_note"]  # an up-to-date store runs nothing
    finally:
        engine.dispose()


def test_a_failing_step_leaves_the_store_at_its_old_version(store_url):
    Store(store_url).close()
    engine = create_engine(store_url)

    def broken(conn):
        conn.exec_driver_sql("ALTER TABLE items ADD COLUMN half_done TEXT")
        raise RuntimeError("step failed")

    try:
        try:
            migrations.upgrade(engine, metadata, meta, SCHEMA_VERSION + 1, "test", {SCHEMA_VERSION + 1: [broken]})
        except RuntimeError:
            pass
        assert version(engine) == SCHEMA_VERSION
        assert "half_done" not in {c["name"] for c in inspect(engine).get_columns("items")}
    finally:
        engine.dispose()
