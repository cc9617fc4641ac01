"""Publishing a digest: write every format, record it in the store, leave Prefect artifacts, deliver.

Files are written first (atomically) and the digest recorded, so a delivery
failure never loses them: it is retried, then reported.
"""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

import outputs
from horizon.digest import Digest
from horizon.progress import report
from horizon.store import Store
from outputs import artifacts
from outputs.atom import update_feed
from outputs.delivery import DeliveryConfig, deliver


@task(name="publish-digest", cache_policy=NO_CACHE)
def publish(store: Store, digest: Digest, directory: Path, top_n: int, feed: Path | None = None,
            record: bool = True) -> list[Path]:
    """Write the digest in every format, record it and its items, and create artifacts.

    ``feed`` is the running Atom feed of recent digests that readers subscribe to.
    An ad-hoc scan passes ``record=False``: it is not a digest of the series, so it
    must not become the workspace's latest digest or the next digest's cutoff.
    """
    paths = outputs.write(digest, directory, outputs.FORMATS, top_n=top_n)
    if feed is not None:
        paths.append(update_feed(feed, digest))
    ranked = [(e.item.id, e.score, e.classification.areas) for e in digest.entries]
    if record:
        store.record_digest(digest.key, digest.week, str(directory), ranked, now=digest.generated,
                            classifications=[e.classification for e in digest.entries])
    made = artifacts.build(digest, paths)
    for md in made.markdown:
        create_markdown_artifact(md.markdown, key=md.key, description=md.description)
    for table in made.tables:
        create_table_artifact(table.table, key=table.key, description=table.description)
    for link in made.links:
        create_link_artifact(link.link, link_text=link.link_text, key=link.key, description=link.description)
    report(f"published {len(digest.entries)} entries to {directory}")
    return paths


@task(name="deliver-digest", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=60)
def send(digest: Digest, delivery: DeliveryConfig) -> list[str]:
    """E-mail and post the digest; Prefect retries a failure, the files are already safe."""
    done = deliver(digest, delivery)
    if done:
        report(f"delivered by {', '.join(done)}")
    return done


def summary(digest: Digest, paths: list[Path], delivered: list[str], delivery_error: str | None) -> dict:
    """What the flow returns: enough for the CLI's closing lines and for scripts."""
    return {
        "week": digest.week,
        "entries": len(digest.entries),
        "files": [str(p) for p in paths],
        "failed_sources": {s.name: s.error for s in digest.summary.failed},
        "counts": digest.summary.counts,
        "delivered": delivered,
        "delivery_error": delivery_error,
    }
