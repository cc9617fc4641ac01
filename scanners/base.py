"""What every scanner is: a name, settings, an IO method and a pure ``parse``.

``fetch`` talks HTTP and yields raw responses for a ``since`` date; ``parse``
turns one saved response into items and can be tested from a file alone.
A scanner knows nothing of classification, ranking or output.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from horizon.bulk import fewer_collections
from horizon.errors import MalformedResponse, SourceError
from horizon.items import Item
from scanners.http import HttpClient, Response

# More than this share of a source's records malformed is a failure of the source, not a warning.
MAX_MALFORMED_SHARE = 0.25


class SourceSettings(BaseModel):
    """Settings every source has; a scanner subclasses this to add its own."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scanner: str | None = None  # the scanner module to use; defaults to the source's key
    enabled: bool = True
    base_url: Annotated[str, Field(pattern=r"^https?://[^\s/?#]+[^\s]*$")]
    queries: tuple[str, ...] = ()
    overlap_days: Annotated[int, Field(ge=0, le=60)] = 2
    lookback_days: Annotated[int, Field(ge=1, le=3650)] = 14
    max_pages: Annotated[int, Field(ge=1, le=10_000)] = 50
    # The publisher's country, for items that name none (NICE, MHRA, NHS England): ranking's UK relevance.
    country: str | None = None


@dataclass
class Parsed:
    """What one response yielded: items, records skipped with their reason, and paging."""

    items: list[Item] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    next_page: str | None = None  # an opaque cursor for the next request, if any


@dataclass
class ScanResult:
    """Everything one source produced in a run, including how it failed, if it did."""

    source: str
    items: list[Item] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    error: str | None = None
    transient: bool = False  # the error may pass if retried later
    notes: list[str] = field(default_factory=list)  # for the run summary: "NICE syndication skipped: ..."

    @property
    def ok(self) -> bool:
        return self.error is None


class Scanner:
    """Base class: subclasses set ``name``, ``Settings`` and implement ``fetch`` and ``parse``."""

    name: ClassVar[str]
    Settings: ClassVar[type[SourceSettings]] = SourceSettings

    def __init__(self, settings: SourceSettings, http: HttpClient, source: str | None = None):
        self.settings = settings
        self.http = http
        self.source = source or self.name  # the key in sources.yaml
        self.notes: list[str] = []  # said once per scan, shown in the run summary

    # How the run summary names this source's records, and what a failure to read them suggests.
    record_word: ClassVar[str] = "records"
    layout_hint: ClassVar[str] = "the response format may have changed"

    # Whether the source searches server-side with ``queries``. A source that only lists
    # (feeds, guidance listings) sets this False: an ad-hoc scan then keeps only its
    # items that mention the query's words.
    searches: ClassVar[bool] = True

    @classmethod
    def for_query(cls, query: str) -> dict[str, Any]:
        """Settings overrides that make this source search for ``query`` (an ad-hoc scan).

        The default replaces the configured ``queries``; a source with its own query
        syntax overrides this to translate the analyst's words into it.
        """
        return {"queries": [query]} if cls.searches else {}

    def fetch(self, since: date) -> Iterator[tuple[Response, Parsed]]:  # pragma: no cover - abstract
        """Request every page changed since ``since``; yield each response with what it parsed to."""
        raise NotImplementedError

    def parse(self, raw: bytes) -> Parsed:  # pragma: no cover - abstract
        """Turn one raw response body into items; malformed records are skipped and counted."""
        raise NotImplementedError

    def parse_response(self, raw: bytes, headers: Mapping[str, str]) -> Parsed:
        """``parse`` for a saved response with its HTTP headers; scanners whose bodies depend on them override it."""
        return self.parse(raw)

    @fewer_collections()  # a scan builds thousands of items: see horizon.bulk
    def scan(self, since: date) -> ScanResult:
        """Run ``fetch`` to the end, keeping what arrived if a later page fails."""
        result = ScanResult(source=self.source)
        self.notes = []
        seen: set[str] = set()  # queries, formats and pages overlap: each id counts once
        try:
            for _response, parsed in self.fetch(since):
                for item in parsed.items:
                    if item.id in seen:
                        result.counts["duplicate"] += 1
                    else:
                        seen.add(item.id)
                        result.items.append(item)
                        result.counts["fetched"] += 1
                for reason, n in parsed.skipped.items():
                    result.counts[reason] += n
        except MalformedResponse as err:
            result.counts["malformed-response"] += 1
            result.error = err.reason
        except SourceError as err:
            result.error = err.reason
            result.transient = err.transient
        if result.error is None:
            result.error = self.silent_zero(result.counts)
        result.notes = list(self.notes)
        if self.settings.country:
            result.items = [self._with_country(i) for i in result.items]
        return result

    def silent_zero(self, counts: Counter[str]) -> str | None:
        """A source whose records were mostly not understood has failed, even if the HTTP went well.

        "nice: 10 rows, 0 understood" means the page layout changed: reporting it as fine with
        0 items would let the team believe nothing was published.
        """
        understood = counts["fetched"] + counts["duplicate"]
        malformed = counts["malformed"]
        records = understood + malformed
        if not malformed or (understood and malformed <= records * MAX_MALFORMED_SHARE):
            return None
        return (f"{records} {self.record_word}, {understood} understood ({malformed} malformed): "
                f"{self.layout_hint}")

    def _with_country(self, item: Item) -> Item:
        if item.extras.countries:
            return item
        extras = item.extras.model_copy(update={"countries": (self.settings.country,)})
        return item.model_copy(update={"extras": extras})

    def _stopped_early(self, what: str) -> None:
        """Say that paging stopped at ``max_pages`` with more to come: a partial scan is never silent."""
        self.notes.append(f"{self.source}: stopped after {self.settings.max_pages} pages of {what} with more to come; "
                          "raise max_pages to read them all")

    def _parse_page(self, response: Response) -> Parsed:
        """Parse a fetched page, naming the source in any error."""
        try:
            return self.parse(response.body)
        except MalformedResponse as err:
            raise MalformedResponse(self.source, err.reason) from err


def json_shape(doc: Any) -> str:
    """What a JSON document looks like, for the one line refusing it: "JSON with keys: collection, messages"."""
    if isinstance(doc, dict):
        return "JSON with keys: " + (", ".join(sorted(map(str, doc))[:5]) or "none")
    return f"a JSON {type(doc).__name__}"


def json_body(raw: bytes) -> Any:
    """``json.loads`` for a response body; bytes that are not UTF-8 become U+FFFD.

    One bad byte in one title should not lose a whole page of records: the item
    keeps a visible replacement character instead. Broken JSON still raises ``ValueError``.
    """
    try:
        return json.loads(raw)
    except UnicodeDecodeError:
        return json.loads(raw.decode("utf-8", "replace"))
