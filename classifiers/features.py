"""Text features in two passes over each text: lower-cased words and case-sensitive acronyms.

Lower-casing turns "AF" into "af" and "FIT" into "fit" (a common word), so
acronyms get a second, case-sensitive pass of their own, and keywords written
in capitals in priorities.yaml match only in capitals. The per-area keyword
hits are read off the same word and acronym counts, so no text is analysed twice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

from horizon.config import Area

# Two or more capitals in one token, digits allowed: AF, COPD, FeNO, CGM, HbA1c, SGLT2, FFR-CT.
ACRONYM_PATTERN = r"(?<![\w-])[A-Z][a-z]?[A-Z0-9][A-Za-z0-9]*(?:-[A-Z0-9]+)*(?![\w-])"
# Single words, hyphens split ("pre-eclampsia" -> "pre eclampsia" as a bigram); one-letter tokens kept.
WORD_PATTERN = r"(?u)\b\w+\b"


def word_counter(vocabulary: dict[str, int] | None = None) -> CountVectorizer:
    """Lower-cased word unigrams and bigrams."""
    return CountVectorizer(ngram_range=(1, 2), strip_accents="unicode", token_pattern=WORD_PATTERN,
                           vocabulary=vocabulary, dtype=np.float32)


def acronym_counter(vocabulary: dict[str, int] | None = None) -> CountVectorizer:
    """Case-sensitive acronym tokens, so "AF" and "FIT" survive as themselves."""
    return CountVectorizer(lowercase=False, token_pattern=ACRONYM_PATTERN, vocabulary=vocabulary, dtype=np.float32)


def tfidf(idf: np.ndarray | None = None) -> TfidfTransformer:
    """Sub-linear tf x idf, rows scaled to unit length."""
    transformer = TfidfTransformer(sublinear_tf=True)
    if idf is not None:
        transformer.idf_ = idf
    return transformer


def is_acronym(keyword: str) -> bool:
    """A keyword that must match case-sensitively ("AF", "FIT", "FeNO")."""
    return re.fullmatch(ACRONYM_PATTERN, keyword) is not None


def keyword_terms(areas: Sequence[Area]) -> tuple[dict[str, set[int]], dict[str, set[int]]]:
    """Each area's keywords as word terms (and plural) and acronym terms: {term: area indexes}.

    Phrases longer than two words are matched by their first two, which is what
    the word counts can see ("chronic obstructive", "faecal immunochemical").
    """
    analyse = CountVectorizer(token_pattern=WORD_PATTERN, strip_accents="unicode").build_analyzer()
    words: dict[str, set[int]] = {}
    acronyms: dict[str, set[int]] = {}
    for j, area in enumerate(areas):
        for keyword in area.keywords:
            if is_acronym(keyword):
                acronyms.setdefault(keyword, set()).add(j)
                continue
            tokens = analyse(keyword)[:2]
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
    """(n_terms, n_areas) matrix: 1 where a vocabulary term is a keyword of an area."""
    rows, cols = [], []
    for term, areas in terms.items():
        if term in vocabulary:
            for j in areas:
                rows.append(vocabulary[term])
                cols.append(j)
    data = np.ones(len(rows), dtype=np.float32)
    return sparse.csr_matrix((data, (rows, cols)), shape=(len(vocabulary), n_areas))


def keyword_hits(areas: Sequence[Area], texts: Sequence[str]) -> np.ndarray:
    """Counts of each area's keywords in each text, (n_texts, n_areas): the keyword-rule baseline."""
    word_terms, acronym_terms = keyword_terms(areas)
    out = np.zeros((len(texts), len(areas)), dtype=np.float32)
    for terms, counter in ((word_terms, word_counter), (acronym_terms, acronym_counter)):
        if terms:
            vocabulary = with_terms({}, terms)
            out += (counter(vocabulary).transform(texts) @ incidence(vocabulary, terms, len(areas))).toarray()
    return out
