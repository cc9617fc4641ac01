"""The plain-text digest: the e-mail's text part, and readable in any terminal.

Plain text is never interpreted as markup, so untrusted text is shown as it is,
but on one line each and without control characters (no forged lines or escapes).
"""

from __future__ import annotations

import textwrap


from horizon.digest import Digest, Entry
from horizon.text import safe_url
from outputs import tracked, view
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


class TextWriter(Writer):
    """UTF-8 plain text, wrapped at 76 columns."""

    format = "text"
    filename = "digest.txt"
    media_type = "text/plain; charset=utf-8"
    Options = SummaryLayoutOptions

    def render(self, digest: Digest) -> bytes:
        return self.render_text(digest).encode("utf-8")

    def render_text(self, digest: Digest) -> str:
        """The digest as a string (the e-mail's text part)."""
        o, head = self.options, view.headline(digest)
        title = view.one_line(f"{digest.title} – {digest.week}")
        since = f", changes since {digest.since.isoformat()}" if digest.since else ""
        out = [
            title,
            "=" * min(len(title), WIDTH),
            f"Week {view.one_line(digest.week)}{since}, generated {digest.generated:%Y-%m-%d %H:%M}",
            "",
        ]
        out += tracked.text(digest, _wrap)  # the digest opens with tracked technologies
        out += [head.sentence(), ""]
        out += [f"  {view.one_line(name)}: {count}" for _, name, count in head.per_area]
        if digest.summary.failed:
            out += ["", "Some sources failed:"] + [
                f"  {view.one_line(view.source_line(s))}" for s in digest.summary.failed
            ]
        top = digest.top(o.top)
        out += ["", f"TOP {len(top)} THIS WEEK" if top else "THIS WEEK", ""]
        if not top:
            out.append("Nothing new matched a priority area this week.")
        out += [line for i, e in enumerate(top, 1) for line in self.entry(digest, e, i, None)]
        for area in digest.areas:
            section = digest.section(area.id)
            name = view.one_line(area.name).upper()
            out += ["", name, "-" * min(len(name), WIDTH), *_wrap(area.description, ""), ""]
            if not section:
                out.append("Nothing new in this area this week.")
            for i, e in enumerate(section[: o.top_n], 1):
                out += self.entry(digest, e, i, area.id)
            if len(section) > o.top_n:
                out += [f"Also new in {view.one_line(area.name)}:"]
                for e in section[o.top_n : o.top_n + o.also_max]:
                    out += _wrap(
                        f"- {e.item.title} ({', '.join(e.sources)}, {e.item.type}, score {e.score:.3f})", "  ", "    "
                    )
                    if url := view.link(e.item):
                        out.append(f"    {url}")
                if (rest := len(section) - o.top_n - o.also_max) > 0:
                    out.append(f"  …and {rest} more: {view.MORE}")
        if digest.register_due:
            out += ["", "REGISTER: DUE FOR REVIEW", ""]
            for d in digest.register_due:
                out += _wrap(f"- {d.title} ({d.stage}, {d.owner or 'no owner'}, review by {d.next_review})", "  ", "    ")
                if url := safe_url(d.url):
                    out.append(f"    {url}")
        out += ["", "RUN SUMMARY", ""]
        out += [f"  {view.one_line(view.source_line(s))}" for s in digest.summary.sources]
        out += [""] + [f"  {view.one_line(name)} {value}" for name, value in view.counts(digest)]
        out += [line for note in digest.summary.notes for line in _wrap(note, "  ")]
        return "\n".join(out) + "\n"

    def entry(self, digest: Digest, e: Entry, rank: int, area_id: str | None) -> list[str]:
        lines = _wrap(f"{rank}. {e.item.title}", "", "   ")
        if url := view.link(e.item):
            lines.append(f"   {url}")
        meta = [", ".join(e.sources), e.item.type, view.when(e.item), view.status(e.item), e.novelty]
        lines += _wrap(" · ".join(m for m in meta if m))
        lines += [line for c in view.changes(e) for line in _wrap(f"changed: {c}")]
        if self.options.summary_chars and e.item.summary:
            lines += _wrap(view.shorten(e.item.summary, self.options.summary_chars))
        for other in e.also:
            lines += _wrap(f"also at {other.source}: {other.title} {view.link(other)}".rstrip())
        if e.technologies:
            lines += _wrap(tracked.entry_names(e.technologies))
        lines += _wrap(
            f"areas: {', '.join(view.area_names(digest, e))}; score {e.score:.3f} = {view.factors(e.factors)}"
        )
        if terms := view.why(e, area_id):
            lines += _wrap(f"why: {', '.join(terms)}")
        return lines + [""]
