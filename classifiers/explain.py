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

import re
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


def surface(term: str, text: str) -> str | None:
    """The term as the text writes it, or None if the text has it only inside a longer word."""
    words = r"[ \t\-\u2010-\u2015/]+".join(re.escape(t) for t in term.split())
    found = re.search(rf"(?<![\w-]){words}(?![\w-])", text, flags=re.IGNORECASE)
    if found is None:
        return None
    shown = " ".join(found.group(0).split())
    return None if shown.islower() and len(shown) < 3 else shown


class Explainer:
    """Turns the scoring matrices of a batch into a few readable terms per assigned area."""

    def __init__(self, model, top: int = 3):
        self.model, self.top = model, top
        areas = model.areas
        self.names = model.feature_names()
        words, acronyms = phrase_terms([a.keywords for a in areas])
        self.keyword_columns: list[set] = [set() for _ in areas]
        for term, js in words.items():
            if term in model.vocabulary_:
                for j in js:
                    self.keyword_columns[j].add(model.vocabulary_[term])
        self.acronyms = [{t for t, js in acronyms.items() if j in js} for j in range(len(areas))]
        self.vocabulary = [_area_words(a) for a in areas]

    def explain(self, texts: Sequence[str], counts, F, P, assigned: np.ndarray) -> list[dict[int, list[str]]]:
        """For each text, {area index: terms} for the areas marked in ``assigned`` (n_texts, n_areas)."""
        a, b, _ = self.model.blend_.T
        out: list[dict[int, list[str]]] = [{} for _ in texts]
        for i, j in zip(*np.nonzero(assigned)):
            pushes = self._learned(F, i, j, b[j])
            self._add_keywords(pushes, counts, texts[i], i, j, a[j] * P[i, j])
            out[i][int(j)] = self._words(pushes, texts[i], j)
        return out

    def _learned(self, F, i: int, j: int, weight: float) -> dict[str, float]:
        start, end = F.indptr[i], F.indptr[i + 1]
        columns, values = F.indices[start:end], F.data[start:end]
        pushes = values * self.model.coef_[j, columns] * weight
        return {self.names[c]: float(v) for c, v in zip(columns, pushes) if v > 0}

    def _add_keywords(self, pushes: dict[str, float], counts, text: str, i: int, j: int, prior: float) -> None:
        """Share the prior's push among the area's keywords found in the text, by their counts."""
        if prior <= 0:
            return
        start, end = counts.indptr[i], counts.indptr[i + 1]
        row = zip(counts.indices[start:end], counts.data[start:end])
        found: dict[str, float] = {self.names[c]: float(v) for c, v in row if c in self.keyword_columns[j]}
        tokens = _WORD.findall(text) if self.acronyms[j] else []
        for term in self.acronyms[j]:  # counted as the prior counts them: the same tokens, in capitals
            parts = re.findall(r"\w+", term)[:2]
            n = sum(tokens[k:k + len(parts)] == parts for k in range(len(tokens)))
            if n:
                found[term.lower()] = found.get(term.lower(), 0.0) + n
        total = sum(found.values())
        for term, hits in found.items():
            pushes[term] = pushes.get(term, 0.0) + prior * hits / total

    def _words(self, pushes: dict[str, float], text: str, j: int) -> list[str]:
        chosen: list[tuple[bool, float, str]] = []
        taken: list[set[str]] = []
        for term, push in sorted(pushes.items(), key=lambda kv: (-kv[1], kv[0])):
            if len(chosen) >= self.top:
                break
            tokens = set(term.split())
            if not usable(term) or any(tokens <= t or t <= tokens for t in taken):
                continue  # debris, or part of (or containing) a term already shown
            shown = surface(term, text)
            if shown is None:
                continue
            taken.append(tokens)
            in_area = all(t in self.vocabulary[j] for t in tokens if t not in UNHELPFUL)
            chosen.append((not in_area, -push, shown))
        return [shown for *_, shown in sorted(chosen)]


def _area_words(area) -> set[str]:
    """Lower-cased words of an area's name, description and keywords."""
    text = " ".join([area.name, area.description, *area.keywords, *area.examples])
    return {w.lower() for w in _WORD.findall(text)}
