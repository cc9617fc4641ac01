"""Learning from reviewers: retrain the classifier on their labels, and measure their agreement.

``retrain`` is the one place the workspace trains the classifier: the same learning
loop as the weekly run (``classifiers.ensure_current``), so a "retrain now" here and
the next weekly digest use one model.
"""

from __future__ import annotations

from dataclasses import asdict
from itertools import combinations

from horizon.config import Config, Priorities
from horizon.store import Store

FOLDS = 5


def retrain(config: Config, store: Store, model_dir: str | None = None):
    """Train on the bundled labels plus every reviewer label: ``(classifier, report)``.

    The report has ``labels`` (reviewer labels used), ``items`` (labelled texts), ``f1``
    (cross-validated macro F1 of the model now in use) and ``f1_untrained`` (the same for
    the model before this training, when there was one).
    """
    from classifiers import ensure_current

    classifier, trained = ensure_current(config.priorities, store, model_dir=model_dir, cv=FOLDS)
    report = asdict(trained) | {"labels": trained.store_labels, "f1": trained.cv_macro_f1_after,
                                "f1_untrained": trained.cv_macro_f1_before,
                                "method": f"per-area logistic regression, {FOLDS}-fold cross-validated"}
    return classifier, report


def current(config: Config, store: Store, model_dir: str | None = None):
    """The classifier in use, trained first (without cross-validation) only if labels changed."""
    from classifiers import ensure_current

    return ensure_current(config.priorities, store, model_dir=model_dir, cv=0)[0]


def agreement(priorities: Priorities, current: dict[str, dict[str, dict]]) -> list[dict]:
    """Per area, how far reviewers who judged the same item agree: pairs, raw agreement, Cohen's kappa.

    ``current`` is ``Store.current_judgements()``; "uncertain" judgements are left out.
    Kappa is None when it is undefined (too few pairs, or every answer the same).
    """
    pairs = []
    for by_reviewer in current.values():
        decided = {r: j for r, j in by_reviewer.items() if j["state"] != "uncertain"}
        pairs += list(combinations([decided[r] for r in sorted(decided)], 2))
    out = []
    for area in priorities.areas:
        first = [int(a["state"] == "relevant" and area.id in a["areas"]) for a, _ in pairs]
        second = [int(b["state"] == "relevant" and area.id in b["areas"]) for _, b in pairs]
        out.append({"area": area, "pairs": len(pairs), "agreement": _share(first, second),
                    "kappa": _kappa(first, second)})
    return out


def _share(first: list[int], second: list[int]) -> float | None:
    return round(sum(a == b for a, b in zip(first, second)) / len(first), 3) if first else None


def _kappa(first: list[int], second: list[int]) -> float | None:
    if len(first) < 2 or len(set(first) | set(second)) < 2:
        return None
    from sklearn.metrics import cohen_kappa_score

    return round(float(cohen_kappa_score(first, second)), 3)
