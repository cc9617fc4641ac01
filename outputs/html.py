"""The HTML digest: for people, and the e-mail's HTML part.

Jinja2 with autoescape on renders ``templates/digest.html.j2``; every link goes
through ``safe_url``. The page is self-contained and e-mail safe: table layout,
inline CSS, no scripts, nothing fetched from the network.
"""

from __future__ import annotations


from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from horizon.digest import Digest
from horizon.text import safe_url
from outputs import tracked, view
from outputs.base import LayoutOptions, Writer
from outputs.chart import trend_chart

_ENV = Environment(
    loader=PackageLoader("outputs", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=False,
    lstrip_blocks=False,
)
_ENV.filters["tech_safe_url"] = safe_url


class HtmlWriter(Writer):
    """Self-contained, e-mail safe HTML."""

    format = "html"
    filename = "digest.html"
    media_type = "text/html; charset=utf-8"
    Options = LayoutOptions

    def render(self, digest: Digest) -> bytes:
        return self.render_text(digest).encode("utf-8")

    def render_text(self, digest: Digest) -> str:
        """The page as a string (the e-mail's HTML part)."""
        template = _ENV.get_template("digest.html.j2")
        return template.render(
            digest=digest,
            v=view,
            head=view.headline(digest),
            top=digest.top(self.options.top),
            top_n=self.options.top_n,
            also_max=self.options.also_max,
            chart=trend_chart(digest),
            counts=view.counts(digest),
            tracked=tracked, tracked_heading=tracked.TRACKED_HEADING, due_heading=tracked.DUE_HEADING,
        )
