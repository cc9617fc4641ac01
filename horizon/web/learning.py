"""Learning from reviewers: retrain the classifier on their labels, and measure their agreement.

``retrain`` is the one place the workspace trains the classifier. Until the classifiers
package offers ``ensure_current(priorities, store, model_dir) -> (AreaClassifier, report)``,
it uses what exists: ``load_classifier`` over the priority areas, with each area's
positively labelled items added to its seed examples (the profile model learns from
examples; it has no use for negative labels), and a k-fold cross-validated F1 over the
labelled items as the report. Switch the body of ``retrain`` to ``ensure_current`` then.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import combinations

from horizon.config import Config, Priorities
from horizon.items import Item
from horizon.store import Store

FOLDS = 5
MIN_ITEMS_FOR_CV = 4


def retrain(config: Config, store: Store):
    """Train on every label in the store: ``(classifier, report)``; the report has labels, items, f1."""
    truth, found = _truth(store)
    classifier = _fit(config.priorities, truth, found)
    report = {"labels": len(store.labels()), "items": len(truth), "f1": _cv_f1(config.priorities, truth, found),
              "f1_untrained": _f1(config.priorities, {}, truth, found, list(truth)),
              "method": f"area profiles + labelled examples, {min(FOLDS, len(truth))}-fold CV"}
    return classifier, report


def _truth(store: Store) -> tuple[dict[str, set[str]], dict[str, Item]]:
    """Per labelled item, the areas it belongs to (a majority of reviewers' labels; ties count as yes)."""
    votes: dict[str, Counter] = defaultdict(Counter)
    for row in store.labels():
        if row["area"] is None:
            votes[row["item_id"]].update()  # an item labelled "no area at all": known, with no areas
        else:
            votes[row["item_id"]][row["area"]] += 1 if row["relevant"] else -1
    found = store.get(list(votes))
    return {i: {a for a, v in c.items() if v >= 0} for i, c in votes.items() if i in found}, found


def _fit(priorities: Priorities, truth: dict[str, set[str]], found: dict[str, Item]):
    from classifiers import load_classifier

    examples: dict[str, list[str]] = defaultdict(list)
    for item_id, areas in sorted(truth.items()):
        for area in areas:
            examples[area].append(found[item_id].text)
    areas = tuple(a.model_copy(update={"examples": (*a.examples, *examples[a.id])}) for a in priorities.areas)
    return load_classifier(priorities.model_copy(update={"areas": areas}))


def _f1(priorities, train: dict[str, set[str]], truth, found, test_ids: list[str]) -> float | None:
    from sklearn.metrics import f1_score

    if not test_ids:
        return None
    verdicts = _fit(priorities, train, found).classify([found[i] for i in test_ids])
    ids = priorities.ids
    y_true = [[int(a in truth[i]) for a in ids] for i in test_ids]
    y_pred = [[int(a in v.areas) for a in ids] for v in verdicts]
    return round(float(f1_score(y_true, y_pred, average="micro", zero_division=0)), 4)


def _cv_f1(priorities: Priorities, truth: dict[str, set[str]], found: dict[str, Item]) -> float | None:
    """Micro F1 of predictions for each fold's items by a model trained on the other folds."""
    ids = sorted(truth)
    if len(ids) < MIN_ITEMS_FOR_CV:
        return None
    from sklearn.metrics import f1_score

    folds = min(FOLDS, len(ids))
    y_true, y_pred = [], []
    for k in range(folds):
        test = ids[k::folds]
        train = {i: truth[i] for i in ids if i not in test}
        verdicts = _fit(priorities, train, found).classify([found[i] for i in test])
        y_true += [[int(a in truth[i]) for a in priorities.ids] for i in test]
        y_pred += [[int(a in v.areas) for a in priorities.ids] for v in verdicts]
    return round(float(f1_score(y_true, y_pred, average="micro", zero_division=0)), 4)


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
