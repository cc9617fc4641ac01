"""What a step of the run returns: what it kept, and what it dropped or counted, by reason.

The composition (``flows/week.py``) adds each step's counts to the run's ``Tally``
once, so every number in the summary comes from exactly one step; a key that two
steps both count would be counted twice, so the tally refuses it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class Kept(Generic[T]):
    """A step's output (``kept``) and its counts: dropped, skipped, new, changed, by reason."""

    kept: T
    counts: Counter[str] = field(default_factory=Counter)


class Tally:
    """The run's counts, each step's added once."""

    def __init__(self, counts: Mapping[str, int] | None = None):
        self.counts: Counter[str] = Counter(counts or {})
        self._by: dict[str, str] = dict.fromkeys(self.counts, "the run so far")

    def take(self, step: str, done: Kept[T]) -> T:
        """Add ``done``'s counts (from ``step``) and return what it kept."""
        for key in done.counts:
            if key in self._by:
                raise ValueError(f"{step} counted {key!r}, which {self._by[key]} counted already")
        self.counts.update(done.counts)  # zero counts stay: the summary shows "0 duplicates"
        self._by.update(dict.fromkeys(done.counts, step))
        return done.kept
