"""Words, not codes: publisher names, trial phase and status, sponsor type, in plain English.

A reader should never meet ``ctgov``, ``ACTIVE_NOT_RECRUITING`` or ``PHASE2/PHASE3``.
Publishers are known by the item id's scheme (registries) or the source name
(feeds of the default sources.yaml); anything else falls back to the link's host.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from horizon.items import Item

BY_SCHEME = {
    "ctgov": "ClinicalTrials.gov", "isrctn": "ISRCTN registry", "nice": "NICE", "govuk": "MHRA",
    "pubmed": "PubMed", "medrxiv": "medRxiv",
}
BY_SOURCE = {
    "ctgov": "ClinicalTrials.gov", "isrctn": "ISRCTN registry", "nice": "NICE", "mhra-safety": "MHRA",
    "mhra-alerts": "MHRA", "pubmed": "PubMed", "medrxiv": "medRxiv", "nhse-news": "NHS England",
    "nihr-news": "NIHR", "hin-news": "Health Innovation Network", "health-press": "Health press",
}
TYPE_WORDS = {
    "trial": "trial", "guidance": "guidance", "safety": "safety notice", "news": "news",
    "innovation": "innovation", "literature": "research paper",
}
KIND_WORDS = {
    "safety": "safety notice", "guidance": "NICE guidance", "programme": "national programme",
    "trial-results": "trial with results", "trial-late-phase": "late-phase trial", "trial": "trial",
    "innovation": "innovation", "literature": "research paper", "news": "news",
}
NOVELTY_WORDS = {
    "new": "new", "changed": "changed", "backfill": "backfill", "seen": "seen before",
}
BACKFILL_MEANS = "published earlier, first seen now"
_ROMAN = {"I": "1", "II": "2", "III": "3", "IV": "4"}
_INDUSTRY = re.compile(
    r"\b(inc|ltd|limited|plc|llc|gmbh|ag|sa|bv|nv|co|corp|corporation|company|pharma\w*|therapeutics|"
    r"biotech\w*|lilly|pfizer|novartis|astrazeneca|roche|sanofi|bayer|abbvie|boehringer|novo nordisk|"
    r"merck|gsk|glaxosmithkline|janssen|amgen|regeneron|medtronic|abbott|dexcom)\b", re.I)
_NHS = re.compile(r"\b(nhs|foundation trust|health board|integrated care)\b", re.I)
_ACADEMIC = re.compile(r"\b(universit\w*|college|institut\w*|school of|academ\w*|research council|nihr|"
                       r"medical research|hospital|clinic|centre|center)\b", re.I)


EVIDENCE_KIND_WORDS = {"trials": "trial", "safety": "safety notice", "literature": "research paper"}
# Warnings a reader must not miss, shown before the title in every output (Extras.flags).
FLAG_WORDS = {"retracted": "RETRACTED", "retraction-notice": "RETRACTION NOTICE",
              "expression-of-concern": "EXPRESSION OF CONCERN"}


def flagged_title(item: Item) -> str:
    """The title with its warnings in front: "RETRACTED, EXPRESSION OF CONCERN: Ileal-lymphoid-nodular…"."""
    return flagged(item.title, item.extras.flags)


def flagged(title: str, flags: tuple[str, ...]) -> str:
    """``title`` with the warnings ``flags`` name in front, for records that carry an item's flags."""
    warnings = [FLAG_WORDS.get(f, f.upper()) for f in flags]
    return f"{', '.join(warnings)}: {title}" if warnings else title


def publisher(item: Item) -> str:
    """Who published the item, by name: "ClinicalTrials.gov", "NICE", "NHS England".

    A GOV.UK search result names its own publishing organisations (kept as the sponsor):
    a Department for Transport page found through the MHRA source is not MHRA's.
    """
    if item.id.startswith("govuk:") and item.extras.sponsor:
        return item.extras.sponsor
    if item.source in BY_SOURCE:
        return BY_SOURCE[item.source]
    scheme = item.id.split(":", 1)[0]
    if scheme in BY_SCHEME:
        return BY_SCHEME[scheme]
    host = urlsplit(item.url).hostname or ""
    return host.removeprefix("www.") or item.source


def item_type(item: Item) -> str:
    """What the item is, in words: "trial", "safety notice", "research paper"."""
    return TYPE_WORDS.get(item.type, item.type)


def phase(value: str | None) -> str:
    """``PHASE2/PHASE3`` -> "Phase 2/3"; ``Phase III`` -> "Phase 3"; not applicable -> ""."""
    if not value:
        return ""
    numbers = []
    for token in re.split(r"[\s/,&+]+|(?i:and)", value.upper().replace("PHASE", " ")):
        token = _ROMAN.get(token.strip(), token.strip())
        if token.isdigit() and token not in numbers:
            numbers.append(token)
    if numbers:
        return "Phase " + "/".join(numbers)
    if value.upper().replace("_", " ").strip() in {"NA", "N/A", "NOT APPLICABLE"}:
        return ""
    return value.replace("_", " ").capitalize()


def status(value: str | None) -> str:
    """``ACTIVE_NOT_RECRUITING`` -> "active, not recruiting"; registry words stay as they are, lower case."""
    if not value:
        return ""
    text = value.replace("_", " ").strip().lower()
    return text.replace("active not recruiting", "active, not recruiting")


def sponsor_type(sponsor: str | None) -> str:
    """"industry", "NHS" or "academic" from the sponsor's name; empty when the name does not say."""
    if not sponsor:
        return ""
    if _NHS.search(sponsor):
        return "NHS"
    if _INDUSTRY.search(sponsor):
        return "industry"
    if _ACADEMIC.search(sponsor):
        return "academic"
    return ""


def trial_facts(item: Item) -> list[str]:
    """A trial's phase and status, UK sites, sponsor and results, as short phrases."""
    extras = item.extras
    said = status(extras.status) if item.type == "trial" or extras.status not in (None, "published") else ""
    first = ", ".join(p for p in (phase(extras.phase), said) if p)
    facts = [first[0].upper() + first[1:]] if first else []
    if item.type == "trial":
        facts.append("UK sites" if item.uk else "no UK sites listed")
    if extras.sponsor and item.type == "trial":
        kind = sponsor_type(extras.sponsor)
        facts.append(f"sponsor {extras.sponsor}" + (f" ({kind})" if kind else ""))
    if extras.results_posted:
        facts.append("results posted")
    if extras.completion and item.type == "trial":
        facts.append(completion(item))
    if extras.why_stopped and item.type == "trial":
        facts.append(f"stopped: {extras.why_stopped}")
    return facts


def completion(item: Item) -> str:
    """The completion date as precise as the registry gave it, estimate or not: "expected completion 2026-03"."""
    extras = item.extras
    if extras.completion is None:
        return ""
    width = {"year": 4, "month": 7}.get(extras.completion_precision or "", 10)
    when = extras.completion.isoformat()[:width]
    if extras.completion_estimated:
        return f"expected completion {when}"
    return f"completion {when}" + (" (actual)" if extras.completion_estimated is False else "")


def evidence_words(kind: str, source: str, novelty: str) -> str:
    """A tracked technology's piece of evidence in words: "trial, ClinicalTrials.gov, backfill"."""
    return ", ".join((EVIDENCE_KIND_WORDS.get(kind, kind), BY_SOURCE.get(source, source),
                      NOVELTY_WORDS.get(novelty, novelty)))
