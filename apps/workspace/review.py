"""Blind review: a reviewer sees colleagues' calls on an item only once they have made their own.

Disagreements between reviewers' current calls go to the conflict list, where the
team settles them; agreement statistics use the blind calls alone (``store_review``).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from apps.workspace.auth import allows, guard
from apps.workspace.render import render
from horizon.store_scopes import current_judgements


def visible(judged: dict[str, dict], user: dict | None) -> tuple[dict[str, dict], int]:
    """The calls ``user`` may see on one item, and how many are hidden from them.

    Viewers (who never judge) see every call; a reviewer sees others' calls only after
    judging the item themselves.
    """
    if not user or not allows(user["role"], "reviewer") or user["name"] in judged:
        return judged, 0
    return {}, len(judged)


def call(judgement: dict) -> tuple[str, tuple[str, ...]]:
    """What a judgement says, for comparing two reviewers: the state, and the areas if relevant."""
    areas = tuple(sorted(judgement["areas"])) if judgement["state"] == "relevant" else ()
    return judgement["state"], areas


def conflicts(current: dict[str, dict[str, dict]]) -> list[tuple[str, dict[str, dict]]]:
    """Items whose reviewers' latest decided calls differ (uncertain calls wait for discussion)."""
    out = []
    for item_id, by_reviewer in current.items():
        decided = {r: j for r, j in by_reviewer.items() if j["state"] != "uncertain"}
        if len({call(j) for j in decided.values()}) > 1:
            out.append((item_id, decided))
    return sorted(out, key=lambda pair: -max(j["id"] for j in pair[1].values()))


@guard("viewer")
async def conflict_page(request: Request) -> Response:
    store, user = request.app.state.store, request.state.user
    found = conflicts(current_judgements(store, request.state.ics))
    items = store.get([item_id for item_id, _ in found])
    rows = []
    for item_id, calls in found:
        shown, hidden = visible(calls, user)
        rows.append({"item": items.get(item_id), "item_id": item_id, "calls": shown, "hidden": hidden})
    return render(request, "conflicts.html", {"rows": rows})


routes = [Route("/conflicts", conflict_page, methods=["GET"])]
