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

_WORDS = re.compile(r"\w+")  # the same tokens as tokens.py, on the text as written
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
        return counts, self.exact.hits(self._as_written(texts, ids, doc), doc, len(texts))

    def _as_written(self, texts, ids, doc) -> dict[int, str]:
        """The tokens at the exact phrases' candidate positions as the text writes them (capitals kept)."""
        at = np.flatnonzero(self.is_exact[ids])
        out: dict[int, str] = {}
        if not len(at):
            return out
        starts = np.concatenate([[0], np.flatnonzero(ids == self.separator) + 1, [len(ids) + 1]])
        current, written = -1, []
        for i in at.tolist():  # positions are in document order: one pass, each document tokenised once
            d = int(doc[i])
            if d != current:
                current, written = d, _WORDS.findall(texts[d])
                if len(written) != starts[d + 1] - 1 - starts[d]:  # lower-casing changed the tokens: skip
                    written = []
            if written:
                k = i - starts[d]
                out[i] = written[k]
                if k + 1 < len(written):  # the second token of a two-token phrase ("FFR-CT")
                    out[i + 1] = written[k + 1]
        return out


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
