"""Retraining as a queued job: the one way the workspace and the weekly run fit the classifier.

``run_training_job(store, config, by)`` queues a retrain (or joins the queued one) and
sees it through, here or after another process's job, under the store's one-at-a-time
lock (``horizon.store_jobs``). The workspace's runner thread (``apps.workspace.jobs``)
runs the same ``run_job``. Plain Python: no Prefect, so the workspace can import it.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from horizon import store_jobs, store_scopes
from horizon.config import Config
from horizon.errors import HorizonError
from horizon.icss import Ics, load_icss
from horizon.store import Store
from horizon.store_jobs import TrainingJob

if TYPE_CHECKING:
    from classifiers.training import LabelSource

log = logging.getLogger("flows.training_job")
POLL_SECONDS = 2.0  # how often a waiting run looks again while another process trains


def train_now(config: Config, labels: LabelSource, folds: int, model_dir: str | None = None) -> dict:
    """Fit on the bundled and reviewer labels if the saved model has not seen them: the job's report.

    ``labels`` is the store, or a view of it whose ``labels()`` are one ICS's (``IcsStore``).
    """
    from classifiers import ensure_current

    # Cross-validated F1 is worth its cost only when reviewers' labels can move it (as the weekly run did).
    folds = folds if labels.labels() else 0
    _, trained = ensure_current(config.priorities, labels, model_dir=model_dir, cv=folds)
    report = dict(vars(trained))  # classifiers.TrainingReport, whatever fields it grows
    return report | {"trained": bool(trained.retrained), "labels": trained.store_labels, "items": trained.items,
                     "f1_before": trained.cv_macro_f1_before, "f1_after": trained.cv_macro_f1_after,
                     "method": f"{folds}-fold cross-validated macro F1" if folds else "not cross-validated"}


def run_job(store: Store, config: Config, job: TrainingJob, model_dir: str | None = None,
            labels: LabelSource | None = None) -> TrainingJob:
    """Run one claimed job to its end; a run that fitted nothing is not logged as a training run."""
    started = time.monotonic()
    try:
        report = train_now(config, labels or store, config.settings.workspace.cv_folds, model_dir)
    except Exception as err:  # a failed job is recorded and shown, never kills the runner
        log.exception("training job %s failed", job.id)
        store_jobs.fail(store, job.id, f"{type(err).__name__}: {err}")
        return _job(store, job.id)
    report["seconds"] = round(time.monotonic() - started, 1)
    if report["trained"]:
        store.add_training_run(job.requested_by, int(report["labels"] or 0), report["f1_after"],
                               report | {"job": job.id, "f1_untrained": report["f1_before"]})
    store_jobs.finish(store, job.id, report)
    log.info("training job %s by %r: trained=%s on %s labels, F1 %s -> %s", job.id, job.requested_by,
             report["trained"], report["labels"], report["f1_before"], report["f1_after"])
    return _job(store, job.id)


def request_training(store: Store, by: str, reason: str, ics: Ics | None = None) -> int:
    """Queue a retrain (of ``ics``'s model, with several ICSs) or join the one already queued; the job id."""
    if ics is None or ics.single:
        return store_jobs.request(store, by, reason, store_jobs.judgement_count(store))
    return store_scopes.request_job(store, ics, by, reason, store_scopes.judgement_count(store, ics))


def ics_model_dir(ics: Ics, store_url: str | None = None) -> str:
    """Where an ICS's model is saved: the usual cache for a lone ICS, its own folder in it for one of several.

    Both are keyed by the store too, so two stores with the same ICSs never overwrite one model.
    """
    from classifiers.persist import default_model_dir

    folder = default_model_dir(ics.config.priorities, store_url)
    return str(folder if ics.single else folder / "ics" / ics.id)


def run_ics_job(store: Store, icss: list[Ics], job: TrainingJob) -> tuple[Ics, TrainingJob]:
    """Run a claimed job for the ICS it was queued for (the first when it names none)."""
    from horizon.store_icss import IcsStore

    wanted = store_scopes.job_ics(store, job.id)
    ics = next((i for i in icss if i.id == wanted), None) or next(i for i in icss if i.first)
    labels = store if ics.single else IcsStore(store, ics.id, default=ics.first)
    return ics, run_job(store, ics.config, job, ics_model_dir(ics, store.url), labels)


def run_training_job(store: Store, config: Config, by: str, reason: str = "weekly run",
                     timeout: float = 1800, model_dir: str | None = None, labels: LabelSource | None = None,
                     ics: Ics | None = None) -> TrainingJob:
    """Queue a retrain and see it through: run it here, or wait while another process runs one first.

    Returns the finished job (``state`` done or failed, ``trained``, ``labels``, ``f1_before``,
    ``f1_after``). For the weekly flow: call it before classifying, then load the saved model
    (``classifiers.load_classifier(priorities, model_dir)``). ``model_dir`` and ``labels`` (an
    ``IcsStore`` view) let one ICS of several (``ics``) train its own model on its own reviewers' labels;
    a job another process queued for another ICS is run for that ICS.
    """
    job_id = request_training(store, by, reason, ics)
    deadline = time.monotonic() + timeout
    while True:
        mine = _job(store, job_id)
        if mine.state in ("done", "failed"):
            return mine
        claimed = store_jobs.claim(store)
        if claimed is not None:
            if ics is not None and not ics.single:  # whichever ICS's job it is, in that ICS's folder
                run_ics_job(store, load_icss(config), claimed)
            else:
                run_job(store, config, claimed, model_dir, labels)
            continue
        if time.monotonic() > deadline:
            raise HorizonError(f"training job {job_id} still {mine.state} after {timeout:.0f} s; "
                               "another process holds the training queue")
        time.sleep(POLL_SECONDS)


def describe(job: TrainingJob) -> str:
    """One line for a run summary: 'Classifier retrained on 12 reviewer labels: macro F1 0.88 -> 0.90.'"""
    def f1(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.2f}"

    if job.state == "failed":
        return f"Classifier retraining failed ({job.error}); the previous model was used."
    if not job.trained:
        return f"Classifier up to date: {job.items} labelled items, {job.labels} from reviewers."
    return (f"Classifier retrained on {job.items} labelled items, {job.labels} from reviewers: "
            f"cross-validated macro F1 {f1(job.f1_before)} -> {f1(job.f1_after)}.")


def _job(store: Store, job_id: int) -> TrainingJob:
    found = store_jobs.job(store, job_id)
    if found is None:
        raise HorizonError(f"training job {job_id} is not in the store")
    return found
