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
from outputs import words

FACTOR_LABELS = (
    ("relevance", "relevance"),
    ("area_weight", "area weight"),
    ("impact", "impact"),
    ("uk", "UK"),
    ("recency", "recency"),
    ("novelty", "novelty"),
    ("query", "query match"),
)
MORE = "every entry is in the CSV, XLSX and JSON digests"
FIELD_LABELS = {"results_posted": "results posted", "enrolment": "enrolment", "completion": "completion date",
                "revised": "last revised"}
DATE_WORDS = {"trial": "registered", "guidance": "published", "safety": "published"}


def link(item: Item) -> str:
    """The item's link if it is http(s), else empty: writers then show the title unlinked."""
    return safe_url(item.url)


def when(item: Item) -> str:
    """The most recent date the source gave, ISO formatted, or empty."""
    day = item.updated or item.published
    return day.isoformat() if day else ""


def status(item: Item) -> str:
    """Phase and status, UK sites, sponsor type, results: "Phase 3, active, not recruiting · UK sites"."""
    return " · ".join(words.trial_facts(item))


def publisher(entry: Entry) -> str:
    """Every publisher of the entry by name: "ClinicalTrials.gov, ISRCTN registry"."""
    return ", ".join(dict.fromkeys(words.publisher(i) for i in (entry.item, *entry.also)))


def meta(entry: Entry) -> list[str]:
    """What a card says under its title: publisher, kind, status, dates, novelty."""
    parts = [publisher(entry), words.KIND_WORDS.get(entry.kind, words.TYPE_WORDS[entry.item.type]),
             status(entry.item), dates(entry), words.NOVELTY_WORDS[entry.novelty]]
    return [p for p in parts if p]


def dates(entry: Entry) -> str:
    """The publisher's dates kept apart from ours.

    "registered 2017-08-21 · updated 2026-11-22 · first seen 2026-11-23".
    """
    item = entry.item
    parts = []
    if item.published:
        parts.append(f"{DATE_WORDS.get(item.type, 'published')} {item.published.isoformat()}")
    elif item.type == "trial":
        parts.append("registration date not given")
    if item.updated and item.updated != item.published:
        parts.append(f"updated {item.updated.isoformat()}")
    if entry.first_seen:
        parts.append(f"first seen {entry.first_seen.date().isoformat()}")
    return " · ".join(parts)


def changes(entry: Entry) -> list[str]:
    """What changed since the last sighting: "status: recruiting → completed"."""
    def show(field: str, value: str) -> str:
        if not value:
            return "none"
        return words.status(value) if field == "status" else words.phase(value) if field == "phase" else value

    return [
        f"{FIELD_LABELS.get(f, f)}: {show(f, before)} → {show(f, after)}"
        for f, (before, after) in entry.changes.items()
    ]


def factors(f: Factors) -> str:
    """Every factor of the score, in the order they multiply (the query match only in a scan)."""
    parts = [f"{label} {getattr(f, name):.2f}" for name, label in FACTOR_LABELS if name != "query" or f.query != 1.0]
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


def area_names_of(digest: Digest, area_ids: tuple[str, ...] | list[str]) -> list[str]:
    names = {a.id: a.name for a in digest.areas}
    return [names.get(a, a) for a in area_ids]


@dataclass(frozen=True)
class Headline:
    """The counts a reader sees first."""

    entries: int
    new: int
    changed: int
    per_area: list[tuple[str, str, int]]  # (id, name, count)
    sources_ok: int
    sources_failed: int
    backfill: int = 0
    safety: int = 0

    def sentence(self) -> str:
        failed = f", {self.sources_failed} failed" if self.sources_failed else ""
        parts = [f"{self.new} new", f"{self.changed} "
                                    "changed"] + ([f"{self.backfill} backfill"] if self.backfill else [])
        counts = f"{_plural(self.entries, 'item')} ({', '.join(parts)})"
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
        backfill=novelty["backfill"],
        safety=len(digest.safety),
    )


def counts(digest: Digest) -> list[tuple[str, int]]:
    """Run counts sorted by name: ``ctgov/fetched 412``, ``dropped/no-area 37``."""
    return sorted(digest.summary.counts.items())


def run_sentences(digest: Digest) -> list[str]:
    """The run summary in sentences; the raw counters stay behind details and in JSON.

    "10 sources checked, all answered. 78 entries: 20 new, 3 changed, 55 backfill.
    46 items matched no priority area; 4 duplicates merged. ISRCTN registry: 2 malformed records skipped."
    """
    c, sources = digest.summary.counts, digest.summary.sources
    failed = digest.summary.failed
    out = []
    if sources:
        answered = "all answered" if not failed else f"{len(failed)} failed ({', '.join(s.name for s in failed)})"
        out.append(f"{_plural(len(sources), 'source')} checked, {answered}.")
    head = headline(digest)
    parts = [f"{head.new} new", f"{head.changed} changed"] + ([f"{head.backfill} backfill"] if head.backfill else [])
    out.append(f"{_plural(head.entries, 'entry').replace('entrys', 'entries')}: {', '.join(parts)}.")
    dropped = []
    if c.get("dropped/no-area"):
        dropped.append(f"{_plural(c['dropped/no-area'], 'item')} matched no priority area")
    if c.get("dropped/duplicate"):
        dropped.append(f"{_plural(c['dropped/duplicate'], 'duplicate')} merged")
    if dropped:
        out.append("; ".join(dropped).capitalize() + ".")
    for name, n in sorted(c.items()):
        source, _, reason = name.partition("/")
        if n and reason in _WARNINGS and source not in ("dropped", "digest"):
            out.append(f"{words.BY_SOURCE.get(source, source)}: {_plural(n, _WARNINGS[reason])} skipped.")
    return out


_WARNINGS = {"malformed": "malformed record", "malformed-response": "malformed response",
             "invalid": "invalid record", "too-large": "oversized response"}
NO_SUMMARY = "No summary published."


def summary(entry: Entry, limit: int = 400) -> str:
    """The item's summary, shortened, or says that the publisher gave none."""
    return shorten(entry.item.summary, limit) if entry.item.summary.strip() else NO_SUMMARY


def heading(digest: Digest, count: int) -> str:
    """The top list's heading: "Top 5 this week", or for a scan its query and dates."""
    if digest.scan:
        return f"Best {count} matches for “{digest.scan.query}”"
    return f"Top {count} this week" if count else "This week"


def nothing_in_area(digest: Digest) -> str:
    return "Nothing in this area matched the scan." if digest.scan else "Nothing new in this area this week."


def also_in(digest: Digest) -> str:
    return "Also in" if digest.scan else "Also new in"


def scan_range(digest: Digest) -> str:
    """"items updated 2025-01-01 to now" for an ad-hoc scan, else empty."""
    scan = digest.scan
    if scan is None:
        return ""
    start = scan.since.isoformat() if scan.since else "the start"
    return f"items updated {start} to {scan.until.isoformat() if scan.until else 'now'}"


def top(digest: Digest, n: int) -> tuple[Entry, ...]:
    """The best ``n`` entries that are not safety notices (those have their own section above)."""
    return tuple(e for e in digest.entries if e.item.type != "safety")[:n]


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
