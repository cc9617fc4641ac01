"""NICE guidance (sources.md section 3): the public listing pages, scraped with BeautifulSoup.

Selectors are the stable ones (``table#results``, ``time[datetime]``, ``a[href^=/guidance/]``):
NICE's CSS-module class names are hashed in production. The ``from``/``to`` window is on
"Last updated", so an updated guideline comes back with a new ``revised`` date, which the
store reports as a change. The Syndication API needs a key and is used only when one is
set in the environment; without it the scan says so in its notes.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any
from urllib.parse import parse_qs, urljoin, urlsplit

from bs4 import BeautifulSoup, Tag
from pydantic import Field

from horizon.errors import MalformedResponse
from horizon.http import Response
from horizon.items import Extras, Item
from horizon.text import clean, parse_date
from scanners.base import Parsed, Scanner, SourceSettings, json_body
from scanners.safexml import snippet

SITE = "https://www.nice.org.uk"
# Reference prefix -> programme (sources.md 3e); longest prefixes first so MTG is not read as MT.
PROGRAMMES = {
    "HST": "Highly specialised technologies guidance", "HTE": "HealthTech guidance (early use)",
    "MTG": "Medical technologies guidance", "MIB": "Medtech innovation briefing",
    "IPG": "Interventional procedures guidance", "TA": "Technology appraisal guidance",
    "NG": "NICE guideline", "CG": "Clinical guideline", "PH": "Public health guideline",
    "SC": "Social care guideline", "SG": "Social care guideline", "QS": "Quality standard",
    "DG": "Diagnostics guidance", "ES": "Evidence summary", "KTT": "Key therapeutic topic",
    "GID": "Guidance in development",
}
_GUIDANCE_HREF = re.compile(r"^/(guidance|advice)/")  # the stable selector: a[href^="/guidance/"]
_PAGE_HREF = re.compile(r"[?&]pa=")
_REF = re.compile(r"^(GID-)?([A-Z]{2,3})(\d+)$")
_EMPTY = ("no results", " 0 results", "showing 0 ")
LISTINGS = {"published": "published", "indevelopment": "in development"}


class NiceSettings(SourceSettings):
    listings: tuple[str, ...] = ("published",)  # also "indevelopment"
    page_size: Annotated[int, Field(ge=10, le=100)] = 50
    syndication_url: str = "https://api.nice.org.uk/services"
    syndication_key_env: str = "NICE_API_KEY"  # the name of the variable, never the key


class Nice(Scanner):
    """Guidance published or updated since the watermark, from each configured listing."""

    name = "nice"
    searches = False  # lists by date only: an ad-hoc scan filters its items by the query
    Settings = NiceSettings
    settings: NiceSettings

    def fetch(self, since: date) -> Iterator[tuple[Response, Parsed]]:
        for listing in self.settings.listings:
            if listing not in LISTINGS:
                self.notes.append(f"{self.source}: unknown listing '{listing}' skipped; known: {', '.join(LISTINGS)}")
                continue
            url = f"{self.settings.base_url.rstrip('/')}/guidance/{listing}"
            page = "1"
            for _ in range(self.settings.max_pages):
                response = self.http.get(self.source, url, params=self.params(since, page), conditional=True)
                if response.status == 304:
                    break
                parsed = self._parse_page(response)
                yield response, parsed
                if not parsed.next_page or parsed.next_page == page:
                    break
                page = parsed.next_page
            else:
                self._stopped_early(f"the {listing} listing")
        yield from self._syndication(since)

    def params(self, since: date, page: str) -> dict[str, str]:
        """Listing filters: the Last-updated window, page size and page (``pa``, 1-based)."""
        return {"from": since.isoformat(), "to": date.today().isoformat(),
                "ps": str(self.settings.page_size), "pa": page}

    def parse(self, raw: bytes) -> Parsed:
        # lxml is several times faster than html.parser here; NICE serves UTF-8, and decoding first
        # spares bs4's charset sniffing, which recompiles regular expressions for every page.
        soup = BeautifulSoup(raw.decode("utf-8", "replace"), "lxml")
        table = soup.find("table", id="results")
        if table is None:
            words = soup.get_text(" ").lower()
            if soup.find("main") is not None and any(w in words for w in _EMPTY):
                return Parsed(skipped=Counter())
            raise MalformedResponse(self.source, f"no results table (table#results) in the listing page ({snippet(raw)})")
        stage = _stage(soup)
        parsed = Parsed(skipped=Counter(), next_page=_next_page(soup))
        for row in (table.tbody or table).find_all("tr"):
            if row.find("td") is None:  # a header row
                continue
            item = parse_row(row, self.source, stage)
            if item is None:
                parsed.skipped["malformed"] += 1
            else:
                parsed.items.append(item)
        return parsed

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


def parse_row(row: Tag, source: str = "nice", stage: str = "published") -> Item | None:
    """One listing row as an Item, or None without a guidance link and reference."""
    link = row.find("a", href=_GUIDANCE_HREF)
    if link is None:
        return None
    href = str(link.get("href", ""))
    title = clean(link.get_text(" "))
    cells = [clean(td.get_text(" ")) for td in row.find_all("td")]
    ref = next((c.upper() for c in cells[1:] if _REF.match(c.upper())), "") or _ref_from_href(href)
    if not title or not ref:
        return None
    dates = [parse_date(str(t["datetime"])) for t in row.find_all("time", datetime=True)]
    published = dates[0] if dates else None
    updated = dates[1] if len(dates) > 1 else published
    withdrawn = "withdrawn" in title.lower()
    return Item(
        id=f"nice:{ref}",
        source=source,
        type="guidance",
        title=title,
        url=urljoin(SITE, href),
        published=published if stage == "published" else None,
        updated=updated,
        extras=Extras(
            status="withdrawn" if withdrawn else stage,
            programme=programme(ref),
            sponsor="NICE",
            countries=("England",),
            revised=updated if stage == "published" else None,
        ),
    )


def programme(ref: str) -> str | None:
    """The guidance programme a reference number belongs to (``TA1000`` -> technology appraisal)."""
    m = _REF.match(ref.upper())
    if not m:
        return None
    return PROGRAMMES["GID"] if m.group(1) else PROGRAMMES.get(m.group(2))


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
    if not _REF.match(ref) or not title:
        return None
    updated = parse_date(entry.get("LastModified") or entry.get("LastUpdated"))
    return Item(id=f"nice:{ref}", source=source, type="guidance", title=title,
                url=f"{SITE}/guidance/{ref.lower()}", published=parse_date(entry.get("PublishedDate")),
                updated=updated, extras=Extras(status="published", programme=programme(ref), sponsor="NICE",
                                               countries=("England",), revised=updated))


def _ref_from_href(href: str) -> str:
    last = urlsplit(href).path.rstrip("/").rsplit("/", 1)[-1].upper()
    return last if _REF.match(last) else ""


def _stage(soup: BeautifulSoup) -> str:
    """Which listing a page is: the current tab of the stages nav, else "published"."""
    current = next((a for nav in soup.find_all("nav") for a in nav.find_all("a", attrs={"aria-current": ["true", "page"]})), None)
    href = str(current.get("href", "")) if current else ""
    return LISTINGS.get(href.rstrip("/").rsplit("/", 1)[-1], "published")


def _next_page(soup: BeautifulSoup) -> str | None:
    """The ``pa`` of the "Next page" link, if there is one."""
    for link in soup.find_all("a", href=_PAGE_HREF):
        if "next" in link.get_text(" ").lower():
            values = parse_qs(urlsplit(str(link.get("href", ""))).query).get("pa")
            if values and values[0].isdigit():
                return values[0]
    return None
