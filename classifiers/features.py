"""Text features: word n-grams, case-sensitive acronyms and area keyword hits.

Lower-casing turns "AF" into "af" and "FIT" into "fit" (a common word), so
acronyms get a second, case-sensitive pass of their own, and keywords written
in capitals in priorities.yaml match only in capitals.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from horizon.config import Area

# Two or more capitals in one token, digits allowed: AF, COPD, FeNO, CGM, HbA1c, SGLT2, FFR-CT.
ACRONYM_PATTERN = r"(?<![\w-])[A-Z][a-z]?[A-Z0-9][A-Za-z0-9]*(?:-[A-Z0-9]+)*(?![\w-])"
# Single words, hyphens split ("pre-eclampsia" -> "pre eclampsia" as a bigram); one-letter tokens kept.
WORD_PATTERN = r"(?u)\b\w+\b"


def word_vectorizer(min_df: int = 1) -> TfidfVectorizer:
    """Lower-cased word unigrams and bigrams, sub-linear term frequency."""
    return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=min_df, strip_accents="unicode",
                           token_pattern=WORD_PATTERN, dtype=np.float32)


def acronym_vectorizer() -> TfidfVectorizer:
    """Case-sensitive acronym tokens, so "AF" and "FIT" survive as themselves."""
    return TfidfVectorizer(lowercase=False, token_pattern=ACRONYM_PATTERN, sublinear_tf=True, dtype=np.float32)


def is_acronym(keyword: str) -> bool:
    """A keyword that must match case-sensitively ("AF", "FIT", "FeNO")."""
    return re.fullmatch(ACRONYM_PATTERN, keyword) is not None


class KeywordHits:
    """Counts each area's keyword phrases in texts: an (n_texts, n_areas) matrix.

    Not fitted from data: the phrases come from the priority config. Plain phrases
    match lower-cased (with a plural "s"); acronyms match case-sensitively.
    """

    def __init__(self, areas: Sequence[Area]):
        self.areas = tuple(areas)
        phrases: dict[str, set[int]] = {}
        acronyms: dict[str, set[int]] = {}
        analyse = CountVectorizer(token_pattern=WORD_PATTERN, strip_accents="unicode").build_analyzer()
        for j, area in enumerate(self.areas):
            for keyword in area.keywords:
                if is_acronym(keyword):
                    acronyms.setdefault(keyword, set()).add(j)
                    continue
                tokens = analyse(keyword)
                if tokens:
                    for variant in (tokens, [*tokens[:-1], tokens[-1] + "s"]):
                        phrases.setdefault(" ".join(variant), set()).add(j)
        n = len(self.areas)
        self._words = _counter(phrases, n, lowercase=True, pattern=WORD_PATTERN)
        self._acronyms = _counter(acronyms, n, lowercase=False, pattern=ACRONYM_PATTERN)

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """Keyword-hit counts per area."""
        out = sparse.csr_matrix((len(texts), len(self.areas)), dtype=np.float32)
        for counter in (self._words, self._acronyms):
            if counter is not None:
                vectorizer, incidence = counter
                out = out + vectorizer.transform(texts) @ incidence
        return out.tocsr()

    def matches(self, text: str, area_index: int) -> list[str]:
        """The keyword phrases of one area found in a text."""
        found = []
        for counter in (self._words, self._acronyms):
            if counter is not None:
                vectorizer, incidence = counter
                row = vectorizer.transform([text]).tocoo()
                names = vectorizer.get_feature_names_out()
                found += [str(names[c]) for c in row.col if incidence[c, area_index]]
        return found


def _counter(phrases: dict[str, set[int]], n_areas: int, lowercase: bool, pattern: str):
    if not phrases:
        return None
    vocab = sorted(phrases)
    n_grams = max(len(p.split()) for p in vocab)
    vectorizer = CountVectorizer(vocabulary=vocab, lowercase=lowercase, token_pattern=pattern,
                                 ngram_range=(1, n_grams), strip_accents="unicode", binary=False, dtype=np.float32)
    incidence = sparse.lil_matrix((len(vocab), n_areas), dtype=np.float32)
    for i, phrase in enumerate(vocab):
        for j in phrases[phrase]:
            incidence[i, j] = 1.0
    return vectorizer, incidence.tocsr()
