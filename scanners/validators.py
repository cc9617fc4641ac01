"""ETag / Last-Modified validators per request URL, saved between runs for conditional requests."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode


@dataclass
class Validators:
    """ETag / Last-Modified per request URL, so a repeat request can be conditional.

    Keyed by the URL with its sorted query: the same page asked for the same way.
    Requests use only the validators loaded at the start (``entries``); what this run
    learns goes to ``learned``. So a retry within a run never gets a 304 for a page
    whose items were not stored yet: the caller saves ``dumps()`` after storing them.
    """

    entries: dict[str, dict[str, str]] = field(default_factory=dict)
    learned: dict[str, dict[str, str]] = field(default_factory=dict)

    @staticmethod
    def key(url: str, params: Mapping[str, str] | None = None) -> str:
        return f"{url}?{urlencode(sorted(params.items()))}" if params else url

    def headers_for(self, key: str) -> dict[str, str]:
        saved = self.entries.get(key, {})
        out = {}
        if etag := saved.get("etag"):
            out["If-None-Match"] = etag
        if modified := saved.get("last-modified"):
            out["If-Modified-Since"] = modified
        return out

    def remember(self, key: str, headers: Mapping[str, str]) -> None:
        lower = {k.lower(): v for k, v in headers.items()}
        kept = {name: lower[name] for name in ("etag", "last-modified") if lower.get(name)}
        if kept:
            self.learned[key] = kept

    def dumps(self) -> str:
        """Everything known, for the next run: what was loaded, updated by what this run learned."""
        return json.dumps({**self.entries, **self.learned}, sort_keys=True)

    @classmethod
    def loads(cls, text: str) -> Validators:
        """Validators from ``dumps`` output; anything unreadable starts an empty cache."""
        try:
            doc = json.loads(text)
        except ValueError:
            return cls()
        if not isinstance(doc, dict):
            return cls()
        return cls({k: {n: str(v) for n, v in e.items() if isinstance(v, str)}
                    for k, e in doc.items() if isinstance(k, str) and isinstance(e, dict)})
