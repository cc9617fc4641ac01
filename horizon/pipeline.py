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

from horizon.config import Config
from horizon.digest import AreaInfo, Classification, Digest, Novelty, RunSummary, SourceReport
from horizon.items import Item
from horizon.ranking import rank
from horizon.store import Store

LONDON = ZoneInfo("Europe/London")


def today_in_london() -> date:
    return datetime.now(LONDON).date()


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def digest_key(config: Config) -> str:
    """Digests of the same configuration share a key; 'new' is relative to the last one."""
    return re.sub(r"[^a-z0-9]+", "-", config.priorities.name.lower()).strip("-") or "digest"


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
    dates = [i.updated or i.published for i in items if (i.updated or i.published)]
    return max(dates) if dates else None


def candidates(store: Store, key: str, week: str, since: date | None = None) -> tuple[list[Item], dict[str, Novelty], dict]:
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


def assemble(config: Config, items: Sequence[Item], verdicts: Sequence[Classification],
             novelty: dict[str, Novelty], history: dict, as_of: date, generated: datetime,
             reports: Sequence[SourceReport], counts: Counter[str], since: date | None = None,
             notes: Sequence[str] = ()) -> Digest:
    """Rank the classified items and wrap everything a writer needs into one Digest."""
    entries = rank(items, verdicts, config.priorities, config.settings.ranking, as_of, novelty, history)
    counts = Counter(counts)
    counts["digest/items"] = len(entries)
    counts["dropped/no-area"] = len(items) - len(entries)
    for state in ("new", "changed", "seen"):
        counts[f"digest/{state}"] = sum(e.novelty == state for e in entries)
    return Digest(
        title=f"Horizon scan: {config.priorities.name}",
        week=iso_week(as_of),
        generated=generated,
        since=since,
        areas=tuple(AreaInfo(id=a.id, name=a.name, description=a.description) for a in config.priorities.areas),
        entries=tuple(entries),
        summary=RunSummary(counts=dict(sorted(counts.items())), sources=tuple(reports), notes=tuple(notes)),
    )
