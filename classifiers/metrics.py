"""Scores for multi-label area predictions, ignoring cells nobody labelled."""

from __future__ import annotations

import numpy as np

from classifiers.model import UNKNOWN


def per_area(Y: np.ndarray, P: np.ndarray) -> list[tuple[int, int, int]]:
    """(true positives, false positives, false negatives) per area over labelled cells."""
    out = []
    for j in range(Y.shape[1]):
        known = Y[:, j] != UNKNOWN
        y, p = Y[known, j] == 1, P[known, j] == 1
        out.append((int((y & p).sum()), int((~y & p).sum()), int((y & ~p).sum())))
    return out


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall and F1 (0 where undefined)."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    return precision, recall, f1


def f1_scores(Y: np.ndarray, P: np.ndarray) -> dict:
    """Per-area (precision, recall, f1), and micro and macro F1 over areas that have positives."""
    counts = per_area(Y, P)
    areas = [prf(*c) for c in counts]
    scored = [a[2] for a, c in zip(areas, counts) if c[0] + c[2] > 0]
    tp, fp, fn = (sum(c[i] for c in counts) for i in range(3))
    return {"areas": areas, "micro": prf(tp, fp, fn)[2], "macro": float(np.mean(scored)) if scored else 0.0}


def wss(relevant: np.ndarray, scores: np.ndarray, recall: float = 0.95) -> float:
    """Work saved over sampling at a recall: share of items not read, minus (1 - recall).

    Items are read best score first; ties are read in the worst order for the scorer.
    """
    relevant = np.asarray(relevant, dtype=bool)
    n, wanted = len(relevant), int(np.ceil(recall * relevant.sum()))
    if wanted == 0:
        return 0.0
    order = np.lexsort((relevant, -np.asarray(scores, dtype=float)))  # ties: irrelevant first
    read = int(np.searchsorted(np.cumsum(relevant[order]), wanted) + 1)
    return (n - read) / n - (1 - recall)
