"""Signing in and out, and the admin's user list."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from apps.workspace.auth import (
    authenticate,
    csrf_ok,
    csrf_token,
    guard,
    hash_password,
    login_session,
    logout_session,
    safe_next,
)
from apps.workspace.render import render
from horizon import store_accounts
from horizon.errors import StoreError
from horizon.store import ROLES
from horizon.store_scopes import set_user_icss, users_icss

log = logging.getLogger("apps.workspace")


async def login_form(request: Request) -> Response:
    csrf_token(request)
    return render(request, "login.html", {"next": safe_next(request.query_params.get("next"))})


async def login(request: Request) -> Response:
    form = await request.form()
    target = safe_next(str(form.get("next") or "/"))
    if not await csrf_ok(request):
        return render(request, "login.html", {"next": target, "error": "The form expired; please try again."},
                      status_code=403)
    name = str(form.get("name") or "").strip()[:100]
    address = (request.client.host if request.client else "?")[:64]
    throttle = request.app.state.throttle
    if wait := throttle.wait(name, address):
        log.warning("sign-in for user %r from %s refused: locked for %d more seconds", name, address, wait)
        return render(request, "login.html", {"next": target, "error": "Too many failed sign-ins from here; "
                      f"wait {_duration(wait)} or ask an admin to reset your password."}, status_code=429)
    user = authenticate(request.app.state.store, name, str(form.get("password") or ""))
    if user is None:
        log.warning("failed sign-in for user %r from %s", name, address)
        throttle.fail(name, address)
        return render(request, "login.html", {"next": target, "error": "Wrong name or password."},
                      status_code=401)
    throttle.clear(name, address)
    login_session(request, user.name)
    log.info("user %r signed in", user.name)
    return RedirectResponse(target, status_code=303)


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}" if minutes else f"{max(1, round(seconds))} seconds"


@guard("viewer")
async def logout(request: Request) -> Response:
    logout_session(request)
    return RedirectResponse("/login", status_code=303)


def _users(request: Request, **extra) -> dict:
    """The Users page's context: users, roles, and with several ICSs each user's ICSs."""
    icss = request.app.state.icss
    return {"users": request.app.state.store.users(), "roles": ROLES, "icss": icss if len(icss) > 1 else [],
            "works_in": users_icss(request.app.state.store), "first_ics": icss[0].id, **extra}


def _icss_of(request: Request, form) -> list[str]:
    """The ICSs ticked on the Users page, each one of icss.yaml's."""
    known = [i.id for i in request.app.state.icss]
    ticked = [str(i) for i in form.getlist("icss")]
    if unknown := [i for i in ticked if i not in known]:
        raise ValueError(f"unknown ICS '{unknown[0][:60]}'; valid: {', '.join(known)}")
    return ticked


@guard("admin")
async def user_list(request: Request) -> Response:
    return render(request, "users.html", _users(request, message=request.query_params.get("message", "")))


@guard("admin")
async def user_add(request: Request) -> Response:
    form = await request.form()
    name, role = str(form.get("name") or "").strip(), str(form.get("role") or "")
    try:
        if not name or len(name) > 100:
            raise ValueError("a user name needs 1 to 100 characters")
        icss = _icss_of(request, form)
        request.app.state.store.add_user(name, hash_password(str(form.get("password") or ""), name), role)
        set_user_icss(request.app.state.store, name, icss)
    except (ValueError, StoreError) as err:
        return render(request, "users.html", _users(request, error=str(err)), status_code=400)
    log.info("user %r added with role %s by %r", name, role, request.state.user.name)
    return RedirectResponse("/users", status_code=303)


@guard("admin")
async def user_change(request: Request) -> Response:
    """Change a user's role or password, or remove the user (never yourself)."""
    form = await request.form()
    store, name = request.app.state.store, request.path_params["name"]
    action = str(form.get("action") or "")
    try:
        if name == request.state.user.name and action in ("role", "delete"):
            raise ValueError("you cannot change your own role or remove yourself; ask another admin")
        if store.user(name) is None:
            raise ValueError(f"no user '{name}'")
        ended = 0
        if action == "role":
            store.update_user(name, role=str(form.get("role") or ""))
        elif action == "password":
            ended = store_accounts.set_password(store, name, hash_password(str(form.get("password") or ""), name))
        elif action == "icss":
            set_user_icss(store, name, _icss_of(request, form))
        elif action == "delete":
            store.delete_user(name)
            set_user_icss(store, name, [])
        else:
            raise ValueError("unknown action; use role, password, icss or delete")
        # Whatever changed, the user's sessions end: they sign in again with what is true now.
        ended += store_accounts.end_sessions(store, name)
    except (ValueError, StoreError) as err:
        return render(request, "users.html", _users(request, error=str(err)), status_code=400)
    log.info("user %r: %s by %r (%d sessions ended)", name, action, request.state.user.name, ended)
    return RedirectResponse("/users", status_code=303)


@guard("viewer")
async def choose_ics(request: Request) -> Response:
    """The ICS selector: work in another of the reader's ICSs (``guard`` refused one they may not)."""
    request.session["ics"] = request.state.ics.id
    return RedirectResponse(safe_next(str((await request.form()).get("next") or "/")), status_code=303)


routes = [
    Route("/ics", choose_ics, methods=["POST"]),
    Route("/login", login_form, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/users", user_list, methods=["GET"]),
    Route("/users", user_add, methods=["POST"]),
    Route("/users/{name}", user_change, methods=["POST"]),
]
