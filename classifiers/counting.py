"""Word unigram and bigram counts for a whole batch at once, equal to ``CountVectorizer``'s.

scikit-learn's ``CountVectorizer.transform`` looks every n-gram up in a Python
loop with its own bookkeeping; at 100,000 items that loop is most of the
classifier's time. Here a batch is tokenised in one go (``tokens.py``), each
token is looked up once (``map(dict.get)``, in C), bigrams are found with a
numpy hash table over the token ids and the counts come from one sort, so a
batch costs little more than tokenising it. Case-sensitive keywords ("AF",
"FFR-CT" as the tokens FFR, CT) are checked in capitals only where their
lower-cased tokens occur.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import repeat

import numpy as np
from scipy import sparse

from classifiers.tokens import SEPARATOR, batch_tokens

_FIBONACCI = np.uint64(0x9E3779B97F4A7C15)


class BatchCounter:
    """Counts of a fixed vocabulary of lower-cased unigrams and bigrams, plus case-sensitive phrases."""

    def __init__(self, vocabulary: dict[str, int], exact: dict[str, set[int]] | None = None, n_exact: int = 0):
        self.n_features = len(vocabulary)
        self.tokens: dict[bytes, int] = {}
        unigram, bigram = {}, {}
        for term, column in vocabulary.items():
            ids = [self.tokens.setdefault(p.encode("utf-8"), len(self.tokens)) for p in term.split(" ")]
            if len(ids) == 1:
                unigram[ids[0]] = column
            elif len(ids) == 2:
                bigram[ids[0] << 32 | ids[1]] = column
        self.exact = _Exact(exact or {}, n_exact)
        # The lower-cased exact tokens, so only their few positions are checked in capitals.
        exact_ids = [self.tokens.setdefault(t.lower().encode("utf-8"), len(self.tokens)) for t in self.exact.leading]
        self.unknown, self.separator = len(self.tokens), len(self.tokens) + 1
        self.tokens[SEPARATOR] = self.separator
        self.unigram_column = np.full(len(self.tokens) + 1, -1, dtype=np.int64)
        for token, column in unigram.items():
            self.unigram_column[token] = column
        self.is_exact = np.zeros(len(self.tokens) + 1, dtype=bool)
        self.is_exact[exact_ids] = True
        self.bigrams = PairTable(np.array(list(bigram), dtype=np.int64), np.array(list(bigram.values()), np.int64))

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
        flat = batch_tokens(texts)
        ids = np.fromiter(map(self.tokens.get, flat, repeat(self.unknown)), dtype=np.int64, count=len(flat))
        del flat
        doc = np.cumsum(ids == self.separator)  # each token's text (a separator counts as the next text's)
        uni = self.unigram_column[ids]
        at = np.flatnonzero(uni >= 0)
        rows, cols = [doc[at]], [uni[at]]
        if len(ids) > 1:
            column = self.bigrams.get(ids[:-1] << 32 | ids[1:])
            at = np.flatnonzero(column >= 0)
            rows.append(doc[at])
            cols.append(column[at])
        counts = _csr(np.concatenate(rows), np.concatenate(cols), len(texts), self.n_features)
        return counts, self._exact_hits(texts, ids, doc)

    def _exact_hits(self, texts: Sequence[str], ids: np.ndarray, doc: np.ndarray) -> sparse.csr_matrix:
        """Hits of the case-sensitive phrases, read off the tokens as written at the candidate positions only.

        Only the texts with a candidate are tokenised again (as written, in one batch); a text whose
        tokens lower-casing changed (rare letters) has no exact hits.
        """
        exact, at = self.exact, np.flatnonzero(self.is_exact[ids])
        if not len(at):
            return sparse.csr_matrix((len(texts), exact.n_columns), dtype=np.float32)
        docs = np.unique(doc[at])
        written = batch_tokens([texts[d] for d in docs.tolist()], lower=False)
        wid = np.fromiter(map(exact.tokens.get, written, repeat(-1)), dtype=np.int64, count=len(written))
        starts, lengths = _spans(ids == self.separator)
        wstarts, wlengths = _spans(wid == exact.separator)
        text, candidate = doc[at], np.searchsorted(docs, doc[at])
        k = at - starts[text]
        same = wlengths[candidate] == lengths[text]
        text, candidate, k = text[same], candidate[same], k[same]
        here = wid[wstarts[candidate] + k]
        following = np.where(k + 1 < wlengths[candidate],
                             wid[np.minimum(wstarts[candidate] + k + 1, len(wid) - 1)], -1)
        single = np.where(here >= 0, exact.single[np.maximum(here, 0)], -1)
        pair = np.full(len(here), -1, dtype=np.int64)
        both = (here >= 0) & (following >= 0)
        pair[both] = exact.pairs.get(here[both] << 32 | following[both])
        found = sparse.csr_matrix((np.ones(int((single >= 0).sum() + (pair >= 0).sum()), dtype=np.float32),
                                   (np.concatenate([text[single >= 0], text[pair >= 0]]),
                                    np.concatenate([single[single >= 0], pair[pair >= 0]]))),
                                  shape=(len(texts), exact.incidence.shape[0]))
        return sparse.csr_matrix(found @ exact.incidence)


def _spans(is_separator: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first position, number of tokens) of each text in a flat token stream with separators."""
    at = np.flatnonzero(is_separator)
    starts = np.concatenate([[0], at + 1])
    return starts, np.concatenate([at, [len(is_separator)]]) - starts


class PairTable:
    """Non-negative int64 keys to columns by open addressing: a few vectorised gathers, not a binary search."""

    def __init__(self, keys: np.ndarray, columns: np.ndarray):
        bits = max(4, (4 * len(keys)).bit_length())  # at most a quarter full: most look-ups end at the first slot
        self.mask, self.shift = (1 << bits) - 1, np.uint64(64 - bits)
        self.keys = np.full(1 << bits, -1, dtype=np.int64)
        self.columns = np.full(1 << bits, -1, dtype=np.int64)
        for key, column, slot in zip(keys.tolist(), columns.tolist(), self._slots(keys).tolist()):
            while self.keys[slot] >= 0:
                slot = (slot + 1) & self.mask
            self.keys[slot], self.columns[slot] = key, column

    def _slots(self, keys: np.ndarray) -> np.ndarray:
        return ((keys.astype(np.uint64) * _FIBONACCI) >> self.shift).astype(np.int64)

    def get(self, keys: np.ndarray) -> np.ndarray:
        """The column of each key, -1 where the key is not in the table."""
        out = np.full(len(keys), -1, dtype=np.int64)
        pending, slots = np.arange(len(keys)), self._slots(keys)
        while len(pending):
            found = self.keys[slots]
            hit = found == keys[pending]
            out[pending[hit]] = self.columns[slots[hit]]
            more = ~hit & (found >= 0)  # an occupied slot with another key: try the next one
            pending, slots = pending[more], (slots[more] + 1) & self.mask
        return out


def _csr(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int) -> sparse.csr_matrix:
    """Occurrences (row, column) as a canonical CSR count matrix (sorted columns, no duplicates)."""
    keys = np.sort(rows * n_cols + cols)
    first = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]])) if len(keys) else keys
    counts = np.diff(np.append(first, len(keys))).astype(np.float32)
    unique = keys[first]
    indptr = np.searchsorted(unique, np.arange(n_rows + 1) * n_cols)
    matrix = sparse.csr_matrix((counts, (unique % n_cols).astype(np.int32), indptr), shape=(n_rows, n_cols))
    matrix.has_canonical_format = True
    return matrix


class _Exact:
    """Case-sensitive phrases of one or two tokens ("AF", "FFR-CT") mapped to area columns.

    Each distinct token sequence is one phrase; ``incidence`` (phrases x columns) says whose it is.
    """

    def __init__(self, phrases: dict[str, set[int]], n_columns: int):
        self.n_columns, self.leading = n_columns, set()
        self.separator = -2
        self.tokens: dict[bytes, int] = {SEPARATOR: self.separator}
        singles: dict[int, set[int]] = {}
        pairs: dict[int, set[int]] = {}
        for phrase, columns in phrases.items():
            parts = re.findall(r"\w+", phrase)[:2]
            self.leading.add(parts[0])  # only a phrase's first token makes a text worth a second look
            ids = [self.tokens.setdefault(p.encode("utf-8"), len(self.tokens) - 1) for p in parts]
            key = ids[0] if len(ids) == 1 else ids[0] << 32 | ids[1]
            (singles if len(ids) == 1 else pairs).setdefault(key, set()).update(columns)
        self.single = np.full(len(self.tokens), -1, dtype=np.int64)
        self.single[list(singles)] = np.arange(len(singles))
        self.pairs = PairTable(np.array(list(pairs), dtype=np.int64), len(singles) + np.arange(len(pairs)))
        owners = [*singles.values(), *pairs.values()]
        rows = [k for k, columns in enumerate(owners) for _ in columns]
        self.incidence = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32),
                                            (rows, [c for columns in owners for c in sorted(columns)])),
                                           shape=(len(owners), n_columns))
