"""Revision 0002 (schema 3 before Alembic): an existing innovation register becomes technology records with their history."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import create_engine, select, text, update

from horizon.store import SCHEMA_VERSION, Store, meta
from horizon.store_tech import Technologies, tech_links, tech_stage_log, technologies
from tests.tech.conftest import ITEMS, NOW


def test_register_entries_migrate_into_technology_records_with_history(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    store = Store(url)
    store.upsert(ITEMS, now=NOW)
    store.save_register("nice:MTG32", "signal", "Cardiology lead", None, "", by="rob", now=NOW)
    store.save_register("nice:MTG32", "piloting", "Cardiology lead", date(2027, 1, 4), "two sites",
                        by="ada", now=NOW + timedelta(days=30))
    store.save_register("nice:MTG32", "piloting", "Cardiology lead", date(2027, 1, 4), "site 3 joined",
                        by="ada", now=NOW + timedelta(days=40))  # not a stage change
    store.save_register("pubmed:1", "assessing", "Workforce lead", None, "", by="rob", now=NOW)
    store.close()
    engine = create_engine(url)
    with engine.begin() as conn:  # make it a store from before Alembic and the technology tables
        for table in (tech_links, tech_stage_log, technologies):
            conn.execute(table.delete())
        conn.execute(text("DROP TABLE alembic_version"))
        conn.execute(update(meta).where(meta.c.key == "schema_version").values(value="1"))
    engine.dispose()

    store = Store(url)  # opening it upgrades it
    techs = Technologies(store)
    with store.engine.connect() as conn:
        assert conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).scalar() == str(SCHEMA_VERSION)
    records = {t.name: t for t in techs.all()}
    assert set(records) == {ITEMS[0].title, ITEMS[-1].title}
    heartflow = records[ITEMS[0].title]
    assert (heartflow.stage, heartflow.owner, heartflow.next_review, heartflow.notes) == (
        "piloting", "Cardiology lead", date(2027, 1, 4), "site 3 joined")
    history = techs.stage_history(heartflow.id)
    assert [(h.stage, h.by, h.at) for h in history] == [
        ("signal", "rob", NOW), ("piloting", "ada", NOW + timedelta(days=30))]
    assert techs.evidence_ids(heartflow.id) == ["nice:MTG32"]
    store.close()
    Store(url).close()  # a second opening migrates nothing twice
    store = Store(url)
    assert len(Technologies(store).all()) == 2
    store.close()


def test_the_release_0_1_store_register_entry_becomes_a_technology(tmp_path):
    import shutil
    from pathlib import Path

    path = tmp_path / "store.db"
    shutil.copy(Path(__file__).parents[1] / "fixtures" / "stores" / "release-0.1.db", path)
    store = Store(f"sqlite:///{path}")
    techs = Technologies(store)
    [record] = techs.all()
    assert record.stage == "piloting"
    assert techs.evidence_ids(record.id) == ["ctgov:NCT00681460"]
    assert record.name == store.get(["ctgov:NCT00681460"])["ctgov:NCT00681460"].title[:180]
    assert [h.stage for h in techs.stage_history(record.id)] == ["piloting"]
    store.close()
