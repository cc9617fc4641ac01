"""Who may do what: argon2 password hashes, server-side sessions, roles and CSRF tokens.

Every endpoint is wrapped by ``guard(role)``: no session, no page; a POST must carry the
session's CSRF token (form field ``csrf`` or header ``X-CSRF-Token``). The signed cookie
holds only a session token and the CSRF token; whether the session is alive is the
store's answer (``horizon/store_accounts.py``), so signing out really ends it.
"""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from urllib.parse import urlencode

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from apps.workspace.scope import resolve
from horizon import store_accounts
from horizon.store import ROLES, Store, utcnow

_hasher = PasswordHasher()
# Verified when the user does not exist, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
MIN_PASSWORD, MAX_PASSWORD = 10, 128
MIN_STRENGTH = 3  # zxcvbn's score from 0 to 4: 3 is "safely unguessable" against an online attack
SESSION_LIFETIME = timedelta(hours=12)
log = logging.getLogger("apps.workspace")

Endpoint = Callable[[Request], Awaitable[Response]]


def check_password(password: str, name: str = "") -> None:
    """Refuse short, common and trivially repetitive passwords (zxcvbn), with zxcvbn's reason."""
    from zxcvbn import zxcvbn

    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise ValueError(f"a password may have at most {MAX_PASSWORD} characters")
    verdict = zxcvbn(password[:72], user_inputs=[name, "horizon", "horizon-scanning"] if name else ["horizon"])
    if verdict["score"] < MIN_STRENGTH:
        reason = verdict["feedback"]["warning"] or "it is too easy to guess"
        raise ValueError(f"password too easy to guess: {reason.rstrip('.')}; "
                         "try a few unrelated words or a password manager's suggestion")


def hash_password(password: str, name: str = "") -> str:
    """An argon2id hash of a password that passes the policy; the password itself is never stored."""
    check_password(password, name)
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
    """Failed sign-ins counted per (name, address), in the store, with delays that grow.

    The first ``free`` failures cost nothing; each one after locks that name *from that
    address* for twice as long as the last (``first_delay`` up to ``max_delay``). Another
    address is not affected, so nobody can lock a colleague (or the admin) out, and a
    correct password from an address that has not failed always works.
    """

    def __init__(self, store: Store, free: int = 3, first_delay: float = 15, max_delay: float = 900,
                 clock: Callable[[], datetime] = utcnow):
        self.store, self.free, self.clock = store, free, clock
        self.first_delay, self.max_delay = first_delay, max_delay

    def lock_for(self, failures: int) -> timedelta | None:
        if failures < self.free:
            return None
        return timedelta(seconds=min(self.first_delay * 2 ** (failures - self.free), self.max_delay))

    def wait(self, name: str, address: str) -> float:
        """Seconds until ``name`` may try again from ``address`` (0: now)."""
        until = store_accounts.failures(self.store, name, address).locked_until
        return max(0.0, (until - self.clock()).total_seconds()) if until else 0.0

    def fail(self, name: str, address: str) -> None:
        done = store_accounts.record_failure(self.store, name, address, self.lock_for, self.clock())
        if done.locked_until:
            seconds = round((done.locked_until - self.clock()).total_seconds())
            log.warning("sign-in for user %r from %s locked for %d s after %d failures",
                        name, address, seconds, done.failures)

    def clear(self, name: str, address: str | None = None) -> None:
        store_accounts.clear_failures(self.store, name, address)


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
    """A fresh server-side session for this user (a new CSRF token too: no session fixation)."""
    request.session.clear()
    request.session["sid"] = store_accounts.start_session(request.app.state.store, name, SESSION_LIFETIME)
    request.session["csrf"] = secrets.token_urlsafe(32)


def logout_session(request: Request) -> None:
    """End this session in the store: a copy of the cookie is worth nothing from now on."""
    store_accounts.end_session(request.app.state.store, request.session.get("sid") or "")
    request.session.clear()


def current_user(request: Request) -> dict | None:
    """The signed-in user, read from the store each request so role changes apply at once."""
    token = request.session.get("sid")
    if not token:
        return None
    store = request.app.state.store
    found = store_accounts.session(store, token)
    user = store.user(found.name) if found else None
    if user is None:
        request.session.clear()
    return user


def guard(role: str) -> Callable[[Endpoint], Endpoint]:
    """Refuse the endpoint to anyone without a session and at least ``role``, or asking for an ICS they are
    not allowed (``apps.workspace.scope``); check CSRF on POST."""
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
            ics = await resolve(request, user)
            if isinstance(ics, Response):
                return ics  # an ICS the user may not work in
            request.state.user, request.state.ics = user, ics
            return await handler(request)

        endpoint.required_role = role  # type: ignore[attr-defined]
        return endpoint

    return wrap


def safe_next(target: str | None) -> str:
    """A local path to go back to; anything else (other hosts, schemes) goes home."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
