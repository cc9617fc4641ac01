"""The digest's opening section on tracked technologies, and its stage reviews due, worded once for Markdown and text.

HTML renders the same facts from ``templates/_technologies.html.j2``.
"""

from __future__ import annotations

from collections.abc import Callable

from horizon.digest import Digest, TechEvidence, TechNews
from horizon.text import safe_url
from outputs import view
from outputs.words import evidence_words, flagged

TRACKED_HEADING = "Technologies you track: new evidence this week"
DUE_HEADING = "Stage reviews due"
NOTHING = "No new evidence on the technologies you track this week."
FIRST_SCREEN = 4  # technologies shown in full in HTML before the rest fold, keeping safety on the first screen


def shown(t: TechNews) -> tuple[tuple[TechEvidence, ...], int]:
    """The evidence the section lists (``TechNews.shown``), and how many more arrived."""
    first = t.shown()
    return first, len(t.arrived) - len(first)


def more_line(n: int) -> str:
    return f"…and {n} more in this digest" if n else ""


def markdown(digest: Digest, escape: Callable[[object], str], link: Callable[[object, str], str]) -> list[str]:
    """The opening section: each tracked technology with new evidence, what arrived, from where, its stage."""
    if not (digest.tracked or digest.tech_due):
        return []
    out = [f"## {TRACKED_HEADING}", ""]
    if not digest.tracked:
        out += [NOTHING, ""]
    for t in digest.tracked:
        first, more = shown(t)
        out += [f"### {escape(t.name)} · stage {escape(t.stage)}", "", f"_{escape(t.readiness)}_", ""]
        out += [f"- {link(flagged(e.title, e.flags), e.url)} "
                f"\\({escape(evidence_words(e.kind, e.source, e.novelty))}\\)" for e in first]
        out += [f"- {more_line(more)}"] if more else []
        out.append("")
    return out


def due_markdown(digest: Digest, escape: Callable[[object], str]) -> list[str]:
    """Technologies whose stage review date has come (after the safety notices)."""
    if not digest.tech_due:
        return []
    out = [f"## {DUE_HEADING}", "", "| Technology | Stage | Owner | Review by |", "| --- | --- | --- | --- |"]
    out += [f"| {escape(d.name)} | {escape(d.stage)} | {escape(d.owner or '—')} | {d.next_review.isoformat()} |"
            for d in digest.tech_due]
    return out + [""]


def text(digest: Digest, wrap: Callable[..., list[str]]) -> list[str]:
    if not (digest.tracked or digest.tech_due):
        return []
    out = [TRACKED_HEADING.upper(), ""]
    if not digest.tracked:
        out += [NOTHING, ""]
    for t in digest.tracked:
        first, more = shown(t)
        out += wrap(f"{t.name} (stage {t.stage})", "")
        out += wrap(t.readiness, "  ")
        for e in first:
            out += wrap(f"- {flagged(e.title, e.flags)} ({evidence_words(e.kind, e.source, e.novelty)})", "  ", "    ")
            if url := safe_url(e.url):
                out.append(f"    {url}")
        out += wrap(f"- {more_line(more)}", "  ") if more else []
        out.append("")
    return out


def due_text(digest: Digest, wrap: Callable[..., list[str]]) -> list[str]:
    if not digest.tech_due:
        return []
    out = [DUE_HEADING.upper(), ""]
    for d in digest.tech_due:
        out += wrap(f"- {d.name} ({d.stage}, {d.owner or 'no owner'}, review by {d.next_review})", "  ", "    ")
    return out + [""]


def entry_names(names: tuple[str, ...]) -> str:
    """'Technology: DERM' on an entry about a tracked technology."""
    return ("Technology: " if len(names) == 1 else "Technologies: ") + view.one_line(", ".join(names))
