"""The JSON digest: a stable, documented shape for other programs.

The shape is described by ``schema/digest.schema.json`` (JSON Schema 2020-12) and
docs/digest-json.md; ``schema_version`` changes when a field is removed or changes
meaning. ``<``, ``>`` and ``&`` are written as ``\\u`` escapes so the file can be
embedded in an HTML page without closing a script element.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import IO, Any

from horizon.digest import Digest, Entry
from horizon.items import Item
from horizon.text import safe_url
from outputs import entry_view, indented_json, view
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
        "technologies": list(entry.technologies),
    }


def document(digest: Digest) -> dict[str, Any]:
    """The digest as plain JSON-ready data, in the documented shape."""
    return {**_frame(digest), "entries": [_entry(e, i) for i, e in enumerate(digest.entries, 1)]}


def _frame(digest: Digest) -> dict[str, Any]:
    """Everything but the entries (an empty list in their place), in the document's key order."""
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
        "entries": [],
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

    def stream(self, digest: Digest, out: IO[bytes]) -> None:
        """The document's bytes, one entry at a time: exactly what ``json.dumps(document(digest))`` gives.

        The frame is dumped with an empty entries list, and the entries are written where it
        stands, each dumped two levels in, as ``json.dumps`` would indent them.
        """
        indent = self.options.indent

        def dumps(value: Any, depth: int = 0) -> str:
            if indent is None:
                return json.dumps(value, ensure_ascii=False)
            return indented_json.dumps(value, indent, depth)

        def write(text: str) -> None:
            for char, escaped in _HTML_SAFE.items():
                text = text.replace(char, escaped)
            out.write(text.encode("utf-8"))

        # The first '"entries": []' is the top-level key: every key before it is fixed (the
        # headline's "entries" is a number) and a quote inside a string value is escaped.
        before, marker, after = dumps(_frame(digest)).partition('"entries": []')
        assert marker, "the JSON frame has no entries key"
        write(before + '"entries": [')
        if indent is None:  # one line: nothing to indent
            first, between, last = "", ", ", ""
        else:  # each entry's lines two levels in, the closing bracket one
            first, last = "\n" + " " * (2 * indent), "\n" + " " * indent
            between = "," + first
        batch: list[str] = []  # written a thousand entries at a time
        for rank, entry in enumerate(digest.entries, 1):
            batch.append((first if rank == 1 else between) + dumps(_entry(entry, rank), depth=2))
            if len(batch) == 1000:
                write("".join(batch))
                batch.clear()
        write("".join(batch))
        write((last if digest.entries else "") + "]" + after + "\n")
