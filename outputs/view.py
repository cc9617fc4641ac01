"""What every human-readable writer says about a digest as a whole, worded once.

HTML, Markdown and plain text differ in markup, not in content: headlines, run
sentences and headings are built here as plain strings, and each writer escapes
them for its own format. What is said about one entry is in ``outputs/entry_view.py``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from horizon.digest import Digest, Entry, SourceReport
from horizon.items import Item
from horizon.text import safe_url
from outputs import words

MORE = "every entry is in the CSV, XLSX and JSON digests"


def link(item: Item) -> str:
    """The item's link if it is http(s), else empty: writers then show the title unlinked."""
    return safe_url(item.url)


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
        names = ", ".join(source_name(s.name) for s in failed)
        answered = f"{len(failed)} failed ({names})" if failed else "all answered"
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


def heading(digest: Digest, count: int) -> str:
    """The top list's heading: "Top 5 this week", or for a scan its query and dates."""
    if digest.scan:
        return f"Best {count} matches for “{digest.scan.query}”"
    return f"Top {count} this week" if count else "This week"


def nothing_in_area(digest: Digest) -> str:
    return "Nothing in this area matched the scan." if digest.scan else "Nothing new in this area this week."


def also_in(digest: Digest) -> str:
    """The heading of the rows below an area's top entries: not "Also new", since most may be backfill."""
    return "Also in"


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


def source_name(name: str) -> str:
    """A configured source by its publisher's name ("hin-news" -> "Health Innovation Network"), else as configured."""
    return words.BY_SOURCE.get(name, name)


def failed_line(report: SourceReport) -> str:
    """A failed source as a reader meets it at the top of the digest: ``NICE (timed out after 3 attempts)``."""
    return f"{source_name(report.name)} ({report.error or 'no reason given'})"


def notes(digest: Digest) -> list[str]:
    """The run's notes, a leading source id ("hin-news: stopped after ...") said as its publisher."""
    said = []
    for note in digest.summary.notes:
        name, sep, rest = note.partition(": ")
        said.append(f"{source_name(name)}: {rest}" if sep and name in words.BY_SOURCE else note)
    return said


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
