"""Publishing a digest: write every format, record it in the store, leave Prefect artifacts.

Files are written first (atomically), so a failure after that never loses them.
"""

from __future__ import annotations

import re
from pathlib import Path

from prefect import task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

import outputs
from horizon.digest import Digest
from horizon.progress import report
from horizon.store import Store

FORMATS = ("html", "md")


@task(name="publish-digest", cache_policy=NO_CACHE)
def publish(store: Store, key: str, digest: Digest, directory: Path) -> dict:
    """Write the digest files, record the digest and its items, and create artifacts."""
    paths = outputs.write(digest, directory, FORMATS)
    ranked = [(e.item.id, e.score, e.classification.areas) for e in digest.entries]
    store.record_digest(key, digest.week, str(directory), ranked, now=digest.generated)
    artifact_key = re.sub(r"[^a-z0-9]+", "-", f"{key}-{digest.week}".lower()).strip("-")
    create_markdown_artifact(outputs.get("md")().render(digest).decode(), key=artifact_key, description=digest.title)
    rows = [{"rank": n, "title": e.item.title, "source": e.item.source, "areas": ", ".join(e.classification.areas),
             "score": e.score} for n, e in enumerate(digest.entries, 1)]
    create_table_artifact(rows, key=f"{artifact_key}-items", description="Ranked items")
    html = next((p for p in paths if p.suffix == ".html"), paths[0])
    create_link_artifact(html.resolve().as_uri(), link_text=f"{digest.title} ({digest.week})",
                         key=f"{artifact_key}-files")
    report(f"published {len(digest.entries)} entries to {directory}")
    return {
        "week": digest.week,
        "entries": len(digest.entries),
        "files": [str(p) for p in paths],
        "failed_sources": {s.name: s.error for s in digest.summary.failed},
        "counts": digest.summary.counts,
    }
