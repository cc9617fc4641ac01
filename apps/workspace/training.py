"""The learning page: the learning curve, the training job in progress, labels, blind agreement.

"Retrain now" only queues a job and returns; the runner thread (``apps.workspace.jobs``)
trains in the background, and the page (or its script) shows the job until it ends.
"""

from __future__ import annotations

from collections import Counter

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from apps.workspace import learning
from apps.workspace.auth import guard
from apps.workspace.render import render
from flows.training_job import request_training
from horizon import store_jobs, store_scopes
from horizon.store import utcnow
from horizon.store_icss import ics_labels
from horizon.store_jobs import TrainingJob
from horizon.store_review import blind_judgements


def job_view(store, job: TrainingJob | None) -> dict | None:
    """A job as the page and its script show it: state, who and when, seconds so far, expected seconds."""
    if job is None:
        return None
    runs = [r for r in store.training_runs() if r.report.get("seconds")]
    expected = runs[-1].report["seconds"] if runs else None
    end = job.finished_at or utcnow()
    elapsed = (end - job.started_at).total_seconds() if job.started_at else None
    keys = ("id", "state", "requested_by", "reason", "trained", "labels", "items", "f1_before", "f1_after", "error")
    return {**{k: getattr(job, k) for k in keys}, "requested_at": job.requested_at.isoformat(timespec="seconds"),
            "seconds": round(elapsed, 1) if elapsed is not None else None, "expected": expected}


@guard("viewer")
async def learning_page(request: Request) -> Response:
    store, ics = request.app.state.store, request.state.ics
    labels = store.labels() if ics.single else ics_labels(store, ics.id, ics.first)
    per_area = Counter((row.area or "(no area)", row.relevant) for row in labels)
    runs = [r for r in store.training_runs() if _mine(store, ics, r.report.get("job"))]
    jobs = [j for j in store_jobs.jobs(store, limit=50) if _mine(store, ics, j.id)][:10]
    mine = store_scopes.judgement_ids(store, ics)
    blind = {item: kept for item, calls in blind_judgements(store).items()
             if (kept := {r: j for r, j in calls.items() if mine is None or j.id in mine})}
    return render(request, "learning.html", {
        "runs": list(reversed(runs)), "curve": learning.curve(runs),
        "job": job_view(store, store_jobs.active(store)),
        "last": job_view(store, next((j for j in jobs if j.state in ("done", "failed")), None)),
        "jobs": jobs, "labels": labels, "per_area": per_area,
        "reviewers": sorted({row.reviewer for row in labels}),
        "agreement": learning.agreement(ics.config.priorities, blind),
        "retrain_every": request.app.state.config.settings.workspace.retrain_every,
    })


def _mine(store, ics, job_id) -> bool:
    """Whether a training job (or the run it logged) fitted ``ics``'s model; a job naming none, the first's."""
    if ics.single:
        return True
    owner = store_scopes.job_ics(store, job_id) if job_id is not None else None
    return owner == ics.id or (owner is None and ics.first)


@guard("viewer")
async def job_status(request: Request) -> Response:
    """The active job (or the last finished one) as JSON, for the page's progress line."""
    store = request.app.state.store
    active = store_jobs.active(store)
    latest = active or next(iter(store_jobs.jobs(store, limit=1)), None)
    return JSONResponse({"active": active is not None, "job": job_view(store, latest)})


@guard("admin")
async def retrain_now(request: Request) -> Response:
    """Queue a retrain and return at once; the runner thread picks it up."""
    request_training(request.app.state.store, request.state.user.name, "retrain now", request.state.ics)
    if request.app.state.runner is not None:
        request.app.state.runner.wake()
    return RedirectResponse("/learning", status_code=303)


routes = [
    Route("/learning", learning_page, methods=["GET"]),
    Route("/learning/job", job_status, methods=["GET"]),
    Route("/learning/retrain", retrain_now, methods=["POST"]),
]
