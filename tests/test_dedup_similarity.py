"""steps.similarity finds exactly the all-pairs product's pairs, however the words are split.

The split into common words (compared densely, bounded by Cauchy-Schwarz) and rare ones
(compared sparsely) changes only how much is computed: the oracle is the replaced
implementation in tests/test_dedup_blocks.py, on the bundled development stories.
"""

from __future__ import annotations

import numpy as np
import pytest

from steps.dedup import NEAR_DUPLICATE, STORY_WINDOW_DAYS
from steps.similarity import Cosines, similar_pairs
from tests.scanners.test_scan_dedup import dev_stories
from tests.test_dedup_blocks import all_pairs, crowded, vectors


def found(matrix, days, threshold, budget, share) -> set[tuple[int, int]]:
    rows, cols = similar_pairs(matrix, days, threshold, STORY_WINDOW_DAYS, budget, share)
    return {(min(a, b), max(a, b)) for a, b in zip(rows.tolist(), cols.tolist(), strict=True)}


@pytest.mark.parametrize("share", [0.0, 0.05, 0.2, 2.0])  # every shared word common ... none
@pytest.mark.parametrize("threshold", [0.0, 0.1, 0.3, NEAR_DUPLICATE])
@pytest.mark.parametrize("budget", [7, 4_000_000])
def test_pairs_equal_all_pairs_whatever_the_split(share, threshold, budget):
    matrix, days = vectors(crowded(list(dev_stories().values())))
    assert found(matrix, days, threshold, budget, share) == all_pairs(matrix, days, threshold)


@pytest.mark.parametrize("share", [0.0, 0.05, 2.0])
def test_the_split_reaches_both_ways_of_comparing(share):
    """Heavy rows (mostly common words) and light ones both occur, so both paths above are exercised."""
    matrix, _ = vectors(crowded(list(dev_stories().values())))
    heavy = Cosines(matrix, np.arange(matrix.shape[0]), NEAR_DUPLICATE, share).heavy
    assert (heavy.all(), heavy.any()) == {0.0: (False, True), 0.05: (False, True), 2.0: (False, False)}[share]


def test_a_cosine_exactly_at_the_threshold_counts_as_the_all_pairs_product_counts_it():
    """Pairs whose cosine equals the threshold to the last bit, and one bit above it."""
    items = crowded(list(dev_stories().values()))
    matrix, days = vectors(items)
    sims = (matrix @ matrix.T).tocoo()
    close = (sims.row < sims.col) & (np.abs(days[sims.row] - days[sims.col]) <= STORY_WINDOW_DAYS) \
        & (days[sims.row] >= 0) & (days[sims.col] >= 0)
    strongest = np.argsort(-np.where(close, sims.data, 0))[:5]
    for n in strongest:
        pair, value = (int(sims.row[n]), int(sims.col[n])), float(sims.data[n])
        for share in (0.0, 0.05, 2.0):
            assert pair in found(matrix, days, value, 4_000_000, share)
            assert pair not in found(matrix, days, float(np.nextafter(value, 2.0)), 4_000_000, share)
