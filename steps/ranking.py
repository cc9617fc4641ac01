"""Ranking: relevance x area weight x impact x UK relevance x recency x novelty (x query match).

Every factor is kept on the entry (``Factors``) so the digest can show why an
item ranks where it does; docs/ranking.md states the rules and why.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from horizon.config import Priorities, RankingSettings
from horizon.digest import Classification, Entry, Factors, Novelty
from horizon.items import Item

_LATE_PHASES = {"3", "4", "III", "IV"}
_STOP = {"and", "or", "not", "the", "for", "with", "in", "of", "a", "an", "to", "on", "by", "at"}


def kind(item: Item, settings: RankingSettings) -> str:
    """What the item is for local services: the key of its ``impact`` factor."""
    if item.type in ("safety", "guidance", "literature"):
        return item.type
    if item.type == "trial":
        if item.extras.results_posted:
            return "trial-results"
        phase = (item.extras.phase or "").upper().replace("PHASE", " ").replace("/", " ").replace(",", " ")
        return "trial-late-phase" if _LATE_PHASES & set(phase.split()) else "trial"
    if item.source in settings.programme_sources:
        return "programme"
    return item.type  # news, innovation


def own_date(item: Item, state: Novelty) -> date | None:
    """The date an entry is ranked by: its change for a changed item, its publication otherwise."""
    if state == "changed":
        return item.updated or item.extras.revised or item.published
    if item.type == "trial":
        return item.published  # registration: a registry's "last updated" says nothing about newness
    return item.published or item.updated


def novelty_of(item: Item, state: Novelty, today: date, settings: RankingSettings) -> Novelty:
    """'new' only if new to the world as well as to us; first seen now but published long ago is backfill.

    A trial whose record gives no registration date is backfill too: nothing shows it is new.
    """
    if state != "new":
        return state
    when = own_date(item, state)
    return "new" if when is not None and when >= today - timedelta(days=settings.new_within_days) else "backfill"


def recency(when: date | None, today: date, half_life_days: float, floor_if_unknown: bool = False) -> float:
    """Halves every ``half_life_days`` since ``when``; never below 0.1.

    Unknown: 0.5, or the floor for backfill (nothing shows it is recent).
    """
    if when is None:
        return 0.1 if floor_if_unknown else 0.5
    age = max((today - when).days, 0)
    return round(max(0.5 ** (age / half_life_days), 0.1), 4)


def query_words(query: str) -> list[str]:
    words = re.findall(r"[a-z0-9]+", query.lower())
    return list(dict.fromkeys(w for w in words if len(w) > 2 and w not in _STOP))


def query_match(item: Item, words: Sequence[str]) -> float:
    """How well an item matches an ad-hoc query, 0.2 to 1: title words count double.

    Never 0: a source that searched server-side matched fields we do not see.
    """
    if not words:
        return 1.0
    title = set(re.findall(r"[a-z0-9]+", item.title.lower()))
    text = " ".join([item.summary, *item.extras.conditions, *item.extras.keywords])
    body = set(re.findall(r"[a-z0-9]+", text.lower()))
    hits = sum(2 if w in title else 1 if w in body else 0 for w in words)
    return round(0.2 + 0.8 * hits / (2 * len(words)), 4)


def rank(
    items: Sequence[Item],
    classifications: Sequence[Classification],
    priorities: Priorities,
    settings: RankingSettings,
    today: date,
    novelty: dict[str, Novelty] | None = None,
    changes: dict[str, dict[str, tuple[str, str]]] | None = None,
    also: dict[str, tuple[Item, ...]] | None = None,
    first_seen: dict[str, datetime] | None = None,
    query: str | None = None,
) -> list[Entry]:
    """Entries for items assigned to at least one area, best first (ties newest first, then by id).

    With ``query`` (an ad-hoc scan) the query match is a factor and novelty is not:
    the label is still shown, but an item seen before is no less relevant to a question.
    """
    weights = {a.id: a.weight for a in priorities.areas}
    novelty, changes, also, first_seen = novelty or {}, changes or {}, also or {}, first_seen or {}
    words = query_words(query) if query is not None else []
    entries, dated = [], {}
    for item, verdict in zip(items, classifications, strict=True):
        if not verdict.areas:
            continue
        best = max(verdict.areas, key=lambda a: verdict.scores[a] * weights[a])
        state = novelty_of(item, novelty.get(item.id, "new"), today, settings)
        what = kind(item, settings)
        factors = Factors(
            relevance=round(verdict.scores[best], 4),
            area_weight=weights[best],
            impact=settings.impact[what],
            uk=settings.uk_boost if item.uk else 1.0,
            recency=recency(when := own_date(item, state), today, settings.half_life_days, state == "backfill"),
            novelty=1.0 if query is not None else settings.novelty[state],
            query=query_match(item, words) if query is not None else 1.0,
        )
        entries.append(Entry(item=item, classification=verdict, novelty=state, changes=changes.get(item.id, {}),
                             factors=factors, also=also.get(item.id, ()), kind=what,
                             first_seen=first_seen.get(item.id)))
        dated[item.id] = when.toordinal() if when else 0
    # Equal scores (old items all sit at the recency floor) go newest first, by their own dates.
    entries.sort(key=lambda e: (-e.score, -dated[e.item.id], e.item.id))
    return entries
