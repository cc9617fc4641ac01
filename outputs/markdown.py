"""The Markdown digest, for Teams, Slack and wikis.

Untrusted text is escaped so that nothing in it is markup: ``<`` and ``&``
become entities (``<img onerror=...>`` shows as text) and Markdown punctuation is
backslash-escaped (``[x](javascript:...)`` is not a link). Only http(s) links
are emitted, percent-encoded so they cannot break out of ``(...)``.
"""

from __future__ import annotations

import re

from horizon.digest import Digest, Entry
from horizon.items import Item
from horizon.text import safe_url
from outputs import entry_view, tracked, view, words
from outputs.base import SummaryLayoutOptions, Writer

_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#!|~])")
_URL_UNSAFE = {c: f"%{ord(c):02X}" for c in " ()<>[]\"'\\`*_|"}


def escape(text: object) -> str:
    """Untrusted text as inert, single-line Markdown."""
    text = view.one_line(str(text))
    # "<" and "&" as entities: no HTML tag, autolink or entity can start. A ">" alone is
    # inert mid-line, and no line starts with untrusted text, so "A -> B" stays readable.
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    return _PUNCTUATION.sub(r"\\\1", text)


def link(text: object, url: str) -> str:
    """``[text](url)`` for an http(s) URL, else the escaped text alone."""
    safe = safe_url(url)
    if not safe:
        return escape(text)
    return f"[{escape(text)}]({''.join(_URL_UNSAFE.get(c, c) for c in safe)})"


def item_link(item: Item) -> str:
    return link(words.flagged_title(item), item.url)


class MarkdownWriter(Writer):
    """CommonMark with GFM tables."""

    format = "md"
    filename = "digest.md"
    media_type = "text/markdown; charset=utf-8"
    Options = SummaryLayoutOptions
    options: SummaryLayoutOptions

    def render(self, digest: Digest) -> bytes:
        return "\n".join(self.lines(digest)).encode("utf-8") + b"\n"

    def lines(self, digest: Digest) -> list[str]:
        o = self.options
        head = view.headline(digest)
        out = [f"# {escape(digest.title)} – {escape(digest.week)}", ""]
        since = f" · changes since {digest.since.isoformat()}" if digest.since else ""
        when = (f"Ad-hoc scan for “{escape(digest.scan.query)}” · {view.scan_range(digest)}" if digest.scan
                else f"Week {escape(digest.week)}{since}")
        out += [f"_{when} · generated {digest.generated:%Y-%m-%d %H:%M}_", ""]
        out += [f"**{escape(head.sentence())}**"]
        if digest.summary.failed:
            failed = "; ".join(escape(view.failed_line(s)) for s in digest.summary.failed)
            out += ["", f"> **Some sources failed:** {failed}"]
        # What the ICS acts on first: its tracked technologies, safety notices, then stage reviews due.
        out += ["", *tracked.markdown(digest, escape, link), "## Safety notices in your areas", ""]
        out += [_safety_line(digest, e) for e in digest.safety] or ["No safety notices in your priority areas."]
        out += ["", *tracked.due_markdown(digest, escape), "## By priority area", ""]
        out += ["| Area | Items |", "| --- | ---: |"]
        out += [f"| {escape(name)} | {count} |" for _, name, count in head.per_area]
        top = view.top(digest, o.top)
        out += ["", f"## {escape(view.heading(digest, len(top)))}", ""]
        out += [line for i, e in enumerate(top, 1) for line in self.entry(digest, e, i, None)] or [
            "Nothing new matched a priority area."
        ]
        for area in digest.areas:
            section = digest.section(area.id)
            out += ["", f"## {escape(area.name)}", "", f"_{escape(area.description)}_", ""]
            if not section:
                out.append(view.nothing_in_area(digest))
            for i, e in enumerate(section[: o.top_n], 1):
                out += self.entry(digest, e, i, area.id)
            if len(section) > o.top_n:
                out += [
                    "",
                    f"**{view.also_in(digest)} {escape(area.name)}**",
                    "",
                    "| Item | Publisher | What |",
                    "| --- | --- | --- |",
                ]
                for e in section[o.top_n : o.top_n + o.also_max]:
                    v = entry_view.of(digest, e)
                    out.append(f"| {link(v.title, v.link)} | {escape(v.publisher)} | {escape(v.novelty)} "
                               f"{escape(v.what)} |")
                if (rest := len(section) - o.top_n - o.also_max) > 0:
                    out += ["", f"…and {rest} more: {view.MORE}"]
        return out + ["", *self.register_due(digest), *self.run_summary(digest)]

    def entry(self, digest: Digest, e: Entry, rank: int, area_id: str | None) -> list[str]:
        v = entry_view.of(digest, e)
        lines = [f"{rank}. **{link(v.title, v.link)}** — {escape(' · '.join(v.meta))}"]
        lines += [f"   **Changed:** {escape(c)}" for c in v.changes]
        if self.options.summary_chars:
            lines.append(f"   {escape(v.short_summary(self.options.summary_chars))}")
        if e.also:
            lines.append("   Also at: "
                         "" + "; ".join(f"{item_link(i)} \\({escape(view.words.publisher(i))}\\)" for i in e.also))
        if e.technologies:
            lines.append(f"   **{escape(tracked.entry_names(e.technologies))}**")
        lines.append(f"   Areas: {escape(', '.join(v.areas))}")
        terms = v.terms(area_id)
        why = f"; matched terms: {', '.join(terms)}" if terms else ""
        lines.append(f"   <details><summary>Why this rank: score {e.score:.3f}</summary>"
                     f"{escape(v.factors + why)}</details>")
        # Two trailing spaces are a hard line break in CommonMark; the last line ends the item.
        return [line + "  " for line in lines[:-1]] + [lines[-1], ""]

    @staticmethod
    def register_due(digest: Digest) -> list[str]:
        if not digest.register_due:
            return []
        out = ["## Register: due for "
               "review", "", "| Innovation | Stage | Owner | Review by |", "| --- | --- | --- | --- |"]
        for d in digest.register_due:
            out.append(f"| {link(d.title, d.url)} | {escape(d.stage)} | {escape(d.owner)} | "
                       f"{d.next_review.isoformat()} |")
        return out + [""]

    @staticmethod
    def run_summary(digest: Digest) -> list[str]:
        out = ["## Run summary", "", *(escape(s) + "  " for s in view.run_sentences(digest)), ""]
        out += ["<details><summary>Every source and counter</summary>", ""]
        if digest.summary.sources:
            out += ["| Source | Outcome | Fetched |", "| --- | --- | ---: |"]
            for s in digest.summary.sources:
                outcome = "ok" if s.ok else f"**failed**: {escape(s.error or 'no reason given')}"
                out.append(f"| {escape(s.name)} | {outcome} | {s.fetched} |")
            out.append("")
        if counts := view.counts(digest):
            out += ["| Count | Value |", "| --- | ---: |"]
            out += [f"| {escape(name)} | {value} |" for name, value in counts]
            out.append("")
        out += ["</details>", ""]
        out += [f"- {escape(note)}" for note in view.notes(digest)]
        return out


def _safety_line(digest: Digest, e: Entry) -> str:
    v = entry_view.of(digest, e)
    said = escape(" · ".join(p for p in [v.publisher, v.dates] if p))
    return f"- **{link(v.title, v.link)}** — {said} · {escape(', '.join(v.areas))}"
