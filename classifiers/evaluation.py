"""``horizon evaluate``: the model beside the keyword rules and a plain TF-IDF + LR, per area.

With ``--cv K`` every figure is cross-validated: keywords, negatives and seed
examples come from priorities.yaml, fixed before any fold is seen; each fold's
model tunes its own blend and thresholds inside its training part only. With
``--repeats R`` the K-fold split is drawn R times (seeds 0..R-1) and the mean
is reported, with the spread, because one split cannot tell close models apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.model_selection import KFold

from classifiers.curve import plain_fit
from classifiers.features import keyword_hits
from classifiers.metrics import f1_scores, wss
from classifiers.records import read_records
from classifiers.training import label_matrix, new_model
from horizon.config import Priorities
from horizon.errors import InputError


@dataclass(frozen=True)
class Evaluation:
    """Scores of the model and the two baselines on one labelled file (means over repeats)."""

    areas: tuple[str, ...]
    model: dict  # "areas": [(P, R, F1)], "micro", "macro", "macro_runs", "wss95"
    plain: dict | None  # None when scoring a saved model (nothing to cross-validate)
    keywords: dict
    how: str
    items: int


def cross_val_scores(priorities: Priorities, texts: list[str], Y: np.ndarray, k: int, seed: int = 0):
    """Out-of-fold model scores in [0, 1] and plain-baseline 0/1 predictions for one K-fold split."""
    if not 2 <= k <= len(texts):
        raise ValueError(f"--cv must be from 2 to the number of items ({len(texts)}), got {k}")
    scores, plain = np.zeros(Y.shape), np.zeros(Y.shape, dtype=int)
    for train, test in KFold(k, shuffle=True, random_state=seed).split(texts):
        part, held = [texts[i] for i in train], [texts[i] for i in test]
        scores[test] = new_model(priorities).fit(part, Y[train]).predict_proba(held)
        plain[test] = plain_fit(part, Y[train])(held)
    return scores, plain


def evaluate_file(priorities: Priorities, path: str | Path, cv: int | None = None,
                  model_dir: str | Path | None = None, repeats: int = 1, store_url: str | None = None) -> Evaluation:
    """Score FILE with the saved model, or by K-fold cross-validation (repeated) when ``cv`` is given."""
    from classifiers import load_classifier

    records = read_records(path, priorities.ids, need_areas=True)
    texts = [r.text for r in records]
    Y = label_matrix(records, priorities, priorities.ids)
    relevant = (Y == 1).any(axis=1)
    hits = keyword_hits(priorities.areas, texts)
    keywords = {**f1_scores(Y, (hits > 0).astype(int)), "wss95": wss(relevant, hits.sum(axis=1))}
    if not cv:
        scores = load_classifier(priorities, model_dir, store_url).estimator.predict_proba(texts)
        model = {**f1_scores(Y, (scores > 0.5).astype(int)), "wss95": wss(relevant, scores.max(axis=1))}
        return Evaluation(priorities.ids, model, None, keywords, "saved model", len(records))
    runs, plains = [], []
    for seed in range(repeats):
        try:
            scores, plain = cross_val_scores(priorities, texts, Y, cv, seed)
        except ValueError as err:
            raise InputError(f"{path}: {err}") from err
        runs.append({**f1_scores(Y, (scores > 0.5).astype(int)), "wss95": wss(relevant, scores.max(axis=1))})
        plains.append(f1_scores(Y, plain))
    how = f"{cv}-fold CV" + (f", mean of {repeats} splits" if repeats > 1 else "")
    return Evaluation(priorities.ids, _mean(runs), _mean(plains), keywords, how, len(records))


def _mean(runs: list[dict]) -> dict:
    out: dict = {key: float(np.mean([r[key] for r in runs])) for key in runs[0] if key != "areas"}
    out["areas"] = [tuple(float(v) for v in np.mean([r["areas"][j] for r in runs], axis=0))
                    for j in range(len(runs[0]["areas"]))]
    out["macro_runs"] = [r["macro"] for r in runs]
    return out


def render(ev: Evaluation) -> None:
    """A rich table: per-area P/R/F1 of the model, F1 of both baselines, then micro/macro F1 and WSS@95."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{ev.items} items: model ({ev.how}) vs plain TF-IDF + LR and keyword rules")
    columns = ("area", "P", "R", "F1", *(("plain F1",) if ev.plain else ()), "kw P", "kw R", "kw F1")
    for column in columns:
        table.add_column(column, justify="left" if column == "area" else "right")
    for j, area in enumerate(ev.areas):
        plain = (f"{ev.plain['areas'][j][2]:.2f}",) if ev.plain else ()
        table.add_row(area, *(f"{v:.2f}" for v in ev.model["areas"][j]), *plain,
                      *(f"{v:.2f}" for v in ev.keywords["areas"][j]))
    table.add_section()
    for key, name in (("micro", "micro F1"), ("macro", "macro F1"), ("wss95", "WSS@95 (any area)")):
        plain = ((f"{ev.plain[key]:.3f}" if key in ev.plain else "",) if ev.plain else ())
        table.add_row(name, "", "", f"{ev.model[key]:.3f}", *plain, "", "", f"{ev.keywords[key]:.3f}")
    Console().print(table)
    if len(ev.model.get("macro_runs", [])) > 1:
        runs = ev.model["macro_runs"]
        print(f"model macro F1 per split: {', '.join(f'{r:.3f}' for r in runs)} "
              f"(min {min(runs):.3f}, max {max(runs):.3f})")
