"""A store made by the previous release opens with this code, upgraded, nothing lost."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Barrier

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text

from horizon.store import SCHEMA_VERSION, Store, metadata
from horizon.store_tech import Technologies
from tests.test_migrations import HEAD

RELEASE_0_1 = Path(__file__).parent / "fixtures" / "stores" / "release-0.1.db"


def test_a_release_0_1_store_is_upgraded_in_place_and_keeps_everything(tmp_path):
    path = tmp_path / "store.db"
    shutil.copy(RELEASE_0_1, path)
    store = Store(f"sqlite:///{path}")
    try:
        assert store.count() == 208
        assert [u["name"] for u in store.users()] == ["ada"]
        assert store.digests()  # both sample digests
        judged = {j["item_id"]: (j["state"], j["areas"], j["not_areas"]) for j in store.judgements()}
        assert judged == {"ctgov:NCT00531661": ("relevant", ["asthma"], []),  # ada's judgement in the workspace
                          "ctgov:NCT00262600": ("relevant", ["cardiovascular"], [])}  # her `horizon label`
        assert sorted((r["item_id"], r["area"], r["relevant"], r["reviewer"]) for r in store.labels()) == [
            ("ctgov:NCT00262600", "cardiovascular", True, "ada"), ("ctgov:NCT00531661", "asthma", True, "ada")]
    finally:
        store.close()
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        version = conn.execute(text("SELECT value FROM meta WHERE key = 'schema_version'")).scalar()
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert context.get_current_revision() == HEAD
        assert compare_metadata(context, metadata) == []  # exactly the schema a fresh store has
    engine.dispose()
    assert int(version) == SCHEMA_VERSION
    Store(f"sqlite:///{path}").close()  # opening an upgraded store again changes nothing


def test_runs_opening_a_release_0_1_store_at_once_upgrade_it_once(tmp_path):
    path = tmp_path / "store.db"
    shutil.copy(RELEASE_0_1, path)
    barrier = Barrier(4)

    def open_store():
        barrier.wait(timeout=60)
        return Store(f"sqlite:///{path}")

    with ThreadPoolExecutor(4) as pool:
        stores = [f.result(timeout=300) for f in [pool.submit(open_store) for _ in range(4)]]
    try:
        assert [s.count() for s in stores] == [208] * 4
        assert len(Technologies(stores[0]).all()) == 1  # the register entry became one record, not four
    finally:
        for s in stores:
            s.close()
