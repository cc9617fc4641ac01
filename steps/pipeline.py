"""The plain-Python steps between the stages, so the Prefect flows stay thin.

Nothing here imports Prefect, scanners, classifiers or outputs: flows pass in
what those produce.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from horizon.bulk import fewer_collections
from horizon.config import Config, digest_key
from horizon.digest import (
    NOVELTIES,
    AreaInfo,
    Classification,
    Digest,
    DueReview,
    Entry,
    Novelty,
    RunSummary,
    ScanInfo,
    SourceReport,
)
from horizon.errors import InputError, UnknownName
from horizon.items import Item
from horizon.store import Store
from steps.dedup import group
from steps.ranking import rank

LONDON = ZoneInfo("Europe/London")


def today_in_london() -> date:
    return datetime.now(LONDON).date()


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def since_for(store: Store, source: str, lookback_days: int, overlap_days: int, as_of: date,
              override: date | None = None) -> date:
    """Where a source's incremental fetch starts: the watermark minus an overlap, since sources backfill."""
    if override is not None:
        return override
    mark = store.watermark(source)
    if mark is None:
        return as_of - timedelta(days=lookback_days)
    return mark - timedelta(days=overlap_days)


def latest_update(items: Sequence[Item]) -> date | None:
    dates = [d for i in items if (d := i.updated or i.published) is not None]
    return max(dates) if dates else None


@fewer_collections()
def candidates(store: Store, key: str, week: str,
               since: date | None = None) -> tuple[list[Item], dict[str, Novelty], dict]:
    """Items for this week's digest, with their novelty and what changed.

    New or changed since the last digest of an earlier week (so re-running a week
    reproduces it); with ``since``, everything updated since that date instead.
    """
    cutoff = store.previous_digest_time(key, week)
    chosen = store.items_updated_since(since) if since else store.items_since(cutoff)
    ids = [i.id for i in chosen]
    history = store.history(ids, cutoff)
    first_seen = store.first_seen(ids)
    novelty: dict[str, Novelty] = {}
    for item_id in ids:
        if cutoff is None or first_seen[item_id] > cutoff:
            novelty[item_id] = "new"
        elif item_id in history:
            novelty[item_id] = "changed"
        else:
            novelty[item_id] = "seen"
    return chosen, novelty, history


@fewer_collections()
def one_per_thing(items: Sequence[Item],
                  source_order: Sequence[str]) -> tuple[list[Item], dict[str, tuple[Item, ...]], int]:
    """Merge registrations and re-told stories of the same thing; the first configured source leads."""
    rank_of = {name: n for n, name in enumerate(source_order)}
    ordered = sorted(items, key=lambda i: (rank_of.get(i.source, len(rank_of)), i.id))
    groups, merged = group(ordered)
    return [lead for lead, _ in groups], {lead.id: rest for lead, rest in groups if rest}, merged


def trend(store: Store, key: str, week: str, current: Sequence[Entry], area_ids: Sequence[str],
          weeks: int = 12) -> dict[str, tuple[tuple[str, int], ...]]:
    """Items per area in the last ``weeks`` digests of this series, this week included."""
    per_week: dict[str, Counter[str]] = {}
    for published in store.digests(key):
        if published.week < week:
            rows = store.digest_items(published.id)
            per_week[published.week] = Counter(a for row in rows for a in row.areas)
    per_week[week] = Counter(a for e in current for a in e.classification.areas)
    recent = sorted(per_week)[-weeks:]
    while recent and not sum(per_week[recent[0]].values()):  # a series starts at its first digest with items
        recent.pop(0)
    return {a: tuple((w, per_week[w][a]) for w in recent) for a in area_ids} if len(recent) > 1 else {}


@fewer_collections()
def assemble(config: Config, store: Store, items: Sequence[Item], verdicts: Sequence[Classification],
             novelty: dict[str, Novelty], history: dict, as_of: date, generated: datetime,
             reports: Sequence[SourceReport], counts: Counter[str], since: date | None = None,
             notes: Sequence[str] = (), also: dict[str, tuple[Item, ...]] | None = None,
             key: str | None = None, title: str | None = None, query: str | None = None,
             due: Sequence[dict] | None = None) -> Digest:
    """Rank the classified items and wrap everything a writer needs into one Digest.

    ``key`` and ``title`` name one ICS's series when a configuration holds several, ``due`` its
    register entries due for review (default: the whole register's).
    With ``query`` (an ad-hoc scan) entries rank by how well they match it, with area relevance.
    """
    seen = store.first_seen([i.id for i in items])
    entries = rank(items, verdicts, config.priorities, config.settings.ranking, as_of, novelty, history, also,
                   first_seen=seen, query=query)
    key, week = key or digest_key(config), iso_week(as_of)
    counts = Counter(counts)
    counts["digest/items"] = len(entries)
    counts["dropped/no-area"] = len(items) - len(entries)
    for state in NOVELTIES:
        counts[f"digest/{state}"] = sum(e.novelty == state for e in entries)
    return Digest(
        title=title or f"Horizon scan: {config.priorities.name}",
        key=key,
        week=week,
        generated=generated,
        since=since,
        areas=tuple(AreaInfo(id=a.id, name=a.name, description=a.description) for a in config.priorities.areas),
        entries=tuple(entries),
        summary=RunSummary(counts=dict(sorted(counts.items())), sources=tuple(reports), notes=tuple(notes)),
        trend=trend(store, key, week, entries, config.priorities.ids),
        register_due=due_reviews(store, as_of, due),
    )


def due_reviews(store: Store, today: date, due: Sequence[dict] | None = None) -> tuple[DueReview, ...]:
    """Register entries due for review (``due``, or the store's), with their item's title and link."""
    due = store.register_due(today) if due is None else due
    found = store.get([d["item_id"] for d in due])
    return tuple(
        DueReview(item_id=d["item_id"], title=found[d["item_id"]].title if d["item_id"] in found else d["item_id"],
                  url=found[d["item_id"]].url if d["item_id"] in found else "", stage=d["stage"],
                  owner=d.get("owner") or "", next_review=d["next_review"])
        for d in due
    )


# -- ad-hoc scans ------------------------------------------------------------------------
DEFAULT_SCAN_DAYS = 365  # an ad-hoc scan without --since looks back a year


def check_scan(config: Config, areas: Sequence[str] | None, since: date | None, until: date | None) -> None:
    """Refuse an ad-hoc scan's parameters in one line, before any work starts."""
    unknown = [a for a in areas or () if a not in config.priorities.ids]
    if unknown:
        raise UnknownName(f"unknown area '{unknown[0]}'; valid areas: {', '.join(config.priorities.ids)}")
    if since and until and since > until:
        raise InputError(f"since {since.isoformat()} is after until {until.isoformat()}; give a range that is not "
                         "empty")


def until_filter(items: Sequence[Item], until: date | None) -> tuple[list[Item], int]:
    """Items updated (or published) on or before ``until``, one per id; and how many were dropped."""
    unique = list({i.id: i for i in items}.values())
    if until is None:
        return unique, 0
    kept = [i for i in unique if (d := i.updated or i.published) is None or d <= until]
    return kept, len(unique) - len(kept)


_OPERATORS = {"and", "or", "not"}


def mentions(items: Sequence[Item], query: str) -> list[Item]:
    """Items whose title or summary mentions any word of ``query``: a scan of a source that cannot search."""
    words = {w for w in re.findall(r"[a-z0-9]+", query.lower()) if len(w) > 2 and w not in _OPERATORS}
    return [i for i in items if not words or any(w in f"{i.title} {i.summary}".lower() for w in words)]


def scan_novelty(store: Store, ids: Sequence[str], now: datetime) -> tuple[dict[str, Novelty], dict]:
    """Novelty of a scan's items as this run (stored at ``now``) found them: new, changed or seen."""
    first_seen = store.first_seen(ids)
    history = store.history(ids, now - timedelta(microseconds=1))
    novelty: dict[str, Novelty] = {}
    for item_id in ids:
        seen = first_seen.get(item_id)
        novelty[item_id] = "new" if seen is None or seen >= now else "changed" if item_id in history else "seen"
    return novelty, history


def narrow(digest: Digest, title: str, key: str, areas: Sequence[str] | None, limit: int | None,
           scan: ScanInfo | None = None) -> Digest:
    """An ad-hoc scan's digest: only the chosen areas, the best ``limit`` entries, counts to match."""
    chosen = set(areas or ())
    entries = [e for e in digest.entries if not chosen or chosen & set(e.classification.areas)]
    kept = entries[:limit] if limit else entries
    counts = Counter(digest.summary.counts)
    counts["digest/items"] = len(kept)
    if chosen:
        counts["dropped/other-areas"] = len(digest.entries) - len(entries)
    if limit:
        counts["dropped/over-limit"] = len(entries) - len(kept)
    for state in NOVELTIES:
        counts[f"digest/{state}"] = sum(e.novelty == state for e in kept)
    return digest.model_copy(update={
        "title": title,
        "key": key,
        "areas": tuple(a for a in digest.areas if not chosen or a.id in chosen),
        "entries": tuple(kept),
        "summary": digest.summary.model_copy(update={"counts": dict(sorted(counts.items()))}),
        "trend": {},  # the weekly series' history says nothing about a one-off scan
        "register_due": (),
        "scan": scan,
    })
