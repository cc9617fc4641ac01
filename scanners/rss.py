"""Any RSS or Atom feed (NHS England, NIHR, Health Innovation Network news, GOV.UK finders).

Bytes come through ``HttpClient`` (timeouts, size cap, conditional requests); feedparser
only parses them and is never handed a URL, so it never fetches anything itself. Feeds
cannot filter by date, so entries older than ``since`` are dropped here and paging (when
a feed has a page parameter) stops at the first page that reaches back past ``since``.
A feed with a recoverable defect is parsed and counted (``malformed-feed``); a body that
is not a feed at all is an error of the source.
"""

from __future__ import annotations

import codecs
import re
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any, Literal
from urllib.parse import quote, urljoin

import feedparser
from pydantic import BaseModel, ConfigDict

from horizon.errors import HttpStatusError, MalformedResponse
from horizon.items import Extras, Item
from horizon.text import clean, safe_url
from scanners.base import Parsed, Scanner, SourceSettings
from scanners.http import Response
from scanners.safexml import bad_utf8, snippet

_ENTITY_DECL = re.compile(r"<!ENTITY", re.I)


class Feed(BaseModel):
    """One feed: a path under the source's base_url (or a full URL) and what its entries are."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str
    type: Literal["news", "innovation", "safety", "guidance", "literature"] = "news"
    page_param: str | None = None  # e.g. "page" (GOV.UK finders) or "paged" (WordPress)


class RssSettings(SourceSettings):
    feeds: tuple[Feed, ...] = ()


class Rss(Scanner):
    """Entries of every configured feed dated on or after ``since`` (undated entries kept)."""

    name = "rss"
    searches = False  # lists by date only: an ad-hoc scan filters its items by the query
    Settings = RssSettings
    settings: RssSettings

    def fetch(self, since: date) -> Iterator[tuple[Response, Parsed]]:
        if not self.settings.feeds:
            self.notes.append(f"{self.source}: no feeds configured")
        for feed in self.settings.feeds:
            url = urljoin(self.settings.base_url.rstrip("/") + "/", feed.path.lstrip("/")) \
                if not feed.path.startswith(("http://", "https://")) else feed.path
            for page in range(1, self.settings.max_pages + 1):
                params = {feed.page_param: str(page)} if feed.page_param and page > 1 else None
                try:
                    response = self.http.get(self.source, url, params=params, conditional=True)
                except HttpStatusError as err:
                    if page > 1 and err.status == 404:  # WordPress answers 404 past its last page: the end
                        break
                    raise
                if response.status == 304:
                    break
                parsed = self._parse_feed(response.body, feed.type, response.headers)
                reached_back = any(i.updated and i.updated < since for i in parsed.items) or not parsed.items
                kept = [i for i in parsed.items if not (i.updated and i.updated < since)]
                parsed.skipped["before-since"] += sum(1 for i in parsed.items if i.updated and i.updated < since)
                parsed.items = kept
                yield response, parsed
                if not feed.page_param or reached_back:
                    break
            else:
                self._stopped_early(feed.path)

    def parse(self, raw: bytes, headers: Mapping[str, str] | None = None) -> Parsed:
        """One feed body; ``headers`` (the response's) carry the charset a feed may not declare itself."""
        return self._parse_feed(raw, self.settings.feeds[0].type if self.settings.feeds else "news", headers)

    def parse_response(self, raw: bytes, headers: Mapping[str, str]) -> Parsed:
        return self.parse(raw, headers)

    def _parse_feed(self, raw: bytes, item_type: str, headers: Mapping[str, str] | None = None) -> Parsed:
        charset_header = _header_charset(headers or {})
        codec = _bom_codec(raw) or charset_header
        if _ENTITY_DECL.search(_head_text(raw, codec)):
            raise MalformedResponse(self.source, "feed refused: it declares XML entities")
        # feedparser would re-read the whole feed as windows-1252: mark only the bad bytes
        if codec is None and bad_utf8(raw):
            raw = raw.decode("utf-8", "replace").encode("utf-8")
        # feedparser decodes: byte-order marks, the XML declaration and the HTTP charset, which wins (RFC 3023).
        # Only a charset is passed on: a bare text/xml would make feedparser assume US-ASCII.
        given = {"content-type": _content_type(headers or {})} if charset_header else {}
        doc = feedparser.parse(raw, resolve_relative_uris=False, response_headers=given)  # sanitising drops <script>
        if not doc.get("version") and not doc.entries:
            raise MalformedResponse(self.source, f"response is not an RSS or Atom feed ({snippet(raw)})")
        parsed = Parsed(skipped=Counter())
        if doc.get("bozo"):
            parsed.skipped["malformed-feed"] += 1  # usable but defective: counted, not hidden
        base = doc.feed.get("link") or self.settings.base_url
        for entry in doc.entries:
            item = parse_entry(entry, self.source, item_type, base)
            if item is None:
                parsed.skipped["malformed"] += 1
            else:
                parsed.items.append(item)
        return parsed


# Longest first: a UTF-32 LE mark starts with the UTF-16 LE one.
_BOMS = ((codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF8, "utf-8"),
         (codecs.BOM_UTF16_BE, "utf-16-be"), (codecs.BOM_UTF16_LE, "utf-16-le"))
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.I)


def _bom_codec(raw: bytes) -> str | None:
    return next((codec for bom, codec in _BOMS if raw.startswith(bom)), None)


def _content_type(headers: Mapping[str, str]) -> str:
    return next((v for k, v in headers.items() if k.lower() == "content-type"), "")


def _header_charset(headers: Mapping[str, str]) -> str | None:
    """The charset an HTTP Content-Type names, if Python knows it."""
    m = _CHARSET.search(_content_type(headers))
    if not m:
        return None
    try:
        return codecs.lookup(m.group(1)).name
    except LookupError:
        return None


def _head_text(raw: bytes, codec: str | None) -> str:
    """The first few KB as text, so an entity declaration is seen in UTF-16 as in UTF-8."""
    try:
        return raw[:16384].decode(codec or "utf-8", "ignore")
    except LookupError:
        return raw[:16384].decode("utf-8", "ignore")


def parse_entry(entry: Any, source: str, item_type: str = "news", base: str = "") -> Item | None:
    """One feed entry as an Item, or None without a title and an http(s) link or id."""
    title = clean(entry.get("title"))
    link = safe_url(urljoin(base, entry.get("link") or "")) if entry.get("link") else ""
    key = str(entry.get("id") or "").strip() or link  # guid/id is the entry's identity; links can repeat
    if not title or not key:
        return None
    summary = entry.get("summary") or ""
    if not summary and entry.get("content"):
        summary = entry["content"][0].get("value", "")
    # dict.get: FeedParserDict.get("updated_parsed") falls back to published with a DeprecationWarning.
    published = _date(dict.get(entry, "published_parsed"))
    updated = _date(dict.get(entry, "updated_parsed")) or published
    tags = tuple(dict.fromkeys(c for t in entry.get("tags") or [] if (c := clean(t.get("term") or t.get("label")))))
    return Item(
        id=f"{source}:{quote(key, safe=':/?#[]@!$&()*+,;=%-._~')}",
        source=source,
        type=item_type,  # type: ignore[arg-type]
        title=title,
        summary=clean(summary, limit=3000, markup=True),  # feed summaries are HTML
        url=link,
        published=published or updated,  # GOV.UK Atom has no <published>: its updated is the best we have
        updated=updated,
        extras=Extras(categories=tags),
    )


def _date(parsed: time.struct_time | None) -> date | None:
    if not parsed:
        return None
    try:
        return date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
    except ValueError:
        return None
