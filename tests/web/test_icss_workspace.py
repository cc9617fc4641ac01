"""The workspace with several ICSs: each user works in their own ICSs, and each ICS learns from its own reviewers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from apps.cli import app as cli
from apps.workspace import create_app
from flows.training_job import request_training, run_ics_job
from horizon import store_jobs
from horizon.config import load_config
from horizon.icss import load_icss
from horizon.store import Store
from horizon.store_icss import ics_labels
from horizon.store_scopes import allowed_icss, job_ics, judgement_scopes, set_user_icss, user_icss
from horizon.store_tech import Technologies
from tests.test_icss import two_icss
from tests.web.conftest import csrf_of, signed_in_clients
from tests.web.seed import ITEMS, password_hash

AF, FENO, DIABETES = "ctgov:NCT06100001", "ctgov:NCT06100003", "ctgov:NCT06100005"
WORKS_IN = {"rob": ["heart"], "vic": ["lungs"], "rey": ["heart", "lungs"], "ada": []}  # ada: no row, the first


@pytest.fixture
def multi(config_dir, monkeypatch):
    """A two-ICS config ('heart', 'lungs'), each with its own week's digest, and users of one or both."""
    monkeypatch.delenv("HORIZON_STORE_URL", raising=False)
    monkeypatch.delenv("HORIZON_SECRET_KEY", raising=False)
    config = load_config(two_icss(config_dir))
    store = Store(config.settings.store_url)
    now = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    store.upsert(ITEMS, now=now)
    heart = store.record_digest("ics-heart", "2026-W48", "digests/heart/2026-W48",
                                [(AF, 0.9, ["cardiovascular"]), (DIABETES, 0.8, ["diabetes"])], now=now)
    lungs = store.record_digest("ics-lungs", "2026-W48", "digests/lungs/2026-W48",
                                [(FENO, 0.9, ["respiratory"])], now=now)
    for name, icss in WORKS_IN.items():
        store.add_user(name, password_hash(name), "admin" if name == "ada" else "reviewer")
        set_user_icss(store, name, icss)
    with signed_in_clients(create_app(config, store=store, run_jobs=False)) as client:
        yield {"config": config, "store": store, "client": client, "heart": heart, "lungs": lungs}
    store.close()


def judge(client: TestClient, item_id: str, state: str, areas=(), **extra):
    token = csrf_of(client.get("/").text)
    return client.post("/judge", data={"csrf": token, "item_id": item_id, "state": state, "areas": list(areas),
                                       "next": "/", **extra})


def test_a_user_of_one_ics_sees_its_digest_and_areas_and_no_selector(multi):
    rob = multi["client"]("rob")
    page = rob.get("/").text
    assert "Virtual atrial fibrillation pathway" in page and "FeNO-guided asthma" not in page
    heart, lungs = load_icss(multi["config"])
    assert all(a.name in page for a in heart.config.priorities.areas)
    assert not any(a.name in page for a in lungs.config.priorities.areas)
    assert 'action="/ics"' not in page  # one ICS: nothing to choose
    assert [d.key for d in multi["store"].digests() if f'/digests/{d.id}"' in rob.get("/digests").text] \
        == ["ics-heart"]


def test_another_ics_is_refused_on_pages_and_posts(multi):
    rob, store = multi["client"]("rob"), multi["store"]
    assert rob.get("/?ics=lungs").status_code == 403
    assert rob.get(f"/digests/{multi['lungs']}").status_code == 403
    assert rob.get("/register?ics=lungs").status_code == 403
    token = csrf_of(rob.get("/").text)
    assert rob.post("/ics", data={"csrf": token, "ics": "lungs", "next": "/"}).status_code == 403
    forged = judge(rob, FENO, "relevant", ["respiratory"], ics="lungs")
    assert forged.status_code == 403
    via_digest = judge(rob, FENO, "relevant", ["respiratory"], digest_id=str(multi["lungs"]))
    assert via_digest.status_code == 403  # no ICS named, but the digest is the other ICS's
    assert store.judgements() == [] and store.labels() == []
    vic = multi["client"]("vic")
    set_user_icss(store, "vic", ["kidneys"])  # an ICS icss.yaml no longer has: no ICS at all, not the first
    assert vic.get("/").status_code == 403


def test_a_judgement_trains_its_own_ics_and_not_the_other(multi, model_dir):
    rob, store = multi["client"]("rob"), multi["store"]
    assert judge(rob, AF, "relevant", ["cardiovascular"], ics="heart").status_code == 303
    heart_labels = ics_labels(store, "heart", default=True)
    assert [(r.item_id, r.area, r.relevant) for r in heart_labels] == [(AF, "cardiovascular", True)]
    assert ics_labels(store, "lungs", default=False) == []
    heart, lungs = load_icss(multi["config"])
    ran = {}
    for ics in (heart, lungs):
        request_training(store, "test", "retrain", ics)
        while (job := store_jobs.claim(store)) is not None:
            done, finished = run_ics_job(store, [heart, lungs], job)
            ran[done.id] = finished
    assert ran["heart"].state == ran["lungs"].state == "done"
    assert ran["heart"].labels == 1 and ran["lungs"].labels == 0  # reviewer labels each job trained on
    assert (model_dir / "ics" / "heart" / "model.json").exists() and (model_dir / "ics" / "lungs" / "model.json")\
        .exists()


def test_a_user_of_both_switches_ics_and_each_keeps_its_own_call(multi):
    rey, store = multi["client"]("rey"), multi["store"]
    page = rey.get("/").text
    assert 'action="/ics"' in page and "Virtual atrial fibrillation pathway" in page  # the first ICS first
    token = csrf_of(page)
    assert rey.post("/ics", data={"csrf": token, "ics": "lungs", "next": "/"}).status_code == 303
    page = rey.get("/").text
    assert "FeNO-guided asthma" in page and "Virtual atrial fibrillation pathway" not in page
    assert judge(rey, FENO, "not-relevant").status_code == 303  # in lungs, the session's ICS
    assert judge(rey, FENO, "relevant", ["diabetes"], ics="heart").status_code == 303
    lungs = [(r.area, r.relevant) for r in ics_labels(store, "lungs", default=False)]
    heart = [(r.area, r.relevant) for r in ics_labels(store, "heart", default=True)]
    assert lungs == [(None, False)] and heart == [("diabetes", True)]  # one reviewer, two ICSs, two calls
    conflicts = rey.get("/conflicts?ics=lungs").text
    assert "FeNO-guided asthma" not in conflicts  # calls in different ICSs never conflict


def test_register_and_technologies_are_per_ics(multi):
    rob, vic = multi["client"]("rob"), multi["client"]("vic")
    assert judge(rob, AF, "relevant", ["cardiovascular"]).status_code == 303
    token = csrf_of(rob.get("/").text)
    saved = rob.post("/register", data={"csrf": token, "item_id": AF, "stage": "assessing", "owner": "Rob",
                                        "next_review": "", "notes": ""})
    assert saved.status_code == 303
    assert "Virtual atrial fibrillation pathway" in rob.get("/register").text
    assert "Virtual atrial fibrillation pathway" not in vic.get("/register").text
    assert AF not in vic.get("/register.csv").text
    assert "Rob" not in vic.get(f"/items/{AF}").text and "Rob" in rob.get(f"/items/{AF}").text  # entry, log
    added = rob.post("/technologies", data={"csrf": token, "name": "Kardia pocket ECG", "aliases": ""})
    assert added.status_code == 303
    tech = added.headers["location"]
    assert "Kardia pocket ECG" in rob.get("/technologies").text
    assert "Kardia pocket ECG" not in vic.get("/technologies").text
    assert vic.get(tech).status_code == 403 and rob.get(tech).status_code == 200
    Technologies(multi["store"]).propose("KardiaPocket", [FENO])
    merged = vic.post("/technologies/proposals", data={"csrf": csrf_of(vic.get("/").text), "name": "KardiaPocket",
                                                      "action": "merge", "into": tech.rsplit("/", 1)[-1]})
    assert merged.status_code == 403  # a proposed name cannot be merged into another ICS's record
    assert "KardiaPocket" not in Technologies(multi["store"]).require(tech.rsplit("/", 1)[-1]).aliases


def test_with_one_ics_nothing_is_scoped_and_there_is_no_selector(client_for, store):
    rob = client_for("rob")
    page = rob.get("/").text
    assert 'action="/ics"' not in page and 'name="ics"' not in page
    item_id = store.digest_items(store.digest_id)[0].item_id
    token = csrf_of(page)
    assert rob.post("/judge", data={"csrf": token, "item_id": item_id, "state": "not-relevant"}).status_code == 303
    with store.engine.connect() as conn:
        assert conn.execute(judgement_scopes.select()).all() == []
    assert [r.item_id for r in store.labels()] == [item_id]


def test_cli_user_add_checks_the_icss_and_records_them(multi, config_dir):
    runner = CliRunner()
    wrong = runner.invoke(cli, ["user", "add", "kim", "--role", "reviewer", "--ics", "heart", "--ics", "kidneys",
                                "--password-stdin", "--config", str(config_dir)], input="plum orbit lantern 7\n")
    assert wrong.exit_code == 1
    assert str(wrong.exception) == "--ics: unknown ICS 'kidneys'; valid: heart, lungs (from icss.yaml)"
    assert multi["store"].user("kim") is None
    done = runner.invoke(cli, ["user", "add", "kim", "--role", "reviewer", "--ics", "heart", "--ics", "lungs",
                               "--password-stdin", "--config", str(config_dir)], input="plum orbit lantern 7\n")
    assert done.exit_code == 0, done.output
    with multi["store"].engine.connect() as conn:
        rows = conn.execute(user_icss.select().where(user_icss.c.user == "kim")).all()
    assert sorted(r.ics for r in rows) == ["heart", "lungs"]
    labelled = runner.invoke(cli, ["label", FENO, "--area", "respiratory", "--ics", "lungs", "--reviewer", "kim",
                                   "--config", str(config_dir)])
    assert labelled.exit_code == 0, labelled.output
    assert [r.item_id for r in ics_labels(multi["store"], "lungs", default=False)] == [FENO]
    off = runner.invoke(cli, ["label", FENO, "--area", "respiratory", "--ics", "heart", "--config", str(config_dir)])
    assert off.exit_code == 1  # respiratory is not one of heart's areas


def test_an_admin_gives_users_their_icss_on_the_users_page(multi):
    ada, store = multi["client"]("ada"), multi["store"]
    heart, lungs = load_icss(multi["config"])
    page = ada.get("/users").text
    assert 'name="icss" value="lungs"' in page
    token = csrf_of(page)
    moved = ada.post("/users/rob", data={"csrf": token, "action": "icss", "icss": ["lungs"]})
    assert moved.status_code == 303
    assert [i.id for i in allowed_icss(store, "rob", [heart, lungs])] == ["lungs"]
    wrong = ada.post("/users/rob", data={"csrf": token, "action": "icss", "icss": ["kidneys"]})
    assert wrong.status_code == 400 and "unknown ICS" in wrong.text
    assert [i.id for i in allowed_icss(store, "rob", [heart, lungs])] == ["lungs"]
    rob = multi["client"]("rob")
    assert "FeNO-guided asthma" in rob.get("/").text and rob.get("/?ics=heart").status_code == 403


def test_retrain_now_queues_the_current_ics_job(multi):
    ada, store = multi["client"]("ada"), multi["store"]
    token = csrf_of(ada.get("/learning").text)
    assert ada.post("/learning/retrain", data={"csrf": token}).status_code == 303
    assert ada.post("/learning/retrain", data={"csrf": token, "ics": "lungs"}).status_code == 403  # not ada's
    (job,) = store_jobs.jobs(store)
    assert job_ics(store, job.id) == "heart"


def test_cli_train_for_one_ics_uses_its_labels_and_its_model_folder(multi, config_dir, model_dir):
    runner = CliRunner()
    labelled = runner.invoke(cli, ["label", FENO, "--area", "respiratory", "--ics", "lungs",
                                   "--config", str(config_dir)])
    assert labelled.exit_code == 0, labelled.output
    lungs = runner.invoke(cli, ["train", "--ics", "lungs", "--cv", "0", "--config", str(config_dir)])
    assert lungs.exit_code == 0, lungs.output
    assert "(1 reviewer labels)" in lungs.output and str(model_dir / "ics" / "lungs") in lungs.output
    heart = runner.invoke(cli, ["train", "--ics", "heart", "--cv", "0", "--config", str(config_dir)])
    assert heart.exit_code == 0 and "(0 reviewer labels)" in heart.output  # lungs' label is not heart's
    unknown = runner.invoke(cli, ["train", "--ics", "kidneys", "--config", str(config_dir)])
    assert unknown.exit_code == 1 and "unknown ICS 'kidneys'; configured: heart, lungs" in unknown.output


PAGES = ["/", "/queue", "/conflicts", "/digests", "/register", "/register.csv", "/technologies", "/technologies.csv",
         "/technologies.xlsx", "/learning", "/learning/job", f"/items/{FENO}", "/search?q=asthma"]


def test_every_page_works_in_an_allowed_ics_and_is_refused_in_another(multi):
    rey, rob = multi["client"]("rey"), multi["client"]("rob")
    for path in PAGES:
        asked = path + ("&" if "?" in path else "?") + "ics=lungs"
        assert rey.get(asked).status_code == 200, path
        assert rob.get(asked).status_code == 403, path
    assert "FeNO-guided asthma" in rey.get("/queue?ics=lungs").text  # the queue is lungs' week
