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
from horizon import store_jobs
from horizon.store import utcnow
from horizon.store_review import blind_judgements


def job_view(store, job: dict | None) -> dict | None:
    """A job as the page and its script show it: state, who and when, seconds so far, expected seconds."""
    if job is None:
        return None
    runs = [r for r in store.training_runs() if (r["report"] or {}).get("seconds")]
    expected = runs[-1]["report"]["seconds"] if runs else None
    end = job["finished_at"] or utcnow()
    elapsed = (end - job["started_at"]).total_seconds() if job["started_at"] else None
    keys = ("id", "state", "requested_by", "reason", "trained", "labels", "items", "f1_before", "f1_after", "error")
    return {**{k: job[k] for k in keys}, "requested_at": job["requested_at"].isoformat(timespec="seconds"),
            "seconds": round(elapsed, 1) if elapsed is not None else None, "expected": expected}


@guard("viewer")
async def learning_page(request: Request) -> Response:
    store, priorities = request.app.state.store, request.app.state.config.priorities
    labels = store.labels()
    per_area = Counter((row["area"] or "(no area)", row["relevant"]) for row in labels)
    runs = store.training_runs()
    jobs = store_jobs.jobs(store, limit=10)
    return render(request, "learning.html", {
        "runs": list(reversed(runs)), "curve": learning.curve(runs),
        "job": job_view(store, store_jobs.active(store)),
        "last": job_view(store, next((j for j in jobs if j["state"] in ("done", "failed")), None)),
        "jobs": jobs, "labels": labels, "per_area": per_area,
        "reviewers": sorted({row["reviewer"] for row in labels}),
        "agreement": learning.agreement(priorities, blind_judgements(store)),
        "retrain_every": request.app.state.config.settings.workspace.retrain_every,
    })


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
    request_training(request.app.state.store, request.state.user["name"], "retrain now")
    if request.app.state.runner is not None:
        request.app.state.runner.wake()
    return RedirectResponse("/learning", status_code=303)


routes = [
    Route("/learning", learning_page, methods=["GET"]),
    Route("/learning/job", job_status, methods=["GET"]),
    Route("/learning/retrain", retrain_now, methods=["POST"]),
]
