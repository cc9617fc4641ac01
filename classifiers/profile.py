"""Zero-label classifier: TF-IDF cosine similarity of an item to each area's profile.

An area's profile is its name, description, keywords and seed examples. This
needs no labelled data, so a fresh install classifies at once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

from horizon.config import Area


class ProfileClassifier(BaseEstimator):
    """Scores texts against area profiles; ``fit`` takes the areas, not labels."""

    def __init__(self, threshold: float = 0.12, top_terms: int = 3):
        self.threshold = threshold
        self.top_terms = top_terms

    def fit(self, areas: Sequence[Area], y=None) -> ProfileClassifier:
        self.area_ids_ = [a.id for a in areas]
        profiles = [" ".join([a.name, a.description, *a.keywords, *a.keywords, *a.examples]) for a in areas]
        self.vectorizer_ = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, stop_words="english")
        self.profiles_ = self.vectorizer_.fit_transform(profiles)
        self.terms_ = self.vectorizer_.get_feature_names_out()
        return self

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        """Cosine similarity of each text to each area profile, shape (n_texts, n_areas)."""
        check_is_fitted(self, "profiles_")
        return (self.vectorizer_.transform(texts) @ self.profiles_.T).toarray()

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return (self.decision_function(texts) >= self.threshold).astype(int)

    def explain(self, text: str, area_index: int) -> list[str]:
        """The terms shared by the text and the profile that contributed most."""
        check_is_fitted(self, "profiles_")
        row = self.vectorizer_.transform([text]).multiply(self.profiles_[area_index]).tocoo()
        order = np.argsort(-row.data)[: self.top_terms]
        return [str(self.terms_[row.col[i]]) for i in order]
