"""Classify items against the ICS priority areas.

``AreaClassifier`` turns items into ``Classification``s (a score per area, the
areas assigned, and the terms that drove each assignment). ``load_classifier``
gives one that works on a fresh clone (trained on the bundled labels on first
use and cached); ``ensure_current`` is the weekly learning loop.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from contextlib import contextmanager
from itertools import repeat
from pathlib import Path
from typing import Protocol

import numpy as np

from classifiers import persist
from classifiers.explain import Explainer
from classifiers.model import AreaModel, chunks
from classifiers.training import TrainingReport, ensure_current, train, training_set
from horizon.config import Priorities
from horizon.digest import Classification

__all__ = ["AreaClassifier", "TrainingReport", "ensure_current", "load_classifier", "score_texts"]


class Classifiable(Protocol):
    """What the classifier reads of an item: an Item, or a record of a file given to ``horizon classify``."""

    @property
    def id(self) -> str: ...

    @property
    def text(self) -> str: ...


class AreaClassifier:
    """Wraps the fitted estimator and speaks in Items and Classifications."""

    def __init__(self, priorities: Priorities, estimator: AreaModel, top_terms: int = 3):
        self.priorities = priorities
        self.estimator = estimator
        self.top_terms = top_terms

    def classify(self, items: Sequence[Classifiable]) -> list[Classification]:
        """One verdict per item: scores in [0, 1] (0.5 = the area's threshold), areas, and why.

        The batch is vectorised a chunk at a time; scores and explanations read the same matrices.
        """
        if not items:
            return []
        with paused_gc():  # many small containers, no cycles: collections would cost more than the work
            texts = [item.text for item in items]
            scores, assigned, why = [], [], []
            for part in chunks(texts):
                counts, F, P = self.estimator.transform_parts(part)
                scores.append(1.0 / (1.0 + np.exp(-self.estimator.decision_from(F, P))))
                assigned.append(scores[-1] > 0.5)
                why += self._explainer().explain(part, counts, F, P, assigned[-1])
            ids = self.priorities.ids
            return [Classification(item_id=item.id, scores=dict(zip(ids, map(round, row, repeat(4)))),
                                   areas=tuple(a for a, on in zip(ids, hit) if on),
                                   why={ids[j]: tuple(terms) for j, terms in sorted(reasons.items())})
                    for item, row, hit, reasons in zip(items, np.vstack(scores).tolist(), np.vstack(assigned), why)]

    def _explainer(self) -> Explainer:
        """One explainer per estimator: it works out what is fixed per term once, not per call."""
        key = (self.estimator, self.top_terms)
        if getattr(self, "_explaining", (None, None))[0] != key:
            self._explaining = (key, Explainer(self.estimator, self.top_terms))
        return self._explaining[1]


@contextmanager
def paused_gc():
    """No cyclic garbage collection inside the block (as it was after it).

    Building a batch's verdicts makes millions of small lists and dicts; each
    collection walks every tracked object, which at 100,000 items cost more
    than the explanations themselves. The block makes no reference cycles.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_classifier(priorities: Priorities, model_dir: str | Path | None = None,
                    store_url: str | None = None) -> AreaClassifier:
    """The saved classifier for these priorities (and store); with no ``model_dir``, train and cache one if needed.

    A model missing from the cache is trained on the bundled labels; ``horizon train``
    (or the weekly run) replaces it with one that has the store's reviewer labels too.
    """
    if model_dir is not None:
        return AreaClassifier(priorities, persist.load(model_dir, priorities)[0])
    cache = persist.default_model_dir(priorities, store_url)
    saved = persist.read_info(cache)
    if saved is None or not persist.matches(saved, priorities):
        train(priorities, training_set(priorities), cache, cv=None)
    return AreaClassifier(priorities, persist.load(cache, priorities)[0])


def score_texts(model: AreaModel, texts: Sequence[str], n_jobs: int = 1, chunk: int = 20_000) -> np.ndarray:
    """``predict_proba`` over many texts; with ``n_jobs`` > 1 split across processes in chunks (same result).

    One process is the default, and what ``horizon classify`` uses: at 100,000 items one
    process takes 1.4 s, two fresh worker processes 9.3 s (starting them and shipping the
    model and texts cost more than the scoring; docs/classifier.md, "Speed").
    """
    if n_jobs == 1 or len(texts) <= chunk:
        return model.predict_proba(texts)
    from joblib import Parallel, delayed

    parts = [texts[i:i + chunk] for i in range(0, len(texts), chunk)]
    return np.vstack(Parallel(n_jobs=n_jobs)(delayed(model.predict_proba)(p) for p in parts))
