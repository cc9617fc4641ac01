"""Atom feeds (RFC 4287): the digest's top entries, and a running feed with one entry per digest.

Built with ElementTree, which escapes every text node; characters XML 1.0 forbids
are dropped first. Entry ids are tag URIs (RFC 4151) from the digest key, the week
and the item id, so a re-run of the same week yields the same ids and a reader
shows nothing twice; only http(s) links (or relative ones beside the files) are
written. ``digest.atom`` carries what a person reads, the top ``max_entries``
(the full list is in CSV/JSON/XLSX). ``update_feed`` keeps the running feed of
the last 12 digests: one entry a week (title, counts, link to its HTML), so a
feed reader shows one entry a week, not one per item.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated
from urllib.parse import quote, unquote
from xml.etree import ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as DefusedET
from pydantic import Field

from horizon.digest import Digest, Entry
from horizon.errors import OutputError
from horizon.text import safe_url
from outputs import entry_view, tracked, view, words
from outputs.base import Writer, WriterOptions, write_atomic

ATOM = "http://www.w3.org/2005/Atom"
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TAG_SAFE = "/:@!$&'()*+,;=-._~"


def _text(value: object) -> str:
    return _XML_INVALID.sub("", str(value))


def _stamp(value: datetime | date) -> str:
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0), tzinfo=UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class AtomOptions(WriterOptions):
    # RFC 4151 tagging entity: a domain or e-mail you control, and a date you controlled it.
    tag_authority: Annotated[str, Field(pattern=r"^[A-Za-z0-9.@-]+,\d{4}(-\d{2}(-\d{2})?)?$")] = (
        "nhs-ics.github.io,2026"
    )
    link: str = ""  # where the HTML digest is published (http(s)); else "digest.html" beside the feed
    self_url: str = ""  # where this feed is published (http(s)); else "digest.atom", relative
    max_entries: Annotated[int, Field(ge=1, le=1000)] = 25  # the top entries; every entry is in CSV/JSON/XLSX


class AtomWriter(Writer):
    """Atom 1.0, UTF-8."""

    format = "atom"
    filename = "digest.atom"
    media_type = "application/atom+xml"
    Options = AtomOptions
    options: AtomOptions

    def tag(self, *parts: str) -> str:
        """A stable tag URI for the feed (no parts) or for one of its entries."""
        return f"tag:{self.options.tag_authority}:" + quote("/".join(parts), safe=_TAG_SAFE)

    def render(self, digest: Digest) -> bytes:
        return _serialise(self.feed(digest, f"{digest.title} – {digest.week}"))

    def _head(self, digest: Digest, title: str, alternate: str, self_href: str, more: str = "") -> ET.Element:
        feed = ET.Element(f"{{{ATOM}}}feed")
        self._add(feed, "id", self.tag(digest.key))
        self._add(feed, "title", title)
        self._add(feed, "subtitle", view.headline(digest).sentence() + more)
        self._add(feed, "updated", _stamp(digest.generated))
        self._add(ET.SubElement(feed, f"{{{ATOM}}}author"), "name", "horizon-scanning")
        self._add(feed, "generator", "horizon-scanning")
        ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=alternate)
        ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", type="application/atom+xml", href=self_href)
        return feed

    def feed(self, digest: Digest, title: str) -> ET.Element:
        """The feed element with one entry per top-ranked item of ``digest``."""
        o = self.options
        more = f"; the top {o.max_entries} here, {view.MORE}" if len(digest.entries) > o.max_entries else ""
        feed = self._head(digest, title, safe_url(o.link) or "digest.html", safe_url(o.self_url) or "digest.atom", more)
        names = {a.id: a.name for a in digest.areas}
        for rank, entry in enumerate(digest.entries[: o.max_entries], 1):
            self._entry(feed, digest, entry, rank, names)
        return feed

    def update(self, path: str | Path, digest: Digest, weeks: int = 12) -> Path:
        """Merge ``digest`` into a running feed of the last ``weeks`` digests at ``path``: one entry each.

        One URL that readers subscribe to: this week's entry replaces any from an
        earlier run of the same week, and weeks beyond ``weeks`` fall off.
        """
        path = Path(path)
        html = safe_url(self.options.link) or f"{quote(digest.week)}/digest.html"
        feed = self._head(digest, digest.title, html, safe_url(self.options.self_url) or quote(path.name))
        prefix = self.tag(digest.key) + "/"
        older: dict[str, ET.Element] = {}
        for entry in _read_entries(path):
            entry_id = entry.findtext(f"{{{ATOM}}}id") or ""
            if entry_id.startswith(prefix):
                week, _, item = unquote(entry_id[len(prefix) :]).partition("/")
                if week != digest.week and not item:  # per-item entries of older versions are left out
                    older[week] = entry
        feed.append(self._digest_entry(digest, html))
        for week in sorted(older, reverse=True)[: max(weeks - 1, 0)]:
            feed.append(older[week])
        return write_atomic(path, _serialise(feed))

    def _digest_entry(self, digest: Digest, html: str) -> ET.Element:
        """One digest as one feed entry: its title, counts, top titles and a link to its HTML."""
        node = ET.Element(f"{{{ATOM}}}entry")
        self._add(node, "id", self.tag(digest.key, digest.week))
        self._add(node, "title", f"{digest.title} – {digest.week}")
        self._add(node, "updated", _stamp(digest.generated))
        ET.SubElement(node, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=html)
        head = view.headline(digest)
        lines = [head.sentence() + "."]
        if digest.safety:
            lines.append(f"{len(digest.safety)} safety notice(s): "
                         "" + "; ".join(words.flagged_title(e.item) for e in digest.safety[:3]))
        if digest.tracked:
            lines.append("Technologies you track with new evidence: " + ", ".join(t.name for t in digest.tracked))
        lines += [f"{rank}. {words.flagged_title(e.item)}" for rank, e in enumerate(view.top(digest, 5), 1)]
        self._add(node, "summary", "\n".join(lines)).set("type", "text")
        return node

    def _entry(self, feed: ET.Element, digest: Digest, entry: Entry, rank: int, names: dict[str, str]) -> None:
        item = entry.item
        node = ET.SubElement(feed, f"{{{ATOM}}}entry")
        self._add(node, "id", self.tag(digest.key, digest.week, item.id))
        self._add(node, "title", words.flagged_title(item))
        self._add(node, "updated", _stamp(item.updated or item.published or digest.generated))
        if item.published:
            self._add(node, "published", _stamp(item.published))
        if url := view.link(item):
            ET.SubElement(node, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=url)
        for other in entry.also:
            if url := view.link(other):
                ET.SubElement(
                    node, f"{{{ATOM}}}link", rel="related", type="text/html", href=url, title=_text(other.title)
                )
        for area in entry.classification.areas:
            ET.SubElement(node, f"{{{ATOM}}}category", term=area, label=_text(names.get(area, area)))
        v = entry_view.of(digest, entry)
        lines = [f"#{rank} · " + " · ".join(v.meta)]
        lines += [f"Changed: {c}" for c in v.changes]
        if entry.technologies:
            lines.append(tracked.entry_names(entry.technologies))
        lines.append(v.short_summary(2000))
        lines.append(f"score {entry.score:.3f} = {v.factors}")
        if terms := v.terms():
            lines.append(f"why: {', '.join(terms)}")
        # type="text": readers show it verbatim, so no untrusted text is ever parsed as HTML.
        self._add(node, "summary", "\n".join(lines)).set("type", "text")

    @staticmethod
    def _add(parent: ET.Element, name: str, text: str) -> ET.Element:
        child = ET.SubElement(parent, f"{{{ATOM}}}{name}")
        child.text = _text(text)
        return child


def _serialise(feed: ET.Element) -> bytes:
    ET.register_namespace("", ATOM)
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def _read_entries(path: Path) -> list[ET.Element]:
    """The entries of an existing feed file (none if there is no file yet)."""
    if not path.exists():
        return []
    try:
        root = DefusedET.parse(path).getroot()
    except (DefusedET.ParseError, DefusedXmlException, OSError) as err:
        raise OutputError(f"{path}: not a readable Atom feed ({err}); move it aside to start a new feed") from err
    if root.tag != f"{{{ATOM}}}feed":
        raise OutputError(f"{path}: not an Atom feed (root element {root.tag}); move it aside to start a new feed")
    return root.findall(f"{{{ATOM}}}entry")


def update_feed(path: str | Path, digest: Digest, weeks: int = 12, **options: object) -> Path:
    """Merge ``digest`` into the running feed at ``path`` (e.g. ``<output_dir>/feed.atom``)."""
    return AtomWriter(**options).update(path, digest, weeks)
