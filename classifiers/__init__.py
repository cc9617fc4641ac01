"""Classify items against the ICS priority areas.

``AreaClassifier`` turns items into ``Classification``s (a score per area, the
areas assigned, and the terms that drove each assignment).
"""

from __future__ import annotations

from collections.abc import Sequence

from horizon.config import Priorities
from horizon.digest import Classification
from horizon.items import Item
from classifiers.profile import ProfileClassifier


class AreaClassifier:
    """Wraps the scikit-learn estimator and speaks in Items and Classifications."""

    def __init__(self, priorities: Priorities, estimator: ProfileClassifier | None = None):
        self.priorities = priorities
        self.estimator = estimator or ProfileClassifier().fit(priorities.areas)

    def classify(self, items: Sequence[Item]) -> list[Classification]:
        if not items:
            return []
        texts = [item.text for item in items]
        scores = self.estimator.decision_function(texts)
        ids = self.priorities.ids
        out = []
        for item, text, row in zip(items, texts, scores):
            assigned = tuple(a for a, s in zip(ids, row) if s >= self.estimator.threshold)
            why = {a: tuple(self.estimator.explain(text, ids.index(a))) for a in assigned}
            out.append(Classification(
                item_id=item.id, scores={a: round(float(s), 4) for a, s in zip(ids, row)}, areas=assigned, why=why,
            ))
        return out


def load_classifier(priorities: Priorities) -> AreaClassifier:
    """The classifier for this priority configuration."""
    return AreaClassifier(priorities)
