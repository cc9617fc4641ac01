"""The innovation register: items judged relevant, followed from signal to scale; CSV export."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from datetime import date

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from apps.workspace.auth import guard
from apps.workspace.render import render
from apps.workspace.triage import cards_for
from horizon import store_scopes as scopes
from horizon.store import STAGES
from horizon.text import parse_date, safe_url

CSV_COLUMNS = ("item_id", "title", "source", "url", "stage", "owner", "next_review", "notes", "updated_at",
               "updated_by")


@guard("viewer")
async def register_page(request: Request) -> Response:
    store, ics = request.app.state.store, request.state.ics
    stage = request.query_params.get("stage", "")
    entries = [e for e in scopes.register_entries(store, ics) if not stage or e.stage == stage]
    cards = {c.item.id: c for c in cards_for(store, [e.item_id for e in entries], config=ics.config, ics=ics)}
    return render(request, "register.html", {
        "entries": entries, "cards": cards, "stages": STAGES, "stage": stage if stage in STAGES else "",
        "today": date.today(),
    })


@guard("reviewer")
async def register_save(request: Request) -> Response:
    """Promote an item judged relevant (in this ICS), or update its entry."""
    store, ics = request.app.state.store, request.state.ics
    form = await request.form()
    item_id, stage = str(form.get("item_id") or ""), str(form.get("stage") or "")
    owner, notes = str(form.get("owner") or "").strip()[:100], str(form.get("notes") or "")[:5000]
    raw_date = str(form.get("next_review") or "").strip()
    next_review = parse_date(raw_date) if raw_date else None
    if stage not in STAGES or not owner or (raw_date and next_review is None):
        raise HTTPException(400, f"stage must be one of {', '.join(STAGES)}, owner is required, "
                                 "next review must be a date (YYYY-MM-DD)")
    if not store.get([item_id]):
        raise HTTPException(404, "No such item.")
    judged = scopes.current_judgements(store, ics, [item_id]).get(item_id, {})
    if not scopes.register_entries(store, ics, [item_id]) and not any(j.state == "relevant"
                                                                     for j in judged.values()):
        raise HTTPException(400, "Only an item judged relevant can join the register; judge it first.")
    store.save_register(item_id, stage, owner, next_review, notes, by=request.state.user.name)
    scopes.claim_register(store, ics, item_id)
    return RedirectResponse("/register", status_code=303)


@guard("viewer")
async def register_csv(request: Request) -> Response:
    store = request.app.state.store
    entries = scopes.register_entries(store, request.state.ics)
    found = store.get([e.item_id for e in entries])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for e in entries:
        item = found.get(e.item_id)
        extra = {"title": item.title if item else "", "source": item.source if item else "",
                 "url": safe_url(item.url) if item else "", "updated_at": e.updated_at.strftime("%Y-%m-%d %H:%M")}
        writer.writerow([csv_cell({**asdict(e), **extra}[c]) for c in CSV_COLUMNS])
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="innovation-register.csv"'})


def csv_cell(value) -> str:
    """A cell a spreadsheet will not run: text starting with = + - @ (or tab/CR) gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


routes = [
    Route("/register", register_page, methods=["GET"]),
    Route("/register", register_save, methods=["POST"]),
    Route("/register.csv", register_csv, methods=["GET"]),
]
