"""The review workspace application: ``create_app(config)`` over the configured store."""

from __future__ import annotations

import os
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from apps.workspace import (
    accounts,
    own_password,
    queue,
    register,
    review,
    technologies,
    technology_edits,
    training,
    triage,
)
from apps.workspace.auth import SESSION_LIFETIME, Throttle
from apps.workspace.jobs import CurrentModel, JobRunner
from apps.workspace.render import render
from flows.training_job import ics_model_dir
from horizon.config import Config
from horizon.icss import load_icss
from horizon.store import STAGES, Store

# Scripts and styles only from our own static files: a hostile title cannot run code.
SECURITY_HEADERS = [
    (b"content-security-policy", (b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
                                  b"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]
PUBLIC_PATHS = ("/login", "/static")  # everything else needs a session


class SecurityHeaders:
    """Adds the headers above to every response."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                names = {k.lower() for k, _ in message["headers"]}
                message["headers"] += [(k, v) for k, v in SECURITY_HEADERS if k not in names]
            await send(message)

        await self.app(scope, receive, with_headers)


async def _error(request: Request, exc: HTTPException) -> Response:
    return render(request, "error.html", {"status": exc.status_code, "detail": exc.detail}, status_code=exc.status_code)


@asynccontextmanager
async def _jobs_while_up(app: Starlette):
    """Start the training runner with the app and stop it with the app."""
    if app.state.runner is not None:
        app.state.runner.start()
    try:
        yield
    finally:
        if app.state.runner is not None:
            app.state.runner.stop()


def create_app(config: Config, store: Store | None = None, https_only: bool = False,
               secret_key: str | None = None, run_jobs: bool = True, sample: bool = False) -> Starlette:
    """The workspace over ``config``'s store (the sample's with ``sample``); ``https_only`` marks the cookie Secure.

    With ``run_jobs`` a thread runs queued training jobs while the app is up (``horizon serve``).
    """
    store = store or Store(config.store_for(sample))
    secret = secret_key or os.environ.get("HORIZON_SECRET_KEY") or store.secret("web_session_key")
    static = Mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")
    app = Starlette(
        routes=[*accounts.routes, *own_password.routes, *triage.routes, *register.routes, *training.routes,
                *queue.routes, *review.routes, *technologies.routes, *technology_edits.routes, static],
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(SessionMiddleware, secret_key=secret, session_cookie="horizon_session",
                       max_age=int(SESSION_LIFETIME.total_seconds()), same_site="lax", https_only=https_only),
        ],
        exception_handlers={HTTPException: _error},
        lifespan=_jobs_while_up,
    )
    app.state.config, app.state.store, app.state.stages = config, store, STAGES
    app.state.icss = load_icss(config)  # one, the configuration itself, without icss.yaml
    # Each ICS's model, in the folder its training job writes (a lone ICS: the usual one for this store).
    app.state.models = {i.id: CurrentModel(i.config, ics_model_dir(i, store.url)) for i in app.state.icss}
    app.state.model = app.state.models[app.state.icss[0].id]
    app.state.queue_scores = {i.id: queue.Scores() for i in app.state.icss}
    app.state.runner = JobRunner(config, store, app.state.models, app.state.icss) if run_jobs else None
    app.state.throttle = Throttle(store)
    return app
