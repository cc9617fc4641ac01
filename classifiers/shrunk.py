"""The blend's penalised logistic regression as a scikit-learn classifier, so sklearn can check it.

``ShrunkLogisticRegression`` is logistic regression whose weights are pulled
towards a starting point (``prior_coef``, ``prior_intercept``) instead of
towards zero: the same ``shrunk_logistic`` the area model uses to weigh its
keyword prior against what it learned. Binary only.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from classifiers.blend import shrunk_logistic


class ShrunkLogisticRegression(ClassifierMixin, BaseEstimator):
    """Binary logistic regression with a Gaussian penalty of ``strength`` around a prior."""

    def __init__(self, prior_coef=None, prior_intercept: float = 0.0, strength: float = 1.0):
        self.prior_coef = prior_coef
        self.prior_intercept = prior_intercept
        self.strength = strength

    def fit(self, X, y, sample_weight=None):
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        kind = type_of_target(y, input_name="y", raise_unknown=True)
        if kind != "binary":
            raise ValueError(f"Only binary classification is supported. The type of the target is {kind}.")
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError("ShrunkLogisticRegression can't train when only one class is present.")
        if self.strength <= 0:
            raise ValueError(f"strength must be > 0, got {self.strength}")
        coef = np.zeros(X.shape[1]) if self.prior_coef is None else np.asarray(self.prior_coef, dtype=float)
        if coef.shape != (X.shape[1],):
            raise ValueError(f"prior_coef must have {X.shape[1]} values, one per feature, got {coef.shape}")
        weight = _check_sample_weight(sample_weight, X)
        theta = shrunk_logistic(np.column_stack([X, np.ones(len(X))]), (y == self.classes_[1]).astype(float),
                                weight, np.append(coef, self.prior_intercept), self.strength)
        self.coef_, self.intercept_ = theta[:-1].reshape(1, -1), theta[-1:]
        return self

    def decision_function(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return X @ self.coef_[0] + self.intercept_[0]

    def predict_proba(self, X):
        p = expit(self.decision_function(X))
        return np.column_stack([1 - p, p])

    def predict(self, X):
        positive = self.decision_function(X) > 0
        return self.classes_[positive.astype(int)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags
