"""The HTML digest: for people, and the e-mail's HTML part.

Jinja2 with autoescape on renders ``templates/digest.html.j2``; every link goes
through ``safe_url``. The page is self-contained and e-mail safe: table layout,
inline CSS, no scripts, nothing fetched from the network.
"""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from horizon.digest import Digest
from horizon.text import safe_url
from outputs import entry_view, tracked, view
from outputs.base import LayoutOptions, Writer
from outputs.chart import trend_chart
from outputs.words import evidence_words, flagged

_ENV = Environment(
    loader=PackageLoader("outputs", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=False,
    lstrip_blocks=False,
)
_ENV.filters["tech_safe_url"] = safe_url
_ENV.filters["flagged"] = lambda e: flagged(e.title, e.flags)
_ENV.filters["evidence_words"] = lambda e: evidence_words(e.kind, e.source, e.novelty)


SAFETY_SHOWN = 4  # safety notices shown open at the top; the rest one click away, still above everything else


class HtmlOptions(LayoutOptions):
    email: bool = False  # the e-mail's shape: safety, the top_n of each area once, a link to the full digest
    full_url: str = ""  # where the full digest is published (http(s)), linked from the e-mail


class HtmlWriter(Writer):
    """Self-contained, e-mail safe HTML."""

    format = "html"
    filename = "digest.html"
    media_type = "text/html; charset=utf-8"
    Options = HtmlOptions
    options: HtmlOptions

    def render(self, digest: Digest) -> bytes:
        return self.render_text(digest).encode("utf-8")

    def render_text(self, digest: Digest) -> str:
        """The page as a string (the e-mail's HTML part)."""
        o = self.options
        template = _ENV.get_template("digest.html.j2")
        return template.render(
            digest=digest,
            v=view,
            present=entry_view.of,
            head=view.headline(digest),
            safety=digest.safety,
            safety_max=SAFETY_SHOWN,
            top=view.top(digest, o.top),
            per_area=digest.per_area(o.top_n) if o.email else (),
            top_n=o.top_n,
            also_max=o.also_max,
            summary_chars=250 if o.email else 400,
            email=o.email,
            full_url=safe_url(o.full_url),
            chart=None if o.email else trend_chart(digest),  # mail clients drop SVG
            counts=view.counts(digest),
            tracked=tracked, tracked_heading=tracked.TRACKED_HEADING, due_heading=tracked.DUE_HEADING,
        )
