"""Word unigram and bigram counts for a whole batch at once, equal to ``CountVectorizer``'s.

scikit-learn's ``CountVectorizer.transform`` looks every n-gram up in a Python
loop with its own bookkeeping; at 100,000 items that loop is most of the
classifier's time. Here each text is tokenised by the same regular expression,
each token is looked up once (``map(dict.get)``, in C), and bigrams are found
with numpy over the token ids, so a batch costs little more than tokenising
it. Case-sensitive keywords ("AF", "FFR-CT" as the tokens FFR, CT) are checked
in capitals only where their lower-cased tokens occur.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import chain, repeat

import numpy as np
from scipy import sparse


class BatchCounter:
    """Counts of a fixed vocabulary of lower-cased unigrams and bigrams, plus case-sensitive phrases."""

    def __init__(self, vocabulary: dict[str, int], token_pattern: str,
                 exact: dict[str, set[int]] | None = None, n_exact: int = 0):
        self.pattern = re.compile(token_pattern)
        self.n_features = len(vocabulary)
        self.tokens: dict[str, int] = {}
        unigram, bigram = {}, {}
        for term, column in vocabulary.items():
            parts = term.split(" ")
            ids = [self.tokens.setdefault(p, len(self.tokens)) for p in parts]
            if len(ids) == 1:
                unigram[ids[0]] = column
            elif len(ids) == 2:
                bigram[ids[0] * (1 << 32) + ids[1]] = column
        self.unigram_column = np.full(len(self.tokens) + 1, -1, dtype=np.int64)
        for token, column in unigram.items():
            self.unigram_column[token] = column
        self.bigram_keys = np.array(sorted(bigram), dtype=np.int64)
        self.bigram_columns = np.array([bigram[k] for k in self.bigram_keys], dtype=np.int64)
        self.exact = _Exact(exact or {}, n_exact)
        # The lower-cased exact tokens, so only their few positions are checked in capitals.
        self.exact_ids = np.array(sorted({self.tokens.setdefault(t.lower(), len(self.tokens))
                                          for t in self.exact.leading}), dtype=np.int64)
        self.unigram_column = np.concatenate([self.unigram_column, np.full(
            len(self.tokens) + 1 - len(self.unigram_column), -1, dtype=np.int64)])

    def transform(self, texts: Sequence[str], chunk: int = 10_000) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
        """(word counts (n_texts, n_features), case-sensitive phrase hits (n_texts, n_exact)).

        Long batches go ``chunk`` texts at a time, so the token lists in memory stay small.
        """
        if len(texts) > chunk:
            parts = [self._transform(texts[i:i + chunk]) for i in range(0, len(texts), chunk)]
            return (sparse.vstack([p[0] for p in parts], format="csr"),
                    sparse.vstack([p[1] for p in parts], format="csr"))
        return self._transform(texts)

    def _transform(self, texts: Sequence[str]) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
        findall = self.pattern.findall
        found = [findall(text.lower()) for text in texts]
        lengths = np.fromiter(map(len, found), dtype=np.int64, count=len(found))
        flat = list(chain.from_iterable(found))
        ids = np.fromiter(map(self.tokens.get, flat, repeat(-1)), dtype=np.int64, count=len(flat))
        doc = np.repeat(np.arange(len(found)), lengths)
        rows, cols = _ngrams(ids, doc, self.unigram_column, self.bigram_keys, self.bigram_columns)
        counts = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                                   shape=(len(found), self.n_features))
        counts.sum_duplicates()
        at = np.flatnonzero(np.isin(ids, self.exact_ids)) if len(self.exact_ids) else np.empty(0, np.int64)
        return counts, self.exact.hits(self._as_written(texts, found, lengths, at, doc), doc, len(found))

    def _as_written(self, texts, found, lengths, at, doc) -> dict[int, str]:
        """The candidate tokens at positions ``at`` as the text writes them (capitals kept)."""
        out: dict[int, str] = {}
        starts = np.concatenate([[0], np.cumsum(lengths)])
        current, written = -1, []
        for i in at.tolist():  # positions are in document order: one pass, each document tokenised once
            d = int(doc[i])
            if d != current:
                current, written = d, self.pattern.findall(texts[d])
                if len(written) != len(found[d]):  # lower-casing changed the tokens (rare letters): skip
                    written = []
            if written:
                k = i - starts[d]
                out[i] = written[k]
                if k + 1 < len(written):  # the second token of a two-token phrase ("FFR-CT")
                    out[i + 1] = written[k + 1]
        return out


class _Exact:
    """Case-sensitive phrases of one or two tokens ("AF", "FFR-CT") mapped to area columns."""

    def __init__(self, phrases: dict[str, set[int]], n_columns: int):
        self.n_columns, self.leading = n_columns, set()
        self.tokens: dict = {}
        self.single: dict[int, set[int]] = {}
        self.pairs: dict[int, set[int]] = {}
        for phrase, columns in phrases.items():
            parts = re.findall(r"\w+", phrase)[:2]
            self.leading.add(parts[0])  # only a phrase's first token makes a text worth a second look
            ids = [self.tokens.setdefault(p, len(self.tokens)) for p in parts]
            key = ids[0] if len(ids) == 1 else ids[0] * (1 << 32) + ids[1]
            (self.single if len(ids) == 1 else self.pairs).setdefault(key, set()).update(columns)

    def hits(self, written: dict[int, str], doc: np.ndarray, n_docs: int) -> sparse.csr_matrix:
        """Hits per (text, column) from the candidate tokens {position: token as written}."""
        ids = {i: self.tokens.get(token, -1) for i, token in written.items()}
        rows, cols = [], []
        for i, token in ids.items():
            if token < 0:
                continue
            for column in self.single.get(token, ()):
                rows.append(doc[i])
                cols.append(column)
            following = ids.get(i + 1, -1)
            if following >= 0 and doc[i + 1] == doc[i]:
                for column in self.pairs.get(token * (1 << 32) + following, ()):
                    rows.append(doc[i])
                    cols.append(column)
        return sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n_docs, self.n_columns))


def _ngrams(ids, doc, unigram_column, bigram_keys, bigram_columns):
    """(rows, columns) of every unigram and bigram occurrence that is in the vocabulary."""
    known = ids >= 0
    uni = unigram_column[np.where(known, ids, -1)]
    rows, cols = [doc[uni >= 0]], [uni[uni >= 0]]
    if len(ids) > 1 and len(bigram_keys):
        pair = (doc[:-1] == doc[1:]) & known[:-1] & known[1:]
        keys = ids[:-1][pair] * (1 << 32) + ids[1:][pair]
        at = np.minimum(np.searchsorted(bigram_keys, keys), len(bigram_keys) - 1)
        hit = bigram_keys[at] == keys
        rows.append(doc[:-1][pair][hit])
        cols.append(bigram_columns[at[hit]])
    return np.concatenate(rows), np.concatenate(cols)
