"""Learning from reviewers: how F1 moved with their labels, and how far blind calls agree.

Training itself is a background job (``apps.workspace.jobs``); nothing here trains.
"""

from __future__ import annotations

from itertools import combinations

from horizon.config import Priorities
from horizon.records import Judgement, TrainingRun


def curve(runs: list[TrainingRun]) -> dict:
    """The learning curve from stored training runs (oldest first): points and one sentence.

    Each point is (reviewer labels used, cross-validated F1) of a run that reported an F1.
    The sentence compares the latest run with the first F1 on record: the first run's
    model before training when it was measured, else the first run itself.
    """
    points = [{"labels": r.labels, "f1": r.f1, "at": r.created_at, "by": r.by} for r in runs if r.f1 is not None]
    if not points:
        return {"points": [], "sentence": None}
    first, last = points[0], points[-1]
    before = next((r.report.get("f1_untrained") for r in runs if r.f1 is not None), None)
    start = before if before is not None else (first["f1"] if last is not first else None)
    sentence = f"With your {last['labels']} labels, estimated F1 {last['f1']:.2f}"
    if start is not None:
        sentence += f", {'up' if last['f1'] >= start else 'down'} from {start:.2f}"
    sentence += "."
    return {"points": points, "sentence": sentence, "svg": _svg(points)}


def _svg(points: list[dict], width: int = 480, height: int = 160) -> dict:
    """Coordinates for an inline SVG line chart (labels on x, F1 on y from its range)."""
    xs, ys = [p["labels"] for p in points], [p["f1"] for p in points]
    x0, x1 = min(xs), max(*xs, min(xs) + 1)
    y0, y1 = min(*ys, 0.5), 1.0
    pad = 30

    def at(p):
        return (round(pad + (p["labels"] - x0) / (x1 - x0) * (width - 2 * pad), 1),
                round(height - pad - (p["f1"] - y0) / (y1 - y0) * (height - 2 * pad), 1))

    dots = [(*at(p), p["labels"], p["f1"]) for p in points]
    return {"width": width, "height": height, "pad": pad, "dots": dots, "y0": y0, "x0": x0, "x1": x1,
            "path": " ".join(f"{'M' if i == 0 else 'L'}{x},{y}" for i, (x, y, *_) in enumerate(dots))}


def agreement(priorities: Priorities, current: dict[str, dict[str, Judgement]]) -> list[dict]:
    """Per area, how far reviewers who judged the same item agree: pairs, raw agreement, Cohen's kappa.

    ``current`` is ``store_review.blind_judgements(store)``: each reviewer's blind call, so a
    call changed after seeing a colleague's never inflates agreement. "Uncertain" is left out.
    Kappa is None when it is undefined (too few pairs, or every answer the same).
    """
    pairs = []
    for by_reviewer in current.values():
        decided = {r: j for r, j in by_reviewer.items() if j.state != "uncertain"}
        pairs += list(combinations([decided[r] for r in sorted(decided)], 2))
    out = []
    for area in priorities.areas:
        first = [int(a.state == "relevant" and area.id in a.areas) for a, _ in pairs]
        second = [int(b.state == "relevant" and area.id in b.areas) for _, b in pairs]
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
