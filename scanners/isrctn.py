"""ISRCTN registry (sources.md section 2): UK trials as XML, incremental by ``lastEdited``.

The API has no paging: ask once with ``limit=1`` to read ``totalCount``, then once
more with ``limit=totalCount`` (the pattern ISRCTN's own heavy users follow).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import date
from typing import Annotated
from xml.etree.ElementTree import Element

from pydantic import Field

from horizon.errors import MalformedResponse
from horizon.items import Extras, Item
from horizon.text import clean, parse_date
from scanners.base import Parsed, Scanner, SourceSettings
from scanners.http import Response
from scanners.safexml import iter_records, parse_xml, snippet

NS = "{http://www.67bricks.com/isrctn}"
_NCT = re.compile(r"NCT\d{8}", re.I)
_CPMS = re.compile(r"CPMS\s*(?:ID)?[:\s#]*(\d{3,7})", re.I)
_CTIS = re.compile(r"(\d{4}-\d{6}-\d{2})(-\d{2})?")
# Overrides are free text set by ISRCTN staff; map the ones that mean a ctgov-like status.
_OVERRIDES = {
    "stopped": "TERMINATED", "terminated": "TERMINATED", "suspended": "SUSPENDED",
    "withdrawn": "WITHDRAWN", "completed": "COMPLETED", "recruiting": "RECRUITING",
    "not yet recruiting": "NOT_YET_RECRUITING", "anticipated": "NOT_YET_RECRUITING",
}
_NO_PHASE = {"", "not applicable", "not specified", "n/a"}
# What older registrations put where they had nothing to say (seen in ISRCTN records and in
# ECRIN's dl_isrctn test data): never a summary, never a cross-reference.
_PLACEHOLDERS = re.compile(
    r"^(?:(?:plain english summary(?: of protocol)? )?not provided(?: at (?:the )?time of registration)?"
    r"|not (?:yet )?available|not applicable|n/?a|none|nil(?: known)?|not known|unknown|to be confirmed|tbc|-+)"
    r"[\s.]*$", re.I)


def placeholder(text: str) -> bool:
    """Whether a field holds a registry placeholder ("Nil known", "N/A") instead of content."""
    return not text.strip() or bool(_PLACEHOLDERS.match(clean(text)))


class IsrctnSettings(SourceSettings):
    max_records: Annotated[int, Field(ge=1, le=20_000)] = 2000  # per query and window


class Isrctn(Scanner):
    """Trials matching each configured query, edited since the watermark."""

    name = "isrctn"
    Settings = IsrctnSettings
    settings: IsrctnSettings

    def fetch(self, since: date) -> Iterator[tuple[Response, Parsed]]:
        url = self.settings.base_url.rstrip("/") + "/api/query/format/default"
        for query in self.settings.queries or ("",):
            q = self.query(query, since)
            counted = self.http.get(self.source, url, params={"q": q, "limit": "1"})
            total = self._total(counted.body)
            if total == 0:
                continue
            if total > self.settings.max_records:
                self.notes.append(f"{self.source}: {total} trials match '{query or '*'}', fetched the first "
                                  f"{self.settings.max_records}; raise max_records or narrow the query")
            limit = str(min(total, self.settings.max_records))
            response = self.http.get(self.source, url, params={"q": q, "limit": limit})
            parsed = self._parse_page(response)
            yield response, parsed

    @staticmethod
    def query(query: str, since: date) -> str:
        """The ``q`` for a query and window: ISRCTN's field syntax ANDed with free text."""
        window = f"lastEdited GE {since.isoformat()}T00:00:00"
        return f"({query}) AND {window}" if query else window

    def _total(self, raw: bytes) -> int:
        root = self._root(raw)
        try:
            return int(root.get("totalCount", "0"))
        except ValueError:
            raise MalformedResponse(self.source, f"totalCount is not a number: {root.get('totalCount')!r}") from None

    def _root(self, raw: bytes) -> Element:
        root = parse_xml(self.source, raw)
        if root.tag != f"{NS}allTrials":
            raise MalformedResponse(self.source, f"expected <allTrials> from the ISRCTN API, got <{_local(root.tag)}> "
                                                 f"({snippet(raw)})")
        return root

    def parse(self, raw: bytes) -> Parsed:
        parsed = Parsed(skipped=Counter())
        others: Counter[str] = Counter()  # children of <allTrials> that are not <fullTrial>
        for full in iter_records(self.source, raw, f"{NS}allTrials", f"{NS}fullTrial", " from the ISRCTN API",
                                 others, alone=True):  # a query's <allTrials>, or one trial's <fullTrial>
            item = parse_trial(full, self.source)
            if item is None:
                parsed.skipped["malformed"] += 1
            else:
                parsed.items.append(item)
        if others:
            parsed.skipped["malformed"] += sum(others.values())
        return parsed


def parse_trial(full: Element, source: str = "isrctn", today: date | None = None) -> Item | None:
    """One ``fullTrial`` as an Item, or None when it lacks a number or title."""
    trial = full.find(f"{NS}trial")
    if trial is None:
        return None
    number = _text(trial, "isrctn")
    desc = trial.find(f"{NS}trialDescription")
    title = clean(_text(desc, "title") or _text(desc, "scientificTitle"))
    if not re.fullmatch(r"\d{8}", number) or not title:
        return None
    parts = trial.find(f"{NS}participants")
    design = trial.find(f"{NS}trialDesign")
    end = parse_date(_text(design, "overallEndDate"))
    extras = Extras(
        status=derive_status(parts, end, today or date.today()),
        phase=_phase(trial),
        study_type=_text(design, "primaryStudyDesign").upper() or None,
        conditions=_unique(clean(line) for c in _texts(trial, "conditions/condition/description")
                           for line in c.splitlines()),
        keywords=_unique(clean(c) for path in ("diseaseClass1", "diseaseClass2")
                         for c in _texts(trial, f"conditions/condition/{path}")),
        sponsor=_sponsor(full, trial),
        countries=_unique(clean(c) for c in _texts(parts, "recruitmentCountries/country")),
        xrefs=xrefs(trial.find(f"{NS}externalRefs")),
        results_posted=_results(trial),
        completion=end,
    )
    # The plain English summary, else the hypothesis, else the scientific title: never a placeholder.
    candidates = (_text(desc, "plainEnglishSummary"), _text(desc, "studyHypothesis"), _text(desc, "scientificTitle"))
    summary = next((c for c in candidates if not placeholder(c)), "")
    return Item(
        id=f"isrctn:ISRCTN{number}",
        source=source,
        type="trial",
        title=title,
        summary=clean(summary, limit=3000),
        url=f"https://www.isrctn.com/ISRCTN{number}",
        published=parse_date(trial.get("publicIdentifierDateAssigned")),
        updated=parse_date(trial.get("lastUpdated")),
        extras=extras,
    )


def derive_status(parts: Element | None, end: date | None, today: date) -> str | None:
    """ISRCTN gives no status field: derive it from recruitment dates, unless staff overrode it."""
    override = clean(_text(parts, "recruitmentStatusOverride")).lower()
    if override:
        return _OVERRIDES.get(override, override.upper().replace(" ", "_"))
    start = parse_date(_text(parts, "recruitmentStart"))
    stop = parse_date(_text(parts, "recruitmentEnd"))
    if start and start > today:
        return "NOT_YET_RECRUITING"
    if stop and stop < today:
        return "COMPLETED" if end and end < today else "ACTIVE_NOT_RECRUITING"
    if start:
        return "RECRUITING"
    return None


def xrefs(refs: Element | None) -> tuple[str, ...]:
    """Other registrations of this trial as item ids: ``ctgov:NCT…``, ``eudract:``, ``ctis:``, ``iras:``, ``cpms:``."""
    if refs is None:
        return ()
    out: list[str] = []
    def field(name: str) -> str:
        value = _text(refs, name)
        return "" if placeholder(value) else value

    for nct in _NCT.findall(field("clinicalTrialsGovNumber")):
        out.append(f"ctgov:{nct.upper()}")
    if eudract := _CTIS.search(field("eudraCTNumber")):
        out.append(f"eudract:{eudract.group(1)}")
    if (iras := field("irasNumber")).isdigit() and int(iras):
        out.append(f"iras:{iras}")
    for m in _CPMS.finditer(field("protocolSerialNumber")):
        out.append(f"cpms:{m.group(1)}")
    for number in refs.iterfind(f"{NS}secondaryNumbers/{NS}secondaryNumber"):
        if placeholder(number.text or ""):
            continue
        out.extend(_secondary(number.get("numberType", "").lower(), (number.text or "").strip(),
                              number.get("canonicalSecondaryNumber", "")))
    return tuple(dict.fromkeys(out))


def _secondary(kind: str, value: str, canonical: str) -> list[str]:
    if kind == "nct":
        return [f"ctgov:{m.upper()}" for m in _NCT.findall(value or canonical)]
    if kind == "ctis" and (m := _CTIS.search(canonical or value)):
        return [f"ctis:{m.group(1)}{m.group(2) or '-00'}"]
    if kind in ("iras", "cpms") and (digits := re.sub(r"\D", "", value or canonical)):
        return [f"{kind}:{digits}"]
    return []


def _phase(trial: Element) -> str | None:
    phases = [p for p in _unique(clean(t) for t in _texts(trial, "interventions/intervention/phase"))
              if p.lower() not in _NO_PHASE]
    return "/".join(phases) or None


def _results(trial: Element) -> bool:
    stage = _text(trial, "results/publicationStage").lower()
    return stage == "results" or bool(_text(trial, "results/basicReport"))


def _sponsor(full: Element, trial: Element) -> str | None:
    """Every sponsor named in ``parties/sponsorId``, joined with "; ": sponsors sit beside ``trial``, linked by id."""
    wanted = _texts(trial, "parties/sponsorId")
    names = [clean(_text(sponsor, "organisation")) for sponsor in full.iterfind(f"{NS}sponsor")
             if not wanted or sponsor.get("id") in wanted]
    return "; ".join(_unique(n for n in names if not placeholder(n))) or None


def _text(element: Element | None, path: str) -> str:
    if element is None:
        return ""
    found = element.find("/".join(f"{NS}{p}" for p in path.split("/")))
    return (found.text or "").strip() if found is not None else ""


def _texts(element: Element | None, path: str) -> list[str]:
    if element is None:
        return []
    return [(e.text or "").strip() for e in element.iterfind("/".join(f"{NS}{p}" for p in path.split("/")))
            if (e.text or "").strip()]


def _unique(values) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
