"""Training off the request path: pages never fit, "Retrain now" queues, one job at a time, the curve."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup

from apps.workspace import learning
from classifiers.model import AreaModel
from flows.training_job import describe, run_training_job
from horizon import store_jobs
from horizon.records import TrainingRun
from horizon.store import Store
from tests.web.conftest import csrf_of, run_queued_jobs
from tests.web.seed import HELD_BACK, ITEMS, TAUGHT

PAGES = ["/", "/digests", "/queue", "/learning", "/learning/job", "/conflicts", "/register", "/register.csv",
         "/search?q=asthma", f"/items/{HELD_BACK.id}", f"/items/{ITEMS[0].id}", "/users"]


@pytest.fixture
def fits(monkeypatch) -> list[int]:
    """Every fit of the classifier's estimator, anywhere, counted (and still run)."""
    calls: list[int] = []
    real = AreaModel.fit

    def counted(self, X, y, **kwargs):
        calls.append(len(X))
        return real(self, X, y, **kwargs)

    monkeypatch.setattr(AreaModel, "fit", counted)
    return calls


def judge(client, item_id: str, state: str = "relevant", areas=("cardiovascular",)) -> None:
    token = csrf_of(client.get("/learning").text)
    response = client.post("/judge", data={"csrf": token, "item_id": item_id, "state": state, "areas": list(areas)})
    assert response.status_code == 303


def test_no_page_request_trains_even_after_new_judgements(client_for, store, fits):
    rob, ada = client_for("rob"), client_for("ada")
    for item in TAUGHT:
        judge(rob, item.id)
    for client in (rob, ada):
        for path in PAGES:
            assert client.get(path).status_code in (200, 403), path
    assert fits == [] and store.training_runs() == []
    assert store_jobs.jobs(store) == []  # two judgements are fewer than retrain_every: nothing queued either


def test_without_a_saved_model_pages_say_so_and_do_not_train(client_for, store, model_dir, fits):
    shutil.rmtree(model_dir)
    ada = client_for("ada")
    for path in PAGES:
        assert ada.get(path).status_code == 200, path
    assert "No trained model yet" in ada.get(f"/items/{HELD_BACK.id}").text
    assert fits == [] and store.training_runs() == []


def test_retrain_now_returns_at_once_and_the_job_records_what_it_did(client_for, store, config, fits):
    rob, ada = client_for("rob"), client_for("ada")
    for item in TAUGHT:
        judge(rob, item.id)
    response = ada.post("/learning/retrain", data={"csrf": csrf_of(ada.get("/learning").text)})
    assert response.status_code == 303 and fits == []  # queued, not trained in the request
    [queued] = store_jobs.jobs(store)
    assert (queued.state, queued.requested_by) == ("queued", "ada")
    status = ada.get("/learning/job").json()
    assert status["active"] and status["job"]["state"] == "queued"
    assert BeautifulSoup(ada.get("/learning").text, "html.parser").select_one("#job")["data-job-state"] == "queued"

    [job] = run_queued_jobs(store, config)
    assert fits  # the job fitted the model
    assert (job.state, job.trained, job.labels) == ("done", True, 2)
    assert job.started_at <= job.finished_at and job.f1_after is not None
    [run] = store.training_runs()
    assert (run.by, run.labels, run.report["job"]) == ("ada", 2, job.id)
    assert not ada.get("/learning/job").json()["active"]

    # Nothing new to learn: the job is done, but no training run is logged.
    ada.post("/learning/retrain", data={"csrf": csrf_of(ada.get("/learning").text)})
    [again] = run_queued_jobs(store, config)
    assert (again.state, again.trained) == ("done", False)
    assert len(store.training_runs()) == 1
    assert "nothing to train" in ada.get("/learning").text


def test_a_retrain_is_queued_after_every_n_judgements(client_for, store, config):
    every = config.settings.workspace.retrain_every
    rob = client_for("rob")
    digest_ids = [r.item_id for r in store.digest_items(store.digest_id)]
    assert len(digest_ids) > every
    for n, item_id in enumerate(digest_ids[:every], 1):
        assert store_jobs.jobs(store) == [], f"queued after only {n - 1} judgements"
        judge(rob, item_id, "not-relevant", ())
    [job] = store_jobs.jobs(store)
    assert (job.state, job.requested_by, job.judgements_seen) == ("queued", "rob", every)
    judge(rob, digest_ids[every], "not-relevant", ())
    assert len(store_jobs.jobs(store)) == 1  # the next one waits for another N


def test_one_job_runs_at_a_time_across_processes(store, config):
    other = Store(config.settings.store_url)  # another process's connection to the same store
    try:
        first = store_jobs.request(store, "ada", "retrain now", 0)
        assert store_jobs.request(other, "weekly", "weekly run", 0) == first  # one queued job covers both
        running = store_jobs.claim(store, worker="web:1")
        assert running.id == first and running.state == "running"
        second = store_jobs.request(other, "weekly", "weekly run", 0)
        assert second != first
        assert store_jobs.claim(other, worker="flow:2") is None  # the first is still running
        store_jobs.finish(store, first, {"trained": False})
        assert store_jobs.claim(other, worker="flow:2").id == second
    finally:
        other.close()


def test_a_job_whose_worker_died_is_marked_failed_and_the_queue_moves_on(store):
    t0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    dead = store_jobs.request(store, "ada", "retrain now", 0, now=t0)
    store_jobs.claim(store, worker="web:1", now=t0)
    waiting = store_jobs.request(store, "rob", "10 new judgements", 10, now=t0)
    assert store_jobs.claim(store, now=t0 + timedelta(minutes=10)) is None
    assert store_jobs.claim(store, now=t0 + store_jobs.STALE_AFTER + timedelta(seconds=1)).id == waiting
    failed = store_jobs.job(store, dead)
    assert failed.state == "failed" and "abandoned" in failed.error


def test_the_weekly_flows_entry_point_runs_the_same_job(client_for, store, config):
    rob = client_for("rob")
    for item in TAUGHT:
        judge(rob, item.id)
    job = run_training_job(store, config, by="weekly run")
    assert (job.state, job.trained, job.requested_by) == ("done", True, "weekly run")
    assert [r.by for r in store.training_runs()] == ["weekly run"]
    assert re.fullmatch(r"Classifier retrained on \d+ labelled items, 2 from reviewers: "
                        r"cross-validated macro F1 (n/a|0\.\d\d) -> 0\.\d\d\.", describe(job))
    again = run_training_job(store, config, by="weekly run")
    assert again.trained is False and describe(again).startswith("Classifier up to date")
    assert len(store.training_runs()) == 1


def test_the_weekly_run_can_train_one_icss_model_in_its_own_folder(store, config, tmp_path):
    store.add_label(TAUGHT[0].id, "cardiovascular", True, "rob")
    own = tmp_path / "ics-model"
    job = run_training_job(store, config, by="weekly run", model_dir=str(own))
    assert job.trained and job.labels == 1 and (own / "model.json").exists()


def test_a_failed_job_is_recorded_with_its_error(store, config, monkeypatch):
    def broken(self, X, y, **kwargs):
        raise MemoryError("out of memory in fit")

    store.add_label(TAUGHT[0].id, "cardiovascular", True, "rob")
    monkeypatch.setattr(AreaModel, "fit", broken)
    job = run_training_job(store, config, by="ada")
    assert job.state == "failed" and "out of memory in fit" in job.error
    assert "retraining failed" in describe(job)
    assert store.training_runs() == []


def test_the_learning_curve_comes_from_stored_training_runs(client_for, store):
    t0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    for n, (labels, f1, before) in enumerate([(40, 0.88, 0.87), (80, 0.89, 0.88), (120, 0.91, 0.89)]):
        store.add_training_run("ada", labels, f1, {"items": 253 + labels, "f1_untrained": before},
                               now=t0 + timedelta(days=7 * n))
    curve = learning.curve(store.training_runs())
    assert [p["labels"] for p in curve["points"]] == [40, 80, 120]
    assert curve["sentence"] == "With your 120 labels, estimated F1 0.91, up from 0.87."
    page = BeautifulSoup(client_for("vic").get("/learning").text, "html.parser")
    assert page.select_one(".curve-summary").get_text() == curve["sentence"]
    assert len(page.select("svg.curve circle")) == 3
    assert [tr.select("td")[0].get_text() for tr in page.select("table.curve-points tr")[1:]] == ["40", "80", "120"]


def test_runs_without_an_f1_leave_the_curve_empty():
    run = TrainingRun(1, datetime(2026, 11, 2, 9, 0, tzinfo=UTC), "ada", 3, None, {})
    assert learning.curve([run]) == {"points": [], "sentence": None}
