"""GOV.UK Search API (sources.md section 4b): MHRA Drug Safety Update and device/drug alerts.

One request per finder format, windowed by ``filter_public_timestamp=from:`` and paged
with ``start``/``count`` until ``total``. Facets (alert type, therapeutic area, medical
specialism) become categories, which the classifier reads.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field

from horizon.errors import MalformedResponse
from horizon.items import Extras, Item
from horizon.text import clean, parse_date, safe_url
from scanners.base import Parsed, Scanner, SourceSettings, json_body, json_shape
from scanners.http import Response
from scanners.safexml import snippet

SITE = "https://www.gov.uk"
FACETS = ("alert_type", "therapeutic_area", "medical_specialism")
FORMAT_NAMES = {"drug_safety_update": "Drug Safety Update", "medical_safety_alert": "MHRA alert"}


class GovukSettings(SourceSettings):
    formats: tuple[str, ...] = ("drug_safety_update", "medical_safety_alert")
    page_size: Annotated[int, Field(ge=1, le=1500)] = 100
    item_type: Literal["safety", "news", "guidance"] = "safety"


class Govuk(Scanner):
    """Documents of each configured format published or updated since the watermark."""

    name = "govuk"
    searches = False  # lists by date only: an ad-hoc scan filters its items by the query
    Settings = GovukSettings
    settings: GovukSettings

    def fetch(self, since: date) -> Iterator[tuple[Response, Parsed]]:
        url = self.settings.base_url.rstrip("/") + "/api/search.json"
        for fmt in self.settings.formats:
            start = "0"
            for _ in range(self.settings.max_pages):
                response = self.http.get(self.source, url, params=self.params(fmt, since, start))
                parsed = self._parse_page(response)
                yield response, parsed
                if not parsed.next_page:
                    break
                start = parsed.next_page
            else:
                self._stopped_early(fmt)

    def params(self, fmt: str, since: date, start: str) -> dict[str, str]:
        """Search filters: one format, the public-timestamp window, newest first, one page."""
        fields = ("title", "description", "link", "public_timestamp", "first_published_at", "format", "organisations",
                  *FACETS)
        return {
            "filter_format": fmt,
            "filter_public_timestamp": f"from:{since.isoformat()}",
            "order": "-public_timestamp",
            "count": str(self.settings.page_size),
            "start": start,
            "fields": ",".join(fields),
        }

    def parse(self, raw: bytes) -> Parsed:
        try:
            doc = json_body(raw)
        except (ValueError, UnicodeDecodeError) as err:
            raise MalformedResponse(self.source, f"response is not JSON ({snippet(raw)})") from err
        if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
            raise MalformedResponse(self.source, f"response has no 'results' list ({json_shape(doc)}); "
                                                 "not a GOV.UK search API response")
        parsed = Parsed(skipped=Counter(), next_page=_next_start(doc))
        for result in doc["results"]:
            item = parse_result(result, self.source, self.settings.item_type)
            if item is None:
                parsed.skipped["malformed"] += 1
            else:
                parsed.items.append(item)
        return parsed


def parse_result(result: Any, source: str = "govuk", item_type: str = "safety") -> Item | None:
    """One search result as an Item, or None without a GOV.UK path and a title."""
    if not isinstance(result, dict):
        return None
    link = result.get("link")
    title = clean(result.get("title"))
    if not isinstance(link, str) or not link.startswith("/") or " " in link or not title:
        return None
    categories = tuple(dict.fromkeys(v for facet in FACETS for v in _labels(result.get(facet))))
    fmt = result.get("format") if isinstance(result.get("format"), str) else None
    return Item(
        id=f"govuk:{link.strip('/')}",
        source=source,
        type=item_type,  # type: ignore[arg-type]
        title=title,
        summary=clean(result.get("description"), limit=3000, markup=True),  # descriptions may carry HTML
        url=safe_url(SITE + link),
        published=parse_date(_str(result.get("first_published_at"))),
        updated=parse_date(_str(result.get("public_timestamp"))),
        extras=Extras(programme=FORMAT_NAMES.get(fmt or "", fmt), categories=categories,
                      sponsor=_publishers(result.get("organisations")) or ("MHRA" if fmt in FORMAT_NAMES else None),
                      countries=("United Kingdom",)),
    )


def _publishers(value: Any) -> str | None:
    """The publishing organisations the result names ("Department for Transport; DVLA"), joined."""
    names = [clean(o.get("title") or o.get("acronym")) for o in value if isinstance(o, dict)] \
        if isinstance(value, list) else []
    return "; ".join(dict.fromkeys(n for n in names if n)) or None


def _labels(value: Any) -> list[str]:
    """Facet values: plain slugs, or ``{"value", "label"}`` objects; the label reads better."""
    values = value if isinstance(value, list) else [value] if value else []
    out = []
    for v in values:
        if isinstance(v, dict):
            v = v.get("label") or v.get("value")
        if isinstance(v, str) and (text := clean(v.replace("-", " ") if v.islower() else v)):
            out.append(text)
    return out


def _next_start(doc: dict[str, Any]) -> str | None:
    """The ``start`` of the next page while ``start + results`` is short of ``total``."""
    try:
        start, total = int(doc.get("start") or 0), int(doc.get("total") or 0)
    except (TypeError, ValueError):
        return None
    following = start + len(doc["results"])
    return str(following) if doc["results"] and following < total else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None
