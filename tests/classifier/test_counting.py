"""The batch counter gives exactly scikit-learn's counts, and keywords in capitals only in capitals."""

from __future__ import annotations

import re

import numpy as np

from classifiers.counting import BatchCounter, PairTable
from classifiers.features import WORD_PATTERN, KeywordPrior, keyword_hits, with_terms, word_counter
from classifiers.tokens import SEPARATOR, batch_tokens
from classifiers.training import training_set

ODD = ["Ünïcode İstanbul FFR-CT AF-related", "", "   ", "a b a b a", "pre-eclampsia PlGF\ntest\tFeNO",
       "a lone \ud800 surrogate, as JSON can carry one", "nul\x00inside"]


def test_counts_equal_count_vectorizers(priorities):
    texts = training_set(priorities).texts
    vocabulary = with_terms(word_counter().fit(texts[:120]).vocabulary_, KeywordPrior.terms(priorities.areas))
    expected = word_counter(vocabulary).transform(texts + ODD)
    counts, _ = BatchCounter(vocabulary).transform(texts + ODD)
    assert counts.shape == expected.shape and (counts != expected).nnz == 0


def test_acronym_keywords_match_only_in_capitals_and_negatives_cancel_their_sense(priorities):
    areas = priorities.ids
    hits = keyword_hits(priorities.areas, ["Patients with AF were offered FFR-CT", "Fit and well after surgery",
                                           "Fit for work", "FIT for bowel symptoms",
                                           "Ocular hypertension and glaucoma", "Opioids and respiratory depression"])
    cardio, cancer, mental = areas.index("cardiovascular"), areas.index("cancer-early-diagnosis"), \
        areas.index("mental-health")
    assert hits[0, cardio] == 2  # AF and FFR-CT
    assert hits[1, cancer] == hits[2, cancer] == 0 and hits[3, cancer] == 1  # "fit" is not FIT
    assert hits[4, cardio] == 0 and hits[5, mental] == 0  # sense cues: not these areas
    assert keyword_hits(priorities.areas, ["Hypertension in adults"])[0, cardio] == 1


def test_batch_tokens_are_the_word_patterns_tokens_for_every_character():
    every = "".join(map(chr, range(0x110000)))  # lone surrogates too: JSON can carry them ("\ud800")
    texts = [every, "x".join(every), "ΑΣ ΑΣ. ΑΣΑ Σ", "", "a\x00b", "  ", "İstanbul ǅemal STRAẞE ﬁbrosis", "é–e’s"]
    expected: list[bytes] = []
    for i, text in enumerate(texts):
        expected += [SEPARATOR] * (i > 0) + [t.encode() for t in re.findall(WORD_PATTERN, text.lower())]
    assert batch_tokens(texts) == expected
    assert batch_tokens(["ΑΣ ΑΣ. ΑΣΑ"]) == ["ας".encode(), "ας".encode(), "ασα".encode()]  # final sigma per text


def test_the_pair_table_finds_exactly_the_keys_it_holds():
    rng = np.random.default_rng(0)
    keys = np.unique(rng.integers(0, 1 << 40, 5000))
    table = PairTable(keys, np.arange(len(keys)))
    asked = np.concatenate([keys, rng.integers(0, 1 << 40, 20000), keys[::7]])
    expected = {k: i for i, k in enumerate(keys.tolist())}
    assert table.get(asked).tolist() == [expected.get(k, -1) for k in asked.tolist()]
    assert PairTable(np.empty(0, np.int64), np.empty(0, np.int64)).get(keys[:3]).tolist() == [-1, -1, -1]
