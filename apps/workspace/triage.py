"""Triage a digest: ranked items by priority area, filters, judgements, and full-text search."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from apps.workspace.auth import guard, safe_next
from apps.workspace.render import anchor, render
from apps.workspace.review import visible
from apps.workspace.scope import ics_digests, latest_digest, owner_of_digest, refuse_other
from flows.training_job import request_training
from horizon import store_jobs
from horizon import store_scopes as scopes
from horizon.config import Config
from horizon.digest import Novelty
from horizon.icss import Ics
from horizon.items import ITEM_TYPES, Item
from horizon.records import Judgement, RegisterEntry, User
from horizon.store import TRIAGE_STATES, Store
from horizon.store_review import judge_blind
from horizon.store_runs import DigestExplanation, DigestItemRecord
from horizon.text import parse_date
from outputs.entry_view import EntryView, present
from steps.ranking import kind, novelty_of

STATE_FILTERS = ("untriaged", *TRIAGE_STATES)


@dataclass
class Card:
    """One item as the triage page shows it: the digest's view of the entry, and the team's calls on it."""

    item: Item
    names: dict[str, str] = field(default_factory=dict)  # area id -> name
    kind: str = ""
    novelty: Novelty | None = None  # only in a digest's context
    first_seen: datetime | None = None
    also: list[Item] = field(default_factory=list)  # the same thing from other sources
    rank: int | None = None
    score: float | None = None
    areas: list[str] = field(default_factory=list)  # the digest's areas
    why: dict[str, list[str]] = field(default_factory=dict)
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)
    judgements: dict[str, Judgement] = field(default_factory=dict)  # reviewer -> latest call the reader may see
    registered: RegisterEntry | None = None
    hidden: int = 0  # colleagues' calls hidden until the reader judges the item (blind review)

    @property
    def view(self) -> EntryView:
        """The entry worded as the digest's writers word it (built when shown, after the page set areas and why)."""
        return present(self.item, also=self.also, kind=self.kind, novelty=self.novelty or "", changes=self.changes,
                       first_seen=self.first_seen, areas=self.areas, names=self.names, why=self.why,
                       score=self.score)

    def area_names(self, area_ids: list[str]) -> list[str]:
        return [self.names.get(a, a) for a in area_ids]

    @property
    def terms(self) -> list[str]:
        return sorted({t for terms in self.why.values() for t in terms})

    @property
    def state(self) -> str:
        """The team's current view: the latest judgement by anyone."""
        latest = max(self.judgements.values(), key=lambda j: j.id, default=None)
        return latest.state if latest else "untriaged"

    def mine(self, reviewer: str) -> Judgement | None:
        return self.judgements.get(reviewer)

    def checked(self, reviewer: str) -> list[str]:
        """Areas to pre-tick: the reviewer's own correction, else the digest's."""
        own = self.mine(reviewer)
        return list(own.areas) if own and own.state == "relevant" else self.areas


def cards_for(store: Store, item_ids: list[str], rows: dict[str, DigestItemRecord] | None = None,
              explanations: dict[str, DigestExplanation] | None = None, after=None, reader: User | None = None, *,
              config: Config, as_of: date | None = None, ics: Ics | None = None) -> list[Card]:
    """Cards for these items, in this order, with history, and the register state and judgements of ``ics``
    (every ICS's when None) that ``reader`` may see.

    With ``as_of`` (a digest's date) each card says whether its item is new, changed or backfill for
    that digest, by the rules the digest itself used (changes since ``after``).
    """
    found = store.get(item_ids)
    ids = [i for i in item_ids if i in found]
    history = store.history(ids, after)
    judged = store.current_judgements(ids) if ics is None else scopes.current_judgements(store, ics, ids)
    entries = store.register_entries(ids) if ics is None else scopes.register_entries(store, ics, ids)
    registered = {e.item_id: e for e in entries}
    xrefs = store.get([x for i in ids for x in found[i].extras.xrefs])
    first_seen = store.first_seen(ids)
    names, ranking = {a.id: a.name for a in config.priorities.areas}, config.settings.ranking
    cards = []
    for item_id in ids:
        row, item, explained = (rows or {}).get(item_id), found[item_id], (explanations or {}).get(item_id)
        shown, hidden = visible(judged.get(item_id, {}), reader)
        seen = first_seen.get(item_id)
        state: Novelty = "new" if after is None or (seen and seen > after) else \
            "changed" if item_id in history else "seen"
        cards.append(Card(
            item=item, names=names, kind=kind(item, ranking), first_seen=seen,
            novelty=novelty_of(item, state, as_of, ranking) if as_of else None,
            also=[xrefs[x] for x in item.extras.xrefs if x in xrefs],
            rank=row.rank if row else None, score=row.score if row else None, areas=list(row.areas) if row else [],
            why=explained.why if explained else {}, changes=history.get(item_id, {}),
            judgements=shown, hidden=hidden, registered=registered.get(item_id),
        ))
    return cards


@dataclass
class Filters:
    area: str = ""
    source: str = ""
    type: str = ""
    state: str = ""
    since: date | None = None
    until: date | None = None

    @classmethod
    def from_query(cls, request: Request, area_ids: tuple[str, ...]) -> Filters:
        q = request.query_params

        def pick(key: str, allowed) -> str:  # an unknown value filters nothing rather than everything
            return q.get(key, "") if q.get(key, "") in allowed else ""

        return cls(area=pick("area", area_ids), source=q.get("source", "")[:64], type=pick("type", ITEM_TYPES),
                   state=pick("state", STATE_FILTERS), since=parse_date(q.get("since")),
                   until=parse_date(q.get("until")))

    def keep(self, card: Card) -> bool:
        day = card.item.updated or card.item.published
        return ((not self.source or card.item.source == self.source)
                and (not self.type or card.item.type == self.type)
                and (not self.state or card.state == self.state)
                and (not self.since or (day is not None and day >= self.since))
                and (not self.until or (day is not None and day <= self.until)))


@guard("viewer")
async def digest_page(request: Request) -> Response:
    store, icss = request.app.state.store, request.app.state.icss
    digest_id = request.path_params.get("digest_id")
    digest = store.digest(digest_id) if digest_id is not None else latest_digest(store, icss, request.state.ics)
    if digest is None:
        if digest_id is not None:
            raise HTTPException(404, "No such digest.")
        return render(request, "triage.html", {"digest": None, "sections": [], "digests": []})
    if (refused := refuse_other(request, owner_of_digest(icss, digest.key))) is not None:
        return refused  # another ICS's digest
    ics = request.state.ics
    priorities = ics.config.priorities
    rows = {r.item_id: r for r in store.digest_items(digest.id)}
    after = store.previous_digest_time(digest.key, digest.week)
    cards = cards_for(store, list(rows), rows, store.digest_explanations(digest.id), after, request.state.user,
                      config=ics.config, as_of=digest.created_at.date(), ics=ics)
    filters = Filters.from_query(request, priorities.ids)
    shown = [c for c in cards if filters.keep(c)]
    sections, placed = [], set()
    for area in priorities.areas:  # an item in two areas shows in both; only its first card has the anchor
        here = [(c, "--" + area.id if c.item.id in placed else "") for c in shown if area.id in c.areas]
        placed |= {c.item.id for c, _ in here}
        if not filters.area or area.id == filters.area:
            sections.append((area, here))
    unassigned = [c for c in shown if not set(c.areas) & set(priorities.ids)]
    return render(request, "triage.html", {
        "digest": digest, "digests": ics_digests(store, icss, ics), "sections": sections, "unassigned": unassigned,
        "filters": filters, "sources": sorted({c.item.source for c in cards}), "types": ITEM_TYPES,
        "states": STATE_FILTERS, "total": len(cards), "shown": len(shown),
        "counts": {s: sum(c.state == s for c in cards) for s in STATE_FILTERS},
    })


@guard("reviewer")
async def judge(request: Request) -> Response:
    """Record a judgement for the request's ICS; JSON for the keyboard script, a redirect back for a plain form."""
    store, ics = request.app.state.store, request.state.ics
    priorities = ics.config.priorities
    form = await request.form()
    item_id, state = str(form.get("item_id") or ""), str(form.get("state") or "")
    areas = [str(a) for a in form.getlist("areas")]
    digest = store.digest(digest_id) if (digest_id := _int(form.get("digest_id"))) is not None else None
    if digest is not None and owner_of_digest(request.app.state.icss, digest.key).id != ics.id:
        raise HTTPException(403, "That digest belongs to another ICS than the one this judgement is for.")
    if state not in TRIAGE_STATES or any(a not in priorities.ids for a in areas):
        raise HTTPException(400, f"state must be one of {', '.join(TRIAGE_STATES)} and areas known area ids")
    if not store.get([item_id]):
        raise HTTPException(404, "No such item.")
    # The areas the reviewer was shown: the digest's, or (the queue) the model's; unticking one is a "not A" label.
    proposed = next((list(r.areas) for r in store.digest_items(digest_id) if r.item_id == item_id), []) \
        if digest_id is not None else [str(a) for a in form.getlist("proposed") if a in priorities.ids]
    judge_blind(store, item_id, request.state.user.name, state, areas, str(form.get("note") or "")[:5000],
                digest_id=digest_id, proposed=proposed, ics=ics)
    retrain_if_due(request.app, request.state.user.name, ics)
    if request.headers.get("x-requested-with") == "fetch":
        return JSONResponse({"item_id": item_id, "state": state, "areas": areas if state == "relevant" else []})
    return RedirectResponse(safe_next(str(form.get("next") or "/")) + "#" + anchor(item_id), status_code=303)


@guard("viewer")
async def item_page(request: Request) -> Response:
    store = request.app.state.store
    item_id = request.path_params["item_id"]
    ics = request.state.ics
    cards = cards_for(store, [item_id], reader=request.state.user, config=ics.config, ics=ics)
    if not cards:
        raise HTTPException(404, "No such item.")
    classifier = await run_in_threadpool(request.app.state.models[ics.id].get)  # loads the saved model; never trains
    verdict = (await run_in_threadpool(classifier.classify, [cards[0].item]))[0] if classifier else None
    if verdict is not None:
        cards[0].why = {a: list(t) for a, t in verdict.why.items()}
    every = store.judgements([item_id])
    mine = scopes.judgement_ids(store, ics, [j.id for j in every])
    history = [j for j in every if j.reviewer in cards[0].judgements and (mine is None or j.id in mine)]
    return render(request, "item.html", {
        "card": cards[0], "verdict": verdict, "all_judgements": history, "job": store_jobs.active(store),
        "log": store.register_log(item_id) if cards[0].registered else [],  # not another ICS's entry's log
        "stages": request.app.state.stages, "today": date.today(),
    })


@guard("viewer")
async def search_page(request: Request) -> Response:
    query = request.query_params.get("q", "").strip()[:200]
    store = request.app.state.store
    found = [i.id for i in store.search(query)] if query else []
    cards = cards_for(store, found, reader=request.state.user, config=request.state.ics.config,
                      ics=request.state.ics)
    return render(request, "search.html", {"q": query, "cards": cards})


@guard("viewer")
async def digest_list(request: Request) -> Response:
    found = ics_digests(request.app.state.store, request.app.state.icss, request.state.ics)
    return render(request, "digests.html", {"digests": list(reversed(found))})


def retrain_if_due(app, by: str, ics: Ics) -> None:
    """Queue a background retrain of ``ics``'s model once ``retrain_every`` of its judgements came in since."""
    store, every = app.state.store, app.state.config.settings.workspace.retrain_every
    if scopes.retrain_due(store, ics, every)[0]:
        request_training(store, by, f"{every} new judgements", ics)
        if app.state.runner is not None:
            app.state.runner.wake()


def _int(value) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


routes = [
    Route("/", digest_page, methods=["GET"]),
    Route("/digests", digest_list, methods=["GET"]),
    Route("/digests/{digest_id:int}", digest_page, methods=["GET"]),
    Route("/judge", judge, methods=["POST"]),
    Route("/items/{item_id:path}", item_page, methods=["GET"]),
    Route("/search", search_page, methods=["GET"]),
]
