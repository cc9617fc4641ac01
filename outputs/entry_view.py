"""One view of a digest entry, worded once, for every writer and the review workspace.

An entry's facts (title, safe link, publisher, areas by name, phase and status in
words, what changed, novelty, dates, summary, score and its factors) are plain
strings here; each format escapes them its own way (Jinja autoescape in HTML and
the workspace, backslashes in Markdown, one line each in plain text). Writers build
the view from a digest ``Entry`` (``of``); the workspace from the store's rows
(``present``), so both say "status: recruiting → completed" the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from horizon.digest import Digest, Entry, Factors
from horizon.items import Item
from outputs import words
from outputs.view import link, shorten

FACTOR_LABELS = (
    ("relevance", "relevance"),
    ("area_weight", "area weight"),
    ("impact", "impact"),
    ("uk", "UK"),
    ("recency", "recency"),
    ("novelty", "novelty"),
    ("query", "query match"),
)
FIELD_LABELS = {"results_posted": "results posted", "enrolment": "enrolment", "completion": "completion date",
                "revised": "last revised"}
DATE_WORDS = {"trial": "registered", "guidance": "published", "safety": "published"}
NO_SUMMARY = "No summary published."


@dataclass(frozen=True)
class EntryView:
    """What a reader is told about one entry; untrusted text (title, summary) is not yet escaped."""

    id: str
    title: str
    link: str  # http(s) only, else empty: the title is then shown unlinked
    publisher: str  # every publisher by name: "ClinicalTrials.gov, ISRCTN registry"
    what: str  # "late-phase trial", "NICE guidance"
    status: str  # "Phase 3, active, not recruiting · UK sites"
    dates: str  # "registered 2017-08-21 · updated 2026-11-22 · first seen 2026-11-23"
    novelty: str  # "new", "changed", "backfill", "seen before"; empty outside a digest
    novelty_means: str  # what the novelty word means, when it needs saying (backfill)
    changes: tuple[str, ...]  # "status: recruiting → completed"
    summary: str  # the whole summary, or NO_SUMMARY
    areas: tuple[str, ...]  # area names, in priority order
    why: tuple[tuple[str, str, tuple[str, ...]], ...]  # (area id, area name, terms that drove it)
    score: float | None
    factors: str  # "relevance 0.81 × area weight 1.00 × …"; empty when not known

    @property
    def meta(self) -> list[str]:
        """What a card says under its title: publisher, kind, status, dates, novelty."""
        return [p for p in (self.publisher, self.what, self.status, self.dates, self.novelty) if p]

    def short_summary(self, limit: int = 400) -> str:
        return shorten(self.summary, limit)

    def terms(self, area_id: str | None = None) -> list[str]:
        """The terms that drove the assignment to one area (or to any area)."""
        return list(dict.fromkeys(t for a, _, terms in self.why if area_id in (None, a) for t in terms))


def present(item: Item, *, also: Iterable[Item] = (), kind: str = "", novelty: str = "",
            changes: Mapping[str, tuple[str, str]] | None = None, first_seen: datetime | None = None,
            areas: Iterable[str] = (), names: Mapping[str, str] | None = None,
            why: Mapping[str, Iterable[str]] | None = None, score: float | None = None,
            factors: Factors | None = None, scan: bool = False) -> EntryView:
    """The view of one item with what is known about it; ``names`` maps area ids to names."""
    names = names or {}
    return EntryView(
        id=item.id, title=words.flagged_title(item), link=link(item),
        publisher=", ".join(publishers(item, also)),
        what=words.KIND_WORDS.get(kind, words.TYPE_WORDS[item.type]),
        status=" · ".join(words.trial_facts(item)), dates=dates(item, first_seen),
        novelty=words.NOVELTY_WORDS.get(novelty, ""),
        novelty_means=words.BACKFILL_MEANS if novelty == "backfill" else "",
        changes=tuple(change_lines(changes or {})), summary=item.summary if item.summary.strip() else NO_SUMMARY,
        areas=tuple(names.get(a, a) for a in areas),
        why=tuple((a, names.get(a, a), tuple(terms)) for a, terms in (why or {}).items()),
        score=score, factors=factor_line(factors, scan) if factors else "",
    )


def of(digest: Digest, entry: Entry) -> EntryView:
    """The view of a digest entry, as every writer shows it."""
    verdict = entry.classification
    return present(entry.item, also=entry.also, kind=entry.kind, novelty=entry.novelty, changes=entry.changes,
                   first_seen=entry.first_seen, areas=verdict.areas, names={a.id: a.name for a in digest.areas},
                   why=verdict.why, score=entry.score, factors=entry.factors, scan=digest.scan is not None)


def publishers(item: Item, also: Iterable[Item] = ()) -> list[str]:
    """Every publisher of the item and its other sightings, by name, once each."""
    return list(dict.fromkeys(words.publisher(i) for i in (item, *also)))


def dates(item: Item, first_seen: datetime | None) -> str:
    """The publisher's dates kept apart from ours."""
    parts = []
    if item.published:
        parts.append(f"{DATE_WORDS.get(item.type, 'published')} {item.published.isoformat()}")
    elif item.type == "trial":
        parts.append("registration date not given")
    if item.updated and item.updated != item.published:
        parts.append(f"updated {item.updated.isoformat()}")
    if first_seen:
        parts.append(f"first seen {first_seen.date().isoformat()}")
    return " · ".join(parts)


def change_lines(changes: Mapping[str, tuple[str, str]]) -> list[str]:
    """What changed since the last sighting, in words: "status: recruiting → completed"."""
    def show(field: str, value: str) -> str:
        if not value:
            return "none"
        return words.status(value) if field == "status" else words.phase(value) if field == "phase" else value

    return [f"{FIELD_LABELS.get(f, f)}: {show(f, before)} → {show(f, after)}" for f, (before, after) in changes.items()]


def factor_line(f: Factors, scan: bool = False) -> str:
    """Every factor of the score, in the order they multiply.

    A scan scores the query match, not novelty (its label is shown, not scored): the line
    names what was multiplied, so a "seen before" entry never reads "novelty 1.00".
    """
    left_out = "novelty" if scan else "query"
    parts = [f"{label} {getattr(f, name):.2f}" for name, label in FACTOR_LABELS if name != left_out]
    return " × ".join(parts)
