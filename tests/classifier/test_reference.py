"""Predictions and "why" terms are exactly those recorded before the prediction path was sped up.

The reference (tests/fixtures/classifier/reference.json) was written by
``tests/fixtures/classifier/make_reference.py`` from the commit named in its
provenance; here the same texts are scored by the current code, trained the same way.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from classifiers import score_texts
from tests.fixtures.classifier.make_reference import REFERENCE, sample_items, synthetic, verdicts


@pytest.fixture(scope="module")
def reference():
    return json.loads(REFERENCE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def texts_by_set():
    return {"sample": sample_items(), "synthetic": synthetic()}


@pytest.mark.parametrize("which", ["sample", "synthetic"])
def test_verdicts_equal_the_recorded_ones(classifier, reference, texts_by_set, which):
    assert reference["provenance"]["areas"] == list(classifier.priorities.ids)
    expected, found = reference[which], verdicts(classifier, texts_by_set[which])
    assert [row[0] for row in found] == [row[0] for row in expected]
    assert [row[2:] for row in found] == [row[2:] for row in expected]  # areas and why, term for term
    assert [row[1] for row in found] == [row[1] for row in expected]  # every score, as classify rounds it


def test_the_classify_command_path_scores_as_classify_does(classifier, texts_by_set):
    items = texts_by_set["synthetic"]
    verdict_scores = np.array([row[1] for row in verdicts(classifier, items)])
    for n_jobs, chunk in [(1, 20_000), (2, 1_000)]:
        scores = score_texts(classifier.estimator, [item.text for item in items], n_jobs=n_jobs, chunk=chunk)
        assert np.abs(scores - verdict_scores).max() <= 5e-5  # the verdicts' scores are rounded to 4 decimals
