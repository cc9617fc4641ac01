"""Which stories are alike: pairs of TF-IDF rows with cosine at or above a threshold, close in time.

Why not one sparse product per block: a week's stories share their commonest words
("patients", "service", "NHS"), so a block's product is nearly dense, and at 45,000
stories it held a billion non-zeros of which a few hundred thousand reach the threshold
(most of a minute, most of the stage's memory). ``Cosines`` finds the same pairs while
computing only those that can reach it; a pair within ``AMBIGUOUS`` of the threshold is
recomputed in the order the replaced all-pairs product adds its terms, so the pairs are
exactly that product's (``tests/test_dedup_blocks.py``, ``tests/test_dedup_similarity.py``).
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix

DENSE_SHARE = 0.05  # a word in this share of the stories is one of the common words
MAX_DENSE = 256  # at most this many common words (the commonest): n x 256 doubles
SLACK = 1e-6  # margin on the bounds that skip pairs: far above the rounding of a cosine (~1e-15)
AMBIGUOUS = 1e-9  # a cosine this close to the threshold is recomputed in the reference order


class Cosines:
    """Which row pairs of an L2-normalised TF-IDF matrix reach ``threshold``, block by block.

    Every row is split into its common words (``dense``) and the rest (``sparse``); the
    cosine is the sum of the two parts' dot products, and the common part of a pair is at
    most the product of the rows' common-part norms (Cauchy-Schwarz). So a pair of rows
    that are both *light* (common-part norm below sqrt(threshold)) can reach the threshold
    only if they share rarer words enough to make up the difference: those pairs come from
    the sparse product, the only one computed for all pairs, and nearly all are dismissed
    there. Heavy rows (mostly common words) are compared with everything, densely.
    ``rows`` is each row's index in the caller's numbering: an exact sum adds the terms of
    the lower-numbered row in its stored order, as ``matrix @ matrix.T`` does.
    """

    def __init__(self, matrix: csr_matrix, rows: np.ndarray, threshold: float, dense_share: float = DENSE_SHARE):
        self.matrix, self.rows, self.threshold = csr_matrix(matrix), rows, threshold
        df = np.bincount(self.matrix.indices, minlength=self.matrix.shape[1])
        common = np.flatnonzero(df >= max(2, dense_share * self.matrix.shape[0]))
        common = common[np.argsort(-df[common], kind="stable")[:MAX_DENSE]]
        self.dense = self.matrix[:, common].toarray()
        self.sparse = self.matrix[:, np.setdiff1d(np.arange(self.matrix.shape[1]), common)].tocsr()
        self.norms = np.sqrt(np.einsum("ij,ij->i", self.dense, self.dense))
        self.heavy = self.norms >= np.sqrt(max(threshold, 0.0)) - SLACK  # every row when threshold <= 0

    def above(self, a: slice, b: slice) -> tuple[np.ndarray, np.ndarray]:
        """Positions (i counted from ``a.start``, j from ``b.start``) of the pairs with cosine >= threshold."""
        t = self.threshold
        rare = (self.sparse[a] @ self.sparse[b].T).tocsr()
        dense_a, dense_b, heavy_a, heavy_b = self.dense[a], self.dense[b], self.heavy[a], self.heavy[b]
        found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

        def scan(rows: np.ndarray, cols: np.ndarray | None) -> None:
            """Every pair of ``rows`` with ``cols`` (all columns if None), densely."""
            if not len(rows) or (cols is not None and not len(cols)):
                return
            other = dense_b if cols is None else dense_b[cols]
            extra = rare[rows] if cols is None else rare[rows][:, cols]
            block = dense_a[rows] @ other.T + extra.toarray()
            near = block >= t - AMBIGUOUS
            if t - AMBIGUOUS <= 0:  # as in a sparse product, rows that share no word are no pair
                near &= block > 0
            i, j = np.nonzero(near)
            found.append((rows[i], j if cols is None else cols[j], block[i, j]))

        scan(np.flatnonzero(heavy_a), None)
        scan(np.flatnonzero(~heavy_a), np.flatnonzero(heavy_b))
        pairs = rare.tocoo()  # light with light: the rare words must make up what the common ones cannot
        bound = self.norms[a][pairs.row] * self.norms[b][pairs.col]
        keep = ~heavy_a[pairs.row] & ~heavy_b[pairs.col] & (pairs.data >= t - bound - SLACK)
        i, j = pairs.row[keep], pairs.col[keep]
        found.append((i, j, np.einsum("ij,ij->i", dense_a[i], dense_b[j]) + pairs.data[keep]))

        i, j, values = (np.concatenate(part) for part in zip(*found, strict=True))
        keep = values >= t
        for n in np.flatnonzero(np.abs(values - t) < AMBIGUOUS):
            keep[n] = self.exact(int(i[n]) + (a.start or 0), int(j[n]) + (b.start or 0)) >= t
        return i[keep], j[keep]

    def exact(self, x: int, y: int) -> float:
        """Row x . row y, summed term by term in the order ``matrix @ matrix.T`` sums it."""
        if self.rows[x] > self.rows[y]:
            x, y = y, x
        m = self.matrix
        other = dict(zip(m.indices[m.indptr[y]:m.indptr[y + 1]].tolist(),
                         m.data[m.indptr[y]:m.indptr[y + 1]].tolist(), strict=True))
        total = 0.0
        for k, v in zip(m.indices[m.indptr[x]:m.indptr[x + 1]].tolist(),
                        m.data[m.indptr[x]:m.indptr[x + 1]].tolist(), strict=True):
            if k in other:
                total += v * other[k]
        return total


def similar_pairs(matrix, days, threshold: float, window: int, budget: int, dense_share: float = DENSE_SHARE):
    """Row pairs (each once) with cosine >= ``threshold`` and dates within ``window`` days.

    Never all pairs at once: dated stories are sorted by date and each block of rows is
    compared only with the stories from its own first row up to ``window`` days after its
    last, so every pair that can match is compared once and memory stays near ``budget``
    products per block. Undated stories (day < 0) match any date, so they are compared
    with every story, in blocks too.
    """
    dated = np.flatnonzero(days >= 0)
    order = dated[np.argsort(days[dated], kind="stable")]
    undated = np.flatnonzero(days < 0)
    everyone = np.concatenate([order, undated])  # positions: dated by date, then undated
    cosines = Cosines(matrix[everyone], everyone, threshold, dense_share)
    on = days[order]
    rows, cols = [], []
    start = 0
    while start < len(order):
        reach = int(np.searchsorted(on, on[start] + window, side="right"))
        stop = min(len(order), start + max(1, budget // (reach - start)))
        reach = int(np.searchsorted(on, on[stop - 1] + window, side="right"))
        i, j = cosines.above(slice(start, stop), slice(start, reach))
        i, j = i + start, j + start
        keep = (j > i) & (on[j] - on[i] <= window)
        rows.append(order[i[keep]])
        cols.append(order[j[keep]])
        start = stop
    step = max(1, budget // len(everyone))
    for start in range(len(order), len(everyone), step):
        i, j = cosines.above(slice(start, min(start + step, len(everyone))), slice(0, len(everyone)))
        a, b = everyone[i + start], everyone[j]
        keep = (a != b) & ((days[b] >= 0) | (a < b))  # undated pairs once
        rows.append(a[keep])
        cols.append(b[keep])
    empty = np.zeros(0, dtype=np.int64)
    return (np.concatenate(rows) if rows else empty), (np.concatenate(cols) if cols else empty)
