"""Retraining as a background job, and the model the workspace's pages read (never train).

``run_training_job(store, config, by)`` is the one way to retrain: the workspace's
runner thread calls it for "Retrain now" and after every N judgements, and the weekly
flow can call it too, so all of them share one queue and one lock (see ``store_jobs``).
Pages only load the saved model (``CurrentModel``); loading is cheap, training is not.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import asdict, is_dataclass
from pathlib import Path

from horizon import store_jobs
from horizon.config import Config
from horizon.errors import HorizonError
from horizon.store import Store

log = logging.getLogger("apps.workspace")
POLL_SECONDS = 2.0  # how often the runner looks for jobs other processes queued


def train_now(config: Config, store: Store, folds: int) -> dict:
    """Fit on the bundled and reviewer labels if the saved model has not seen them: the job's report."""
    from classifiers import ensure_current

    _, trained = ensure_current(config.priorities, store, cv=folds)
    report = asdict(trained) if is_dataclass(trained) else dict(vars(trained))
    return report | {"trained": bool(trained.retrained), "labels": trained.store_labels, "items": trained.items,
                     "f1_before": trained.cv_macro_f1_before, "f1_after": trained.cv_macro_f1_after,
                     "method": f"{folds}-fold cross-validated macro F1"}


def run_job(store: Store, config: Config, job: dict) -> dict:
    """Run one claimed job to its end; a run that fitted nothing is not logged as a training run."""
    started = time.monotonic()
    try:
        report = train_now(config, store, config.settings.workspace.cv_folds)
    except Exception as err:  # a failed job is recorded and shown, never kills the runner
        log.exception("training job %s failed", job["id"])
        store_jobs.fail(store, job["id"], f"{type(err).__name__}: {err}")
        return store_jobs.job(store, job["id"])
    report["seconds"] = round(time.monotonic() - started, 1)
    if report["trained"]:
        store.add_training_run(job["requested_by"], int(report["labels"] or 0), report["f1_after"],
                               report | {"job": job["id"], "f1_untrained": report["f1_before"]})
    store_jobs.finish(store, job["id"], report)
    log.info("training job %s by %r: trained=%s on %s labels, F1 %s -> %s", job["id"], job["requested_by"],
             report["trained"], report["labels"], report["f1_before"], report["f1_after"])
    return store_jobs.job(store, job["id"])


def request_training(store: Store, by: str, reason: str) -> int:
    """Queue a retrain (or join the one already queued); returns the job id."""
    return store_jobs.request(store, by, reason, store_jobs.judgement_count(store))


def run_training_job(store: Store, config: Config, by: str, reason: str = "weekly run",
                     timeout: float = 1800) -> dict:
    """Queue a retrain and see it through: run it here, or wait while another process runs one first.

    Returns the finished job (``state`` done or failed, ``trained``, ``labels``, ``f1_before``,
    ``f1_after``). For the weekly flow: call it before classifying, then load the saved model.
    """
    job_id = request_training(store, by, reason)
    deadline = time.monotonic() + timeout
    while True:
        mine = store_jobs.job(store, job_id)
        if mine["state"] in ("done", "failed"):
            return mine
        claimed = store_jobs.claim(store)
        if claimed is not None:
            run_job(store, config, claimed)
            continue
        if time.monotonic() > deadline:
            raise HorizonError(f"training job {job_id} still {mine['state']} after {timeout:.0f} s; "
                               "another process holds the training queue")
        time.sleep(POLL_SECONDS)


class JobRunner:
    """A daemon thread in ``horizon serve`` that runs queued training jobs one at a time."""

    def __init__(self, config: Config, store: Store, model: CurrentModel | None = None):
        self.config, self.store, self.model = config, store, model
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.model is not None and self.model.stamp() is None:  # a fresh install: train the first model
            request_training(self.store, "workspace", "no saved model yet")
        self._thread = threading.Thread(target=self._loop, name="horizon-training", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, wait: float = 5) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(wait)  # a fit in progress cannot be interrupted; the thread is a daemon

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                job = store_jobs.claim(self.store)
                if job is not None:
                    run_job(self.store, self.config, job)
                    if self.model is not None:
                        self.model.refresh()
                    continue
            except Exception:  # the store was briefly unavailable: try again at the next poll
                log.exception("training runner: could not claim a job")
            self._wake.wait(POLL_SECONDS)
            self._wake.clear()


class CurrentModel:
    """The saved classifier, reloaded when a retrain (here or in another process) replaced it.

    Never trains: with no saved model yet, ``get()`` returns None and pages say so.
    """

    def __init__(self, config: Config, model_dir: str | Path | None = None):
        self.config, self._model_dir = config, model_dir
        self._classifier, self._stamp = None, None
        self._lock = threading.Lock()

    @property
    def model_dir(self) -> Path:
        from classifiers import persist

        return Path(self._model_dir) if self._model_dir else persist.default_model_dir(self.config.priorities)

    def stamp(self) -> float | None:
        """When the saved model was last written (None: there is none)."""
        try:
            return (self.model_dir / "model.json").stat().st_mtime
        except OSError:
            return None

    def refresh(self) -> None:
        with self._lock:
            self._stamp = None

    def get(self):
        """The current ``AreaClassifier``, or None while no usable model is saved."""
        from classifiers import load_classifier

        stamp = self.stamp()
        with self._lock:
            if stamp is None:
                return None
            if stamp != self._stamp or self._classifier is None:
                try:
                    self._classifier = load_classifier(self.config.priorities, self.model_dir)
                except HorizonError as err:  # saved for other areas or another scikit-learn: retrain
                    log.warning("no usable saved model: %s", err)
                    return None
                self._stamp = stamp
            return self._classifier
