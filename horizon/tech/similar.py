"""Suggested links from text similarity: items that read like a technology but name none of its aliases.

TF-IDF over the batch's items and each technology's description, aliases and
developer; cosine similarity above a threshold becomes a *suggestion* that a
reviewer confirms or rejects. Pairs already linked, suggested or rejected are
skipped, so a reviewer's "no" is never asked again.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from horizon.items import Item

if TYPE_CHECKING:
    from horizon.store_tech import Technology

THRESHOLD = 0.1  # cosine similarity; on the sample, unrelated items score under 0.1
PER_TECH = 10  # suggestions per technology per run, best first: a reviewer's queue stays short


def tech_text(tech: Technology) -> str:
    return " ".join([tech.name, *tech.aliases, tech.developer, tech.description])


def suggest(techs: Sequence[Technology], items: Sequence[Item], skip: Collection[tuple[str, str]],
            threshold: float = THRESHOLD, per_tech: int = PER_TECH) -> list[dict]:
    """Link rows with status ``suggested`` and their score, for pairs not in ``skip``."""
    if not techs or not items:
        return []
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True, ngram_range=(1, 2), min_df=1)
    matrix = vectorizer.fit_transform([i.text for i in items] + [tech_text(t) for t in techs])
    item_vectors, tech_vectors = matrix[: len(items)], matrix[len(items):]
    scores = (tech_vectors @ item_vectors.T).tocsr()  # rows are L2-normalised: this is cosine similarity
    rows = []
    for t, tech in enumerate(techs):
        row = scores.getrow(t)
        ranked = sorted(zip(row.indices, row.data, strict=True), key=lambda p: -p[1])
        kept = 0
        for index, score in ranked:
            if score < threshold or kept >= per_tech:
                break
            item = items[index]
            if (tech.id, item.id) in skip:
                continue
            rows.append({"tech_id": tech.id, "item_id": item.id, "status": "suggested",
                         "score": round(float(score), 3), "how": "similarity"})
            kept += 1
    return rows
