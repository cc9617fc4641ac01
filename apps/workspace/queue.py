"""Review next: the screening queue over this week's items, in the order the model most needs them.

The week's pool is the latest digest's items plus every item first seen or changed
since the digest before it, including those that matched no area and never reached
the digest. With several ICSs the queue is the current ICS's: its digest, its judgements,
its model. Scores come from the saved model (reloaded after each retrain), or from
the digest's own scores while no model is saved; the page never trains.
"""

from __future__ import annotations

import threading
from datetime import timedelta

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from apps.workspace import screening
from apps.workspace.auth import guard
from apps.workspace.render import render
from apps.workspace.scope import latest_digest
from apps.workspace.triage import cards_for
from horizon import store_scopes as scopes
from horizon.icss import Ics
from horizon.store import Store
from horizon.store_runs import DigestRecord

POOL_LIMIT = 5000  # items beyond this (a first run over years of records) wait for a later week
UPCOMING = 8


def week_pool(store: Store, digest: DigestRecord) -> list[str]:
    """The ids the week's screening covers: the digest's items first, then the rest of the week's."""
    in_digest = [r.item_id for r in store.digest_items(digest.id)]
    after = store.previous_digest_time(digest.key, digest.week)
    week = store.items_since(after, seen_from=digest.created_at - timedelta(days=7))
    return list(dict.fromkeys([*in_digest, *(i.id for i in week)]))[:POOL_LIMIT]


class Scores:
    """Per-item scores from the current model, kept until the model changes."""

    def __init__(self):
        self.stamp, self.by_item, self.verdicts = None, {}, {}
        self._lock = threading.Lock()

    def get(self, app, item_ids: list[str], digest_id: int, model=None) -> dict[str, dict[str, float] | None]:
        """Scores from ``model`` (one ICS's ``CurrentModel``; the app's first without it)."""
        with self._lock:
            return self._get(app, item_ids, digest_id, model or app.state.model)

    def _get(self, app, item_ids: list[str], digest_id: int, model) -> dict[str, dict[str, float] | None]:
        classifier, stamp = model.get(), model.stamp()
        if stamp != self.stamp:
            self.stamp, self.by_item, self.verdicts = stamp, {}, {}
        missing = [i for i in item_ids if i not in self.by_item]
        if missing and classifier is not None:
            items = app.state.store.get(missing)
            for verdict in classifier.classify([items[i] for i in missing if i in items]):
                self.by_item[verdict.item_id] = dict(verdict.scores)
                self.verdicts[verdict.item_id] = verdict
        elif missing:  # no saved model yet: the digest's own scores, where it has them
            stored = app.state.store.digest_explanations(digest_id)
            return {i: self.by_item.get(i) or (stored[i].scores if i in stored else None) for i in item_ids}
        return {i: self.by_item.get(i) for i in item_ids}


def progress(store: Store, pool: list[str], scores: dict, reviewer: str, ics: Ics | None = None) -> dict:
    """How far the team (of ``ics``) is through the week, and an estimate of the relevant items left."""
    current = store.current_judgements(pool) if ics is None else scopes.current_judgements(store, ics, pool)
    latest = {i: max(js.values(), key=lambda j: j["id"]) for i, js in current.items()}
    decided = {i: j["state"] == "relevant" for i, j in latest.items() if j["state"] != "uncertain"}
    unreviewed = [i for i in pool if i not in current]
    tops = {i: screening.top_score(s or {}) for i, s in scores.items()}
    return {"total": len(pool), "reviewed": len(pool) - len(unreviewed),
            "mine": sum(reviewer in current.get(i, {}) for i in pool),
            "remaining_relevant": round(screening.estimate_relevant(tops, decided, unreviewed)),
            "unreviewed": len(unreviewed)}


def _next_for(app, reviewer: str, ics: Ics) -> dict:
    """Everything the queue page needs for one ICS, computed off the event loop (scoring is CPU work)."""
    store = app.state.store
    digest = latest_digest(store, app.state.icss, ics)
    if digest is None:
        return {"digest": None}
    pool = week_pool(store, digest)
    scores = app.state.queue_scores[ics.id].get(app, pool, digest.id, app.state.models[ics.id])
    judged = scopes.current_judgements(store, ics, pool)
    todo = [i for i in screening.order(scores) if reviewer not in judged.get(i, {})]
    return {"digest": digest, "todo": todo, "scores": scores,
            "progress": progress(store, pool, scores, reviewer, ics)}


@guard("reviewer")
async def queue_page(request: Request) -> Response:
    app, user, ics = request.app, request.state.user, request.state.ics
    found = await run_in_threadpool(_next_for, app, user["name"], ics)
    context = {"digest": found["digest"], "card": None, "upcoming": []}
    if found["digest"] is not None:
        todo, scores = found["todo"], found["scores"]
        digest = found["digest"]  # the card says new, changed or backfill as the week's digest would
        rows = {r.item_id: r for r in app.state.store.digest_items(digest.id)}
        after = app.state.store.previous_digest_time(digest.key, digest.week)
        cards = cards_for(app.state.store, todo[:1], after=after, reader=user, config=ics.config,
                          as_of=digest.created_at.date(), ics=ics)
        if cards:
            card, verdict = cards[0], app.state.queue_scores[ics.id].verdicts.get(todo[0])
            shown = rows.get(card.item.id)
            card.areas = list(verdict.areas) if verdict else list(shown.areas) if shown else []
            card.why = {a: list(t) for a, t in verdict.why.items()} if verdict else {}
            card.score = screening.top_score(scores.get(card.item.id) or {})
            context["card"], context["why_next"] = card, screening.reason(scores.get(card.item.id))
            context["in_digest"] = card.item.id in rows
        upcoming = app.state.store.get(todo[1:1 + UPCOMING])
        context["upcoming"] = [(upcoming[i], screening.reason(scores.get(i))) for i in todo[1:1 + UPCOMING]
                               if i in upcoming]
        context["progress"] = found["progress"]
    return render(request, "queue.html", context)


routes = [Route("/queue", queue_page, methods=["GET"])]
