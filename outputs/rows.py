"""One flat row per entry with every field, for analysts' CSV and XLSX (and Prefect tables).

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and
some run tab- or CR-led ones) as a formula (OWASP "CSV injection"): every text
value that could be one is prefixed with ``'`` so it stays text.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter
from typing import Any

from horizon.digest import Digest, Entry
from horizon.items import Extras
from horizon.text import safe_url
from outputs import entry_view, words

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
FACTORS = ("relevance", "area_weight", "impact", "uk", "recency", "novelty", "query")
DATES = ("published", "updated", "first_seen", "completion", "revised")  # real dates in XLSX


_STARTS = frozenset(FORMULA_STARTS)
_BLANKS = "".join(map(chr, range(33)))  # spaces and control characters, which XLSX writers drop


def neutralise(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula, made inert; other values as they are.

    Called for every cell of every row: only a value that starts with a blank or a
    control character (rare) is stripped to see whether they hide a formula.
    """
    if isinstance(value, str) and value and (
        value[0] in _STARTS or (value[0] <= " " and value.lstrip(_BLANKS)[:1] in _STARTS)
    ):
        return "'" + value
    return value


def columns(digest: Digest) -> list[str]:
    """Column names, in order: item fields, verdict, score factors, then one score per area."""
    return [
        "week", "rank", "id", "publisher", "source", "sources", "type", "what", "title", "url", "summary",
        "published", "updated", "first_seen", "phase_status", "uk_sites", "sponsor_type",
        *Extras.model_fields, "novelty", "changes", "area_names", "areas", "why",
        "score", *(f"factor_{f}" for f in FACTORS), *(f"score_{a.id}" for a in digest.areas), "also",
        "technologies",
    ]  # fmt: skip


def _join(values: tuple[str, ...] | list[str]) -> str:
    return "; ".join(values)


def _cell(value: Any) -> str:
    """An extras value as text: lists joined with "; ", dates ISO, yes/no, empty for none."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple | list):
        return _join([str(v) for v in value])
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def row(digest: Digest, entry: Entry, rank: int) -> dict[str, Any]:
    """Every field of one entry as plain values (not yet neutralised)."""
    return _Layout(digest).row(entry, rank)


_EXTRAS = tuple(Extras.model_fields)
_extras_values = attrgetter(*_EXTRAS)
_FACTOR_COLUMNS = tuple(f"factor_{f}" for f in FACTORS)
_factor_values = attrgetter(*FACTORS)


class _Layout:
    """What every row of one digest shares (area names, score columns), worked out once for all its rows."""

    def __init__(self, digest: Digest) -> None:
        self.week = digest.week
        self.names = {a.id: a.name for a in digest.areas}
        self.score_columns = [(f"score_{a.id}", a.id) for a in digest.areas]

    def row(self, entry: Entry, rank: int) -> dict[str, Any]:
        item, extras, verdict = entry.item, entry.item.extras, entry.classification  # every Extras field a column
        names = self.names
        out: dict[str, Any] = {
            "week": self.week,
            "rank": rank,
            "id": item.id,
            "publisher": _join(entry_view.publishers(item, entry.also)),
            "source": item.source,
            "sources": _join(entry.sources),
            "type": item.type,
            "what": words.KIND_WORDS.get(entry.kind, words.TYPE_WORDS[item.type]),
            "title": item.title,
            "url": safe_url(item.url),
            "summary": item.summary,
            "published": item.published.isoformat() if item.published else "",
            "updated": item.updated.isoformat() if item.updated else "",
            "first_seen": entry.first_seen.date().isoformat() if entry.first_seen else "",
            "phase_status": ", ".join(p for p in (words.phase(extras.phase), words.status(extras.status)) if p),
            "uk_sites": ("yes" if item.uk else "no") if item.type == "trial" else "",
            "sponsor_type": words.sponsor_type(extras.sponsor) if item.type == "trial" else "",
            **{name: "" if v is None else v if type(v) is str else _cell(v)
               for name, v in zip(_EXTRAS, _extras_values(extras), strict=True)},
            "novelty": entry.novelty,
            "changes": _join([f"{f}: {b} -> {a}" for f, (b, a) in entry.changes.items()]),
            "area_names": _join([names.get(a, a) for a in verdict.areas]),
            "areas": _join(verdict.areas),
            "why": _join([f"{a}: {', '.join(terms)}" for a, terms in verdict.why.items()]),
            "score": entry.score,
        }
        out.update(zip(_FACTOR_COLUMNS, _factor_values(entry.factors), strict=True))
        scores = verdict.scores
        out.update({column: round(scores.get(area, 0.0), 4) for column, area in self.score_columns})
        out["also"] = _join([i.id for i in entry.also])
        out["technologies"] = _join(entry.technologies)  # the tracked technologies it is evidence for
        return out


def table(digest: Digest) -> Iterator[tuple[Any, ...]]:
    """One neutralised row per entry as a tuple in ``columns`` order, made as it is read.

    Inside ``shared(digest)`` the first reader keeps the rows it makes and every later
    reader gets those: CSV and XLSX then make each row once (at 100,000 entries about
    100 MB kept while the files are written, against 3 s of making them again).
    """
    held = _TABLES.get(id(digest))
    if held is not None and held.complete:
        yield from held.rows
        return
    keep = held is not None and not held.filling  # one reader fills the table; any other makes its own rows
    if held is not None and keep:
        held.filling = True
    names, layout = columns(digest), _Layout(digest)
    try:
        for rank, entry in enumerate(digest.entries, 1):
            values = layout.row(entry, rank)
            line = tuple(map(neutralise, map(values.__getitem__, names)))
            if held is not None and keep:
                held.rows.append(line)
            yield line
        if held is not None and keep:
            held.complete = True
    finally:
        if held is not None and keep and not held.complete:  # stopped half-way: share nothing partial
            held.rows.clear()
            held.filling = False


@dataclass
class _Table:
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    filling: bool = False
    complete: bool = False


_TABLES: dict[int, _Table] = {}  # digest id -> its rows, while ``shared`` is open for it


@contextmanager
def shared(digest: Digest) -> Iterator[None]:
    """Within the block, ``table(digest)`` makes the digest's rows once, for several writers."""
    key = id(digest)
    _TABLES[key] = _Table()
    try:
        yield
    finally:
        _TABLES.pop(key, None)


def iter_rows(digest: Digest) -> Iterator[dict[str, Any]]:
    """One neutralised row per entry as a dict by column name, in rank order."""
    names = columns(digest)
    return (dict(zip(names, line, strict=True)) for line in table(digest))


def rows(digest: Digest) -> list[dict[str, Any]]:
    """One neutralised row per entry, in rank order."""
    return list(iter_rows(digest))
