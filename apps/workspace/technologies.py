"""The live database of innovations in the workspace: a list with filters, a page per technology,
confirm/reject links, stage changes, notes, proposals, dossiers and the database as CSV/XLSX."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from apps.workspace.auth import guard
from apps.workspace.register import csv_cell
from apps.workspace.render import render, templates
from horizon import store_scopes as scopes
from horizon.errors import StoreError
from horizon.store import STAGES
from horizon.store_tech import KINDS, Technologies, Technology
from horizon.tech.dossier_data import dossier, summary
from horizon.tech.profile import EVIDENCE_KINDS

EXPORT_COLUMNS = ("id", "name", "kind", "developer", "areas", "aliases", "stage", "owner", "next_review",
                  *EVIDENCE_KINDS, "readiness", "items")


def techs_of(request: Request) -> Technologies:
    return Technologies(request.app.state.store)


def record_of(request: Request) -> Technology:
    found = techs_of(request).get(request.path_params["tech_id"])
    if found is None:
        raise HTTPException(404, "No such technology.")
    if not visible(request, found.id):
        raise HTTPException(403, "That technology is another ICS's.")
    return found


def visible(request: Request, tech_id: str) -> bool:
    """Whether the request's ICS tracks the technology ``tech_id``."""
    return bool(scopes.tech_visible(request.app.state.store, request.state.ics, [tech_id]))


def _mine(request: Request, records: list[Technology]) -> list[Technology]:
    """The technology records of the request's ICS."""
    shown = scopes.tech_visible(request.app.state.store, request.state.ics, [r.id for r in records])
    return [r for r in records if r.id in shown]


def claim(request: Request, tech_id: str | None) -> None:
    """A record made in the workspace is the current ICS's."""
    if tech_id:
        scopes.claim_tech(request.app.state.store, request.state.ics, tech_id)


def rows(techs: Technologies, priorities, records: list[Technology] | None = None) -> list[dict]:
    """One row per technology (of ``records``) with its evidence counts and readiness: list page and exports."""
    out = []
    for record in techs.all() if records is None else records:
        d = dossier(techs, record, priorities)
        out.append({**asdict(record), **summary(techs, record), "readiness": d.profile.readiness(),
                    "pending": len(d.suggested)})
    return out


def item_technologies(request: Request, item_id: str) -> dict:
    """For an item's page: the technologies it is linked to (with status) and the others to link it to."""
    techs = techs_of(request)
    records = {t.id: t for t in _mine(request, techs.all())}
    status = {r.tech_id: r.status for r in techs.item_links(item_id)}
    return {"linked": [(records[t], s) for t, s in status.items() if t in records],
            "others": [t for t in records.values() if t.id not in status]}


templates.env.globals["item_technologies"] = item_technologies


@guard("reviewer")
async def link_item(request: Request) -> Response:
    """"Link to a technology" from an item's page: a confirmed link."""
    form = await request.form()
    tech_id, item_id = str(form.get("tech_id") or ""), str(form.get("item_id") or "")
    if techs_of(request).get(tech_id) and not visible(request, tech_id):
        raise HTTPException(403, "That technology is another ICS's.")
    try:
        techs_of(request).decide(tech_id, item_id, "confirmed", by=request.state.user.name)
    except StoreError as err:
        raise HTTPException(404, str(err)) from None
    return RedirectResponse(f"/items/{quote(item_id, safe=':')}#technologies", status_code=303)


@guard("viewer")
async def list_page(request: Request) -> Response:
    q = request.query_params
    area, stage, kind, text = q.get("area", ""), q.get("stage", ""), q.get("kind", ""), q.get("q", "").strip()
    techs, priorities = techs_of(request), request.state.ics.config.priorities
    found = [r for r in rows(techs, priorities, _mine(request, techs.all()))
             if (not area or area in r["areas"]) and (not stage or r["stage"] == stage)
             and (not kind or r["kind"] == kind)
             and (not text or text.lower() in " ".join([r["name"], *r["aliases"], r["developer"]]).lower())]
    return render(request, "technologies.html", {
        "rows": found, "stages": STAGES, "kinds": KINDS, "area": area, "stage": stage, "kind": kind, "q": text,
        "proposals": techs.proposals(), "all": _mine(request, techs.all())})


@guard("viewer")
async def tech_page(request: Request) -> Response:
    record = record_of(request)
    d = dossier(techs_of(request), record, request.state.ics.config.priorities)
    others = [t for t in _mine(request, techs_of(request).all()) if t.id != record.id]
    return render(request, "technology.html", {"d": d, "r": record, "p": d.profile, "stages": STAGES,
                                               "kinds": EVIDENCE_KINDS, "others": others})


@guard("reviewer")
async def decide_link(request: Request) -> Response:
    record = record_of(request)
    form = await request.form()
    item_id, decision = str(form.get("item_id") or "").strip(), str(form.get("decision") or "")
    if decision not in ("confirmed", "rejected"):
        raise HTTPException(400, "decision must be confirmed or rejected")
    try:
        techs_of(request).decide(record.id, item_id, decision, by=request.state.user.name)
    except StoreError as err:
        raise HTTPException(404, str(err)) from None
    return RedirectResponse(f"/technologies/{record.id}#links", status_code=303)


@guard("reviewer")
async def change_stage(request: Request) -> Response:
    record = record_of(request)
    form = await request.form()
    stage, why = str(form.get("stage") or ""), str(form.get("why") or "").strip()[:2000]
    if stage not in STAGES:
        raise HTTPException(400, f"stage must be one of {', '.join(STAGES)}")
    if stage != record.stage:
        techs_of(request).set_stage(record.id, stage, by=request.state.user.name, why=why)
    return RedirectResponse(f"/technologies/{record.id}#stage", status_code=303)


@guard("reviewer")
async def decide_name(request: Request) -> Response:
    """A recurring name nobody tracks: accept it as a record, merge it into one, or ignore it."""
    from horizon.tech.link import decide_proposal

    form = await request.form()
    name, action, into = str(form.get("name") or ""), str(form.get("action") or ""), str(form.get("into") or "")
    if action == "merge" and techs_of(request).get(into) and not visible(request, into):
        raise HTTPException(403, "That technology is another ICS's.")
    try:
        tech_id = decide_proposal(techs_of(request), name, action, by=request.state.user.name, into=into or None)
    except StoreError as err:
        raise HTTPException(400, str(err)) from None
    claim(request, tech_id)
    return RedirectResponse(f"/technologies/{tech_id}" if tech_id else "/technologies", status_code=303)


@guard("viewer")
async def dossier_file(request: Request) -> Response:
    from outputs.dossier import html, markdown

    if request.path_params["fmt"] not in ("md", "html"):
        raise HTTPException(404, "A dossier is .md or .html.")
    record = record_of(request)
    d = dossier(techs_of(request), record, request.state.ics.config.priorities)
    if request.path_params["fmt"] == "md":
        return PlainTextResponse(markdown(d), media_type="text/markdown; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="{record.id}-dossier.md"'})
    # The page is ours and escaped; it carries only inline styles, so it may be opened directly.
    return HTMLResponse(html(d), headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})


def _export_rows(request: Request) -> list[list[str]]:
    out = []
    techs = techs_of(request)
    for r in rows(techs, request.state.ics.config.priorities, _mine(request, techs.all())):
        values = {**r, **r["evidence"], "areas": ", ".join(r["areas"]), "aliases": ", ".join(r["aliases"]),
                  "items": " ".join(r["items"]),
                  "next_review": r["next_review"].isoformat() if r["next_review"] else ""}
        out.append([csv_cell(values[c]) for c in EXPORT_COLUMNS])
    return out


@guard("viewer")
async def export_csv(request: Request) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    writer.writerows(_export_rows(request))
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="technologies.csv"'})


@guard("viewer")
async def export_xlsx(request: Request) -> Response:
    from openpyxl import Workbook

    from outputs.xlsx import ILLEGAL_CHARACTERS

    book = Workbook()
    sheet = book.active
    sheet.title = "Technologies"
    sheet.append(list(EXPORT_COLUMNS))
    for row in _export_rows(request):
        sheet.append([int(v) if c in EVIDENCE_KINDS else ILLEGAL_CHARACTERS.sub("", v)
                      for c, v in zip(EXPORT_COLUMNS, row, strict=True)])
    buffer = io.BytesIO()
    book.save(buffer)
    return Response(buffer.getvalue(), media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="technologies.xlsx"'})


routes = [
    Route("/technologies", list_page, methods=["GET"]),
    Route("/technologies.csv", export_csv, methods=["GET"]),
    Route("/technologies.xlsx", export_xlsx, methods=["GET"]),
    Route("/technologies/proposals", decide_name, methods=["POST"]),
    Route("/technologies/link", link_item, methods=["POST"]),
    Route("/technologies/{tech_id}", tech_page, methods=["GET"]),
    Route("/technologies/{tech_id}/links", decide_link, methods=["POST"]),
    Route("/technologies/{tech_id}/stage", change_stage, methods=["POST"]),
    Route("/technologies/{tech_id}/dossier.{fmt:str}", dossier_file, methods=["GET"]),
]
