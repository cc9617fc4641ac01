"""What classification and ranking add to items, and the digest model every writer renders.

These wrap ``Item``; none of them mutates it.
"""

from __future__ import annotations

import functools
import weakref
from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import Field

from horizon.items import Item, Record

# new: new to the world (published or registered recently) and to us; changed: seen before and a
# field a reader cares about moved; backfill: first seen now but published long ago; seen: neither.
Novelty = Literal["new", "changed", "backfill", "seen"]
NOVELTIES: tuple[str, ...] = Novelty.__args__  # type: ignore[attr-defined]


class Classification(Record):
    """A classifier's verdict on one item."""

    item_id: str
    scores: dict[str, float]  # every area id -> score in [0, 1]
    areas: tuple[str, ...] = ()  # areas assigned, in priority-config order
    why: dict[str, tuple[str, ...]] = {}  # area id -> terms that drove the assignment


class Factors(Record):
    """Every factor of an entry's score, so a reader can see why it ranks where it does."""

    relevance: float
    area_weight: float
    impact: float  # what the kind of item means for local services (settings.yaml ranking.impact)
    uk: float
    recency: float
    novelty: float
    query: float = 1.0  # how well an ad-hoc scan's query matches; 1 in the weekly digest

    @property
    def score(self) -> float:
        return round(
            self.relevance * self.area_weight * self.impact * self.uk * self.recency * self.novelty * self.query,
            4,
        )


class Entry(Record):
    """One ranked line of a digest: an item, its verdict, and how it scored."""

    item: Item
    classification: Classification
    novelty: Novelty = "new"
    changes: dict[str, tuple[str, str]] = {}  # field -> (before, after)
    factors: Factors
    also: tuple[Item, ...] = ()  # the same thing from other sources (registrations, press)
    kind: str = ""  # the ranking's impact kind: safety, guidance, programme, trial-results, ...
    first_seen: datetime | None = None  # when this system first stored it (not when it was published)
    technologies: tuple[str, ...] = ()  # names of the tracked technologies this item is evidence for

    @property
    def score(self) -> float:
        return self.factors.score

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([self.item.source, *(i.source for i in self.also)]))


class AreaInfo(Record):
    id: str
    name: str
    description: str


class SourceReport(Record):
    """How one source fared in a run: the digest shows failures, never hides them."""

    name: str
    ok: bool
    fetched: int = 0
    error: str | None = None


class RunSummary(Record):
    """Counts such as ``ctgov/fetched 412`` or ``dropped/duplicate 37``, and per-source outcome."""

    counts: dict[str, int] = {}
    sources: tuple[SourceReport, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def failed(self) -> tuple[SourceReport, ...]:
        return tuple(s for s in self.sources if not s.ok)


class DueReview(Record):
    """An innovation-register entry whose next review date has come: the digest reminds the team."""

    item_id: str
    title: str
    url: str = ""
    stage: str
    owner: str = ""
    next_review: date


class ScanInfo(Record):
    """What an ad-hoc scan looked for: its digest is headed with this, not "this week"."""

    query: str
    since: date | None = None
    until: date | None = None
# -- tracked technologies (the live database of innovations) --------------------------------
class TechEvidence(Record):
    """One item that arrived this week as evidence for a tracked technology."""

    item_id: str
    title: str
    url: str = ""
    source: str
    kind: str  # guidance, trials, safety, literature, news
    novelty: Novelty = "new"
    flags: tuple[str, ...] = ()  # the item's warnings ("retracted"), shown beside its title here too


class TechNews(Record):
    """A tracked technology with new evidence this week: what arrived, from where, and its stage."""

    tech_id: str
    name: str
    stage: str
    readiness: str  # the one-line evidence summary
    arrived: tuple[TechEvidence, ...]

    SHOWN: ClassVar[int] = 3  # evidence lines in the digest's opening section, which stays short

    def shown(self) -> tuple[TechEvidence, ...]:
        """The evidence the opening section lists; the rest is "…and N more in this digest"."""
        return self.arrived[:self.SHOWN]


class TechDue(Record):
    """A tracked technology whose stage review date has come."""

    tech_id: str
    name: str
    stage: str
    owner: str = ""
    next_review: date


class Digest(Record):
    """Everything a writer needs; writers render this and nothing else."""

    title: str
    week: str  # ISO week, "2026-W48"
    generated: datetime
    since: date | None = None
    areas: tuple[AreaInfo, ...]
    entries: tuple[Entry, ...] = ()  # ranked, best first; only items with an area
    summary: RunSummary = Field(default_factory=RunSummary)
    # Items per area in recent digests, oldest first: {area id: ((week, count), ...)};
    # the flow fills it from the store, writers draw it; empty means no history yet.
    trend: dict[str, tuple[tuple[str, int], ...]] = {}
    key: str = "weekly"  # names this digest series: Atom ids and artifact keys derive from it
    register_due: tuple[DueReview, ...] = ()  # register entries due for review, soonest first
    scan: ScanInfo | None = None  # set for an ad-hoc scan
    tracked: tuple[TechNews, ...] = ()  # tracked technologies with new evidence, the digest opens with them
    tech_due: tuple[TechDue, ...] = ()  # tracked technologies due for a stage review

    def section(self, area_id: str) -> tuple[Entry, ...]:
        """Entries assigned to one area, in rank order."""
        return _groups(self).sections.get(area_id, ())

    @property
    def safety(self) -> tuple[Entry, ...]:
        """Safety notices (MHRA alerts, Drug Safety Update): shown first, whatever their score."""
        return _groups(self).safety

    def per_area(self, n: int) -> tuple[tuple[Entry, tuple[str, ...]], ...]:
        """The top ``n`` of each area, each entry once with every area it made the top of, in rank order.

        What the e-mail carries: an item in two areas appears once, naming both. Safety
        notices and the tracked technologies' evidence are left out: the e-mail shows them
        in their own sections above, and the next of the area takes their place.
        """
        above = {ev.item_id for t in self.tracked for ev in t.shown()}
        chosen: dict[str, list[str]] = {}
        for area in self.areas:
            for entry in [e for e in self.section(area.id) if e.item.type != "safety" and e.item.id not in above][:n]:
                chosen.setdefault(entry.item.id, []).append(area.id)
        return tuple((e, tuple(chosen[e.item.id])) for e in self.entries if e.item.id in chosen)

    def top(self, n: int = 5) -> tuple[Entry, ...]:
        return self.entries[:n]


# Every area's section (and the safety notices), grouped in one pass per digest: the writers
# ask for each several times (headline counts, the page, the run summary), and at 100,000
# entries each ask was a pass over them all. A digest is frozen, so its groups never change;
# they go when the digest does. Not a model attribute, so equality and copies are as before.
@dataclass(frozen=True)
class _Groups:
    sections: dict[str, tuple[Entry, ...]]
    safety: tuple[Entry, ...]


_GROUPS: dict[int, tuple[weakref.ref[Digest], _Groups]] = {}


def _groups(digest: Digest) -> _Groups:
    key = id(digest)
    held = _GROUPS.get(key)
    if held is None or held[0]() is not digest:
        sections: dict[str, list[Entry]] = {}
        for entry in digest.entries:
            for area in dict.fromkeys(entry.classification.areas):
                sections.setdefault(area, []).append(entry)
        groups = _Groups({area: tuple(entries) for area, entries in sections.items()},
                         tuple(e for e in digest.entries if e.item.type == "safety"))
        held = (weakref.ref(digest, functools.partial(_forget, key)), groups)
        _GROUPS[key] = held
    return held[1]


def _forget(key: int, _gone: object) -> None:
    _GROUPS.pop(key, None)
