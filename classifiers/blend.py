"""How much to trust the keyword prior and how much the learned model, per area, from the labels.

Each area's score is ``a * prior + b * learned + c``. With no labels the three
weights are the prior's own (``a0, 0, c0``: the keyword rule); every label pulls
them towards what the labels say, through a logistic loss with a Gaussian
penalty around that starting point. So a handful of labels barely moves an
area off its keywords, and a few dozen outweigh them: the weight on the
keywords is set by the label count, not by hand.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

# The keyword rule as a starting point: one keyword hit (log1p(1) = 0.69) gives a
# score of about +1.2, none gives -3 (about 5%, the share of items in a typical area).
PRIOR_SLOPE, PRIOR_OFFSET = 6.0, -3.0


def fit_blend(prior: np.ndarray, learned: np.ndarray, y: np.ndarray, weight: np.ndarray, strength: float,
              learned_start: float = 1.0) -> np.ndarray:
    """(a, b, c) maximising the penalised, weighted log-likelihood of ``y`` (0/1) given the two scores.

    ``learned`` must be out-of-fold, so its weight reflects how well it does on unseen text.
    """
    X = np.column_stack([prior, learned, np.ones(len(y))])
    return shrunk_logistic(X, np.asarray(y, dtype=float), np.asarray(weight, dtype=float),
                           np.array([PRIOR_SLOPE, learned_start, PRIOR_OFFSET]), strength)


def shrunk_logistic(X: np.ndarray, t: np.ndarray, weight: np.ndarray, start: np.ndarray,
                    strength: float) -> np.ndarray:
    """Logistic-regression weights with a Gaussian penalty around ``start`` (damped Newton; convex)."""
    def loss(theta):
        z = X @ theta
        return np.sum(weight * (np.logaddexp(0.0, z) - t * z)) + 0.5 * strength * np.sum((theta - start) ** 2)

    theta = start.astype(float).copy()
    eye = np.eye(len(theta))
    for _ in range(100):
        p = expit(X @ theta)
        gradient = X.T @ (weight * (p - t)) + strength * (theta - start)
        hessian = (X * (weight * p * (1 - p))[:, None]).T @ X + strength * eye
        step, size, current = np.linalg.solve(hessian, gradient), 1.0, loss(theta)
        while loss(theta - size * step) > current - 1e-4 * size * gradient @ step and size > 1e-6:
            size /= 2
        theta = theta - size * step
        if np.abs(size * step).max() < 1e-8:
            break
    return theta


def best_threshold(scores: np.ndarray, y: np.ndarray) -> float:
    """The cut between two adjacent scores that gives the best F1 (ties: the lower cut)."""
    order = np.argsort(-scores, kind="stable")
    s, t = scores[order], y[order] == 1
    f1 = 2 * np.cumsum(t) / (np.arange(1, len(s) + 1) + t.sum())
    f1[:-1][s[1:] == s[:-1]] = -1  # cut only where the score changes
    i = int(np.argmax(f1))
    below = s[i + 1] if i + 1 < len(s) else s[i] - 1.0
    return float((s[i] + below) / 2)


def shrunk_threshold(scores: np.ndarray, y: np.ndarray, pseudo: float) -> float:
    """The F1-best cut, pulled towards 0 (the blend's own 50%) when there are few positives."""
    positives = int((np.asarray(y) == 1).sum())
    if positives == 0 or positives == len(y):
        return 0.0
    return best_threshold(scores, y) * positives / (positives + pseudo)
