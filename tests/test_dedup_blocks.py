"""Blocked near-duplicate search (steps.dedup.similar_pairs) finds exactly the pairs of the all-pairs product.

The reference below is the implementation it replaced (one product of the whole
TF-IDF matrix with its transpose, window and threshold applied afterwards), kept
here as the oracle, run on the bundled development stories
(tests/scanners/fixtures/dedup/dev_stories.jsonl).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from horizon.items import Item
from steps.dedup import NEAR_DUPLICATE, STORY_WINDOW_DAYS, group, similar_pairs
from tests.scanners.test_scan_dedup import dev_stories, story


def all_pairs(matrix, days, threshold, window=STORY_WINDOW_DAYS) -> set[tuple[int, int]]:
    """The replaced implementation's pair selection, verbatim in substance."""
    sims = (matrix @ matrix.T).tocoo()
    apart = np.abs(days[sims.row] - days[sims.col])
    undated = (days[sims.row] < 0) | (days[sims.col] < 0)
    keep = (sims.row < sims.col) & (sims.data >= threshold) & (undated | (apart <= window))
    return set(zip(sims.row[keep].tolist(), sims.col[keep].tolist(), strict=True))


def blocked(matrix, days, threshold, budget) -> set[tuple[int, int]]:
    rows, cols = similar_pairs(matrix, days, threshold, budget=budget)
    return {(min(a, b), max(a, b)) for a, b in zip(rows.tolist(), cols.tolist(), strict=True)}


def crowded(items: list[Item]) -> list[Item]:
    """The dev stories squeezed into five weeks (so many fall within the window), every seventh undated."""
    out = []
    for n, item in enumerate(items):
        day = None if n % 7 == 3 else date(2025, 1, 1) + timedelta(days=(n * 5) % 35)
        out.append(item.model_copy(update={"published": day}))
    return out


def vectors(items: list[Item]):
    matrix = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(
        [f"{i.title}\n{i.title}\n{i.summary}" for i in items])
    days = np.array([(i.published.toordinal() if i.published else -1) for i in items])
    return matrix, days


@pytest.mark.parametrize("spread", ["as recorded", "crowded"])
@pytest.mark.parametrize("threshold", [0.1, 0.2, 0.3, NEAR_DUPLICATE])
@pytest.mark.parametrize("budget", [1, 7, 60, 4_000_000])
def test_blocked_pairs_equal_all_pairs_on_the_dev_stories(spread, threshold, budget):
    items = list(dev_stories().values())
    items = crowded(items) if spread == "crowded" else items
    matrix, days = vectors(items)
    expected = all_pairs(matrix, days, threshold)
    if spread == "crowded" and threshold <= 0.2:
        assert len(expected) > 10  # the comparison is not vacuous
    assert blocked(matrix, days, threshold, budget) == expected


def test_group_merges_the_same_items_as_before_on_the_dev_stories():
    items = crowded(list(dev_stories().values()))
    matrix, days = vectors(items)
    groups, merged = group(items)
    linked = {(a.id, b.id) for lead, also in groups for a in (lead, *also) for b in (lead, *also) if a.id < b.id}
    expected_pairs = all_pairs(matrix, days, NEAR_DUPLICATE)
    for i, j in expected_pairs:  # every pair the old product found is in one group
        assert (min(items[i].id, items[j].id), max(items[i].id, items[j].id)) in linked
    assert merged == sum(len(also) for _, also in groups) and merged >= len(expected_pairs) > 0


def test_undated_stories_match_stories_of_any_date_once():
    a = story("a", "Resident doctors strike for five days", "The BMA announced a five-day strike.", date(2025, 7, 10))
    b = story("b", "Resident doctors strike for five days", "The BMA announced a five-day strike.", date(2025, 10, 20))
    c = story("c", "Resident doctors strike for five days", "The BMA announced a five-day strike.", None)
    d = story("d", "Resident doctors strike for five days", "The BMA announced a five-day strike.", None)
    matrix, days = vectors([a, b, c, d])
    rows, cols = similar_pairs(matrix, days, NEAR_DUPLICATE, budget=1)
    found = sorted((min(x, y), max(x, y)) for x, y in zip(rows.tolist(), cols.tolist(), strict=True))
    assert found == [(0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]  # a-b are months apart; each pair once
