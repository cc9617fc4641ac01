"""Schema upgrades through Alembic: one mechanism on SQLite and PostgreSQL, under the store's lock."""

from __future__ import annotations

import shutil

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, create_engine, inspect, select, text

from horizon import migrations
from horizon.errors import StoreError
from horizon.items import Item
from horizon.store import SCHEMA_VERSION, Store, meta, metadata, store_label

HEAD = ScriptDirectory.from_config(migrations.alembic_config(None, metadata)).get_current_head()


def revision(engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def differences(conn) -> list:
    return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)


def test_the_revisions_from_an_empty_database_make_exactly_the_schema_of_metadata(store_url):
    """A table or column added to ``metadata`` without a revision fails here, naming it."""
    engine = create_engine(store_url)
    try:
        with engine.begin() as conn:
            command.upgrade(migrations.alembic_config(conn, metadata), "head")
            assert differences(conn) == []
    finally:
        engine.dispose()


def test_a_fresh_store_is_made_by_metadata_and_stamped_at_the_head(store_url):
    Store(store_url).close()
    engine = create_engine(store_url)
    try:
        assert revision(engine) == HEAD
        with engine.connect() as conn:
            assert differences(conn) == []
            assert conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).scalar() == str(
                SCHEMA_VERSION)
    finally:
        engine.dispose()


def with_revisions(tmp_path, *bodies: str):
    """A copy of the program's revisions with more after the head, as a later release would add them."""
    scripts = tmp_path / "scripts"
    shutil.copytree(migrations.SCRIPTS, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    down = HEAD
    for n, body in enumerate(bodies, 1):
        rev = f"9{n:03d}"
        (scripts / "versions" / f"{rev}_test.py").write_text(
            f"import sqlalchemy as sa\nfrom alembic import op\n\nrevision = {rev!r}\ndown_revision = {down!r}\n\n\n"
            f"def upgrade():\n{body}\n")
        down = rev
    return scripts


def upgrade(engine, scripts):
    return migrations.upgrade(engine, metadata, meta, SCHEMA_VERSION, "test", scripts=scripts)


def test_an_older_store_runs_each_missing_revision_once_in_order(store_url, tmp_path):
    Store(store_url).close()
    scripts = with_revisions(
        tmp_path,
        "    with op.batch_alter_table('items') as batch:\n        batch.add_column(sa.Column('note', sa.Text()))",
        "    op.execute(\"INSERT INTO meta (key, value) VALUES ('ran', 'once')\")",  # a second run would conflict
    )
    engine = create_engine(store_url)
    try:
        assert upgrade(engine, scripts) == HEAD
        assert revision(engine) == "9002"
        assert "note" in {c["name"] for c in inspect(engine).get_columns("items")}
        assert upgrade(engine, scripts) == "9002"  # an up-to-date store runs nothing
    finally:
        engine.dispose()


def test_a_failing_revision_leaves_the_store_at_its_old_revision(store_url, tmp_path):
    Store(store_url).close()
    scripts = with_revisions(tmp_path, "    op.add_column('items', sa.Column('half_done', sa.Text()))\n"
                                       "    raise RuntimeError('revision failed')")
    engine = create_engine(store_url)
    try:
        with pytest.raises(RuntimeError, match="revision failed"):
            upgrade(engine, scripts)
        assert revision(engine) == HEAD
        assert "half_done" not in {c["name"] for c in inspect(engine).get_columns("items")}
    finally:
        engine.dispose()


def test_a_store_at_a_revision_this_program_does_not_know_is_refused_in_one_line(store_url):
    Store(store_url).close()
    engine = create_engine(store_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'f00dfeed'"))
    engine.dispose()
    with pytest.raises(StoreError) as err:
        Store(store_url)
    assert str(err.value).startswith(f"{store_label(store_url)}: store schema revision f00dfeed is newer")
    assert "\n" not in str(err.value)
    assert f"store schema revision f00dfeed is newer than this program's ({HEAD}); upgrade horizon-scanning" in str(
        err.value)


def test_a_store_from_before_alembic_with_an_unknown_version_is_refused(store_url):
    Store(store_url).close()
    engine = create_engine(store_url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
        conn.execute(text("UPDATE meta SET value = '7' WHERE key = 'schema_version'"))
    engine.dispose()
    with pytest.raises(StoreError, match=r"store schema version 7 is none this program knows \(1, 3\); upgrade horizon-scanning"):
        Store(store_url)


def test_new_revision_writes_the_change_of_metadata_that_the_revisions_then_make(tmp_path):
    """What docs/store.md tells a developer to run, on a copy of the revisions."""
    scripts = with_revisions(tmp_path)
    changed = MetaData()
    for table in metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["items"].append_column(Column("note", Text))
    Table("widgets", changed, Column("id", Integer, primary_key=True), Column("name", String(50), nullable=False))

    written = migrations.new_revision("add widgets and a note", changed, scripts)

    assert written.name == f"{int(HEAD) + 1:04d}_add_widgets_and_a_note.py"
    assert "batch_alter_table('items'" in written.read_text()  # a column change SQLite can make
    engine = create_engine(f"sqlite:///{tmp_path / 'new.db'}")
    try:
        with engine.begin() as conn:
            command.upgrade(migrations.alembic_config(conn, changed, scripts), "head")
            assert compare_metadata(MigrationContext.configure(conn), changed) == []
    finally:
        engine.dispose()


def test_a_store_from_before_alembic_at_version_3_is_stamped_and_gets_the_tables_it_lacks(store_url):
    """The last release before Alembic made new tables with ``create_all``: a store it last opened may lack some."""
    store = Store(store_url)
    store.upsert([Item(id="x:1", source="x", type="news", title="HeartFlow")])
    store.save_register("x:1", "piloting", "ann", None, "", by="rob")
    store.close()
    engine = create_engine(store_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE alembic_version"))
            conn.execute(text("DROP TABLE blind_calls"))  # added after schema 3
            conn.execute(text("UPDATE meta SET value = '3' WHERE key = 'schema_version'"))
        Store(store_url).close()
        assert revision(engine) == HEAD
        with engine.connect() as conn:
            assert differences(conn) == []
            assert conn.execute(text("SELECT count(*) FROM technologies")).scalar_one() == 0  # 0002 is not re-run
    finally:
        engine.dispose()
