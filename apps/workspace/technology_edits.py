"""Changing technology records in the workspace: add (propose) one, keep its own fields and the
team's notes current, merge two records, split one. Every change that adds a name links the stored
items that say it, so the record's evidence is complete at once, not at the next weekly run."""

from __future__ import annotations

from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from apps.workspace.auth import guard
from apps.workspace.render import templates
from apps.workspace.technologies import claim, record_of, techs_of, visible
from horizon.errors import StoreError
from horizon.store_tech import KINDS
from horizon.text import parse_date

templates.env.globals["tech_kinds"] = KINDS


def _aliases(form) -> list[str]:
    return list(dict.fromkeys(a.strip()[:200] for a in str(form.get("aliases") or "").split(",") if a.strip()))[:50]


def _kind_and_areas(request: Request, form) -> tuple[str, list[str]]:
    """The form's kind and priority areas, refused (400) unless they are the config's own."""
    kind = str(form.get("kind") or "other")
    if kind not in KINDS:
        raise HTTPException(400, f"kind must be one of {', '.join(KINDS)}")
    valid = request.state.ics.config.priorities.ids
    areas = [str(a) for a in form.getlist("areas") if str(a)]
    unknown = [a for a in areas if a not in valid]
    if unknown:
        raise HTTPException(400, f"unknown area '{unknown[0][:50]}'; valid areas: {', '.join(valid)}")
    return kind, list(dict.fromkeys(areas))


def _link_past_items(request: Request, tech_id: str) -> None:
    from horizon.tech.link import link_store

    link_store(techs_of(request), only=[tech_id])


@guard("reviewer")
async def add_tech(request: Request) -> Response:
    """Add (propose) a technology, optionally linking the item it was proposed from."""
    form = await request.form()
    name = str(form.get("name") or "").strip()[:200]
    kind, areas = _kind_and_areas(request, form)
    item_id = str(form.get("item_id") or "").strip()
    techs = techs_of(request)
    try:
        tech_id = techs.add(name, _aliases(form), kind=kind, areas=areas, by=request.state.user.name,
                            why="added in the workspace")
        if item_id:
            techs.decide(tech_id, item_id, "confirmed", by=request.state.user.name)
    except StoreError as err:
        raise HTTPException(400, str(err)) from None
    claim(request, tech_id)
    _link_past_items(request, tech_id)
    return RedirectResponse(f"/technologies/{tech_id}", status_code=303)


@guard("reviewer")
async def edit_record(request: Request) -> Response:
    """The record's own fields: aliases, kind, developer, priority areas, description."""
    record, form = record_of(request), await request.form()
    kind, areas = _kind_and_areas(request, form)
    try:
        techs_of(request).update(record.id, aliases=[a for a in _aliases(form) if a != record.name], kind=kind,
                               areas=areas, developer=str(form.get("developer") or "").strip()[:200],
                               description=str(form.get("description") or "").strip()[:5000])
    except StoreError as err:
        raise HTTPException(400, str(err)) from None
    _link_past_items(request, record.id)
    return RedirectResponse(f"/technologies/{record.id}#record", status_code=303)


@guard("reviewer")
async def save_notes(request: Request) -> Response:
    record = record_of(request)
    form = await request.form()
    raw = str(form.get("next_review") or "").strip()
    next_review = parse_date(raw) if raw else None
    if raw and next_review is None:
        raise HTTPException(400, "next review must be a date (YYYY-MM-DD)")
    techs_of(request).update(record.id, owner=str(form.get("owner") or "").strip()[:100],
                           notes=str(form.get("notes") or "")[:10_000], outcome=str(form.get("outcome") or "")[:5000],
                           next_review=next_review)
    return RedirectResponse(f"/technologies/{record.id}#notes", status_code=303)


@guard("reviewer")
async def merge_into(request: Request) -> Response:
    """Fold this record into another: its names become aliases there, its links move."""
    record = record_of(request)
    into = str((await request.form()).get("into") or "")
    if into == record.id or not visible(request, into):
        raise HTTPException(400, "Choose another technology (of this ICS) to merge into.")
    try:
        techs_of(request).merge(record.id, into, by=request.state.user.name)
    except StoreError as err:
        raise HTTPException(400, str(err)) from None
    return RedirectResponse(f"/technologies/{quote(into)}", status_code=303)


@guard("reviewer")
async def split_off(request: Request) -> Response:
    """Some of this record's items are about another technology: make a record of them."""
    record, form = record_of(request), await request.form()
    try:
        made = techs_of(request).split(record.id, str(form.get("name") or "")[:200],
                                     [str(i) for i in form.getlist("item_id")], by=request.state.user.name)
    except StoreError as err:
        raise HTTPException(400, str(err)) from None
    claim(request, made)
    return RedirectResponse(f"/technologies/{quote(made)}", status_code=303)


routes = [
    Route("/technologies", add_tech, methods=["POST"]),
    Route("/technologies/{tech_id}/record", edit_record, methods=["POST"]),
    Route("/technologies/{tech_id}/notes", save_notes, methods=["POST"]),
    Route("/technologies/{tech_id}/merge", merge_into, methods=["POST"]),
    Route("/technologies/{tech_id}/split", split_off, methods=["POST"]),
]
