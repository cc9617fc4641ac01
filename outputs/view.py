"""What every human-readable writer says about a digest, worded once.

HTML, Markdown and plain text differ in markup, not in content: the facts shown
for an entry (status, what changed, score factors, why terms) are built here as
plain strings, and each writer escapes them for its own format.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from horizon.digest import Digest, Entry, Factors, SourceReport
from horizon.items import Item
from horizon.text import safe_url

FACTOR_LABELS = (
    ("relevance", "relevance"),
    ("area_weight", "area weight"),
    ("evidence", "evidence"),
    ("uk", "UK"),
    ("recency", "recency"),
    ("novelty", "novelty"),
)
MORE = "every entry is in the CSV, XLSX and JSON digests"
FIELD_LABELS = {"results_posted": "results posted"}  # other fields show their own name


def link(item: Item) -> str:
    """The item's link if it is http(s), else empty: writers then show the title unlinked."""
    return safe_url(item.url)


def when(item: Item) -> str:
    """The most recent date the source gave, ISO formatted, or empty."""
    day = item.updated or item.published
    return day.isoformat() if day else ""


def status(item: Item) -> str:
    """Status and phase in one short phrase: ``RECRUITING, PHASE3``."""
    return ", ".join(p for p in (item.extras.status, item.extras.phase) if p)


def changes(entry: Entry) -> list[str]:
    """What changed since the last sighting: ``status: RECRUITING -> COMPLETED``."""
    return [
        f"{FIELD_LABELS.get(f, f)}: {before or 'none'} -> {after or 'none'}"
        for f, (before, after) in entry.changes.items()
    ]


def factors(f: Factors) -> str:
    """Every factor of the score, in the order they multiply."""
    parts = [f"{label} {getattr(f, name):.2f}" for name, label in FACTOR_LABELS]
    return " × ".join(parts)


def why(entry: Entry, area_id: str | None = None) -> list[str]:
    """The terms that drove the assignment to one area (or to any area)."""
    verdict = entry.classification
    areas = [area_id] if area_id else list(verdict.areas)
    return list(dict.fromkeys(t for a in areas for t in verdict.why.get(a, ())))


def area_names(digest: Digest, entry: Entry) -> list[str]:
    """Names of the areas an entry was assigned to, in priority order."""
    names = {a.id: a.name for a in digest.areas}
    return [names.get(a, a) for a in entry.classification.areas]


@dataclass(frozen=True)
class Headline:
    """The counts a reader sees first."""

    entries: int
    new: int
    changed: int
    per_area: list[tuple[str, str, int]]  # (id, name, count)
    sources_ok: int
    sources_failed: int

    def sentence(self) -> str:
        failed = f", {self.sources_failed} failed" if self.sources_failed else ""
        counts = f"{_plural(self.entries, 'item')} ({self.new} new, {self.changed} changed)"
        return f"{counts} from {_plural(self.sources_ok, 'source')}{failed}"


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def headline(digest: Digest) -> Headline:
    """Headline counts for the top of a digest."""
    novelty = Counter(e.novelty for e in digest.entries)
    failed = len(digest.summary.failed)
    return Headline(
        entries=len(digest.entries),
        new=novelty["new"],
        changed=novelty["changed"],
        per_area=[(a.id, a.name, len(digest.section(a.id))) for a in digest.areas],
        sources_ok=len(digest.summary.sources) - failed,
        sources_failed=failed,
    )


def counts(digest: Digest) -> list[tuple[str, int]]:
    """Run counts sorted by name: ``ctgov/fetched 412``, ``dropped/no-area 37``."""
    return sorted(digest.summary.counts.items())


def source_line(report: SourceReport) -> str:
    """One source's outcome: ``ctgov: ok, 412 fetched`` or ``nice: FAILED: timed out``."""
    if report.ok:
        return f"{report.name}: ok, {report.fetched} fetched"
    return f"{report.name}: FAILED: {report.error or 'no reason given'}"


def shorten(text: str, limit: int = 400) -> str:
    """At most ``limit`` characters, cut at a word boundary, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip(" ,;:.") + "…"


def one_line(text: str) -> str:
    """Untrusted text on a single line, without control characters (for headers, cells, lines)."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in str(text)).split())
