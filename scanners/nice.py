"""NICE guidance (sources.md section 3): the public listing pages, scraped with BeautifulSoup.

Selectors are the stable ones (``table#results``, its ``th`` headings, ``time[datetime]``, links
to ``/guidance/`` on a nice.org.uk host): NICE's CSS-module class names are hashed in production.
Rows are read in ``scanners.nice_listing``. On the published listing the ``from``/``to`` window is
on "Last updated", so an updated guideline comes back with a new ``revised`` date, which the
store reports as a change. The Syndication API needs a key and is used only when one is
set in the environment; without it the scan says so in its notes.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any

from bs4 import BeautifulSoup
from pydantic import Field, field_validator

from horizon.errors import MalformedResponse
from horizon.items import Extras, Item
from horizon.text import clean, parse_date
from scanners.base import Parsed, Scanner, SourceSettings, json_body
from scanners.http import Response
from scanners.nice_listing import LISTINGS, REF, SITE, UNWINDOWED, parse_listing, programme
from scanners.safexml import snippet

_EMPTY = ("no results", " 0 results", "showing 0 ")


class NiceSettings(SourceSettings):
    listings: tuple[str, ...] = ("published",)  # any of LISTINGS: "indevelopment", "terminated"...
    page_size: Annotated[int, Field(ge=10, le=100)] = 50
    syndication_url: str = "https://api.nice.org.uk/services"
    syndication_key_env: str = "NICE_API_KEY"  # the name of the variable, never the key

    @field_validator("listings")
    @classmethod
    def _known_listings(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        """A misspelt listing is a mistake in sources.yaml, said before any work starts, not a silent skip."""
        unknown = [v for v in value if v not in LISTINGS]
        if unknown:
            raise ValueError(f"unknown listing '{unknown[0]}'; known: {', '.join(LISTINGS)}")
        return value


class Nice(Scanner):
    """Guidance published or updated since the watermark, from each configured listing."""

    name = "nice"
    searches = False  # lists by date only: an ad-hoc scan filters its items by the query
    record_word = "rows"
    layout_hint = "the page layout may have changed"
    Settings = NiceSettings
    settings: NiceSettings

    def fetch(self, since: date) -> Iterator[tuple[Response, Parsed]]:
        for listing in self.settings.listings:
            url = f"{self.settings.base_url.rstrip('/')}/guidance/{listing}"
            page = "1"
            for _ in range(self.settings.max_pages):
                response = self.http.get(self.source, url, params=self.params(since, page, listing), conditional=True)
                if response.status == 304:
                    break
                parsed = self._parse_listing(response, listing)
                yield response, parsed
                if not parsed.next_page or parsed.next_page == page:
                    break
                page = parsed.next_page
            else:
                self._stopped_early(f"the {listing} listing")
        yield from self._syndication(since)

    def params(self, since: date, page: str, listing: str = "published") -> dict[str, str]:
        """Listing filters: the date window (where it is on a past date), page size and page (``pa``, 1-based)."""
        paging = {"ps": str(self.settings.page_size), "pa": page}
        if listing in UNWINDOWED:  # their date filter is on expected publication / consultation end
            return paging
        return {"from": since.isoformat(), "to": date.today().isoformat(), **paging}

    def _parse_listing(self, response: Response, listing: str) -> Parsed:
        try:
            return self.parse(response.body, listing)
        except MalformedResponse as err:
            raise MalformedResponse(self.source, err.reason) from err

    def parse(self, raw: bytes, listing: str | None = None) -> Parsed:
        """One listing page; ``listing`` (the path it was fetched from) names its status if the page does not."""
        # lxml is several times faster than html.parser here; NICE serves UTF-8, and decoding first
        # spares bs4's charset sniffing, which recompiles regular expressions for every page.
        soup = BeautifulSoup(raw.decode("utf-8", "replace"), "lxml")
        table = soup.find("table", id="results")
        if table is None:
            words = soup.get_text(" ").lower()
            if soup.find("main") is not None and any(w in words for w in _EMPTY):
                return Parsed(skipped=Counter())
            raise MalformedResponse(self.source, "no results table (table#results) in the listing page "
                                                 f"({snippet(raw)})")
        page = parse_listing(soup, table, self.source, listing)
        return Parsed(items=page.items, skipped=page.skipped, next_page=page.next_page)

    def _syndication(self, since: date) -> Iterator[tuple[Response, Parsed]]:
        """Guidance from the Syndication API when a key is configured; otherwise a note, not an error."""
        key = os.environ.get(self.settings.syndication_key_env, "").strip()
        if not key:
            self.notes.append(f"{self.source}: NICE Syndication API skipped: set {self.settings.syndication_key_env} "
                              "to use it (listing pages were read instead)")
            return
        url = self.settings.syndication_url.rstrip("/") + "/guidance/index/current.json"
        response = self.http.get(self.source, url, headers={"API-Key": key, "Accept": "application/json"})
        parsed = parse_syndication(response.body, self.source, since)
        yield response, parsed


def parse_syndication(raw: bytes, source: str, since: date) -> Parsed:
    """The Syndication API guidance index (JSON): entries with a title, reference, link and dates."""
    try:
        doc = json_body(raw)
    except (ValueError, UnicodeDecodeError) as err:
        raise MalformedResponse(source, f"Syndication API response is not JSON ({snippet(raw)})") from err
    entries: Any = (doc.get("IndexItems") or doc.get("items") or []) if isinstance(doc, dict) else doc
    parsed = Parsed(skipped=Counter())
    for entry in entries if isinstance(entries, list) else []:
        item = _syndication_item(entry, source)
        if item is None:
            parsed.skipped["malformed"] += 1
        elif (item.updated or date.min) >= since:
            parsed.items.append(item)
    return parsed


def _syndication_item(entry: Any, source: str) -> Item | None:
    if not isinstance(entry, dict):
        return None
    ref = str(entry.get("GuidanceReference") or entry.get("Reference") or "").upper()
    title = clean(entry.get("Title"))
    if not REF.match(ref) or not title:
        return None
    updated = parse_date(entry.get("LastModified") or entry.get("LastUpdated"))
    return Item(id=f"nice:{ref}", source=source, type="guidance", title=title,
                url=f"{SITE}/guidance/{ref.lower()}", published=parse_date(entry.get("PublishedDate")),
                updated=updated, extras=Extras(status="published", programme=programme(ref), sponsor="NICE",
                                               countries=("England",), revised=updated))
