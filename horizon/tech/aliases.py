"""Which technologies an item names: alias matching at word boundaries, case-aware for acronyms.

Rules, so a reader can predict every match:
- Words are runs of letters and digits; spaces and hyphens between words are the same
  ("lead-I ECG" matches "lead I ECG"), and an alias never matches inside a word
  ("DERM" is not in "dermatology", "FFR" not in "FFRct").
- An alias written with capitals after its first letter (an acronym or product
  spelling: "DERM", "FeNO", "HeartFlow") matches only that spelling or all capitals,
  so "Derm" and "derm" in ordinary prose are not the product.
- A one-word alias written with a single initial capital ("Liberate", "Kardia") is
  matched case-sensitively, and at the start of a sentence (where any word is
  capitalised) it counts only if the item names the technology another way too:
  "helps liberate staff" and "Liberate staff from paperwork" are not Liberate Pro.
- Every other alias ("single lead ECG", "skin analytics") matches in any case.

One index over every alias of every technology; each item is tokenised once, so the
cost grows with the text, not with the number of technologies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

_WORD = re.compile(r"[^\W_]+")
_SENTENCE_END = re.compile(r"[.!?:;\n]")

Mode = str  # "name" (a capitalised one-word alias) or "words" (compared word by word)


@dataclass(frozen=True)
class Alias:
    tech_id: str
    text: str
    words: tuple[str, ...]
    strict: tuple[bool, ...]  # per word: an acronym or product spelling, compared case-sensitively
    mode: Mode


def _acronym(word: str) -> bool:
    return any(ch.isupper() for ch in word[1:])


def compile_alias(tech_id: str, text: str) -> Alias | None:
    words = tuple(_WORD.findall(text))
    if not words:
        return None
    strict = tuple(_acronym(w) for w in words)
    mode = "name" if len(words) == 1 and not strict[0] and words[0][:1].isupper() else "words"
    return Alias(tech_id, text, words, strict, mode)


class AliasIndex:
    """Every alias of every technology, keyed by its first word (two words when it has more) in lower case.

    Two-word keys keep look-ups short when many names share a first word ("NHS App", "NHS Login").
    """

    def __init__(self, names: Mapping[str, Iterable[str]]):
        """``names``: {tech_id: [name, alias, ...]}."""
        self.by_first: dict[str, list[Alias]] = {}
        self.by_pair: dict[tuple[str, str], list[Alias]] = {}
        for tech_id, texts in names.items():
            for text in texts:
                alias = compile_alias(tech_id, text)
                if alias is None:
                    continue
                if len(alias.words) == 1:
                    self.by_first.setdefault(alias.words[0].lower(), []).append(alias)
                else:
                    key = (alias.words[0].lower(), alias.words[1].lower())
                    self.by_pair.setdefault(key, []).append(alias)

    def match(self, text: str) -> dict[str, str]:
        """{tech_id: the alias text that matched} for one text."""
        found_words = list(_WORD.finditer(text))
        words = [m.group(0) for m in found_words]
        lower = [w.lower() for w in words]
        found: dict[str, str] = {}
        last = len(words) - 1
        for i, key in enumerate(lower):
            candidates = self.by_first.get(key, [])
            if i < last and (pair := self.by_pair.get((key, lower[i + 1]))):
                candidates = [*candidates, *pair]
            for alias in candidates:
                if alias.tech_id in found or not _fits(alias, words, lower, i):
                    continue
                # A capitalised word opening a sentence may be ordinary prose: another alias must say it.
                if not (alias.mode == "name" and _sentence_start(text, found_words, i)):
                    found[alias.tech_id] = alias.text
        return found


def _fits(alias: Alias, words: Sequence[str], lower: Sequence[str], i: int) -> bool:
    n = len(alias.words)
    if i + n > len(words):
        return False
    if alias.mode == "name":
        return words[i] == alias.words[0]
    for want, strict, got, got_lower in zip(alias.words, alias.strict, words[i:i + n], lower[i:i + n], strict=True):
        if strict:
            if got != want and got != want.upper():
                return False
        elif got_lower != want.lower():
            return False
    return True


def _sentence_start(text: str, spans: Sequence[re.Match[str]], i: int) -> bool:
    if i == 0:
        return True
    return bool(_SENTENCE_END.search(text, spans[i - 1].end(), spans[i].start()))
