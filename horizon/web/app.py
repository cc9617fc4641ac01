"""The review workspace application: ``create_app(config)`` over the configured store."""

from __future__ import annotations

import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from horizon.config import Config
from horizon.store import STAGES, Store
from horizon.web import accounts, register, technologies, training, triage
from horizon.web.auth import Throttle
from horizon.web.render import render

SESSION_HOURS = 12
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


def create_app(config: Config, store: Store | None = None, https_only: bool = False,
               secret_key: str | None = None, sample: bool = False) -> Starlette:
    """The workspace over ``config``'s store (the sample's with ``sample``); ``https_only`` marks the cookie Secure."""
    store = store or Store(config.store_for(sample))
    secret = secret_key or os.environ.get("HORIZON_SECRET_KEY") or store.secret("web_session_key")
    static = Mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")
    app = Starlette(
        routes=[*accounts.routes, *triage.routes, *register.routes, *training.routes, *technologies.routes, static],
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(SessionMiddleware, secret_key=secret, session_cookie="horizon_session",
                       max_age=SESSION_HOURS * 3600, same_site="lax", https_only=https_only),
        ],
        exception_handlers={HTTPException: _error},
    )
    app.state.config, app.state.store, app.state.stages = config, store, STAGES
    app.state.model = training.Model(config, store)
    app.state.throttle = Throttle()
    return app
