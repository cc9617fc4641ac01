"""The area estimator: a keyword prior blended with a learned TF-IDF logistic regression, per area.

For each area the score is ``a * prior + b * learned + c`` (see ``blend.py``):
``prior`` is log(1 + keyword hits) from priorities.yaml, net of the area's
negative phrases; ``learned`` is a class-weighted logistic regression on word
unigram and bigram TF-IDF fitted on the labels. The weights ``a, b, c`` are
themselves fitted on out-of-fold learned scores, starting from the keyword
rule and moving as far as the labels say. Each area's threshold is the
F1-best cut on those same out-of-fold scores, pulled towards the blend's 50%
when the area has few positives.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat

import numpy as np
from joblib import Parallel, delayed
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted

from classifiers.blend import fit_blend, shrunk_threshold
from classifiers.features import KeywordPrior, tfidf, with_terms, word_counter
from horizon.config import Area

UNKNOWN = -1  # a label matrix cell nobody judged: left out of that area's fit
CHUNK = 10_000  # texts scored at a time: bounds the memory of a large batch


class AreaModel(ClassifierMixin, BaseEstimator):
    """Multi-label area classifier on texts; ``y`` is (n_texts, n_areas) of 1, 0 or -1 (unknown).

    ``predict`` gives 0/1 per area, ``predict_proba`` a score in [0, 1] that is 0.5
    exactly at the area's tuned threshold; ``classifiers.explain`` says why.
    """

    def __init__(self, areas: Sequence[Area] = (), C: float = 10.0, prior_strength: float = 0.3,
                 threshold_pseudo: float = 5.0, cv: int = 5, min_df: int = 1, random_state: int = 0,
                 n_jobs: int = 1):
        self.areas = areas
        self.C = C
        self.prior_strength = prior_strength
        self.threshold_pseudo = threshold_pseudo
        self.cv = cv
        self.min_df = min_df
        self.random_state = random_state
        self.n_jobs = n_jobs

    # -- fitting -----------------------------------------------------------------------
    def fit(self, X: Sequence[str], y, sample_weight=None) -> AreaModel:
        """Fit the vocabulary on the texts, then one learned model, blend and threshold per area.

        ``sample_weight`` lets a label count more than once (a reviewer's judgement).
        """
        texts, Y = _check_texts(X), np.asarray(y)
        if Y.ndim != 2 or Y.shape[0] != len(texts):
            raise ValueError(f"y must have shape (n_texts, n_areas), got {Y.shape} for {len(texts)} texts")
        if self.areas and Y.shape[1] != len(self.areas):
            raise ValueError(f"y has {Y.shape[1]} columns but there are {len(self.areas)} areas")
        if not np.isin(Y, (UNKNOWN, 0, 1)).all():
            raise ValueError("y must hold only 1 (in the area), 0 (not in it) or -1 (unknown)")
        Y = Y.astype(np.int8)
        weight = np.ones(len(texts)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        if weight.shape != (len(texts),) or (weight <= 0).any():
            raise ValueError(f"sample_weight must be {len(texts)} positive numbers, one per text")
        self.n_areas_ = Y.shape[1]
        try:
            learned = word_counter(min_df=self.min_df).fit(texts).vocabulary_
        except ValueError:  # no word in any text
            learned = {}
        self.vocabulary_ = with_terms(learned, KeywordPrior.terms(self.areas))
        counts, exact = self._count(texts)
        self.idf_ = tfidf().fit(counts).idf_.astype(np.float32)
        F, P = self._tfidf(counts), self._prior(counts, exact)
        # Processes, not threads: liblinear draws from one global random generator, so fits in
        # threads of one process would interleave draws and stop being reproducible.
        fits = Parallel(n_jobs=self.n_jobs, prefer="processes")(
            delayed(self._fit_area)(F, P[:, j], Y[:, j], weight) for j in range(self.n_areas_))
        self.coef_ = np.vstack([f[0] for f in fits]).astype(np.float32)
        self.intercept_ = np.array([f[1] for f in fits], dtype=np.float32)
        self.blend_ = np.vstack([f[2] for f in fits]).astype(np.float64)
        self.threshold_ = np.array([f[3] for f in fits], dtype=np.float64)
        self.classes_ = np.array([0, 1])
        return self

    def _fit_area(self, F, prior, y, weight):
        """(coef, intercept, blend weights, threshold) for one area."""
        known = np.flatnonzero(y != UNKNOWN)
        F, prior, y, weight = F[known], prior[known], y[known], weight[known]
        n_pos, n_neg = int((y == 1).sum()), int((y == 0).sum())
        folds = min(self.cv, n_pos, n_neg)
        if folds < 2:  # nothing to learn from: the keyword rule
            blend = fit_blend(prior, np.zeros(len(y)), y, weight, self.prior_strength, learned_start=0.0)
            return np.zeros(F.shape[1], np.float32), 0.0, blend * [1, 0, 1], 0.0
        out_of_fold = np.empty(len(y))
        splits = StratifiedKFold(folds, shuffle=True, random_state=self.random_state).split(known, y)
        for train, test in splits:
            fitted = self._logistic().fit(F[train], y[train], sample_weight=weight[train])
            out_of_fold[test] = fitted.decision_function(F[test])
        model = self._logistic().fit(F, y, sample_weight=weight)
        blend = fit_blend(prior, out_of_fold, y, weight, self.prior_strength)
        scores = np.column_stack([prior, out_of_fold, np.ones(len(y))]) @ blend
        return model.coef_.ravel(), float(model.intercept_[0]), blend, shrunk_threshold(
            scores, y, self.threshold_pseudo)

    def _logistic(self) -> LogisticRegression:
        # The dual liblinear solver is the same model, much faster when features outnumber texts.
        return LogisticRegression(C=self.C, class_weight="balanced", solver="liblinear", dual=True, tol=1e-3,
                                  max_iter=1000, random_state=self.random_state)

    # -- features ----------------------------------------------------------------------
    def _built(self) -> tuple[KeywordPrior, object]:
        """The keyword prior and the batch counter for this vocabulary (built once per model)."""
        if getattr(self, "_cache", (None,))[0] is not self.vocabulary_:
            prior = KeywordPrior(self.areas, self.vocabulary_)
            self._cache = (self.vocabulary_, prior, prior.counter(self.vocabulary_))
        return self._cache[1:]

    def _count(self, texts: Sequence[str]):
        """(word counts, exact keyword-phrase hits) for texts, in one pass."""
        return self._built()[1].transform(texts)  # type: ignore[attr-defined]

    def _tfidf(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        """``TfidfTransformer(sublinear_tf=True)`` on the counts, the same operations without its copies.

        The result shares the counts' sparsity pattern (every count gives a tf-idf above 0).
        """
        data = np.log(counts.data)
        data += 1.0
        data *= self.idf_[counts.indices]
        F = sparse.csr_matrix((data, counts.indices, counts.indptr), shape=counts.shape)
        return normalize(F, copy=False) if F.shape[0] else F  # normalize refuses no rows; none need it

    def _prior(self, counts: sparse.csr_matrix, exact: sparse.csr_matrix) -> np.ndarray:
        if not self.areas:
            return np.zeros((counts.shape[0], self.n_areas_))
        return np.log1p(self._built()[0].hits(counts, exact))

    def transform_parts(self, X: Sequence[str]):
        """(word counts, TF-IDF, keyword prior) for texts: what scoring and explaining both read."""
        check_is_fitted(self, "coef_")
        counts, exact = self._count(_check_texts(X))
        return counts, self._tfidf(counts), self._prior(counts, exact)

    # -- predicting --------------------------------------------------------------------
    def decision_from(self, F: sparse.csr_matrix, P: np.ndarray) -> np.ndarray:
        """Blended score minus the area's threshold, from precomputed features."""
        learned = np.asarray(F @ self.coef_.T) + self.intercept_
        a, b, c = self.blend_.T
        return P * a + learned * b + c - self.threshold_

    def decision_function(self, X: Sequence[str]) -> np.ndarray:
        """Blended score minus the area's threshold, shape (n_texts, n_areas): > 0 means assigned.

        Scored ``CHUNK`` texts at a time: only the scores of the whole batch are kept.
        """
        texts = _check_texts(X)
        return np.vstack([self.decision_from(*self.transform_parts(part)[1:]) for part in chunks(texts)])

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        """A score in [0, 1] per area, 0.5 at the tuned threshold."""
        return 1.0 / (1.0 + np.exp(-self.decision_function(X)))

    def predict(self, X: Sequence[str]) -> np.ndarray:
        """0/1 per area."""
        return (self.decision_function(X) > 0).astype(int)

    def feature_names(self) -> np.ndarray:
        """Names of the TF-IDF features in column order."""
        if getattr(self, "_names", (None,))[0] is not self.vocabulary_:
            names = np.empty(len(self.vocabulary_), dtype=object)
            for term, i in self.vocabulary_.items():
                names[i] = term
            self._names = (self.vocabulary_, names)
        return self._names[1]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = False
        tags.classifier_tags.multi_label = True
        return tags


def chunks(texts: list[str]) -> list[list[str]]:
    """The texts ``CHUNK`` at a time (one empty chunk for no texts, so the shapes still come out)."""
    return [texts[i:i + CHUNK] for i in range(0, max(len(texts), 1), CHUNK)]


def _check_texts(X) -> list[str]:
    if isinstance(X, str):
        raise ValueError("X must be a sequence of texts, got a single string")
    texts = list(X)
    if not all(map(isinstance, texts, repeat(str))):
        raise ValueError("X must contain only strings")
    return texts
