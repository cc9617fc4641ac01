"""The store's workspace tables: judgements become labels, the register, search, explanations."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import create_engine, make_url, text

from horizon.digest import Classification
from horizon.errors import StoreError
from horizon.items import Item
from horizon.store import Store
from horizon.store_runs import DigestExplanation


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request, tmp_path):
    """A SQLite file, or a fresh PostgreSQL database made on HORIZON_TEST_POSTGRES_URL's server and dropped after."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'h.db'}"
        return
    server = os.environ.get("HORIZON_TEST_POSTGRES_URL")
    if not server:
        pytest.skip("HORIZON_TEST_POSTGRES_URL is not set (e.g. postgresql+psycopg://root@127.0.0.1/test)")
    name = f"horizon_ws_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def bare(database):
    store = Store(database)
    store.upsert([
        Item(id="ctgov:NCT1", source="ctgov", type="trial", title="Atrial fibrillation screening app",
             summary="100% remote_monitoring pilot", updated=date(2026, 11, 1)),
        Item(id="nice:TA1", source="nice", type="guidance", title="Asthma inhalers", summary="FeNO testing",
             updated=date(2026, 10, 1)),
    ])
    yield store
    store.close()


def _labels(store):
    return sorted(((r["item_id"], r["area"], r["relevant"], r["reviewer"]) for r in store.labels()),
                  key=lambda row: (row[0], row[1] or "", row[3]))


def test_a_judgement_becomes_the_reviewers_labels_and_the_latest_wins(bare):
    bare.judge("ctgov:NCT1", "rob", "relevant", ["cardiovascular", "digital-self-management"],
               proposed=["cardiovascular", "mental-health"])
    assert _labels(bare) == [("ctgov:NCT1", "cardiovascular", True, "rob"),
                             ("ctgov:NCT1", "digital-self-management", True, "rob"),
                             ("ctgov:NCT1", "mental-health", False, "rob")]
    bare.add_label("ctgov:NCT1", "diabetes", True, "rey")  # another reviewer's label (`horizon label`) stays
    bare.judge("ctgov:NCT1", "rob", "not-relevant", ["cardiovascular"], note="a vendor's press release")
    assert _labels(bare) == [("ctgov:NCT1", None, False, "rob"), ("ctgov:NCT1", "diabetes", True, "rey")]
    bare.judge("ctgov:NCT1", "rob", "uncertain", note="discuss on Monday")
    assert _labels(bare) == [("ctgov:NCT1", "diabetes", True, "rey")]
    history = [j for j in bare.judgements(["ctgov:NCT1"]) if j["reviewer"] == "rob"]
    assert [j["state"] for j in history] == ["relevant", "not-relevant", "uncertain"]
    assert history[0]["not_areas"] == ["mental-health"]  # the proposed area rob unticked
    assert history[1]["areas"] == [] and history[2]["note"] == "discuss on Monday"
    assert bare.current_judgements()["ctgov:NCT1"]["rob"]["state"] == "uncertain"
    with pytest.raises(StoreError, match="unknown triage state 'maybe'"):
        bare.judge("ctgov:NCT1", "rob", "maybe")


def test_a_cli_label_is_a_judgement_merged_into_the_reviewers_current_one(bare):
    bare.judge("ctgov:NCT1", "rob", "relevant", ["cardiovascular"], note="AF pathway", proposed=["mental-health"])
    bare.add_label("ctgov:NCT1", "diabetes", True, "rob")
    bare.add_label("ctgov:NCT1", "cardiovascular", False, "rob")
    current = bare.current_judgements()["ctgov:NCT1"]["rob"]
    assert (current["state"], current["areas"], current["not_areas"], current["note"]) == (
        "relevant", ["diabetes"], ["mental-health", "cardiovascular"], "AF pathway")
    assert _labels(bare) == [("ctgov:NCT1", "cardiovascular", False, "rob"), ("ctgov:NCT1", "diabetes", True, "rob"),
                             ("ctgov:NCT1", "mental-health", False, "rob")]
    bare.add_label("ctgov:NCT1", None, False, "rob")  # no area at all replaces the call
    assert _labels(bare) == [("ctgov:NCT1", None, False, "rob")]
    bare.add_label("nice:TA1", "respiratory", False, "rey")  # nothing judged yet: only "not respiratory"
    assert [(r["area"], r["relevant"]) for r in bare.labels() if r["reviewer"] == "rey"] == [("respiratory", False)]
    assert len(bare.judgements()) == 5  # every label is a judgement: one table of record
    with pytest.raises(StoreError, match="without an area"):
        bare.add_label("ctgov:NCT1", None, True, "rob")


def test_register_due_lists_open_entries_due_by_today(bare):
    bare.upsert([Item(id=f"x:{n}", source="x", type="news", title=f"t{n}") for n in range(4)])
    bare.save_register("x:0", "piloting", "ann", date(2026, 11, 30), "", by="rob")
    bare.save_register("x:1", "signal", "ann", date(2026, 12, 1), "", by="rob")
    bare.save_register("x:2", "scaled", "ann", date(2026, 11, 1), "", by="rob")  # closed: never due
    bare.save_register("x:3", "assessing", "ann", None, "", by="rob")  # no date: never due
    assert [e["item_id"] for e in bare.register_due(date(2026, 11, 30))] == ["x:0"]
    assert [e["item_id"] for e in bare.register_due(date(2026, 12, 1))] == ["x:0", "x:1"]
    bare.save_register("x:0", "evaluating", "bob", date(2027, 3, 1), "pilot done", by="rey")
    assert [e["item_id"] for e in bare.register_due(date(2026, 12, 1))] == ["x:1"]
    assert [(e["stage"], e["by"]) for e in bare.register_log("x:0")] == [("piloting", "rob"), ("evaluating", "rey")]
    with pytest.raises(StoreError, match="unknown stage 'done'"):
        bare.save_register("x:0", "done", "ann", None, "", by="rob")


def test_search_matches_title_or_summary_and_escapes_wildcards(bare):
    assert [i.id for i in bare.search("ATRIAL")] == ["ctgov:NCT1"]
    assert [i.id for i in bare.search("feno")] == ["nice:TA1"]
    assert [i.id for i in bare.search("100%")] == ["ctgov:NCT1"]
    assert [i.id for i in bare.search("%")] == ["ctgov:NCT1"]  # the literal percent sign only
    assert [i.id for i in bare.search("e_m")] == ["ctgov:NCT1"]  # the literal underscore only
    assert bare.search("a_t") == []


def test_record_digest_keeps_the_old_call_and_stores_why_when_given(bare):
    old = bare.record_digest("weekly", "2026-W47", "p", [("ctgov:NCT1", 0.5, ["cardiovascular"])],
                             now=datetime(2026, 11, 23, tzinfo=UTC))
    assert bare.digest_explanations(old) == {}
    verdict = Classification(item_id="ctgov:NCT1", scores={"cardiovascular": 0.5}, areas=("cardiovascular",),
                             why={"cardiovascular": ("atrial", "fibrillation")})
    new = bare.record_digest("weekly", "2026-W48", "p", [("ctgov:NCT1", 0.5, ["cardiovascular"])],
                             now=datetime(2026, 11, 30, tzinfo=UTC), classifications=[verdict])
    assert bare.digest_explanations(new) == {
        "ctgov:NCT1": DigestExplanation(scores={"cardiovascular": 0.5}, why={"cardiovascular": ["atrial", "fibrillation"]})}
    assert bare.digest().id == new and bare.digest(old).week == "2026-W47"


def test_users_and_the_session_secret(bare):
    bare.add_user("ann", "$argon2id$fake", "reviewer")
    with pytest.raises(StoreError, match="already exists"):
        bare.add_user("ann", "$argon2id$fake", "admin")
    with pytest.raises(StoreError, match="unknown role 'owner'"):
        bare.update_user("ann", role="owner")
    bare.update_user("ann", role="admin")
    assert bare.user("ann")["role"] == "admin"
    assert bare.secret("web_session_key") == bare.secret("web_session_key") != bare.secret("other")
    assert len(bare.secret("web_session_key")) >= 48


def test_scoped_judgements_replace_only_the_reviewers_labels_in_that_ics(bare):
    from pathlib import Path

    from horizon import store_scopes
    from horizon.config import load_config
    from horizon.icss import Ics
    from horizon.store_icss import ics_labels

    config = load_config()
    heart, lungs = (Ics(i, config, None, Path("."), single=False, first=i == "heart") for i in ("heart", "lungs"))
    store_scopes.judge(bare, heart, "ctgov:NCT1", "rey", "relevant", ["cardiovascular"])
    store_scopes.judge(bare, lungs, "ctgov:NCT1", "rey", "not-relevant")
    store_scopes.judge(bare, heart, "ctgov:NCT1", "rey", "relevant", ["diabetes"], proposed=["cardiovascular"])
    assert sorted((r["area"], r["relevant"]) for r in ics_labels(bare, "heart", True)) == [
        ("cardiovascular", False), ("diabetes", True)]  # the latest call in heart replaced heart's labels only
    assert [(r["area"], r["relevant"]) for r in ics_labels(bare, "lungs", False)] == [(None, False)]
    assert [j["state"] for j in store_scopes.current_judgements(bare, lungs)["ctgov:NCT1"].values()] \
        == ["not-relevant"]
    first = store_scopes.request_job(bare, heart, "t", "r", 2)
    assert store_scopes.request_job(bare, heart, "t", "again", 2) == first  # one queued job per ICS
    other = store_scopes.request_job(bare, lungs, "t", "r", 1)
    assert other != first and store_scopes.job_ics(bare, other) == "lungs"
    assert store_scopes.retrain_due(bare, heart, 1) == (False, 2)


def test_a_scoped_cli_label_merges_into_the_reviewers_call_in_that_ics_only(bare):
    from pathlib import Path

    from horizon import store_scopes
    from horizon.config import load_config
    from horizon.icss import Ics
    from horizon.store_icss import ics_labels

    config = load_config()
    heart, lungs = (Ics(i, config, None, Path("."), single=False, first=i == "heart") for i in ("heart", "lungs"))
    store_scopes.judge(bare, heart, "nice:TA1", "rey", "relevant", ["cardiovascular"])
    store_scopes.judge(bare, lungs, "nice:TA1", "rey", "uncertain", note="ask the asthma nurse")
    store_scopes.add_label(bare, lungs, "nice:TA1", "respiratory", True, "rey")
    assert [(r["area"], r["relevant"]) for r in ics_labels(bare, "lungs", False)] == [("respiratory", True)]
    assert [(r["area"], r["relevant"]) for r in ics_labels(bare, "heart", True)] == [("cardiovascular", True)]
    call = store_scopes.current_judgements(bare, lungs)["nice:TA1"]["rey"]
    assert (call["state"], call["note"]) == ("relevant", "ask the asthma nurse")
    assert store_scopes.judgement_count(bare, lungs) == 2  # the label is one more of lungs' judgements
