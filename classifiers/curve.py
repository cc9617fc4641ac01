"""Simulated teams: how macro F1 on unseen items grows as reviewers label more of them.

Each seed shuffles the labelled items and cuts them into ``folds`` test parts.
For each test part, the rest is split into a small "bundled" base and a pool
of items a team would review; the model is trained on the base plus the first
``k`` reviewed items and scores the test part. Out-of-fold predictions over all
test parts give one macro F1 per (seed, k). Nothing is tuned on the test part:
keywords and seed examples are fixed, thresholds are tuned inside training.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline

from classifiers.metrics import f1_scores

Fit = Callable[[list[str], np.ndarray, np.ndarray], Callable[[list[str]], np.ndarray]]  # -> predict 0/1


@dataclass(frozen=True)
class Curve:
    """Macro F1 per k (rows: seeds) for one model."""

    name: str
    ks: tuple[int, ...]
    f1: np.ndarray  # (n_seeds, n_ks)

    @property
    def mean(self) -> np.ndarray:
        return self.f1.mean(axis=0)


def plain_fit(texts: list[str], Y: np.ndarray, weights: np.ndarray | None = None):
    """Plain TF-IDF + one-vs-rest logistic regression (class-weighted), scikit-learn defaults otherwise.

    Every label counts once (``weights`` is ignored): the plain baseline as anyone would fit it.
    """
    known = np.where(Y < 0, 0, Y)
    pipeline = make_pipeline(TfidfVectorizer(), OneVsRestClassifier(LogisticRegression(class_weight="balanced")))
    constant = known.min(axis=0) == known.max(axis=0)  # OneVsRest cannot fit an area with one class
    with warnings.catch_warnings():  # an area no training item has: OneVsRest warns, predicts 0
        warnings.simplefilter("ignore", UserWarning)
        pipeline.fit(texts, known)
    fill = known[0]

    def predict(new: list[str]) -> np.ndarray:
        out = pipeline.predict(new)
        out[:, constant] = fill[constant]
        return out
    return predict


def model_fit(make_model) -> Fit:
    """A ``Fit`` for an ``AreaModel`` factory."""
    def fit(texts: list[str], Y: np.ndarray, weights: np.ndarray):
        return make_model().fit(texts, Y, sample_weight=weights).predict
    return fit


def simulate(texts: Sequence[str], Y: np.ndarray, fits: dict[str, Fit], ks: Sequence[int] = (0, 25, 50, 100, 150),
             seeds: Sequence[int] = (0, 1, 2), folds: int = 4, base: int = 40,
             reviewer_weight: float = 1.0) -> list[Curve]:
    """One ``Curve`` per named fit; every fit sees exactly the same splits.

    Reviewed items carry ``reviewer_weight`` (as the product weighs reviewers' judgements).
    """
    texts = list(texts)
    n = len(texts)
    pool_size = n - n // folds - base
    if pool_size < max(ks):
        raise ValueError(f"{n} items leave a review pool of {pool_size}, fewer than k = {max(ks)}")
    results = {name: np.zeros((len(seeds), len(ks))) for name in fits}
    for s, seed in enumerate(seeds):
        order = np.random.default_rng(seed).permutation(n)
        parts = np.array_split(order, folds)
        predicted = {name: np.zeros((len(ks), *Y.shape), dtype=int) for name in fits}
        for f, test in enumerate(parts):
            rest = np.concatenate([p for g, p in enumerate(parts) if g != f])
            for i, k in enumerate(ks):
                train = rest[:base + k]
                weights = np.where(np.arange(len(train)) < base, 1.0, reviewer_weight)
                for name, fit in fits.items():
                    predict = fit([texts[t] for t in train], Y[train], weights)
                    predicted[name][i][test] = predict([texts[t] for t in test])
        for name in fits:
            results[name][s] = [f1_scores(Y, predicted[name][i])["macro"] for i in range(len(ks))]
    return [Curve(name, tuple(ks), results[name]) for name in fits]
