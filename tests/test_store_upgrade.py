"""A store made by the previous release opens with this code, upgraded, nothing lost."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import create_engine, text

from horizon.store import SCHEMA_VERSION, Store

RELEASE_0_1 = Path(__file__).parent / "fixtures" / "stores" / "release-0.1.db"


def test_a_release_0_1_store_is_upgraded_in_place_and_keeps_everything(tmp_path):
    path = tmp_path / "store.db"
    shutil.copy(RELEASE_0_1, path)
    store = Store(f"sqlite:///{path}")
    try:
        assert store.count() == 208
        assert [u["name"] for u in store.users()] == ["ada"]
        assert store.digests()  # both sample digests
        judged = {j["item_id"] for j in store.judgements()}
        assert "ctgov:NCT00531661" in judged
    finally:
        store.close()
    with create_engine(f"sqlite:///{path}").connect() as conn:
        version = conn.execute(text("SELECT value FROM meta WHERE key = 'schema_version'")).scalar()
    assert int(version) == SCHEMA_VERSION
    Store(f"sqlite:///{path}").close()  # opening an upgraded store again changes nothing
