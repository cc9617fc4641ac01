"""The screening queue's arithmetic: what to review next, and how much relevant work is left.

Scores are the classifier's per-area scores in [0, 1], where 0.5 is an area's
threshold. The model learns most from the items it is least sure of, so those
come first; then the likely relevant ones, most likely first; items that matched
no area stay in the queue (last, unless the model is unsure of them), so misses
can still be found.
"""

from __future__ import annotations

from collections.abc import Mapping

UNCERTAIN_MARGIN = 0.15  # a score within this of an area's threshold is "unsure"
BINS = (0.0, 0.25, 0.5, 0.75, 1.01)  # score bands for estimating how many relevant items remain


def top_score(scores: Mapping[str, float]) -> float:
    return max(scores.values(), default=0.0)


def doubt(scores: Mapping[str, float]) -> float:
    """How close the item is to any area's threshold: 0 = exactly on it."""
    return min((abs(s - 0.5) for s in scores.values()), default=0.5)


def need_key(scores: Mapping[str, float] | None) -> tuple:
    """Sort key: unsure items (closest to a threshold first), then by top score, unscored last."""
    if not scores:
        return (2, 0.0, 0.0)
    if doubt(scores) <= UNCERTAIN_MARGIN:
        return (0, doubt(scores), -top_score(scores))
    return (1, -top_score(scores), doubt(scores))


def order(scored: Mapping[str, Mapping[str, float] | None]) -> list[str]:
    """Item ids in the order the model most needs them reviewed (ties by id, so it is stable)."""
    return sorted(scored, key=lambda item_id: (need_key(scored[item_id]), item_id))


def reason(scores: Mapping[str, float] | None) -> str:
    """Why an item is where it is in the queue, in words."""
    if not scores:
        return "not scored yet"
    if doubt(scores) <= UNCERTAIN_MARGIN:
        area = min(scores, key=lambda a: abs(scores[a] - 0.5))
        return f"the model is unsure about {area} ({scores[area]:.2f}, threshold 0.50)"
    best = max(scores, key=lambda a: scores[a])
    if scores[best] > 0.5:
        return f"likely relevant: {best} ({scores[best]:.2f})"
    return f"matched no area (best {best}, {scores[best]:.2f}): checking for misses"


def estimate_relevant(top_scores: Mapping[str, float], decided: Mapping[str, bool],
                      unreviewed: list[str]) -> float:
    """Expected relevant items among ``unreviewed``, from how often reviewed items of each score band were.

    ``decided`` maps reviewed item ids to whether the team judged them relevant. A band's
    rate is smoothed towards its midpoint by one pseudo-item, so an empty band still counts.
    """
    def band(score: float) -> int:
        return next(i for i in range(len(BINS) - 1) if score < BINS[i + 1])

    seen = [[0, 0] for _ in BINS[:-1]]  # per band: relevant, judged
    for item_id, relevant in decided.items():
        b = band(top_scores.get(item_id, 0.0))
        seen[b][0] += int(relevant)
        seen[b][1] += 1
    rates = [(rel + (BINS[i] + min(BINS[i + 1], 1.0)) / 2) / (n + 1) for i, (rel, n) in enumerate(seen)]
    return sum(rates[band(top_scores.get(i, 0.0))] for i in unreviewed)
