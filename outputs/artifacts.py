"""Payloads for Prefect artifacts, built as plain data so outputs/ never imports Prefect.

The flow passes these to ``create_markdown_artifact``, ``create_table_artifact`` and
``create_link_artifact``. Artifact keys allow only lowercase letters, digits and
dashes: ``artifact_key`` makes one from any text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from horizon.digest import Digest, Entry
from horizon.text import safe_url
from outputs import entry_view, view
from outputs.markdown import escape, item_link, link

MAX_KEY = 100


def artifact_key(*parts: str) -> str:
    """A valid Prefect artifact key from any text: ``Weekly`` + ``2026-W48`` -> ``weekly-2026-w48``."""
    key = re.sub(r"[^a-z0-9]+", "-", "-".join(parts).lower()).strip("-")[:MAX_KEY].rstrip("-")
    return key or "digest"


@dataclass(frozen=True)
class Markdown:
    key: str
    markdown: str
    description: str


@dataclass(frozen=True)
class Table:
    key: str
    table: list[dict[str, Any]]
    description: str


@dataclass(frozen=True)
class Link:
    key: str
    link: str
    link_text: str
    description: str


@dataclass(frozen=True)
class Artifacts:
    """Everything the flow publishes for one digest, keyed per digest series."""

    markdown: list[Markdown] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)


def summary_markdown(digest: Digest, top: int = 5) -> str:
    """The headline, the top items, failed sources and run counts, as escaped Markdown."""
    head = view.headline(digest)
    out = [f"# {escape(digest.title)} – {escape(digest.week)}", "", f"**{escape(head.sentence())}**", ""]
    out += [f"- {escape(name)}: {count}" for _, name, count in head.per_area]
    if digest.summary.failed:
        out += ["", "**Failed sources**", ""]
        out += [f"- {escape(s.name)}: {escape(s.error or 'no reason given')}" for s in digest.summary.failed]
    if digest.safety:
        out += ["", "## Safety notices", ""]
        out += [f"- {item_link(e.item)} \\({escape(', '.join(entry_view.of(digest, e).areas))}\\)"
                for e in digest.safety]
    best = view.top(digest, top)
    out += ["", f"## {escape(view.heading(digest, len(best)))}", ""]
    for rank, v in enumerate((entry_view.of(digest, e) for e in best), 1):
        changed = "; ".join(v.changes)
        extra = f" — changed: {escape(changed)}" if changed else ""
        out.append(f"{rank}. {link(v.title, v.link)} \\({escape(', '.join(v.areas))}; score {v.score:.3f}\\){extra}")
    out += ["", "## Run summary", "", *(escape(s) + "  " for s in view.run_sentences(digest))]
    if counts := view.counts(digest):
        out += ["", "| Count | Value |", "| --- | ---: |"]
        out += [f"| {escape(name)} | {value} |" for name, value in counts]
    if digest.summary.notes:  # which store the run used, what the classifier learned, sample or not
        out += ["", "## Notes", ""] + [f"- {escape(note)}" for note in view.notes(digest)]
    return "\n".join(out) + "\n"


MAX_ROWS = 50  # a table artifact is for reading; every entry is in the CSV/JSON/XLSX files


def entry_rows(digest: Digest, limit: int = MAX_ROWS) -> list[dict[str, Any]]:
    """One compact row per top entry for a Prefect table artifact (the first ``limit``)."""
    return [_entry_row(entry_view.of(digest, e), e, rank) for rank, e in enumerate(digest.entries[:limit], 1)]


def _entry_row(v: entry_view.EntryView, e: Entry, rank: int) -> dict[str, Any]:
    return {"rank": rank, "title": view.one_line(v.title), "url": v.link, "areas": ", ".join(v.areas),
            "what": v.what, "publisher": v.publisher, "novelty": e.novelty, "changes": "; ".join(v.changes),
            "score": e.score, "factors": v.factors}


def source_rows(digest: Digest) -> list[dict[str, Any]]:
    """One row per source: did it work, how much came back, and why not."""
    return [
        {"source": s.name, "ok": s.ok, "fetched": s.fetched, "error": view.one_line(s.error or "")}
        for s in digest.summary.sources
    ]


def outage(week: str, failures: dict[str, str], sample: bool = False) -> Artifacts:
    """What a run where every source failed leaves in Prefect's UI in place of a digest: which, and why."""
    lines = [f"# No digest for {escape(week)}: every source failed", "",
             "Nothing was published; the last digest is left in place. Each source, and why it failed:", ""]
    lines += [f"- {escape(name)}: {escape(view.one_line(reason))}" for name, reason in failures.items()]
    key = artifact_key(*(["sample"] if sample else []), "outage")
    return Artifacts(markdown=[Markdown(key, "\n".join(lines) + "\n", f"Every source failed, {week}")])


def file_link(path: Path, base_url: str | None = None, root: Path | None = None) -> str:
    """Where a written file can be opened: under ``base_url`` if published, else a file:// URI.

    With ``root`` (the output directory published at ``base_url``) the link keeps the
    file's place under it: ``feed.atom`` at the top, ``2026-W48/digest.html`` below.
    """
    if base_url and (base := safe_url(base_url)):
        try:
            relative = path.resolve().relative_to(root.resolve()).parts if root else None
        except ValueError:
            relative = None
        parts = relative or (path.parent.name, path.name)
        return base.rstrip("/") + "/" + "/".join(quote(p) for p in parts)
    return path.resolve().as_uri()


def build(digest: Digest, files: Iterable[Path] = (), base_url: str | None = None, top: int = 5,
          series: str | None = None, root: Path | None = None) -> Artifacts:
    """All artifact payloads for one digest; ``files`` are what ``outputs.write`` returned.

    ``series`` keeps runs apart that share a digest key (a sample run's artifacts never
    follow the production digest's); each file has its own key (``digest.atom`` and the
    running ``feed.atom`` both stay linked).
    """
    series = artifact_key(series or digest.key)
    return Artifacts(
        markdown=[
            Markdown(artifact_key(series, "digest"), summary_markdown(digest, top), f"{digest.title} {digest.week}")
        ],
        tables=[
            Table(artifact_key(series, "entries"), entry_rows(digest),
                  f"Top {min(MAX_ROWS, len(digest.entries))} of {len(digest.entries)} ranked entries, {digest.week} "
                  "(all of them in the CSV, XLSX and JSON files)"),
            Table(artifact_key(series, "sources"), source_rows(digest), f"Sources, {digest.week}"),
        ],
        links=[
            Link(
                artifact_key(series, p.stem, p.suffix.lstrip(".")),
                file_link(p, base_url, root),
                p.name,
                f"{digest.week} digest ({p.suffix.lstrip('.')})",
            )
            for p in files
        ],
    )
