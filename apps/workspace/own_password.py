"""Change your own password: any signed-in user, with the current one, and every old session ends.

A wrong current password counts as a failed sign-in for (name, address) in the same throttle
as ``/login``, so a stolen cookie cannot be used to guess the password any faster. On
success every session of the user ends (a captured cookie stops working) and this browser
gets a fresh one, so the person who just proved their password stays signed in.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from apps.workspace.auth import MAX_PASSWORD, authenticate, guard, hash_password, login_session
from apps.workspace.render import render
from horizon import store_accounts

log = logging.getLogger("apps.workspace")
PAGE = "/account/password"


@guard("viewer")
async def password_form(request: Request) -> Response:
    return render(request, "password.html", {"changed": request.query_params.get("changed") == "1"})


@guard("viewer")
async def change_password(request: Request) -> Response:
    form = await request.form()
    store, name = request.app.state.store, request.state.user.name
    current, new, again = (str(form.get(f) or "")[:MAX_PASSWORD + 1] for f in ("current", "new", "confirm"))
    address = (request.client.host if request.client else "?")[:64]
    throttle = request.app.state.throttle

    def refuse(error: str, status: int = 400) -> Response:
        return render(request, "password.html", {"error": error}, status_code=status)

    if wait := throttle.wait(name, address):
        log.warning("password change for user %r from %s refused: locked for %d more seconds", name, address, wait)
        return refuse(f"Too many wrong passwords from here; wait {round(wait)} seconds and try again.", 429)
    if authenticate(store, name, current) is None:
        log.warning("password change for user %r from %s refused: wrong current password", name, address)
        throttle.fail(name, address)
        return refuse("Your current password is wrong.", 401)
    if new != again:
        return refuse("The new password and its confirmation differ.")
    if new == current:
        return refuse("The new password is the same as the current one.")
    try:
        hashed = hash_password(new, name)
    except ValueError as err:
        return refuse(f"New password: {err}.")
    ended = store_accounts.set_password(store, name, hashed, address)  # this browser's too
    login_session(request, name)  # a fresh session, and CSRF token, for the browser that changed it
    log.info("user %r changed their password from %s (%d sessions ended)", name, address, ended)
    return RedirectResponse(PAGE + "?changed=1", status_code=303)


routes = [
    Route(PAGE, password_form, methods=["GET"]),
    Route(PAGE, change_password, methods=["POST"]),
]
