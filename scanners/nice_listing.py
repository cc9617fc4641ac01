"""One NICE guidance listing page (``/guidance/published``, ``/guidance/indevelopment``...) as items.

The markup is NICE's next-web site code (github.com/nice-digital/next-web, ``web/src/pages/guidance``):
each listing has its own columns, named by the table's ``th`` cells, and each row links to
``publicRuntimeConfig.baseURL + pathAndQuery``, an absolute ``https://www.nice.org.uk/guidance/...``
URL (older markup and our own fixtures use relative ``/guidance/...`` links). Which listing a page
is comes from the page itself (the current tab, else the last breadcrumb), so a saved page parses
the same without knowing the URL it came from; the status of every row is that listing's.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qs, urlsplit

from bs4 import BeautifulSoup, Tag

from horizon.items import Extras, Item
from horizon.text import clean, parse_date

SITE = "https://www.nice.org.uk"
# Listing path -> the status of every row in it. The page names itself by the same words.
LISTINGS = {
    "published": "published", "indevelopment": "in development", "inconsultation": "in consultation",
    "awaiting-development": "awaiting development", "terminated": "terminated", "deferred": "deferred",
    "prioritisation": "topic prioritisation", "proposed": "proposed",
}
# The listings whose date filter is on a future date (expected publication, consultation end) or
# that have none: asking them for from=<since>&to=<today> would hide what is coming.
UNWINDOWED = frozenset({"indevelopment", "inconsultation", "awaiting-development", "proposed"})
_BY_WORDS = {status: status for status in LISTINGS.values()}
# Reference prefix -> programme (sources.md 3e); GID ids are guidance still in development.
PROGRAMMES = {
    "HST": "Highly specialised technologies guidance", "HTE": "HealthTech guidance (early use)",
    "MTG": "Medical technologies guidance", "MIB": "Medtech innovation briefing",
    "IPG": "Interventional procedures guidance", "TA": "Technology appraisal guidance",
    "NG": "NICE guideline", "CG": "Clinical guideline", "PH": "Public health guideline",
    "SC": "Social care guideline", "SG": "Social care guideline", "QS": "Quality standard",
    "DG": "Diagnostics guidance", "ES": "Evidence summary", "KTT": "Key therapeutic topic",
    "GID": "Guidance in development",
}
# Published references are 2-3 letters and a number (TA1000); in-development ids take a longer
# programme code after GID- (next-web's own fixtures hold GID-CGWAVE0725 beside GID-NG10145).
REF = re.compile(r"^(?:(GID-)([A-Z]+)|()([A-Z]{2,3}))(\d+)$")
_PAGE_HREF = re.compile(r"[?&]pa=")
# Column heading (lower case) -> what the cell holds. Unknown columns are ignored.
_COLUMNS = {
    "title": "title", "reference number": "ref", "published": "published", "last updated": "updated",
    "expected publication date": "expected", "consultation end date": "expected", "type": "type",
    "guidance programme": "type", "consultation": "category", "decision": "category",
    "terminated date": "updated", "deferred date": "updated", "decision date": "updated",
}


@dataclass
class Listing:
    """What one listing page held: items, rows skipped by reason, the listing's status and the next page."""

    items: list[Item]
    skipped: Counter[str]
    status: str | None
    next_page: str | None


def parse_listing(soup: BeautifulSoup, table: Tag, source: str, requested: str | None = None) -> Listing:
    """Every row of ``table#results``; ``requested`` (a listing path) is used only if the page does not say."""
    status = page_status(soup) or LISTINGS.get(requested or "")
    columns = _columns(table)
    out = Listing(items=[], skipped=Counter(), status=status, next_page=_next_page(soup))
    for row in (table.tbody or table).find_all("tr"):
        if row.find("td") is None:  # a header row
            continue
        cells = row.find_all("td")
        if status == "in development" and cells and cells[0].find("a") is None and cells[0].find("span"):
            # next-web renders in-development advice without a page of its own as bare text ("not_a_real_url").
            out.skipped["no-page"] += 1
            continue
        item = parse_row(row, source, status, columns)
        if item is None:
            out.skipped["malformed"] += 1
        else:
            out.items.append(item)
    return out


def parse_row(row: Tag, source: str = "nice", status: str | None = "published",
              columns: list[str] | None = None) -> Item | None:
    """One listing row as an Item, or None without a NICE guidance link and reference."""
    link = next((a for a in row.find_all("a", href=True) if guidance_path(str(a["href"]))), None)
    if link is None:
        return None
    path = guidance_path(str(link["href"])) or ""
    title = clean(link.get_text(" "))
    cells = row.find_all("td")
    by_kind = _cells_by_kind(cells, columns)
    ref = _ref(by_kind.get("ref"), cells, columns) or ref_from_path(path)
    if not title or not ref:
        return None
    published, updated, expected = _dates(by_kind, row, columns)
    if status == "published":
        updated = updated or published
    withdrawn = "withdrawn" in title.lower()
    kind = clean(by_kind["type"].get_text(" ")) if "type" in by_kind else ""
    category = clean(by_kind["category"].get_text(" ")) if "category" in by_kind else ""
    return Item(
        id=f"nice:{ref}", source=source, type="guidance", title=title, url=SITE + path,
        published=published, updated=updated,
        extras=Extras(
            status="withdrawn" if withdrawn else status, programme=kind or programme(ref),
            sponsor="NICE", countries=("England",), categories=(category,) if category and category != "n/a" else (),
            revised=updated if status == "published" else None,
            completion=expected, completion_estimated=True if expected else None,
            completion_precision="day" if expected else None,
        ),
    )


def guidance_path(href: str) -> str | None:
    """The path (and query) of a link to NICE guidance or advice, relative or on a nice.org.uk host."""
    parts = urlsplit(href.strip())
    if parts.scheme or parts.netloc:
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or not (host == "nice.org.uk" or host.endswith(".nice.org.uk")):
            return None
    if not re.match(r"^/(guidance|advice)/\S", parts.path):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def ref_from_path(path: str) -> str:
    """``/guidance/cg181``, ``/guidance/indevelopment/gid-ng10145``, ``/guidance/gid-ng10160/consultation/...``."""
    for segment in urlsplit(path).path.split("/")[2:]:
        if REF.match(segment.upper()):
            return segment.upper()
    return ""


def programme(ref: str) -> str | None:
    """The guidance programme a reference number belongs to (``TA1000`` -> technology appraisal)."""
    m = REF.match(ref.upper())
    if not m:
        return None
    if m.group(1):  # GID-TA11000: a technology appraisal in development
        return PROGRAMMES.get(m.group(2)) or PROGRAMMES["GID"]
    return PROGRAMMES.get(m.group(4))


def page_status(soup: BeautifulSoup) -> str | None:
    """Which listing a page is: the current tab of the stages nav, else the last breadcrumb."""
    for nav in soup.find_all("nav"):
        for a in nav.find_all("a", attrs={"aria-current": ["true", "page"]}):
            listing = str(a.get("href", "")).rstrip("/").rsplit("/", 1)[-1]
            if listing in LISTINGS:
                return LISTINGS[listing]
    crumbs = soup.select("ol.breadcrumbs li")
    if crumbs:
        return _BY_WORDS.get(clean(crumbs[-1].get_text(" ")).lower())
    return None


def _columns(table: Tag) -> list[str]:
    head = table.thead or table
    row = head.find("tr")
    headers = [clean(th.get_text(" ")).lower() for th in row.find_all("th")] if row else []
    return [_COLUMNS.get(h, "") for h in headers]


def _cells_by_kind(cells: list[Tag], columns: list[str] | None) -> dict[str, Tag]:
    if not columns:
        return {}
    return {kind: cell for kind, cell in zip(columns, cells) if kind}


def _ref(cell: Tag | None, cells: list[Tag], columns: list[str] | None) -> str:
    candidates = [cell] if cell is not None else ([] if columns else cells[1:])
    texts = (clean(c.get_text(" ")).upper() for c in candidates)
    return next((t for t in texts if REF.match(t)), "")


def _dates(by_kind: dict[str, Tag], row: Tag,
           columns: list[str] | None) -> tuple[date | None, date | None, date | None]:
    """(published, updated, expected) by column; without headings, the first two ``time``s."""
    def when(kind: str) -> date | None:
        cell = by_kind.get(kind)
        stamp = cell.find("time", datetime=True) if cell is not None else None
        return parse_date(str(stamp["datetime"])) if stamp is not None else None

    if columns:
        return when("published"), when("updated"), when("expected")
    stamps = [parse_date(str(t["datetime"])) for t in row.find_all("time", datetime=True)]
    return (stamps[0] if stamps else None), (stamps[1] if len(stamps) > 1 else None), None


def _next_page(soup: BeautifulSoup) -> str | None:
    """The ``pa`` of the "Next page" link, if there is one."""
    for link in soup.find_all("a", href=_PAGE_HREF):
        if "next" in link.get_text(" ").lower():
            values = parse_qs(urlsplit(str(link.get("href", ""))).query).get("pa")
            if values and values[0].isdigit():
                return values[0]
    return None
