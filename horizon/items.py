"""The one record that crosses every stage: ``Item``, and what stages add to it.

An ``Item`` is frozen: classification and ranking wrap it, they never mutate it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ItemType = Literal["trial", "guidance", "safety", "news", "innovation", "literature"]
ITEM_TYPES: tuple[str, ...] = ItemType.__args__  # type: ignore[attr-defined]


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Extras(Record):
    """Typed source metadata; every field optional because sources differ."""

    status: str | None = None  # e.g. RECRUITING, COMPLETED, "withdrawn"
    phase: str | None = None  # e.g. PHASE3, "Phase II"
    study_type: str | None = None
    conditions: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()  # registry keywords and MeSH terms
    sponsor: str | None = None
    countries: tuple[str, ...] = ()
    programme: str | None = None  # NICE guidance programme, GOV.UK format, journal
    categories: tuple[str, ...] = ()  # alert type, therapeutic area, feed category
    xrefs: tuple[str, ...] = ()  # other ids of the same thing: ctgov:NCT..., isrctn:ISRCTN...
    results_posted: bool | None = None
    completion: date | None = None  # trial completion; guidance in development: expected publication
    completion_precision: str | None = None  # "day", "month" or "year": "2013-01" is a month, not 1 January
    completion_estimated: bool | None = None  # an anticipated date, not one that has happened
    enrolment: int | None = None  # participants, target or actual (ClinicalTrials.gov enrollmentInfo.count)
    why_stopped: str | None = None  # a withdrawn, suspended or terminated trial's stated reason
    flags: tuple[str, ...] = ()  # warnings every output shows beside the title: "retracted"
    revised: date | None = None  # when the publisher last revised the substance (NICE "Last updated")


class Item(Record):
    """One thing a source told us about: a trial, a guidance, an alert, a paper."""

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*:\S+$")  # "ctgov:NCT01234567"
    source: str
    type: ItemType
    title: str
    summary: str = ""
    url: str = ""
    published: date | None = None
    updated: date | None = None
    extras: Extras = Extras()

    @property
    def text(self) -> str:
        """The words a classifier reads: title, summary and condition terms."""
        terms = " ".join(self.extras.conditions + self.extras.keywords)
        parts = [self.title, self.summary, terms, self.extras.programme or ""]
        return "\n".join(p for p in parts if p)

    @property
    def uk(self) -> bool:
        return any(c in UK_COUNTRIES for c in self.extras.countries)

    def fingerprint(self) -> str:
        """Hash of the content, to tell a changed item from one seen before."""
        return fingerprint_of(self.model_dump(mode="json"))


def fingerprint_of(record: dict) -> str:
    """``Item.fingerprint`` from the item's ``model_dump(mode="json")``, for a caller that has the dump already."""
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()[:16]


UK_COUNTRIES = frozenset(
    {"United Kingdom", "England", "Scotland", "Wales", "Northern Ireland", "UK"}
)

# What changed between two sightings of an item is news when a reader cares about
# it ("changed: recruiting -> completed"); a bare edit date moving is not.
# NICE guidance that is updated moves ``revised``; withdrawn guidance moves ``status``.
TRACKED_FIELDS: tuple[str, ...] = ("status", "phase", "completion", "enrolment", "results_posted", "revised")
# Fields added after items were first stored: a value appearing where none was kept is not news.
NEWER_FIELDS = frozenset({"enrolment"})


def changes_between(old: Item, new: Item) -> dict[str, tuple[str, str]]:
    """Tracked fields whose value differs, as {field: (old, new)} strings."""
    out: dict[str, tuple[str, str]] = {}
    for name in TRACKED_FIELDS:
        before, after = getattr(old.extras, name), getattr(new.extras, name)
        if before != after and not (before is None and name in NEWER_FIELDS):
            out[name] = (_show(before), _show(after))
    return out


def _show(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
