"""ClinicalTrials.gov API v2 (sources.md section 1): trials, incremental by LastUpdatePostDate."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any

from pydantic import Field

from horizon.errors import MalformedResponse
from horizon.items import Extras, Item
from horizon.text import clean, parse_date
from scanners.base import Parsed, Scanner, SourceSettings, json_body
from scanners.http import Response

_ISRCTN = re.compile(r"ISRCTN\s?(\d{8})", re.I)
_CTIS = re.compile(r"^\d{4}-\d{6}-\d{2}-\d{2}$")
_EUDRACT = re.compile(r"^\d{4}-\d{6}-\d{2}$")
# API v1 (retired June 2024) wrapped everything in one of these.
_V1_ENVELOPES = ("FullStudiesResponse", "StudyFieldsResponse", "FieldValuesResponse")
_PRECISION = {4: "year", 7: "month", 10: "day"}


class CtgovSettings(SourceSettings):
    page_size: Annotated[int, Field(ge=1, le=1000)] = 100
    uk_only: bool = True  # restrict to studies with a UK site


class Ctgov(Scanner):
    """Studies matching each configured query, updated since the watermark."""

    name = "ctgov"
    Settings = CtgovSettings
    settings: CtgovSettings

    def fetch(self, since: date) -> Iterator[tuple[Response, Parsed]]:
        for query in self.settings.queries or ("",):
            yield from self._pages(self._params(query, since))

    def _params(self, query: str, since: date) -> dict[str, str]:
        advanced = f"AREA[LastUpdatePostDate]RANGE[{since.isoformat()},MAX]"
        if self.settings.uk_only:
            advanced += ' AND AREA[LocationCountry]"United Kingdom"'
        params = {
            "filter.advanced": advanced,
            "sort": "LastUpdatePostDate:desc",
            "pageSize": str(self.settings.page_size),
            "format": "json",
            "markupFormat": "markdown",
        }
        if query:
            params["query.term"] = query
        return params

    def _pages(self, params: dict[str, str]) -> Iterator[tuple[Response, Parsed]]:
        # Follow-up pages must repeat the first request's parameters; only pageToken changes.
        url = self.settings.base_url.rstrip("/") + "/studies"
        token: str | None = None
        for _ in range(self.settings.max_pages):
            page_params = dict(params, pageToken=token) if token else params
            response = self.http.get(self.source, url, params=page_params)
            parsed = self._parse_page(response)
            yield response, parsed
            token = parsed.next_page
            if not token:
                return

    def parse(self, raw: bytes) -> Parsed:
        """A page of studies (``{"studies": [...]}``) or one study (``/studies/{nctId}``: no envelope)."""
        try:
            doc = json_body(raw)
        except (ValueError, UnicodeDecodeError) as err:
            raise MalformedResponse(self.source, f"response is not JSON ({_snippet(raw)})") from err
        studies, token = _studies(doc, self.source)
        parsed = Parsed(next_page=token, skipped=Counter())
        for study in studies:
            item = parse_study(study, self.source)
            if item is None:
                parsed.skipped["malformed"] += 1
            else:
                parsed.items.append(item)
        return parsed


def _studies(doc: Any, source: str) -> tuple[list[Any], str | None]:
    """The study records of a v2 body and its next-page token; any other shape is refused, saying what it is."""
    if isinstance(doc, dict) and isinstance(doc.get("studies", None), list):
        return doc["studies"], doc.get("nextPageToken") or None  # a page can hold an empty list
    if isinstance(doc, dict) and isinstance(doc.get("protocolSection"), dict):
        return [doc], None  # GET /api/v2/studies/{nctId} answers with the study itself
    if isinstance(doc, dict) and any(k in doc for k in _V1_ENVELOPES):
        kind = next(k for k in _V1_ENVELOPES if k in doc)
        raise MalformedResponse(source, f"response is the retired API v1 shape ({kind}); "
                                        "this scanner reads API v2 (base_url .../api/v2)")
    if isinstance(doc, dict):
        keys = ", ".join(sorted(map(str, doc))[:5]) or "none"
        raise MalformedResponse(source, f"response is JSON without 'studies' or 'protocolSection' (keys: {keys}); "
                                        "not a ClinicalTrials.gov API v2 response")
    raise MalformedResponse(source, f"response is a JSON {type(doc).__name__}, not a ClinicalTrials.gov API v2 object")


def parse_study(study: Any, source: str = "ctgov") -> Item | None:
    """One v2 study record as an Item, or None when it lacks an id or title."""
    if not isinstance(study, dict):
        return None
    protocol = _dict(study.get("protocolSection"))
    ident = _dict(protocol.get("identificationModule"))
    nct = ident.get("nctId")
    title = clean(ident.get("briefTitle") or ident.get("officialTitle"))
    if not isinstance(nct, str) or not re.fullmatch(r"NCT\d{8}", nct) or not title:
        return None
    status = _dict(protocol.get("statusModule"))
    design = _dict(protocol.get("designModule"))
    conditions = _dict(protocol.get("conditionsModule"))
    browse = _dict(_dict(study.get("derivedSection")).get("conditionBrowseModule"))
    locations = _dict(protocol.get("contactsLocationsModule")).get("locations") or []
    phases = [p for p in design.get("phases") or [] if isinstance(p, str)]
    mesh = [m.get("term") for m in browse.get("meshes") or [] if isinstance(m, dict)]
    extras = Extras(
        status=status.get("overallStatus"),
        phase="/".join(phases) or None,
        study_type=design.get("studyType"),
        conditions=_strings(conditions.get("conditions")),
        keywords=_strings([*(conditions.get("keywords") or []), *mesh]),
        sponsor=clean(_dict(_dict(protocol.get("sponsorCollaboratorsModule")).get("leadSponsor")).get("name")) or None,
        countries=_strings([loc.get("country") for loc in locations if isinstance(loc, dict)]),
        xrefs=_xrefs(ident.get("secondaryIdInfos") or []),
        results_posted=bool(study.get("hasResults")),
        **_completion(_dict(status.get("completionDateStruct"))),
        enrolment=_enrolment(design.get("enrollmentInfo")),
        why_stopped=clean(status.get("whyStopped"), limit=500) or None,
    )
    return Item(
        id=f"ctgov:{nct}",
        source=source,
        type="trial",
        title=title,
        summary=clean(_dict(protocol.get("descriptionModule")).get("briefSummary"), limit=3000),
        url=f"https://clinicaltrials.gov/study/{nct}",
        published=parse_date(_dict(status.get("studyFirstPostDateStruct")).get("date")),
        updated=parse_date(_dict(status.get("lastUpdatePostDateStruct")).get("date")),
        extras=extras,
    )


def _enrolment(info: Any) -> int | None:
    """enrollmentInfo.count: the target (ESTIMATED) or actual number of participants."""
    count = info.get("count") if isinstance(info, dict) else None
    return count if isinstance(count, int) and not isinstance(count, bool) and count >= 0 else None


def _completion(struct: dict[str, Any]) -> dict[str, Any]:
    """The completion date with its precision ("2013-01" is a month) and whether it is an estimate."""
    raw = struct.get("date") if isinstance(struct.get("date"), str) else None
    when = parse_date(raw)
    if when is None:
        return {}
    kind = str(struct.get("type") or "").upper()
    estimated = True if kind in ("ESTIMATED", "ANTICIPATED") else False if kind == "ACTUAL" else None
    return {"completion": when, "completion_precision": _PRECISION.get(len((raw or "").strip())),
            "completion_estimated": estimated}


def _xrefs(infos: list[Any]) -> tuple[str, ...]:
    """Other registrations of the same study, as item ids (ISRCTN, EudraCT, CTIS)."""
    out: list[str] = []
    for info in infos:
        if not isinstance(info, dict) or not isinstance(info.get("id"), str):
            continue
        value = info["id"].strip()
        if m := _ISRCTN.search(value):
            out.append(f"isrctn:ISRCTN{m.group(1)}")
        elif info.get("type") == "EUDRACT_NUMBER" or _EUDRACT.match(value):
            out.append(f"eudract:{value}")
        elif _CTIS.match(value):
            out.append(f"ctis:{value}")
    return tuple(dict.fromkeys(out))


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _strings(values: Any) -> tuple[str, ...]:
    """Unique cleaned strings, order kept: locations repeat countries hundreds of times."""
    if not isinstance(values, list):
        return ()
    return tuple(dict.fromkeys(c for v in values if isinstance(v, str) and (c := clean(v))))


def _snippet(raw: bytes) -> str:
    text = raw[:60].decode("utf-8", "replace").strip()
    return "empty body" if not text else f"starts {text[:40]!r}"
