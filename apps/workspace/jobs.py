"""The workspace's training runner thread, and the model its pages read (never train).

Jobs are ``flows.training_job``'s: the runner thread runs the ones "Retrain now" and
every N judgements queue, and the weekly flow runs the same jobs through
``run_training_job``, so all share one queue and one lock (``horizon.store_jobs``).
Pages only load the saved model (``CurrentModel``); loading is cheap, training is not.
With several ICSs each has its own model and jobs: a job fits the model of the ICS it was
queued for, on that ICS's reviewers' labels.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from flows.training_job import request_training, run_ics_job
from horizon import store_jobs
from horizon.config import Config
from horizon.errors import HorizonError
from horizon.icss import Ics, load_icss
from horizon.store import Store

log = logging.getLogger("apps.workspace")
POLL_SECONDS = 2.0  # how often the runner looks for jobs other processes queued


class JobRunner:
    """A daemon thread in ``horizon serve`` that runs queued training jobs one at a time."""

    def __init__(self, config: Config, store: Store, models: dict[str, CurrentModel] | None = None,
                 icss: list[Ics] | None = None):
        self.config, self.store, self.models = config, store, models or {}
        self.icss = icss or load_icss(config)
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        for ics in self.icss:  # a fresh install (or a new ICS): train its first model
            model = self.models.get(ics.id)
            if model is not None and model.stamp() is None:
                request_training(self.store, "workspace", "no saved model yet", ics)
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
                    ics, _ = run_ics_job(self.store, self.icss, job)
                    if ics.id in self.models:
                        self.models[ics.id].refresh()
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
