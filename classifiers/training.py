"""What the classifier learns from, and the learning loop the weekly flow calls.

Training data is the bundled labelled dev set (or a file given with
``--labels``) plus every reviewer judgement in the store. ``ensure_current``
retrains when the store holds labels the saved model has not seen.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Protocol

import numpy as np
from sklearn.model_selection import KFold

from classifiers import persist
from classifiers.metrics import f1_scores
from classifiers.model import UNKNOWN, AreaModel
from classifiers.records import Record, read_records
from horizon.config import DEFAULT_DIR, Priorities, load_config
from horizon.items import Item
from horizon.records import Label

BUNDLED = Path(str(resources.files("classifiers") / "data" / "dev.jsonl"))
RANDOM_STATE = 0
# A reviewer's judgement counts as this many bundled labels: the team judges for its own ICS,
# so its calls should outweigh the generic bundled set (and the keywords) soon.
REVIEWER_WEIGHT = 3.0


class LabelSource(Protocol):
    """What training reads: the store, or a view of it whose labels are one ICS's (``horizon.store_icss``)."""

    def labels(self) -> list[Label]: ...

    def get(self, ids: Sequence[str]) -> Mapping[str, Item]: ...


@dataclass(frozen=True)
class TrainingSet:
    """Texts and their (n, n_areas) labels: 1, 0, or -1 where nobody judged that area."""

    ids: list[str]
    texts: list[str]
    Y: np.ndarray
    store_labels: int = 0  # reviewer judgements from the store that were used
    latest_label: str | None = None  # created_at of the newest one
    reviewed: int = 0  # the last ``reviewed`` rows are the store's reviewer judgements

    @property
    def weights(self) -> np.ndarray:
        """Per-row sample weight: 1 for bundled labels, ``REVIEWER_WEIGHT`` for reviewers' judgements."""
        out = np.ones(len(self.texts))
        if self.reviewed:
            out[-self.reviewed:] = REVIEWER_WEIGHT
        return out

    @property
    def hash(self) -> str:
        digest = hashlib.sha256()
        for id_, text, row in zip(self.ids, self.texts, self.Y):
            digest.update(f"{id_}\x1f{text}\x1f{row.tobytes().hex()}\x1e".encode())
        return digest.hexdigest()[:16]


@dataclass(frozen=True)
class TrainingReport:
    """What ``ensure_current`` did: whether it retrained, from how many labels, and how F1 moved."""

    retrained: bool
    items: int  # labelled texts in the training set
    store_labels: int  # reviewer judgements among them
    new_labels: int  # judgements the previous model had not seen
    cv_macro_f1_before: float | None  # cross-validated macro F1 of the previous model's training run
    cv_macro_f1_after: float | None  # the same for the model now in use
    model_dir: str


def label_matrix(records: list[Record], priorities: Priorities, known: tuple[str, ...]) -> np.ndarray:
    """Rows of 1/0 per area; areas outside ``known`` are unknown (-1)."""
    Y = np.full((len(records), len(priorities.ids)), UNKNOWN, dtype=np.int8)
    for j, area in enumerate(priorities.ids):
        if area in known:
            Y[:, j] = [area in (r.areas or ()) for r in records]
    return Y


def training_set(priorities: Priorities, labels_file: str | Path | None = None,
                 store: LabelSource | None = None) -> TrainingSet:
    """The labelled file (the bundled dev set by default) plus the store's reviewer labels."""
    if labels_file is None:  # bundled labels speak for the default areas only
        records = read_records(BUNDLED)
        known = tuple(a for a in load_config(DEFAULT_DIR).priorities.ids if a in priorities.ids)
    else:
        records = read_records(labels_file, priorities.ids, need_areas=True)
        known = priorities.ids
    ids, texts = [r.id for r in records], [r.text for r in records]
    Y = label_matrix(records, priorities, known)
    if store is None:
        return TrainingSet(ids, texts, Y)
    rows, used, latest = store_rows(store, priorities)
    if rows:
        ids += list(rows)
        texts += [t for t, _ in rows.values()]
        Y = np.vstack([Y, np.array([y for _, y in rows.values()], dtype=np.int8)])
    return TrainingSet(ids, texts, Y, used, latest, len(rows))


def store_rows(store: LabelSource, priorities: Priorities) -> tuple[dict[str, tuple[str, np.ndarray]], int, str | None]:
    """Reviewer judgements as {item_id: (text, label row)}, the number used and the newest time.

    An item's judgements apply in order: "relevant to A" sets A, "not A" clears A,
    "no area" clears all. Areas nobody mentioned count as not relevant.
    """
    labels = [row for row in store.labels() if row.area is None or row.area in priorities.ids]
    items = store.get(sorted({row.item_id for row in labels}))
    rows: dict[str, np.ndarray] = {}
    used, latest = 0, None
    for row in labels:
        if row.item_id not in items:
            continue  # a label for an item the store no longer has
        y = rows.setdefault(row.item_id, np.zeros(len(priorities.ids), dtype=np.int8))
        if row.area is None:
            y[:] = 0
        else:
            y[priorities.ids.index(row.area)] = int(bool(row.relevant))
        used += 1
        latest = max(latest or "", str(row.created_at))
    return {i: (items[i].text, y) for i, y in rows.items()}, used, latest


def new_model(priorities: Priorities, n_jobs: int = 1) -> AreaModel:
    """The estimator with the project's settings.

    One process by default: a team's few thousand labels fit in seconds, and starting worker
    processes costs more than it saves on a busy machine (bench/classifier.py prints both).
    """
    return AreaModel(areas=priorities.areas, random_state=RANDOM_STATE, n_jobs=n_jobs)


def cross_val_predict(priorities: Priorities, texts: list[str], Y: np.ndarray, k: int = 5,
                      weights: np.ndarray | None = None) -> np.ndarray:
    """Out-of-fold scores in [0, 1] (> 0.5: assigned); each fold tunes its thresholds inside its training part."""
    if not 2 <= k <= len(texts):
        raise ValueError(f"--cv must be from 2 to the number of items ({len(texts)}), got {k}")
    out = np.zeros(Y.shape, dtype=float)
    for train, test in KFold(k, shuffle=True, random_state=RANDOM_STATE).split(texts):
        part_weights = None if weights is None else weights[train]
        model = new_model(priorities).fit([texts[i] for i in train], Y[train], sample_weight=part_weights)
        out[test] = model.predict_proba([texts[i] for i in test])
    return out


def cv_macro_f1(priorities: Priorities, data: TrainingSet, k: int = 5) -> float | None:
    """Nested k-fold macro F1 over the areas with known labels (None if too few items)."""
    if len(data.texts) < 2 * k:
        return None
    predicted = (cross_val_predict(priorities, data.texts, data.Y, k, data.weights) > 0.5).astype(int)
    return round(f1_scores(data.Y, predicted)["macro"], 4)


def train(priorities: Priorities, data: TrainingSet, model_dir: str | Path, cv: int | None = 5) -> AreaModel:
    """Fit on ``data``, save it with its provenance, and return it."""
    model = new_model(priorities).fit(data.texts, data.Y, sample_weight=data.weights)
    info = {"data_hash": data.hash, "items": len(data.texts), "store_labels": data.store_labels,
            "latest_label": data.latest_label, "cv_macro_f1": cv_macro_f1(priorities, data, cv) if cv else None}
    persist.save(model, model_dir, priorities, info)
    return model


def ensure_current(priorities: Priorities, store: LabelSource, model_dir: str | Path | None = None, cv: int = 5,
                   unseen: bool = False):
    """The classifier to use this week, retrained first if the store has labels it has not seen.

    Returns ``(AreaClassifier, TrainingReport)``; ``cv`` folds give the F1 before/after (0: skip).
    ``unseen=True`` (the bundled sample) scores any item that is in the training data with a
    model fitted without it (``classifiers.unseen``), so the sample shows the model on unseen text.
    """
    classifier, report = _current(priorities, store, model_dir, cv)
    if not unseen:
        return classifier, report
    from classifiers.unseen import unseen_classifier

    data = training_set(priorities, store=store)
    return unseen_classifier(priorities, data, classifier, report.model_dir), report


def _current(priorities: Priorities, store: LabelSource, model_dir: str | Path | None, cv: int):
    from classifiers import AreaClassifier

    model_dir = Path(model_dir) if model_dir else persist.default_model_dir(priorities, getattr(store, "url", None))
    data = training_set(priorities, store=store)
    saved = persist.read_info(model_dir)
    if saved and saved.get("data_hash") == data.hash and persist.matches(saved, priorities):
        model, meta = persist.load(model_dir, priorities)
        report = TrainingReport(False, len(data.texts), data.store_labels, 0, meta.get("cv_macro_f1"),
                                meta.get("cv_macro_f1"), str(model_dir))
        return AreaClassifier(priorities, model), report
    model = train(priorities, data, model_dir, cv=cv or None)
    after = (persist.read_info(model_dir) or {}).get("cv_macro_f1")
    before = saved.get("cv_macro_f1") if saved else None
    new = data.store_labels - (saved.get("store_labels", 0) if saved else 0)
    report = TrainingReport(True, len(data.texts), data.store_labels, max(new, 0), before, after, str(model_dir))
    return AreaClassifier(priorities, model), report
