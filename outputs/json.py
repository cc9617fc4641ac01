"""The JSON digest: a stable, documented shape for other programs.

The shape is described by ``schema/digest.schema.json`` (JSON Schema 2020-12) and
docs/digest-json.md; ``schema_version`` changes when a field is removed or changes
meaning. ``<``, ``>`` and ``&`` are written as ``\\u`` escapes so the file can be
embedded in an HTML page without closing a script element.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from horizon.digest import Digest, Entry
from horizon.items import Item
from horizon.text import safe_url
from outputs import entry_view, view
from outputs.base import Writer, WriterOptions

SCHEMA_VERSION = 2
_HTML_SAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def schema() -> dict[str, Any]:
    """The JSON Schema the digest JSON conforms to."""
    return json.loads((resources.files("outputs") / "schema" / "digest.schema.json").read_text(encoding="utf-8"))


def _item(item: Item) -> dict[str, Any]:
    return {"id": item.id, "source": item.source, "type": item.type, "title": item.title, "url": safe_url(item.url)}


def _entry(entry: Entry, rank: int) -> dict[str, Any]:
    item, verdict = entry.item, entry.classification
    return {
        "rank": rank,
        **_item(item),
        "publisher": ", ".join(entry_view.publishers(item, entry.also)),
        "what": entry.kind,
        "sources": list(entry.sources),
        "summary": item.summary,
        "published": item.published.isoformat() if item.published else None,
        "updated": item.updated.isoformat() if item.updated else None,
        "first_seen": entry.first_seen.isoformat() if entry.first_seen else None,
        "extras": item.extras.model_dump(mode="json"),
        "novelty": entry.novelty,
        "changes": {f: {"before": b, "after": a} for f, (b, a) in entry.changes.items()},
        "areas": list(verdict.areas),
        "scores": {a: round(s, 4) for a, s in verdict.scores.items()},
        "why": {a: list(terms) for a, terms in verdict.why.items()},
        "score": entry.score,
        "factors": entry.factors.model_dump(mode="json"),
        "also": [_item(i) for i in entry.also],
    }


def document(digest: Digest) -> dict[str, Any]:
    """The digest as plain JSON-ready data, in the documented shape."""
    head = view.headline(digest)
    return {
        "schema_version": SCHEMA_VERSION,
        "key": digest.key,
        "title": digest.title,
        "week": digest.week,
        "generated": digest.generated.isoformat(),
        "since": digest.since.isoformat() if digest.since else None,
        "areas": [a.model_dump(mode="json") for a in digest.areas],
        "headline": {
            "entries": head.entries,
            "new": head.new,
            "changed": head.changed,
            "backfill": head.backfill,
            "safety": head.safety,
            "sources_ok": head.sources_ok,
            "sources_failed": head.sources_failed,
        },
        "entries": [_entry(e, i) for i, e in enumerate(digest.entries, 1)],
        "summary": {**digest.summary.model_dump(mode="json"), "sentences": view.run_sentences(digest)},
        "scan": digest.scan.model_dump(mode="json") if digest.scan else None,
        "trend": {a: [{"week": w, "count": n} for w, n in series] for a, series in digest.trend.items()},
    }


class JsonOptions(WriterOptions):
    indent: int | None = 2  # None writes one compact line


class JsonWriter(Writer):
    """UTF-8 JSON in the shape of ``schema/digest.schema.json``."""

    format = "json"
    filename = "digest.json"
    media_type = "application/json"
    Options = JsonOptions
    options: JsonOptions

    def render(self, digest: Digest) -> bytes:
        text = json.dumps(document(digest), ensure_ascii=False, indent=self.options.indent)
        for char, escaped in _HTML_SAFE.items():
            text = text.replace(char, escaped)
        return text.encode("utf-8") + b"\n"
