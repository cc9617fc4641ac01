"""One record per real-world thing: group items that are the same trial, paper or story.

Two ways to be the same thing:

* **Shared identifiers.** An item's id and its ``extras.xrefs`` are keys; items that
  share any key are one group, whichever side names the other. An ISRCTN record
  listing ``ctgov:NCT05057013`` joins ClinicalTrials.gov's ``ctgov:NCT05057013``, and
  a ClinicalTrials.gov record listing ``isrctn:ISRCTN62918594`` joins the ISRCTN one;
  two records giving the same EudraCT/CTIS/IRAS number or DOI join too.
* **Near-duplicate stories.** News and innovation items (a press release re-told by
  trade press, a trust and a network) dated within ``STORY_WINDOW_DAYS`` of each other
  (or undated) whose TF-IDF vectors (title counted twice + summary, word unigrams,
  English stop words, sublinear tf, fitted on the batch itself) have cosine similarity
  of at least ``NEAR_DUPLICATE`` are one group (and so are chains of them: the
  groups are connected components). Only stories within the window are ever compared,
  in date-sorted blocks (``similar_pairs``), so memory does not grow with the square of
  the week's stories. Guidance, trials and safety notices are never
  merged on wording: NICE's apixaban and edoxaban appraisals for atrial fibrillation
  score above 0.7 with each other and are different things.

How the threshold was chosen, on the 52 news/innovation items of the development set
(copied to tests/scanners/fixtures/dedup/dev_stories.jsonl; its summaries were paraphrased one by one,
so real re-tellings of one press release score higher than these). The one same-event pair, the July 2025 NHS
dental contract consultation told by gdpuk.com and dentistry.co.uk a day apart, scores
0.487. The highest different-story pairs are HEE's "About the NHS Digital Academy"
page against Imperial's "Digital Academy recruits the next cohort" (0.435, same year),
two resident-doctor strikes three months apart (0.382), Libre 3 stories a year apart
(0.378) and measles reports two months apart (0.33). ``NEAR_DUPLICATE = 0.45`` sits in
the gap, and the date window keeps different strikes and alerts apart even if their
wording converges. Titles alone were worse (the dental pair 0.78, but three Digital
Academy pages 0.64-0.67 with each other) and adding bigrams narrowed the gap (0.36 against
0.33). The figures are reproducible: tests/scanners/test_scan_dedup.py recomputes them.

The primary item of a group is the first in the input order (callers sort by rank
or preference first); the rest are its ``also`` items.
"""

from __future__ import annotations

from collections.abc import Sequence

from horizon.items import Item

NEAR_DUPLICATE = 0.45
STORY_WINDOW_DAYS = 14
STORY_TYPES = frozenset({"news", "innovation"})
BLOCK_BUDGET = 4_000_000  # similarity products per block: ~50 MB, whatever the batch size

Group = tuple[Item, tuple[Item, ...]]


def group(items: Sequence[Item], threshold: float = NEAR_DUPLICATE) -> tuple[list[Group], int]:
    """Groups of the same thing, in first-seen order, and how many items were merged away."""
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)  # the earlier item stays the root

    owner: dict[str, int] = {}
    for i, item in enumerate(items):
        for key in (item.id, *item.extras.xrefs):
            if key in owner:
                union(owner[key], i)
            else:
                owner[key] = i
    for cluster in story_clusters(items, threshold):
        for other in cluster[1:]:
            union(cluster[0], other)

    members: dict[int, list[int]] = {}
    for i in range(len(items)):
        members.setdefault(find(i), []).append(i)
    groups = [(items[idx[0]], tuple(items[j] for j in idx[1:])) for idx in members.values()]
    return groups, len(items) - len(groups)


def story_clusters(items: Sequence[Item], threshold: float = NEAR_DUPLICATE) -> list[list[int]]:
    """Indexes of news/innovation items that tell one story: linked by similarity, close in time."""
    idx = [i for i, item in enumerate(items) if item.type in STORY_TYPES]
    if len(idx) < 2:
        return []
    # sklearn and scipy are imported here, not at module level: core imports stay fast.
    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [f"{items[i].title}\n{items[i].title}\n{items[i].summary}" for i in idx]
    try:
        matrix = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)
    except ValueError:  # every text was stop words or empty
        return []
    days = np.array([_ordinal(items[i]) for i in idx])
    rows, cols = similar_pairs(matrix, days, threshold)
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(idx), len(idx)))
    _, labels = connected_components(graph, directed=False)
    clusters: dict[int, list[int]] = {}
    for position, label in enumerate(labels):
        clusters.setdefault(int(label), []).append(idx[position])
    return [members for members in clusters.values() if len(members) > 1]


def similar_pairs(matrix, days, threshold: float, window: int = STORY_WINDOW_DAYS,
                  budget: int = BLOCK_BUDGET):
    """Row pairs (each once) with cosine >= ``threshold`` and dates within ``window``: see steps.similarity."""
    from steps.similarity import similar_pairs as pairs

    return pairs(matrix, days, threshold, window, budget)


def _ordinal(item: Item) -> int:
    """The story's date as a day number, -1 when undated (undated stories match any date)."""
    when = item.published or item.updated
    return when.toordinal() if when else -1
