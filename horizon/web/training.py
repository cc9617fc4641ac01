"""The learning page: labels so far, how retraining moved F1, reviewers' agreement; "retrain now"."""

from __future__ import annotations

import logging
import threading
from collections import Counter

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from horizon.web import learning
from horizon.web.auth import guard
from horizon.web.render import render

log = logging.getLogger("horizon.web")


class Model:
    """The classifier the workspace shows predictions from: trained on first use, replaced by a retrain.

    Training is CPU work, so it runs in a worker thread; a thread lock keeps two from overlapping.
    """

    def __init__(self, config, store):
        self.config, self.store = config, store
        self.classifier = None
        self._lock = threading.Lock()

    async def __call__(self):
        return await run_in_threadpool(self._current)

    async def retrain(self, by: str) -> dict:
        return await run_in_threadpool(self._retrain, by)

    def _current(self):
        with self._lock:
            if self.classifier is None:
                self.classifier = learning.current(self.config, self.store)
            return self.classifier

    def _retrain(self, by: str) -> dict:
        with self._lock:
            self.classifier, report = learning.retrain(self.config, self.store)
        report = dict(report) if isinstance(report, dict) else dict(vars(report))
        self.store.add_training_run(by, int(report.get("labels") or 0), report.get("f1"), report)
        log.info("classifier retrained by %r on %s labels, F1 %s", by, report.get("labels"), report.get("f1"))
        return report


@guard("viewer")
async def learning_page(request: Request) -> Response:
    store, priorities = request.app.state.store, request.app.state.config.priorities
    labels = store.labels()
    per_area = Counter((row["area"] or "(no area)", row["relevant"]) for row in labels)
    return render(request, "learning.html", {
        "runs": list(reversed(store.training_runs())),
        "labels": labels, "per_area": per_area,
        "reviewers": sorted({row["reviewer"] for row in labels}),
        "agreement": learning.agreement(priorities, store.current_judgements()),
    })


@guard("admin")
async def retrain_now(request: Request) -> Response:
    await request.app.state.model.retrain(request.state.user["name"])
    return RedirectResponse("/learning", status_code=303)


routes = [
    Route("/learning", learning_page, methods=["GET"]),
    Route("/learning/retrain", retrain_now, methods=["POST"]),
]
