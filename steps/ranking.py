"""Ranking: relevance x area weight x evidence x UK relevance x recency x novelty.

Every factor is kept on the entry (``Factors``) so the digest can show why an
item ranks where it does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from horizon.config import Priorities, RankingSettings
from horizon.digest import Classification, Entry, Factors, Novelty
from horizon.items import Item

# Evidence level by what the item is: published NICE guidance outranks a phase 3
# trial, which outranks a phase 1 trial or a news story.
GUIDANCE_EVIDENCE = {"TA": 1.0, "NG": 1.0, "DG": 1.0, "MTG": 1.0, "HTE": 0.95, "QS": 0.9, "MIB": 0.8, "IPG": 0.8}
TYPE_EVIDENCE = {"guidance": 0.9, "safety": 0.9, "trial": 0.6, "literature": 0.6, "innovation": 0.55, "news": 0.4}
PHASE_EVIDENCE = (("4", 0.85), ("IV", 0.85), ("3", 0.8), ("III", 0.8), ("2", 0.6), ("II", 0.6), ("1", 0.45), ("I", 0.45))


def evidence(item: Item) -> float:
    """How strong a signal this kind of item is, from 0 to 1."""
    if item.type == "guidance":
        prefix = re.match(r"[A-Z]+", item.id.split(":", 1)[1].upper())
        return GUIDANCE_EVIDENCE.get(prefix.group(0) if prefix else "", TYPE_EVIDENCE["guidance"])
    if item.type == "trial" and item.extras.phase:
        phase = item.extras.phase.upper().replace("PHASE", " ").replace("/", " ")
        tokens = phase.split()
        for marker, value in PHASE_EVIDENCE:
            if marker in tokens:
                return value
    return TYPE_EVIDENCE[item.type]


def recency(item: Item, today: date, half_life_days: float) -> float:
    """Halves every ``half_life_days`` since the item was last updated; never below 0.1."""
    when = item.updated or item.published
    if when is None:
        return 0.5
    age = max((today - when).days, 0)
    return round(max(0.5 ** (age / half_life_days), 0.1), 4)


def rank(
    items: Sequence[Item],
    classifications: Sequence[Classification],
    priorities: Priorities,
    settings: RankingSettings,
    today: date,
    novelty: dict[str, Novelty] | None = None,
    changes: dict[str, dict[str, tuple[str, str]]] | None = None,
    also: dict[str, tuple[Item, ...]] | None = None,
) -> list[Entry]:
    """Entries for items assigned to at least one area, best first (ties by id, so stable)."""
    weights = {a.id: a.weight for a in priorities.areas}
    novelty, changes, also = novelty or {}, changes or {}, also or {}
    entries = []
    for item, verdict in zip(items, classifications, strict=True):
        if not verdict.areas:
            continue
        best = max(verdict.areas, key=lambda a: verdict.scores[a] * weights[a])
        state = novelty.get(item.id, "new")
        factors = Factors(
            relevance=round(verdict.scores[best], 4),
            area_weight=weights[best],
            evidence=evidence(item),
            uk=settings.uk_boost if item.uk else 1.0,
            recency=recency(item, today, settings.half_life_days),
            novelty=settings.novelty[state],
        )
        entries.append(Entry(item=item, classification=verdict, novelty=state, changes=changes.get(item.id, {}),
                             factors=factors, also=also.get(item.id, ())))
    entries.sort(key=lambda e: (-e.score, e.item.id))
    return entries
