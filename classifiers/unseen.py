"""Scores for items the model was trained on, from models that never saw them (out-of-fold).

The bundled sample digest is built from the bundled labelled items, so a model
trained on all of them shows the sample at its training-set best (memorised
trial acronyms, perfect areas). ``UnseenClassifier`` splits the training items
into folds and scores each item that is one of them with the model fitted on
the other folds; any other item gets the model fitted on everything. What a
newcomer sees in the sample is then the model on text it has not seen.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.model_selection import KFold

from classifiers import persist
from horizon.config import Priorities
from horizon.digest import Classification
from horizon.errors import ModelError
from horizon.items import Item


def title_key(text: str) -> str:
    """An item's first line, lower-cased letters and digits only: the same record from any source."""
    first = text.split("\n", 1)[0]
    return re.sub(r"[^0-9a-z]+", " ", first.lower()).strip()


class UnseenClassifier:
    """Like ``AreaClassifier``, but an item that is in the training data is scored by a fold without it."""

    def __init__(self, full, folds: list, fold_of: dict[str, int]):
        self.full, self.folds, self.fold_of = full, folds, fold_of
        self.trained_on = [{key for key, g in fold_of.items() if g != f} for f in range(len(folds))]
        self.priorities, self.estimator = full.priorities, full.estimator

    def classify(self, items: Sequence[Item]) -> list[Classification]:
        """One verdict per item, in order; each from the full model or from the fold that did not see it."""
        which = [self.fold_of.get(title_key(item.text), -1) for item in items]
        out: list[Classification | None] = [None] * len(items)
        for f in sorted(set(which)):
            picked = [i for i, w in enumerate(which) if w == f]
            model = self.full if f < 0 else self.folds[f]
            for i, verdict in zip(picked, model.classify([items[i] for i in picked])):
                out[i] = verdict
        return out  # type: ignore[return-value]


def unseen_classifier(priorities: Priorities, data, full, model_dir: str | Path, k: int = 5) -> UnseenClassifier:
    """Fold models for ``data`` (a ``TrainingSet``) beside the ``full`` one, cached in ``model_dir``/unseen-F.

    Folds are cut over distinct titles, so two copies of one record fall in the same fold.
    """
    from classifiers import AreaClassifier
    from classifiers.training import RANDOM_STATE, TrainingSet, train

    keys = [title_key(t) for t in data.texts]
    distinct = sorted(set(keys))
    fold_of: dict[str, int] = {}
    for f, (_, held) in enumerate(KFold(k, shuffle=True, random_state=RANDOM_STATE).split(distinct)):
        fold_of.update({distinct[i]: f for i in held})
    models = []
    for f in range(k):
        rest = np.array([i for i, key in enumerate(keys) if fold_of[key] != f])
        part = TrainingSet([data.ids[i] for i in rest], [data.texts[i] for i in rest], data.Y[rest])
        directory = Path(model_dir) / f"unseen-{f}"
        model = _cached(priorities, part, directory) or train(priorities, part, directory, cv=None)
        models.append(AreaClassifier(priorities, model))
    return UnseenClassifier(full, models, fold_of)


def _cached(priorities: Priorities, data, directory: Path):
    """The saved fold model if it was fitted on exactly ``data``, else None."""
    try:
        meta = persist.read_info(directory)
        if meta and meta.get("data_hash") == data.hash and persist.matches(meta, priorities):
            return persist.load(directory, priorities)[0]
    except ModelError:
        return None
    return None

