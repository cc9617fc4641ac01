"""Reviewers' labels, read from their judgements: what the classifier trains on.

Judgements are the one record of reviewers' calls; labels are not stored. A judgement's
labels are a positive one per area it names (``areas``), a negative one per area it says
the item is not about (``not_areas``: proposed areas the reviewer unticked, or
``horizon label --not-relevant --area``) and, for "not relevant", one "no area at all"
label. Only each reviewer's latest judgement of an item in an ICS counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from horizon.errors import StoreError
from horizon.records import Judgement, Label


@dataclass(frozen=True)
class Call:
    """What a new judgement records: its state, the areas it names and the areas it rules out."""

    state: str
    areas: tuple[str, ...] = ()
    not_areas: tuple[str, ...] = ()


def call(state: str, areas: Sequence[str] = (), proposed: Sequence[str] = ()) -> Call:
    """What a workspace judgement records: the areas ticked, and the ``proposed`` ones unticked (when relevant)."""
    if state != "relevant":
        return Call(state)
    ticked = tuple(dict.fromkeys(areas))
    return Call(state, ticked, tuple(a for a in dict.fromkeys(proposed) if a not in ticked))


def with_label(current: Judgement | None, area: str | None, relevant: bool) -> Call:
    """``current`` (a reviewer's judgement of an item, or None) with one more label: what ``horizon label`` records.

    "No area at all" replaces the call; a relevant area joins the areas (the call becomes
    "relevant"); a not-relevant area joins ``not_areas`` and leaves the areas.
    """
    if area is None:
        if relevant:
            raise StoreError("a label without an area can only say the item is relevant to no area")
        return Call("not-relevant")
    state = current.state if current else "uncertain"
    areas = tuple(a for a in current.areas if a != area) if current else ()
    not_areas = tuple(a for a in current.not_areas if a != area) if current else ()
    if relevant:
        return Call("relevant", (*areas, area), not_areas)
    return Call(state if state != "uncertain" else "relevant", areas, (*not_areas, area))


def judgement_labels(judgement: Judgement) -> list[tuple[str | None, bool]]:
    """(area, relevant) per label of one judgement; area None: "no area at all"."""
    none: list[tuple[str | None, bool]] = [(None, False)] if judgement.state == "not-relevant" else []
    return none + [(a, True) for a in judgement.areas] + [(a, False) for a in judgement.not_areas]


def labels_of(judgements: Iterable[Judgement], scopes: Mapping[int, str]) -> list[Label]:
    """The labels of each reviewer's latest judgement per item and ICS (``scopes``: judgement id -> ICS).

    In the order the judgements were made; a label's ``id`` is its judgement's.
    """
    latest: dict[tuple, Judgement] = {}
    for row in sorted(judgements, key=lambda j: j.id):
        latest[(row.item_id, row.reviewer, scopes.get(row.id))] = row
    return [Label(j.id, j.item_id, area, relevant, j.reviewer, j.created_at)
            for j in sorted(latest.values(), key=lambda j: j.id) for area, relevant in judgement_labels(j)]
