"""The plain-text digest: the e-mail's text part, and readable in any terminal.

Plain text is never interpreted as markup, so untrusted text is shown as it is,
but on one line each and without control characters (no forged lines or escapes).
"""

from __future__ import annotations

import textwrap

from horizon.digest import Digest, Entry
from horizon.text import safe_url
from outputs import entry_view, tracked, view
from outputs.base import SummaryLayoutOptions, Writer

WIDTH = 76


def _wrap(text: str, indent: str = "   ", hanging: str | None = None) -> list[str]:
    return textwrap.wrap(
        view.one_line(text),
        WIDTH,
        initial_indent=indent,
        subsequent_indent=hanging or indent,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [indent.rstrip()]


class TextOptions(SummaryLayoutOptions):
    email: bool = False  # the e-mail's shape: safety, the top_n of each area once, a link to the full digest
    full_url: str = ""  # where the full digest is published (http(s)), linked from the e-mail


class TextWriter(Writer):
    """UTF-8 plain text, wrapped at 76 columns."""

    format = "text"
    filename = "digest.txt"
    media_type = "text/plain; charset=utf-8"
    Options = TextOptions
    options: TextOptions

    def render(self, digest: Digest) -> bytes:
        return self.render_text(digest).encode("utf-8")

    def render_text(self, digest: Digest) -> str:
        """The digest as a string (the e-mail's text part)."""
        o, head = self.options, view.headline(digest)
        title = view.one_line(f"{digest.title} – {digest.week}")
        since = f", changes since {digest.since.isoformat()}" if digest.since else ""
        when = (f"Ad-hoc scan for “{digest.scan.query}”, {view.scan_range(digest)}" if digest.scan
                else f"Week {digest.week}{since}")
        out = [
            title,
            "=" * min(len(title), WIDTH),
            *_wrap(f"{when}, generated {digest.generated:%Y-%m-%d %H:%M}", ""),
            "",
        ]
        out += [head.sentence()]
        if digest.summary.failed:
            out += ["", "Some sources failed:"] + [
                f"  {view.one_line(view.failed_line(s))}" for s in digest.summary.failed
            ]
        # What the ICS acts on first: its tracked technologies, safety notices, then stage reviews due.
        out += ["", *tracked.text(digest, _wrap), "SAFETY NOTICES IN YOUR AREAS", ""]
        for v in (entry_view.of(digest, e) for e in digest.safety):
            out += _wrap(f"- {v.title}", "  ", "    ")
            out += _wrap(" · ".join(p for p in (v.publisher, v.dates, ", ".join(v.areas)) if p), "    ")
            if v.link:
                out.append(f"    {v.link}")
        if not digest.safety:
            out.append("No safety notices in your priority areas.")
        out += ["", *tracked.due_text(digest, _wrap), "BY PRIORITY AREA", ""]
        out += [f"  {view.one_line(name)}: {count}" for _, name, count in head.per_area]
        if o.email:
            out += ["", f"THE TOP {o.top_n} IN EACH AREA", ""]
            chosen = digest.per_area(o.top_n)
            out += [line for i, (e, areas) in enumerate(chosen, 1)
                    for line in self.entry(digest, e, i, None, view.area_names_of(digest, areas))]
            if not chosen:
                out.append("Nothing new matched a priority area.")
            full = safe_url(o.full_url)
            out += [f"The full digest ({head.entries} entries, every area): {full}" if full else
                    f"The full digest has all {head.entries} entries and every area."]
            out += ["", "RUN SUMMARY", ""] + [line for s in view.run_sentences(digest) for line in _wrap(s, "  ")]
            return "\n".join(out) + "\n"
        top = view.top(digest, o.top)
        out += ["", view.heading(digest, len(top)).upper(), ""]
        if not top:
            out.append("Nothing new matched a priority area.")
        out += [line for i, e in enumerate(top, 1) for line in self.entry(digest, e, i, None)]
        for area in digest.areas:
            section = digest.section(area.id)
            name = view.one_line(area.name).upper()
            out += ["", name, "-" * min(len(name), WIDTH), *_wrap(area.description, ""), ""]
            if not section:
                out.append(view.nothing_in_area(digest))
            for i, e in enumerate(section[: o.top_n], 1):
                out += self.entry(digest, e, i, area.id)
            if len(section) > o.top_n:
                out += [f"{view.also_in(digest)} {view.one_line(area.name)}:"]
                for v in (entry_view.of(digest, e) for e in section[o.top_n : o.top_n + o.also_max]):
                    out += _wrap(f"- {v.title} ({v.publisher}, {v.novelty} {v.what})", "  ", "    ")
                    if v.link:
                        out.append(f"    {v.link}")
                if (rest := len(section) - o.top_n - o.also_max) > 0:
                    out.append(f"  …and {rest} more: {view.MORE}")
        if digest.register_due:
            out += ["", "REGISTER: DUE FOR REVIEW", ""]
            for d in digest.register_due:
                out += _wrap(f"- {d.title} ({d.stage}, {d.owner or 'no owner'}, review by "
                             f"{d.next_review})", "  ", "    ")
                if url := safe_url(d.url):
                    out.append(f"    {url}")
        out += ["", "RUN SUMMARY", ""] + [line for s in view.run_sentences(digest) for line in _wrap(s, "  ")]
        out += ["", "  Every source and counter:"]
        out += [f"  {view.one_line(view.source_line(s))}" for s in digest.summary.sources]
        out += [""] + [f"  {view.one_line(name)} {value}" for name, value in view.counts(digest)]
        out += [line for note in view.notes(digest) for line in _wrap(note, "  ")]
        return "\n".join(out) + "\n"

    def entry(self, digest: Digest, e: Entry, rank: int, area_id: str | None,
              shown_areas: list[str] | None = None) -> list[str]:
        v = entry_view.of(digest, e)
        lines = _wrap(f"{rank}. {v.title}", "", "   ")
        if v.link:
            lines.append(f"   {v.link}")
        lines += _wrap(" · ".join(v.meta))
        lines += [line for c in v.changes for line in _wrap(f"Changed: {c}")]
        if self.options.summary_chars:
            lines += _wrap(v.short_summary(self.options.summary_chars))
        for other in e.also:
            lines += _wrap(f"also at {view.words.publisher(other)}: {other.title} {view.link(other)}".rstrip())
        if e.technologies:
            lines += _wrap(tracked.entry_names(e.technologies))
        if shown_areas:
            lines += _wrap(f"In {' and '.join(shown_areas)}")
            return lines + [""]
        lines += _wrap(f"Areas: {', '.join(v.areas)}")
        terms = v.terms(area_id)
        lines += _wrap(f"Why this rank: score {e.score:.3f} = {v.factors}"
                       + (f"; matched terms: {', '.join(terms)}" if terms else ""))
        return lines + [""]
