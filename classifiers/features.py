"""Text features: lower-cased word n-grams for the learned part, keyword hits for the prior.

One word counter (unigrams and bigrams) serves both: the learned logistic
regressions read its TF-IDF, and each area's word keywords are read off the
same counts, so no text is tokenised twice. Keywords written in capitals in
priorities.yaml ("AF", "FIT", "COPD") must match in capitals ("fit" the word is
not the test): they are read off the same tokens before lower-casing.
An area's ``negatives`` ("ocular hypertension") cancel the keyword hits they
overlap: the prior's sense cues.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

from classifiers.counting import BatchCounter
from horizon.config import Area

# Two or more capitals in one token, digits allowed: AF, COPD, FeNO, CGM, HbA1c, SGLT2, FFR-CT.
ACRONYM_PATTERN = r"(?<![\w-])[A-Z][a-z]?[A-Z0-9][A-Za-z0-9]*(?:-[A-Z0-9]+)*(?![\w-])"
# Single words, hyphens split ("pre-eclampsia" -> "pre eclampsia" as a bigram); one-letter tokens kept.
WORD_PATTERN = r"(?u)\b\w+\b"


def word_counter(vocabulary: dict[str, int] | None = None, min_df: int = 1) -> CountVectorizer:
    """Lower-cased word unigrams and bigrams."""
    return CountVectorizer(ngram_range=(1, 2), token_pattern=WORD_PATTERN, vocabulary=vocabulary,
                           min_df=min_df, dtype=np.float32)


def tfidf(idf: np.ndarray | None = None) -> TfidfTransformer:
    """Sub-linear tf x idf, rows scaled to unit length."""
    transformer = TfidfTransformer(sublinear_tf=True)
    if idf is not None:
        transformer.idf_ = idf
    return transformer


def is_acronym(keyword: str) -> bool:
    """A keyword that must match case-sensitively ("AF", "FIT", "FeNO")."""
    return re.fullmatch(ACRONYM_PATTERN, keyword) is not None


def phrase_terms(phrases_by_area: Sequence[Sequence[str]]) -> tuple[dict[str, set[int]], dict[str, set[int]]]:
    """Phrases as word terms (and plural) and acronym terms: {term: area indexes}.

    Phrases longer than two words are matched by their first two, which is what
    the word counts can see ("chronic obstructive", "faecal immunochemical").
    """
    analyse = CountVectorizer(token_pattern=WORD_PATTERN).build_analyzer()
    words: dict[str, set[int]] = {}
    acronyms: dict[str, set[int]] = {}
    for j, phrases in enumerate(phrases_by_area):
        for phrase in phrases:
            if is_acronym(phrase):
                acronyms.setdefault(phrase, set()).add(j)
                continue
            tokens = analyse(phrase)[:2]
            if tokens:
                for variant in (tokens, [*tokens[:-1], tokens[-1] + "s"]):
                    words.setdefault(" ".join(variant), set()).add(j)
    return words, acronyms


def with_terms(vocabulary: dict[str, int], terms: Sequence[str]) -> dict[str, int]:
    """The vocabulary extended by any terms it lacks (appended, so existing indexes stay)."""
    out = dict(vocabulary)
    for term in sorted(terms):
        out.setdefault(term, len(out))
    return out


def incidence(vocabulary: dict[str, int], terms: dict[str, set[int]], n_areas: int) -> sparse.csr_matrix:
    """(n_terms, n_areas) matrix: 1 where a vocabulary term is a phrase of an area."""
    rows, cols = [], []
    for term, areas in terms.items():
        if term in vocabulary:
            for j in areas:
                rows.append(vocabulary[term])
                cols.append(j)
    data = np.ones(len(rows), dtype=np.float32)
    return sparse.csr_matrix((data, (rows, cols)), shape=(len(vocabulary), n_areas))


class KeywordPrior:
    """Per-area keyword and negative-phrase hits, read off the batch's word counts and exact phrases."""

    def __init__(self, areas: Sequence[Area], vocabulary: dict[str, int]):
        self.n = n = len(areas)
        keywords = phrase_terms([a.keywords for a in areas])
        negatives = phrase_terms([getattr(a, "negatives", ()) for a in areas])
        self.word_hits = incidence(vocabulary, keywords[0], n)
        self.word_misses = incidence(vocabulary, negatives[0], n)
        # Case-sensitive phrases: columns 0..n-1 are keywords, n..2n-1 negatives.
        self.exact: dict[str, set[int]] = {}
        for phrase, js in keywords[1].items():
            self.exact.setdefault(phrase, set()).update(js)
        for phrase, js in negatives[1].items():
            self.exact.setdefault(phrase, set()).update(n + j for j in js)

    @staticmethod
    def terms(areas: Sequence[Area]) -> list[str]:
        """Every word term the vocabulary must hold for the prior to see it."""
        return [*phrase_terms([a.keywords for a in areas])[0], *phrase_terms([getattr(a, "negatives", ())
                                                                              for a in areas])[0]]

    def counter(self, vocabulary: dict[str, int]) -> BatchCounter:
        """The batch counter that gives both the word counts and these exact phrases."""
        return BatchCounter(vocabulary, self.exact, 2 * self.n)

    def hits(self, counts: sparse.csr_matrix, exact: sparse.csr_matrix) -> np.ndarray:
        """(n_texts, n_areas) keyword hits net of the negatives that overlap them, never below 0."""
        positive = counts @ self.word_hits + exact[:, :self.n]
        negative = counts @ self.word_misses + exact[:, self.n:]
        return np.maximum(np.asarray((positive - negative).todense()), 0.0)


def keyword_hits(areas: Sequence[Area], texts: Sequence[str]) -> np.ndarray:
    """Counts of each area's keywords in each text, (n_texts, n_areas): the keyword-rule baseline."""
    vocabulary = with_terms({}, KeywordPrior.terms(areas))
    prior = KeywordPrior(areas, vocabulary)
    return prior.hits(*prior.counter(vocabulary).transform(texts))
