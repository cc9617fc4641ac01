"""The "why" of each assigned area: words from the item's own text, in one batch, never debris.

Checked on every item of the bundled sample (the scanners' own parse of the recorded
responses), scored as the sample run scores them: by models that did not see them.
"""

from __future__ import annotations

import re

import pytest
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from classifiers import model
from classifiers.explain import Explainer
from classifiers.training import training_set
from classifiers.unseen import title_key, unseen_classifier
from horizon.items import Item
from tests.scanners.test_scan_samples import EXPECTED, scan


@pytest.fixture(scope="module")
def sample_items():
    items = [item for source in sorted(EXPECTED) for item in scan(source)[1].items]
    assert len(items) >= 0.9 * sum(EXPECTED.values())  # every source replayed
    return items


@pytest.fixture(scope="module")
def unseen(classifier, priorities, tmp_path_factory):
    return unseen_classifier(priorities, training_set(priorities), classifier, tmp_path_factory.mktemp("unseen"))


@pytest.fixture(scope="module", params=[pytest.param("unseen", marks=pytest.mark.slow), "full"])
def verdicts(request, sample_items, unseen, classifier):
    model = unseen if request.param == "unseen" else classifier
    return model, model.classify(sample_items)


def debris(term: str, text: str) -> str | None:
    """What is wrong with a "why" term, or None."""
    tokens = term.lower().replace("-", " ").split()
    if tokens[0] in ENGLISH_STOP_WORDS or tokens[-1] in ENGLISH_STOP_WORDS:
        return "starts or ends in a stop word"
    if any(t.isdigit() or len(t) < 2 for t in tokens):
        return "a number or a single letter"
    if not re.search(rf"(?<![\w-]){re.escape(term)}(?![\w-])", text):
        return "not a whole term of the item's text (a fragment)"
    return None


def test_no_why_term_in_the_sample_is_a_stop_word_number_or_fragment(verdicts, sample_items):
    _, found = verdicts
    problems = [(item.id, area, term, debris(term, item.text)) for item, verdict in zip(sample_items, found)
                for area, terms in verdict.why.items() for term in terms if debris(term, item.text)]
    assert problems == []
    assert sum(bool(v.why) for v in found) > 60  # the sample has plenty of items with areas to explain
    assert all(v.why[a] for v in found for a in v.areas)  # every assigned area says why


def test_explaining_the_batch_equals_explaining_each_item(verdicts, sample_items):
    model, found = verdicts
    assert [model.classify([item])[0] for item in sample_items] == found


def test_why_names_the_keyword_hits_as_the_text_writes_them(classifier):
    item = Item(id="t:af", source="t", type="news", title="Pharmacists find AF with handheld ECG devices",
                summary="Pre-eclampsia clinics were not involved; patients with AF were offered a DOAC.")
    verdict = classifier.classify([item])[0]
    assert "cardiovascular" in verdict.areas
    why = verdict.why["cardiovascular"]
    assert "AF" in why and "ECG" in why  # acronym keywords, in capitals
    assert why[0] in {"AF", "ECG", "DOAC"}  # the area's own vocabulary first


@pytest.mark.slow  # five fold models
def test_the_sample_is_scored_by_models_that_did_not_see_it(unseen, sample_items, classifier):
    folds = [unseen.fold_of.get(title_key(item.text)) for item in sample_items]
    assert sum(f is not None for f in folds) >= 0.9 * len(sample_items)  # the sample is the bundled items
    for item, fold in zip(sample_items, folds):
        if fold is not None:
            assert title_key(item.text) not in unseen.trained_on[fold]
    full = classifier.classify(sample_items)
    seen = unseen.classify(sample_items)
    assert sum(a.areas != b.areas for a, b in zip(full, seen)) > 0  # the training-set best is not what is shown


def test_small_blocks_and_chunks_give_the_same_verdicts(classifier, sample_items, monkeypatch):
    texts = [item.text for item in sample_items]
    counts, F, P = classifier.estimator.transform_parts(texts)
    assigned = classifier.estimator.decision_from(F, P) > 0
    explainer = Explainer(classifier.estimator)
    assert explainer.explain(texts, counts, F, P, assigned, block=7) == explainer.explain(texts, counts, F, P, assigned)
    whole = classifier.classify(sample_items)
    monkeypatch.setattr(model, "CHUNK", 50)  # the sample in five chunks
    assert classifier.classify(sample_items) == whole
    assert (classifier.estimator.decision_function(texts) > 0).tolist() == [
        [a in v.areas for a in classifier.priorities.ids] for v in whole]
