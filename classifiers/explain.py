"""Why an item is in an area: the terms of its own text that pushed its score up most.

A term's push is what it adds to the area's blended score: its learned weight
x tf-idf x the blend's weight on the learned model, plus its share of the
keyword prior when it is one of the area's keywords. Only words a reader can
use are shown: no stop words, numbers or single letters, no n-gram that starts
or ends in a function word, and no fragment (a term the text only has inside
a hyphenated word, such as "pre" of "pre-eclampsia"). Each term is shown as the
text writes it ("AF", "pre-eclampsia"), the area's own vocabulary first.

Everything is computed for a whole batch from the same sparse matrices that
scored it; explaining one item is the batch of one.
"""

from __future__ import annotations

import heapq
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from classifiers.features import WORD_PATTERN, phrase_terms

# Words too general to say why, beyond scikit-learn's English stop words.
GENERAL = frozenset({"use", "used", "uses", "using", "new", "based", "including", "include", "includes",
                     "within", "without", "per", "via", "vs", "versus", "get", "got", "make", "made"})
UNHELPFUL = ENGLISH_STOP_WORDS | GENERAL
_WORD = re.compile(WORD_PATTERN)


def usable(term: str) -> bool:
    """Whether a lower-cased n-gram can stand as a reason on its own."""
    tokens = term.split()
    if not tokens or tokens[0] in UNHELPFUL or tokens[-1] in UNHELPFUL:
        return False
    return all(not t.isdigit() and len(t) > 1 for t in tokens)


def _surface_pattern(term: str) -> str:
    words = r"[ \t\-\u2010-\u2015/]+".join(re.escape(t) for t in term.split())
    return rf"(?<![\w-]){words}(?![\w-])"


def _shown(found: str, spaced: bool = True) -> str | None:
    shown = " ".join(found.split()) if spaced else found  # one word holds no white space
    return None if shown.islower() and len(shown) < 3 else shown


class Explainer:
    """Turns the scoring matrices of a batch into a few readable terms per assigned area.

    Per (item, area) only the item's own non-zero features are read, with numpy; what is
    fixed per term (readable? the area's own word? the regular expression that finds it
    as written) is worked out once per term, not once per item.
    """

    def __init__(self, model, top: int = 3):
        self.model, self.top = model, top
        areas = model.areas
        self.names = model.feature_names()
        words, acronyms = phrase_terms([a.keywords for a in areas])
        self.is_keyword = np.zeros((len(areas), len(self.names)), dtype=bool)
        for term, js in words.items():
            if term in model.vocabulary_:
                self.is_keyword[sorted(js), model.vocabulary_[term]] = True
        # Each area's acronyms as (lower-cased name, tokens): counted as the prior counts them.
        self.acronyms = [[(t.lower(), re.findall(r"\w+", t)[:2]) for t, js in sorted(acronyms.items()) if j in js]
                         for j in range(len(areas))]
        self.vocabulary = [_area_words(a) for a in areas]
        self.readable = np.array([usable(t) for t in self.names], dtype=bool)
        self._terms: dict[str, tuple[bool, frozenset[str], re.Pattern]] = {}
        self._in_area: dict[tuple[str, int], bool] = {}

    def explain(self, texts: Sequence[str], counts, F, P, assigned: np.ndarray,
                block: int = 10_000) -> list[dict[int, list[str]]]:
        """For each text, {area index: terms} for the areas marked in ``assigned`` (n_texts, n_areas)."""
        out: list[dict[int, list[str]]] = [{} for _ in texts]
        current = -1  # the text whose tokens as written are at hand (made when an acronym needs them)
        tokens: tuple[list[str], Counter[str]] = ([], Counter())
        rows, areas = np.nonzero(assigned)
        for at in range(0, len(rows), block):  # a block of (item, area) pairs at a time bounds the memory
            docs, areas_of = rows[at:at + block], areas[at:at + block]
            learned, keywords, prior = self._pushes(counts, F, P, docs, areas_of)
            for n, (i, j) in enumerate(zip(docs.tolist(), areas_of.tolist())):
                pushes = dict(zip(*learned[n]))
                if prior[n] > 0:
                    found = dict(zip(*keywords[n]))
                    present = [acronym for acronym in self.acronyms[j] if acronym[1][0] in texts[i]]
                    if present:  # only a text that holds an acronym's letters is tokenised, once
                        if i != current:
                            written = _WORD.findall(texts[i])
                            current, tokens = i, (written, Counter(written))
                        _count_acronyms(found, *tokens, present)
                    total = sum(found.values())
                    for term, hits in found.items():  # share the prior's push by the keywords' counts
                        pushes[term] = pushes.get(term, 0.0) + prior[n] * hits / total
                out[i][j] = self._words(pushes, texts[i], j)
        return out

    def _pushes(self, counts, F, P, docs: np.ndarray, areas_of: np.ndarray):
        """Per pair (docs[n], areas_of[n]): (terms, learned pushes > 0), (keywords, counts) and the prior's push.

        One numpy pass over the pairs' rows; counts and F share their sparsity pattern.
        """
        a, b, _ = self.model.blend_.T
        starts, lengths = F.indptr[docs], F.indptr[docs + 1] - F.indptr[docs]
        pair = np.repeat(np.arange(len(docs)), lengths)
        at = np.arange(len(pair)) - np.repeat(np.cumsum(lengths) - lengths - starts, lengths)
        columns, area = F.indices[at], areas_of[pair]
        pushes = F.data[at] * self.model.coef_[area, columns] * b[area]
        prior = a[areas_of] * P[docs, areas_of]
        up = (pushes > 0) & self.readable[columns]
        mine = self.is_keyword[area, columns] & (prior > 0)[pair]
        return (_split(pair[up], len(docs), self.names[columns[up]].tolist(), pushes[up].tolist()),
                _split(pair[mine], len(docs), self.names[columns[mine]].tolist(), counts.data[at[mine]].tolist()),
                prior.tolist())

    def _words(self, pushes: dict[str, float], text: str, j: int) -> list[str]:
        chosen: list[tuple[bool, float, str]] = []
        taken: list[frozenset[str]] = []
        order = [(-push, term) for term, push in pushes.items()]
        heapq.heapify(order)  # the strongest first, ties by term; only as many popped as needed
        while order and len(chosen) < self.top:
            negative, term = heapq.heappop(order)
            readable, tokens, pattern = self._term(term)
            if not readable or (taken and any(tokens <= t or t <= tokens for t in taken)):
                continue  # debris, or part of (or containing) a term already shown
            found = pattern.search(text)
            shown = None if found is None else _shown(found.group(0), " " in term)
            if shown is None:
                continue
            taken.append(tokens)
            if (term, j) not in self._in_area:
                self._in_area[term, j] = all(t in self.vocabulary[j] for t in tokens if t not in UNHELPFUL)
            chosen.append((not self._in_area[term, j], negative, shown))
        return [choice[2] for choice in sorted(chosen)]

    def _term(self, term: str) -> tuple[bool, frozenset[str], re.Pattern]:
        """What is fixed per term: readable at all, its tokens, and the expression that finds it as written."""
        if term not in self._terms:
            self._terms[term] = (usable(term), frozenset(term.split()),
                                 re.compile(_surface_pattern(term), flags=re.IGNORECASE))
        return self._terms[term]


def _split(pair: np.ndarray, n: int, terms: list, values: list) -> list[tuple[list, list]]:
    """The (terms, values) of each of n pairs, from entries grouped by (sorted) pair index."""
    ends = np.cumsum(np.bincount(pair, minlength=n)).tolist()
    return [(terms[s:e], values[s:e]) for s, e in zip([0, *ends], ends)]


def _count_acronyms(found: dict[str, float], tokens: list[str], tally: Counter, acronyms) -> None:
    """Add each acronym's occurrences among the tokens (as written) to ``found``, under its lower-cased name."""
    for name, parts in acronyms:
        n = tally[parts[0]]
        if n and len(parts) == 2:
            n = sum(tokens[k + 1:k + 2] == parts[1:] for k, t in enumerate(tokens) if t == parts[0])
        if n:
            found[name] = found.get(name, 0.0) + n


def _area_words(area) -> set[str]:
    """Lower-cased words of an area's name, description and keywords."""
    text = " ".join([area.name, area.description, *area.keywords, *area.examples])
    return {w.lower() for w in _WORD.findall(text)}
