"""The ICS a request works in: every page, judgement, register entry and retrain is one ICS's.

With one ICS (no ``icss.yaml``) that ICS is the whole configuration and nothing here shows.
With several, a user works in the ICSs ``horizon user add --ics`` gave them (the first ICS
when none was given); one with several picks the current one with the selector, kept in
the session. A request may name an ICS (``?ics=`` or a form's ``ics`` field, which the
pages' forms carry): one the user is not allowed is refused with 403, so a forged
judgement can never train another ICS's classifier.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from horizon.icss import Ics
from horizon.store import Store
from horizon.store_runs import DigestRecord
from horizon.store_scopes import allowed_icss


async def resolve(request: Request, user: dict) -> Ics | Response:
    """The ICS of this request for ``user``, or a 403 when it names one they may not work in."""
    icss: list[Ics] = request.app.state.icss
    allowed = allowed_icss(request.app.state.store, user["name"], icss)
    if not allowed:
        return PlainTextResponse("You work in no ICS of this configuration; ask an admin to give you one.",
                                 status_code=403)
    asked = request.query_params.get("ics") or ""
    if request.method == "POST":
        asked = str((await request.form()).get("ics") or asked)
    if asked:
        found = next((i for i in allowed if i.id == asked), None)
        return found or PlainTextResponse(f"You do not work in the ICS '{asked[:60]}'.", status_code=403)
    chosen = request.session.get("ics")
    return next((i for i in allowed if i.id == chosen), allowed[0])


def refuse_other(request: Request, owner: Ics) -> Response | None:
    """A 403 unless the reader may work in ``owner`` (the ICS a digest or record belongs to)."""
    allowed = allowed_icss(request.app.state.store, request.state.user["name"], request.app.state.icss)
    if owner.id in {i.id for i in allowed}:
        request.state.ics = owner
        return None
    return PlainTextResponse(f"This belongs to the ICS '{owner.id}', which you do not work in.", status_code=403)


def owner_of_digest(icss: list[Ics], key: str) -> Ics:
    """The ICS whose digest series ``key`` is (the first one for a series no ICS names)."""
    return next((i for i in icss if i.key == key), None) or next(i for i in icss if i.first)


def ics_digests(store: Store, icss: list[Ics], ics: Ics) -> list[DigestRecord]:
    """The digests of one ICS, oldest week first."""
    return [d for d in store.digests() if ics.single or owner_of_digest(icss, d.key).id == ics.id]


def latest_digest(store: Store, icss: list[Ics], ics: Ics) -> DigestRecord | None:
    """``Store.digest()`` for one ICS: its latest published digest."""
    if ics.single:
        return store.digest()
    found = ics_digests(store, icss, ics)
    return max(found, key=lambda d: (d.created_at, d.id)) if found else None


def choices(request: Request) -> list[Ics]:
    """The ICSs the selector offers: none for a user with only one."""
    user = getattr(request.state, "user", None)
    if not user or len(request.app.state.icss) == 1:
        return []
    allowed = allowed_icss(request.app.state.store, user["name"], request.app.state.icss)
    return allowed if len(allowed) > 1 else []

