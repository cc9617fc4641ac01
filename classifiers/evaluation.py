"""``horizon evaluate``: the model and the keyword-rule baseline scored side by side."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from classifiers.features import keyword_hits
from classifiers.metrics import f1_scores, wss
from classifiers.records import read_records
from classifiers.training import cross_val_predict, label_matrix
from horizon.config import Priorities
from horizon.errors import InputError


@dataclass(frozen=True)
class Evaluation:
    """Scores of the model and of the keyword baseline on one labelled file."""

    areas: tuple[str, ...]
    model: dict
    baseline: dict
    how: str  # "saved model" or "nested 5-fold CV"
    items: int


def evaluate_file(priorities: Priorities, path: str | Path, cv: int | None = None,
                  model_dir: str | Path | None = None) -> Evaluation:
    """Score FILE with the saved model, or by nested K-fold cross-validation when ``cv`` is given."""
    from classifiers import load_classifier

    records = read_records(path, priorities.ids, need_areas=True)
    texts = [r.text for r in records]
    Y = label_matrix(records, priorities, priorities.ids)
    if cv:
        try:
            scores = cross_val_predict(priorities, texts, Y, cv)
        except ValueError as err:
            raise InputError(f"{path}: {err}") from err
        how = f"nested {cv}-fold CV"
    else:
        scores = load_classifier(priorities, model_dir).estimator.predict_proba(texts)
        how = "saved model"
    predicted = (scores > 0.5).astype(int)
    hits = keyword_hits(priorities.areas, texts)
    relevant = (Y == 1).any(axis=1)
    model = {**f1_scores(Y, predicted), "wss95": wss(relevant, scores.max(axis=1))}
    baseline = {**f1_scores(Y, (hits > 0).astype(int)), "wss95": wss(relevant, hits.sum(axis=1))}
    return Evaluation(priorities.ids, model, baseline, how, len(records))


def render(ev: Evaluation) -> None:
    """A rich table: per-area P/R/F1 for both, then micro/macro F1 and WSS@95."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{ev.items} items, model by {ev.how} vs keyword rules")
    for column in ("area", "P", "R", "F1", "kw P", "kw R", "kw F1"):
        table.add_column(column, justify="left" if column == "area" else "right")
    for area, m, b in zip(ev.areas, ev.model["areas"], ev.baseline["areas"]):
        table.add_row(area, *(f"{v:.2f}" for v in (*m, *b)))
    table.add_section()
    for key, name in (("micro", "micro F1"), ("macro", "macro F1"), ("wss95", "WSS@95 (any area)")):
        table.add_row(name, "", "", f"{ev.model[key]:.3f}", "", "", f"{ev.baseline[key]:.3f}")
    Console().print(table)
