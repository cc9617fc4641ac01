"""The area estimator: one logistic regression per area, thresholds tuned by cross-validation.

It learns from two things at once. The area profiles (name, description,
keywords and examples in priorities.yaml) become extra positive training texts
and a keyword-hit feature per area, so an area with too few labels still works
as a keyword rule; labelled items teach the rest. Each area's decision
threshold maximises F1 on out-of-fold scores of the labelled items.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from joblib import Parallel, delayed
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.validation import check_is_fitted

from classifiers.features import acronym_counter, incidence, keyword_terms, tfidf, with_terms, word_counter
from horizon.config import Area

UNKNOWN = -1  # a label matrix cell nobody judged: left out of that area's fit


def profile_texts(areas: Sequence[Area]) -> tuple[list[str], np.ndarray]:
    """Each area's profile and seed examples as texts labelled for that area only."""
    texts, rows = [], []
    for j, area in enumerate(areas):
        for text in (f"{area.name}. {area.description} {'; '.join(area.keywords)}", *area.examples):
            row = np.full(len(areas), UNKNOWN, dtype=np.int8)
            row[j] = 1
            texts.append(text)
            rows.append(row)
    return texts, np.array(rows, dtype=np.int8).reshape(len(rows), len(areas))


class AreaModel(ClassifierMixin, BaseEstimator):
    """Multi-label area classifier on texts; ``y`` is (n_texts, n_areas) of 1, 0 or -1 (unknown).

    ``predict`` gives 0/1 per area, ``predict_proba`` a score in [0, 1] that is 0.5
    exactly at the area's tuned threshold, ``explain`` the terms behind a score.
    """

    def __init__(self, areas: Sequence[Area] = (), C: float = 3.0, keyword_weight: float = 1.0,
                 threshold_cv: int = 5, min_positives: int = 4, random_state: int = 0, n_jobs: int = 1):
        self.areas = areas
        self.C = C
        self.keyword_weight = keyword_weight
        self.threshold_cv = threshold_cv
        self.min_positives = min_positives
        self.random_state = random_state
        self.n_jobs = n_jobs

    # -- fitting -----------------------------------------------------------------------
    def fit(self, X: Sequence[str], y) -> AreaModel:
        """Fit vectorizers on labelled and profile texts, then one model per area."""
        texts, Y = _check_texts(X), np.asarray(y, dtype=np.int8)
        if Y.ndim != 2 or Y.shape[0] != len(texts):
            raise ValueError(f"y must have shape (n_texts, n_areas), got {Y.shape} for {len(texts)} texts")
        if self.areas and Y.shape[1] != len(self.areas):
            raise ValueError(f"y has {Y.shape[1]} columns but there are {len(self.areas)} areas")
        extra, extra_y = profile_texts(self.areas) if self.areas else ([], np.empty((0, Y.shape[1]), np.int8))
        all_texts, all_Y = texts + extra, np.vstack([Y, extra_y])
        self.n_areas_ = Y.shape[1]
        word_terms, acronym_terms = keyword_terms(self.areas)
        self.word_vocabulary_ = with_terms(word_counter().fit(all_texts).vocabulary_, word_terms)
        try:
            acronyms = acronym_counter().fit(all_texts).vocabulary_
        except ValueError:  # no acronym anywhere
            acronyms = {}
        self.acronym_vocabulary_ = with_terms(acronyms, [*acronym_terms, "<none>"])
        words, acronyms, _, _ = self._counters()
        self.word_idf_ = tfidf().fit(words.transform(all_texts)).idf_.astype(np.float32)
        self.acronym_idf_ = tfidf().fit(acronyms.transform(all_texts)).idf_.astype(np.float32)
        F = self._features(all_texts)
        labelled = np.arange(len(texts))
        # Processes, not threads: liblinear draws from one global random generator, so fits in
        # threads of one process would interleave draws and stop being reproducible.
        fits = Parallel(n_jobs=self.n_jobs, prefer="processes")(
            delayed(self._fit_area)(F, all_Y[:, j], labelled, j) for j in range(self.n_areas_))
        self.coef_ = np.vstack([f[0] for f in fits]).astype(np.float32)
        self.intercept_ = np.array([f[1] for f in fits], dtype=np.float32)
        self.threshold_ = np.array([f[2] for f in fits], dtype=np.float32)
        self.supervised_ = np.array([f[3] for f in fits], dtype=bool)
        self.classes_ = np.array([0, 1])
        return self

    def _fit_area(self, F, y, labelled, j):
        """(coef, intercept, threshold, supervised) for one area."""
        known = np.flatnonzero(y != UNKNOWN)
        y_lab = y[labelled]
        n_pos, n_neg = int((y_lab == 1).sum()), int((y_lab == 0).sum())
        if min(n_pos, n_neg) < max(self.min_positives, self.threshold_cv):
            return self._keyword_rule(F.shape[1], j) + (False,)
        model = self._logistic().fit(F[known], y[known])
        return model.coef_.ravel(), float(model.intercept_[0]), self._tune(F, y, labelled, known), True

    def _logistic(self) -> LogisticRegression:
        # The dual liblinear solver is the same model, ~20x faster when features outnumber texts.
        return LogisticRegression(C=self.C, class_weight="balanced", solver="liblinear", dual=True, tol=1e-3,
                                  max_iter=1000,
                                  random_state=self.random_state)

    def _tune(self, F, y, labelled, known) -> float:
        """The threshold that maximises F1 on out-of-fold scores of the labelled texts."""
        rows = np.intersect1d(labelled, known)
        profile_rows = np.setdiff1d(known, labelled)
        scores = np.empty(len(rows), dtype=np.float64)
        # Beyond a few thousand texts three folds give plenty of out-of-fold scores, in 40% less time.
        k = self.threshold_cv if len(rows) < 5000 else min(self.threshold_cv, 3)
        folds = StratifiedKFold(k, shuffle=True, random_state=self.random_state)
        for train, test in folds.split(rows, y[rows]):
            fit_rows = np.concatenate([rows[train], profile_rows])
            scores[test] = self._logistic().fit(F[fit_rows], y[fit_rows]).decision_function(F[rows[test]])
        return best_threshold(scores, y[rows])

    def _keyword_rule(self, n_features: int, j: int) -> tuple[np.ndarray, float, float]:
        """Too few labels to learn from: assign the area when any of its keywords occurs."""
        coef = np.zeros(n_features, dtype=np.float32)
        coef[n_features - self.n_areas_ + j] = 1.0
        return coef, -0.5 * self.keyword_weight, 0.0

    # -- predicting --------------------------------------------------------------------
    def _counters(self):
        """Word and acronym counters and their keyword incidence matrices (built once per model)."""
        key = (id(self.word_vocabulary_), id(self.acronym_vocabulary_), tuple(a.id for a in self.areas))
        if getattr(self, "_built", (None,))[0] != key:
            word_terms, acronym_terms = keyword_terms(self.areas)
            n = self.n_areas_
            self._built = (key, word_counter(self.word_vocabulary_), acronym_counter(self.acronym_vocabulary_),
                           incidence(self.word_vocabulary_, word_terms, n),
                           incidence(self.acronym_vocabulary_, acronym_terms, n))
        return self._built[1:]

    def _features(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """[word tf-idf | acronym tf-idf | log keyword hits per area] for each text."""
        words, acronyms, word_hits, acronym_hits = self._counters()
        w, a = words.transform(texts), acronyms.transform(texts)
        hits = (w @ word_hits + a @ acronym_hits).tocsr()
        hits.data = np.log1p(hits.data) * self.keyword_weight
        return sparse.hstack([tfidf(self.word_idf_).transform(w), tfidf(self.acronym_idf_).transform(a), hits],
                             format="csr", dtype=np.float32)

    def decision_function(self, X: Sequence[str]) -> np.ndarray:
        """Logit minus the area's threshold, shape (n_texts, n_areas): > 0 means assigned."""
        check_is_fitted(self, "coef_")
        F = self._features(_check_texts(X))
        return np.asarray(F @ self.coef_.T) + self.intercept_ - self.threshold_

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        """A score in [0, 1] per area, 0.5 at the tuned threshold."""
        return 1.0 / (1.0 + np.exp(-self.decision_function(X)))

    def predict(self, X: Sequence[str]) -> np.ndarray:
        """0/1 per area."""
        return (self.decision_function(X) > 0).astype(int)

    def explain(self, text: str, area_index: int, top: int = 3) -> list[str]:
        """The item's terms that pushed this area's score up most (coefficient x tf-idf)."""
        check_is_fitted(self, "coef_")
        row = self._features([text]).tocoo()
        weights = row.data * self.coef_[area_index, row.col]
        n_text = len(self.word_vocabulary_) + len(self.acronym_vocabulary_)
        names, out = self.feature_names(), []
        for i in np.argsort(-weights):
            if weights[i] <= 0 or len(out) >= top:
                break
            if row.col[i] < n_text and str(names[row.col[i]]).lower() not in {o.lower() for o in out}:
                out.append(str(names[row.col[i]]))
        return out[:top]

    def feature_names(self) -> np.ndarray:
        """Names of the text features, words first, then acronyms."""
        if getattr(self, "_names", (None,))[0] is not self.word_vocabulary_:
            names = np.empty(len(self.word_vocabulary_) + len(self.acronym_vocabulary_), dtype=object)
            for term, i in self.word_vocabulary_.items():
                names[i] = term
            for term, i in self.acronym_vocabulary_.items():
                names[len(self.word_vocabulary_) + i] = term
            self._names = (self.word_vocabulary_, names)
        return self._names[1]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = False
        tags.classifier_tags.multi_label = True
        return tags


def best_threshold(scores: np.ndarray, y: np.ndarray) -> float:
    """The cut between two adjacent scores that gives the best F1 (ties: the lower cut)."""
    order = np.argsort(-scores, kind="stable")
    s, t = scores[order], y[order] == 1
    f1 = 2 * np.cumsum(t) / (np.arange(1, len(s) + 1) + t.sum())
    f1[:-1][s[1:] == s[:-1]] = -1  # cut only where the score changes
    i = int(np.argmax(f1))
    below = s[i + 1] if i + 1 < len(s) else s[i] - 1.0
    return float((s[i] + below) / 2)


def _check_texts(X) -> list[str]:
    if isinstance(X, str):
        raise ValueError("X must be a sequence of texts, got a single string")
    texts = list(X)
    if not all(isinstance(t, str) for t in texts):
        raise ValueError("X must contain only strings")
    return texts
