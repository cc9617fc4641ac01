"""Reviewers' labels, read from their judgements: what the classifier trains on.

Judgements are the one record of reviewers' calls; labels are not stored. A judgement's
labels are a positive one per area it names (``areas``), a negative one per area it says
the item is not about (``not_areas``: proposed areas the reviewer unticked, or
``horizon label --not-relevant --area``) and, for "not relevant", one "no area at all"
label. Only each reviewer's latest judgement of an item in an ICS counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from horizon.errors import StoreError


def call(state: str, areas: Sequence[str] = (), proposed: Sequence[str] = ()) -> dict:
    """What a workspace judgement records: the areas ticked, and the ``proposed`` ones unticked (when relevant)."""
    ticked = list(dict.fromkeys(areas)) if state == "relevant" else []
    unticked = [a for a in dict.fromkeys(proposed) if a not in ticked] if state == "relevant" else []
    return {"state": state, "areas": ticked, "not_areas": unticked}


def with_label(current: Mapping | None, area: str | None, relevant: bool) -> dict:
    """``current`` (a reviewer's judgement of an item, or None) with one more label: what ``horizon label`` records.

    "No area at all" replaces the call; a relevant area joins the areas (the call becomes
    "relevant"); a not-relevant area joins ``not_areas`` and leaves the areas.
    """
    if area is None:
        if relevant:
            raise StoreError("a label without an area can only say the item is relevant to no area")
        return {"state": "not-relevant", "areas": [], "not_areas": []}
    state = current["state"] if current else "uncertain"
    areas = [a for a in current["areas"] if a != area] if current else []
    not_areas = [a for a in current["not_areas"] if a != area] if current else []
    if relevant:
        return {"state": "relevant", "areas": [*areas, area], "not_areas": not_areas}
    return {"state": state if state != "uncertain" else "relevant", "areas": areas, "not_areas": [*not_areas, area]}


def judgement_labels(judgement: Mapping) -> list[tuple[str | None, bool]]:
    """(area, relevant) per label of one judgement; area None: "no area at all"."""
    none = [(None, False)] if judgement["state"] == "not-relevant" else []
    return none + [(a, True) for a in judgement["areas"]] + [(a, False) for a in judgement["not_areas"]]


def labels_of(judgements: Iterable[Mapping], scopes: Mapping[int, str]) -> list[dict]:
    """The labels of each reviewer's latest judgement per item and ICS (``scopes``: judgement id -> ICS).

    In the order the judgements were made; a label's ``id`` is its judgement's.
    """
    latest: dict[tuple, Mapping] = {}
    for row in sorted(judgements, key=lambda j: j["id"]):
        latest[(row["item_id"], row["reviewer"], scopes.get(row["id"]))] = row
    return [{"id": j["id"], "item_id": j["item_id"], "area": area, "relevant": relevant, "reviewer": j["reviewer"],
             "created_at": j["created_at"]}
            for j in sorted(latest.values(), key=lambda j: j["id"]) for area, relevant in judgement_labels(j)]
