"""A technology's evidence profile, derived from its linked items every time (never stored stale).

Guidance by NICE programme and status, trials by phase and status (UK sites, results
posted), safety notices, literature, news and adoption signals; a timeline; and one
line of readiness in words: "NICE early value assessment 2024; 2 UK trials recruiting;
no safety notices".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from horizon.items import Item

EVIDENCE_KINDS: tuple[str, ...] = ("guidance", "trials", "safety", "literature", "news")
KIND_OF_TYPE = {"guidance": "guidance", "trial": "trials", "safety": "safety", "literature": "literature",
                "news": "news", "innovation": "news"}  # innovation stories are adoption signals
# Registry statuses under which a trial takes participants now ("active, not recruiting" does not).
RECRUITING = frozenset({"RECRUITING", "ENROLLING_BY_INVITATION"})
# Words in a story that say another system is using the technology, not only that it exists.
ADOPTION_WORDS = ("rolling out", "rolled out", "roll-out", "rollout", "deployed", "deployment", "adopted",
                  "implemented", "available in", "now using", "used in", "goes live", "went live")


def evidence_kind(item: Item) -> str:
    return KIND_OF_TYPE.get(item.type, "news")


def day_of(item: Item) -> date | None:
    return item.updated or item.published


@dataclass
class Profile:
    """What a technology's evidence says, grouped the way a board paper asks for it."""

    counts: dict[str, int]
    guidance: dict[tuple[str, str], list[Item]] = field(default_factory=dict)  # (programme, status) -> items
    trials: dict[tuple[str, str], int] = field(default_factory=dict)  # (phase, status) as registered -> n
    uk_trials: int = 0
    recruiting_uk_trials: int = 0
    results_posted: int = 0
    adoption: list[Item] = field(default_factory=list)
    timeline: list[Item] = field(default_factory=list)  # newest first
    by_kind: dict[str, list[Item]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def readiness(self) -> str:
        """One line in words, for a list, a digest or a board paper."""
        parts = [_guidance(programme, status, found) for (programme, status), found in self.guidance.items()]
        if not self.guidance:
            parts.append("no NICE guidance")
        parts.append(self._trials())
        parts.append(_n(self.counts["safety"], "safety notice") if self.counts["safety"] else "no safety notices")
        if self.counts["literature"]:
            parts.append(_n(self.counts["literature"], "paper"))
        if self.counts["news"]:
            adoption = f", {len(self.adoption)} on adoption" if self.adoption else ""
            parts.append(f"{_n(self.counts['news'], 'news item')}{adoption}")
        return "; ".join(parts)

    def _trials(self) -> str:
        """"2 UK trials recruiting"; "4 trials, 3 in the UK, 1 recruiting in the UK, 1 with results posted"."""
        n, uk, recruiting = self.counts["trials"], self.uk_trials, self.recruiting_uk_trials
        if not n:
            return "no trials"
        words = _n(n, "UK trial") if uk == n else _n(n, "trial") + (f", {uk} in the UK" if uk else "")
        if recruiting:
            words += " recruiting" if recruiting == n else f", {recruiting} recruiting in the UK"
        if self.results_posted:
            words += f", {self.results_posted} with results posted"
        return words


def _guidance(programme: str, status: str, found: list[Item]) -> str:
    """"NICE medical technologies guidance 2017"; "... in development"; "... withdrawn 2020"."""
    state = "" if status in ("", "published") else f" {status}"
    years = sorted({d.year for d in (i.published or i.updated for i in found) if d})  # when it was issued
    when = f" {years[-1]}" if years and status != "in development" else ""
    return f"NICE {_lower_first(programme)}{state}{when}" + (f" (×{len(found)})" if len(found) > 1 else "")


def build(items: Sequence[Item]) -> Profile:
    """The profile of a technology from the items linked to it."""
    by_kind: dict[str, list[Item]] = {k: [] for k in EVIDENCE_KINDS}
    for item in items:
        by_kind[evidence_kind(item)].append(item)
    profile = Profile(counts={k: len(v) for k, v in by_kind.items()}, by_kind=by_kind)
    for item in by_kind["guidance"]:
        key = (item.extras.programme or "guidance", (item.extras.status or "").lower())
        profile.guidance.setdefault(key, []).append(item)
    phases: Counter[tuple[str, str]] = Counter()
    for trial in by_kind["trials"]:
        phases[(trial.extras.phase or "", trial.extras.status or "")] += 1
        if trial.uk:
            profile.uk_trials += 1
            if (trial.extras.status or "").upper().replace(" ", "_") in RECRUITING:
                profile.recruiting_uk_trials += 1
        if trial.extras.results_posted:
            profile.results_posted += 1
    profile.trials = dict(phases.most_common())
    profile.adoption = [i for i in by_kind["news"]
                        if any(w in f"{i.title} {i.summary}".lower() for w in ADOPTION_WORDS)]
    profile.timeline = sorted(items, key=lambda i: (day_of(i) or date.min, i.id), reverse=True)
    return profile


def _n(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text
