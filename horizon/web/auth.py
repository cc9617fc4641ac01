"""Who may do what: argon2 password hashes, signed-cookie sessions, roles and CSRF tokens.

Every endpoint is wrapped by ``guard(role)``: no session, no page; a POST must carry the
session's CSRF token (form field ``csrf`` or header ``X-CSRF-Token``).
"""

from __future__ import annotations

import functools
import secrets
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from horizon.store import ROLES, Store

_hasher = PasswordHasher()
# Verified when the user does not exist, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
MIN_PASSWORD = 10

Endpoint = Callable[[Request], Awaitable[Response]]


def hash_password(password: str) -> str:
    """An argon2id hash of the password; the password itself is never stored."""
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def authenticate(store: Store, name: str, password: str) -> dict | None:
    """The user if the name and password match, else None (and a rehash when parameters changed)."""
    user = store.user(name)
    try:
        _hasher.verify(user["password_hash"] if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if _hasher.check_needs_rehash(user["password_hash"]):
        store.update_user(name, password_hash=_hasher.hash(password))
    return user


class Throttle:
    """At most ``limit`` failed sign-ins per key (a name, an address) in ``window`` seconds.

    Argon2 already makes each guess slow; this stops a patient guesser. Kept in memory:
    a restart forgets it, which only an attacker who can restart the server could use.
    """

    def __init__(self, limit: int = 5, window: float = 900):
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = defaultdict(deque)

    def blocked(self, *keys: str) -> bool:
        now = time.monotonic()
        for key in keys:
            failures = self._failures.get(key)
            while failures and failures[0] < now - self.window:
                failures.popleft()
        return any(len(self._failures.get(key, ())) >= self.limit for key in keys)

    def fail(self, *keys: str) -> None:
        for key in keys:
            self._failures[key].append(time.monotonic())

    def clear(self, key: str) -> None:
        self._failures.pop(key, None)


def allows(role: str, needed: str) -> bool:
    """Roles are ordered: viewer < reviewer < admin."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def csrf_token(request: Request) -> str:
    """This session's CSRF token, made on first use."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


async def csrf_ok(request: Request) -> bool:
    expected = request.session.get("csrf")
    form = await request.form()
    given = form.get("csrf") or request.headers.get("x-csrf-token") or ""
    return bool(expected) and isinstance(given, str) and secrets.compare_digest(given, expected)


def login_session(request: Request, name: str) -> None:
    """A fresh session for this user (a new CSRF token too: no session fixation)."""
    request.session.clear()
    request.session["user"] = name
    request.session["csrf"] = secrets.token_urlsafe(32)


def current_user(request: Request) -> dict | None:
    """The signed-in user, read from the store each request so role changes apply at once."""
    name = request.session.get("user")
    if not name:
        return None
    user = request.app.state.store.user(name)
    if user is None:
        request.session.clear()
    return user


def guard(role: str) -> Callable[[Endpoint], Endpoint]:
    """Refuse the endpoint to anyone without a session and at least ``role``; check CSRF on POST."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")

    def wrap(handler: Endpoint) -> Endpoint:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            user = current_user(request)
            if user is None:
                if request.method in ("GET", "HEAD"):
                    return RedirectResponse("/login?" + urlencode({"next": request.url.path}), status_code=303)
                return PlainTextResponse("Sign in first.", status_code=401)
            if not allows(user["role"], role):
                return PlainTextResponse(f"This needs the {role} role.", status_code=403)
            if request.method == "POST" and not await csrf_ok(request):
                return PlainTextResponse("Invalid or missing CSRF token; reload the page and try again.",
                                         status_code=403)
            request.state.user = user
            return await handler(request)

        endpoint.required_role = role  # type: ignore[attr-defined]
        return endpoint

    return wrap


def safe_next(target: str | None) -> str:
    """A local path to go back to; anything else (other hosts, schemes) goes home."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
