"""medRxiv (sources.md section 5): preprints from ``/details/medrxiv/{from}/{to}/{cursor}/json``.

The cursor is an absolute offset and a wrong step silently skips records, so it is
stepped by what the server says it sent (``messages[0].count``), never by a constant.
Every version of a preprint is its own row: only the highest version per DOI is kept,
across all pages, so the pages of one scan are read before any is yielded.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import date
from typing import Any

from horizon.errors import MalformedResponse
from horizon.items import Extras, Item
from horizon.text import clean, parse_date
from scanners.base import Parsed, Scanner, SourceSettings, json_body, json_shape
from scanners.http import Response
from scanners.safexml import snippet


class MedrxivSettings(SourceSettings):
    server: str = "medrxiv"  # or "biorxiv": same API


class Medrxiv(Scanner):
    """Preprints posted or revised since the watermark (every category; the classifier sorts them)."""

    name = "medrxiv"
    searches = False  # lists by date only: an ad-hoc scan filters its items by the query
    Settings = MedrxivSettings
    settings: MedrxivSettings

    def fetch(self, since: date) -> Iterator[tuple[Response, Parsed]]:
        interval = f"{since.isoformat()}/{date.today().isoformat()}"
        pages: list[tuple[Response, Parsed]] = []
        cursor = 0
        for _ in range(self.settings.max_pages):
            url = f"{self.settings.base_url.rstrip('/')}/details/{self.settings.server}/{interval}/{cursor}/json"
            response = self.http.get(self.source, url)
            parsed = self._parse_page(response)
            pages.append((response, parsed))
            if parsed.next_page is None:
                break
            cursor = int(parsed.next_page)
        else:
            self._stopped_early(f"{self.settings.server} preprints")
        best: dict[str, tuple[int, Item]] = {}
        for _, parsed in pages:
            for version, item in ((_version_of(i), i) for i in parsed.items):
                if item.id not in best or version > best[item.id][0]:
                    best[item.id] = (version, item)
        kept = {id(item) for _, item in best.values()}
        for response, parsed in pages:
            before = len(parsed.items)
            parsed.items = [i for i in parsed.items if id(i) in kept]
            parsed.skipped["older-version"] += before - len(parsed.items)
            yield response, parsed

    def parse(self, raw: bytes) -> Parsed:
        try:
            doc = json_body(raw)
        except (ValueError, UnicodeDecodeError) as err:
            raise MalformedResponse(self.source, f"response is not JSON ({snippet(raw)})") from err
        if not isinstance(doc, dict) or not isinstance(doc.get("messages"), list) or not doc["messages"]:
            raise MalformedResponse(self.source, f"response has no 'messages' block ({json_shape(doc)}); "
                                                 "not a bioRxiv/medRxiv details response")
        collection = doc.get("collection") or []
        if not isinstance(collection, list):
            raise MalformedResponse(self.source, "'collection' is not a list")
        if not collection and (sent := _count(doc["messages"][0])):
            raise MalformedResponse(self.source, f"'messages' says {sent} posts were sent but 'collection' holds none "
                                                 f"({json_shape(doc)}): the response format may have changed")
        parsed = Parsed(skipped=Counter(), next_page=_next_cursor(doc["messages"][0]))
        best: dict[str, tuple[int, Item]] = {}
        for row in collection:
            item = parse_preprint(row, self.source)
            if item is None:
                parsed.skipped["malformed"] += 1
                continue
            version = _version_of(item)
            if item.id in best:
                parsed.skipped["older-version"] += 1
                if version <= best[item.id][0]:
                    continue
            best[item.id] = (version, item)
        parsed.items = [item for _, item in best.values()]
        return parsed


def parse_preprint(row: Any, source: str = "medrxiv") -> Item | None:
    """One ``collection`` row as an Item, or None without a DOI and title."""
    if not isinstance(row, dict):
        return None
    doi = str(row.get("doi") or "").strip().lower()
    title = clean(row.get("title"))
    if not doi.startswith("10.") or " " in doi or not title:
        return None
    version = str(row.get("version") or "1").strip()
    published = str(row.get("published") or "NA").strip()
    # Licence is per record: an abstract marked cc_no may not be republished in a digest.
    abstract = "" if str(row.get("license", "")).lower() == "cc_no" else \
        clean(separate_headings(str(row.get("abstract") or "")), limit=3000)
    xrefs = [f"doi:{doi}"] + ([f"doi:{published.lower()}"] if published.startswith("10.") else [])
    server = str(row.get("server") or source)
    return Item(
        id=f"medrxiv:{doi}",
        source=source,
        type="literature",
        title=title,
        summary=abstract,
        url=f"https://doi.org/{doi}",
        published=parse_date(row.get("date")) if version == "1" else None,
        updated=parse_date(row.get("date")),
        extras=Extras(
            status=f"v{version}" if version.isdigit() else None,
            programme=f"{server} preprint",
            categories=((clean(row["category"]).capitalize(),)
                        if isinstance(row.get("category"), str) and row["category"] else ()),
            sponsor=clean(row.get("author_corresponding_institution")) or None,
            xrefs=tuple(xrefs),
        ),
    )


# Structured-abstract headings. The API flattens the JATS sections, so a heading arrives glued
# to its text ("BackgroundRestless legs syndrome ...", "...in adults.MethodsWe recruited"), and the
# first one sometimes after a stray section number ("2PurposeTo explore ...").
_HEADINGS = ("Background", "Introduction", "Objectives", "Objective", "Aims", "Aim", "Purpose", "Importance",
             "Context", "Rationale", "Methods and Findings", "Methods", "Design", "Setting", "Participants",
             "Interventions", "Intervention", "Main Outcomes and Measures", "Measurements", "Results", "Findings",
             "Conclusions and Relevance", "Conclusions", "Conclusion", "Interpretation", "Discussion", "Funding",
             "Trial Registration", "Evidence before this study", "Added value of this study",
             "Implications of all the available evidence")
_GLUED = re.compile(r"(^\d{0,2}|(?<=[.!?)\]]))\s*(" + "|".join(map(re.escape, _HEADINGS)) + r")(?=[A-Z0-9(])")


def separate_headings(text: str) -> str:
    """"BackgroundRestless legs ... .MethodsWe" -> "Background: Restless legs ... . Methods: We"."""
    return _GLUED.sub(lambda m: f"{' ' if m.start() else ''}{m.group(2)}: ", text).strip()


def _version_of(item: Item) -> int:
    status = item.extras.status or "v0"
    return int(status[1:]) if status[1:].isdigit() else 0


def _count(message: Any) -> int:
    """How many posts ``messages`` says this page holds (a string or a number)."""
    try:
        return int(message.get("count") or 0) if isinstance(message, dict) else 0
    except (TypeError, ValueError):
        return 0


def _next_cursor(message: Any) -> str | None:
    """The next absolute cursor, stepped by the count actually sent; counts may be strings."""
    if not isinstance(message, dict):
        return None
    try:
        cursor, count, total = (int(message.get(k) or 0) for k in ("cursor", "count", "total"))
    except (TypeError, ValueError):
        return None
    return str(cursor + count) if count > 0 and cursor + count < total else None
