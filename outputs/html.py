"""The HTML digest: for people, and the e-mail's HTML part.

Jinja2 with autoescape on renders ``templates/digest.html.j2``; every link goes
through ``safe_url``. The page is self-contained and e-mail safe: table layout,
inline CSS, no scripts, nothing fetched from the network.
"""

from __future__ import annotations

from typing import Annotated

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from pydantic import Field

from horizon.digest import Digest
from outputs import view
from outputs.base import Writer, WriterOptions
from outputs.chart import trend_chart

_ENV = Environment(
    loader=PackageLoader("outputs", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=False,
    lstrip_blocks=False,
)


class HtmlOptions(WriterOptions):
    top_n: Annotated[int, Field(ge=1, le=200)] = 10  # entries per area shown in full
    top: Annotated[int, Field(ge=0, le=50)] = 5  # most important items across areas, at the top
    also_max: Annotated[int, Field(ge=0, le=10_000)] = 25  # rows per area in "also new"; keeps e-mail small


class HtmlWriter(Writer):
    """Self-contained, e-mail safe HTML."""

    format = "html"
    filename = "digest.html"
    media_type = "text/html; charset=utf-8"
    Options = HtmlOptions

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
        )
